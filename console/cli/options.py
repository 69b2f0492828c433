"""Global options anywhere on the line, and where a database may be created.

`incident-console declare --db x.db ...` reads as well as `incident-console --db x.db
declare ...`: every verb (and every action under a verb) also accepts the top-level
options, unless it has an option of that name of its own (`serve --db` is the server's
log). Given there, they override; not given, the top-level value stays (SUPPRESS).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from console.model.errors import InputError


def _global_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        a
        for a in parser._actions
        if a.option_strings
        and not isinstance(a, argparse._HelpAction | argparse._VersionAction)
        and a.help is not argparse.SUPPRESS
    ]


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases name one parser twice
                found += [sub, *_subparsers(sub)]
    return found


def accept_after_verb(parser: argparse.ArgumentParser) -> None:
    """Give every sub-parser the top-level options it does not define itself."""
    globals_ = _global_actions(parser)
    for sub in _subparsers(parser):
        taken = sub._option_string_actions
        for g in globals_:
            if any(s in taken for s in g.option_strings):
                continue
            kw: dict = {"dest": g.dest, "default": argparse.SUPPRESS, "help": argparse.SUPPRESS}
            if isinstance(g, argparse._StoreTrueAction):
                kw["action"] = "store_true"
            else:
                kw.update(metavar=g.metavar, type=g.type, choices=g.choices)
            sub.add_argument(*g.option_strings, **kw)


def check_db_folder(path: Path, data_folder: Path) -> Path:
    """A database named on the command line (or in the environment) must be in a folder
    that exists: a typo would otherwise become a new, empty board. Only the default data
    folder is created."""
    if path.parent != data_folder and not path.parent.is_dir():
        raise InputError(
            f"--db {path}: the folder {path.parent} does not exist "
            "(only the default data folder is created; make the folder first)"
        )
    return path
