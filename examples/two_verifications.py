"""For rule authors: a workflow of one's own, declared in TOML, and property-tested.

The rule the shipped workflow lacks: *a problem from 巡視巡察 feedback needs two verifications
(驗收) by different people before it is closed out (銷號)*. This example

* registers two guards of its own in Python (``rectify.register_guard``): ``another_verifier``
  (a verification of a rectification someone already verified is made by another person) and
  ``two_verifications_for_patrol_feedback`` (the close-out of such a problem waits for two);
* reads ``two_verifications.toml`` beside it (issue/3 with three lines changed: a verified
  problem can be verified again or sent back, and the two guards), validated and compiled by
  ``rectify.load_workflow``, registers it (``rectify.register_workflow``) and records problems
  under it (``record_issue(workflow="patrol-feedback/1")``), showing what it refuses;
* property-tests it: ``rectify.testing.stateful.IssueWorkflowMachine`` with ``WORKFLOW`` set to
  the new key drives random commands by random actors through it, checks the whole invariant
  catalogue after every step, and one invariant of its own (the rule, over the stored events).

Usage::

    python examples/two_verifications.py [STORE_URL]   # the story, then the property test
    python -m pytest examples/two_verifications.py     # the two tests under pytest
    rectify workflow check examples/two_verifications.toml --guards examples/two_verifications.py
    rectify diagram --workflow examples/two_verifications.toml --guards examples/two_verifications.py

STORE_URL is ``memory://`` (the default) or ``sqlite:///folder/rule.db``, for which every example
hypothesis tries gets a fresh file beside it (``rule-1.db``, ``rule-2.db`` …).
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

import rectify
from rectify import Actor, Issue, RectificationApp, Role, Source
from rectify.errors import PermissionDenied, RectifyError, TransitionNotAllowed
from rectify.testing import invariants, strategies
from rectify.testing.stateful import IssueWorkflowMachine

STORE_URL = "memory://"
_stores = itertools.count(1)
TODAY = date(2031, 12, 31)

# ---------------------------------------------------------------- the rule: two guards, a workflow


@rectify.register_guard
def another_verifier(
    issue: Issue, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """A rectification is verified at most once by each person."""
    if actor.id in issue.verifier_ids:
        return PermissionDenied(
            actor.id, "verify", "already verified this rectification: the next is another's"
        )
    return None


@rectify.register_guard
def two_verifications_for_patrol_feedback(
    issue: Issue, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """A problem from 巡視巡察 feedback is closed out after two verifications of its last
    rectification by different people."""
    verifiers = set(issue.verifier_ids)
    if issue.source == Source.PATROL_FEEDBACK and len(verifiers) < 2:
        return TransitionNotAllowed(
            "close_out",
            issue.status.value,
            issue_id=issue.id,
            reason=f"巡視巡察反饋 needs two verifications by different people, has {len(verifiers)}",
        )
    return None


WORKFLOW = rectify.load_workflow(Path(__file__).with_name("two_verifications.toml"))
rectify.register_workflow(WORKFLOW)  # known by its key, "patrol-feedback/1", from now on


# ---------------------------------------------------------------- the rule as an invariant

RECTIFIED_ANEW = (
    Issue.RectifiedOnTheSpot,
    Issue.CentrallyTreated,
    Issue.RectificationSubmitted,
    Issue.RectificationRejected,
    Issue.Reopened,
)
CLOSED_OUT: set[UUID] = set()  # closed-out problems from 巡視巡察 feedback the rule was checked on


def closed_out_after_two_verifications(events: Sequence[Issue.Event]) -> bool:
    """Of one issue's stored history: if it came from 巡視巡察 feedback, every close-out follows
    verifications of its last rectification by two different people. True when it checked one."""
    source: object = None
    verifiers: set[str] = set()
    checked = False
    for e in events:
        if isinstance(e, Issue.IssueFound):
            source = e.source
        elif isinstance(e, RECTIFIED_ANEW):
            verifiers = set()
        elif isinstance(e, Issue.RectificationVerified):
            verifiers.add(e.actor.id)
        elif isinstance(e, Issue.ClosedOut) and source == Source.PATROL_FEEDBACK:
            if len(verifiers) < 2:
                msg = f"issue {e.originator_id} closed out after verifications by {verifiers}"
                raise invariants.InvariantViolation(msg)
            checked = True
    return checked


def fresh_store() -> RectificationApp:
    """A new, empty store for one hypothesis example, of the kind STORE_URL names."""
    if STORE_URL == "memory://":
        return rectify.connect(STORE_URL, today=lambda: TODAY)
    if STORE_URL.startswith("sqlite:///"):
        path = Path(STORE_URL.removeprefix("sqlite:///"))
        path = path.with_name(f"{path.stem}-{next(_stores)}{path.suffix or '.db'}")
        path.unlink(missing_ok=True)
        return rectify.connect(f"sqlite:///{path}", today=lambda: TODAY)
    msg = f"give memory:// or sqlite:///path.db, not {STORE_URL!r}"
    raise SystemExit(msg)


ONWARD = ("close_out", "verify", "submit_rectification", "rectify_on_the_spot", "assign")
"""The steps towards close-out, the nearest to it first."""


class MachineOnMyWorkflow(IssueWorkflowMachine):
    """The library's machine, driving patrol-feedback/1, with one invariant more."""

    WORKFLOW = WORKFLOW.key

    def make_app(self) -> RectificationApp:
        return fresh_store()

    @rule(target=IssueWorkflowMachine.issues, actor=st.sampled_from(strategies.ACTORS[:2]))
    def record_patrol_feedback(self, actor: Actor) -> UUID:
        """A problem from 巡視巡察 feedback (the machine's own records draw any source)."""
        return self.app.record_issue(
            actor=actor,
            title="巡視反饋：組織生活不規範",
            unit=strategies.UNITS[0],
            source=Source.PATROL_FEEDBACK,
            on=self.day,
            workflow=self.WORKFLOW,
        )

    @rule(issue_id=IssueWorkflowMachine.issues, data=st.data())
    def settle_an_issue(self, issue_id: UUID, data: st.DataObject) -> None:
        """Carry one problem as far as it goes towards 銷號, each step by an actor allowed to
        take it (random steps alone rarely go six steps down one problem's road)."""
        for _ in range(8):
            view = self.app.get_issue(issue_id)
            choices = [
                (actor, step)
                for step in ONWARD
                for actor in strategies.ACTORS
                if step in self.app.allowed_actions(issue_id, actor)
            ]
            if not choices or view.open_measures:
                return
            best = choices[0][1]
            actor, step = data.draw(st.sampled_from([c for c in choices if c[1] == best]))
            args = data.draw(strategies.command_args(step, self.day, view.deadline, valid=True))
            getattr(self.app, step)(issue_id, actor=actor, on=self.day, **args)

    @invariant()
    def two_verifications_before_close_out(self) -> None:
        for issue_id in self.saved:
            if closed_out_after_two_verifications(invariants.stored_events(self.app, issue_id)):
                CLOSED_OUT.add(issue_id)


MachineOnMyWorkflow.TestCase.settings = settings(
    max_examples=10,
    stateful_step_count=20,
    deadline=None,
    derandomize=True,  # the same sequences on every run: an example, not a fuzzing campaign
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_my_workflow_in_the_state_machine() -> None:
    MachineOnMyWorkflow.TestCase("runTest").runTest()


# ---------------------------------------------------------------- the story, as a user meets it

COMMITTEE = Actor("gw-zhao", "趙主任", "省直機關工委", [Role.INSPECTOR, Role.VERIFIER])
SECOND = Actor("gw-qian", "錢處長", "省直機關工委", [Role.VERIFIER])
FINANCE = Actor("cz-liu", "劉處長", "省財政廳", [Role.RESPONSIBLE])


def story() -> list[str]:
    """A problem from 巡視巡察 feedback under the new workflow; what it printed."""
    app = fresh_store()
    said: list[str] = []
    try:
        issue_id = app.record_issue(
            actor=COMMITTEE,
            title="巡視反饋：黨費收繳不規範",
            unit="省財政廳",
            source=Source.PATROL_FEEDBACK,
            on="2031-03-01",
            workflow=WORKFLOW.key,
        )
        app.assign(
            issue_id,
            actor=COMMITTEE,
            unit="省財政廳",
            person="劉處長",
            deadline="2031-06-30",
            on="2031-03-02",
        )
        app.submit_rectification(issue_id, actor=FINANCE, summary="已補繳", on="2031-05-20")
        app.verify(issue_id, actor=COMMITTEE, note="核查屬實", on="2031-05-25")
        refused = (
            ("close-out after one verification", "close_out", COMMITTEE, {"note": "銷號"}),
            ("the same person verifies twice", "verify", COMMITTEE, {"note": "再次核查"}),
        )
        for what, command, actor, args in refused:
            try:
                getattr(app, command)(issue_id, actor=actor, on="2031-05-26", **args)
            except RectifyError as e:
                said.append(f"refused ({type(e).__name__}): {what}")
            else:
                raise AssertionError(f"{what} was accepted")
        app.verify(issue_id, actor=SECOND, note="複核屬實", on="2031-05-27")
        app.close_out(issue_id, actor=COMMITTEE, note="銷號", on="2031-05-28")
        view = app.get_issue(issue_id)
        assert view.workflow == WORKFLOW.key
        assert view.status is rectify.Status.CLOSED_OUT
        trail = [e.action for e in app.audit_trail(issue_id)]
        assert trail.count("verify") == 2, trail
        said.append(f"closed out under {view.workflow} after verifications by gw-zhao and gw-qian")
    finally:
        app.close()
    return said


def test_two_verifications_by_different_people() -> None:
    assert len(story()) == 3


if __name__ == "__main__":
    if len(sys.argv) > 1:
        STORE_URL = sys.argv[1]
    print(
        f"workflow {WORKFLOW.key} read from two_verifications.toml: {len(WORKFLOW.triggers)} "
        f"steps, {len(WORKFLOW.table)} transitions"
    )
    for line in story():
        print(line)
    test_my_workflow_in_the_state_machine()
    used = MachineOnMyWorkflow.TestCase.settings
    print(
        f"my rule held in the state machine driving {WORKFLOW.key} ({used.max_examples} examples "
        f"of up to {used.stateful_step_count} steps, the invariant catalogue checked after each), "
        f"checked on {len(CLOSED_OUT)} closed-out problem(s) from 巡視巡察 feedback"
    )
