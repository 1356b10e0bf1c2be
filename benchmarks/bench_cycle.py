"""Cost of one load-command-save cycle: rectify against bare eventsourcing, same run, same store.

One cycle is what ``app.report_progress(issue_id, ...)`` does in rectify: validate the command with
pydantic, load the issue (decode and replay every stored event of it), check the workflow, the
grant and the guards, trigger the event, save it. The baseline is a plain eventsourcing
``Application`` with a plain ``Aggregate`` whose events carry the same payload fields (an actor
with id/name/unit/roles as a dict, a business date, a command id, the text), mapped by
eventsourcing's default ``Mapper`` + ``JSONTranscoder``, with no validation and no checks:
``repository.get(id)``, call the ``@event`` method, ``save``.

Workload, per round and per store: a fresh store for each side (a new POPO store, or a new SQLite
file in a temporary directory), ``--issues`` issues seeded with ``--prior`` events each (found,
assigned, then progress reports), then ``--cycles`` progress reports spread round-robin over the
issues, so every load replays between ``--prior`` and ``--prior + cycles/issues - 1`` events. The
two sides are timed interleaved, in blocks of 50 cycles, the side that goes first alternating;
each side's best (least) time per cycle over ``--rounds`` rounds is reported. Nothing here asserts
on time: it prints a table and whether the targets are met.

    python benchmarks/bench_cycle.py [--cycles N] [--stores memory,sqlite] [--rounds R]
                                     [--issues I] [--prior P] [--warm W] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib.metadata
import platform
import pstats
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import Transcoding

import rectify
from rectify.adapters.persistence import env_for_url
from rectify.domain.issue import Issue

if TYPE_CHECKING:
    from collections.abc import Callable

    from eventsourcing.persistence import JSONTranscoder

TARGETS = {"memory": 1.5, "sqlite": 1.25}
"""Most rectify may cost, as a multiple of bare eventsourcing's time per cycle, on each store."""

BLOCK = 50
"""Cycles timed on one side before switching to the other."""

TODAY = date(2026, 1, 31)
FOUND_ON = date(2026, 1, 1)
ASSIGNED_ON = date(2026, 1, 2)
PRIOR_ON = date(2026, 1, 3)
CYCLE_ON = date(2026, 1, 20)
DEADLINE = date(2026, 3, 1)
UNIT = "省財政廳"
TEXT = "已完成第一階段整改，正在推進制度建設"

VERIFIER = rectify.Actor("v1", "Zhao", "省直機關工委", ["verifier"])
RESPONSIBLE = rectify.Actor("r1", "Li", UNIT, ["responsible"])


def _actor_dict(actor: rectify.Actor) -> dict[str, Any]:
    # What the bare side stores for the actor: the same four fields, as a plain dict.
    return {
        "id": actor.id,
        "name": actor.name,
        "unit": actor.unit,
        "roles": sorted(r.value for r in actor.roles),
    }


BARE_VERIFIER = _actor_dict(VERIFIER)
BARE_RESPONSIBLE = _actor_dict(RESPONSIBLE)


# --------------------------------------------------------------------------- the bare baseline


class DateAsISO(Transcoding):
    """``datetime.date`` as an ISO string (JSONTranscoder matches exact types, so ``date`` needs
    its own transcoding besides eventsourcing's ``DatetimeAsISO``)."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class BareIssue(Aggregate):
    """The same events as rectify's Issue (same payload fields), applied without any checks."""

    @event("IssueFound")
    def __init__(
        self,
        actor: dict[str, Any],
        on: date,
        command_id: str | None,
        workflow: str,
        title: str,
        description: str,
        unit: str,
        source: str,
        category: str | None,
        severity: str,
        branch_id: UUID | None,
    ) -> None:
        self.workflow = workflow
        self.title = title
        self.description = description
        self.unit = unit
        self.source = source
        self.category = category
        self.severity = severity
        self.branch_id = branch_id
        self.status = "found"
        self.found_on = on
        self.found_by = actor
        self.responsible_unit: str | None = None
        self.responsible_person: str | None = None
        self.deadline: date | None = None
        self.measures: tuple[str, ...] = ()
        self.progress: str | None = None
        self.progress_on: date | None = None
        self.last_on = on
        self.command_ids: set[str] = set()
        if command_id:
            self.command_ids.add(command_id)

    @event("IssueAssigned")
    def assign(
        self,
        actor: dict[str, Any],
        on: date,
        command_id: str | None,
        unit: str,
        person: str,
        deadline: date,
        measures: tuple[str, ...],
    ) -> None:
        self.status = "assigned"
        self.responsible_unit = unit
        self.responsible_person = person
        self.deadline = deadline
        self.measures = measures
        self.last_on = on
        if command_id:
            self.command_ids.add(command_id)

    @event("ProgressReported")
    def report_progress(
        self, actor: dict[str, Any], on: date, command_id: str | None, text: str
    ) -> None:
        self.progress = text
        self.progress_on = on
        self.last_on = on
        if command_id:
            self.command_ids.add(command_id)


class BareApp(Application[UUID]):
    """Plain eventsourcing: default Mapper and JSONTranscoder, plus a transcoding for dates."""

    name = "bare"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def report_progress(
        self, issue_id: UUID, actor: dict[str, Any], on: date, command_id: str, text: str
    ) -> None:
        issue: BareIssue = self.repository.get(issue_id)
        issue.report_progress(actor=actor, on=on, command_id=command_id, text=text)
        self.save(issue)


# --------------------------------------------------------------------------- the two sides


@dataclass
class Side:
    """One side of the comparison, ready to run timed cycles on seeded issues."""

    app: Application[UUID]
    issue_ids: list[UUID]
    warm_ids: list[UUID]
    cycle: Callable[[UUID, str], None]

    def version(self, issue_id: UUID) -> int:
        return self.app.repository.get(issue_id).version


def _seed_bare(app: BareApp, n: int, prior: int, tag: str) -> list[UUID]:
    ids = []
    for k in range(n):
        issue = BareIssue(
            actor=BARE_VERIFIER, on=FOUND_ON, command_id=f"{tag}-{k}-found",
            workflow="issue/1", title=f"problem {k}", description="", unit=UNIT,
            source="assessment", category=None, severity="normal", branch_id=None,
        )  # fmt: skip
        issue.assign(
            actor=BARE_VERIFIER, on=ASSIGNED_ON, command_id=f"{tag}-{k}-assign",
            unit=UNIT, person="Li", deadline=DEADLINE, measures=("m1",),
        )  # fmt: skip
        for j in range(prior - 2):
            issue.report_progress(
                actor=BARE_RESPONSIBLE, on=PRIOR_ON, command_id=f"{tag}-{k}-p{j}", text=TEXT
            )
        app.save(issue)
        ids.append(issue.id)
    return ids


def _seed_rectify(app: rectify.RectificationApp, n: int, prior: int, tag: str) -> list[UUID]:
    ids = []
    for k in range(n):
        issue = Issue.record(
            actor=VERIFIER, on=FOUND_ON, command_id=f"{tag}-{k}-found",
            title=f"problem {k}", unit=UNIT, source=rectify.Source.ASSESSMENT,
        )  # fmt: skip
        issue.assign(
            actor=VERIFIER, on=ASSIGNED_ON, command_id=f"{tag}-{k}-assign",
            unit=UNIT, person="Li", deadline=DEADLINE, measures=("m1",),
        )  # fmt: skip
        for j in range(prior - 2):
            issue.report_progress(
                actor=RESPONSIBLE, on=PRIOR_ON, command_id=f"{tag}-{k}-p{j}", text=TEXT
            )
        app.save(issue)
        ids.append(issue.id)
    return ids


def make_bare(url: str, issues: int, warm: int, prior: int) -> Side:
    app = BareApp(env_for_url(url))
    report = app.report_progress

    def cycle(issue_id: UUID, command_id: str) -> None:
        report(issue_id, BARE_RESPONSIBLE, CYCLE_ON, command_id, TEXT)

    return Side(app, _seed_bare(app, issues, prior, "b"), _seed_bare(app, warm, prior, "bw"), cycle)


def make_rectify(url: str, issues: int, warm: int, prior: int) -> Side:
    app = rectify.connect(url, today=lambda: TODAY)
    report = app.report_progress

    def cycle(issue_id: UUID, command_id: str) -> None:
        report(issue_id, actor=RESPONSIBLE, text=TEXT, on=CYCLE_ON, command_id=command_id)

    return Side(
        app, _seed_rectify(app, issues, prior, "r"), _seed_rectify(app, warm, prior, "rw"), cycle
    )


SIDES: dict[str, Callable[[str, int, int, int], Side]] = {
    "bare": make_bare,
    "rectify": make_rectify,
}


def store_url(store: str, directory: Path, side: str, round_: int) -> str:
    if store == "memory":
        return "memory://"
    if store == "sqlite":
        return f"sqlite:///{directory / f'{side}-{round_}.db'}"
    msg = f"unknown store {store!r}: use memory or sqlite"
    raise SystemExit(msg)


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Config:
    cycles: int
    rounds: int
    issues: int
    prior: int
    warm: int


def run_round(store: str, directory: Path, round_: int, cfg: Config) -> dict[str, float]:
    """One round on ``store``: seed a fresh store for each side, warm both up, then time
    ``cfg.cycles`` cycles on each, interleaved in blocks of ``BLOCK`` cycles (the side that goes
    first alternates), so both sides see the same machine noise. Returns seconds per cycle."""
    sides: dict[str, Side] = {}
    try:
        for name, make in SIDES.items():
            sides[name] = make(
                store_url(store, directory, name, round_), cfg.issues, cfg.warm, cfg.prior
            )
        for name, side in sides.items():  # untimed: first queries, caches, prepared statements
            for k, issue_id in enumerate(side.warm_ids):
                side.cycle(issue_id, f"warm-{name}-{round_}-{k}")
        chunks: list[list[int]] = [
            list(range(i, min(i + BLOCK, cfg.cycles))) for i in range(0, cfg.cycles, BLOCK)
        ]
        elapsed = dict.fromkeys(sides, 0.0)
        order = list(sides)
        gc.collect()
        for n, chunk in enumerate(chunks):
            for name in order if (n + round_) % 2 == 0 else reversed(order):
                side = sides[name]
                cycle, ids = side.cycle, side.issue_ids
                work = [(ids[i % len(ids)], f"c-{round_}-{i}") for i in chunk]
                start = time.perf_counter()
                for issue_id, command_id in work:
                    cycle(issue_id, command_id)
                elapsed[name] += time.perf_counter() - start
        # Untimed sanity check: every cycle recorded exactly one event, on both sides.
        full_turns, rest = divmod(cfg.cycles, cfg.issues)
        expected = cfg.prior + full_turns + (1 if rest > 0 else 0)
        for name, side in sides.items():
            version = side.version(side.issue_ids[0])
            if version != expected:
                msg = f"{name}/{store}: the first issue has version {version}, not {expected}"
                raise RuntimeError(msg)
        return {name: t / cfg.cycles for name, t in elapsed.items()}
    finally:
        for side in sides.values():
            side.app.close()
        for path in directory.glob(f"*-{round_}.db*"):
            path.unlink()


@dataclass
class Result:
    store: str
    bare: list[float]
    rectify: list[float]

    @property
    def ratio(self) -> float:
        return min(self.rectify) / min(self.bare)

    @property
    def target(self) -> float:
        return TARGETS[self.store]


def measure(store: str, directory: Path, cfg: Config) -> Result:
    result = Result(store, [], [])
    for round_ in range(cfg.rounds):
        per_cycle = run_round(store, directory, round_, cfg)
        result.bare.append(per_cycle["bare"])
        result.rectify.append(per_cycle["rectify"])
    return result


def profile_rectify(store: str, directory: Path, cfg: Config, top: int = 30) -> None:
    """cProfile one rectify round on ``store`` and print where the time goes."""
    url = store_url(store, directory, "profile", 0)
    side = make_rectify(url, cfg.issues, cfg.warm, cfg.prior)
    try:
        for k, issue_id in enumerate(side.warm_ids):
            side.cycle(issue_id, f"warm-p-{k}")
        ids = side.issue_ids
        work = [(ids[i % len(ids)], f"c-p-{i}") for i in range(cfg.cycles)]
        profiler = cProfile.Profile()
        profiler.enable()
        for issue_id, command_id in work:
            side.cycle(issue_id, command_id)
        profiler.disable()
    finally:
        side.app.close()
    print(f"\ncProfile of {cfg.cycles} rectify cycles on {store} (times include profiler overhead)")
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


# --------------------------------------------------------------------------- reporting


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def print_header(cfg: Config) -> None:
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}) · "
        f"eventsourcing {_version('eventsourcing')} · pydantic {_version('pydantic')} · "
        f"rectify {_version('rectify')}"
    )
    print(f"{platform.platform()} · {platform.processor() or platform.machine()}")
    per_issue = -(-cfg.cycles // cfg.issues)
    print(
        f"{cfg.cycles} cycles per round over {cfg.issues} issues ({per_issue} each), "
        f"each load replays {cfg.prior}-{cfg.prior + per_issue - 1} events; "
        f"best of {cfg.rounds} rounds, sides interleaved"
    )
    if __debug__:
        print(
            "assertions on: eventsourcing's per-event `assert isinstance(event, "
            "CanMutateProtocol)` costs both sides the same; `python -O` leaves it out"
        )
    print()


class Table:
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "store", "bare µs/cycle", "bare cycles/s", "rectify µs/cycle", "rectify cycles/s",
        "rectify/bare", "target", "result",
    )  # fmt: skip

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def add(self, r: Result) -> None:
        bare, rect = min(r.bare), min(r.rectify)
        self.rows.append(
            (
                r.store,
                f"{bare * 1e6:.1f}",
                f"{1 / bare:,.0f}",
                f"{rect * 1e6:.1f}",
                f"{1 / rect:,.0f}",
                f"{r.ratio:.2f}×",
                f"≤ {r.target:.2f}×",
                "PASS" if r.ratio <= r.target else "FAIL",
            )
        )

    def print(self) -> None:
        widths = [
            max(len(c), *(len(row[i]) for row in self.rows)) for i, c in enumerate(self.COLUMNS)
        ]

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
            )

        print(line(self.COLUMNS))
        print(line(tuple("-" * w for w in widths)))
        for row in self.rows:
            print(line(row))


def print_spread(results: list[Result]) -> None:
    print("\nper round (µs/cycle, in run order of rounds):")
    for r in results:
        bare = " ".join(f"{t * 1e6:.0f}" for t in r.bare)
        rect = " ".join(f"{t * 1e6:.0f}" for t in r.rectify)
        ratios = [x / y for x, y in zip(r.rectify, r.bare, strict=True)]
        print(
            f"  {r.store:<7} bare [{bare}]  rectify [{rect}]  "
            f"median ratio {statistics.median(ratios):.2f}×"
        )


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cycles", type=int, default=2000, help="timed cycles per round (2000)")
    p.add_argument("--stores", default="memory,sqlite", help="comma-separated: memory,sqlite")
    p.add_argument("--rounds", type=int, default=5, help="rounds per store; best is kept (5)")
    p.add_argument("--issues", type=int, default=200, help="issues the cycles are spread over")
    p.add_argument("--prior", type=int, default=5, help="events per issue before timing (≥ 2)")
    p.add_argument("--warm", type=int, default=20, help="untimed warm-up cycles per run (20)")
    p.add_argument("--profile", action="store_true", help="also cProfile rectify on each store")
    args = p.parse_args(argv)
    if args.cycles < 1 or args.rounds < 1 or args.issues < 1 or args.prior < 2 or args.warm < 0:
        p.error("need --cycles ≥ 1, --rounds ≥ 1, --issues ≥ 1, --prior ≥ 2, --warm ≥ 0")
    args.stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    unknown = [s for s in args.stores if s not in TARGETS]
    if unknown or not args.stores:
        p.error(f"--stores takes a comma-separated list of: {', '.join(TARGETS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cfg = Config(args.cycles, args.rounds, args.issues, args.prior, args.warm)
    print_header(cfg)
    results = []
    with tempfile.TemporaryDirectory(prefix="rectify-bench-") as tmp:
        directory = Path(tmp)
        for store in args.stores:
            results.append(measure(store, directory, cfg))
        table = Table()
        for r in results:
            table.add(r)
        table.print()
        print_spread(results)
        if args.profile:
            for store in args.stores:
                profile_rectify(store, directory, cfg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
