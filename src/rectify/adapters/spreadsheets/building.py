"""Turning one ledger row into the events of its problem, checked as the API checks them.

What a row may hold is what the API accepts: every value goes through the command model the API
validates with (:class:`~rectify.domain.commands.RecordIssue`, ``Assign``, ...), so the same
length limits and the same refusal of text no store can hold apply, reported by row and column.

Who records an import is named by the caller (``actor=``): the importing actor records each
problem as found, assigns it, and records the verification, close-out or withdrawal a row attests.
Separation of duties binds that actor as it binds anyone deciding on a unit's work: a row that
attests a verification, close-out or withdrawal is refused when the importing actor belongs to the
problem's unit or its responsible unit (units compared by :func:`~rectify.domain.values.same_unit`).
The rectification itself (and the measures done, the progress noted) is recorded for the
responsible unit the row names, by an actor ``import:<unit>`` named 臺賬導入: the ledger attests
it, no person of that unit is known.

Why this module is long: a row is one problem's whole history as the ledger shows it, and every
way the engine can reach that state (assigned or not, sent back or reopened as 備註 says,
measures added after a rectification, rectified then withdrawn) is replayed here, beside the one
command model each step is checked by; apart, the order of the steps would be split.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID, uuid5

from pydantic import ValidationError

from rectify.adapters.spreadsheets.tabular import HEADERS, WORKFLOW_COLUMN
from rectify.domain.branch import Branch
from rectify.domain.commands import (
    Assign,
    Command,
    RecordIssue,
    RectifyOnTheSpot,
    ReportProgress,
    SubmitRectification,
    TreatCentrally,
    Withdraw,
)
from rectify.domain.issue import Issue, conflict_of_interest
from rectify.domain.lists import ProblemList
from rectify.domain.values import (
    MAX_NAME,
    RECTIFIED_STATUSES,
    Actor,
    Mode,
    Role,
    Status,
)
from rectify.domain.workflows import CURRENT_ISSUE_WORKFLOW
from rectify.domain.workflows import workflow as workflow_named
from rectify.errors import InvalidCommand, RectifyError

if TYPE_CHECKING:
    pass

from rectify.adapters.spreadsheets.reading import (
    IMPORT_NAMESPACE,
    Row,
    closed_in,
    day_in,
    deadline_reading_in,
    measures_in,
    numbers_in,
    shown,
    text_in,
)

RECTIFIER_NAME = "臺賬導入"
"""The name of the actor a rectification attested by a row is recorded by (for its unit)."""

DECIDED = {Status.VERIFIED, Status.CLOSED_OUT, Status.WITHDRAWN}
"""What a row may attest that someone decided on the unit's work (separation of duties)."""


Lookup = Callable[[UUID], object | None]
"""What the store holds under an id (an Issue, a Branch, a ProblemList, ...), or None."""


def _nothing(_: UUID) -> object | None:
    return None


_KINDS = {
    "Issue": "an issue",
    "Branch": "a branch",
    "ProblemList": "a problem list",
    "Checklist": "a checklist",
    "InspectionRound": "an inspection round",
}


def _kind(found: object) -> str:
    """What a stored aggregate is, in words (``"a branch"``)."""
    return _KINDS.get(type(found).__name__, type(found).__name__)


def _known_id(cells: dict[str, Any], column: str, lookup: Lookup, kind: type) -> UUID | None:
    """The id in ``column`` when the store holds a ``kind`` under it; None when blank or when the
    store holds nothing under it; InvalidCommand when it is no id, or the id of something else."""
    text = text_in(cells, column)
    if text is None:
        return None
    try:
        ident = UUID(text)
    except ValueError:
        raise InvalidCommand(column, f"{shown(text)} is not an id") from None
    found = lookup(ident)
    if found is None:
        return None
    if not isinstance(found, kind):
        wanted = _KINDS.get(kind.__name__, kind.__name__)
        raise InvalidCommand(column, f"{ident} is the id of {_kind(found)}, not {wanted}")
    return ident


M = TypeVar("M", bound=Command)


def _valid(
    model: type[M], columns: Mapping[str, str], problems: list[dict[str, Any]], **values: Any
) -> M | None:
    """``values`` validated by the API's command ``model``; each problem is added to ``problems``
    under the column its field comes from (None when there is one)."""
    try:
        return model(**values)
    except ValidationError as e:
        for err in e.errors():
            loc = err["loc"]
            name = str(loc[0]) if loc else ""
            item = f"line {loc[1] + 1}: " if len(loc) > 1 and isinstance(loc[1], int) else ""
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append({"field": columns.get(name, name or "-"), "message": item + message})
        return None


@contextmanager
def _step(column: str, columns: Mapping[str, str] | None = None) -> Iterator[None]:
    """Report a refusal of the domain as a problem with ``column`` (or the column the refused
    field comes from)."""
    try:
        yield
    except InvalidCommand as e:
        named = e.field if e.field in HEADERS else column
        raise InvalidCommand((columns or {}).get(e.field, named), e.message) from None
    except RectifyError as e:
        raise InvalidCommand(column, str(e)) from None


IMPORT_ACTOR_PREFIX = "import:"
"""How the id of the actor an import records a unit's work by begins (``import:<unit>``)."""


def _rectifier(unit: str) -> Actor:
    """Who a rectification attested by a row is recorded by: the row's responsible unit."""
    ident = f"{IMPORT_ACTOR_PREFIX}{unit}"
    if len(ident) > MAX_NAME:
        ident = f"{IMPORT_ACTOR_PREFIX}{uuid5(IMPORT_NAMESPACE, unit)}"
    return Actor(ident, RECTIFIER_NAME, unit, [Role.RESPONSIBLE])


Defaulted = list[tuple[int, str, date | str, str]]
"""Cells a row left blank that an import gave: (row, column, the value, where it came from)."""


def build_issue(
    row: Row,
    actor: Actor,
    lookup: Lookup = _nothing,
    *,
    undated_on: date | None = None,
    defaulted: Defaulted | None = None,
) -> Issue:
    """The issue a checked row attests, through the API's command models and the domain's own
    checked commands; raises InvalidCommand naming the column (``errors`` lists each problem).

    ``actor`` records the problem as found, assigns it and records the verification, close-out
    or withdrawal the row attests (refused when ``actor`` is of the problem's unit or its
    responsible unit); the rectification is recorded for the responsible unit. Its problem list
    (所屬清單, 共性問題) and branch (黨支部) are kept when ``lookup`` finds them in the store; a
    ledger read into another store keeps its problems without those links.

    A rectified, verified or closed-out row without its dates is dated by what it does give (a
    verification or close-out date for the rectification before it), else by ``undated_on`` (the
    date of the import); each date so given is listed in ``defaulted``, never taken silently.
    Without ``undated_on`` such a row is refused."""
    notes: Defaulted = defaulted if defaulted is not None else []

    def dated(column: str, *fallbacks: tuple[str, date | None]) -> date | None:
        found = day_in(c, column)
        if found is not None:
            return found
        for where, value in (*fallbacks, ("the date of the import", undated_on)):
            if value is not None:
                notes.append((row.number, column, value, where))
                return value
        return None

    c = row.cells
    problems: list[dict[str, Any]] = []
    list_id = branch_id = None
    for column, kind in (("所屬清單", ProblemList), ("黨支部", Branch)):
        try:
            ident = _known_id(c, column, lookup, kind)
        except InvalidCommand as e:
            problems.append({"field": e.field, "message": e.message})
            continue
        if kind is Branch:
            branch_id = ident
        else:
            list_id = ident
    # The workflow the problem was exported under (問題流程), else its list's, else the current.
    workflow = text_in(c, WORKFLOW_COLUMN.header)
    workflow_column = WORKFLOW_COLUMN.header
    plist = lookup(list_id) if workflow is None and list_id is not None else None
    if isinstance(plist, ProblemList) and plist.issue_workflow is not None:
        workflow, workflow_column = plist.issue_workflow, "所屬清單"
    written = deadline_reading_in(c)
    deadline = None if written is None else written.day
    words = None if written is None else written.words  # 立行立改, 長期堅持 … as written
    standing = written is not None and written.is_standing
    person = text_in(c, "責任人")
    progress = text_in(c, "整改進展")
    remarks = text_in(c, "備註")
    if person is not None and written is None:
        problems.append(
            {
                "field": "整改時限",
                "message": f"a 責任人 ({shown(person)}) needs a 整改時限 to be assigned: a date, "
                "立行立改 or 長期堅持",
            }
        )
    status = row.status
    closed, closed_on = closed_in(c), day_in(c, "銷號日期")
    if closed is False and closed_on is not None:  # which one is meant? neither is guessed
        problems.append(
            {
                "field": "是否銷號",
                "message": f"否, yet 銷號日期 is {closed_on} (in the file, or in the sheet of ids "
                "an export keeps): write 是, or clear 銷號日期",
            }
        )
    if status is not None and status is not Status.CLOSED_OUT and closed:
        problems.append(
            {
                "field": "狀態",
                "message": f"{status.label}, yet 是否銷號 says closed out: write 狀態 "
                f"{Status.CLOSED_OUT.label}, or 是否銷號 否",
            }
        )
    if closed or closed_on is not None:
        status = Status.CLOSED_OUT
    record_columns = {
        "title": "問題描述",
        "unit": "所屬單位" if row.own_unit else "責任單位",
        "source": "問題來源",
        "description": "問題描述詳情",
        "category": "問題類別",
        "severity": "嚴重程度",
        "remarks": "備註",
        "common_problem": "共性問題",
        "deadline": "整改時限",
        "list_id": "所屬清單",
        "branch_id": "黨支部",
        "on": "發現日期",
        "workflow": workflow_column,
    }
    # A deadline with nobody named is a problem sent out with a deadline (a list's), not assigned.
    found = _valid(
        RecordIssue, record_columns, problems,
        actor=actor, on=row.found_on, title=row.title, unit=row.unit, source=row.source,
        description=text_in(c, "問題描述詳情") or "", category=text_in(c, "問題類別"),
        severity=row.severity, remarks=remarks or "", list_id=list_id,
        common_problem=text_in(c, "共性問題") if list_id is not None else None,
        branch_id=branch_id, deadline=deadline if person is None else None,
        source_words=row.source_words, workflow=workflow,
    )  # fmt: skip
    assign_columns = {
        "unit": "責任單位",
        "person": "責任人",
        "deadline": "整改時限",
        "measures": "整改措施",
        "on": "交辦日期",
        "deadline_words": "整改時限",
        "standing": "整改時限",
    }
    assigned = None
    if (deadline is not None or words is not None) and person is not None:
        measures = measures_in(c)
        assigned = _valid(
            Assign, assign_columns, problems,
            actor=actor, on=day_in(c, "交辦日期") or row.found_on, unit=row.responsible_unit,
            person=person, deadline=deadline, measures=measures, deadline_words=words,
            standing=standing,
        )  # fmt: skip
    noted = None
    if progress is not None:
        noted = _valid(
            ReportProgress, {"text": "整改進展"}, problems,
            actor=actor, on=row.found_on, text=progress,
        )  # fmt: skip
    on_the_spot = written is not None and written.on_the_spot  # 立行立改 in 整改時限
    mode = row.mode or (
        Mode.WITHIN_DEADLINE
        if (deadline is not None or standing) and not on_the_spot
        else Mode.ON_THE_SPOT
    )
    rectified: RectifyOnTheSpot | TreatCentrally | SubmitRectification | None = None
    rectify_columns = {"summary": "整改進展", "campaign": "集中治理專項"}
    # A withdrawn problem may have been rectified (and verified) before it was withdrawn.
    was_rectified = status in RECTIFIED_STATUSES or (
        status is Status.WITHDRAWN and day_in(c, "整改日期") is not None
    )
    was_verified = status in (Status.VERIFIED, Status.CLOSED_OUT) or (
        was_rectified and day_in(c, "驗收日期") is not None
    )
    tracked = _tracks_measures(workflow)
    measures_now, measures_later = _split_measures(c, mode if was_rectified and tracked else None)
    if was_rectified:
        summary = progress or RECTIFIER_NAME
        if mode is Mode.CENTRAL:
            rectified = _valid(
                TreatCentrally, rectify_columns, problems,
                actor=actor, on=row.found_on, summary=summary,
                campaign=text_in(c, "集中治理專項") or "集中治理",
            )  # fmt: skip
        else:
            model: type[SubmitRectification | RectifyOnTheSpot] = (
                SubmitRectification if mode is Mode.WITHIN_DEADLINE else RectifyOnTheSpot
            )
            rectified = _valid(
                model, rectify_columns, problems, actor=actor, on=row.found_on, summary=summary
            )
    withdrawal = None
    if status is Status.WITHDRAWN:
        withdrawal = _valid(
            Withdraw, {"reason": "備註"}, problems,
            actor=actor, on=row.found_on, reason=remarks or "臺賬導入:已撤銷",
        )  # fmt: skip
    if problems:
        first = problems[0]
        raise InvalidCommand(first["field"], first["message"], problems)
    assert found is not None  # _valid gives None only with a problem

    rectifier = _rectifier(row.responsible_unit)
    if status in DECIDED:  # checked first, so that the refusal names the column it comes from
        refusal = conflict_of_interest(
            actor, (row.unit, row.responsible_unit, rectifier.unit), (rectifier.id,)
        )
        if refusal is not None:
            raise InvalidCommand("狀態", f"the importing actor may not decide here: {refusal}")
    with _step("發現日期", record_columns):
        issue = Issue.record(
            **found.payload(),
            actor=actor,
            on=found.on,
            issue_id=row.issue_id,
            command_id=f"import:{row.issue_id}",
        )
    when = row.found_on
    if assigned is not None:
        when = assigned.on
        with _step("交辦日期", assign_columns):
            issue.assign(actor=actor, on=when, **{**assigned.payload(), "measures": measures_now})
    else:  # measures added before anyone was assigned (增加整改措施)
        with _step("整改措施"):
            for text in measures_now:
                issue.add_measure(actor=actor, on=when, text=text)
        if status is Status.ASSIGNED or (was_rectified and mode is Mode.WITHIN_DEADLINE):
            # assigned, yet nobody named: sent back (退回) or reopened (反彈重開) after a
            # rectification from found, as 備註 must attest
            said = replay_return(issue, actor, rectifier, remarks, status, deadline)
            notes.append((row.number, "備註", issue.last_on, said))
    with _step("已完成措施"):
        for number in numbers_in(c, "已完成措施"):
            if number not in issue.measures_done and number <= len(measures_now):
                issue.complete_measure(actor=rectifier, on=when, measure=number)
    if noted is not None:
        with _step("整改進展"):
            issue.report_progress(actor=rectifier, on=when, text=noted.text)
    if was_rectified:
        assert rectified is not None
        done_on = dated(
            "整改日期",
            ("the 驗收日期", day_in(c, "驗收日期")),
            ("the 銷號日期", day_in(c, "銷號日期")),
        )
        if done_on is None:
            raise InvalidCommand(
                "整改日期",
                f"a {(status or Status.RECTIFIED).label} problem needs the date it was rectified",
            )
        with _step("整改日期", rectify_columns):
            if mode is Mode.WITHIN_DEADLINE:
                # submitted within the deadline: its measures were done (where they are tracked)
                for number in issue.open_measures() if tracked else ():
                    issue.complete_measure(actor=rectifier, on=done_on, measure=number)
                issue.submit_rectification(actor=rectifier, on=done_on, **rectified.payload())
                _add_later(issue, c, actor, rectifier, done_on, measures_later)
            elif isinstance(rectified, TreatCentrally):
                issue.treat_centrally(actor=rectifier, on=done_on, **rectified.payload())
            else:
                issue.rectify_on_the_spot(actor=rectifier, on=done_on, **rectified.payload())
        if was_verified:
            with _step("驗收日期"):
                issue.verify(
                    actor=actor,
                    on=dated("驗收日期", ("the 銷號日期", day_in(c, "銷號日期"))) or done_on,
                )
        if status is Status.CLOSED_OUT:
            closed_on = dated("銷號日期")
            if closed_on is None:
                raise InvalidCommand("銷號日期", "a closed-out problem needs its close-out date")
            with _step("銷號日期"):
                issue.close_out(actor=actor, on=closed_on)
    if withdrawal is not None:
        withdrawn_on = day_in(c, "撤銷日期")
        if withdrawn_on is None:
            raise InvalidCommand("撤銷日期", "a withdrawn problem needs the date")
        with _step("撤銷日期"):
            issue.withdraw(actor=actor, on=withdrawn_on, reason=withdrawal.reason)
    return issue


def _tracks_measures(workflow: str | None) -> bool:
    """Whether the workflow keyed ``workflow`` (None: the current one) tracks measures one by
    one (issue/2 on: added and done each); under issue/1 they are text given with the assignment.
    An unknown key tracks them (it is refused by the record's check)."""
    try:
        flow = CURRENT_ISSUE_WORKFLOW if workflow is None else workflow_named(workflow)
    except (KeyError, ValueError):
        return True
    return flow.has_trigger("complete_measure")


def _split_measures(
    c: dict[str, Any], mode: Mode | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The measures of 整改措施 a row's problem had when it was rectified within the deadline
    (all done then, as the workflow requires) and those added after (numbered after them, not
    all done: the first measure 已完成措施 does not list and the rest). Without the column, or
    rectified otherwise, all measures are had from the start."""
    measures = measures_in(c)
    if mode is not Mode.WITHIN_DEADLINE or "已完成措施" not in c:
        return measures, ()
    done = set(numbers_in(c, "已完成措施"))
    first_open = next((n for n in range(1, len(measures) + 1) if n not in done), None)
    if first_open is None:
        return measures, ()
    return measures[: first_open - 1], measures[first_open - 1 :]


def _add_later(
    issue: Issue,
    c: dict[str, Any],
    actor: Actor,
    rectifier: Actor,
    on: date,
    later: tuple[str, ...],
) -> None:
    """The measures added after the rectification (``later``), and those of them done."""
    before = len(issue.measures)
    with _step("整改措施"):
        for text in later:
            issue.add_measure(actor=actor, on=on, text=text)
    with _step("已完成措施"):
        for number in numbers_in(c, "已完成措施"):
            if number > before and number not in issue.measures_done:
                issue.complete_measure(actor=rectifier, on=on, measure=number)


RETURNED = re.compile(r"退回(\d+)次")
REOPENED = re.compile(r"反彈重開(\d+)次")
"""How 備註 says a problem was sent back or reopened, and how often (the ledger's remarks
write the counts: :func:`~rectify.projections.ledger.remarks`)."""


def replay_return(
    issue: Issue,
    actor: Actor,
    rectifier: Actor,
    remarks: str | None,
    status: Status | None,
    deadline: date | None,
) -> str:
    """Take a found ``issue`` to assigned the way its 備註 attests when nobody was ever
    assigned: rectified on the spot and sent back (退回N次), else rectified on the spot, verified,
    closed out and reopened (反彈重開N次), N times, on the date it was found (the ledger dates
    none of it); returns what was replayed, in words. InvalidCommand when 備註 attests neither:
    such a row names no 責任人."""
    returned, reopened = (p.search(remarks or "") for p in (RETURNED, REOPENED))
    said = returned or reopened
    if said is None:
        what = "an assigned problem" if status is Status.ASSIGNED else "限期整改"
        raise InvalidCommand(
            "整改時限" if deadline is None else "責任人",
            f"{what} needs its 責任人 and 整改時限 (its assignment), or a 備註 saying it was "
            "退回 or 反彈重開 after a rectification",
        )
    on = issue.last_on
    reason = f"{RECTIFIER_NAME}:{said.group()}"
    with _step("備註"):
        for _ in range(int(said.group(1))):
            issue.rectify_on_the_spot(actor=rectifier, on=on, summary=f"{reason}前的整改")
            if returned is not None:
                issue.reject(actor=actor, on=on, reason=reason)
            else:
                issue.verify(actor=actor, on=on)
                issue.close_out(actor=actor, on=on)
                issue.reopen(actor=actor, on=on, reason=reason)
    if returned is not None:
        return f"{said.group()}: rectified on the spot and sent back, on the 發現日期"
    return f"{said.group()}: rectified on the spot, verified, closed out, reopened, on the 發現日期"
