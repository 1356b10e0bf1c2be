"""The pydantic mapper (exact round trips, upcasting, unreadable history) and store URLs."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from rectify import Actor, Role, Severity, Source
from rectify.adapters.persistence import PydanticMapper, env_for_url
from rectify.errors import IntegrityError, InvalidCommand


class Toy(Aggregate):
    class Happened(Aggregate.Event):
        """Version 2 added ``weight``; version 1 events are upcast with weight 1."""

        class_version = 2
        on: date
        weight: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["weight"] = 1

    @event("Made")
    def __init__(self) -> None:
        self.weights: list[int] = []

    @event(Happened)
    def happen(self, on: date, weight: int) -> None:
        self.weights.append(weight)


def mapper() -> PydanticMapper:
    return PydanticMapper(transcoder=JSONTranscoder())


def test_a_version_1_event_is_upcast_on_read() -> None:
    toy = Toy()
    toy.happen(on=date(2019, 6, 1), weight=5)
    _made, happened = toy.collect_events()
    stored = mapper().to_stored_event(happened)
    assert json.loads(stored.state)["class_version"] == 2
    assert mapper().to_domain_event(stored) == happened
    # the same event as a version-1 writer stored it: no weight, no class_version
    old_state = json.loads(stored.state)
    del old_state["weight"], old_state["class_version"]
    old = StoredEvent(
        stored.originator_id,
        stored.originator_version,
        stored.topic,
        json.dumps(old_state).encode(),
    )
    upcast = mapper().to_domain_event(old)
    assert isinstance(upcast, Toy.Happened) and upcast.weight == 1 and upcast.on == date(2019, 6, 1)


@pytest.mark.parametrize(
    "state",
    [
        b"not json",
        b'{"on": "2019-02-30", "weight": 1, "timestamp": "2019-01-01T00:00:00+00:00"}',
        b"{}",
    ],
)
def test_unreadable_history_raises_integrity_error(state: bytes) -> None:
    topic = mapper().to_stored_event(_one_event()).topic
    with pytest.raises(IntegrityError, match="cannot be read"):
        mapper().to_domain_event(StoredEvent(uuid4(), 2, topic, state))


def test_an_unknown_topic_raises_integrity_error() -> None:
    with pytest.raises(IntegrityError):
        mapper().to_domain_event(StoredEvent(uuid4(), 1, "nowhere:Nothing", b"{}"))


def _one_event() -> Any:
    toy = Toy()
    toy.happen(on=date(2019, 6, 1), weight=2)
    return toy.collect_events()[1]


@settings(max_examples=200, deadline=None)
@given(
    roles=st.frozensets(st.sampled_from(list(Role))),
    source=st.sampled_from(list(Source)),
    severity=st.sampled_from(list(Severity)),
    on=st.dates(),
    text=st.text(max_size=30),
    measures=st.lists(st.text(min_size=1, max_size=8), max_size=4).map(tuple),
    branch=st.none() | st.uuids(),
)
def test_every_issue_value_round_trips_exactly(
    roles: frozenset[Role],
    source: Source,
    severity: Severity,
    on: date,
    text: str,
    measures: tuple[str, ...],
    branch: UUID | None,
) -> None:
    from rectify import Issue
    from rectify.domain.values import replace_unholdable

    # An actor refuses what no store can hold; the events themselves round-trip any text (a store
    # written before that refusal may hold it).
    actor = Actor("a", replace_unholdable(text), "u", roles | {Role.ADMIN})
    issue = Issue(
        actor=actor,
        on=on,
        command_id=None,
        workflow="issue/1",
        title="t",
        description=text,
        unit="u",
        source=source,
        category=None,
        severity=severity,
        branch_id=branch,
        remarks=text,
    )
    issue._assigned(
        actor=actor,
        on=on,
        command_id="k",
        unit="u",
        person=text or "p",
        deadline=on,
        measures=measures,
    )
    for e in issue.collect_events():
        back = mapper().to_domain_event(mapper().to_stored_event(e))
        assert back == e
        assert type(back) is type(e)
        assert vars(back).keys() == vars(e).keys()
        for k, v in vars(e).items():
            assert type(getattr(back, k)) is type(v), k


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("memory://", {"PERSISTENCE_MODULE": "eventsourcing.popo"}),
        (
            "sqlite:///ledger.db",
            {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": "ledger.db"},
        ),
        ("sqlite:////tmp/x/ledger.db", {"SQLITE_DBNAME": "/tmp/x/ledger.db"}),
        (
            "postgresql://alice:s%40cret@db.example:6543/ledger?schema=s1",
            {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_HOST": "db.example",
                "POSTGRES_PORT": "6543",
                "POSTGRES_USER": "alice",
                "POSTGRES_PASSWORD": "s@cret",
                "POSTGRES_DBNAME": "ledger",
                "POSTGRES_SCHEMA": "s1",
            },
        ),
        ("postgres://bob@localhost/test", {"POSTGRES_PORT": "5432", "POSTGRES_USER": "bob"}),
    ],
)
def test_store_urls(url: str, expected: dict[str, str]) -> None:
    env = env_for_url(url)
    assert {k: env[k] for k in expected} == expected


@pytest.mark.parametrize(
    "url", ["mysql://x/y", "sqlite://ledger.db", "postgresql:///nodb", "ledger.db"]
)
def test_bad_store_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        env_for_url(url)
    assert refused.value.field == "url"
