"""An idempotency key names one command: given again for that command it records nothing and
answers as before; given for another command it is refused naming ``command_id``, never taken as
"already done" (found in review: the CLI said "already recorded" for a step it dropped)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import rectify
from rectify.errors import InvalidCommand
from tests.conftest import TODAY, UNIT, Cast


@pytest.fixture
def app(store_url: str) -> Iterator[rectify.RectificationApp]:
    application = rectify.connect(store_url, today=lambda: TODAY)
    yield application
    application.close()


def test_a_key_given_again_for_its_command_records_nothing(app: rectify.RectificationApp) -> None:
    issue = app.record_issue(
        actor=Cast.inspector, title="t", unit=UNIT, source="巡查", on="2019-06-01", command_id="k1"
    )
    for _ in range(2):
        before = app.recorder.max_notification_id()
        app.assign(
            issue, actor=Cast.verifier, unit=UNIT, person="劉", deadline="2019-07-31",
            on="2019-06-02", command_id="k2",
        )  # fmt: skip
    assert app.recorder.max_notification_id() == before


@pytest.mark.parametrize("key", ["k1", "k2"])
def test_a_key_given_for_another_command_is_refused_and_records_nothing(
    app: rectify.RectificationApp, key: str
) -> None:
    issue = app.record_issue(
        actor=Cast.inspector, title="t", unit=UNIT, source="巡查", on="2019-06-01", command_id="k1"
    )
    app.assign(
        issue, actor=Cast.verifier, unit=UNIT, person="劉", deadline="2019-07-31",
        on="2019-06-02", command_id="k2",
    )  # fmt: skip
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidCommand) as caught:
        app.report_progress(
            issue, actor=Cast.responsible, text="新進展", on="2019-06-03", command_id=key
        )
    assert caught.value.field == "command_id"
    assert ("record" if key == "k1" else "assign") in str(caught.value)
    assert app.recorder.max_notification_id() == before
    assert app.get_issue(issue).progress != "新進展"
