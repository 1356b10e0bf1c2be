"""Workflows written as TOML: read, validated with the line and field of every error, compiled to
the same table as a Python declaration, registered and chosen for new issues (issue 12)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rectify
from rectify.domain import workflows
from rectify.domain.deadlines import DayCount, DeadlinePolicy, DeadlineRule
from rectify.domain.guards import GUARDS
from rectify.domain.values import Severity, Source, Status
from rectify.domain.workflow import Step, WorkflowDefinition
from rectify.domain.workflow_toml import triggers_of, workflow_from_toml, workflow_toml
from rectify.domain.workflows import ISSUE_WORKFLOW_V3, WORKFLOWS, register_workflow
from rectify.entrypoints.cli.workflow import GENERATED
from rectify.errors import InvalidCommand, InvalidWorkflow, WorkflowProblem
from tests.conftest import TODAY, UNIT, Cast

SHIPPED_TOML = Path(__file__).resolve().parents[2] / "docs" / "workflows" / "issue-3.toml"

GOOD = """\
name = "mine"
version = 1
kind = "issue"
states = ["found", "assigned", "rectified", "verified", "closed_out", "withdrawn"]

[create]
trigger = "record"
to = "found"
grants = ["inspector", "verifier"]

[[steps]]
trigger = "rectify_on_the_spot"
from = ["found"]
to = "rectified"
grants = ["responsible@unit"]

[[steps]]
trigger = "verify"
from = ["rectified"]
to = "verified"
grants = ["verifier"]
guards = ["independent_decision"]
label = "驗收"

[[steps]]
trigger = "close_out"
from = ["verified"]
to = "closed_out"
grants = ["verifier"]
guards = ["independent_decision"]
"""


@pytest.fixture
def registry() -> Iterator[None]:
    """Workflows a test registers are forgotten after it (the registry is the process's)."""
    before = set(WORKFLOWS)
    yield
    for key in set(WORKFLOWS) - before:
        workflows._WORKFLOWS.pop(key)


def problems_of(text: str) -> tuple[WorkflowProblem, ...]:
    with pytest.raises(InvalidWorkflow) as caught:
        workflow_from_toml(text, source="mine.toml")
    assert caught.value.problems, str(caught.value)
    assert isinstance(caught.value, rectify.RectifyError)
    return caught.value.problems


# ---------------------------------------------------------------- a good file


def test_a_good_file_compiles_to_the_definition_it_says() -> None:
    flow = workflow_from_toml(GOOD)
    assert flow.key == "mine/1"
    assert flow.states == tuple(Status)
    assert flow.create == Step("record", (), Status.FOUND, ("inspector", "verifier"))
    assert flow.target(Status.FOUND, "rectify_on_the_spot") is Status.RECTIFIED
    assert flow.step("verify").label == "驗收"
    assert flow.lookup(Status.FOUND, "verify") is None
    assert workflow_from_toml(workflow_toml(flow)) == flow


def test_a_file_can_be_given_a_new_name_and_version(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert rectify.load_workflow(path).key == "mine/1"
    assert rectify.load_workflow(str(path), name="theirs", version=4).key == "theirs/4"
    assert rectify.load_workflow(GOOD, version=2).key == "mine/2"  # text, not a path


def test_a_file_that_cannot_be_read_is_one_problem(tmp_path: Path) -> None:
    with pytest.raises(InvalidWorkflow) as caught:
        rectify.load_workflow(tmp_path / "nowhere.toml")
    assert caught.value.problems[0].field == "(the file)"
    assert "cannot read it" in caught.value.problems[0].message


# ---------------------------------------------------------------- every error: line and field


def _edited(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        (_edited('guards = ["independent_decision"]\nlabel', 'guards = ["two_people"]\nlabel'),
         22, "steps[2].guards[1]", "unknown guard 'two_people'"),
        (_edited('grants = ["responsible@unit"]', 'grants = ["emperor"]'),
         15, "steps[1].grants[1]", "unknown role 'emperor'"),
        (_edited('grants = ["responsible@unit"]', 'grants = ["verifier@county"]'),
         15, "steps[1].grants[1]", "unknown grant scope 'county'"),
        (_edited('to = "rectified"', 'to = "fixed"'),
         14, "steps[1].to", "unknown state 'fixed'"),
        (_edited('from = ["rectified"]', 'from = ["rectified", "done"]'),
         19, "steps[2].from[2]", "unknown state 'done'"),
        (_edited('"withdrawn"]', '"withdrawn", "archived"]'),
         4, "states", "an issue has no state 'archived'"),
        (_edited('trigger = "close_out"', 'trigger = "strike_off"'),
         26, "steps[3].trigger", "an issue has no command 'strike_off'"),
        (_edited('trigger = "close_out"', 'trigger = "verify"'),
         26, "steps[3].trigger", "the trigger 'verify' is declared twice"),
        (_edited('grants = ["responsible@unit"]', "grants = []"),
         15, "steps[1].grants", "nobody may give it"),
        (_edited('grants = ["responsible@unit"]\n', ""),
         11, "steps[1].grants", "Field required"),
        (_edited('label = "驗收"', 'lable = "驗收"'),
         23, "steps[2].lable", "Extra inputs are not permitted"),
        (_edited("version = 1", 'version = "one"'),
         2, "version", "Input should be a valid integer"),
        (_edited("version = 1", "version = 0"), 2, "version", "greater than 0"),
        (_edited('name = "mine"', 'name = "my/flow"'), 1, "name", "String should match"),
        (_edited('kind = "issue"', 'kind = "person"'), 3, "kind", "Input should be 'issue'"),
        (_edited('to = "found"', 'from = ["found"]\nto = "found"'),
         8, "create.from", "the create step leaves from no state"),
        (_edited('to = "found"\n', ""), 6, "create.to", "needs a destination"),
        (_edited("[[steps]]\ntrigger = \"verify\"", "[[steps]]\ntrigger = verify"),
         18, "(the file)", "not TOML"),
    ],
)  # fmt: skip
def test_each_error_names_its_line_and_field(
    text: str, line: int, field: str, message: str
) -> None:
    problems = problems_of(text)
    assert (problems[0].line, problems[0].field) == (line, field), problems
    assert message in problems[0].message, problems


def test_every_problem_is_listed_not_only_the_first() -> None:
    text = _edited('to = "rectified"', 'to = "fixed"').replace(
        'guards = ["independent_decision"]\nlabel', 'guards = ["two_people"]\nlabel'
    )
    problems = problems_of(text)
    assert [(p.line, p.field) for p in problems] == [
        (14, "steps[1].to"),
        (22, "steps[2].guards[1]"),
    ]
    with pytest.raises(InvalidWorkflow, match=r"mine.toml:14: steps\[1\].to: unknown state"):
        workflow_from_toml(text, source="mine.toml")


def test_a_guard_registered_before_the_file_is_read_may_be_named() -> None:
    text = _edited(
        'guards = ["independent_decision"]\nlabel', 'guards = ["test_toml_guard"]\nlabel'
    )
    assert problems_of(text)[0].field == "steps[2].guards[1]"
    rectify.register_guard(lambda *a: None, "test_toml_guard")
    try:
        assert workflow_from_toml(text).step("verify").guards == ("test_toml_guard",)
    finally:
        from rectify.domain import guards

        guards._GUARDS.pop("test_toml_guard")


# ---------------------------------------------------------------- the shipped workflows


def test_the_shipped_issue_workflow_written_as_toml_compiles_to_the_same_table() -> None:
    text = SHIPPED_TOML.read_text(encoding="utf-8")
    expected = workflow_toml(ISSUE_WORKFLOW_V3, comment=GENERATED.format(key="issue/3"))
    assert text == expected, "regenerate it: rectify workflow toml issue/3 > " + str(SHIPPED_TOML)
    loaded = rectify.load_workflow(SHIPPED_TOML)
    assert loaded.table == ISSUE_WORKFLOW_V3.table
    assert loaded == ISSUE_WORKFLOW_V3
    assert loaded.mermaid() == ISSUE_WORKFLOW_V3.mermaid()


@pytest.mark.parametrize("key", sorted(WORKFLOWS))
def test_every_shipped_workflow_round_trips_through_toml(key: str) -> None:
    flow = WORKFLOWS[key]
    again = workflow_from_toml(workflow_toml(flow))
    assert again == flow and again.table == flow.table


# ---------------------------------------------------------------- any valid definition

ISSUE_TRIGGERS = sorted(triggers_of("issue") - {"record"})
GRANTS = ("inspector", "verifier", "responsible", "responsible@unit", "auditor", "admin")
LABELS = st.text(st.characters(exclude_categories=["Cs"]), max_size=8)


RULES = st.builds(
    DeadlineRule, days=st.integers(1, 400), count=st.sampled_from(list(DayCount))
) | st.builds(DeadlineRule, fixed=st.dates(date(2000, 1, 1), date(2099, 12, 31)))
POLICIES = st.builds(
    DeadlinePolicy,
    by_list=st.dictionaries(st.uuids(), RULES, max_size=2),
    by_source=st.dictionaries(st.sampled_from(list(Source)), RULES, max_size=3),
    by_severity=st.dictionaries(st.sampled_from(list(Severity)), RULES, max_size=3),
)


@st.composite
def definitions(draw: st.DrawFn) -> WorkflowDefinition[Status]:
    states = draw(st.lists(st.sampled_from(list(Status)), min_size=1, unique=True))
    triggers = draw(st.lists(st.sampled_from(ISSUE_TRIGGERS), unique=True, max_size=6))

    def grants() -> tuple[str, ...]:
        return tuple(draw(st.lists(st.sampled_from(GRANTS), min_size=1, max_size=3, unique=True)))

    steps = tuple(
        Step(
            trigger,
            tuple(draw(st.lists(st.sampled_from(states), max_size=3, unique=True))),
            draw(st.none() | st.sampled_from(states)),
            grants(),
            tuple(draw(st.lists(st.sampled_from(sorted(GUARDS)), max_size=2, unique=True))),
            draw(LABELS),
        )
        for trigger in triggers
    )
    return WorkflowDefinition(
        name=draw(st.from_regex(r"[a-z][a-z0-9_.\-]{0,10}", fullmatch=True)),
        version=draw(st.integers(1, 10**6)),
        title=draw(LABELS),
        states=tuple(states),
        create=Step("record", (), draw(st.sampled_from(states)), grants(), (), draw(LABELS)),
        steps=steps,
        deadlines=draw(st.none() | POLICIES),
    )


@settings(max_examples=60, deadline=None)
@given(definitions())
def test_any_valid_definition_round_trips_toml(flow: WorkflowDefinition[Status]) -> None:
    text = workflow_toml(flow)
    again = workflow_from_toml(text)
    assert again == flow
    assert again.table == flow.table
    assert workflow_toml(again) == text


# ---------------------------------------------------------------- registered, chosen, recorded


def test_a_loaded_workflow_registered_under_a_new_key_runs_new_issues(
    cast: type[Cast], registry: None
) -> None:
    mine = rectify.load_workflow(GOOD, name="test-direct", version=1)
    register_workflow(mine)
    app = rectify.connect("memory://", today=lambda: TODAY)
    issue_id = app.record_issue(
        actor=cast.inspector, title="t", unit=UNIT, source="inspection", workflow="test-direct/1"
    )
    assert app.get_issue(issue_id).workflow == "test-direct/1"
    assert set(app.allowed_actions(issue_id)) == {"rectify_on_the_spot"}  # no assign in mine
    other = app.record_issue(actor=cast.inspector, title="t", unit=UNIT, source="inspection")
    assert app.get_issue(other).workflow == ISSUE_WORKFLOW_V3.key  # the default stays


@pytest.mark.parametrize(("key", "why"), [("nope/1", "not a registered"), ("branch/2", "issue")])
def test_record_issue_refuses_a_workflow_that_is_not_a_registered_issue_workflow(
    cast: type[Cast], key: str, why: str
) -> None:
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(InvalidCommand) as caught:
        app.record_issue(
            actor=cast.inspector, title="t", unit=UNIT, source="inspection", workflow=key
        )
    assert caught.value.field == "workflow" and why in caught.value.message
    assert app.events_since(0) == []


# ---------------------------------------------------------------- a workflow's deadline policy

WITH_DEADLINES = """
[deadlines.by_severity]
"嚴重" = "10 working days"

[deadlines.by_source]
"巡查" = "2019-12-31"
"""


def test_a_workflows_deadlines_come_before_the_apps_policy(
    cast: type[Cast], registry: None
) -> None:
    text = workflow_toml(ISSUE_WORKFLOW_V3).replace('name = "issue"', 'name = "sla"')
    mine = rectify.load_workflow(text + WITH_DEADLINES)
    assert mine.deadlines is not None and workflow_from_toml(workflow_toml(mine)) == mine
    register_workflow(mine)
    app = rectify.connect(
        "memory://", today=lambda: TODAY, deadline_policy={"by_severity": {"一般": "5 days"}}
    )

    def assigned(severity: str, source: str, workflow: str | None) -> tuple[date, str | None]:
        issue = app.record_issue(
            actor=cast.inspector, title="t", unit=UNIT, source=source, severity=severity,
            workflow=workflow, on="2019-09-02",
        )  # fmt: skip
        app.assign(issue, actor=cast.verifier, unit=UNIT, person="劉", on="2019-09-02")
        view = app.get_issue(issue)
        assert view.deadline is not None
        return view.deadline, view.deadline_rule

    # the workflow's rule by severity (13 Sep 2019 was 中秋節), its rule by source, the app's
    assert assigned("嚴重", "自查", "sla/3") == (
        date(2019, 9, 17),
        "severity 嚴重: 10 working days (10個工作日)",
    )
    assert assigned("一般", "巡查", "sla/3") == (
        date(2019, 12, 31),
        "source 巡查: fixed 2019-12-31",
    )
    assert assigned("一般", "自查", "sla/3") == (
        date(2019, 9, 7),
        "severity 一般: 5 calendar days (5個自然日)",
    )
    assert assigned("一般", "巡查", None)[0] == date(2019, 9, 7)  # issue/3 has no deadlines


def test_only_a_workflow_of_problems_has_deadlines() -> None:
    text = workflow_toml(workflows.workflow("branch/2")) + WITH_DEADLINES
    (problem,) = problems_of(text)
    assert problem.field == "deadlines"
    assert "only a workflow of problems" in problem.message
    (problem,) = problems_of(GOOD + '\n[deadlines.by_severity]\n"嚴重" = "soon"\n')
    assert problem.field.startswith("deadlines.by_severity")
    assert problem.line > 0


def test_a_list_that_names_a_workflow_gives_it_to_its_problems(
    cast: type[Cast], registry: None
) -> None:
    mine = rectify.load_workflow(GOOD, name="list-rules", version=2)
    register_workflow(mine)
    app = rectify.connect("memory://", today=lambda: TODAY)
    named = app.issue_problem_list(
        actor=cast.verifier, name="2019年考核清單", issuer="省直機關工委", deadline="2019-12-31",
        issue_workflow="list-rules/2", on="2019-09-01",
    )  # fmt: skip
    plain = app.issue_problem_list(
        actor=cast.verifier, name="巡察清單", issuer="省直機關工委", deadline="2019-12-31",
        on="2019-09-01",
    )  # fmt: skip

    def recorded(list_id: UUID, workflow: str | None = None) -> str:
        issue = app.record_issue(
            actor=cast.inspector, title="t", unit=UNIT, source="inspection", list_id=list_id,
            workflow=workflow, on="2019-09-02",
        )  # fmt: skip
        return app.get_issue(issue).workflow

    assert recorded(named) == "list-rules/2"
    assert recorded(named, workflow="issue/2") == "issue/2"  # named by the command: it wins
    assert recorded(plain) == ISSUE_WORKFLOW_V3.key
    with pytest.raises(InvalidCommand) as caught:
        app.issue_problem_list(
            actor=cast.verifier, name="x", issuer="y", deadline="2019-12-31",
            issue_workflow="branch/2", on="2019-09-01",
        )  # fmt: skip
    assert caught.value.field == "issue_workflow"
    workflows._WORKFLOWS.pop("list-rules/2")  # another process, which never registered it
    with pytest.raises(InvalidCommand) as caught:
        recorded(named)
    assert caught.value.field == "workflow" and "list-rules/2" in str(caught.value)
