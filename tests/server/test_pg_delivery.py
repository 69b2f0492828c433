"""The leader lease and the per-page claims in PostgreSQL, on the database's clock."""

from __future__ import annotations

import psycopg

from console.store.escalation_pg import PgDelivery


def expire_everything(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("UPDATE escalation_leader SET until = now() - interval '1 second'")
        conn.execute("UPDATE page_sends SET claimed_until = now() - interval '1 second'")


def test_one_leader_at_a_time_until_its_lease_runs_out_or_it_resigns(pg_url):
    a, b = PgDelivery(pg_url), PgDelivery(pg_url)
    try:
        assert a.lead("a", 30) and a.lead("a", 30)  # renewing
        assert not b.lead("b", 30)
        expire_everything(pg_url)
        assert b.lead("b", 30) and not a.lead("a", 30)
        b.resign("b")
        assert a.lead("a", 30)
        assert a.leader() == ("a", True)
    finally:
        a.close()
        b.close()


def test_a_key_marked_sent_is_never_sent_again_and_a_dead_claim_expires(pg_url):
    a, b = PgDelivery(pg_url), PgDelivery(pg_url)
    try:
        assert a.claim("INC-1/SEV1+0/ana/r0@hook", "a", 30) == "mine"
        assert b.claim("INC-1/SEV1+0/ana/r0@hook", "b", 30) == "busy"
        a.mark_sent("INC-1/SEV1+0/ana/r0@hook", "a")
        assert b.claim("INC-1/SEV1+0/ana/r0@hook", "b", 30) == "sent"
        expire_everything(pg_url)
        assert b.claim("INC-1/SEV1+0/ana/r0@hook", "b", 30) == "sent"  # sent stays sent

        assert a.claim("INC-1/SEV1+0/ben/r0@hook", "a", 30) == "mine"  # then a is killed
        assert b.claim("INC-1/SEV1+0/ben/r0@hook", "b", 30) == "busy"
        expire_everything(pg_url)
        assert b.claim("INC-1/SEV1+0/ben/r0@hook", "b", 30) == "mine"  # same key, again

        assert a.claim("INC-1/SEV1+0/cy/r0@hook", "a", 30) == "mine"
        a.release("INC-1/SEV1+0/cy/r0@hook", "a")  # the send failed: free at once
        assert b.claim("INC-1/SEV1+0/cy/r0@hook", "b", 30) == "mine"
        assert a.sends()["INC-1/SEV1+0/ben/r0@hook"] == (2, False)
    finally:
        a.close()
        b.close()
