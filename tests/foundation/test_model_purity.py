"""A fast guard for the import-linter contract: console.model stays pure.

import-linter runs in CI too; this catches a stray import in seconds, including
imports hidden inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import console.model

MODEL_DIR = Path(console.model.__file__).parent
FORBIDDEN_EXTERNAL = {"textual", "sqlite_utils", "sqlite3", "httpx", "keyring", "platformdirs"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # Relative import inside console.model: resolve against the package.
                base = "console.model" if node.level == 1 else "console"
                found.append((node.lineno, f"{base}.{node.module}" if node.module else base))
            elif node.module:
                found.append((node.lineno, node.module))
                found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "__import__"
            and node.args
        ):
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((node.lineno, arg.value))
    return found


def violations() -> list[str]:
    out = []
    for path in sorted(MODEL_DIR.rglob("*.py")):
        for line, name in imported_modules(path):
            top = name.split(".")[0]
            if top in FORBIDDEN_EXTERNAL:
                out.append(f"{path.name}:{line}: imports {name}")
            elif top == "console" and name != "console" and not name.startswith("console.model"):
                out.append(f"{path.name}:{line}: imports {name} (another console subpackage)")
    return out


def test_model_imports_no_io_library_and_no_other_console_subpackage():
    assert violations() == []


def test_the_guard_would_catch_a_stray_import(tmp_path, monkeypatch):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    import sqlite3\n    from console.store import Store\n", "utf-8")
    names = [n for _, n in imported_modules(bad)]
    assert "sqlite3" in names and "console.store" in names


def test_importing_the_model_loads_no_io_library():
    """At run time too: a fresh interpreter importing every model module."""
    import subprocess
    import sys

    modules = sorted(p.stem for p in MODEL_DIR.glob("*.py") if p.stem != "__init__")
    code = (
        "import sys\n"
        + "".join(f"import console.model.{m}\n" for m in modules)
        + f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN_EXTERNAL)!r}"
        " or (m.startswith('console.') and not m.startswith('console.model')))\n"
        "print(','.join(bad))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(console.model.__file__).parents[2],
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""
