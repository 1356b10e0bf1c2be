"""A hypothesis state machine that drives rectify with random commands by random actors.

Subclass :class:`IssueWorkflowMachine` to run it against your own store (override ``make_app``), to
drive a workflow of your own (set ``WORKFLOW`` to its registered key) or to add rules and
invariants of your own; its ``TestCase`` runs under pytest or unittest::

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
from typing import Any, ClassVar
from uuid import UUID

from hypothesis import assume, event
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from rectify.application import RectificationApp, connect
from rectify.domain.branch import Branch
from rectify.domain.commands import COMMANDS, command_for
from rectify.domain.issue import Issue
from rectify.domain.values import OPEN_STATUSES
from rectify.errors import OpenIssuesRemain, PermissionDenied, RectifyError, TransitionNotAllowed
from rectify.testing import invariants as inv
from rectify.testing.strategies import (
    ACTORS,
    BRANCH_ACTIONS,
    UNITS,
    actors,
    branch_args,
    command_args,
    record_args,
)

TRIGGERS = tuple(
    c.command for c in COMMANDS.values() if c.aggregate == "issue" and c.trigger != "record"
)
"""Every issue command but recording, derived from the command declarations."""


class IssueWorkflowMachine(RuleBasedStateMachine):
    """Random valid and invalid commands against one application; invariants after every step."""

    START = date(2030, 1, 1)
    TODAY = date(2031, 12, 31)
    WORKFLOW: ClassVar[str | None] = None
    """The key of the issue workflow the machine records its issues under (None: the current
    one). Register a workflow of one's own (``rectify.domain.workflows.register_workflow``)
    and name it here: the machine then drives it, checking the same catalogue."""

    issues = Bundle("issues")
    branches = Bundle("branches")

    def __init__(self) -> None:
        super().__init__()
        self.day = self.START
        self.saved: dict[UUID, Issue] = {}
        self.touched: set[UUID] = set()
        self.touched_branches: set[UUID] = set()
        self.saved_branches: dict[UUID, Branch] = {}
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
                elif isinstance(obj, Branch):
                    self.saved_branches[obj.id] = obj
                    self.touched_branches.add(obj.id)
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
                actor=actor, on=self.day - timedelta(days=back), workflow=self.WORKFLOW, **args
            )
        except RectifyError:
            inv.refused_command_changed_nothing(before, inv.snapshot(self.app, (), self.TODAY))
            return multiple()
        return issue_id

    @rule(target=issues, branch_id=branches, actor=actors(), args=record_args())
    def record_issue_of_a_branch(self, branch_id: UUID, actor: Any, args: dict[str, Any]) -> Any:
        """A problem found in a branch: the issue and the branch's link are saved together."""
        before = inv.snapshot(self.app, (), self.TODAY, [branch_id])
        try:
            issue_id = self.app.record_issue(
                actor=actor, on=self.day, branch_id=branch_id, workflow=self.WORKFLOW, **args
            )
        except RectifyError:
            after = inv.snapshot(self.app, (), self.TODAY, [branch_id])
            inv.refused_command_changed_nothing(before, after)
            return multiple()
        return issue_id

    @rule(issue_id=issues, trigger=st.sampled_from(TRIGGERS), actor=actors(), data=st.data())
    def any_command(self, issue_id: UUID, trigger: str, actor: Any, data: st.DataObject) -> None:
        """Any command by anyone, with arguments that may be bad: mostly refused."""
        view = self.app.get_issue(issue_id, as_of=self.TODAY)
        on = data.draw(st.sampled_from([self.day, self.day, self.day - timedelta(days=3)]))
        args = data.draw(
            command_args(
                trigger, on, view.deadline, measures=len(view.measures), branches=self.known
            )
        )
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
        actor, step = data.draw(st.sampled_from(choices))
        trigger = command_for("issue", step).command  # the command giving the step
        view = self.app.get_issue(issue_id, as_of=self.TODAY)
        args: dict[str, Any]
        if trigger == "complete_measure":
            args = {"measure": data.draw(st.sampled_from(view.open_measures))}
        elif trigger == "link_issue":
            assume(self.known)
            choice = data.draw(st.sampled_from(self.known))
            assume(view.branch_id in (None, choice))
            args = {"branch_id": choice}
        else:
            args = data.draw(command_args(trigger, self.day, view.deadline, valid=True))
        self._attempt(issue_id, trigger, actor, self.day, args, expect_success=True)

    # ------------------------------------------------------------------ branches

    @property
    def known(self) -> list[UUID]:
        return sorted(self.saved_branches)

    @rule(
        target=branches,
        actor=actors(),
        code=st.sampled_from(["B-1", "B-2", "B-3"]),
        unit=st.sampled_from(UNITS),
    )
    def register_branch(self, actor: Any, code: str, unit: str) -> Any:
        """A branch; its code registered twice is refused (AlreadyExists) and records nothing."""
        before = inv.snapshot(self.app, (), self.TODAY)
        try:
            branch_id = self.app.register_branch(
                actor=actor, code=code, name=f"{code}支部", unit=unit, on=self.day
            )
        except RectifyError as e:
            event(f"register_branch: refused ({type(e).__name__})")
            inv.refused_command_changed_nothing(before, inv.snapshot(self.app, (), self.TODAY))
            return multiple()
        return branch_id

    @rule(
        branch_id=branches, action=st.sampled_from(BRANCH_ACTIONS), actor=actors(), data=st.data()
    )
    def any_branch_command(
        self, branch_id: UUID, action: str, actor: Any, data: st.DataObject
    ) -> None:
        """Any branch command by anyone, arguments possibly bad (a third mentor, say)."""
        unit = self.app.get_branch(branch_id).unit
        args = data.draw(branch_args(action, self.day, unit))
        self._attempt_branch(branch_id, action, actor, args)

    @rule(branch_id=branches, data=st.data())
    def allowed_branch_command(self, branch_id: UUID, data: st.DataObject) -> None:
        """A branch command the workflow allows now, by an actor allowed to give it."""
        choices = [
            (a, command_for("branch", t).command)
            for a in ACTORS
            for t in self.app.allowed_branch_actions(branch_id, a)
            if t not in ("link_issue", "mark_ready")  # given with another command; the policy's
        ]
        assume(choices)
        actor, action = data.draw(st.sampled_from(choices))
        unit = self.app.get_branch(branch_id).unit
        args = data.draw(branch_args(action, self.day, unit, valid=True))
        self._attempt_branch(branch_id, action, actor, args)

    def _attempt_branch(
        self, branch_id: UUID, action: str, actor: Any, args: dict[str, Any]
    ) -> None:
        linked = self.app.get_branch(branch_id).issues
        before = inv.snapshot(self.app, linked, self.TODAY, [branch_id])
        still_open = [i for i in linked if self.app.get_issue(i).status in OPEN_STATUSES]
        try:
            getattr(self.app, action)(branch_id, actor=actor, on=self.day, **args)
        except OpenIssuesRemain as e:
            event(f"{action}: refused (open issues)")
            if not still_open or set(e.open_issues) != set(still_open):
                msg = f"OpenIssuesRemain lists {e.open_issues}, the open ones are {still_open}"
                raise inv.InvariantViolation(msg) from e
            inv.refused_command_changed_nothing(
                before, inv.snapshot(self.app, linked, self.TODAY, [branch_id])
            )
        except RectifyError as e:
            event(f"{action}: refused ({type(e).__name__})")
            inv.refused_command_changed_nothing(
                before, inv.snapshot(self.app, linked, self.TODAY, [branch_id])
            )
        else:
            event(f"{action}: accepted")
            if action == "delist":
                assert not still_open, f"delisted with open issues {still_open}"

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
        allowed = COMMANDS[trigger].trigger in self.app.allowed_actions(issue_id, actor)
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
        # A closing may make a branch ready: look at every branch whose issues were touched.
        for branch_id in self.saved_branches:
            inv.check_branch(self.app, branch_id)
            if branch_id in self.touched_branches:
                inv.rebuilt_equals_saved(
                    self.saved_branches[branch_id],  # type: ignore[arg-type]
                    self.app.repository.get(branch_id),
                )
        self.touched_branches.clear()
