"""The tables: problems, their stages and states over time, as pandas DataFrames.

Read from the views, set-based: :func:`timeline` is the ledger of one business date (one query)
and the latest reopening of each problem (one query of the audit table); :func:`state_intervals`
and :func:`open_over_time` read the ledger's history (every state each ledger row has had, with
its validity on the business-date axis, one query) and count with vectorised arithmetic.

The packed state a view row keeps is read through :class:`~rectify.projections.ledger.
LedgerRow` (its ``parts``, by the field order of ``STORED_FIELDS``), so these tables cannot
drift from the ledger: a timeline of date D known at K has exactly the rows and values of
``app.ledger(D, K)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from rectify.domain.values import Mode, Severity, Source, Status
from rectify.projections.ledger import LedgerRow, stored_texts

if TYPE_CHECKING:
    from rectify.application.app import RectificationApp

STAGES: tuple[str, ...] = (
    "found",
    "assigned",
    "rectified",
    "verified",
    "closed_out",
    "reopened",
    "withdrawn",
)
"""The stages of a problem's life a timeline dates (``<stage>_on``, ``days_to_<stage>``)."""

OPEN_STATES: tuple[str, ...] = (
    Status.FOUND.value,
    Status.ASSIGNED.value,
    Status.RECTIFIED.value,
    Status.VERIFIED.value,
)
"""States of a problem still on the books: not closed out (銷號), not withdrawn."""

_WAITING = (Status.FOUND.value, Status.ASSIGNED.value)
"""States in which a problem past its deadline is overdue (as ``days_overdue`` says)."""

KnownAt = int | datetime | str | None


def _category(values: Iterable[Any], categories: list[str] | None = None) -> pd.Categorical:
    return pd.Categorical(list(values), categories=categories)


def _status_category(values: Iterable[Any]) -> pd.Categorical:
    return pd.Categorical(list(values), categories=[s.value for s in Status], ordered=True)


def _dates(values: Iterable[Any]) -> pd.Series:
    """ISO dates or dates (None for none) as datetime64[ns] (numpy reads them, NaT for None)."""
    return pd.Series(np.array(list(values), dtype="datetime64[D]").astype("datetime64[ns]"))


def _fields(rows: Sequence[LedgerRow], names: Sequence[str]) -> dict[str, list[Any]]:
    """The stored text of each field of ``names``, one list per field, read from the rows'
    packed state without decoding the rest."""
    return stored_texts(rows, names)


_TIMELINE_FIELDS = (
    "id", "title", "unit", "responsible_unit", "source", "category", "mode", "campaign",
    "severity", "status", "list_id", "common_problem", "branch_id", "deadline", "deadline_rule",
    "found_on",
    "assigned_on", "rectified_on", "rectified_late", "verified_on", "closed_out_on",
    "withdrawn_on", "rejections", "reopenings", "extensions",
)  # fmt: skip


def timeline(
    app: RectificationApp, as_of: date | str | None = None, known_at: KnownAt = None
) -> pd.DataFrame:
    """One row per problem on the ledger of business date ``as_of`` (default today), as known
    at ``known_at`` (a log position or a moment, like :meth:`RectificationApp.ledger`).

    Columns: ``seq`` (序號), ``id``, ``title``; the categories ``unit``, ``responsible_unit``,
    ``acting_unit`` (責任單位), ``source``, ``category``, ``mode``, ``campaign``, ``severity``,
    ``status`` (ordered as the workflow), ``list`` (the problem list's name), ``common_problem``,
    ``branch`` (the branch's name); ``list_id``, ``branch_id``; ``deadline_rule`` (the policy's
    rule that gave the deadline, ``"severity 嚴重: 10 working days (10個工作日)"``; missing when
    the assigner gave it); ``deadline`` and the date of
    every stage, ``<stage>_on`` for each of :data:`STAGES` (datetime64, NaT when not reached;
    ``reopened_on`` the latest reopening); ``days_to_<stage>`` from the day it was found
    (nullable Int64); ``age_days`` (found to ``as_of``); ``days_overdue``, ``overdue``,
    ``rectified_late``, ``late`` (rectified after its deadline, or overdue now);
    ``rejections``, ``reopenings``, ``extensions``. ``attrs`` holds ``as_of`` and ``known_at``.
    """
    day = app.business_date(as_of)
    rows = app.ledger(day, known_at)
    reopened = {
        str(k): v.isoformat() for k, v in app.last_action_on("reopen", day, known_at).items()
    }
    lists = {str(k): v for k, v in app.recorded_names("problem_list").items()}
    branches = {str(k): v for k, v in app.recorded_names("branch").items()}
    f = _fields(rows, _TIMELINE_FIELDS)
    acting = [r or u for r, u in zip(f["responsible_unit"], f["unit"], strict=True)]
    frame = pd.DataFrame(
        {
            "seq": np.array([r.seq for r in rows], dtype="int64"),
            "id": pd.Series(f["id"], dtype="string"),
            "title": pd.Series(f["title"], dtype="string"),
            "unit": _category(f["unit"]),
            "responsible_unit": _category(f["responsible_unit"]),
            "acting_unit": _category(acting),
            "source": _category(f["source"], [s.value for s in Source]),
            "category": _category(f["category"]),
            "mode": _category(f["mode"], [m.value for m in Mode]),
            "campaign": _category(f["campaign"]),
            "severity": pd.Categorical(
                f["severity"], categories=[s.value for s in Severity], ordered=True
            ),
            "status": _status_category(f["status"]),
            "list": _category(lists.get(i) if i else None for i in f["list_id"]),
            "common_problem": _category(f["common_problem"]),
            "branch": _category(branches.get(i) if i else None for i in f["branch_id"]),
            "list_id": pd.Series(f["list_id"], dtype="string"),
            "branch_id": pd.Series(f["branch_id"], dtype="string"),
            "deadline": _dates(f["deadline"]),
            "deadline_rule": _category(f["deadline_rule"]),
            "found_on": _dates(f["found_on"]),
            "assigned_on": _dates(f["assigned_on"]),
            "rectified_on": _dates(f["rectified_on"]),
            "verified_on": _dates(f["verified_on"]),
            "closed_out_on": _dates(f["closed_out_on"]),
            "reopened_on": _dates(reopened.get(i) for i in f["id"]),
            "withdrawn_on": _dates(f["withdrawn_on"]),
            "rectified_late": np.array([v == "1" for v in f["rectified_late"]], dtype=bool),
            "rejections": np.array(f["rejections"], dtype="int64"),
            "reopenings": np.array(f["reopenings"], dtype="int64"),
            "extensions": np.array(f["extensions"], dtype="int64"),
        }
    )
    today = pd.Timestamp(day)
    for stage in STAGES[1:]:
        frame[f"days_to_{stage}"] = (frame[f"{stage}_on"] - frame["found_on"]).dt.days.astype(
            "Int64"
        )
    frame["age_days"] = (today - frame["found_on"]).dt.days.astype("int64")
    waiting = frame["status"].isin(_WAITING) & frame["deadline"].notna()
    past = (today - frame["deadline"]).dt.days
    frame["days_overdue"] = past.where(waiting & (past > 0), 0).astype("int64")
    frame["overdue"] = frame["days_overdue"] > 0
    frame["late"] = frame["rectified_late"] | frame["overdue"]
    frame.attrs.update(as_of=day, known_at=known_at)
    return frame


def _history(app: RectificationApp, known_at: KnownAt) -> pd.DataFrame:
    """The ledger's history as known at ``known_at``: one row per state a problem's ledger row
    had, with ``start`` and ``end`` (NaT: still its state) on the business-date axis."""
    spans = app.ledger_history(known_at)
    rows = [row for _, _, row in spans]
    f = _fields(rows, ("id", "unit", "responsible_unit", "status", "deadline", "found_on"))
    return pd.DataFrame(
        {
            "seq": np.array([r.seq for r in rows], dtype="int64"),
            "id": pd.Series(f["id"], dtype="string"),
            "unit": _category(f["unit"]),
            "acting_unit": _category(
                r or u for r, u in zip(f["responsible_unit"], f["unit"], strict=True)
            ),
            "status": _status_category(f["status"]),
            "start": _dates(start for start, _, _ in spans),
            "end": _dates(end for _, end, _ in spans),
            "deadline": _dates(f["deadline"]),
            "found_on": _dates(f["found_on"]),
        }
    )


def state_intervals(
    app: RectificationApp, as_of: date | str | None = None, known_at: KnownAt = None
) -> pd.DataFrame:
    """One row per (problem, state it was in, entered, left), up to business date ``as_of``
    (default today), as known at ``known_at``.

    Columns: ``seq``, ``id``, ``unit``, ``acting_unit`` (when the state was entered),
    ``state`` (ordered category), ``entered``, ``left`` (NaT: still in it on ``as_of``),
    ``days`` (spent in it by ``as_of``; 0 for a state passed through on the day it was
    entered), ``current``. A problem's days add up to its age on ``as_of``; the intervals of
    one problem follow each other without gap or overlap.
    """
    day = pd.Timestamp(app.business_date(as_of))
    spans = _history(app, known_at)
    spans = spans[spans["start"] <= day].reset_index(drop=True)
    # Consecutive rows of one problem in the same state are one stay in it (an extension, a
    # progress report, a measure done change the row, not the state).
    new_run = (spans["seq"] != spans["seq"].shift()) | (spans["status"] != spans["status"].shift())
    last_of_run = new_run.shift(-1, fill_value=True).astype(bool)
    first, last = spans[new_run.astype(bool)], spans[last_of_run]
    runs = pd.DataFrame(
        {
            "seq": first["seq"].to_numpy(),
            "id": first["id"].to_numpy(),
            "unit": first["unit"].to_numpy(),
            "acting_unit": first["acting_unit"].to_numpy(),
            "state": first["status"].to_numpy(),
            "entered": first["start"].to_numpy(),
            "left": last["end"].to_numpy(),
        }
    )
    runs["left"] = runs["left"].where(runs["left"] <= day)
    runs["days"] = (runs["left"].fillna(day) - runs["entered"]).dt.days.astype("int64")
    runs["current"] = runs["left"].isna()
    for name in ("unit", "acting_unit"):
        runs[name] = runs[name].astype("category")
    runs["state"] = _status_category(runs["state"])
    runs.attrs.update(as_of=day.date(), known_at=known_at)
    return runs


Frequency = Literal["D", "W", "M"]


def open_over_time(
    app: RectificationApp,
    freq: Frequency = "D",
    as_of: date | str | None = None,
    known_at: KnownAt = None,
    *,
    start: date | str | None = None,
) -> pd.DataFrame:
    """Counts at the end of each period (day ``"D"``, week ``"W"`` ending Sunday, month
    ``"M"``) from the first problem found (or ``start``) to ``as_of`` (default today), as
    known at ``known_at``; the last period ends on ``as_of``.

    Indexed by the period's last day (``on``); columns: the count in each state (``found``,
    ``assigned``, ``rectified``, ``verified``, ``closed_out``, ``withdrawn``), ``open`` (not
    closed out, not withdrawn), ``overdue`` and ``total`` on the ledger, and ``period``. Each
    row equals what ``app.ledger(on, known_at)`` counts, for burn-down and cumulative-flow
    charts.
    """
    if freq not in ("D", "W", "M"):
        msg = f"freq is 'D', 'W' or 'M', not {freq!r}"
        raise ValueError(msg)
    day = pd.Timestamp(app.business_date(as_of))
    spans = _history(app, known_at)
    first = pd.Timestamp(start) if start is not None else spans["start"].min()
    states = [s.value for s in Status]
    if pd.isna(first) or first > day:
        empty = pd.DataFrame(
            columns=[*states, "open", "overdue", "total", "period"],
            index=pd.DatetimeIndex([], name="on"),
        )
        return empty.astype({c: "int64" for c in [*states, "open", "overdue", "total"]})
    periods = pd.period_range(first, day, freq=freq)
    ends = np.minimum(
        periods.end_time.normalize().to_numpy(dtype="datetime64[ns]"), day.to_datetime64()
    )
    never = np.datetime64("2262-01-01", "ns")
    begin = spans["start"].to_numpy(dtype="datetime64[ns]")
    finish = spans["end"].fillna(pd.Timestamp(never)).to_numpy(dtype="datetime64[ns]")
    status = spans["status"].astype(str).to_numpy()

    def on_books(mask: np.ndarray[Any, Any], begin: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """How many rows of ``mask`` are valid on each period end: begun and not yet ended."""
        starts, stops = np.sort(begin[mask]), np.sort(finish[mask])
        begun = np.searchsorted(starts, ends, side="right")
        ended = np.searchsorted(stops, ends, side="right")
        return np.asarray(begun - ended, dtype="int64")

    counts = {s: on_books(status == s, begin) for s in states}
    counts["open"] = sum((counts[s] for s in OPEN_STATES), np.zeros(len(ends), dtype="int64"))
    counts["total"] = on_books(np.ones(len(status), dtype=bool), begin)
    # Overdue from the day after the deadline, while the row holds and the problem waits.
    overdue_from = np.maximum(
        begin, (spans["deadline"] + pd.Timedelta(days=1)).to_numpy(dtype="datetime64[ns]")
    )
    waits = np.isin(status, _WAITING) & spans["deadline"].notna().to_numpy()
    counts["overdue"] = on_books(waits & (overdue_from < finish), overdue_from)
    frame = pd.DataFrame(counts, index=pd.DatetimeIndex(ends, name="on"))
    frame["period"] = periods
    frame.attrs.update(as_of=day.date(), known_at=known_at, freq=freq)
    return frame


__all__ = ["OPEN_STATES", "STAGES", "open_over_time", "state_intervals", "timeline"]
