"""RectificationApp: commands in, events saved, queries out; and :func:`connect`."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any
from uuid import UUID

from rectify.adapters.persistence import env_for_url
from rectify.adapters.store_access import opening, typed_failures
from rectify.application.exports import ExportService
from rectify.application.what_if import WhatIfService, as_policy
from rectify.domain.commands import Command
from rectify.domain.deadlines import NO_POLICY, DeadlinePolicy
from rectify.errors import InvalidCommand


@typed_failures
class RectificationApp(WhatIfService, ExportService):
    """The rectification ledger as an eventsourcing application.

    Build one with :func:`rectify.connect`. ``today`` is the clock for default business dates
    (``on=``) and for refusing dates in the future; pass your own to replay or test.

    Its methods come from one service per concern (:mod:`rectify.application.plumbing`,
    ``branches``, ``policies``, ``queries``, ``issues``, ``lists``, ``imports``, ``integrity``,
    ``personal``, ``what_if``), each building on the one before, so each is read and typed on its own.
    ``exports`` (the ledger out to Excel or CSV) builds on ``personal`` beside ``what_if``.
    """

    name = "rectify"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        today: Callable[[], date] = date.today,
        catch_up: bool = True,
    ) -> None:
        super().__init__(env, today=today, catch_up=catch_up)
        if catch_up:
            self.run_policies()

    def handle(self, command: Command, target: UUID | str | None = None) -> Any:
        """Give a typed command (one of :mod:`rectify.domain.commands`, already validated) to
        ``target`` (the issue, branch or round it acts on; none for the commands that create).
        The keyword methods (``assign``, ``rate_branch`` …) are the same commands by name;
        this is the one entry a system holding commands as data uses."""
        if not isinstance(command, Command):
            msg = f"a command of rectify.domain.commands, not a {type(command).__name__}"
            raise InvalidCommand("command", msg)
        method = getattr(self, command.command, None)
        if method is None:
            msg = f"{command.command} is given by a policy, not through the application"
            raise InvalidCommand("command", msg)
        takes_target = _takes_target(method)
        if takes_target != (target is not None):
            needs = f"the {command.aggregate} it acts on" if takes_target else "no target"
            raise InvalidCommand("target", f"{command.command} needs {needs}")
        held = vars(command)  # a command built without validation may lack a field
        missing = [name for name in type(command).model_fields if name not in held]
        if missing:
            msg = "missing: the command was built without validation (model_construct)"
            errors = [{"field": name, "message": msg} for name in missing]
            raise InvalidCommand(missing[0], msg, errors)
        fields = {name: held[name] for name in type(command).model_fields}
        return method(target, **fields) if takes_target else method(**fields)


def _takes_target(method: Any) -> bool:
    """Whether an application command method acts on an aggregate given first (an issue id)."""
    first = next(iter(inspect.signature(method).parameters.values()), None)
    return first is not None and first.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD


def connect(
    url: str = "sqlite:///rectify.db",
    *,
    today: Callable[[], date] = date.today,
    catch_up: bool = True,
    create: bool = True,
    deadline_policy: DeadlinePolicy | Mapping[str, Any] | None = None,
) -> RectificationApp:
    """Open the ledger at ``url``: ``memory://``, ``sqlite:///path.db`` or
    ``postgresql://user@host:port/dbname`` (``?schema=name`` to keep it in its own schema;
    ``connect_timeout`` and ``lock_timeout`` in seconds, 5 and 10 by default).

    ``today`` is the clock for default business dates. With ``catch_up=False`` queries read the
    views as they stand, for deployments where ``rectify project --follow`` keeps them current.
    With ``create=False`` a store that does not exist raises :class:`~rectify.errors.NotFound`
    rather than being made (for reading). A store that cannot be reached or opened raises
    :class:`~rectify.errors.StoreUnavailable` within seconds.

    ``deadline_policy`` (a :class:`~rectify.domain.deadlines.DeadlinePolicy`, or the same as
    data: ``{"by_severity": {"嚴重": "10 working days"}}``) gives deadlines to assignments made
    without one.
    """
    if not isinstance(url, str):
        raise InvalidCommand("url", f"a store URL is text, not a {type(url).__name__}")
    policy = NO_POLICY if deadline_policy is None else as_policy(deadline_policy, "deadline_policy")
    env = env_for_url(url)
    with opening(env, url, create=create):  # held only while the tables are made
        app = RectificationApp(env, today=today, catch_up=False)
        app.deadline_policy = policy
        try:
            # A store written before chaining is chained as found now, once, outside any
            # write of a command (a large one takes a while).
            adopt = getattr(app.recorder, "adopt", None)
            if adopt is not None:
                adopt()
        except BaseException:
            app.close()
            raise
    if catch_up:
        app.catches_up = True
        try:
            app.run_policies()
        except BaseException:
            app.close()
            raise
    return app
