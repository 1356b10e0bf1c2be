"""What each kind of row stands for in commands: one ``plan_…`` function a table.

Each function reads a row (who, what, when, which outcome) and plans its commands on a
:class:`~rectify.demo.timeline.Timeline`, in date order, each with its idempotency key. Nothing here
picks a row by its position: what happens to a row is what its outcome says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from rectify.demo import assessment, lagging
from rectify.demo.scenarios import (
    ASSESSORS,
    CAMPAIGN,
    CENTRAL,
    COMMITTEE,
    DEPARTMENTS,
    EXTENDED,
    EXTENSION,
    FINDER,
    OFFICE,
    OWN_FOUND,
    OWN_LIST,
    OWN_MEASURES,
    QIAN,
    REOPENED_DEADLINE,
    SPOT,
    SUN,
    UNIT_DEADLINE,
    UNIT_MEASURES,
    WITHDRAWN,
    WORK_LIST,
    ZHAO,
    ZHOU,
    OwnMeasure,
    UnitProblem,
    responsible,
)
from rectify.demo.timeline import Ids, Ref, Timeline
from rectify.domain.values import Source

if TYPE_CHECKING:
    from rectify.application import RectificationApp
    from rectify.demo.runner import DemoResult


# ---------------------------------------------------------------- the first report


def plan_own_measure(t: Timeline, m: OwnMeasure, ids: Ids) -> None:
    """Found by the research group, done by central treatment or on the spot, verified and
    closed out by the theme-education office."""
    key = m.key
    t.create(
        OWN_FOUND, "record_issue", key, ids=ids, actor=ZHOU, title=m.title, unit=COMMITTEE,
        source=Source.SELF_INSPECTION, category=OWN_LIST,
    )  # fmt: skip
    ref = ids.ref(key)
    if m.mode is CENTRAL:
        t.command(
            m.done, "treat_centrally", ref, f"{key}/treat", actor=m.by, campaign=CAMPAIGN,
            summary="納入專項整治統一整改", evidence=(f"專項整治臺賬-{m.no}.pdf",),
        )  # fmt: skip
    else:
        t.command(
            m.done, "rectify_on_the_spot", ref, f"{key}/spot", actor=m.by, summary="已當場整改",
            evidence=(f"整改記錄-{m.no}.jpg",),
        )  # fmt: skip
    t.command(m.verified, "verify", ref, f"{key}/verify", actor=SUN, note="材料齊全")
    t.command(m.closed, "close_out", ref, f"{key}/close", actor=SUN)


def plan_work_list(t: Timeline, ids: Ids) -> None:
    """The committee's work list as one problem with its measures, each completed the day it
    was done; then submitted, verified by the theme-education office and closed out."""
    w = WORK_LIST
    key = w.key
    t.create(
        OWN_FOUND, "record_issue", key, ids=ids, actor=ZHOU, title=f"落實《{OWN_LIST}》",
        description="工委從自身基層黨支部查起，列出工作清單，8項具體措施逐項整改", unit=COMMITTEE,
        source=Source.SELF_INSPECTION, category=OWN_LIST,
    )  # fmt: skip
    ref = ids.ref(key)
    t.command(
        w.assigned, "assign", ref, f"{key}/assign", actor=ZHAO, unit=COMMITTEE, person=QIAN.name,
        deadline=w.deadline, measures=tuple(m.title for m in OWN_MEASURES),
    )  # fmt: skip
    for m in OWN_MEASURES:
        central = m.mode is CENTRAL
        t.command(
            m.done, "complete_measure", ref, f"{key}/measure/{m.no}", actor=QIAN, measure=m.no,
            mode=m.mode, campaign=CAMPAIGN if central else None,
            evidence=(f"{'專項整治臺賬' if central else '整改記錄'}-{m.no}.pdf",),
        )  # fmt: skip
    by_campaign = sum(m.mode is CENTRAL for m in OWN_MEASURES)
    on_the_spot = sum(m.mode is SPOT for m in OWN_MEASURES)
    t.command(
        w.submitted, "submit_rectification", ref, f"{key}/submit", actor=QIAN,
        summary=f"{len(OWN_MEASURES)}項措施全部完成：{by_campaign}項集中治理，{on_the_spot}項立行立改",
        evidence=("工作清單整改情況報告.pdf",),
    )  # fmt: skip
    t.command(w.verified, "verify", ref, f"{key}/verify", actor=SUN, note="逐項核查，整改到位")
    t.command(w.closed, "close_out", ref, f"{key}/close", actor=SUN)


def plan_unit_problem(t: Timeline, p: UnitProblem, ids: Ids) -> None:
    """A department's problem, as its outcome says; the committee's director decides on it."""
    key = p.key
    title, category = p.problem
    department = next(d for d in DEPARTMENTS if d.unit == p.unit)
    actor = department.actor
    t.create(
        p.found, "record_issue", key, ids=ids, actor=FINDER[p.source], title=title, unit=p.unit,
        source=p.source, category=category, description=f"{p.unit}:{title}",
    )  # fmt: skip
    ref = ids.ref(key)
    if p.outcome is WITHDRAWN:
        t.command(
            p.withdrawn, "withdraw", ref, f"{key}/withdraw", actor=ZHAO,
            reason="經核實,該支部已于2019年3月完成換屆,問題不成立",
        )  # fmt: skip
        return
    if p.mode is SPOT:  # fixed before it is even assigned
        assert p.done is not None
        t.command(
            p.done, "rectify_on_the_spot", ref, f"{key}/spot", actor=actor, summary="立行立改"
        )
    else:
        t.command(
            p.assigned, "assign", ref, f"{key}/assign", actor=ZHAO, unit=p.unit,
            person=department.person, deadline=UNIT_DEADLINE, measures=UNIT_MEASURES,
        )  # fmt: skip
        t.command(
            p.first_measure, "report_progress", ref, f"{key}/progress", actor=actor,
            text="已制定整改方案,正在推進",
        )  # fmt: skip
        t.command(p.first_measure, "complete_measure", ref, f"{key}/m1", actor=actor, measure=1)
        if p.outcome is EXTENDED:
            t.command(
                EXTENSION.on, "extend_deadline", ref, f"{key}/extend", actor=ZHAO,
                new_deadline=EXTENSION.new_deadline, reason=EXTENSION.reason,
            )  # fmt: skip
        if p.done is None:  # still being worked on (one measure of three done)
            return
        for m in range(2, len(UNIT_MEASURES) + 1):
            t.command(p.done, "complete_measure", ref, f"{key}/m{m}", actor=actor, measure=m)
        report = f"{p.unit}-整改報告-{p.no}.pdf"
        t.command(
            p.done, "submit_rectification", ref, f"{key}/submit", actor=actor,
            summary="整改完成,建立制度", evidence=(report,),
        )  # fmt: skip
        if p.sent_back is not None and p.resubmitted is not None:
            t.command(
                p.sent_back, "reject", ref, f"{key}/reject", actor=ZHAO,
                reason="佐證材料不足,缺少會議記錄",
            )  # fmt: skip
            t.command(
                p.resubmitted, "submit_rectification", ref, f"{key}/resubmit", actor=actor,
                summary="補充會議記錄后重新提交",
                evidence=(report, f"{p.unit}-會議記錄-{p.no}.pdf"),
            )  # fmt: skip
    if p.verified is not None:
        t.command(p.verified, "verify", ref, f"{key}/verify", actor=ZHAO, note="經核查,整改到位")
    if p.closed is not None:
        t.command(p.closed, "close_out", ref, f"{key}/close", actor=ZHAO)
    if p.reopened is not None:  # a relapse after close-out
        t.command(
            p.reopened, "reopen", ref, f"{key}/reopen", actor=ZHOU, reason="回頭看發現問題反彈",
            deadline=REOPENED_DEADLINE,
        )  # fmt: skip


# ---------------------------------------------------------------- 20 lagging branches


def _branch(code: str) -> Ref:
    return lambda app: app.branch_id(code)


def plan_lagging_branches(t: Timeline, result: DemoResult) -> None:
    """Register the 20 branches, flag the overdue elections, designate and consolidate each
    branch, and delist it once its problems are closed out."""
    elections = Ids()  # branch code → its 不按期換屆 problem
    for b in lagging.LAGGING:
        t.create(
            lagging.REGISTERED, "register_branch", f"demo/branch/{b.code}", into=result.branches,
            actor=ZHAO, code=b.code, name=b.name, unit=b.unit, elected_on=b.elected_on,
        )  # fmt: skip

    def flag(app: RectificationApp) -> None:
        codes = {app.branch_id(b.code): b.code for b in lagging.LAGGING}
        checked = lagging.ELECTIONS_CHECKED
        for iid in app.flag_overdue_elections(actor=ZHOU, as_of=checked, on=checked):
            branch = app.get_issue(iid).branch_id
            assert branch is not None
            elections[codes[branch]] = iid
            result.election_issues.append(iid)

    t.at(lagging.ELECTIONS_CHECKED, flag)
    for b in lagging.LAGGING:
        _plan_consolidation(t, b)
        if b.election is not None:
            _plan_election(t, b, b.election, elections.ref(b.code))


def _plan_consolidation(t: Timeline, b: lagging.LaggingBranch) -> None:
    key, ref = f"demo/branch/{b.code}", _branch(b.code)
    leader, unit_leader = b.mentors
    unit_actor = responsible(b.unit)
    t.command(
        lagging.DESIGNATED, "designate_lagging", ref, f"{key}/designate", actor=ZHOU,
        kinds=b.kinds, basis=lagging.SCREENING,
    )  # fmt: skip
    t.command(
        b.consolidated, "start_consolidation", ref, f"{key}/consolidate", actor=ZHAO,
        plan=f"針對{'、'.join(b.kinds)}問題分類制定整頓方案，“一對一、全程跟”",
        goals=("選優配強支部班子", "嚴格落實組織生活制度", "整改臺賬問題全部銷號"),
        deadline=lagging.CONSOLIDATION_DEADLINE,
        mentors=[
            {"name": leader, "unit": COMMITTEE, "post": lagging.COMMITTEE_MENTORS[leader]},
            {"name": unit_leader, "unit": b.unit, "post": lagging.UNIT_MENTOR_POST},
        ],
    )  # fmt: skip
    t.command(
        b.requested, "request_delisting", ref, f"{key}/request", actor=unit_actor,
        note="整頓問題已全部銷號，申請摘帽",
    )  # fmt: skip
    if b.sent_back is not None:  # the reassessment sends it back to consolidation for a while
        t.command(
            b.sent_back.on, "reject_delisting", ref, f"{key}/reject", actor=ZHAO,
            reason="重新評估：組織生活會質量仍需鞏固提高",
        )  # fmt: skip
        t.command(
            b.sent_back.requested_again, "request_delisting", ref, f"{key}/request-again",
            actor=unit_actor, note="已按評估意見鞏固提高，再次申請摘帽",
        )  # fmt: skip
    t.command(
        b.delisted, "delist", ref, f"{key}/delist", actor=ZHAO, note="經重新評估達標，予以摘帽"
    )


def _plan_election(t: Timeline, b: lagging.LaggingBranch, e: lagging.Election, ref: Ref) -> None:
    """The 不按期換屆 problem flagged for the branch: assigned, the election held, closed out."""
    key = f"demo/branch/{b.code}/election"
    unit_actor = responsible(b.unit)
    t.command(
        e.assigned, "assign", ref, f"{key}/assign", actor=ZHAO, unit=b.unit,
        person=f"{b.unit}機關黨委專職副書記", deadline=lagging.ELECTION_DEADLINE,
        measures=("制定換屆工作方案", "召開黨員大會完成換屆選舉"),
    )  # fmt: skip
    t.command(e.first_measure, "complete_measure", ref, f"{key}/m1", actor=unit_actor, measure=1)
    t.command(
        e.held, "record_election", _branch(b.code), f"{key}/held", actor=unit_actor,
        held_on=e.held,
    )  # fmt: skip
    t.command(e.held, "complete_measure", ref, f"{key}/m2", actor=unit_actor, measure=2)
    t.command(
        e.submitted, "submit_rectification", ref, f"{key}/submit", actor=unit_actor,
        summary="已召開黨員大會完成換屆，選舉結果已報批", evidence=("換屆選舉結果批復.pdf",),
    )  # fmt: skip
    t.command(e.verified, "verify", ref, f"{key}/verify", actor=ZHAO, note="換屆程序規范")
    # Closed out with the list's problems of the branch on the books (a branch marked ready
    # for reassessment stays so when problems are linked to it afterwards).
    t.command(lagging.ELECTIONS_CLOSED, "close_out", ref, f"{key}/close", actor=ZHAO)


# ---------------------------------------------------------------- the 2018 assessment list


def plan_assessment_list(t: Timeline, result: DemoResult) -> None:
    """Issue the 2018 list, record its 1,640 problems and play each one's row."""
    ids = Ids()

    def issue_list(app: RectificationApp) -> None:
        result.list_id = app.issue_problem_list(
            actor=ZHAO, name=assessment.LIST_NAME, issuer=f"{COMMITTEE}、{OFFICE}",
            issued_on=assessment.LIST_ISSUED, deadline=assessment.LIST_DEADLINE,
            common_problems=assessment.COMMON_PROBLEMS, on=assessment.LIST_ISSUED,
            command_id=assessment.LIST_KEY,
        )  # fmt: skip

    t.at(assessment.LIST_ISSUED, issue_list)

    def list_id(app: RectificationApp) -> UUID:
        assert result.list_id is not None
        return result.list_id

    categories = dict(assessment.COMMON_PROBLEMS)
    for p in assessment.list_problems({b.unit: (b.code, b.name) for b in lagging.LAGGING}):
        branch = {"branch_id": _branch(p.branch_code)} if p.branch_code else {}
        t.create(
            p.found, "record_issue", p.key, ids=ids, into=result.list_issues,
            refs={"list_id": list_id, **branch}, actor=ASSESSORS, title=p.title, unit=p.unit,
            source=Source.ASSESSMENT, category=categories[p.code], common_problem=p.code,
        )  # fmt: skip
        _plan_list_problem(t, p, ids.ref(p.key))


def _plan_list_problem(t: Timeline, p: assessment.ListProblem, ref: Ref) -> None:
    """Assigned to its unit (交辦), then rectified on the spot, in a campaign or within the
    deadline, as far as its row got by the demo date."""
    key, unit, by = p.key, p.unit, p.verifier
    actor = responsible(unit)
    t.command(
        p.assigned, "assign", ref, f"{key}/assign", actor=by, unit=unit,
        person=assessment.RESPONSIBLE_PERSON.format(unit=unit), deadline=assessment.LIST_DEADLINE,
        measures=p.measures,
    )  # fmt: skip
    if p.mode is SPOT and p.rectified is not None:
        t.command(
            p.rectified, "rectify_on_the_spot", ref, f"{key}/spot", actor=actor,
            summary="立行立改，已整改到位",
        )  # fmt: skip
    elif p.mode is CENTRAL and p.rectified is not None:
        campaign = assessment.CAMPAIGNS[p.code]
        t.command(
            p.rectified, "treat_centrally", ref, f"{key}/central", actor=actor, campaign=campaign,
            summary=f"納入{campaign}統一整改", evidence=(f"{campaign}臺賬.xlsx",),
        )  # fmt: skip
    else:
        if p.measures and p.first_measure is not None:
            t.command(p.first_measure, "complete_measure", ref, f"{key}/m1", actor=actor, measure=1)
        if p.extended is not None:  # approved before the deadline
            t.command(
                p.extended, "extend_deadline", ref, f"{key}/extend", actor=by,
                new_deadline=assessment.EXTENDED_TO, reason="涉及機構改革人員調整，申請延期兩個月",
            )  # fmt: skip
        report = f"{unit}整改報告.pdf"
        if p.rectified is not None:
            if p.measures:
                t.command(p.rectified, "complete_measure", ref, f"{key}/m2", actor=actor, measure=2)
            t.command(
                p.rectified, "submit_rectification", ref, f"{key}/submit", actor=actor,
                summary="按期完成整改", evidence=(report,),
            )  # fmt: skip
        if p.sent_back is not None and p.resubmitted is not None:
            t.command(
                p.sent_back, "reject", ref, f"{key}/reject", actor=by,
                reason="整改不徹底，佐證材料不足",
            )  # fmt: skip
            t.command(
                p.resubmitted, "submit_rectification", ref, f"{key}/resubmit", actor=actor,
                summary="補充整改并重新提交", evidence=(report, f"{unit}補充材料.pdf"),
            )  # fmt: skip
    if p.verified is not None:
        t.command(p.verified, "verify", ref, f"{key}/verify", actor=by, note="經核查，整改到位")
    if p.closed is not None:
        t.command(p.closed, "close_out", ref, f"{key}/close", actor=by)
