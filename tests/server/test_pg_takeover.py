"""A killed serve process's paging is taken over after its lease runs out — every time:
the process that queued the pages is killed mid-send, the one that took them over is
killed mid-send too, and the third still delivers every page, each under its one key."""

from __future__ import annotations

import re
import threading
from collections import defaultdict

from escalation_kit import (
    LEASE,
    Desk,
    delivered_in_log,
    log_events,
    mirror_device,
    org_text,
    page_events,
    page_keys_in_log,
)
from hooks import Hook
from serveproc import ServeProcess
from waiting import wait_until

from console.model.org import load_org


def test_a_page_taken_over_by_a_process_that_dies_is_taken_over_again(tmp_path, pg_url):
    gate = threading.Event()  # closed: every page hangs in the receiver until it opens
    hook = Hook(gate=gate)
    (tmp_path / "org.toml").write_text(org_text(hook))
    org = load_org([(org_text(hook), str(tmp_path / "org.toml"))])
    flags = ("--escalation-interval", "0.2", "--lease", str(LEASE))

    def serve(name: str) -> ServeProcess:
        return ServeProcess(tmp_path, pg_url, name, *flags, org=tmp_path / "org.toml").start()

    procs: list[ServeProcess] = []
    desk = None
    try:
        a = serve("a")
        procs.append(a)
        desk = Desk(tmp_path / "ic.db", org, "ic", a.url)
        inc = desk.service.declare("Checkout down", "SEV1", services=["payment-api"])
        desk.sync()
        wait_until(lambda: len(hook.received()) >= 1, timeout=30, what="a's first page")
        wait_until(lambda: page_keys_in_log(pg_url), timeout=30, what="a's pages in the log")
        a.kill()  # queued its pages, sent none: they are orphans now

        b, c = serve("b"), serve("c")
        procs += [b, c]
        wait_until(
            lambda: log_events(pg_url, "page_adopted") and len(hook.received()) >= 2,
            timeout=LEASE * 10,
            what="a survivor to take a's pages over and start sending them",
        )
        # the one that took them over, by the device its events carry (not the lease:
        # stuck in a send, it may have lost the lead meanwhile)
        took = log_events(pg_url, "page_adopted")[0]["origin"]
        (adopter,) = (p for p in (b, c) if mirror_device(tmp_path, p) == took)
        adopter.kill()  # mid-send of the pages it took over
        gate.set()
        (last,) = (p for p in (b, c) if p is not adopter)

        def all_delivered() -> bool:
            queued = page_keys_in_log(pg_url)
            return queued <= delivered_in_log(pg_url) and queued <= set(hook.received())

        wait_until(all_delivered, timeout=LEASE * 20, what=f"{last.name} to deliver every page")
        assert len(page_events(pg_url, "page_adopted")) >= 2  # taken over twice
        keys = hook.received()
        by_page = defaultdict(set)
        for key in keys:
            by_page[re.sub(r"/r\d+@", "@", key)].add(key)
        assert all(len(v) == 1 for v in by_page.values()), by_page
        assert set(keys) == page_keys_in_log(pg_url)
        assert all(k.startswith(f"{inc.id}/") for k in keys)
    finally:
        gate.set()
        for p in procs:
            p.stop()
        if desk is not None:
            desk.store.close()
        hook.stop()
