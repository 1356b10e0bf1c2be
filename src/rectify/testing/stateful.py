"""A hypothesis state machine that drives rectify with random commands by random actors.

Subclass :class:`IssueWorkflowMachine` to run it against your own store (override ``make_app``) or
to add rules of your own; its ``TestCase`` runs under pytest or unittest::

    class TestOnSQLite(IssueWorkflowMachine):
        def make_app(self):
            return rectify.connect(f"sqlite:///{tmp}/x.db", today=lambda: self.TODAY)

    TestCase = TestOnSQLite.TestCase

After every step it checks the invariant catalogue (:mod:`rectify.testing.invariants`) on the
issue the step touched: a refused command changed nothing; every close-out follows a verification
made after the last rectification; nobody accepted their own unit's work; the aggregate rebuilt from
the stored events equals the one saved from memory; ``get_issue(as_of=D)`` equals a replay up to D;
and (a rule of its own) ``ledger(as_of=D, known_at=K)`` and the figures equal a from-scratch replay.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from hypothesis import assume, event
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from rectify.application import RectificationApp, connect
from rectify.domain.issue import Issue
from rectify.errors import PermissionDenied, RectifyError, TransitionNotAllowed
from rectify.testing import invariants as inv
from rectify.testing.strategies import ACTORS, actors, command_args, record_args

TRIGGERS = (
    "assign",
    "rectify_on_the_spot",
    "treat_centrally",
    "submit_rectification",
    "verify",
    "reject",
    "close_out",
    "reopen",
    "extend_deadline",
    "withdraw",
    "report_progress",
)


class IssueWorkflowMachine(RuleBasedStateMachine):
    """Random valid and invalid commands against one application; invariants after every step."""

    START = date(2030, 1, 1)
    TODAY = date(2031, 12, 31)

    issues = Bundle("issues")

    def __init__(self) -> None:
        super().__init__()
        self.day = self.START
        self.saved: dict[UUID, Issue] = {}
        self.touched: set[UUID] = set()
        self.last_call: tuple[str, UUID, dict[str, Any]] | None = None
        self.app = self.make_app()
        self._capture_saves()

    def make_app(self) -> RectificationApp:
        """The application under test (memory by default; override for other stores)."""
        return connect("memory://", today=lambda: self.TODAY)

    def _capture_saves(self) -> None:
        # Keep the aggregate the application saved from memory, to compare with a rebuild.
        save = self.app.save

        def capturing_save(*objs: Any, **kwargs: Any) -> Any:
            recordings = save(*objs, **kwargs)
            for obj in objs:
                if isinstance(obj, Issue):
                    self.saved[obj.id] = obj
                    self.touched.add(obj.id)
            return recordings

        setattr(self.app, "save", capturing_save)  # noqa: B010 - instance-level wrap

    def teardown(self) -> None:
        self.app.close()

    # ------------------------------------------------------------------ rules

    @rule(days=st.integers(0, 20))
    def advance_the_calendar(self, days: int) -> None:
        self.day += timedelta(days=days)

    @rule(target=issues, actor=actors(), args=record_args(), back=st.sampled_from([0, 0, 0, 2]))
    def record_issue(self, actor: Any, args: dict[str, Any], back: int) -> Any:
        before = inv.snapshot(self.app, (), self.TODAY)
        try:
            issue_id = self.app.record_issue(
                actor=actor, on=self.day - timedelta(days=back), **args
            )
        except RectifyError:
            inv.refused_command_changed_nothing(before, inv.snapshot(self.app, (), self.TODAY))
            return multiple()
        return issue_id

    @rule(issue_id=issues, trigger=st.sampled_from(TRIGGERS), actor=actors(), data=st.data())
    def any_command(self, issue_id: UUID, trigger: str, actor: Any, data: st.DataObject) -> None:
        """Any command by anyone, with arguments that may be bad: mostly refused."""
        deadline = self.app.get_issue(issue_id, as_of=self.TODAY).deadline
        on = data.draw(st.sampled_from([self.day, self.day, self.day - timedelta(days=3)]))
        args = data.draw(command_args(trigger, on, deadline))
        self._attempt(issue_id, trigger, actor, on, args)

    @rule(issue_id=issues, data=st.data())
    def allowed_command(self, issue_id: UUID, data: st.DataObject) -> None:
        """A command the workflow allows now, by an actor allowed to give it, with good arguments."""
        choices = [(a, t) for a in ACTORS for t in self.app.allowed_actions(issue_id, a)]
        assume(choices)
        # Withdrawal ends a history early; mostly prefer the steps that carry an issue forward.
        onward = [(a, t) for a, t in choices if t != "withdraw"]
        if onward and data.draw(st.integers(0, 9), label="prefer onward") > 0:
            choices = onward
        actor, trigger = data.draw(st.sampled_from(choices))
        deadline = self.app.get_issue(issue_id, as_of=self.TODAY).deadline
        args = data.draw(command_args(trigger, self.day, deadline, valid=True))
        self._attempt(issue_id, trigger, actor, self.day, args, expect_success=True)

    @rule(data=st.data())
    def repeat_last_command(self, data: st.DataObject) -> None:
        """The same idempotency key again records nothing, whatever happened since."""
        assume(self.last_call is not None)
        assert self.last_call is not None
        trigger, issue_id, kwargs = self.last_call
        before = inv.snapshot(self.app, [issue_id], self.TODAY)
        getattr(self.app, trigger)(issue_id, **kwargs)
        inv.refused_command_changed_nothing(before, inv.snapshot(self.app, [issue_id], self.TODAY))

    @rule(days=st.integers(-5, 500), known=st.none() | st.floats(0, 1))
    def time_travel(self, days: int, known: float | None) -> None:
        """The ledger on a random date, as known at a random point of the log, equals a replay."""
        log = inv.logged_events(self.app)
        position = None
        if known is not None and log:
            position = log[int(known * (len(log) - 1))][0]
        inv.ledger_equals_replay(self.app, self.START + timedelta(days=days), position, log)

    def _attempt(
        self,
        issue_id: UUID,
        trigger: str,
        actor: Any,
        on: date,
        args: dict[str, Any],
        *,
        expect_success: bool = False,
    ) -> None:
        before = inv.snapshot(self.app, [issue_id], self.TODAY)
        allowed = trigger in self.app.allowed_actions(issue_id, actor)
        key = f"k{before.max_notification_id}-{trigger}"
        kwargs = {"actor": actor, "on": on, "command_id": key, **args}
        try:
            getattr(self.app, trigger)(issue_id, **kwargs)
        except (TransitionNotAllowed, PermissionDenied) as e:
            event(f"{trigger}: refused ({type(e).__name__})")
            assert not allowed, f"{trigger} by {actor.id} refused, yet allowed_actions offered it"
            assert not expect_success
            inv.refused_command_changed_nothing(
                before, inv.snapshot(self.app, [issue_id], self.TODAY)
            )
        except RectifyError as e:
            event(f"{trigger}: refused ({type(e).__name__})")
            assert not expect_success
            inv.refused_command_changed_nothing(
                before, inv.snapshot(self.app, [issue_id], self.TODAY)
            )
        else:
            event(f"{trigger}: accepted")
            assert allowed, f"{trigger} by {actor.id} succeeded, yet allowed_actions refused it"
            self.last_call = (trigger, issue_id, kwargs)

    # ------------------------------------------------------------------ invariants

    @invariant()
    def catalogue_holds_for_what_changed(self) -> None:
        for issue_id in self.touched:
            inv.check_issue(self.app, issue_id)
            inv.rebuilt_equals_saved(self.saved[issue_id], self.app.repository.get(issue_id))
        self.touched.clear()
