"""The scriptable face: `core` parses and runs the incident verbs; the sibling
modules add the verbs of sync, paging, drills, metrics and the UI."""

from console.cli.core import build_parser, main

__all__ = ["build_parser", "main"]
