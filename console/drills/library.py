"""Finding and loading scenario files: the bundled ones and the user's own
(`drills/` in the user config dir), plus the org each scenario asks for."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from console import config
from console.model.drill.parse import parse_scenario
from console.model.drill.scenario import Scenario, ScenarioError
from console.model.errors import InputError
from console.model.org import Org, load_org


@dataclass(frozen=True)
class Entry:
    name: str
    path: Path
    origin: str  # "bundled" | "user"


def bundled_dir() -> Path:
    return Path(str(resources.files("console.drills").joinpath("scenarios")))


def user_dir() -> Path:
    return config.config_dir() / "drills"


def catalogue() -> list[Entry]:
    """Bundled scenarios, then the user's (a user file with a bundled name wins)."""
    found: dict[str, Entry] = {}
    for origin, folder in (("bundled", bundled_dir()), ("user", user_dir())):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                found[path.stem] = Entry(path.stem, path, origin)
    return sorted(found.values(), key=lambda e: (e.origin != "bundled", e.name))


def locate(ref: str) -> Path:
    """NAME of a catalogued scenario, or a path to a .toml file."""
    path = Path(ref)
    if path.suffix == ".toml" or "/" in ref or path.is_file():
        if not path.is_file():
            raise InputError(f"{ref}: no such scenario file")
        return path
    for entry in catalogue():
        if entry.name == ref:
            return entry.path
    names = ", ".join(e.name for e in catalogue())
    raise InputError(
        f"no drill scenario {ref!r} (available: {names}; or give a path to a .toml file)"
    )


def read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read scenario ({exc})") from None


def org_for(scenario_org: str, scenario_path: Path, where: str, user_org: str | None = None) -> Org:
    """`demo` is the embedded demo org; `user` the console's configured org (--org or
    the config dir); anything else a file relative to the scenario, over the defaults."""
    if scenario_org == "demo":
        return load_org()
    if scenario_org == "user":
        return config.load(user_org)
    path = Path(scenario_org)
    if not path.is_absolute():
        path = scenario_path.parent / path
    if not path.is_file():
        raise ScenarioError([f"{where}: org file {scenario_org!r} not found (looked at {path})"])
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{where}: cannot read org file {path} ({exc})"]) from None
    return load_org([(text, str(path))])


def load(ref: str, user_org: str | None = None) -> tuple[Scenario, Org]:
    """Parse a scenario, load its org, and validate it against that org."""
    path = locate(ref)
    text = read(path)
    scn = parse_scenario(text, str(path))
    org = org_for(scn.org, path, scn.line("org"), user_org)
    return parse_scenario(text, str(path), org), org
