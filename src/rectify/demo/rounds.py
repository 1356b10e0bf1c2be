"""How the district's inspection rounds (:mod:`rectify.demo.district`) are played.

The district registers its branches and its checklist, then each round is opened, its findings
imported (with the targets visited without any) and closed; each finding's row is played as its
outcome says, under the district's eye. At midyear the district rates three branches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rectify.demo.district import (
    CHECKLIST,
    CHECKLIST_DEFINED,
    CHECKLIST_NAME,
    DISTRICT_BRANCHES,
    DISTRICT_VERIFIER,
    FIVE_GOOD,
    PATROL,
    RATED,
    RATINGS,
    REGISTERED,
    ROUNDS,
    Finding,
    Round,
)
from rectify.demo.scenarios import IN_PROGRESS, RELAPSED, SPOT, STILL_OPEN_AGAIN, responsible
from rectify.demo.timeline import Ids, Ref, Timeline
from rectify.domain.values import RoundStatus

if TYPE_CHECKING:
    from rectify.application import RectificationApp
    from rectify.demo.runner import DemoResult

BRANCH_CODES = frozenset(b.code for b in DISTRICT_BRANCHES)


def plan_inspection_rounds(t: Timeline, result: DemoResult) -> None:
    """Register the district's branches and checklist, play every round, rate three branches."""
    for b in DISTRICT_BRANCHES:
        t.create(
            REGISTERED, "register_branch", f"demo/district/{b.code}", actor=DISTRICT_VERIFIER,
            code=b.code, name=b.name, unit=b.unit, kind=b.kind, elected_on=b.elected_on,
        )  # fmt: skip

    def define(app: RectificationApp) -> None:
        result.checklist_id = app.define_checklist(
            actor=DISTRICT_VERIFIER, name=CHECKLIST_NAME, items=CHECKLIST, on=CHECKLIST_DEFINED,
            command_id="demo/district/checklist",
        )  # fmt: skip

    t.at(CHECKLIST_DEFINED, define)
    rounds = Ids()  # period → the round's id
    for r in ROUNDS:
        _plan_round(t, r, rounds, result)
    for code, misses in RATINGS:
        t.command(
            RATED, "rate_branch", _branch(code), f"demo/district/{code}/rated-2019",
            actor=DISTRICT_VERIFIER, results={k: k not in misses for k in FIVE_GOOD},
        )  # fmt: skip


def _branch(code: str) -> Ref:
    return lambda app: app.branch_id(code)


def _stored(app: RectificationApp, target: str) -> str:
    """A target as a round keeps it: a unit by name, a branch by its id as text."""
    return str(app.branch_id(target)) if target in BRANCH_CODES else target


def _plan_round(t: Timeline, r: Round, rounds: Ids, result: DemoResult) -> None:
    key = f"demo/district/round/{r.period}"
    with_findings = {f.target for f in r.findings}

    def open_round(app: RectificationApp) -> None:
        assert result.checklist_id is not None
        rounds[r.period] = rid = app.open_inspection_round(
            result.checklist_id, actor=PATROL, period=r.period, scope=r.scope, name=r.name,
            on=r.opened, command_id=key,
        )  # fmt: skip
        result.rounds.append(rid)

    def import_findings(app: RectificationApp) -> None:
        rid = rounds[r.period]
        if app.inspection_round(rid).status is not RoundStatus.OPEN:
            return  # imported before the round was closed, by an earlier run of the demo
        app.import_findings(
            rid, actor=PATROL,
            findings=[{"target": f.target, "item": f.item, "text": f.text} for f in r.findings],
            visited=[target for target in r.scope if target not in with_findings],
            on=r.findings_on, command_id=f"{key}/findings",
        )  # fmt: skip

    def finding(target: str, item: str) -> Ref:
        return lambda app: app.inspection_round(rounds[r.period]).findings[
            _stored(app, target), item
        ]

    t.at(r.opened, open_round)
    t.at(r.findings_on, import_findings)
    for f in r.findings:
        _plan_finding(t, r, f, finding(f.target, f.item))
    t.command(
        r.closed, "close_inspection_round", rounds.ref(r.period), f"{key}/close", actor=PATROL,
        note="本輪巡查結束，發現問題已通報并限期整改",
    )  # fmt: skip

    def collect(app: RectificationApp) -> None:
        for f in r.findings:
            result.findings.append(finding(f.target, f.item)(app))

    t.at(r.findings_on, collect)


def _plan_finding(t: Timeline, r: Round, f: Finding, ref: Ref) -> None:
    """A finding's problem: fixed on the spot, or assigned with a month to fix it and rectified;
    verified and closed out, as far as its outcome says. Found again, it carries on as before
    (still open), or (a relapse, reopened by the import with its old deadline) gets a new
    deadline and is rectified again."""
    key = f"demo/district/{r.period}/{f.target}/{f.item}"
    unit = next((b.unit for b in DISTRICT_BRANCHES if b.code == f.target), f.target)
    actor = responsible(unit)
    if f.outcome is STILL_OPEN_AGAIN:
        return
    if f.outcome is RELAPSED:
        t.command(
            r.extended, "extend_deadline", ref, f"{key}/extend", actor=DISTRICT_VERIFIER,
            new_deadline=f.new_deadline, reason="問題反彈，重新限期整改",
        )  # fmt: skip
    elif f.mode is SPOT and f.done is not None:
        t.command(
            f.done, "rectify_on_the_spot", ref, f"{key}/spot", actor=actor,
            summary="巡查組現場督促，立行立改",
        )  # fmt: skip
    else:
        t.command(
            r.assigned, "assign", ref, f"{key}/assign", actor=DISTRICT_VERIFIER, unit=unit,
            person=f"{unit}黨建工作負責人", deadline=r.deadline,
        )  # fmt: skip
    if f.outcome is IN_PROGRESS or f.done is None:
        return
    if f.mode is not SPOT:
        t.command(
            f.done, "submit_rectification", ref, f"{key}/submit", actor=actor,
            summary="已按巡查意見整改",
        )  # fmt: skip
    if f.verified is not None:
        t.command(
            f.verified, "verify", ref, f"{key}/verify", actor=DISTRICT_VERIFIER, note="復查整改到位"
        )
    if f.closed is not None:
        t.command(f.closed, "close_out", ref, f"{key}/close", actor=DISTRICT_VERIFIER)
