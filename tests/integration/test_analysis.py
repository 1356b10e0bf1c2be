"""rectify.analysis: the tables agree with the ledger they are read from, on every store and on
any business date and known-at cut-off; the charts draw, with or without a CJK font.

The small demo (the first report's story, 45 problems) is played once per module and store;
the whole demo (``played_demo``, 1,732 problems) is read for time travel on SQLite.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import uuid
import warnings
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import matplotlib as mpl

mpl.use("Agg")

import pandas as pd
import pytest
from matplotlib import pyplot as plt

import rectify
import rectify.analysis as analysis
from rectify.analysis import plots
from rectify.demo import run_demo
from rectify.demo.scenarios import DEMO_TODAY
from rectify.domain.values import Status
from tests.conftest import PlayedDemo, require_postgres

STORES = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=STORES)
def small_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[rectify.RectificationApp]:
    """The first report's story played into each store, once per module."""
    schema = None
    if request.param == "memory":
        url = "memory://"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('analysis') / 'small.db'}"
    else:
        require_postgres()
        from tests.conftest import PG_DB, PG_HOST, PG_PORT, PG_USER

        schema = f"rectify_analysis_{uuid.uuid4().hex[:12]}"
        url = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DB}?schema={schema}"
    app = rectify.connect(url, today=lambda: DEMO_TODAY)
    run_demo(app, larger=False)
    yield app
    app.close()
    if schema is not None:
        import psycopg
        from psycopg import sql

        from tests.conftest import PG_DB, PG_HOST, PG_PORT, PG_USER

        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, dbname=PG_DB, user=PG_USER, autocommit=True
        ) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(scope="module")
def whole_demo(played_demo: PlayedDemo) -> Iterator[rectify.RectificationApp]:
    """The whole demo, read only."""
    app = rectify.connect(played_demo.url, today=lambda: DEMO_TODAY, create=False)
    yield app
    app.close()


def _day(value: Any) -> date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def assert_timeline_is_the_ledger(
    app: rectify.RectificationApp, as_of: date, known_at: Any = None
) -> pd.DataFrame:
    """Every row and value of ``timeline(app, as_of, known_at)`` is the ledger's."""
    frame = analysis.timeline(app, as_of, known_at)
    rows = app.ledger(as_of, known_at)
    assert list(frame["seq"]) == [r.seq for r in rows]
    assert list(frame["id"]) == [str(r.id) for r in rows]
    for r, got in zip(rows, frame.to_dict("records"), strict=True):
        assert got["status"] == r.status.value
        assert got["unit"] == r.unit
        assert got["acting_unit"] == r.acting_unit
        assert got["source"] == r.source.value
        assert (None if pd.isna(got["mode"]) else got["mode"]) == (r.mode and r.mode.value)
        assert got["severity"] == r.severity.value
        assert _day(got["deadline"]) == r.deadline
        rule = got["deadline_rule"]
        assert (None if pd.isna(rule) else rule) == r.deadline_rule
        for stage in ("found", "assigned", "rectified", "verified", "closed_out", "withdrawn"):
            assert _day(got[f"{stage}_on"]) == getattr(r, f"{stage}_on"), stage
        assert got["days_overdue"] == r.days_overdue
        assert got["overdue"] == r.overdue
        assert got["rectified_late"] == r.rectified_late
        assert got["late"] == (r.rectified_late or r.overdue)
        assert got["reopenings"] == r.reopenings
        assert got["age_days"] == (as_of - r.found_on).days
        if r.assigned_on is not None:
            assert got["days_to_assigned"] == (r.assigned_on - r.found_on).days
        assert pd.isna(got["reopened_on"]) == (r.reopenings == 0)
    return frame


# ---------------------------------------------------------------- timeline


def test_timeline_is_the_ledger_on_every_store(small_demo: rectify.RectificationApp) -> None:
    frame = assert_timeline_is_the_ledger(small_demo, DEMO_TODAY)
    assert len(frame) == 45
    assert frame.attrs["as_of"] == DEMO_TODAY


def test_timeline_has_proper_dtypes(small_demo: rectify.RectificationApp) -> None:
    frame = analysis.timeline(small_demo)
    for stage in analysis.STAGES:
        assert frame[f"{stage}_on"].dtype == "datetime64[ns]", stage
        if stage != "found":
            assert frame[f"days_to_{stage}"].dtype == "Int64", stage
    assert frame["deadline"].dtype == "datetime64[ns]"
    for name in ("unit", "acting_unit", "source", "mode", "severity", "status", "list", "branch"):
        assert isinstance(frame[name].dtype, pd.CategoricalDtype), name
    assert frame["status"].cat.ordered
    assert list(frame["status"].cat.categories) == [s.value for s in Status]
    assert frame["overdue"].dtype == bool
    assert frame["days_overdue"].dtype == "int64"


def test_reopened_on_is_the_latest_reopening(small_demo: rectify.RectificationApp) -> None:
    frame = analysis.timeline(small_demo)
    reopened = frame[frame["reopened_on"].notna()]
    assert len(reopened) >= 1
    for row in reopened.to_dict("records"):
        trail = small_demo.audit_trail(row["id"])
        on = max(e.on for e in trail if e.action == "reopen")
        assert _day(row["reopened_on"]) == on
        assert row["days_to_reopened"] == (on - row["found_on"].date()).days


def test_timeline_travels_in_time_on_the_whole_demo(whole_demo: rectify.RectificationApp) -> None:
    last = whole_demo.recorder.max_notification_id() or 0
    for as_of in (date(2019, 3, 31), date(2019, 6, 30), date(2019, 8, 15), DEMO_TODAY):
        assert_timeline_is_the_ledger(whole_demo, as_of)
    for known_at in (last // 4, last // 2, last - 100):
        frame = assert_timeline_is_the_ledger(whole_demo, DEMO_TODAY, known_at)
        assert frame.attrs["known_at"] == known_at
    # a moment, as the ledger takes it
    moment = whole_demo.events_since(last // 2, limit=1)[0].recorded_at
    assert_timeline_is_the_ledger(whole_demo, date(2019, 7, 31), moment)


def test_timeline_of_an_empty_store() -> None:
    app = rectify.connect("memory://", today=lambda: DEMO_TODAY)
    frame = analysis.timeline(app)
    assert frame.empty
    assert "closed_out_on" in frame.columns
    assert analysis.state_intervals(app).empty
    assert analysis.open_over_time(app).empty
    app.close()


# ---------------------------------------------------------------- state intervals


def assert_intervals_add_up(
    app: rectify.RectificationApp, as_of: date, known_at: Any = None
) -> None:
    """Each problem's intervals follow each other without gap or overlap from the day it was
    found, its last is current, and their days add up to its age."""
    frame = analysis.timeline(app, as_of, known_at)
    intervals = analysis.state_intervals(app, as_of, known_at)
    assert set(intervals["seq"]) == set(frame["seq"])
    ages = dict(zip(frame["seq"], frame["age_days"], strict=True))
    statuses = dict(zip(frame["seq"], frame["status"], strict=True))
    found = dict(zip(frame["seq"], frame["found_on"], strict=True))
    for seq, mine in intervals.groupby("seq"):
        assert mine["days"].sum() == ages[seq]
        assert mine["entered"].iloc[0] == found[seq]
        assert list(mine["left"].iloc[:-1]) == list(mine["entered"].iloc[1:])
        assert list(mine["current"]) == [False] * (len(mine) - 1) + [True]
        assert mine["state"].iloc[-1] == statuses[seq]
        states = list(mine["state"])
        assert all(a != b for a, b in itertools.pairwise(states))


def test_state_intervals_add_up_to_each_problems_age(small_demo: rectify.RectificationApp) -> None:
    assert_intervals_add_up(small_demo, DEMO_TODAY)
    assert_intervals_add_up(small_demo, date(2019, 7, 1))


def test_state_intervals_show_the_ledgers_state_on_the_days_between(
    small_demo: rectify.RectificationApp,
) -> None:
    intervals = analysis.state_intervals(small_demo)
    long = intervals[intervals["days"] > 1].head(12)
    for row in long.to_dict("records"):
        inside = row["entered"].date() + timedelta(days=1)
        ledger = {r.seq: r for r in small_demo.ledger(inside)}
        assert ledger[row["seq"]].status.value == row["state"]


def test_state_intervals_on_the_whole_demo(whole_demo: rectify.RectificationApp) -> None:
    last = whole_demo.recorder.max_notification_id() or 0
    assert_intervals_add_up(whole_demo, DEMO_TODAY)
    assert_intervals_add_up(whole_demo, date(2019, 8, 1), last // 2)


# ---------------------------------------------------------------- open over time


def assert_counts_are_the_ledgers(
    flow: pd.DataFrame, app: rectify.RectificationApp, known_at: Any = None
) -> None:
    for on, counts in zip(flow.index, flow.to_dict("records"), strict=True):
        rows = app.ledger(on.date(), known_at)
        for status in Status:
            assert counts[status.value] == sum(r.status is status for r in rows), (on, status)
        assert counts["open"] == sum(r.status.value in analysis.frames.OPEN_STATES for r in rows)
        assert counts["overdue"] == sum(r.overdue for r in rows), on
        assert counts["total"] == len(rows)


@pytest.mark.parametrize("freq", ["W", "M"])
def test_open_over_time_counts_the_ledger_of_each_period_end(
    small_demo: rectify.RectificationApp, freq: analysis.frames.Frequency
) -> None:
    flow = analysis.open_over_time(small_demo, freq)
    assert flow.index[-1].date() == DEMO_TODAY
    assert flow["overdue"].max() > 0
    assert_counts_are_the_ledgers(flow, small_demo)


def test_open_over_time_by_day(small_demo: rectify.RectificationApp) -> None:
    flow = analysis.open_over_time(small_demo, "D", start="2019-05-20", as_of="2019-07-10")
    assert len(flow) == 52
    assert_counts_are_the_ledgers(flow, small_demo)


def test_open_over_time_known_at_on_the_whole_demo(whole_demo: rectify.RectificationApp) -> None:
    last = whole_demo.recorder.max_notification_id() or 0
    flow = analysis.open_over_time(whole_demo, "M", known_at=last // 2)
    assert_counts_are_the_ledgers(flow, whole_demo, last // 2)
    weekly = analysis.open_over_time(whole_demo, "W", as_of="2019-09-01")
    assert_counts_are_the_ledgers(weekly.iloc[-8:], whole_demo)


def test_open_over_time_refuses_an_unknown_frequency(small_demo: rectify.RectificationApp) -> None:
    with pytest.raises(ValueError, match="freq"):
        analysis.open_over_time(small_demo, "Q")  # type: ignore[arg-type]


# ---------------------------------------------------------------- the charts


@pytest.fixture
def close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.mark.usefixtures("close_figures")
@pytest.mark.filterwarnings("ignore:Glyph")  # each character a font lacks, when it lacks them
def test_every_chart_draws_and_returns_its_figure(small_demo: rectify.RectificationApp) -> None:
    frame = analysis.timeline(small_demo)
    intervals = analysis.state_intervals(small_demo)
    flow = analysis.open_over_time(small_demo, "W")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analysis.CJKFontMissing)
        charts = [
            analysis.burn_down(flow),
            analysis.cumulative_flow(flow),
            analysis.ageing_histogram(frame),
            analysis.unit_gantt(intervals),
            analysis.time_to_close(frame, by="mode"),
            analysis.time_to_close(frame, by="source"),
            analysis.on_time_by_unit(frame),
        ]
        for fig in charts:
            assert fig.axes and fig.axes[0].get_title()
            fig.canvas.draw()
        # drawn on the caller's own Axes, the chart returns the caller's figure
        fig, axes = plt.subplots(1, 2)
        assert analysis.burn_down(flow, ax=axes[0]) is fig
        assert analysis.unit_gantt(intervals, "省直機關工委", ax=axes[1]) is fig
        assert axes[1].get_title().startswith("省直機關工委")


def test_on_time_rate_ranks_units(small_demo: rectify.RectificationApp) -> None:
    table = analysis.on_time_rate(analysis.timeline(small_demo))
    assert list(table["rate"]) == sorted(table["rate"], reverse=True)
    assert ((table["on_time"] <= table["due"]) & (table["due"] > 0)).all()


@pytest.mark.usefixtures("close_figures")
@pytest.mark.filterwarnings("ignore:Glyph")
def test_without_a_cjk_font_the_charts_warn_once_and_draw(
    monkeypatch: pytest.MonkeyPatch, small_demo: rectify.RectificationApp
) -> None:
    from matplotlib import font_manager

    plain = [f for f in font_manager.fontManager.ttflist if f.name not in plots._KNOWN_CJK]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", plain)
    monkeypatch.setattr(plots, "_from_fontconfig", lambda: None)
    monkeypatch.setattr(mpl, "rcParams", mpl.rcParams.copy())
    plots.cjk_font.cache_clear()
    try:
        with pytest.warns(analysis.CJKFontMissing, match="fonts-noto-cjk"):
            fig = analysis.burn_down(analysis.open_over_time(small_demo, "M"))
        fig.canvas.draw()
        with warnings.catch_warnings():
            warnings.simplefilter("error", analysis.CJKFontMissing)
            analysis.on_time_by_unit(analysis.timeline(small_demo)).canvas.draw()
    finally:
        plots.cjk_font.cache_clear()


def test_a_cjk_font_found_on_the_machine_comes_first() -> None:
    plots.cjk_font.cache_clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analysis.CJKFontMissing)
        family = analysis.cjk_font()
    if family is None:
        pytest.skip("no CJK font on this machine (fc-list :lang=zh lists none)")
    assert mpl.rcParams["font.sans-serif"][0] == family


# ---------------------------------------------------------------- the extra


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_importing_rectify_does_not_import_pandas() -> None:
    done = _python(
        "import sys, rectify; rectify.connect('memory://'); print('pandas' in sys.modules)"
    )
    assert done.stdout.strip() == "False", done.stderr


def test_without_the_extra_the_import_names_it() -> None:
    done = _python(
        "import sys; sys.modules['pandas'] = None\n"
        "try:\n    import rectify.analysis\n"
        "except ImportError as e:\n    print(e)\n"
    )
    assert "rectify[analysis]" in done.stdout, done.stdout + done.stderr
    assert "pandas" in done.stdout
