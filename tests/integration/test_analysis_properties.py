"""Properties of rectify.analysis over random histories (hypothesis): for any problems with any
lives, recorded in any order (so that much is back-dated), on any business date and known-at
cut-off, the timeline is the ledger, each problem's time in its states adds up to its age, and
the counts over time are the ledger's counts on each period end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rectify
import rectify.analysis as analysis
from tests.conftest import UNIT, Cast
from tests.integration.test_analysis import (
    assert_counts_are_the_ledgers,
    assert_intervals_add_up,
    assert_timeline_is_the_ledger,
)

START = date(2019, 1, 1)
TODAY = START + timedelta(days=150)

PATH = (
    "assign", "rectify", "reject", "rectify", "verify", "close_out", "reopen", "rectify",
    "verify", "close_out",
)  # fmt: skip
"""The furthest a problem's life goes here; each life is a prefix of it (a step may be left
out where the workflow allows: the rejection and the reopening)."""


@dataclass(frozen=True)
class Life:
    found: int  # days after START
    gaps: tuple[int, ...]  # days before each step of PATH
    steps: int  # how far along PATH
    mode: str
    allowance: int  # days from assignment to the deadline
    rejected: bool
    reopened: bool


lives = st.builds(
    Life,
    found=st.integers(0, 60),
    gaps=st.tuples(*[st.integers(0, 9) for _ in PATH]),
    steps=st.integers(0, len(PATH)),
    mode=st.sampled_from(["submit", "spot", "central"]),
    allowance=st.integers(0, 20),
    rejected=st.booleans(),
    reopened=st.booleans(),
)


def play(app: rectify.RectificationApp, life: Life, k: int) -> None:
    on = START + timedelta(days=life.found)
    issue = app.record_issue(
        actor=Cast.inspector, title=f"problem {k}", unit=UNIT, source="inspection", on=on
    )
    for i, step in enumerate(PATH[: life.steps]):
        if (i in (2, 3) and not life.rejected) or (i >= 6 and not life.reopened):
            continue
        on += timedelta(days=life.gaps[i])
        if step == "assign":
            deadline = on + timedelta(days=life.allowance)
            app.assign(issue, actor=Cast.verifier, unit=UNIT, person="劉", deadline=deadline, on=on)
        elif step == "rectify" and life.mode == "spot":
            app.rectify_on_the_spot(issue, actor=Cast.responsible, summary="done", on=on)
        elif step == "rectify" and life.mode == "central":
            app.treat_centrally(
                issue, actor=Cast.responsible, campaign="專項整治", summary="done", on=on
            )
        elif step == "rectify":
            app.submit_rectification(issue, actor=Cast.responsible, summary="done", on=on)
        elif step == "reject":
            app.reject(issue, actor=Cast.verifier, reason="not enough", on=on)
        elif step == "verify":
            app.verify(issue, actor=Cast.verifier, on=on)
        elif step == "close_out":
            app.close_out(issue, actor=Cast.verifier, on=on)
        elif step == "reopen":
            app.reopen(issue, actor=Cast.verifier, reason="came back", on=on)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # fmt: skip
@given(
    lives=st.lists(lives, min_size=1, max_size=6),
    as_of=st.integers(0, 150),
    cut=st.floats(0.0, 1.0),
)
def test_the_tables_are_the_ledger_for_any_history(
    lives: list[Life], as_of: int, cut: float
) -> None:
    app = rectify.connect("memory://", today=lambda: TODAY)
    try:
        for k, life in enumerate(lives):  # issue after issue: later ones are back-dated
            play(app, life, k)
        day = START + timedelta(days=as_of)
        last = app.recorder.max_notification_id() or 0
        known_at = max(1, round(last * cut))
        for when in (None, known_at):
            frame = assert_timeline_is_the_ledger(app, day, when)
            if frame.empty:
                continue
            assert_intervals_add_up(app, day, when)
            flow = analysis.open_over_time(app, "D", day, when)
            assert flow.index[-1] == pd.Timestamp(day)
            assert_counts_are_the_ledgers(flow.iloc[-40:], app, when)
    finally:
        app.close()
