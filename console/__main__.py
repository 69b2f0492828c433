import gc

gc.disable()  # main() turns it back on for a verb that runs for long (see cli.core.main)

from console.cli import main  # noqa: E402

raise SystemExit(main())
