"""How the CLI starts the console: `incident-console` with no verb, `tui`, and
`--demo`. Imports Textual only when the UI is really started."""

from __future__ import annotations

import argparse
import gc
import os
import sys

from console.model.errors import InputError


def add_commands(sub, verb, parser) -> None:
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the console on a throwaway copy of the demo database",
    )
    parser.add_argument(
        "--theme", help="theme for this run (war-room, projector, high-contrast, …)"
    )
    parser.set_defaults(tui_func=run_tui)
    sp = verb("tui", run_tui, "start the console UI (also what no verb does)", json_flag=False)
    # SUPPRESS: `incident-console --demo tui` keeps the top-level value.
    sp.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="a throwaway copy of the demo database",
    )
    sp.add_argument("--theme", default=argparse.SUPPRESS, help="theme for this run")


def _exit_cleanly_on_signals() -> None:
    import signal  # here: every verb imports this module for the global options

    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)


def run_tui(ctx) -> int:
    served = "web_driver" in os.environ.get("TEXTUAL_DRIVER", "")  # a tab of `web`
    if not served and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InputError(
            "the console UI needs a terminal; for scripts use the verbs (`incident-console --help`)"
        )
    # Start-up allocates for good (modules, org, styles, widgets): no cyclic collection
    # until the first frame is on screen (the app turns the collector back on then).
    gc.disable()
    demo = None
    if getattr(ctx.args, "demo", False):
        from console.service import IncidentService
        from console.store import Store
        from console.tui.demo import prepare_demo

        demo = prepare_demo(ctx.org)
        _exit_cleanly_on_signals()  # the throwaway copy goes even if the terminal is closed
        clock = ctx.clock if ctx.args.now else demo.clock()
        service = IncidentService(Store(demo.path), ctx.org, clock, ctx.actor)
        banner = "DEMO (throwaway copy)"
    else:
        service, clock, banner = ctx.service, ctx.clock, ""
    try:
        from console.tui.app import ConsoleApp

        app = ConsoleApp(
            service,
            clock,
            theme=getattr(ctx.args, "theme", None),
            banner=banner,
            escalation=demo is None,
        )  # the throwaway demo never pages anyone
        app.run()
    finally:
        gc.enable()
        if demo is not None:
            service.store.close()
            demo.cleanup()
    return app.return_code or 0
