"""Several processes writing at once: no write is reported that was not stored (issue 8, finding 1).

Each process records issues linked to one shared branch, each under its own idempotency key, and
reports what every call returned. A lost race on the shared branch must be retried or raised as
:class:`~rectify.errors.ConcurrencyConflict`; it must never be taken for "this key was recorded".
"""

from __future__ import annotations

import multiprocessing
from datetime import date
from typing import Any

import rectify
from rectify import Actor, Role
from rectify.errors import ConcurrencyConflict
from tests.conftest import TODAY, UNIT, Cast

WRITERS = 4
PER_WRITER = 25


def _record_many(url: str, worker: int, branch_id: str, out: Any) -> None:
    inspector = Actor(f"insp-{worker}", "周組長", Cast.inspector.unit, [Role.INSPECTOR])
    results: list[tuple[str, str, str | None]] = []
    app = None
    try:
        app = rectify.connect(url, today=lambda: TODAY, catch_up=False)
        for n in range(PER_WRITER):
            key = f"writer-{worker}/{n}"
            try:
                ident = app.record_issue(
                    actor=inspector,
                    title=f"問題 {worker}-{n}",
                    unit=UNIT,
                    source="inspection",
                    branch_id=branch_id,
                    command_id=key,
                    on=date(2019, 6, 1),
                )
            except ConcurrencyConflict:
                results.append(("conflict", key, None))
            else:
                results.append(("ok", key, str(ident)))
    except Exception as e:  # pragma: no cover - reported to the test, which fails on it
        results.append(("error", repr(e), None))
    finally:
        if app is not None:
            app.close()
        out.put(results)


def test_every_returned_id_is_stored_and_linked_once(persistent_url: str) -> None:
    app = rectify.connect(persistent_url, today=lambda: TODAY)
    branch_id = app.register_branch(
        actor=Cast.verifier, code="B-1", name="第一黨支部", unit=UNIT, on="2019-01-01"
    )
    app.close()

    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_record_many, args=(persistent_url, w, str(branch_id), out))
        for w in range(WRITERS)
    ]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in out.get(timeout=120)]
    for p in procs:
        p.join(timeout=30)

    errors = [r for r in results if r[0] == "error"]
    assert not errors, errors
    returned = {key: ident for status, key, ident in results if status == "ok"}
    assert len(results) == WRITERS * PER_WRITER
    assert returned, "every call lost its race: the retry does not work"

    app = rectify.connect(persistent_url, today=lambda: TODAY)
    try:
        branch = app.get_branch_aggregate(branch_id)
        linked = [str(i) for i in branch.issues]
        assert len(linked) == len(set(linked)), "an issue is linked twice"
        for ident in returned.values():
            view = app.get_issue(ident)  # NotFound here is the defect this test is about
            assert view.branch_id == branch_id
        assert sorted(linked) == sorted(returned.values())
        # A key that raised ConcurrencyConflict recorded nothing.
        for status, key, _ in results:
            if status == "conflict":
                assert not app.has_issue(rectify.Issue.create_id(key))
        # The same keys again: answered from the store, nothing new recorded.
        again = app.record_issue(
            actor=Cast.inspector,
            title="x",
            unit=UNIT,
            source="inspection",
            branch_id=branch_id,
            command_id=next(iter(returned)),
            on=date(2019, 6, 1),
        )
        assert str(again) == next(iter(returned.values()))
        assert len(app.get_branch_aggregate(branch_id).issues) == len(linked)
    finally:
        app.close()
