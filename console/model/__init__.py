"""The responsibility model and incidents as pure values (no I/O libraries)."""

# Register the event kinds and model checks of automated escalation wherever
# incidents are folded: page_queued, page_delivered, ... and [[channels]].
from console.model import channels as _channels  # noqa: E402,F401
from console.model.paging import checks as _paging_checks  # noqa: E402,F401
