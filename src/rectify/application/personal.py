"""Forgetting a person: their key deleted, their name redacted wherever it is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from eventsourcing.application import AggregateNotFoundError

from rectify.adapters.personal import PersonalCipher
from rectify.application.integrity import IntegrityService
from rectify.application.plumbing import check_actor, check_text
from rectify.domain.personal import (
    FORGETTING_ID,
    PersonalData,
    actor_subject,
    name_lookup,
)
from rectify.domain.values import Actor, Role
from rectify.errors import InvalidCommand, PermissionDenied


@dataclass(frozen=True)
class Forgetting:
    """What :meth:`PersonalDataService.forget_person` did: the subjects whose keys it deleted
    now (an actor as ``actor:<id>``, a person only named as the random id their name was sealed
    under; not those forgotten before), and how many events the views were rebuilt from."""

    subjects: tuple[str, ...]
    rebuilt_from: int

    @property
    def forgotten(self) -> int:
        return len(self.subjects)


class PersonalDataService(IntegrityService):
    """Personal data: names are stored encrypted per person; a person can be forgotten."""

    def forget_person(
        self,
        *,
        actor: Actor,
        actor_id: str | None = None,
        name: str | None = None,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> Forgetting:
        """Forget a person (crypto-shredding): the one who acts as ``actor_id``, and/or the one
        named ``name`` (as responsible person or mentor). Their keys are deleted for good, so
        every name of theirs the events hold reads as ``[已刪除]`` from now on, in the views
        (rebuilt here), exports and audit trails; anything recorded of them later is stored
        redacted. The events themselves are not touched: the history still replays and
        verifies. Recorded as an event (who forgot, when, which subjects). ADMIN only.

        Names recorded before names were encrypted (stores of rectify 0.1) stay readable in
        those events: they cannot be shredded without rewriting history."""
        checked = check_actor(actor)
        if checked is None:
            raise InvalidCommand("actor", "who forgets is required")
        if not checked.has(Role.ADMIN):
            raise PermissionDenied(checked.id, "forget_person", "only an ADMIN may forget a person")
        lookups = []
        if actor_id is not None:
            lookups.append(actor_subject(check_text(actor_id, "actor_id").strip()))
        if name is not None:
            lookups.append(name_lookup(check_text(name, "name")))
        if not lookups or any(s in ("actor:", name_lookup("")) for s in lookups):
            raise InvalidCommand("actor_id", "name the person: an actor_id, a name, or both")
        day = self._as_of(on)
        if day > self.today():
            raise InvalidCommand("on", f"business date {day} is in the future")
        if command_id is not None:
            check_text(command_id, "command_id")
        personal = getattr(self.mapper, "personal", None)
        if not isinstance(personal, PersonalCipher):
            raise InvalidCommand("actor_id", "this store keeps no personal keys to delete")
        subjects = personal.forget(lookups)  # first: the part that cannot wait
        try:
            record: PersonalData = self.repository.get(FORGETTING_ID)
        except AggregateNotFoundError:
            record = PersonalData.start(actor=checked, on=day, command_id=None)
        if subjects and (command_id is None or command_id not in record.command_ids):
            record.forget(
                subjects=tuple(subjects),
                actor=checked,
                on=max(day, record.last_on),
                command_id=command_id,
            )
            self._save(record, command_id=command_id)
        self.projector.recent.clear()  # aggregates read with the names still open
        rebuilt = self.rebuild_views()
        return Forgetting(tuple(subjects), rebuilt)
