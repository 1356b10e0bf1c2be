"""Keeping the ledger up to date by re-import: a row whose problem is recorded and that reads
differently becomes the commands that take the problem to what the row says.

A row is compared with the stored problem column by column, for the columns the file has, as the
ledger shows them (:data:`~rectify.adapters.spreadsheets.tabular.EXPORT_COLUMNS`: the stored
problem's ledger row against the ledger row of the problem the row alone would make,
:func:`~rectify.adapters.spreadsheets.building.build_issue`). What differs is recorded by the
commands the workflow has for it, in this order:

======================  ==========================================================================
責任人 (and 責任單位,   交辦 (assign), when the problem is recorded as found and nobody is named
交辦日期)
整改措施                增加整改措施 (add_measure), for measures written after the recorded ones
狀態 已交辦             退回 (reject) a rectified problem, 反彈重開 (reopen) a closed-out one (with
                        the new 整改時限, if it changed)
整改時限                延期 (extend_deadline): a later deadline for an assigned problem
已完成措施              完成整改措施 (complete_measure) for each number added
整改進展                整改進展 (report_progress): the new text
狀態, 是否銷號, dates   立行立改 / 集中治理 / 限期整改 as 整改類型 says (on 整改日期), 驗收 (on
                        驗收日期), 銷號 (on 銷號日期), 撤銷 (on 撤銷日期)
======================  ==========================================================================

Each goes through the aggregate's own command (:meth:`~rectify.domain.checked.Checked.decide`),
so the workflow, the grants, the guards and separation of duties apply exactly as through the API.
As for a new row (:mod:`~rectify.adapters.spreadsheets.building`), the importing actor assigns,
adds measures, sends back, reopens, extends, verifies, closes out and withdraws; the actor
``import:<unit>`` (臺賬導入) of the responsible unit reports progress, completes measures and
rectifies. A command is dated by the row's date column for it; what the ledger does not date
(progress, measures, an extension, a reopening) is dated by ``on``, the date of the import (or
the row's rectification, when that is earlier).

**A stale file never undoes newer history.** An export writes, on every row it keeps for
re-import (the hidden sheet of ids, or the last columns of a CSV file), the business date it
showed (導出截至) and the log position it was read at (導出位置). A row of such a file that would
change its problem is refused when the stored problem has events recorded after that position,
or dated after that date (:func:`~.staleness.staleness`): the file is older than the store, and
the row names the column, the stored and the file's value, and says to export it again; nothing is
recorded. A row that reads as stored is unchanged, whatever happened since. A committee's own
ledger carries no such marks, so what the store holds is trusted over it where the store knows
who wrote it: a re-import records a change of 整改進展 only when the stored progress is none, or
the one an import recorded (an actor ``import:…``); progress recorded otherwise (through the
API or the command line, after the last import) is a conflict naming both texts, never
overwritten silently. The other columns need no such rule: measures are only added, measures
done never undone, a deadline only extended, and a problem goes back (退回, 反彈重開) only when
the row writes 狀態 已交辦; each is refused otherwise, as below.

What no command changes (問題描述, 問題來源, the units, 發現日期, 備註's own notes, a
rectification already recorded, a measure or a decision undone) and what the workflow refuses
are reported by row and column with the stored and the file's value: the whole file is then
refused. A blank date, 整改類型, 集中治理專項, 狀態 or 是否銷號 says nothing (the import dates
what the file leaves undated); 備註's notes of the history (退回1次, 延期1次 …) are the ledger's
own and never differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from rectify.adapters.spreadsheets.building import IMPORT_ACTOR_PREFIX, RECTIFIER_NAME, _rectifier
from rectify.adapters.spreadsheets.reading import (
    Row,
    RowError,
    closed_in,
    day_in,
    measures_in,
    numbers_in,
)
from rectify.adapters.spreadsheets.tabular import EXPORT_COLUMNS
from rectify.domain.commands import command_for
from rectify.domain.issue import Issue
from rectify.domain.values import Actor, Mode, Status
from rectify.errors import RectifyError
from rectify.projections.ledger import LedgerRow, row_of

ORDER = (Status.FOUND, Status.ASSIGNED, Status.RECTIFIED, Status.VERIFIED, Status.CLOSED_OUT)
"""The statuses of a problem's way forward, in order."""

NOT_COMPARED = frozenset({"序號", "逾期天數", "措施完成", "問題編號"})
"""Columns that say nothing of their own: the row's place, and what is counted from others."""
SAYS_NOTHING_WHEN_BLANK = frozenset(
    {"整改類型", "集中治理專項", "狀態", "是否銷號", "整改日期", "驗收日期", "銷號日期", "撤銷日期",
     "交辦日期"}
)  # fmt: skip
"""Columns a blank cell of which says nothing (the import dates what the file leaves undated)."""
BY_COMMAND = frozenset(
    {"責任人", "責任單位", "交辦日期", "整改措施", "整改時限", "已完成措施", "整改進展", "備註",
     *SAYS_NOTHING_WHEN_BLANK}
)  # fmt: skip
"""Columns whose change a command may record (the rest: no command changes them)."""
HISTORY_NOTE = re.compile(r"^(?:退回\d+次|延期\d+次|反彈重開\d+次|逾期整改|已撤銷|待重新確認)$")
"""備註's notes that the ledger writes from the history (:func:`~rectify.projections.ledger.
remarks`): never a difference."""


@dataclass
class RowUpdate:
    """What re-importing a row records (or, in a dry run, would record) for its problem."""

    row: int
    issue_id: UUID
    key: str
    changes: list[str] = field(default_factory=list)
    """Each change in words: the column, the stored and the file's value, the command, its date
    and who records it."""
    events: int = 0


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\n", " / ")
    return text if len(text) <= 40 else f"{text[:39]}…"


def _notes(remarks: str | None) -> set[str]:
    return {n for n in (remarks or "").split(",") if n and not HISTORY_NOTE.match(n)}


class _Refused(Exception):
    def __init__(self, column: str, reason: str) -> None:
        self.column = column
        self.reason = reason


def plan_update(
    row: Row,
    current: Issue,
    built: Issue,
    *,
    actor: Actor,
    on: date,
    stale: str | None = None,
    exported: bool = True,
) -> tuple[RowUpdate | None, list[RowError]]:
    """The commands that take ``current`` (the stored problem, changed here in memory) to what
    ``row`` says (``built``: the problem the row alone makes); the update (None when the row
    reads as stored) or the problems found, by row and column. ``stale`` says why the file is
    older than the stored problem (:func:`~.staleness.staleness`): a row that differs is then
    refused; a row not ``exported`` (a committee's own ledger) changes 整改進展 only over progress an
    import recorded (see the module)."""
    c = row.cells
    as_of = max(on, current.last_on)
    stored = row_of(current, seq=0, position=0, as_of=as_of)
    wanted = row_of(built, seq=0, position=0, as_of=as_of)
    differing: dict[str, tuple[Any, Any]] = {}
    for column in EXPORT_COLUMNS:
        h = column.header
        if h in NOT_COMPARED or h not in c:
            continue
        if h in SAYS_NOTHING_WHEN_BLANK and (c[h] is None or str(c[h]).strip() == ""):
            continue
        before, after = column.value(stored), column.value(wanted)
        if h == "備註" and _notes(stored.remarks_text) == _notes(wanted.remarks_text):
            continue
        if before != after:
            differing[h] = (before, after)
    errors: list[RowError] = []
    for h, (before, after) in differing.items():
        if h not in BY_COMMAND:
            errors.append(
                RowError(row.number, h, f"stored {_shown(before)}, the file {_shown(after)}: no "
                         "command changes it (write it as stored)")
            )  # fmt: skip
    if errors:
        return None, errors
    if not differing:
        return None, []
    if stale is not None:
        h, (before, after) = next(iter(differing.items()))
        return None, [
            RowError(row.number, h, f"stored {_shown(before)}, the file {_shown(after)}: {stale}")
        ]
    update = RowUpdate(row.number, row.issue_id, row.key)
    steps = _Steps(row, current, built, actor, on, differing, update, own=not exported)
    try:
        steps.run(stored, wanted)
    except _Refused as e:
        return None, [RowError(row.number, e.column, e.reason)]
    if not update.changes:
        return None, []
    update.events = len(current.pending_events)
    return update, []


class _Steps:
    """The commands of one row's update, given in order on ``current``."""

    def __init__(
        self,
        row: Row,
        current: Issue,
        built: Issue,
        actor: Actor,
        on: date,
        differing: dict[str, tuple[Any, Any]],
        update: RowUpdate,
        *,
        own: bool = False,
    ) -> None:
        self.own = own  # a committee's own ledger: no export's marks
        self.row = row
        self.issue = current
        self.built = built
        self.actor = actor
        self.rectifier = _rectifier(current.acting_unit)
        self.differing = differing
        self.update = update
        forward = [d for d in (built.rectified_on, built.verified_on, built.closed_out_on) if d]
        first = min([on, *forward]) if forward else on
        self.undated = max(current.last_on, first)

    def refuse(self, column: str, reason: str) -> None:
        before, after = self.differing.get(column, (None, None))
        raise _Refused(column, f"stored {_shown(before)}, the file {_shown(after)}: {reason}")

    def give(self, column: str, trigger: str, by: Actor, on: date, **fields: Any) -> None:
        """Give command ``trigger`` on the problem; a refusal names ``column``."""
        issue = self.issue
        label = issue.flow.step(trigger).label if issue.flow.has_trigger(trigger) else trigger
        try:
            issue.decide(trigger, actor=by, on=on, **fields)
        except RectifyError as e:
            self.refuse(column, f"{label} ({trigger}) refused: {e}")
        shown = next((h for h in (column, "狀態", "是否銷號") if h in self.differing), column)
        old, new = self.differing.get(shown, (None, None))
        self.update.changes.append(
            f"{shown}: {_shown(old)} → {_shown(new)}: {label} ({trigger}) on {on} by "
            + (f"{by.name} ({by.id})" if by.name else by.id)
        )

    def run(self, stored: LedgerRow, wanted: LedgerRow) -> None:
        issue, built, c, d = self.issue, self.built, self.row.cells, self.differing
        target = self._target()
        assigning = "責任人" in d and issue.status is Status.FOUND and built.responsible_person
        for h in ("責任人", "責任單位", "交辦日期"):
            if h in d and not assigning:
                self.refuse(h, "no command changes who is responsible once assigned")
        if assigning:
            given = next(e for e in built.pending_events if isinstance(e, Issue.IssueAssigned))
            fields = command_for("issue", "assign").model_fields.keys() - {
                "actor",
                "on",
                "command_id",
            }
            self.give(
                "責任人", "assign", self.actor, day_in(c, "交辦日期") or self.undated,
                **{k: getattr(given, k) for k in fields if hasattr(given, k)},
            )  # fmt: skip
        elif "整改措施" in d:
            have, written = issue.measures, measures_in(c)
            if written[: len(have)] != have:
                self.refuse("整改措施", "measures are added after the recorded ones, never changed")
            for text in written[len(have) :]:
                self.give("整改措施", "add_measure", self.actor, self.undated, text=text)
        reopening = target is Status.ASSIGNED and issue.status is Status.CLOSED_OUT
        if target is Status.ASSIGNED and issue.status is Status.RECTIFIED:
            self.give("狀態", "reject", self.actor, self.undated, reason=f"{RECTIFIER_NAME}:退回")
        if reopening:
            new = built.deadline if "整改時限" in d else None
            self.give(
                "狀態", "reopen", self.actor, self.undated,
                reason=f"{RECTIFIER_NAME}:反彈重開", deadline=new,
            )  # fmt: skip
        if "整改時限" in d and not reopening and not assigning:
            if built.deadline is None:
                self.refuse("整改時限", "no command takes a deadline away")
            self.give(
                "整改時限", "extend_deadline", self.actor, self.undated,
                new_deadline=built.deadline, reason=f"{RECTIFIER_NAME}:整改時限改為{built.deadline}",
            )  # fmt: skip
        if "已完成措施" in d:
            done = set(numbers_in(c, "已完成措施"))
            if not issue.measures_done <= done:
                self.refuse("已完成措施", "a measure done cannot be undone")
            for number in sorted(done - issue.measures_done):
                self.give(
                    "已完成措施", "complete_measure", self.rectifier, self.undated, measure=number
                )
        if "整改進展" in d:
            if built.progress is None:
                self.refuse("整改進展", "no command takes progress away: write the latest")
            by = issue.progress_by
            if self.own and by is not None and not by.startswith(IMPORT_ACTOR_PREFIX):
                self.refuse(
                    "整改進展",
                    f"the stored progress was recorded by {by} on {issue.progress_on}, not by "
                    "an import: the file would overwrite it; write the stored text (or yours, "
                    "after it) and import again",
                )
            self.give(
                "整改進展", "report_progress", self.rectifier, self.undated, text=built.progress
            )
        if "備註" in d:
            self.refuse("備註", "no command changes the remarks recorded with the problem")
        self._forward(target)

    def _target(self) -> Status:
        """Where the row says the problem stands (its status when the row says nothing)."""
        issue, c = self.issue, self.row.cells
        said = any(
            h in self.differing
            for h in ("狀態", "是否銷號", "整改日期", "驗收日期", "銷號日期", "撤銷日期")
        )
        closed = closed_in(c)
        if closed is False and issue.status is Status.CLOSED_OUT and self.row.status is None:
            self.refuse(
                "是否銷號",
                "a closed-out problem shown as not closed: to reopen it, write 狀態 已交辦",
            )
        target: Status = self.built.status if said or self.row.status is not None else issue.status
        return target

    def _forward(self, target: Status) -> None:
        issue, built = self.issue, self.built
        now = issue.status
        if target is now:
            for h in ("整改類型", "整改日期", "集中治理專項", "驗收日期", "銷號日期", "撤銷日期"):
                if h not in self.differing:
                    continue
                if now in (Status.RECTIFIED, Status.VERIFIED, Status.CLOSED_OUT):
                    self.refuse(h, "recorded as it stands: send it back (狀態 已交辦) to change it")
                self.refuse(
                    h, f"the row leaves the problem {now.label}, which has none: leave it blank"
                )
            return
        if now is Status.WITHDRAWN:
            self.refuse("狀態", "a withdrawn problem stays withdrawn")
        if target is Status.WITHDRAWN:
            self.give(
                "狀態", "withdraw", self.actor, built.withdrawn_on or self.undated,
                reason=f"{RECTIFIER_NAME}:已撤銷",
            )  # fmt: skip
            return
        if target not in ORDER or ORDER.index(target) < ORDER.index(now):
            self.refuse(
                "狀態", f"no command takes a problem from {now.label} back to {target.label}"
            )
        if now in (Status.FOUND, Status.ASSIGNED) and target in (
            Status.RECTIFIED,
            Status.VERIFIED,
            Status.CLOSED_OUT,
        ):
            self._rectify()
        elif now is Status.FOUND and target is Status.ASSIGNED:
            self.refuse("狀態", "an assigned problem needs its 責任人 and 整改時限")
        if target in (Status.VERIFIED, Status.CLOSED_OUT) and issue.status is Status.RECTIFIED:
            self.give("驗收日期", "verify", self.actor, built.verified_on or self.undated)
        if target is Status.CLOSED_OUT and issue.status is Status.VERIFIED:
            self.give("銷號日期", "close_out", self.actor, built.closed_out_on or self.undated)

    def _rectify(self) -> None:
        issue, built = self.issue, self.built
        on = built.rectified_on or self.undated
        summary = built.summary or RECTIFIER_NAME
        column = "整改日期"
        if built.mode is Mode.CENTRAL:
            campaign = built.campaign or "集中治理"
            self.give(
                column, "treat_centrally", self.rectifier, on, summary=summary, campaign=campaign
            )
        elif built.mode is Mode.WITHIN_DEADLINE:
            tracked = issue.flow.has_trigger("complete_measure")  # not under issue/1
            for number in issue.open_measures() if tracked else ():  # submitted: all done
                self.give("已完成措施", "complete_measure", self.rectifier, on, measure=number)
            self.give(column, "submit_rectification", self.rectifier, on, summary=summary)
        else:
            self.give(column, "rectify_on_the_spot", self.rectifier, on, summary=summary)
