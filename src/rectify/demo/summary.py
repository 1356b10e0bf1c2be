"""The figures the demo ends with: the ledger's, the 2018 list's, the lagging-branch board's, the
inspection rounds' and the committee's work list's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rectify.demo.scenarios import DEMO_TODAY
from rectify.domain.values import Mode, RoundStatus, Status

if TYPE_CHECKING:
    from rectify.application import RectificationApp
    from rectify.demo.runner import DemoResult


@dataclass(frozen=True)
class DemoSummary:
    """The figures the demo ends with, as of a date."""

    as_of: date
    problems: int
    close_out_rate: float | None
    list_units: int
    common_problems: int
    list_problems: int
    list_closed_out: int
    list_overdue: int
    lagging: int
    ready: int
    delisted: int
    rounds: int
    rounds_closed: int
    findings: int
    relapses: int
    still_open_from_before: int
    work_list_measures: str
    work_list_modes: dict[str, int]

    def lines(self) -> list[str]:
        """The summary in a few lines of text."""
        rate = f"{self.close_out_rate:.1%}" if self.close_out_rate is not None else "—"
        share = self.list_closed_out / self.list_problems if self.list_problems else 0.0
        modes = ", ".join(f"{n} {Mode(m).label}" for m, n in self.work_list_modes.items())
        relapses = f"{self.relapses} relapse{'' if self.relapses == 1 else 's'}"
        return [
            f"as of {self.as_of}: {self.problems:,} problems on the ledger, close-out rate {rate}",
            f"2018 problem list: {self.list_units} units, {self.common_problems} common "
            f"problems, {self.list_problems:,} problems, {self.list_closed_out:,} closed out "
            f"({share:.1%}), {self.list_overdue} overdue",
            f"lagging branches: {self.lagging} designated, {self.ready} ready for "
            f"reassessment, {self.delisted} delisted",
            f"inspection rounds: {self.rounds} ({self.rounds_closed} closed), "
            f"{self.findings} findings, {relapses}, {self.still_open_from_before} still open "
            f"from an earlier round",
            f"committee work list: {self.work_list_measures} ({modes})",
        ]


def summarise(app: RectificationApp, result: DemoResult, as_of: date = DEMO_TODAY) -> DemoSummary:
    """What the demo recorded, in figures, as of ``as_of``."""
    rows = app.ledger(as_of)
    closed = sum(r.status is Status.CLOSED_OUT for r in rows)
    active = sum(r.status is not Status.WITHDRAWN for r in rows)
    rollup = app.list_rollup(result.list_id, as_of) if result.list_id is not None else None
    board = app.lagging_board(as_of)
    rounds = [app.round_figures(r, as_of) for r in result.rounds]
    modes: dict[str, int] = {}
    measures = ""
    if result.work_list is not None:
        measures = app.get_issue(result.work_list, as_of).measures_progress
        for entry in app.audit_trail(result.work_list):
            if entry.action == "complete_measure" and entry.on <= as_of:
                mode = str(entry.details.get("mode"))
                modes[mode] = modes.get(mode, 0) + 1
    return DemoSummary(
        as_of=as_of,
        problems=len(rows),
        close_out_rate=closed / active if active else None,
        list_units=rollup.units if rollup else 0,
        common_problems=sum(c.units > 0 for c in rollup.common_problems) if rollup else 0,
        list_problems=rollup.issues if rollup else 0,
        list_closed_out=rollup.closed_out if rollup else 0,
        list_overdue=rollup.overdue if rollup else 0,
        lagging=len(board),
        ready=sum(b.ready for b in board),
        delisted=sum(b.delisted for b in board),
        rounds=len(rounds),
        rounds_closed=sum(f.status is RoundStatus.CLOSED for f in rounds),
        findings=sum(f.findings for f in rounds),
        relapses=sum(f.relapses for f in rounds),
        still_open_from_before=sum(f.still_open_from_before for f in rounds),
        work_list_measures=measures,
        work_list_modes=modes,
    )
