"""The theme files live in the repository's top-level themes/ folder; a built package
carries them as console/themes, and both places are read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from console.tui.themes import load_themes, packaged_theme_files

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["high-contrast.toml", "projector.toml", "war-room.toml"]


def test_the_theme_files_are_at_the_top_of_the_repository():
    assert sorted(p.name for p in (ROOT / "themes").glob("*.toml")) == NAMES
    assert not (ROOT / "console" / "themes").exists()
    assert [where for _, where in packaged_theme_files()] == [f"themes/{n}" for n in NAMES]
    themes, problems = load_themes(None)
    assert problems == [] and {"war-room", "projector", "high-contrast"} <= set(themes)


def test_a_build_carries_them_inside_the_package(tmp_path):
    done = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    shipped = tmp_path / "console" / "themes"
    assert sorted(p.name for p in shipped.glob("*.toml")) == NAMES
    for name in NAMES:
        assert (shipped / name).read_text("utf-8") == (ROOT / "themes" / name).read_text("utf-8")
