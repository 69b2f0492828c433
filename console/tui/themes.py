"""Themes are files: the repository's `themes/*.toml` (shipped in the wheel), then the user's
`<config dir>/themes/*.toml` (same name replaces). A bad file is reported with
file:line and skipped, so a typo never stops the console from starting."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

from console.model.org import SEVERITIES

DEFAULT_THEME = "war-room"
NO_COLOR_THEME = "high-contrast"

# Colour fields of textual.theme.Theme a theme file may set.
COLOUR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
THEME_KEYS = {"name", "label", "dark", *COLOUR_FIELDS}

# The console's own CSS variables: every theme gets these defaults, so switching to
# a theme that leaves one out never breaks the CSS (App.get_theme_variable_defaults).
VARIABLE_DEFAULTS = {
    "sev1": "#E5484D",
    "sev2": "#F76B15",
    "sev3": "#FFC53D",
    "sev4": "#3E63DD",
    "sev5": "#8B8D98",
    "overdue": "#E5484D",
    "due": "#FFC53D",
    "done": "#46A758",
    "muted": "#8B8D98",
    "responsible-foreground": "#000000",
    "responsible-background": "#FFC53D",
    "cursor-background": "#3A3A3A",
}

# Used when a theme gives no markers, and always under NO_COLOR (no colour to lean on).
TEXT_MARKERS = {"SEV1": "▮▮▮▮", "SEV2": "▮▮▮▯", "SEV3": "▮▮▯▯", "SEV4": "▮▯▯▯", "SEV5": "▯▯▯▯"}


@dataclass(frozen=True)
class ConsoleTheme:
    theme: Theme
    label: str
    markers: dict[str, str] = field(default_factory=dict)
    source: str = ""

    @property
    def name(self) -> str:
        return self.theme.name


class ThemeFileError(ValueError):
    """One or more problems in a theme file, each 'file:line: what'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def parse_theme(text: str, filename: str) -> ConsoleTheme:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or 1
        raise ThemeFileError(
            [f"{filename}:{line}: not valid TOML: {getattr(exc, 'msg', exc)}"]
        ) from None
    problems: list[str] = []
    lines = None  # where each key is: only a problem needs it (a scan of the whole text)

    def bad(msg: str, *path) -> None:
        nonlocal lines
        if lines is None:
            from console.model.toml_lines import LineIndex

            lines = LineIndex(text)
        problems.append(f"{filename}:{lines.line(*path)}: {msg}")

    for key in sorted(set(data) - {"theme", "variables", "markers"}):
        bad(f"unknown section {key!r} (expected [theme], [variables], [markers])", key)
    head = data.get("theme")
    if not isinstance(head, dict):
        bad("a theme file needs a [theme] table with at least name and primary", "theme")
        raise ThemeFileError(problems)
    for key in sorted(set(head) - THEME_KEYS):
        bad(
            f"unknown key {key!r} in [theme] (expected one of {', '.join(sorted(THEME_KEYS))})",
            "theme",
            key,
        )
    name = head.get("name")
    if not isinstance(name, str) or not name.strip():
        bad("[theme] needs a name", "theme")
    if "primary" not in head:
        bad("[theme] needs a primary colour", "theme")
    colours = {}
    for key in COLOUR_FIELDS:
        if key in head:
            if _colour_problem(head[key]):
                bad(f"{key}: {_colour_problem(head[key])}", "theme", key)
            else:
                colours[key] = head[key]
    dark = head.get("dark", True)
    if not isinstance(dark, bool):
        bad("dark must be true or false", "theme", "dark")
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        bad("[variables] must be a table", "variables")
        variables = {}
    clean_vars = {}
    for key, value in variables.items():
        if not isinstance(value, str):
            bad(f"variable {key!r} must be a string", "variables", key)
        elif key in VARIABLE_DEFAULTS and _colour_problem(value):
            bad(f"variable {key!r}: {_colour_problem(value)}", "variables", key)
        else:
            clean_vars[key] = value
    markers = data.get("markers", {})
    if not isinstance(markers, dict):
        bad('[markers] must be a table like SEV1 = "▮▮▮▮"', "markers")
        markers = {}
    for key, value in markers.items():
        if key not in SEVERITIES:
            bad(
                f"unknown severity {key!r} in [markers] (expected one of {', '.join(SEVERITIES)})",
                "markers",
                key,
            )
        elif not isinstance(value, str) or len(value) > 6:
            bad(f"marker for {key} must be a string of at most 6 characters", "markers", key)
    if problems or not isinstance(name, str):  # (a name that is not text is among the problems)
        raise ThemeFileError(problems)
    theme = Theme(name=name.strip(), dark=dark, variables=clean_vars, **colours)
    return ConsoleTheme(
        theme, str(head.get("label") or name), {k: str(v) for k, v in markers.items()}, filename
    )


def _colour_problem(value) -> str | None:
    if not isinstance(value, str):
        return f'expected a colour string like "#FF5C5C", got {value!r}'
    try:
        Color.parse(value)
    except ColorParseError:
        return f"not a colour: {value!r}"
    return None


def _shipped_folder() -> Traversable | None:
    """The themes that come with the console: inside an installed wheel they are
    console/themes (setup.py copies them in); in a source checkout or an editable
    install they are the repository's top-level themes/ folder."""
    inside = resources.files("console").joinpath("themes")
    if inside.is_dir():
        return inside
    checkout = Path(__file__).resolve().parents[2] / "themes"
    return checkout if checkout.is_dir() else None


def packaged_theme_files() -> list[tuple[str, str]]:
    folder = _shipped_folder()
    out = []
    for entry in sorted(folder.iterdir() if folder else [], key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out.append((entry.read_text("utf-8"), f"themes/{entry.name}"))
    return out


def user_theme_files(folder: Path | None) -> list[tuple[str, str]]:
    if folder is None or not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.toml")):
        try:
            out.append((path.read_text("utf-8"), str(path)))
        except (OSError, UnicodeDecodeError) as exc:
            out.append(("", f"{path}: cannot read ({exc})"))
    return out


def load_themes(user_dir: Path | None = None) -> tuple[dict[str, ConsoleTheme], list[str]]:
    """All themes by name, and the problems found (each 'file:line: what')."""
    themes: dict[str, ConsoleTheme] = {}
    problems: list[str] = []
    for text, filename in [*packaged_theme_files(), *user_theme_files(user_dir)]:
        if ": cannot read" in filename:
            problems.append(filename)
            continue
        try:
            ct = parse_theme(text, filename)
        except ThemeFileError as exc:
            problems.extend(exc.problems)
            continue
        themes[ct.name] = ct
    return themes, problems
