"""The chain of digests, as properties (hypothesis): whatever history is recorded verifies intact;
any one byte changed in any stored event, or any two events' states swapped, is found and named
by its position; the digest layout is a function of exactly what was stored."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rectify
from rectify.adapters.chain import GENESIS, event_digest, id_bytes, log_digest
from rectify.domain.seals import FindingKind
from tests.conftest import TODAY, UNIT, Cast

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _history(app: rectify.RectificationApp, steps: list[tuple[int, str]]) -> None:
    """Issues recorded, and progress reported on them, in the order ``steps`` says."""
    issues: list[UUID] = []
    for pick, text in steps:
        if not issues or pick % 3 == 0:
            issue = app.record_issue(
                actor=Cast.inspector, title=text, unit=UNIT, source="inspection",
                on="2019-05-01",
            )  # fmt: skip
            app.assign(
                issue, actor=Cast.verifier, unit=UNIT, person="劉", deadline="2019-12-31",
                on="2019-06-01",
            )  # fmt: skip
            issues.append(issue)
        else:
            app.report_progress(
                issues[pick % len(issues)], actor=Cast.responsible, text=text,
                on="2019-06-02",
            )  # fmt: skip


words = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=20)
steps = st.lists(st.tuples(st.integers(0, 50), words), min_size=1, max_size=12)


def _stored(app: rectify.RectificationApp) -> list[StoredEvent]:
    events: list[StoredEvent] = app.recorder._stored_events  # type: ignore[attr-defined]
    return events


@SETTINGS
@given(steps=steps)
def test_whatever_is_recorded_verifies_intact(steps: list[tuple[int, str]]) -> None:
    app = rectify.connect("memory://", today=lambda: TODAY)
    _history(app, steps)
    report = app.verify_integrity()
    assert report.intact, report.findings
    assert report.events == len(_stored(app))
    assert report.head is not None
    # The head is the running digest of exactly what is stored, by the documented layout.
    head, last = GENESIS, dict[Any, bytes]()
    for position, s in enumerate(_stored(app), start=1):
        d = event_digest(
            last.get(s.originator_id, GENESIS), id_bytes(s.originator_id),
            s.originator_version, s.topic, s.state,
        )  # fmt: skip
        last[s.originator_id] = d
        head = log_digest(head, position, d)
    assert report.head.digest == head.hex()
    app.close()


@SETTINGS
@given(steps=steps, data=st.data())
def test_any_byte_changed_in_any_event_is_named(steps: list[tuple[int, str]], data: Any) -> None:
    app = rectify.connect("memory://", today=lambda: TODAY)
    _history(app, steps)
    stored = _stored(app)
    at = data.draw(st.integers(0, len(stored) - 1), label="event")
    s = stored[at]
    where = data.draw(st.sampled_from(["state", "topic"]), label="where")
    if where == "state":
        i = data.draw(st.integers(0, len(s.state) - 1), label="byte")
        flip = data.draw(st.integers(1, 255), label="xor")
        state = s.state[:i] + bytes([s.state[i] ^ flip]) + s.state[i + 1 :]
        stored[at] = StoredEvent(s.originator_id, s.originator_version, s.topic, state)
    else:
        stored[at] = StoredEvent(s.originator_id, s.originator_version, s.topic + "x", s.state)
    report = app.verify_integrity(views=False)
    found = report.first(FindingKind.ALTERED)
    assert found is not None, report.findings
    assert found.notification_id == at + 1
    assert (found.originator_id, found.version) == (s.originator_id, s.originator_version)
    app.close()


@SETTINGS
@given(steps=steps, data=st.data())
def test_two_events_swapped_are_named(steps: list[tuple[int, str]], data: Any) -> None:
    app = rectify.connect("memory://", today=lambda: TODAY)
    _history(app, steps)
    stored = _stored(app)
    a, b = sorted(data.draw(st.lists(st.integers(0, len(stored) - 1), min_size=2, max_size=2,
                                     unique=True)))  # fmt: skip
    first, second = stored[a], stored[b]
    if (first.topic, first.state) == (second.topic, second.state):
        return  # the same bytes: nothing was swapped
    stored[a] = StoredEvent(first.originator_id, first.originator_version, second.topic,
                            second.state)  # fmt: skip
    stored[b] = StoredEvent(second.originator_id, second.originator_version, first.topic,
                            first.state)  # fmt: skip
    report = app.verify_integrity(views=False)
    found = report.first(FindingKind.ALTERED)
    assert found is not None, report.findings
    assert found.notification_id == a + 1
    app.close()
