"""For an engineer writing a rule of their own (a rule author) and property-testing it.

``rectify.testing`` is public: hypothesis strategies for actors, sources and command arguments
(``strategies``), the catalogue of invariants every history must satisfy (``invariants``), and
``stateful.IssueWorkflowMachine``, a hypothesis state machine that drives random valid and invalid
commands by random actors and checks the catalogue after every step. This example

* adds a rule of its own to that machine as an ``@invariant()``: *every close-out (銷號) follows a
  verification (驗收) by someone of another unit than every unit that rectified the problem until
  then, and never by a person who rectified it*, written against the public audit trail, and runs
  the machine with it (small settings, so it takes seconds);
* checks one ``@given`` property over the strategies: *whoever records a problem (發現) either
  holds the INSPECTOR, VERIFIER or ADMIN role and the problem stands as found, in the unit and with
  the source given however it was spelled, or is refused with PermissionDenied and nothing is
  recorded*.

Usage::

    python examples/property_test_a_rule.py [STORE_URL]   # runs both, prints what they checked
    python -m pytest examples/property_test_a_rule.py     # the same two tests under pytest

STORE_URL is ``memory://`` (the default) or ``sqlite:///folder/rule.db``, for which every example
hypothesis tries gets a fresh file beside it (``rule-1.db``, ``rule-2.db`` …).
"""

from __future__ import annotations

import itertools
import sys
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

import rectify
from rectify import Actor, RectificationApp, Role, Source, Status
from rectify.errors import PermissionDenied
from rectify.testing import strategies
from rectify.testing.invariants import InvariantViolation
from rectify.testing.stateful import IssueWorkflowMachine

STORE_URL = "memory://"
_stores = itertools.count(1)
TODAY = date(2031, 12, 31)
ONWARD = (  # the steps towards close-out, the nearest to it first
    "close_out",
    "verify",
    "submit_rectification",
    "complete_measure",
    "rectify_on_the_spot",
    "treat_centrally",
    "assign",
)
RECTIFICATIONS = ("rectify_on_the_spot", "treat_centrally", "submit_rectification")
CLOSED_OUT: set[UUID] = set()  # closed-out problems the rule was checked on
CHECKED = {"recordings": 0, "refusals": 0}


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


def unit(name: str) -> str:
    """Units are the same unit whatever their width (Ａ and A): compare them normalised."""
    return unicodedata.normalize("NFKC", name).strip()


# ---------------------------------------------------------------- the rule, as an invariant


def independently_verified_before_close_out(app: RectificationApp) -> set[UUID]:
    """My rule over every closed-out problem's audit trail; returns the problems it checked."""
    seen: set[UUID] = set()
    for view in app.issues(status=Status.CLOSED_OUT):
        rectifier_units: set[str] = set()
        rectifier_ids: set[str] = set()
        verifier: Actor | None = None
        for entry in app.audit_trail(view.id):
            if entry.action in RECTIFICATIONS:
                rectifier_units.add(unit(entry.actor.unit))
                rectifier_ids.add(entry.actor.id)
                verifier = None  # a new rectification needs a new verification
            elif entry.action == "verify":
                if unit(entry.actor.unit) in rectifier_units or entry.actor.id in rectifier_ids:
                    msg = f"{view.id}: {entry.actor} verified work of their own unit or their own"
                    raise InvariantViolation(msg)
                verifier = entry.actor
            elif entry.action == "close_out":
                if verifier is None:
                    msg = f"{view.id}: closed out with no verification after its rectification"
                    raise InvariantViolation(msg)
                seen.add(view.id)
    return seen


class MachineWithMyRule(IssueWorkflowMachine):
    """The library's machine, on the chosen store, with one invariant more."""

    def make_app(self) -> RectificationApp:
        return fresh_store()

    @rule(issue_id=IssueWorkflowMachine.issues, data=st.data())
    def settle_an_issue(self, issue_id: UUID, data: st.DataObject) -> None:
        """Carry one problem as far as it goes towards 銷號, each step by an actor allowed to take
        it, so the state machine reaches the states the rule is about (random steps alone rarely
        go five steps down one problem's road)."""
        for _ in range(8):
            view = self.app.get_issue(issue_id)
            choices = [
                (actor, step)
                for step in ONWARD
                for actor in strategies.ACTORS
                if step in self.app.allowed_actions(issue_id, actor)
            ]
            if not choices:
                return
            best = choices[0][1]
            actor, step = data.draw(st.sampled_from([c for c in choices if c[1] == best]))
            args: dict[str, Any]
            if step == "complete_measure":
                args = {"measure": view.open_measures[0]}
            else:
                args = data.draw(strategies.command_args(step, self.day, view.deadline, valid=True))
            getattr(self.app, step)(issue_id, actor=actor, on=self.day, **args)

    @invariant()
    def my_rule_holds(self) -> None:
        CLOSED_OUT.update(independently_verified_before_close_out(self.app))


MachineWithMyRule.TestCase.settings = settings(
    max_examples=10,
    stateful_step_count=20,
    deadline=None,
    derandomize=True,  # the same sequences on every run: an example, not a fuzzing campaign
    database=None,  # nothing replayed from earlier runs
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_my_rule_in_the_state_machine() -> None:
    MachineWithMyRule.TestCase("runTest").runTest()


# ---------------------------------------------------------------- a property over strategies

MAY_RECORD = {Role.INSPECTOR, Role.VERIFIER, Role.ADMIN}


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(actor=strategies.actors(), args=strategies.record_args(valid=True))
def test_who_may_record_a_problem(actor: Actor, args: dict[str, Any]) -> None:
    app = fresh_store()
    try:
        if MAY_RECORD.isdisjoint(actor.roles):
            try:
                app.record_issue(actor=actor, on="2031-06-01", **args)
            except PermissionDenied:
                CHECKED["refusals"] += 1
            else:
                raise AssertionError(f"{actor} may not record, yet recorded")
            assert app.events_since(0) == [], "a refused command recorded something"
            return
        issue_id = app.record_issue(actor=actor, on="2031-06-01", **args)
        view = app.get_issue(issue_id)
        spelled = args["source"]
        expected = next(s for s in Source if spelled in (s, s.value, s.name, s.label))
        assert (view.status, view.unit, view.source) == (Status.FOUND, args["unit"], expected)
        assert [row.id for row in app.ledger()] == [issue_id]
        CHECKED["recordings"] += 1
    finally:
        app.close()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        STORE_URL = sys.argv[1]
    test_my_rule_in_the_state_machine()
    used = MachineWithMyRule.TestCase.settings
    print(
        f"my rule held in the state machine ({used.max_examples} examples of up to "
        f"{used.stateful_step_count} steps), checked on {len(CLOSED_OUT)} closed-out problem(s)"
    )
    test_who_may_record_a_problem()
    print(
        f"who may record a problem: {CHECKED['recordings']} recorded, "
        f"{CHECKED['refusals']} refused with nothing recorded"
    )
