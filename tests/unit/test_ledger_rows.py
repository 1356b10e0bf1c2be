"""The stored form of a ledger row reads back as the row itself, whatever the text holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rectify import Actor, Issue, Role, Severity, Source
from rectify.projections.ledger import STORED_FIELDS, LedgerRow, issue_state, pack_state, row_of

ANY_TEXT = st.text(min_size=1, max_size=12)  # control characters and separators included
ADMIN = Actor("a", "管理員", "省直機關工委", [Role.ADMIN])
CAMPAIGN = Actor("c", "", "專項整治辦", [Role.VERIFIER])  # who rectifies never decides on it


@settings(max_examples=300, deadline=None)
@given(
    title=ANY_TEXT,
    description=st.text(max_size=12),
    unit=ANY_TEXT,
    person=ANY_TEXT,
    measures=st.lists(ANY_TEXT, max_size=3).map(tuple),
    category=st.none() | ANY_TEXT,
    source=st.sampled_from(list(Source)),
    severity=st.sampled_from(list(Severity)),
    branch=st.none() | st.uuids(),
    on=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)),
    steps=st.integers(0, 5),
    as_of=st.dates(min_value=date(2000, 1, 1), max_value=date(2031, 1, 1)),
    seq=st.integers(1, 10**6),
)
def test_a_stored_row_reads_back_exactly(
    title: str,
    description: str,
    unit: str,
    person: str,
    measures: tuple[str, ...],
    category: str | None,
    source: Source,
    severity: Severity,
    branch: object,
    on: date,
    steps: int,
    as_of: date,
    seq: int,
) -> None:
    issue = Issue.record(
        actor=ADMIN,
        on=on,
        title=title,
        unit=unit,
        source=source,
        description=description,
        category=category,
        severity=severity,
        branch_id=branch,  # type: ignore[arg-type]
    )
    later = on + timedelta(days=3)
    # The events themselves, as a store written before text was checked may hold them (the
    # commands refuse control characters now): any text must read back exactly.
    script: list[Callable[[], object]] = [
        lambda: issue._assigned(
            actor=ADMIN, on=on, command_id=None, unit=unit, person=person, deadline=later,
            measures=measures,
        ),
        lambda: issue._progress_reported(
            actor=ADMIN, on=on, command_id=None, text=description or title
        ),
        lambda: issue._centrally_treated(
            actor=CAMPAIGN, on=later, command_id=None, campaign=title, summary=title, evidence=()
        ),
        lambda: issue._verified(
            actor=Actor("v", "", "主題教育辦", [Role.VERIFIER]), on=later, command_id=None, note=""
        ),
        lambda: issue._closed_out(actor=ADMIN, on=later, command_id=None, note=""),
    ]  # fmt: skip
    for step in script[:steps]:
        step()
    state = issue_state(issue)
    state["position"] = 7
    row = LedgerRow(seq, pack_state(state), as_of)
    for name in STORED_FIELDS:
        value = getattr(row, name)
        expected = state.get(name)
        assert value == expected, name
        assert type(value) is type(expected) or isinstance(value, type(expected)), name
    assert (row.seq, row.as_of) == (seq, as_of)
    assert row.days_overdue == issue.days_overdue(as_of) and row.overdue == issue.is_overdue(as_of)
    assert row == row_of(issue, seq=seq, position=7, as_of=as_of)
    assert row != LedgerRow(seq + 1, row.state, as_of)
    try:
        row.seq = 1  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("a LedgerRow must be immutable")


def test_a_value_that_is_a_separator_reads_back() -> None:
    """A one-character value equal to a separator (interned: the same object) is not a None."""
    issue = Issue.record(
        actor=ADMIN, on=date(2000, 1, 1), title="0", unit="\x1e", source=Source.ASSESSMENT
    )
    state = issue_state(issue)
    state["position"] = 1
    row = LedgerRow(1, pack_state(state), date(2000, 1, 1))
    assert (row.unit, row.category) == ("\x1e", None)
