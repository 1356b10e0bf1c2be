"""Time travel on both axes, against a from-scratch replay, on memory, SQLite and PostgreSQL.

Random histories: several issues, recorded in an interleaved order, some back-dated (found long
before they were recorded), some reopened after close-out. For random (D, K) the ledger and the
figures from the views equal a replay of the events dated by D and recorded by K.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rectify
from rectify.testing import invariants as inv
from tests.conftest import PG_DB, PG_HOST, PG_PORT, PG_USER, UNIT, Cast, require_postgres

TODAY = date(2020, 12, 31)
START = date(2019, 1, 1)

# One issue's path through the workflow, each step (command, arguments); "reopen" makes it relapse.
PATH: list[tuple[str, Any, dict[str, Any]]] = [
    (
        "assign",
        Cast.verifier,
        {"unit": UNIT, "person": "劉處長", "deadline": None, "measures": ["m"]},
    ),
    ("report_progress", Cast.responsible, {"text": "推進中"}),
    ("complete_measure", Cast.responsible, {"measure": 1}),
    ("submit_rectification", Cast.responsible, {"summary": "完成"}),
    ("verify", Cast.verifier, {}),
    ("close_out", Cast.verifier, {}),
    ("reopen", Cast.inspector, {"reason": "反彈"}),
    ("rectify_on_the_spot", Cast.responsible, {"summary": "再次整改"}),
]

issue_spec = st.tuples(
    st.integers(0, 300),  # found this many days after START (a later issue may be found earlier)
    st.integers(0, len(PATH)),  # how far along the path it goes
    st.lists(st.integers(0, 40), min_size=len(PATH), max_size=len(PATH)),  # days between steps
)
history = st.lists(issue_spec, min_size=1, max_size=6).flatmap(
    lambda issues: st.tuples(
        st.just(issues),
        st.permutations([i for i, (_, n, _) in enumerate(issues) for _ in range(n + 1)]),
    )
)


def play(app: rectify.RectificationApp, issues: list[Any], order: list[int]) -> None:
    """Record the issues' steps in ``order`` (an issue's first turn records it)."""
    ids: dict[int, Any] = {}
    done: dict[int, int] = {}
    day: dict[int, date] = {}
    for i in order:
        found_after, _, gaps = issues[i]
        if i not in ids:
            day[i] = START + timedelta(days=found_after)
            ids[i] = app.record_issue(
                actor=Cast.inspector, title=f"問題{i}", unit=UNIT, source="inspection", on=day[i]
            )
            done[i] = 0
            continue
        trigger, actor, args = PATH[done[i]]
        day[i] += timedelta(days=gaps[done[i]])
        args = dict(args)
        if "deadline" in args:
            args["deadline"] = day[i] + timedelta(days=30)
        getattr(app, trigger)(ids[i], actor=actor, on=day[i], **args)
        done[i] += 1


@contextmanager
def fresh_app(kind: str) -> Iterator[rectify.RectificationApp]:
    if kind == "memory":
        app = rectify.connect("memory://", today=lambda: TODAY)
        yield app
        app.close()
    elif kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            app = rectify.connect(f"sqlite:///{folder}/ledger.db", today=lambda: TODAY)
            yield app
            app.close()
    else:
        import psycopg
        from psycopg import sql

        schema = f"rectify_tt_{uuid.uuid4().hex[:12]}"
        app = rectify.connect(
            f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DB}?schema={schema}",
            today=lambda: TODAY,
        )
        try:
            yield app
        finally:
            app.close()
            with psycopg.connect(
                host=PG_HOST, port=PG_PORT, dbname=PG_DB, user=PG_USER, autocommit=True
            ) as c:
                c.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                )


EXAMPLES = {"memory": 80, "sqlite": 30, "postgres": 12}
KINDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("kind", KINDS)
def test_views_equal_a_replay_on_both_time_axes(kind: str) -> None:
    if kind == "postgres":
        require_postgres()

    @settings(
        max_examples=EXAMPLES[kind], deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(
        spec=history,
        probes=st.lists(
            st.tuples(st.integers(-10, 700), st.none() | st.floats(0, 1)), min_size=1, max_size=6
        ),
    )
    def check(spec: Any, probes: list[tuple[int, float | None]]) -> None:
        issues, order = spec
        with fresh_app(kind) as app:
            play(app, issues, list(order))
            log = inv.logged_events(app)
            for days, known in probes:
                position = None if known is None else log[int(known * (len(log) - 1))][0]
                inv.ledger_equals_replay(app, START + timedelta(days=days), position, log)

    check()


@pytest.mark.parametrize("kind", KINDS)
def test_a_back_dated_entry_never_changes_what_was_known_before(kind: str) -> None:
    if kind == "postgres":
        require_postgres()
    with fresh_app(kind) as app:
        a = app.record_issue(
            actor=Cast.inspector, title="a", unit=UNIT, source="inspection", on="2019-06-01"
        )
        app.assign(
            a, actor=Cast.verifier, unit=UNIT, person="p", deadline="2019-07-01", on="2019-06-02"
        )
        published = app.recorder.max_notification_id()
        d = date(2019, 6, 30)
        before_now = app.ledger(as_of=d)
        # 補錄: recorded now, found back in May, closed out in June
        b = app.record_issue(
            actor=Cast.inspector, title="b", unit=UNIT, source="inspection", on="2019-05-10"
        )
        app.rectify_on_the_spot(b, actor=Cast.responsible, summary="s", on="2019-05-11")
        app.verify(b, actor=Cast.verifier, on="2019-05-12")
        app.close_out(b, actor=Cast.verifier, on="2019-05-13")
        assert app.ledger(as_of=d, known_at=published) == before_now
        assert app.figures(as_of=d, known_at=published).total.found == 1
        now = app.ledger(as_of=d)
        assert [r.title for r in now] == ["a", "b"]
        assert now[1].is_closed_out and now[1].closed_out_on == date(2019, 5, 13)
        assert app.figures(as_of=d).total.closed_out == 1
        # by timestamp: what had been recorded by the moment of publication
        moment = app.audit_trail(a)[-1].recorded_at
        assert app.ledger(as_of=d, known_at=moment) == before_now
        assert app.ledger(as_of=d, known_at=moment.isoformat()) == before_now
        assert app.ledger(as_of=date(2019, 5, 31)) == app.ledger(
            as_of=date(2019, 5, 31), known_at=None
        )
        assert [r.title for r in app.ledger(as_of=date(2019, 5, 31))] == ["b"]
