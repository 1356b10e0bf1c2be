"""Words kept beside what they mean: a command refuses deadline words that do not read back as
its deadline, source words naming another source, and a measure of several lines; a measure
alone reads back as itself whatever it starts with (pure: no store)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from rectify.adapters.spreadsheets.measures import numbered, read_measures
from rectify.domain.commands import AddMeasure, Assign, RecordIssue
from rectify.domain.deadline_words import DeadlineTypedAsNumber, read_deadline
from rectify.errors import InvalidCommand

ACTOR = {"id": "gw", "name": "趙", "unit": "工委", "roles": ["verifier"]}


def _refused(model: type[Any], **fields: Any) -> InvalidCommand:
    with pytest.raises(ValidationError) as e:
        model(actor=ACTOR, on="2019-06-01", **fields)
    return InvalidCommand.from_validation(e.value)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"deadline_words": "儘快"}, "deadline_words"),  # no date, no standing: bypassed all
        ({"deadline": "2019-12-31", "deadline_words": "儘快"}, "deadline_words"),
        ({"deadline": "2019-12-31", "deadline_words": "2019年10月"}, "deadline_words"),
        ({"deadline_words": "2019年12月底前"}, "deadline_words"),
        ({"deadline_words": "長期堅持"}, "standing"),
        ({"deadline_words": "立行立改", "standing": True}, "standing"),
    ],
)
def test_deadline_words_must_say_the_deadline(fields: dict[str, Any], field: str) -> None:
    refused = _refused(Assign, unit="單位", person="劉", **fields)
    assert refused.field == field


@pytest.mark.parametrize(
    "fields",
    [
        {"deadline_words": "立行立改"},
        {"deadline_words": "長期堅持", "standing": True},
        {"deadline_words": "立行立改、長期堅持", "standing": True},
        {"deadline": "2019-12-31", "deadline_words": "立行立改，2019年12月底前完成"},
        {"deadline": "2019-10-31", "deadline_words": "2019年10月"},
        {"deadline": "2019-12-31", "deadline_words": "長期堅持，2019年底前"},
    ],
)
def test_deadline_words_that_say_the_deadline_are_kept(fields: dict[str, Any]) -> None:
    command = Assign(actor=ACTOR, on="2019-06-01", unit="單位", person="劉", **fields)  # type: ignore[arg-type]
    assert command.deadline_words == fields["deadline_words"]


def test_source_words_naming_another_source_are_refused() -> None:
    refused = _refused(
        RecordIssue, title="t", unit="u", source="assessment", source_words="省委巡視反饋"
    )
    assert refused.field == "source_words" and "巡視巡察反饋" in refused.message
    kept = RecordIssue(
        actor=ACTOR, on="2019-06-01", title="t", unit="u", source="assessment",  # type: ignore[arg-type]
        source_words="2019年度黨建考核",
    )  # fmt: skip
    assert kept.source_words == "2019年度黨建考核"


@pytest.mark.parametrize("breaking", ["\n", "\r", "\u2028"])
def test_a_measure_of_several_lines_is_refused(breaking: str) -> None:
    refused = _refused(
        Assign, unit="u", person="p", deadline="2019-12-31", measures=["一", f"甲{breaking}乙"]
    )
    assert refused.field == "measures.1" and "one measure a line" in refused.message
    assert _refused(AddMeasure, text=f"甲{breaking}乙").field == "text"


@pytest.mark.parametrize("typed", [2019.1, 2019.12, 2019])
def test_a_deadline_typed_as_a_number_is_not_guessed(typed: float) -> None:
    with pytest.raises(DeadlineTypedAsNumber, match="type it as text"):
        read_deadline(typed)
    reading = read_deadline("2019.10")
    assert reading is not None and reading.day == date(2019, 10, 31)


one_line = (
    st.lists(
        st.sampled_from([*"0123456789.、．)）(（①②③；; \t甲乙丙abc", "1.", "2.", "（1）", "1、"]),
        min_size=1,
        max_size=12,
    )
    .map(lambda parts: "".join(parts).strip())
    .filter(bool)
)


@given(one_line)
def test_a_measure_alone_reads_back_as_itself(measure: str) -> None:
    assert read_measures(numbered([measure])) == (measure,)


@given(st.lists(one_line, min_size=2, max_size=6))
def test_several_measures_read_back_as_themselves(measures: list[str]) -> None:
    assert read_measures(numbered(measures)) == tuple(measures)


@pytest.mark.parametrize(
    ("written", "measures"),
    [
        ("1.補繳黨費；2.建立臺賬", ("補繳黨費", "建立臺賬")),
        ("1.補繳黨費；\n2.建立臺賬；", ("補繳黨費", "建立臺賬")),
        (
            "整改措施：1.補繳黨費；2.建立臺賬",
            ("整改措施：1.補繳黨費；2.建立臺賬",),
        ),  # nothing dropped
        ("1. 補繳黨費", ("1. 補繳黨費",)),  # one line, one number: as written
        ("1. 1.補繳黨費；2.建立臺賬", ("1.補繳黨費；2.建立臺賬",)),  # numbered() writes it
    ],
)
def test_committees_measures_are_read_as_written(written: str, measures: tuple[str, ...]) -> None:
    assert read_measures(written) == measures
