"""How fast the analysts' tables are: ``rectify.analysis`` over many problems, on SQLite.

Setup (timed, not a target): ``--issues`` problems with realistic lives (about six events each,
built and saved as ``bench_ledger.py`` does: found, assigned, rectified, verified, closed out,
some rejected, extended, reopened, back-dated), in an SQLite file; then the views are caught up.

Measured, each ``--repeat`` times (best), in rows per second:

- ``timeline(app)`` (the ledger of the history's last day) and ``timeline(app, as_of,
  known_at)`` (a date mid-history, known at half the log);
- the baseline: ``app.ledger(as_of)``, which the timeline reads first;
- ``state_intervals(app)`` and ``open_over_time(app, "W")`` over the ledger's whole history.

The issue's target: ``timeline()`` over 100,000 problems in a few seconds. Nothing asserts on
time: the script prints the figures and exits 0.

    python benchmarks/bench_timeline.py [--issues N] [--repeat R] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench_ledger import END, record_history  # type: ignore[import-not-found]

import rectify
from rectify import analysis

TARGET_S = 5.0
"""Most ``timeline()`` may take at 100,000 problems, in seconds ("a few seconds")."""


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'timeline.db'}"
        app = rectify.connect(url, today=lambda: END, catch_up=False)
        setup = record_history(app, args.issues, args.seed)
        started = time.perf_counter()
        app.catch_up()
        caught_up = time.perf_counter() - started
        events = app.recorder.max_notification_id() or 0
        print(f"setup: {args.issues:,} issues, {events:,} events in {setup.seconds:.1f} s; "
              f"views caught up in {caught_up:.1f} s")  # fmt: skip
        half = events // 2
        middle = date(2021, 1, 1)
        measures: list[tuple[str, Callable[[], Any]]] = [
            ("app.ledger() (baseline)", lambda: app.ledger()),
            ("timeline(app)", lambda: analysis.timeline(app)),
            ("app.ledger(mid, known_at=½)", lambda: app.ledger(middle, half)),
            ("timeline(app, mid, known_at=½)", lambda: analysis.timeline(app, middle, half)),
            ("state_intervals(app)", lambda: analysis.state_intervals(app)),
            ('open_over_time(app, "W")', lambda: analysis.open_over_time(app, "W")),
        ]
        results = []
        for name, fn in measures:
            seconds, frame = best_of(args.repeat, fn)
            results.append((name, len(frame), seconds))
        app.close()

    print()
    print(f"{'measure':<34} {'rows':>9} {'seconds':>9} {'rows/s':>11}")
    for name, rows, seconds in results:
        print(f"{name:<34} {rows:>9,} {seconds:>9.3f} {rows / seconds:>11,.0f}")
    _, rows, seconds = results[1]
    at_target = seconds * 100_000 / max(rows, 1)
    print()
    print(f"timeline(): {rows / seconds:,.0f} rows/s; 100,000 problems would take about "
          f"{at_target:.1f} s (target ≤ {TARGET_S:.0f} s: {'PASS' if at_target <= TARGET_S else 'FAIL'})")  # fmt: skip


if __name__ == "__main__":
    main()
