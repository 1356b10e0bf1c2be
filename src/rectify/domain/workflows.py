"""Every workflow rectify ships, declared as data in one place.

A workflow is a list of :class:`~rectify.domain.workflow.Step` (trigger, sources, destination, who
may give it, guard names), checked when it is defined (an unknown state, role or guard is refused
then, not at first use). Each aggregate records the key of the workflow it runs under
(``"issue/2"``) and is replayed under it forever: a released workflow is never edited, a changed
one gets a new version. :data:`WORKFLOWS` is built here explicitly; nothing registers itself by
being imported. A workflow of one's own is made known with :func:`register_workflow`.

Why this module is long: every released version of every workflow stays declared here, beside
the version that revises it, so that a reader sees in one place what changed between them.

========================  ==================================================================
``issue/1`` … ``issue/3``  the life of one problem (issue/2 tracks measures one by one;
                          issue/3 binds decisions to their evidence)
``branch/1``, ``branch/2``  the lagging-branch workflow (后進 → 整頓 → 摘帽; branch/2
                          re-confirms a stale delisting)
``round/1``               an inspection round (巡查)
``list/1``                a problem list (問題清單): who may issue one
``checklist/1``           a checklist: who may define one
========================  ==================================================================
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from rectify.domain.values import (
    BranchStatus,
    ChecklistStatus,
    ListStatus,
    RoundStatus,
    Status,
)
from rectify.domain.workflow import Step, WorkflowDefinition
from rectify.errors import InvalidWorkflow

if TYPE_CHECKING:
    from collections.abc import Mapping

# ---------------------------------------------------------------- issues


def _status(*names: str) -> tuple[Status, ...]:
    return tuple(Status(n) for n in names)


ISSUE_WORKFLOW_V1 = WorkflowDefinition(
    name="issue",
    version=1,
    title="rectify issue workflow (issue/1)",
    states=tuple(Status),
    create=Step("record", (), Status.FOUND, ("inspector", "verifier"), label="發現"),
    steps=(
        Step(
            "assign",
            _status("found"),
            Status.ASSIGNED,
            ("verifier",),
            ("deadline_not_before_on",),
            label="交辦",
        ),
        Step(
            "rectify_on_the_spot",
            _status("found", "assigned"),
            Status.RECTIFIED,
            ("responsible@unit",),
            label="立行立改",
        ),
        Step(
            "treat_centrally",
            _status("found", "assigned"),
            Status.RECTIFIED,
            ("responsible@unit", "verifier"),
            label="集中治理",
        ),
        Step(
            "submit_rectification",
            _status("assigned"),
            Status.RECTIFIED,
            ("responsible@unit",),
            label="限期整改",
        ),
        Step(
            "verify",
            _status("rectified"),
            Status.VERIFIED,
            ("verifier",),
            ("independent_decision",),
            label="驗收",
        ),
        Step(
            "reject",
            _status("rectified"),
            Status.ASSIGNED,
            ("verifier",),
            ("independent_decision",),
            label="退回",
        ),
        Step(
            "close_out",
            _status("verified"),
            Status.CLOSED_OUT,
            ("verifier",),
            ("independent_decision",),
            label="銷號",
        ),
        Step(
            "reopen",
            _status("closed_out"),
            Status.ASSIGNED,
            ("verifier", "inspector"),
            ("deadline_not_before_on",),
            label="反彈重開",
        ),
        Step(
            "extend_deadline",
            _status("assigned"),
            None,
            ("verifier",),
            ("independent_decision", "has_deadline", "later_deadline", "deadline_not_before_on"),
            label="延期",
        ),
        Step(
            "withdraw",
            _status("found", "assigned", "rectified", "verified"),
            Status.WITHDRAWN,
            ("verifier",),
            ("independent_decision",),
            label="撤銷",
        ),
        Step(
            "report_progress",
            _status("found", "assigned", "rectified"),
            None,
            ("responsible@unit",),
            label="整改進展",
        ),
    ),
)


def _revised(step: Step[Status], **changes: Any) -> Step[Status]:
    return replace(step, **changes)


ISSUE_WORKFLOW_V2 = WorkflowDefinition(
    name="issue",
    version=2,
    title="rectify issue workflow (issue/2)",
    states=tuple(Status),
    create=ISSUE_WORKFLOW_V1.create,
    steps=(
        *(
            _revised(s, guards=(*s.guards, "measures_done"))
            if s.trigger == "submit_rectification"
            else s
            for s in ISSUE_WORKFLOW_V1.steps
        ),
        Step(
            "add_measure",
            _status("found", "assigned"),
            None,
            ("verifier", "responsible@unit"),
            ("due_not_before_on",),
            label="增加整改措施",
        ),
        Step(
            "complete_measure",
            _status("found", "assigned"),
            None,
            ("responsible@unit", "verifier"),
            ("measure_open",),
            label="完成整改措施",
        ),
        Step(
            "link_issue",
            _status("found", "assigned", "rectified", "verified", "closed_out"),
            None,
            ("verifier", "inspector"),
            ("not_linked_elsewhere",),
            label="關聯黨支部",
        ),
    ),
)
"""issue/2 tracks measures (整改措施) one by one: ``add_measure`` and ``complete_measure``, and
``submit_rectification`` is refused while a measure is open; ``link_issue`` ties an issue to a
branch. Issues recorded under issue/1 keep its rules: their measures are text only."""


_AFTER_RECTIFICATION = ("rectified", "verified", "closed_out")


def _widened(step: Step[Status], *states: str) -> Step[Status]:
    return _revised(step, sources=(*step.sources, *_status(*states)))


ISSUE_WORKFLOW_V3 = WorkflowDefinition(
    name="issue",
    version=3,
    title="rectify issue workflow (issue/3)",
    states=tuple(Status),
    create=ISSUE_WORKFLOW_V2.create,
    steps=(
        *(
            _widened(s, *_AFTER_RECTIFICATION)
            if s.trigger in ("add_measure", "complete_measure")
            else s
            for s in ISSUE_WORKFLOW_V2.steps
        ),
        Step(
            "replace_evidence",
            _status(*_AFTER_RECTIFICATION),
            None,
            ("responsible@unit",),
            label="更換整改材料",
        ),
        Step(
            "reconfirm",
            _status("verified", "closed_out"),
            None,
            ("verifier",),
            ("independent_decision", "decision_stale"),
            label="重新確認",
        ),
    ),
)
"""issue/3 binds decisions to their evidence (:mod:`rectify.domain.decisions`): evidence can
change after rectification (``replace_evidence``; a measure added or completed then), which
marks a verification or close-out standing on it stale, and ``reconfirm`` makes stale decisions
current again. Issues recorded under issue/1 and issue/2 keep their rules."""


CURRENT_ISSUE_WORKFLOW = ISSUE_WORKFLOW_V3
"""The workflow new issues are recorded under."""

# ---------------------------------------------------------------- branches


def _states(*names: str) -> tuple[BranchStatus, ...]:
    return tuple(BranchStatus(n) for n in names)


_ALL = tuple(BranchStatus)

BRANCH_WORKFLOW_V1 = WorkflowDefinition(
    name="branch",
    version=1,
    title="rectify lagging-branch workflow (branch/1)",
    states=_ALL,
    create=Step("register", (), BranchStatus.NORMAL, ("verifier",), label="登記"),
    steps=(
        Step(
            "designate_lagging",
            _states("normal", "delisted"),
            BranchStatus.LAGGING,
            ("verifier", "inspector"),
            label="認定后進",
        ),
        Step(
            "start_consolidation",
            _states("lagging"),
            BranchStatus.CONSOLIDATING,
            ("verifier",),
            ("dual_mentors", "deadline_not_before_on"),
            label="開始整頓",
        ),
        Step(
            "mark_ready",
            _states("consolidating", "delisting_requested"),
            None,
            ("admin",),
            ("not_ready_yet",),
            label="可重新評估",
        ),
        Step(
            "request_delisting",
            _states("consolidating"),
            BranchStatus.DELISTING_REQUESTED,
            ("responsible@unit", "verifier"),
            label="申請摘帽",
        ),
        Step(
            "reject_delisting",
            _states("delisting_requested"),
            BranchStatus.CONSOLIDATING,
            ("verifier",),
            label="退回整頓",
        ),
        Step(
            "delist",
            _states("delisting_requested"),
            BranchStatus.DELISTED,
            ("verifier",),
            ("no_open_issues",),
            label="摘帽",
        ),
        Step("link_issue", _ALL, None, ("verifier", "inspector"), label="關聯問題"),
        Step(
            "record_election",
            _ALL,
            None,
            ("verifier", "responsible@unit"),
            ("election_not_after_on",),
            label="換屆",
        ),
        Step("rate", _ALL, None, ("verifier",), label="評星定級"),
    ),
)

BRANCH_WORKFLOW_V2 = WorkflowDefinition(
    name="branch",
    version=2,
    title="rectify lagging-branch workflow (branch/2)",
    states=_ALL,
    create=BRANCH_WORKFLOW_V1.create,
    steps=(
        *BRANCH_WORKFLOW_V1.steps,
        Step(
            "reconfirm",
            _states("delisted"),
            None,
            ("verifier",),
            ("decision_stale",),
            label="重新確認摘帽",
        ),
    ),
)
"""branch/2 binds the delisting (摘帽) to its evidence: a delisting whose linked issues or
ratings change afterwards is marked stale, and ``reconfirm`` makes it current again."""

CURRENT_BRANCH_WORKFLOW = BRANCH_WORKFLOW_V2
"""The workflow new branches are registered under."""

# ---------------------------------------------------------------- inspection rounds

ROUND_WORKFLOW_V1 = WorkflowDefinition(
    name="round",
    version=1,
    title="rectify inspection round (round/1)",
    states=tuple(RoundStatus),
    create=Step("open", (), RoundStatus.OPEN, ("inspector", "verifier"), label="開始巡查"),
    steps=(
        Step(
            "record_finding", (RoundStatus.OPEN,), None, ("inspector", "verifier"), label="發現問題"
        ),
        Step(
            "record_visit", (RoundStatus.OPEN,), None, ("inspector", "verifier"), label="巡查到位"
        ),
        Step(
            "close",
            (RoundStatus.OPEN,),
            RoundStatus.CLOSED,
            ("inspector", "verifier"),
            label="結束巡查",
        ),
    ),
)

# ---------------------------------------------------------------- lists and checklists

LIST_WORKFLOW_V1 = WorkflowDefinition(
    name="list",
    version=1,
    title="rectify problem list (list/1)",
    states=tuple(ListStatus),
    create=Step("issue_problem_list", (), ListStatus.ISSUED, ("verifier",), label="下發問題清單"),
    steps=(),
)
"""A problem list is issued by the verifying body and then only read."""

CHECKLIST_WORKFLOW_V1 = WorkflowDefinition(
    name="checklist",
    version=1,
    title="rectify checklist (checklist/1)",
    states=tuple(ChecklistStatus),
    create=Step(
        "define_checklist", (), ChecklistStatus.DEFINED, ("verifier", "inspector"), label="巡查清單"
    ),
    steps=(),
)
"""A checklist is defined by the verifying body or the inspectors and then only read."""

# ---------------------------------------------------------------- the registry

_WORKFLOWS: dict[str, WorkflowDefinition[Any]] = {
    w.key: w
    for w in (
        ISSUE_WORKFLOW_V1,
        ISSUE_WORKFLOW_V2,
        ISSUE_WORKFLOW_V3,
        BRANCH_WORKFLOW_V1,
        BRANCH_WORKFLOW_V2,
        ROUND_WORKFLOW_V1,
        LIST_WORKFLOW_V1,
        CHECKLIST_WORKFLOW_V1,
    )
}
WORKFLOWS: Mapping[str, WorkflowDefinition[Any]] = MappingProxyType(_WORKFLOWS)
"""Every released workflow by key. Aggregates recorded under a key are replayed under it, forever."""


def register_workflow(definition: WorkflowDefinition[Any]) -> None:
    """Make a workflow of one's own known by its key. A key already released is refused unless
    it is the very same definition (a released workflow is never changed)."""
    existing = WORKFLOWS.get(definition.key)
    if existing is not None and existing is not definition:
        msg = f"workflow {definition.key} is already released; give a changed one a new version"
        raise InvalidWorkflow(msg)
    _WORKFLOWS[definition.key] = definition


def workflow(key: str) -> WorkflowDefinition[Any]:
    """The released workflow with this key (``"issue/2"``, ``"branch/1"``)."""
    try:
        return WORKFLOWS[key]
    except KeyError:
        msg = f"unknown workflow {key!r}; known: {', '.join(WORKFLOWS)}"
        raise KeyError(msg) from None


def registered_issue_workflow(key: str) -> str:
    """``key`` if it is the key of a registered workflow of issues (``record_issue(workflow=…)``
    checks it so); otherwise a ValueError saying which are."""
    flow = WORKFLOWS.get(key)
    if flow is None or not isinstance(flow.initial, Status):
        known = ", ".join(k for k, w in WORKFLOWS.items() if isinstance(w.initial, Status))
        msg = f"{key!r} is not a registered issue workflow (those registered: {known})"
        raise ValueError(msg)
    return key
