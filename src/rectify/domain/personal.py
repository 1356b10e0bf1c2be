"""Personal data in events: which fields hold it, whose it is, and forgetting a person.

Names of people are personal data: an actor's name, the responsible person (責任人) an issue is
assigned to, a branch's mentors (雙掛). They are the fields :data:`PERSONAL_FIELDS` declares, the
one list of them; the mapper (:mod:`rectify.adapters.personal`) stores each encrypted with a key
of its own person (its *subject*), held apart from the events. Forgetting a person deletes their
key: the events stay as they were stored (the history still replays and verifies), and the field
reads as :data:`REDACTED` wherever it is shown.

A person is found by a *lookup*: their actor id when they act (``actor:<id>``; the id stays in
the events, so actor ids should be opaque, never a name), or the digest of their name when they
are only named (``name:<digest>``). Each person's fields are sealed under a *subject*: for an
actor, their lookup; for a person only named, a random id the key store gives the lookup when the
name is first seen. Forgetting a named person deletes their key and the row that links their name
to that id, so nothing in the events (random ids and ciphertext) leads back to the name.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from rectify.domain.checked import CommandEvent
from rectify.domain.values import Actor

REDACTED = "[已刪除]"
"""What a forgotten person's name reads as."""


def actor_subject(actor_id: str) -> str:
    """The subject of a person who acts: their actor id (pseudonymous already)."""
    return f"actor:{actor_id}"


def name_lookup(name: str) -> str:
    """How a person known only by name is looked up (the name normalised, then digested); the
    key store links it to the person's random subject until they are forgotten."""
    normal = unicodedata.normalize("NFKC", name).strip()
    return "name:" + hashlib.sha256(normal.encode()).hexdigest()


@dataclass(frozen=True)
class PersonalField:
    """A field of events holding a person's name.

    ``field`` is the event's field; ``inner`` the key of the name within its value (an actor's
    ``name``), or None when the field is the name itself; ``many`` when it is a sequence of
    such values; ``lookup`` finds the person from the value (before it is encrypted)."""

    field: str
    inner: str | None
    many: bool
    lookup: Callable[[Any], str]


PERSONAL_FIELDS: tuple[PersonalField, ...] = (
    PersonalField("actor", "name", False, lambda actor: actor_subject(str(actor["id"]))),
    PersonalField("person", None, False, lambda name: name_lookup(str(name))),
    PersonalField("mentors", "name", True, lambda mentor: name_lookup(str(mentor["name"]))),
)
"""Every field of every event that holds a person's name: the one declaration of them."""

FORGETTING_ID: UUID = uuid5(NAMESPACE_URL, "urn:rectify:personal-data")
"""The one stream recording who was forgotten, when, by whom."""


class PersonalData(Aggregate):
    """The record of forgetting: each event names the subjects whose keys were deleted."""

    class Event(CommandEvent):
        pass

    class Started(Event, Aggregate.Created):
        pass

    class Forgotten(Event):
        """The keys of ``subjects`` were deleted: their names read as redacted from now on
        (actors by their id; persons only named by the random id their name was sealed under,
        never the name or its digest)."""

        subjects: tuple[str, ...]

    @staticmethod
    def create_id(**_: object) -> UUID:
        return FORGETTING_ID

    @classmethod
    def start(cls, actor: Actor, on: date, command_id: str | None) -> PersonalData:
        return cls._create(cls.Started, id=FORGETTING_ID, actor=actor, on=on, command_id=command_id)

    def __init__(self, actor: Actor, on: date, command_id: str | None) -> None:
        self.forgotten: set[str] = set()
        self.command_ids: set[str] = set()
        self.last_on = on

    @event(Forgotten)
    def forget(
        self, subjects: tuple[str, ...], actor: Actor, on: date, command_id: str | None
    ) -> None:
        self.forgotten.update(subjects)
        self.last_on = on
        if command_id is not None:
            self.command_ids.add(command_id)
