"""For a party-affairs system (黨務信息系統) that embeds rectify as its rectification ledger.

It shows the whole life of problems driven from another system: record them (發現), assign them
(交辦), rectify them (立行立改 or 限期整改), verify (驗收) and close them out (銷號), with separation of
duties respected (the verifier belongs to another unit than the problem's and is never the person
who rectified it). Every command carries an idempotency key (``command_id=``) made from the host
system's own record ids, so a request retried after a timeout, or this whole script run again on
the same store, records nothing new. The host follows the events feed (``app.events_since``) to
mirror changes into its own tables, reads the ledger (臺賬, ``app.ledger()``) and turns the typed
errors of ``rectify.errors`` into answers for its users.

Usage::

    python examples/embed_in_a_system.py [STORE_URL]

STORE_URL defaults to a fresh SQLite file in a temporary folder; ``memory://``,
``sqlite:///ledger.db`` and ``postgresql://user@host:5432/db`` work too.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import rectify
from rectify import Actor, RectificationApp, Role
from rectify.errors import (
    InvalidCommand,
    NotFound,
    PermissionDenied,
    RectifyError,
    TransitionNotAllowed,
)

# The people the host system logs in, each with a unit and the roles rectify checks.
inspector = Actor("dy-03", "周組長", "省直機關工委", [Role.INSPECTOR])  # 督查組
committee = Actor("gw-zhao", "趙主任", "省直機關工委", [Role.VERIFIER])  # 工委: verifies
finance = Actor("cz-liu", "劉處長", "省財政廳", [Role.RESPONSIBLE])
education = Actor("jy-chen", "陳處長", "省教育廳", [Role.RESPONSIBLE])
# Two who may NOT verify the education department's work, although they hold the VERIFIER role:
education_verifier = Actor("jy-wang", "王書記", "省教育廳", [Role.VERIFIER])  # its own unit
seconded = Actor("jy-chen", "陳處長", "省直機關工委", [Role.VERIFIER])  # the rectifier, seconded


@dataclass(frozen=True)
class HostProblem:
    """A problem as the host system keeps it: its own record id is the idempotency key's root."""

    host_id: str
    title: str
    unit: str
    found_on: str


HOST_PROBLEMS = (
    HostProblem("PT-2019-001", "“三會一課”制度執行不嚴格", "省財政廳", "2019-06-03"),
    HostProblem("PT-2019-002", "黨費收繳台賬不完整", "省財政廳", "2019-06-04"),
    HostProblem("PT-2019-003", "支部主題黨日流於形式", "省教育廳", "2019-06-05"),
)


class FeedFollower:
    """What a host keeps to mirror rectify: the last feed position it has handled."""

    def __init__(self, app: RectificationApp) -> None:
        self.app = app
        self.position = 0  # a real host stores this with its own data, in the same transaction

    def poll(self, label: str) -> int:
        entries = self.app.events_since(self.position)
        print(f"feed after {label}: {len(entries)} new event(s)")
        for entry in entries:
            before = entry.from_state.value if entry.from_state is not None else ""
            after = entry.to_state.value if entry.to_state is not None else ""
            print(
                f"  #{entry.position:<3} {entry.on} {entry.action:<20} "
                f"{before:>9} → {after:<10} by {entry.actor.name}"
            )
            assert entry.position is not None
            self.position = entry.position
        return len(entries)


def record_and_rectify(app: RectificationApp) -> dict[str, UUID]:
    """The host's nightly synchronisation: every command keyed by the host's own ids."""
    ids: dict[str, UUID] = {}
    for p in HOST_PROBLEMS:
        ids[p.host_id] = app.record_issue(
            actor=inspector,
            title=p.title,
            unit=p.unit,
            source="考核",
            category="組織生活",
            on=p.found_on,
            command_id=f"{p.host_id}/record",
        )
    first, second, third = (ids[p.host_id] for p in HOST_PROBLEMS)

    # 限期整改: assigned with measures and a deadline, each measure ticked off, then submitted.
    app.assign(
        first,
        actor=committee,
        unit="省財政廳",
        person="劉處長",
        deadline="2019-08-31",
        measures=["制定整改方案", "逐條整改落實"],
        on="2019-06-05",
        command_id="PT-2019-001/assign",
    )
    app.complete_measure(
        first, actor=finance, measure=1, on="2019-06-20", command_id="PT-2019-001/m1"
    )
    app.complete_measure(
        first, actor=finance, measure=2, on="2019-08-20", command_id="PT-2019-001/m2"
    )
    app.submit_rectification(
        first,
        actor=finance,
        summary="整改完成",
        evidence=["整改報告.pdf"],
        on="2019-08-25",
        command_id="PT-2019-001/submit",
    )
    # 立行立改: rectified on the spot by the unit itself.
    for issue_id, host_id, actor in (
        (second, "PT-2019-002", finance),
        (third, "PT-2019-003", education),
    ):
        app.rectify_on_the_spot(
            issue_id,
            actor=actor,
            summary="當場整改",
            on="2019-06-10",
            command_id=f"{host_id}/on-the-spot",
        )
    # 驗收 and 銷號 by the committee: another unit than the problems', and not who rectified them.
    for issue_id, host_id in ((first, "PT-2019-001"), (second, "PT-2019-002")):
        app.verify(
            issue_id,
            actor=committee,
            note="經核查,整改到位",
            on="2019-09-02",
            command_id=f"{host_id}/verify",
        )
        app.close_out(issue_id, actor=committee, on="2019-09-03", command_id=f"{host_id}/close")
    return ids


def attempt(what: str, command: Callable[[], object]) -> RectifyError:
    """Run a command the host expects to be refused and say how it was refused."""
    try:
        command()
    except RectifyError as e:  # every refusal is a RectifyError; nothing was recorded
        print(f"refused ({type(e).__name__}): {what}\n  {e}")
        return e
    msg = f"{what} was not refused"
    raise AssertionError(msg)


def show_refusals(app: RectificationApp, ids: dict[str, UUID]) -> None:
    """The typed errors a host turns into messages for its users."""
    closed, waiting = ids["PT-2019-001"], ids["PT-2019-003"]
    e = attempt(
        "the education department's own verifier verifies its work",
        lambda: app.verify(waiting, actor=education_verifier, on="2019-09-04"),
    )
    assert isinstance(e, PermissionDenied)
    e = attempt(
        "the person who rectified it verifies it, now acting for the committee",
        lambda: app.verify(waiting, actor=seconded, on="2019-09-04"),
    )
    assert isinstance(e, PermissionDenied)
    e = attempt(
        "a closed-out problem is verified again",
        lambda: app.verify(closed, actor=committee, on="2019-09-04"),
    )
    assert isinstance(e, TransitionNotAllowed)
    print(f"  the workflow allows now: {', '.join(e.allowed)}")
    e = attempt(
        "an assignment names nobody",
        lambda: app.assign(
            waiting, actor=committee, unit="省教育廳", person="", deadline="2019-12-31"
        ),
    )
    assert isinstance(e, InvalidCommand)
    print(f"  the host highlights the field {e.field!r}")
    e = attempt("a problem the ledger never heard of", lambda: app.get_issue(uuid4()))
    assert isinstance(e, NotFound)


def main(url: str) -> None:
    app = rectify.connect(url, today=lambda: date(2019, 12, 31))
    try:
        follower = FeedFollower(app)
        held = follower.poll("opening the store")  # 0 on a fresh store; run this twice to see

        ids = record_and_rectify(app)
        recorded = follower.poll("the first synchronisation")
        print(f"recorded {recorded} new event(s) (the store held {held} before)")

        # The host retries the whole synchronisation (a timeout, a restart): the same keys again
        # return the first results and record nothing, although e.g. verifying a closed-out
        # problem would otherwise be refused.
        again = record_and_rectify(app)
        assert again == ids
        repeated = follower.poll("repeating every command with the same command_id")
        print(f"idempotent: the repeated commands recorded {repeated} new event(s)")
        assert repeated == 0

        show_refusals(app, ids)
        assert follower.poll("the refused commands") == 0

        print("ledger (臺賬) as of 2019-12-31:")
        for row in app.ledger():
            print(
                f"  {row.seq}. {row.title} | {row.acting_unit} | {row.status.label} "
                f"| {row.mode.label if row.mode else '-'} | closed out {row.closed_out_on or '-'}"
            )
        waiting = app.get_issue(ids["PT-2019-003"])
        assert waiting.status is rectify.Status.RECTIFIED  # awaiting an independent verifier
        candidates = (committee, education_verifier, seconded)
        allowed = [a for a in candidates if "verify" in app.allowed_actions(waiting.id, a)]
        assert allowed == [committee]
        print(f"awaiting verification: {waiting.title}, by {allowed[0].name} ({allowed[0].unit})")
    finally:
        app.close()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as folder:
            main(f"sqlite:///{Path(folder) / 'ledger.db'}")
