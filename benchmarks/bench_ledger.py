"""How long the ledger (臺賬) takes at scale: ``app.ledger(as_of=D[, known_at=K])`` on SQLite.

Setup (timed, not a target): ``--issues`` problems (100,000) with realistic lives of about six
events each over two business years (2020-01-01 to 2021-12-31): found, assigned, progress reports,
rectified (限期整改 mostly, some 立行立改 or 集中治理, some late), verified, closed out; a share
rejected and resubmitted, some deadlines extended, some withdrawn, some reopened after close-out,
some stalled past their deadline, and the youngest still open. About one in eight is back-dated:
found on one date but recorded months later. The issues are built as domain aggregates with their
own checked command methods (no pydantic command validation, no reloads) and saved with
``app.save(*issues)`` in batches of ``BATCH`` issues, week by business week, so the notification
log interleaves issues roughly in the order things happened. Then ``app.catch_up()`` projects the
whole log into the views (timed: events/s).

Measured (each query ``--repeat`` times; best and median):

- ``app.ledger(as_of=D)`` for business dates across the history and after its end;
- ``app.ledger(as_of=D, known_at=K)`` for K at 25 %, 50 % and 90 % of the log;
- the largest ledger with its conventional columns (``LEDGER_COLUMNS``) read from every row, as a
  table or an export would (rows may decode their fields lazily: this is where that is paid);
- ``app.figures(as_of=D)``;
- the baseline: the statement ``ViewStore.ledger_rows`` runs (captured from the view store, so it
  follows whatever the view tables look like), run with plain ``sqlite3`` on the same file,
  ``fetchall()`` of plain tuples; the table shows each query ÷ that raw SQL;
- where the time of the largest ledger goes, stage by stage, and with the cyclic GC off.

Nothing asserts on time: the script prints the figures and whether the 1 s target is met, and
exits 0.

    python benchmarks/bench_ledger.py [--issues N] [--db PATH] [--keep] [--reuse] [--rebuild]
                                      [--repeat R] [--seed S] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib.metadata
import platform
import pstats
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import rectify
from rectify.adapters.viewstores import PREFIX
from rectify.domain.issue import Issue
from rectify.domain.values import Severity, Source
from rectify.projections.ledger import LEDGER_COLUMNS

TARGET_S = 1.0
"""Most one ``app.ledger(...)`` call may take at the default size, in seconds."""

START = date(2020, 1, 1)
END = date(2021, 12, 31)
"""The business years the history spans; ``END`` is also the app's today."""

WEEK = 7
BATCH = 1000
"""Issues per ``app.save(*issues)`` (one transaction)."""

AS_OF = (
    ("early", date(2020, 4, 1)),
    ("middle", date(2021, 1, 1)),
    ("late", date(2021, 10, 1)),
    ("end", END),
    ("after end", date(2022, 6, 30)),
)
KNOWN_AT_SHARES = (0.25, 0.50, 0.90)
KNOWN_AT_DAY = date(2021, 1, 1)
FIGURES_AS_OF = (("middle", date(2021, 1, 1)), ("after end", date(2022, 6, 30)))

# --------------------------------------------------------------------------- the cast

UNITS = tuple(
    f"{city}{office}"
    for city in ("省", "廣州市", "深圳市", "珠海市", "汕頭市", "佛山市", "韶關市", "湛江市")
    for office in ("財政廳", "教育廳", "衛健委", "住建廳", "交通運輸廳", "農業農村廳", "商務廳")
)
VERIFIERS = tuple(
    rectify.Actor(f"v{i}", f"驗收員{i}", "省直機關工委", ["verifier"]) for i in range(1, 6)
)
INSPECTORS = tuple(
    rectify.Actor(f"i{i}", f"巡查員{i}", "省委巡視辦", ["inspector"]) for i in range(1, 9)
)
RESPONSIBLE = {
    u: tuple(rectify.Actor(f"r{k}-{j}", f"責任人{k}-{j}", u, ["responsible"]) for j in range(3))
    for k, u in enumerate(UNITS)
}
SOURCES = tuple(Source)
CATEGORIES = (None, "作風建設", "制度執行", "財務管理", "幹部管理", "基層組織", "意識形態", "安全生產")  # fmt: skip
SEVERITIES = (Severity.MINOR, Severity.NORMAL, Severity.NORMAL, Severity.NORMAL, Severity.SERIOUS)
CAMPAIGNS = ("2020年專項整治", "2021年集中治理行動", "基層減負專項")
TITLES = (
    "{u}會議記錄不完整，部分決策程序缺失",
    "{u}公務接待超標準，審批手續不全",
    "{u}黨費收繳不規範",
    "{u}幹部檔案材料缺失",
    "{u}專項資金撥付滯後",
    "{u}制度建設不健全，執行不到位",
)
MEASURES = ("完善制度", "專題培訓", "建立臺賬", "追責問責", "整改回頭看", "約談提醒")
PROGRESS = ("已制定整改方案", "已完成第一階段整改", "正在推進制度建設", "已召開專題會議部署")

Step = tuple[date, str, dict[str, Any]]
"""One event of a planned life: business date, command method (``"record"`` creates), arguments."""


def _after(d: date, lo: int, hi: int, rng: random.Random) -> date:
    return d + timedelta(days=rng.randint(lo, hi))


def plan_life(k: int, found: date, seed: int) -> list[Step]:
    """The whole planned life of issue ``k``, from its found date on (steps after END dropped)."""
    rng = random.Random(seed * 1_000_003 + k)
    unit = rng.choice(UNITS)
    steps: list[Step] = [
        (
            found,
            "record",
            {
                "actor": rng.choice(VERIFIERS if rng.random() < 0.3 else INSPECTORS),
                "on": found,
                "title": rng.choice(TITLES).format(u=unit) + f"（第{k}號）",
                "unit": unit,
                "source": rng.choice(SOURCES),
                "category": rng.choice(CATEGORIES),
                "severity": rng.choice(SEVERITIES),
                "description": "經核查發現，相關工作存在薄弱環節，需限期整改。",
            },
        )
    ]
    verifier = rng.choice(VERIFIERS)
    d = found
    r = rng.random()
    if r < 0.02:  # unfounded, withdrawn soon after it was found
        d = _after(d, 3, 40, rng)
        steps.append((d, "withdraw", {"actor": verifier, "on": d, "reason": "經核實不屬實"}))
        return _until_end(steps)
    if r < 0.10:  # 立行立改, then verified and closed out
        actor = rng.choice(RESPONSIBLE[unit])
        d = _after(d, 0, 5, rng)
        steps.append(
            (d, "rectify_on_the_spot", {"actor": actor, "on": d, "summary": "當場整改到位"})
        )
        d = _after(d, 3, 25, rng)
        steps.append((d, "verify", {"actor": verifier, "on": d, "note": "經查驗已整改"}))
        d = _after(d, 1, 15, rng)
        steps.append((d, "close_out", {"actor": verifier, "on": d, "note": "同意銷號"}))
        return _until_end(steps)
    # 交辦: mostly to the issue's own unit, sometimes to another one
    responsible_unit = unit if rng.random() < 0.85 else rng.choice(UNITS)
    responsible = rng.choice(RESPONSIBLE[responsible_unit])
    d = _after(d, 1, 14, rng)
    deadline = _after(d, 30, 180, rng)
    measures = tuple(rng.sample(MEASURES, rng.randint(1, 3)))
    steps.append(
        (
            d,
            "assign",
            {
                "actor": verifier,
                "on": d,
                "unit": responsible_unit,
                "person": responsible.name,
                "deadline": deadline,
                "measures": measures,
            },
        )
    )
    open_measures = list(range(1, len(measures) + 1))
    if rng.random() < 0.02:  # withdrawn after it was assigned
        d = _after(d, 5, 60, rng)
        steps.append((d, "withdraw", {"actor": verifier, "on": d, "reason": "經複核撤銷"}))
        return _until_end(steps)

    def progress(lo: int, hi: int) -> None:
        nonlocal d
        d = _after(d, lo, hi, rng)
        text = rng.choice(PROGRESS)
        steps.append((d, "report_progress", {"actor": responsible, "on": d, "text": text}))

    for _ in range(rng.choices((0, 1, 2, 3), (15, 45, 30, 10))[0]):
        progress(3, 30)
    if rng.random() < 0.05:  # 延期
        d = _after(d, 1, 10, rng)
        deadline = max(deadline, d) + timedelta(days=rng.randint(30, 90))
        steps.append(
            (
                d,
                "extend_deadline",
                {"actor": verifier, "on": d, "new_deadline": deadline, "reason": "任務量大"},
            )
        )
    if rng.random() < 0.06:  # stalled: never rectified, overdue once the deadline passes
        return _until_end(steps)

    def rectify_it() -> None:
        nonlocal d
        late = rng.random() < 0.15
        d = max(d, _after(deadline, 1, 60, rng)) if late else _after(d, 5, 60, rng)
        if rng.random() < 0.12:
            args = {"campaign": rng.choice(CAMPAIGNS), "summary": "納入集中治理完成"}
            steps.append((d, "treat_centrally", {"actor": responsible, "on": d, **args}))
        else:
            while open_measures:  # issue/2: every measure done before the submission
                number = open_measures.pop(0)
                steps.append(
                    (d, "complete_measure", {"actor": responsible, "on": d, "measure": number})
                )
            args = {"summary": "已按期完成整改", "evidence": ("整改報告.pdf",)}
            steps.append((d, "submit_rectification", {"actor": responsible, "on": d, **args}))

    def accept() -> None:
        nonlocal d
        d = _after(d, 3, 30, rng)
        steps.append((d, "verify", {"actor": verifier, "on": d, "note": "驗收通過"}))
        d = _after(d, 1, 20, rng)
        steps.append((d, "close_out", {"actor": verifier, "on": d, "note": "同意銷號"}))

    rectify_it()
    if rng.random() < 0.15:  # 退回, more work, resubmitted
        d = _after(d, 3, 20, rng)
        steps.append((d, "reject", {"actor": verifier, "on": d, "reason": "整改不徹底"}))
        progress(5, 30)
        rectify_it()
    accept()
    if rng.random() < 0.05:  # 反彈: reopened after close-out, fixed again
        d = _after(d, 30, 200, rng)
        deadline = _after(d, 30, 90, rng)
        args = {"reason": "問題反彈", "deadline": deadline}
        steps.append((d, "reopen", {"actor": verifier, "on": d, **args}))
        progress(5, 30)
        rectify_it()
        accept()
    return _until_end(steps)


def _until_end(steps: list[Step]) -> list[Step]:
    return [s for s in steps if s[0] <= END]


# --------------------------------------------------------------------------- setup


def week(d: date) -> int:
    return (d - START).days // WEEK


@dataclass
class Setup:
    issues: int = 0
    events: int = 0
    back_dated: int = 0
    saves: int = 0
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)


def record_history(app: rectify.RectificationApp, n: int, seed: int) -> Setup:
    """Record ``n`` issue lives, week by business week, saving ``BATCH`` issues per transaction.

    An issue enters the log in the week it was recorded (its found date, or months later if it is
    back-dated, with every event up to then); each later event goes in the week of its date."""
    rng = random.Random(seed)
    span = (END - START).days - 14
    weeks = week(END) + 1
    records: list[list[tuple[int, date]]] = [[] for _ in range(weeks)]
    back_dated = 0
    for k in range(n):
        found = START + timedelta(days=rng.randint(0, span))
        recorded = found
        if rng.random() < 0.12:
            recorded = min(END, _after(found, 30, 400, rng))
            back_dated += week(recorded) > week(found)
        records[week(recorded)].append((k, found))
    pending: list[list[int]] = [[] for _ in range(weeks)]
    live: dict[int, tuple[Issue | None, list[Step], int]] = {}
    result = Setup(issues=n, back_dated=back_dated)
    statuses: dict[str, int] = {}
    start = time.perf_counter()
    for w in range(weeks):
        touched: list[Issue] = []
        for k, found in records[w]:
            live[k] = (None, plan_life(k, found, seed), 0)
        for k in [k for k, _ in records[w]] + pending[w]:
            issue, plan, cursor = live[k]
            while cursor < len(plan) and week(plan[cursor][0]) <= w:
                _, method, args = plan[cursor]
                if issue is None:
                    issue = Issue.record(**args)
                else:
                    getattr(issue, method)(**args)
                cursor += 1
            assert issue is not None
            touched.append(issue)
            if cursor < len(plan):
                live[k] = (issue, plan, cursor)
                pending[week(plan[cursor][0])].append(k)
            else:
                del live[k]
                statuses[issue.status.value] = statuses.get(issue.status.value, 0) + 1
        pending[w] = []
        for i in range(0, len(touched), BATCH):
            recordings = app.save(*touched[i : i + BATCH])
            result.events += len(recordings)
            result.saves += 1
    result.seconds = time.perf_counter() - start
    assert not live, f"{len(live)} issues still have planned events"
    result.statuses = dict(sorted(statuses.items(), key=lambda kv: -kv[1]))
    return result


# --------------------------------------------------------------------------- measuring


@dataclass
class Timing:
    label: str
    seconds: list[float]
    rows: int
    raw: list[float] | None = None
    targeted: bool = False  # a plain ledger query, which the 1 s target is about

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def ratio(self) -> float | None:
        return self.best / min(self.raw) if self.raw else None


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """Run ``fn`` ``repeat`` times (garbage collected before each); seconds of each, last result."""
    seconds = []
    result = None
    for _ in range(repeat):
        result = None  # the previous run's rows are freed before the next one
        gc.collect()
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return seconds, result


Statement = tuple[str, list[Any]]


class _Recording:
    """A cursor that remembers what it executes (and otherwise is the cursor it wraps)."""

    def __init__(self, cursor: Any, seen: list[Statement]) -> None:
        self._cursor = cursor
        self._seen = seen

    def execute(self, sql: str, params: Any = ()) -> Any:
        self._seen.append((sql, list(params)))
        return self._cursor.execute(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def ledger_statement(app: rectify.RectificationApp, as_of: date, known_at: int | None) -> Statement:
    """The SQL and parameters ``ViewStore.ledger_rows`` runs for this query (captured, so the
    baseline follows whatever the views look like); SELECT * with the predicate if that fails."""
    views: Any = app.views
    seen: list[Statement] = []
    original = views._cursor

    @contextmanager
    def recording(*, commit: bool) -> Iterator[Any]:
        with original(commit=commit) as cursor:
            yield _Recording(cursor, seen)

    views._cursor = recording
    try:
        views.ledger_rows(as_of, known_at, {})
    except Exception:  # the SELECT * fallback below is good enough for a baseline
        seen.clear()
    finally:
        del views._cursor
    if seen:
        return seen[-1]
    day = as_of.isoformat()
    if known_at is None:
        where, params = "on_from <= ? AND (on_to IS NULL OR on_to > ?)", [day, day]
    else:
        where = "on_from <= ? AND pos_from <= ? AND (pos_to IS NULL OR on_to > ? OR pos_to > ?)"
        params = [day, known_at, day, known_at]
    return f"SELECT * FROM {PREFIX}_versions WHERE {where}", params


class Raw:
    """Plain sqlite3 on the same file: the least reading these rows can cost in Python."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path)

    def rows(self, statement: Statement) -> list[Any]:
        return self.conn.execute(*statement).fetchall()

    def plan(self, statement: Statement) -> str:
        sql, params = statement
        plan = self.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        return "; ".join(str(row[-1]) for row in plan)

    def close(self) -> None:
        self.conn.close()


@dataclass
class Case:
    label: str
    as_of: date
    known_at: int | None
    statement: Statement


def cases(app: rectify.RectificationApp, positions: int) -> list[Case]:
    out = [
        Case(f"ledger as_of={d} ({name})", d, None, ledger_statement(app, d, None))
        for name, d in AS_OF
    ]
    for share in KNOWN_AT_SHARES:
        k = round(positions * share)
        label = f"ledger as_of={KNOWN_AT_DAY} known_at={k:,} ({share:.0%})"
        out.append(Case(label, KNOWN_AT_DAY, k, ledger_statement(app, KNOWN_AT_DAY, k)))
    return out


def measure_queries(
    app: rectify.RectificationApp, raw: Raw, todo: list[Case], repeat: int
) -> list[Timing]:
    out: list[Timing] = []
    raw_by_day: dict[date, list[float]] = {}
    for case in todo:
        raw_s, raw_rows = timed(lambda c=case: raw.rows(c.statement), repeat)
        ours, rows = timed(lambda c=case: app.ledger(as_of=c.as_of, known_at=c.known_at), repeat)
        if len(rows) != len(raw_rows):  # untimed sanity check: the same rows
            msg = f"{case.label}: app.ledger has {len(rows)} rows, the raw SQL {len(raw_rows)}"
            raise RuntimeError(msg)
        out.append(Timing(case.label, ours, len(rows), raw_s, targeted=True))
        if case.known_at is None:
            raw_by_day[case.as_of] = raw_s
        del rows, raw_rows
    full = todo[len(AS_OF) - 1]
    names = [attribute for _, attribute in LEDGER_COLUMNS]

    def read_columns() -> int:
        rows = app.ledger(as_of=full.as_of)
        for row in rows:
            for name in names:
                getattr(row, name)
        return len(rows)

    seconds, count = timed(read_columns, repeat)
    label = f"ledger as_of={full.as_of}, its {len(names)} columns read"
    out.append(Timing(label, seconds, count, raw_by_day.get(full.as_of)))
    for name, d in FIGURES_AS_OF:
        seconds, figures = timed(lambda d=d: app.figures(as_of=d), repeat)
        out.append(Timing(f"figures as_of={d} ({name})", seconds, figures.total.found,
                          raw_by_day.get(d)))  # fmt: skip
    return out


def stages(
    app: rectify.RectificationApp, raw: Raw, case: Case, timing: Timing, repeat: int
) -> list[tuple[str, float]]:
    """Where the time of one ledger query goes, each stage timed alone (best of ``repeat``)."""
    views: Any = app.views
    d, k = case.as_of, case.known_at
    database = raw.conn.execute("PRAGMA database_list").fetchone()[2]
    row_conn = sqlite3.connect(database)
    row_conn.row_factory = sqlite3.Row  # as eventsourcing's SQLite connections have it

    def best(fn: Callable[[], Any]) -> float:
        return min(timed(fn, repeat)[0])

    def no_gc() -> Any:
        gc.disable()
        try:
            return app.ledger(as_of=d, known_at=k)
        finally:
            gc.enable()

    fetched = views.ledger_rows(d, k, {})
    rows_fetched = {"row": best(lambda: [tuple(r) for r in row_conn.execute(*case.statement)])}
    rows_fetched["views"] = best(lambda: views.ledger_rows(d, k, {}))
    views.ledger_rows = lambda *args, **kwargs: fetched  # app.ledger minus the query
    try:
        building = best(lambda: app.ledger(as_of=d, known_at=k))
    finally:
        del views.ledger_rows
    out = [
        ("raw sqlite3, the same statement, tuples (the baseline)", min(timing.raw or [0.0])),
        ("raw sqlite3, the same statement, sqlite3.Row, tuple(r)", rows_fetched["row"]),
        ("ViewStore.ledger_rows (the query through eventsourcing)", rows_fetched["views"]),
        ("app.ledger with ledger_rows already fetched (row building)", building),
        ("app.ledger in all (as in the table above)", timing.best),
        ("app.ledger in all, gc disabled during the call", best(no_gc)),
    ]
    row_conn.close()
    return out


def profile_ledger(app: rectify.RectificationApp, case: Case, top: int = 25) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    app.ledger(as_of=case.as_of, known_at=case.known_at)
    profiler.disable()
    print(f"\ncProfile of {case.label} (times include profiler overhead)")
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)


# --------------------------------------------------------------------------- reporting


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _commit() -> str:
    """The commit of the working tree, and whether src/ differs from it (read-only git)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "src"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "commit unknown"
    return f"commit {head}" + (" + uncommitted changes in src/" if dirty else "")


def _short(sql: str, width: int = 150) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    print(line(header))
    print(line(tuple("-" * w for w in widths)))
    for r in rows:
        print(line(r))


def print_queries(timings: list[Timing], check_target: bool) -> None:
    rows = []
    for t in timings:
        verdict = ("PASS" if t.best <= TARGET_S else "FAIL") if t.targeted and check_target else ""
        rows.append(
            (
                t.label,
                f"{t.rows:,}",
                f"{t.best:.3f}",
                f"{t.median:.3f}",
                f"{min(t.raw):.3f}" if t.raw else "",
                f"{t.ratio:.1f}×" if t.ratio else "",
                f"{t.best / t.rows * 1e6:.1f}" if t.rows else "",
                verdict,
            )
        )
    header = ("query", "rows", "best s", "median s", "raw SQL s", "÷ raw", "µs/row", "≤ 1 s")
    print_table(header, rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--issues", type=int, default=100_000, help="problems to record (100,000)")
    p.add_argument("--db", type=Path, help="SQLite file to use (kept); default: a temp dir")
    p.add_argument("--keep", action="store_true", help="keep the temporary database")
    p.add_argument("--reuse", action="store_true", help="--db exists: skip the setup, use it")
    p.add_argument("--rebuild", action="store_true", help="time rebuild_views() too")
    p.add_argument("--repeat", type=int, default=3, help="runs of each query (3)")
    p.add_argument("--seed", type=int, default=1, help="random seed of the histories (1)")
    p.add_argument("--profile", action="store_true", help="cProfile one full ledger call")
    args = p.parse_args(argv)
    if args.issues < 1 or args.repeat < 1:
        p.error("need --issues ≥ 1 and --repeat ≥ 1")
    if args.reuse and (args.db is None or not args.db.exists()):
        p.error("--reuse needs --db naming an existing database")
    if args.db is not None and args.db.exists() and not args.reuse:
        p.error(f"{args.db} exists: remove it, or pass --reuse to measure it as it is")

    print(
        f"Python {platform.python_version()} · SQLite {sqlite3.sqlite_version} · "
        f"eventsourcing {_version('eventsourcing')} · pydantic {_version('pydantic')} · "
        f"rectify {_version('rectify')}"
    )
    print(f"{platform.platform()} · {platform.processor() or platform.machine()} · {_commit()}")

    tmp = None
    if args.db is None:
        tmp = tempfile.mkdtemp(prefix="rectify-ledger-")
        path = Path(tmp) / "ledger.db"
    else:
        path = args.db.resolve()
    print(f"database: {path}\n")
    app = rectify.connect(f"sqlite:///{path}", today=lambda: END)
    raw = Raw(path)
    try:
        if not args.reuse:
            s = record_history(app, args.issues, args.seed)
            print(
                f"setup: {s.issues:,} issues, {s.events:,} events "
                f"({s.events / s.issues:.2f} per issue), {s.back_dated:,} back-dated; "
                f"{s.saves:,} saves; {s.seconds:.1f} s ({s.events / s.seconds:,.0f} events/s)"
            )
            print("       final status: " + ", ".join(f"{k} {v:,}" for k, v in s.statuses.items()))
        start = time.perf_counter()
        projected = app.catch_up()
        seconds = time.perf_counter() - start
        if projected:
            print(
                f"catch_up: {projected:,} events projected in {seconds:.1f} s "
                f"({projected / seconds:,.0f} events/s)"
            )
        if args.rebuild:
            start = time.perf_counter()
            projected = app.rebuild_views()
            seconds = time.perf_counter() - start
            print(
                f"rebuild_views: {projected:,} events in {seconds:.1f} s "
                f"({projected / seconds:,.0f} events/s)"
            )
        positions = app.recorder.max_notification_id() or 0
        versions = raw.conn.execute(f"SELECT COUNT(*) FROM {PREFIX}_versions").fetchone()[0]
        size = sum(f.stat().st_size for f in path.parent.glob(path.name + "*"))
        print(
            f"log: {positions:,} notifications; views: {versions:,} version rows; "
            f"file {size / 2**20:,.0f} MiB (with WAL)"
        )
        print(
            f"this process holds {len(gc.get_objects()):,} objects tracked by the garbage "
            "collector (each full collection walks them all)"
        )
        todo = cases(app, positions)
        full = todo[len(AS_OF) - 1]  # as_of after the end: every problem, the largest ledger
        print(f"statement (as_of): {_short(full.statement[0])}")
        print(f"query plan, as_of:    {raw.plan(full.statement)}")
        print(f"query plan, known_at: {raw.plan(todo[-1].statement)}\n")

        timings = measure_queries(app, raw, todo, args.repeat)
        print(
            f"each query {args.repeat}× (gc.collect() before each); raw SQL: the statement "
            "ViewStore.ledger_rows runs, with plain sqlite3, fetchall()"
        )
        print_queries(timings, check_target=True)

        print(f"\nwhere the time goes: {full.label}, best of {args.repeat}")
        parts = stages(app, raw, full, timings[len(AS_OF) - 1], args.repeat)
        total = timings[len(AS_OF) - 1].best
        print_table(
            ("stage", "s", "of all"),
            [(label, f"{s:.3f}", f"{s / total:.0%}") for label, s in parts],
        )
        if args.profile:
            profile_ledger(app, full)
    finally:
        raw.close()
        app.close()
        if tmp is not None:
            if args.keep:
                print(f"\nkept {path}")
            else:
                for f in Path(tmp).iterdir():
                    f.unlink()
                Path(tmp).rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
