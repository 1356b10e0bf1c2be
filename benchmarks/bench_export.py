"""How an export scales: the ledger workbook (``write_xlsx``) and CSV (``write_csv``) at N and 5N rows.

Setup (not timed): ``--issues`` problems with realistic lives in an SQLite file (built as
``bench_ledger.py`` builds them), and their ledger read once. The rows are then written N times
over (the ledger repeated ``--times`` times) so that the sizes grow without a larger store.

Measured, in the same run: the time and the peak of Python allocations (``tracemalloc``) of
``write_xlsx`` and of ``write_csv`` (the baseline: the same rows, no workbook), at 1× and at
``--times``× the rows. Linear means the time per row stays the same as the rows grow, and flat
memory means the peak does not grow with them. Nothing asserts on time.

    python benchmarks/bench_export.py [--issues N] [--times K]
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
from rectify.adapters.spreadsheets.export import write_csv, write_xlsx

TODAY = date(2022, 1, 1)


def measured(fn: Any) -> tuple[float, int]:
    tracemalloc.start()
    try:
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--times", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = rectify.connect(f"sqlite:///{Path(tmp) / 'export.db'}", today=lambda: TODAY)
        record_history(app, args.issues, 7)
        rows = app.ledger()
        figures = app.figures()
        app.close()
        print(f"{len(rows):,} ledger rows; written 1× and {args.times}×")
        print()
        print(f"{'writer':<12} {'rows':>9} {'seconds':>9} {'µs/row':>8} {'peak MiB':>9}")
        results: dict[tuple[str, int], tuple[float, int]] = {}
        out = Path(tmp)
        write_csv(out / "warm.csv", rows, as_of=TODAY, known_at=None)  # rows decode when first read
        for times in (1, args.times):
            many = rows * times
            results["csv", times] = measured(
                lambda many=many: write_csv(out / "l.csv", many, as_of=TODAY, known_at=None)
            )
            results["xlsx", times] = measured(
                lambda many=many: write_xlsx(
                    out / "l.xlsx", many, figures, as_of=TODAY, known_at=None
                )
            )
            for kind in ("csv", "xlsx"):
                seconds, peak = results[kind, times]
                print(f"{kind:<12} {len(many):>9,} {seconds:>9.2f} "
                      f"{seconds / len(many) * 1e6:>8.1f} {peak / 2**20:>9.1f}")  # fmt: skip
    print()
    for kind in ("csv", "xlsx"):
        (small, small_peak), (large, large_peak) = results[kind, 1], results[kind, args.times]
        print(f"{kind}: time ×{large / small:.1f} and peak memory ×{large_peak / small_peak:.2f} "
              f"for ×{args.times} the rows")  # fmt: skip
    xlsx, csv = results["xlsx", args.times][0], results["csv", args.times][0]
    print(f"xlsx ÷ csv at {len(rows) * args.times:,} rows: {xlsx / csv:.2f}×")


if __name__ == "__main__":
    main()
