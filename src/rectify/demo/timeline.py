"""Dated commands of many aggregates, played in business-date order: the demo's runner core.

Every command is planned with its business date and its idempotency key; an aggregate a command
creates is found by later commands through the key that created it (:class:`Ids`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from rich.progress import Progress

    from rectify.application import RectificationApp

Action = Callable[["RectificationApp"], object]
Ref = Callable[["RectificationApp"], UUID]
"""How a command finds the aggregate it acts on when it runs (its id may come from an earlier
command of the same timeline)."""


@dataclass(order=True)
class _Step:
    on: date
    seq: int
    action: Action = field(compare=False)


class Ids(dict[str, UUID]):
    """The ids of the aggregates a timeline created, by the idempotency key that created them."""

    def ref(self, key: str) -> Ref:
        return lambda app: self[key]


class Timeline:
    """Commands of many aggregates, played in business-date order (then in the order planned).

    Each aggregate's own commands are planned in date order, so playing the whole timeline by
    date keeps every aggregate's dates from going backwards."""

    def __init__(self) -> None:
        self.steps: list[_Step] = []

    def __len__(self) -> int:
        return len(self.steps)

    def at(self, on: date, action: Action) -> None:
        """Plan ``action`` on business date ``on``."""
        self.steps.append(_Step(on, len(self.steps), action))

    def command(self, on: date, method: str, ref: Ref, key: str, **fields: Any) -> None:
        """Plan ``app.<method>(ref(app), on=on, command_id=key, **fields)`` on ``on``; every
        argument is bound now, when planned."""

        def act(app: RectificationApp) -> None:
            getattr(app, method)(ref(app), on=on, command_id=key, **fields)

        self.at(on, act)

    def create(
        self,
        on: date,
        method: str,
        key: str,
        *,
        ids: Ids | None = None,
        into: list[UUID] | None = None,
        refs: Mapping[str, Callable[[RectificationApp], object]] | None = None,
        **fields: Any,
    ) -> None:
        """Plan ``app.<method>(on=on, command_id=key, **fields)``, a command that creates an
        aggregate: its id is kept in ``ids`` under ``key`` and appended to ``into``. ``refs``
        are fields found when the command runs (the id of an aggregate created earlier)."""

        def act(app: RectificationApp) -> None:
            found = {name: ref(app) for name, ref in (refs or {}).items()}
            created = getattr(app, method)(on=on, command_id=key, **fields, **found)
            if ids is not None:
                ids[key] = created
            if into is not None:
                into.append(created)

        self.at(on, act)

    def play(
        self, app: RectificationApp, progress: Progress | None = None, description: str = ""
    ) -> None:
        """Run every step in date order, advancing a bar on ``progress`` if given."""
        task = progress.add_task(description, total=len(self.steps)) if progress else None
        for step in sorted(self.steps):
            step.action(app)
            if progress is not None and task is not None:
                progress.advance(task)
