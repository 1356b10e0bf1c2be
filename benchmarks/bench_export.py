"""How an export scales: the ledger workbook (``write_xlsx``) and CSV (``write_csv``) at N and KN rows,
in a clerk's ten columns and in all of them.

Setup (not timed): ``--issues`` problems with realistic lives in an SQLite file (built as
``bench_ledger.py`` builds them), and their ledger read once. The rows are then written N times
over (the ledger repeated ``--times`` times) so that the sizes grow without a larger store.

Measured, in the same run: the time (wall clock and CPU) and, in a second run of each, the peak
of Python allocations (``tracemalloc``, which slows what it traces, so that run is not timed) of
``write_xlsx`` and of ``write_csv`` (the baseline: the same rows, no workbook), each with
``columns="clerk"`` (the default: the ten columns of a clerk's 臺賬, with the ids and the rest on
the workbook's hidden sheet) and ``columns="all"``, at 1× and at ``--times``× the rows. Linear
means the time per row stays the same as the rows grow, and flat memory means the peak does not
grow with them. Nothing asserts on time.

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
from rectify.adapters.spreadsheets.tabular import COLUMN_CHOICES, NAMED

TODAY = date(2022, 1, 1)
COLUMNS = tuple(COLUMN_CHOICES)
KINDS = tuple(f"{kind} {columns}" for kind in ("csv", "xlsx") for columns in COLUMNS)


def measured(fn: Any) -> tuple[float, float, int]:
    """The wall-clock seconds and the CPU seconds of this process (which other work on a busy
    machine does not inflate) of ``fn()``; then, run again under ``tracemalloc`` (which slows it
    several times over, so it is not timed), the peak of its Python allocations."""
    started, cpu = time.perf_counter(), time.process_time()
    fn()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    tracemalloc.start()
    try:
        fn()
        return wall, cpu, tracemalloc.get_traced_memory()[1]
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
        names = {kind: app.recorded_names(kind) for kind in NAMED.values()}
        app.close()
        print(f"{len(rows):,} ledger rows; written 1× and {args.times}×")
        print()
        print(f"{'writer':<12} {'rows':>9} {'seconds':>9} {'cpu s':>8} {'cpu µs/row':>10} "
              f"{'peak MiB':>9}")  # fmt: skip
        results: dict[tuple[str, int], tuple[float, float, int]] = {}
        out = Path(tmp)
        warm = out / "warm.csv"  # rows decode each field when first read: all of them, once
        write_csv(warm, rows, as_of=TODAY, known_at=None, columns="all")
        for times in (1, args.times):
            many = rows * times
            for columns in COLUMNS:
                results[f"csv {columns}", times] = measured(
                    lambda many=many, columns=columns: write_csv(
                        out / "l.csv", many, as_of=TODAY, known_at=None, columns=columns
                    )
                )
                results[f"xlsx {columns}", times] = measured(
                    lambda many=many, columns=columns: write_xlsx(
                        out / "l.xlsx", many, figures, as_of=TODAY, known_at=None,
                        columns=columns, names=names,
                    )
                )  # fmt: skip
            for kind in KINDS:
                seconds, cpu, peak = results[kind, times]
                print(f"{kind:<12} {len(many):>9,} {seconds:>9.2f} {cpu:>8.2f} "
                      f"{cpu / len(many) * 1e6:>10.1f} {peak / 2**20:>9.1f}")  # fmt: skip
    print()
    for kind in KINDS:
        (_, small, small_peak), (_, large, large_peak) = results[kind, 1], results[kind, args.times]
        print(f"{kind}: CPU time ×{large / small:.1f} and peak memory ×{large_peak / small_peak:.2f} "
              f"for ×{args.times} the rows")  # fmt: skip
    for columns in COLUMNS:
        xlsx, csv = (
            results[f"xlsx {columns}", args.times][1],
            results[f"csv {columns}", args.times][1],
        )
        print(f"xlsx ÷ csv ({columns}) at {len(rows) * args.times:,} rows: {xlsx / csv:.2f}×")


if __name__ == "__main__":
    main()
