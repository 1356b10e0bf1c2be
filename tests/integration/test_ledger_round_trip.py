"""Round trip for every history the engine accepts (issue 11): random histories recorded through
the API (assigned or not, rectified on the spot, centrally or within the deadline, rejected,
reopened with or without a new deadline, extended, withdrawn, measures added and done, progress
reported) are exported, and the export imported into a fresh store gives the same ledger; imported
into the store it came from, it records nothing.

The ledger rows are compared field by field and the exported cells column by column. What a
ledger cannot carry is :data:`NOT_CARRIED`, each with why (who recorded what and when, progress
dates, the history's counts, which 備註 carries as words); beyond the row, neither are the summary
and evidence of a rectification nor the dates measures were done. A problem assigned to nobody yet
sent back or reopened is imported through the history its 備註 attests (rectified on the spot and
sent back, or verified, closed out and reopened, on the date it was found): see
:func:`rectify.adapters.spreadsheets.building.replay_return`.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import rectify
from rectify.adapters.spreadsheets.tabular import EXPORT_COLUMNS, cells
from rectify.domain.issue import Issue
from rectify.errors import RectifyError
from rectify.projections.ledger import LedgerRow

START = date(2019, 3, 1)
TODAY = date(2019, 12, 31)
COMMITTEE = "省直機關工委"
UNITS = ("省財政廳", "省教育廳")
INSPECTOR = rectify.Actor("insp", "巡查組", COMMITTEE, [rectify.Role.INSPECTOR])
VERIFIER = rectify.Actor("ver", "工委驗收", COMMITTEE, [rectify.Role.VERIFIER])
RESPONSIBLE = {
    u: rectify.Actor(f"resp-{n}", "責任人", u, [rectify.Role.RESPONSIBLE])
    for n, u in enumerate(UNITS)
}
IMPORTER = rectify.Actor("xs-li", "李處長", "省委巡視辦", [rectify.Role.VERIFIER])
"""Who imports: a verifier of a unit none of the problems belongs to."""

STEPS = (
    "assign", "rectify_on_the_spot", "treat_centrally", "submit_rectification", "verify",
    "reject", "close_out", "reopen", "extend_deadline", "withdraw", "report_progress",
    "add_measure", "complete_measure",
)  # fmt: skip
WORDS = st.text(alphabet="整改問題支部黨建落實制度記錄", min_size=1, max_size=6)


LIST_KEY = "round-trip-list"
"""The key of the problem list, naming workflow issue/2, recorded alike in both stores (the same
key, the same id)."""


def _issue_list(app: rectify.RectificationApp) -> UUID:
    return app.issue_problem_list(
        actor=VERIFIER, name="專項整改清單", issuer=COMMITTEE, deadline=TODAY, issued_on=START,
        issue_workflow="issue/2", command_id=LIST_KEY,
    )  # fmt: skip


def _record_history(app: rectify.RectificationApp, data: st.DataObject, problems: int) -> None:
    """``problems`` problems, each with a random history the engine accepts (a command it
    refuses is not part of the history), under the current workflow, under issue/2 or issue/1
    named, or from a list naming issue/2."""
    day = START
    plist = _issue_list(app)
    for n in range(problems):
        unit = data.draw(st.sampled_from(UNITS), label="unit")
        how = data.draw(st.sampled_from(["current", "issue/2", "issue/1", "list"]), label="flow")
        event(f"workflow: {how}")
        under: dict[str, Any] = (
            {"list_id": plist} if how == "list" else {} if how == "current" else {"workflow": how}
        )
        issue_id = app.record_issue(
            actor=INSPECTOR, on=day, title=f"問題{n}" + data.draw(WORDS), unit=unit,
            source=data.draw(st.sampled_from(list(rectify.Source))),
            category=data.draw(st.none() | WORDS), **under,
        )  # fmt: skip
        for _ in range(data.draw(st.integers(0, 9), label="steps")):
            day += timedelta(days=data.draw(st.integers(0, 10)))
            issue: Issue = app.repository.get(issue_id)
            assert isinstance(issue, Issue)
            allowed = [t for t in STEPS if t in issue.flow.triggers_from(issue.status)]
            if not allowed:
                break
            trigger = data.draw(st.sampled_from(allowed), label="trigger")
            args = _args(trigger, issue, day, data)
            rectifying = trigger in (
                "rectify_on_the_spot", "treat_centrally", "submit_rectification",
                "report_progress", "complete_measure",
            )  # fmt: skip
            actor = RESPONSIBLE.get(issue.acting_unit, VERIFIER) if rectifying else VERIFIER
            with suppress(RectifyError):  # refused: not part of the history
                getattr(app, trigger)(issue_id, actor=actor, on=day, **args)


def _args(trigger: str, issue: Issue, day: date, data: st.DataObject) -> dict[str, Any]:
    later = day + timedelta(days=data.draw(st.integers(0, 60)))
    if trigger == "assign":
        measures = data.draw(st.lists(WORDS, max_size=3, unique=True))
        unit = data.draw(st.sampled_from(UNITS))
        return {"unit": unit, "person": "劉處長", "deadline": later, "measures": tuple(measures)}
    if trigger in ("rectify_on_the_spot", "submit_rectification"):
        return {"summary": "已整改"}
    if trigger == "treat_centrally":
        return {"summary": "已整改", "campaign": data.draw(WORDS)}
    if trigger in ("reject", "withdraw"):
        return {"reason": "不符合要求"}
    if trigger == "reopen":
        return {"reason": "反彈", "deadline": data.draw(st.none() | st.just(later))}
    if trigger == "extend_deadline":
        base = max(issue.deadline or day, day)
        return {
            "new_deadline": base + timedelta(days=data.draw(st.integers(1, 30))),
            "reason": "延期",
        }
    if trigger == "report_progress":
        return {"text": data.draw(WORDS)}
    if trigger == "add_measure":
        return {"text": data.draw(WORDS)}
    if trigger == "complete_measure":
        return {"measure": data.draw(st.integers(1, max(1, len(issue.measures))))}
    return {}


def _export(app: rectify.RectificationApp, path: Path, columns: str) -> Path:
    app.export_ledger(path, as_of=TODAY, columns=columns)
    return path


NOT_CARRIED = {
    "found_by": "who recorded the problem: the importing actor records it",
    "recorded_at": "when each event was recorded: the import records them now",
    "position": "where in the log: the import's own events",
    "version": "how many events: the import records only those the row needs",
    "progress_on": "the date of the progress note: the ledger has no column for it",
    "remarks_text": "the remarks recorded: the import records 備註 as written, with the notes "
    "the history adds (退回1次 …), so the 備註 column reads the same",
    "rejections": "counts of the history: carried as words in 備註 (退回1次)",
    "reopenings": "(反彈重開1次)",
    "extensions": "(延期1次)",
    "stale_decisions": "a decision awaiting re-confirmation: carried as 待重新確認 in 備註; the "
    "imported decision is current",
}
"""The fields of a ledger row an export and import cannot carry, and why; every other field of
the row comes back as it was (dates as dates)."""


def _carried(row: LedgerRow) -> dict[str, Any]:
    return {k: v for k, v in row.as_dict().items() if k not in NOT_CARRIED}


HEADERS = [c.header for c in EXPORT_COLUMNS]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), problems=st.integers(1, 6))
@pytest.mark.parametrize("kind", ["all.xlsx", "clerk.xlsx", "all.csv"])
def test_every_history_exported_imports_as_the_same_ledger(
    tmp_path: Path, kind: str, data: st.DataObject, problems: int
) -> None:
    source = rectify.connect("memory://", today=lambda: TODAY)
    _record_history(source, data, problems)
    for row in source.ledger(as_of=TODAY):  # what histories reach: --hypothesis-show-statistics
        event(f"{row.status.label} {row.mode.label if row.mode else ''}")
        for note in ("退回", "反彈重開", "延期", "待重新確認"):
            if note in row.remarks:
                event(note)
        if row.responsible_person is None and row.status is not rectify.Status.FOUND:
            event("past found with nobody assigned")
    columns, suffix = kind.split(".")
    path = _export(source, tmp_path / f"ledger-{problems}.{suffix}", columns)
    target = rectify.connect("memory://", today=lambda: TODAY)
    _issue_list(target)  # the same list (by its key): the problems' 所屬清單 is found
    result = target.import_ledger(path, actor=IMPORTER)
    assert len(result.new) == problems
    for before, after in zip(source.ledger(as_of=TODAY), target.ledger(as_of=TODAY), strict=True):
        assert _carried(after) == _carried(before)
        assert dict(zip(HEADERS, cells(after), strict=True)) == dict(
            zip(HEADERS, cells(before), strict=True)
        )
    # imported into the store it came from, it records nothing
    count = source.recorder.max_notification_id()
    again = source.import_ledger(path, actor=IMPORTER)
    assert (len(again.unchanged), again.events) == (problems, 0)
    assert source.recorder.max_notification_id() == count
    source.close()
    target.close()


@pytest.mark.parametrize("back", ["reopen", "reject"])
def test_rectified_on_the_spot_then_reopened_or_sent_back_and_submitted_imports(
    tmp_path: Path, back: str
) -> None:
    """The history that failed (issue 11): rectified on the spot, reopened without a new
    deadline (or sent back), submitted again: 限期整改 with no deadline and nobody named."""
    source = rectify.connect("memory://", today=lambda: TODAY)
    unit = UNITS[0]
    issue_id = source.record_issue(
        actor=INSPECTOR, on=START, title="黨費收繳不及時", unit=unit, source="考核"
    )
    source.rectify_on_the_spot(issue_id, actor=RESPONSIBLE[unit], on=START, summary="已補繳")
    if back == "reopen":
        source.verify(issue_id, actor=VERIFIER, on=START)
        source.close_out(issue_id, actor=VERIFIER, on=START)
        source.reopen(issue_id, actor=VERIFIER, on=START, reason="反彈")
    else:
        source.reject(issue_id, actor=VERIFIER, on=START, reason="不符合要求")
    source.submit_rectification(issue_id, actor=RESPONSIBLE[unit], on=START, summary="再次整改")
    [row] = source.ledger(as_of=TODAY)
    assert (row.mode, row.deadline, row.responsible_person) == (
        rectify.Mode.WITHIN_DEADLINE,
        None,
        None,
    )
    path = _export(source, tmp_path / "l.xlsx", "all")
    target = rectify.connect("memory://", today=lambda: TODAY)
    result = target.import_ledger(path, actor=IMPORTER)
    [(number, column, _, said)] = result.defaulted
    assert (number, column) == (3, "備註") and (
        "反彈重開1次" if back == "reopen" else "退回1次"
    ) in said
    [again] = target.ledger(as_of=TODAY)
    assert _carried(again) == _carried(row) and cells(again) == cells(row)
    assert source.import_ledger(path, actor=IMPORTER).events == 0
