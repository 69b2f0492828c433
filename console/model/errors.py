"""Errors the model raises; the faces turn them into one line and an exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.model.org import Org


class ConsoleError(Exception):
    """Something went wrong that is not the user's input (exit code 1)."""


class InputError(ConsoleError):
    """The user gave something we cannot accept (exit code 2)."""


class OrgError(InputError):
    """An org file has problems; `problems` holds every one, each 'file:line: what'."""

    def __init__(self, problems: list[str], org: Org | None = None):
        self.problems = problems
        # The org as far as it could be built, so `model check` can go on checking it.
        self.org = org
        first = problems[0] if problems else "invalid org"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)
