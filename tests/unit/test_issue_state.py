"""An issue's state is declared once (the ledger row's fields); the view and the stored state are
that declaration (issue 9)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from rectify import Issue, Source
from rectify.projections.ledger import STORED_FIELDS, LedgerRow, issue_state, pack_state
from rectify.projections.views import IssueView
from tests.conftest import UNIT, Cast

AS_OF = ("as_of", "overdue", "days_overdue")


def test_the_view_shows_exactly_the_stored_fields() -> None:
    assert set(IssueView.model_fields) == (set(STORED_FIELDS) - {"position"}) | set(AS_OF)


def test_the_state_read_from_an_issue_is_every_stored_field() -> None:
    issue = Issue.record(
        actor=Cast.inspector, on=date(2019, 6, 1), title="t", unit=UNIT, source=Source.INSPECTION
    )
    state = issue_state(issue)
    assert list(state) == [f for f in STORED_FIELDS if f != "position"]
    view = IssueView.of(issue, date(2019, 6, 2))
    row = LedgerRow(1, pack_state({**state, "position": 1}), date(2019, 6, 2))
    assert IssueView.from_row(row) == view
    with pytest.raises(ValidationError):
        IssueView.model_validate({**view.model_dump(), "surprise": 1})
