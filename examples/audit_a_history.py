"""For an auditor (審計, 巡察) replaying the history of a rectification ledger.

It builds a small history, publishes the ledger of 30 June, and then records a back-dated entry
(補錄): a problem found and rectified in May but entered only in July. Then it answers the
auditor's questions on the two time axes rectify keeps apart:

* "as of D": what stood on business date D, as known now (``get_issue(id, as_of=D)``,
  ``ledger(as_of=D)``);
* "as of D, known at K": what the ledger said of D using only what had been recorded by log
  position K (``ledger(as_of=D, known_at=K)``), i.e. the ledger as it was published;

reads the audit trail (who did what, on which business date, recorded when) and the entries
recorded after the publication but dated before it, and shows that a back-dated entry changes what
is known now of 30 June, never what was known then: history is added to, never rewritten.

Usage::

    python examples/audit_a_history.py [STORE_URL]

STORE_URL defaults to ``memory://``; give an empty store (``sqlite:///audit.db`` …) to keep it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date

import rectify
from rectify import Actor, RectificationApp, Role

committee = Actor("gw-zhao", "趙主任", "省直機關工委", [Role.VERIFIER])
finance = Actor("cz-liu", "劉處長", "省財政廳", [Role.RESPONSIBLE])

PUBLISHED_DATE = "2019-06-30"  # the ledger of 30 June (6月份臺賬) is reported upwards


def log_position(app: RectificationApp) -> int:
    """The position of the last event recorded: what ``known_at`` takes."""
    feed = app.events_since(0)
    return (feed[-1].position or 0) if feed else 0


def show(title: str, rows: Sequence[object]) -> None:
    print(f"{title}: {len(rows)} row(s)")
    for row in rows:
        print(f"  {row}")


def ledger_lines(app: RectificationApp, as_of: str, known_at: int | None = None) -> list[str]:
    """The ledger as the lines an auditor compares: 序號, 問題描述, 責任單位, 狀態, 整改時限, 逾期."""
    return [
        f"{r.seq}. {r.title} | {r.acting_unit} | {r.status.label} | deadline {r.deadline or '-'} "
        f"| {f'{r.days_overdue} day(s) overdue' if r.overdue else 'not overdue'}"
        for r in app.ledger(as_of=as_of, known_at=known_at)
    ]


def main(url: str) -> None:
    app = rectify.connect(url, today=lambda: date(2019, 12, 31))
    try:
        if app.events_since(0, limit=1):
            raise SystemExit(f"{url} holds a history already: give this example an empty store")
        # --- the history as it was recorded, in this order
        meetings = app.record_issue(
            actor=committee,
            title="三會一課記錄不規範",
            unit="省財政廳",
            source="inspection",
            on="2019-06-01",
        )
        app.assign(
            meetings,
            actor=committee,
            unit="省財政廳",
            person="劉處長",
            deadline="2019-06-20",
            on="2019-06-02",
        )

        # The ledger of 30 June is published: remember the log position it was read at.
        published = log_position(app)
        as_published = ledger_lines(app, as_of=PUBLISHED_DATE)
        show(f"ledger of {PUBLISHED_DATE} as published (log position {published})", as_published)

        # 補錄, recorded in July: a problem found on 10 May and rectified on the spot the next day.
        dues = app.record_issue(
            actor=committee,
            title="黨費收繳不及時",
            unit="省財政廳",
            source="inspection",
            on="2019-05-10",
        )
        app.rectify_on_the_spot(dues, actor=finance, summary="當場補繳", on="2019-05-11")
        # The June problem goes on: rectified late, verified, closed out.
        app.rectify_on_the_spot(meetings, actor=finance, summary="已規範記錄", on="2019-07-10")
        app.verify(meetings, actor=committee, note="經核查,整改到位", on="2019-07-12")
        app.close_out(meetings, actor=committee, on="2019-07-15")

        # --- "as of D": one problem on given business dates, as known now
        for day in ("2019-06-15", "2019-06-30", "2019-07-31"):
            v = app.get_issue(meetings, as_of=day)
            print(f"as of {day}: {v.title} {v.status.label}, {v.days_overdue} day(s) overdue")
        assert app.get_issue(meetings, as_of="2019-06-30").days_overdue == 10
        assert app.get_issue(meetings).rectified_late

        # --- the ledger of 30 June as known now, and as known at the publication
        now = ledger_lines(app, as_of=PUBLISHED_DATE)
        then = ledger_lines(app, as_of=PUBLISHED_DATE, known_at=published)
        show(f"ledger of {PUBLISHED_DATE} as known now", now)
        show(f"ledger of {PUBLISHED_DATE} as known at position {published}", then)
        assert then == as_published, "a back-dated entry never changes what was known then"
        assert len(now) == len(as_published) + 1, "what is known now of 30 June has grown"
        print("the back-dated entry changed what is known now of 30 June, not what was known then")

        # --- the audit trail: who did what, on which business date, recorded when
        for issue_id in (meetings, dues):
            trail = app.audit_trail(issue_id)
            print(f"audit trail of {app.get_issue(issue_id).title}: {len(trail)} event(s)")
            for e in trail:  # str(e): #version, business date, action, actor, state change, reason
                print(f"  log position {e.position}, recorded {e.recorded_at:%H:%M:%S}: {e}")
        # Entries recorded after the publication but dated on or before its date: the 補錄.
        late = [
            e for e in app.events_since(published) if e.on <= date.fromisoformat(PUBLISHED_DATE)
        ]
        print(f"recorded after position {published} but dated by {PUBLISHED_DATE} (補錄):")
        for e in late:
            title = app.get_issue(e.issue_id).title
            print(
                f"  #{e.position} {e.on} {e.action} of {title}, recorded {e.recorded_at:%H:%M:%S}"
            )
        assert [e.action for e in late] == ["record", "rectify_on_the_spot"]

        # --- integrity verification (完整性校驗): the answers above came from a history that is
        # the one recorded (every event against its chain, the views against a replay); see
        # verify_a_history.py for what a tampered store shows.
        report = app.verify_integrity()
        assert report.intact, report.findings
        assert report.head is not None
        print(f"the history behind these answers is intact: {report.events} events, "
              f"digest {report.head.digest[:16]}…")  # fmt: skip
    finally:
        app.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "memory://")
