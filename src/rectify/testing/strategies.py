"""Hypothesis strategies for rectify's values and commands, public for users' own property tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from hypothesis import strategies as st

from rectify.domain.commands import COMMANDS
from rectify.domain.values import Actor, Role, Severity, Source

COMMITTEE = "省直機關工委"
OFFICE = "省委主題教育辦"
UNITS = ("省財政廳", "省教育廳")
ALL_UNITS = (*UNITS, COMMITTEE)

ACTORS: tuple[Actor, ...] = (
    Actor("insp", "巡查組", COMMITTEE, [Role.INSPECTOR]),
    Actor("ver", "工委驗收", COMMITTEE, [Role.VERIFIER]),
    Actor("ver-office", "主題教育辦", OFFICE, [Role.VERIFIER]),
    Actor("ver-u0", "廳內驗收", UNITS[0], [Role.VERIFIER]),
    Actor("resp-u0", "財政廳責任人", UNITS[0], [Role.RESPONSIBLE]),
    Actor("resp-u1", "教育廳責任人", UNITS[1], [Role.RESPONSIBLE]),
    Actor("resp-c", "工委責任人", COMMITTEE, [Role.RESPONSIBLE]),
    Actor("both-u1", "教育廳雙角色", UNITS[1], [Role.RESPONSIBLE, Role.VERIFIER]),
    Actor("aud", "審計", COMMITTEE, [Role.AUDITOR]),
    Actor("admin", "管理員", COMMITTEE, [Role.ADMIN]),
)
"""A cast that covers every role, a verifier inside a rectifying unit and a dual-role actor."""

_WORDS = st.text(alphabet="整改問題支部黨建落實制度記錄abcdefgh", min_size=1, max_size=10)


def texts(*, valid: bool = False) -> st.SearchStrategy[str]:
    """Free text; unless ``valid``, sometimes empty or blank (which a required field refuses)."""
    return _WORDS if valid else st.one_of(_WORDS, _WORDS, _WORDS, st.sampled_from(["", "  "]))


def actors() -> st.SearchStrategy[Actor]:
    """An actor of the cast, or now and then a made-up one with random roles and unit."""
    made_up = st.builds(
        Actor,
        id=st.sampled_from(["x1", "x2"]),
        name=st.just("隨機"),
        unit=st.sampled_from((*ALL_UNITS, OFFICE)),
        roles=st.frozensets(st.sampled_from(list(Role)), max_size=3),
    )
    return st.one_of(st.sampled_from(ACTORS), st.sampled_from(ACTORS), made_up)


def sources() -> st.SearchStrategy[Source | str]:
    """A source as a member, its value, its upper-case name or its Chinese label."""
    members = st.sampled_from(list(Source))
    return st.one_of(
        members,
        members.map(lambda s: s.value),
        members.map(lambda s: s.name),
        members.map(lambda s: s.label),
    )


def severities() -> st.SearchStrategy[Severity]:
    return st.sampled_from(list(Severity))


def record_args(*, valid: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments of ``record_issue`` (without actor and date)."""
    return st.fixed_dictionaries(
        {
            "title": texts(valid=valid),
            "unit": st.sampled_from(ALL_UNITS),
            "source": sources(),
            "severity": severities(),
        },
        optional={"description": texts(valid=True), "category": texts(valid=True)},
    )


def command_args(
    trigger: str,
    day: date,
    deadline: date | None,
    *,
    valid: bool = False,
    measures: int = 0,
    branches: Sequence[UUID] = (),
) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments of the command ``trigger`` on business date ``day``.

    With ``valid``, the arguments themselves are acceptable (deadlines not before the day,
    extensions later than ``deadline``, required texts present, an existing measure of the
    ``measures`` the issue has, one of ``branches``); state and permission still decide.
    """
    low = 0 if valid else -5
    later = st.integers(low, 90).map(lambda n: day + timedelta(days=n))
    text = texts(valid=valid)
    evidence = st.lists(texts(valid=True), max_size=2).map(tuple)
    if trigger == "assign":
        return st.fixed_dictionaries(
            {
                "unit": st.sampled_from(ALL_UNITS),
                "person": text,
                "deadline": later,
                "measures": st.lists(texts(valid=True), max_size=3).map(tuple),
            }
        )
    if trigger in ("rectify_on_the_spot", "submit_rectification", "replace_evidence"):
        return st.fixed_dictionaries({"summary": text, "evidence": evidence})
    if trigger == "treat_centrally":
        return st.fixed_dictionaries({"campaign": text, "summary": text, "evidence": evidence})
    if trigger in ("verify", "close_out", "reconfirm_decision", "reconfirm"):
        return st.fixed_dictionaries({}, optional={"note": texts(valid=True)})
    if trigger in ("reject", "withdraw"):
        return st.fixed_dictionaries({"reason": text})
    if trigger == "reopen":
        return st.fixed_dictionaries({"reason": text, "deadline": st.none() | later})
    if trigger == "extend_deadline":
        base = max(deadline or day, day)
        new = st.integers(1 if valid else -5, 60).map(lambda n: base + timedelta(days=n))
        return st.fixed_dictionaries({"new_deadline": new, "reason": text})
    if trigger == "report_progress":
        return st.fixed_dictionaries({"text": text})
    if trigger == "add_measure":
        return st.fixed_dictionaries({"text": text}, optional={"due": later})
    if trigger == "complete_measure":
        numbers = st.integers(1, measures) if measures else st.just(1)
        if not valid:
            numbers = st.one_of(numbers, st.integers(0, measures + 2))
        return st.fixed_dictionaries(
            {"measure": numbers, "evidence": evidence},
            optional={"mode": st.sampled_from(["on_the_spot", "central"])},
        )
    if trigger == "link_issue":
        known = st.sampled_from(list(branches)) if branches else st.just(uuid5(NAMESPACE_URL, "x"))
        return st.fixed_dictionaries(
            {"branch_id": known if valid else st.one_of(known, st.uuids(version=4))}
        )
    msg = f"no arguments known for trigger {trigger!r}"
    raise ValueError(msg)


BRANCH_ACTIONS = tuple(
    c.command
    for c in COMMANDS.values()
    if c.aggregate == "branch" and c.trigger not in ("register", "mark_ready")
)
"""The application's branch commands (besides registering, and the policy's mark_ready),
derived from the command declarations."""


def mentors(unit: str, *, valid: bool = False) -> st.SearchStrategy[list[dict[str, str]]]:
    """雙掛 mentors for a branch of ``unit``: unless ``valid``, sometimes one, three, or two of
    the same side."""
    own = st.fixed_dictionaries({"name": _WORDS, "unit": st.just(unit)})
    committee = st.fixed_dictionaries({"name": _WORDS, "unit": st.just(COMMITTEE)})
    pair = st.tuples(committee, own).map(list)
    if valid:
        return pair
    return st.one_of(
        pair,
        st.lists(st.one_of(own, committee), min_size=0, max_size=3),
    )


def branch_args(
    action: str, day: date, unit: str, *, valid: bool = False
) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments of branch command ``action`` on ``day`` for a branch of ``unit``."""
    low = 0 if valid else -5
    later = st.integers(low, 120).map(lambda n: day + timedelta(days=n))
    text = texts(valid=valid)
    if action == "designate_lagging":
        kinds = st.lists(
            st.sampled_from(["軟弱渙散", "虛化", "弱化", "邊緣化", "不按期換屆", "其他"]),
            min_size=1 if valid else 0,
            max_size=3,
        )
        return st.fixed_dictionaries({"kinds": kinds, "basis": text})
    if action == "start_consolidation":
        return st.fixed_dictionaries(
            {"plan": text, "deadline": later, "mentors": mentors(unit, valid=valid)},
            optional={"goals": st.lists(texts(valid=True), max_size=2)},
        )
    if action in ("request_delisting", "delist", "reconfirm_delisting", "reconfirm"):
        return st.fixed_dictionaries({}, optional={"note": texts(valid=True)})
    if action == "reject_delisting":
        return st.fixed_dictionaries({"reason": text})
    if action == "record_election":
        return st.fixed_dictionaries(
            {"held_on": st.integers(-30, 0).map(lambda n: day + timedelta(days=n))}
        )
    if action == "rate_branch":
        criteria = ("team", "system", "members", "service", "integrity")
        results = st.fixed_dictionaries({c: st.booleans() for c in criteria})
        return st.fixed_dictionaries({"results": results})
    msg = f"no arguments known for branch action {action!r}"
    raise ValueError(msg)
