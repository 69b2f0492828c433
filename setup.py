"""The theme files live in the repository's top-level themes/ folder; a built wheel
carries them inside the package, as console/themes/*.toml (console.tui.themes reads
them there, or from themes/ itself in a source checkout or an editable install).
Everything else about the build is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "console" / "themes"
        target.mkdir(parents=True, exist_ok=True)
        for theme in sorted((HERE / "themes").glob("*.toml")):
            shutil.copy2(theme, target / theme.name)


setup(cmdclass={"build_py": BuildPy})
