"""The runner: plays the demo's tables through the public API, every command with an
idempotency key, so that playing them again records nothing new.

Each table's rows are planned as dated commands (what an outcome stands for is written once, in
:mod:`rectify.demo.plays` and :mod:`rectify.demo.rounds`) on a
:class:`~rectify.demo.timeline.Timeline`, which plays them in business-date order. The first
report is played problem by problem; the larger story as one timeline, so that the rules that
look across aggregates (a branch's last problem closed out, a finding on a problem closed out
earlier) see the state of each date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from rectify.demo import plays, rounds
from rectify.demo.scenarios import OWN_MEASURES, UNIT_PROBLEMS, WORK_LIST
from rectify.demo.timeline import Ids, Timeline

if TYPE_CHECKING:
    from rich.progress import Progress

    from rectify.application import RectificationApp


@dataclass
class DemoResult:
    """What the demo recorded.

    ``own`` and ``units`` are the first report's 44 problems (``all``); the rest belong to the work
    list kept as one problem and to the larger story (empty when it was not played)."""

    own: list[UUID]
    units: list[UUID]
    work_list: UUID | None = None
    list_id: UUID | None = None
    list_issues: list[UUID] = field(default_factory=list)
    branches: list[UUID] = field(default_factory=list)
    election_issues: list[UUID] = field(default_factory=list)
    checklist_id: UUID | None = None
    rounds: list[UUID] = field(default_factory=list)
    findings: list[UUID] = field(default_factory=list)

    @property
    def all(self) -> list[UUID]:
        """The first report's problems: the committee's own 8 and the six departments' 36."""
        return [*self.own, *self.units]

    @property
    def first_story(self) -> list[UUID]:
        """The first report's problems and the work list kept as one problem."""
        return [*self.all, *([self.work_list] if self.work_list is not None else [])]

    @property
    def issues(self) -> list[UUID]:
        """Every problem the demo recorded (a relapse is the same problem again)."""
        return [
            *self.first_story,
            *self.list_issues,
            *self.election_issues,
            *dict.fromkeys(self.findings),
        ]


def run_demo(
    app: RectificationApp,
    seed: int = 2019,
    *,
    larger: bool = True,
    progress: Progress | None = None,
) -> DemoResult:
    """Play the scenario into ``app`` (idempotently) and return the ids it recorded.

    ``larger=False`` plays only the first report's story. ``progress`` (a rich progress display)
    gets a bar for the larger story, which takes a few seconds. ``seed`` is kept for callers of
    earlier versions and changes nothing: the scenarios are tables now (the 2018 list's seeds
    are part of its declared rules)."""
    del seed
    ids = Ids()
    for measure in OWN_MEASURES:
        _play_alone(app, plays.plan_own_measure, measure, ids)
    for problem in UNIT_PROBLEMS:
        _play_alone(app, plays.plan_unit_problem, problem, ids)
    work_list = Timeline()
    plays.plan_work_list(work_list, ids)
    work_list.play(app)
    result = DemoResult(
        own=[ids[m.key] for m in OWN_MEASURES],
        units=[ids[p.key] for p in UNIT_PROBLEMS],
        work_list=ids[WORK_LIST.key],
    )
    if larger:
        timeline = Timeline()
        plays.plan_lagging_branches(timeline, result)
        plays.plan_assessment_list(timeline, result)
        rounds.plan_inspection_rounds(timeline, result)
        timeline.play(app, progress, "field reports: lists, lagging branches, inspections")
    return result


Row = TypeVar("Row")


def _play_alone(
    app: RectificationApp, plan: Callable[[Timeline, Row, Ids], None], row: Row, ids: Ids
) -> None:
    """Play one row of the first report on its own, its commands in date order."""
    timeline = Timeline()
    plan(timeline, row, ids)
    timeline.play(app)
