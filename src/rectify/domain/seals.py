"""Checkpoints of the log, and what a check of a history found.

Every stored event is chained when it is written (see :mod:`rectify.adapters.chain`): a digest
over its stored form and the digest of the previous event of its aggregate, and a running digest
of the whole log up to it. A :class:`LogSeal` records checkpoints of that running digest as
events of their own, so a history shortened at its end, or rewritten with every chain computed
again, no longer matches what was sealed.

:class:`IntegrityReport` is what :meth:`rectify.RectificationApp.verify_integrity` returns: the
facts of the history checked and a :class:`Finding` for each thing that is not as it was recorded,
naming the first event affected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

SEAL_ID: UUID = uuid5(NAMESPACE_URL, "urn:rectify:log-seal")
"""The one stream of checkpoints of a store."""


class LogSeal(Aggregate):
    """The checkpoints of a store's log: each seals every event up to a notification id."""

    class Event(Aggregate.Event):
        on: date

    class Started(Event, Aggregate.Created):
        pass

    class Sealed(Event):
        """The log up to and including notification ``up_to`` had running digest ``digest``
        (hexadecimal SHA-256); ``adopted_up_to`` is set when events up to it were written before
        chaining and were sealed as found."""

        up_to: int
        digest: str
        adopted_up_to: int | None

    @staticmethod
    def create_id(**_: object) -> UUID:
        return SEAL_ID

    @classmethod
    def start(cls, on: date) -> LogSeal:
        return cls._create(cls.Started, id=SEAL_ID, on=on)

    def __init__(self, on: date) -> None:
        self.last_up_to = 0

    @event(Sealed)
    def seal(self, up_to: int, digest: str, adopted_up_to: int | None, on: date) -> None:
        self.last_up_to = up_to


class FindingKind(StrEnum):
    """What a finding of a check is."""

    ALTERED = "altered"
    """An event's stored topic or state (or its place in its stream) is not what was chained:
    a changed byte, or two events swapped."""
    DELETED = "deleted"
    """An event that was recorded is gone: from the middle or end of a stream, or of the log."""
    INSERTED = "inserted"
    """An event is stored that was not chained when recorded: forged, or written behind
    rectify's back."""
    CHAIN = "chain"
    """The running digest of the log does not follow from one event to the next: events were
    removed or reordered there, or the chain itself was edited."""
    CHECKPOINT = "checkpoint"
    """A checkpoint does not match the log it sealed."""
    EXPECTED = "expected"
    """The digest a reader kept does not seal this history."""
    VIEWS = "views"
    """The views (ledger, audit trail, records) differ from what the history gives."""


@dataclass(frozen=True)
class Finding:
    """One thing a check found wrong, naming the first event affected where one is known."""

    kind: FindingKind
    message: str
    originator_id: UUID | None = None
    version: int | None = None
    notification_id: int | None = None

    def __str__(self) -> str:
        where = []
        if self.notification_id is not None:
            where.append(f"event {self.notification_id}")
        if self.originator_id is not None:
            where.append(f"of {self.originator_id}")
        if self.version is not None:
            where.append(f"version {self.version}")
        place = f" [{' '.join(where)}]" if where else ""
        return f"{self.kind.value}{place}: {self.message}"


@dataclass(frozen=True)
class Checkpoint:
    """A point of the log and the running digest sealing every event up to it."""

    up_to: int
    digest: str

    def __str__(self) -> str:
        return f"{self.digest} (events up to {self.up_to})"


@dataclass(frozen=True)
class IntegrityReport:
    """What :meth:`~rectify.RectificationApp.verify_integrity` found.

    ``intact`` is true when there are no ``findings``. ``head`` is the running digest after the
    last event (keep it to prove later that this history was not rewritten: ``rectify verify
    --expect``); ``checkpoints`` how many checkpoints were checked, ``latest_checkpoint`` the
    newest; ``adopted_up_to`` the last event written before chaining (sealed as found, on
    ``adopted_at``), if any; ``unsealed`` how many events follow the latest checkpoint;
    ``views_checked`` whether the views were compared with a replay (up to ``views_position``).
    """

    events: int
    head: Checkpoint | None
    checkpoints: int
    latest_checkpoint: Checkpoint | None
    unsealed: int
    adopted_up_to: int | None = None
    adopted_at: str | None = None
    views_checked: bool = False
    views_position: int = 0
    sealed_now: Checkpoint | None = None
    findings: tuple[Finding, ...] = field(default=())

    @property
    def intact(self) -> bool:
        return not self.findings

    def first(self, kind: FindingKind) -> Finding | None:
        """The first finding of ``kind``, if any."""
        return next((f for f in self.findings if f.kind is kind), None)
