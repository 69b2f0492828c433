"""Errors the model raises; the faces turn them into one line and an exit code."""


class ConsoleError(Exception):
    """Something went wrong that is not the user's input (exit code 1)."""


class InputError(ConsoleError):
    """The user gave something we cannot accept (exit code 2)."""


class OrgError(InputError):
    """An org file has problems; `problems` holds every one, each 'file:line: what'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        first = problems[0] if problems else "invalid org"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)
