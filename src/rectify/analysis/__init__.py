"""Rectification timelines for analysts: DataFrames and plots (the extra ``rectify[analysis]``).

Everything here reads the application's views with a few set-based queries (the ledger, the
ledger's history, the audit table): nothing replays aggregates one by one.

- :func:`timeline`: one row per problem, the date of every stage and the days to it;
- :func:`state_intervals`: one row per problem and state it was in, entered and left;
- :func:`open_over_time`: counts by state, open and overdue at the end of each period;
- the plots (:mod:`rectify.analysis.plots`): burn-down, cumulative flow, ageing, Gantt by unit,
  time-to-close survival curves (Kaplan–Meier), on-time rate by unit.

``import rectify`` never imports pandas; only this package does, and without the extra it says
which to install.
"""

from __future__ import annotations

import importlib
import importlib.util


def _missing() -> list[str]:
    """The libraries of the extra that cannot be imported (lifelines, slow to import, is only
    looked for here; the survival chart imports it)."""
    missing = []
    for name in ("pandas", "matplotlib"):
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    try:
        if importlib.util.find_spec("lifelines") is None:
            missing.append("lifelines")
    except (ImportError, ValueError):
        missing.append("lifelines")
    return missing


if _missing():
    msg = (
        f"rectify.analysis needs the extra 'rectify[analysis]' ({', '.join(_missing())} not "
        "installed): pip install 'rectify[analysis]'"
    )
    raise ImportError(msg, name="rectify.analysis")

from rectify.analysis.frames import (  # noqa: E402 (after the check of the extra)
    STAGES,
    open_over_time,
    state_intervals,
    timeline,
)
from rectify.analysis.plots import (  # noqa: E402
    CJKFontMissing,
    ageing_histogram,
    burn_down,
    cjk_font,
    cumulative_flow,
    on_time_by_unit,
    on_time_rate,
    time_to_close,
    unit_gantt,
)

__all__ = [
    "STAGES",
    "CJKFontMissing",
    "ageing_histogram",
    "burn_down",
    "cjk_font",
    "cumulative_flow",
    "on_time_by_unit",
    "on_time_rate",
    "open_over_time",
    "state_intervals",
    "time_to_close",
    "timeline",
    "unit_gantt",
]
