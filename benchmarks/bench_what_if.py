"""How fast what-if is: ``app.what_if(...)`` over many problems, on SQLite.

Setup (timed, not a target): ``--issues`` problems with realistic lives, built and saved as
``bench_ledger.py`` does, in an SQLite file; then the views are caught up.

Measured, each ``--repeat`` times (best), in problems per second, against the baseline of the
same run, ``app.ledger()`` (which what-if reads first) and ``app.figures()``:

- ``what_if(policy=SEVERITY_SLA, replace_given=True)``: every deadline counted again in working
  days, each problem's events read and replayed once;
- ``what_if(workflow="issue/1")``: every step put to the first workflow.

What-if reads each problem's events once, one problem at a time (memory: the two ledgers, not
the histories), so its time is linear in the events. Nothing asserts on time: the script prints
the figures and exits 0.

    python benchmarks/bench_what_if.py [--issues N] [--repeat R] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench_ledger import END, record_history  # type: ignore[import-not-found]

import rectify
from rectify.domain.deadlines import SEVERITY_SLA


def best_of(repeat: int, fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'what_if.db'}"
        app = rectify.connect(url, today=lambda: END, catch_up=False)
        setup = record_history(app, args.issues, args.seed)
        app.catch_up()
        events = app.recorder.max_notification_id() or 0
        print(f"setup: {args.issues:,} issues, {events:,} events in {setup.seconds:.1f} s")
        measures: list[tuple[str, Callable[[], Any]]] = [
            ("app.ledger() (baseline)", lambda: app.ledger()),
            ("app.figures() (baseline)", lambda: app.figures()),
            (
                "what_if(policy=SLA, replace_given)",
                lambda: app.what_if(policy=SEVERITY_SLA, replace_given=True),
            ),
            ('what_if(workflow="issue/1")', lambda: app.what_if(workflow="issue/1")),
        ]
        baseline = None
        for name, fn in measures:
            seconds = best_of(args.repeat, fn)
            baseline = baseline or seconds
            print(
                f"{name:<40} {seconds:8.2f} s  {args.issues / seconds:>10,.0f} problems/s  "
                f"{seconds / baseline:6.1f}× the ledger"
            )
        app.close()


if __name__ == "__main__":
    main()
