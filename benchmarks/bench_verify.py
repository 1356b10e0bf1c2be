"""How fast a history is proved unaltered: ``app.verify_integrity(views=False)`` on SQLite.

Setup (timed, not a target): ``--issues`` problems with realistic lives (about six events each,
built and saved as ``bench_ledger.py`` does), in an SQLite file; the chain is written with them.

Measured, in the same run, each ``--repeat`` times (best):

- **verify**: ``app.verify_integrity(views=False)``: every event read with its chain row and its
  predecessor's, both digests computed again and compared, every checkpoint checked;
- **baseline**: reading the whole log the way eventsourcing itself reads it,
  ``recorder.select_notifications`` page by page (no decoding), on the same file: the least any
  check of every stored byte must do;
- **memory**: the peak of Python allocations (``tracemalloc``) during a verify of the store, and
  again after as many issues again are added: a flat walk keeps the same peak for twice the log.

The target is at least 100,000 events/s for verify. Nothing asserts on time: the script prints
the figures and whether the target is met, and exits 0.

    python benchmarks/bench_verify.py [--issues N] [--repeat R] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench_ledger import record_history  # type: ignore[import-not-found]

import rectify

TARGET = 100_000
"""Events per second verify must reach on SQLite."""


def read_log(app: rectify.RectificationApp) -> int:
    """The baseline: every stored event read, page by page, as eventsourcing reads its log."""
    count, start = 0, 1
    while page := app.recorder.select_notifications(start, 20_000, inclusive_of_start=True):
        count += len(page)
        start = page[-1].id + 1
    return count


def best_of(repeat: int, fn: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def peak_during(fn: Any) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'verify.db'}"
        app = rectify.connect(url, today=lambda: date(2022, 1, 1), catch_up=False)
        setup = record_history(app, args.issues, args.seed)
        events = app.recorder.max_notification_id() or 0
        print(f"setup: {args.issues:,} issues, {events:,} events in {setup.seconds:.1f} s")

        verify_s, report = best_of(args.repeat, lambda: app.verify_integrity(views=False))
        assert report.intact, report.findings
        read_s, count = best_of(args.repeat, lambda: read_log(app))
        assert count == events
        peak = peak_during(lambda: app.verify_integrity(views=False))

        record_history(app, args.issues, args.seed + 1)
        doubled = app.recorder.max_notification_id() or 0
        peak_doubled = peak_during(lambda: app.verify_integrity(views=False))
        app.close()

    rate = events / verify_s
    print()
    print(f"{'measure':<34} {'events':>10} {'seconds':>9} {'events/s':>11} {'÷ baseline':>11}")
    print(f"{'baseline: read the whole log':<34} {events:>10,} {read_s:>9.3f} "
          f"{events / read_s:>11,.0f} {'1.00×':>11}")  # fmt: skip
    print(f"{'verify_integrity(views=False)':<34} {events:>10,} {verify_s:>9.3f} "
          f"{rate:>11,.0f} {verify_s / read_s:>10.2f}×")  # fmt: skip
    print()
    print(f"peak traced memory during verify: {peak / 2**20:.1f} MiB at {events:,} events, "
          f"{peak_doubled / 2**20:.1f} MiB at {doubled:,} events "
          f"(×{peak_doubled / peak:.2f} for ×{doubled / events:.2f} the log)")  # fmt: skip
    result = "PASS" if rate >= TARGET else "FAIL"
    print(f"target ≥ {TARGET:,} events/s: {result} ({rate:,.0f})")


if __name__ == "__main__":
    main()
