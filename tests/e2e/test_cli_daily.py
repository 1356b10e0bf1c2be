"""The daily commands on the command line (``rectify issue …``) as a clerk runs them (issue 11):
a problem's whole life with the acting person from the environment, refusals that record
nothing, short ids, ``show`` in Chinese, and the same record as the same API calls."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import rectify
from rectify.domain.commands import COMMANDS
from rectify.entrypoints import cli
from rectify.entrypoints.cli import app
from rectify.entrypoints.cli.daily import FIELD_HELP, OPTIONS, RECTIFY_MODES, STEPS, fields_of
from rectify.entrypoints.cli.tables import resolve_issue_id, short_id
from rectify.errors import InvalidCommand, NotFound

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import Result

VERIFIER = {
    "RECTIFY_ACTOR_ID": "wang",
    "RECTIFY_ACTOR_NAME": "王衛",
    "RECTIFY_ACTOR_UNIT": "機關工委",
    "RECTIFY_ACTOR_ROLES": "verifier,inspector",
}
RESPONSIBLE = {
    "RECTIFY_ACTOR_ID": "zhang",
    "RECTIFY_ACTOR_NAME": "張敏",
    "RECTIFY_ACTOR_UNIT": "省財政廳",
    "RECTIFY_ACTOR_ROLES": "責任單位",
}
NOBODY = dict.fromkeys(VERIFIER, "")


def rectify_cli(db: str, env: dict[str, str], *args: str) -> Result:
    """``rectify ARGS --db DB`` with the acting person from the environment."""
    return CliRunner().invoke(app, [*args, "--db", db], env={"COLUMNS": "200", **env})


def recorded(db: str, issue_id: str) -> list[tuple[str, str, str]]:
    """The issue's audit trail as (action, actor id, state after) through the API."""
    application = rectify.connect(db, create=False)
    try:
        return [(e.action, e.actor.id, str(e.to_state)) for e in application.audit_trail(issue_id)]
    finally:
        application.close()


def issue_of(done: Result) -> str:
    """The full id a daily command printed."""
    found = re.search(r"id 編號: ([0-9a-f-]{36})", done.output)
    assert found, done.output
    return found.group(1)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


def record(db: str) -> str:
    done = rectify_cli(
        db, VERIFIER, "issue", "record", "--title", "三會一課記錄不全", "--unit", "省財政廳",
        "--source", "考核", "--on", "2019-06-01",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "recorded 已記錄: 發現 record " in done.output and "→ 已發現" in done.output
    return issue_of(done)


def test_a_problems_whole_life_on_the_command_line(db: str) -> None:
    issue = record(db)
    short = short_id(issue)
    steps: list[tuple[dict[str, str], str, tuple[str, ...]]] = [
        (VERIFIER, "assign", ("--unit", "省財政廳", "--person", "張敏", "--deadline",
         "2019-07-31", "--measure", "補齊記錄", "--measure", "建立臺賬", "--on", "2019-06-03")),
        (RESPONSIBLE, "measure-done", ("--measure", "1", "--on", "2019-06-10")),
        (RESPONSIBLE, "measure-done", ("--measure", "建立臺賬", "--on", "2019-06-11")),
        (RESPONSIBLE, "progress", ("--text", "已補齊記錄", "--on", "2019-06-12")),
        (RESPONSIBLE, "rectify", ("--mode", "限期整改", "--summary", "已整改到位",
         "--evidence", "會議記錄.pdf", "--on", "2019-06-20")),
        (VERIFIER, "verify", ("--note", "材料齊全", "--on", "2019-06-25")),
        (VERIFIER, "close-out", ("--on", "2019-06-28")),
    ]  # fmt: skip
    for env, step, options in steps:
        done = rectify_cli(db, env, "issue", step, short, *options)
        assert done.exit_code == 0, (step, done.output)
        assert "recorded 已記錄: " in done.output and short in done.output
        assert issue_of(done) == issue
    assert "→ 已銷號 on 2019-06-28 by 王衛 (機關工委)" in done.output
    assert recorded(db, issue) == [
        ("record", "wang", "found"),
        ("assign", "wang", "assigned"),
        ("complete_measure", "zhang", "assigned"),
        ("complete_measure", "zhang", "assigned"),
        ("report_progress", "zhang", "assigned"),
        ("submit_rectification", "zhang", "rectified"),
        ("verify", "wang", "verified"),
        ("close_out", "wang", "closed_out"),
    ]
    view = rectify.connect(db).get_issue(issue)
    assert view.measures == ("補齊記錄", "建立臺賬") and view.measures_done == (1, 2)
    assert view.closed_out_on == date(2019, 6, 28) and view.progress == "已補齊記錄"


def test_each_way_of_rectifying_is_the_command_its_mode_names(db: str) -> None:
    for mode, extra in (("立行立改", ()), ("central", ("--campaign", "專項整治"))):
        issue = record(db)
        done = rectify_cli(
            db, RESPONSIBLE, "issue", "rectify", issue, "--mode", mode, "--summary", "done", *extra
        )
        assert done.exit_code == 0, done.output
        assert recorded(db, issue)[-1][0] == RECTIFY_MODES[rectify.Mode(mode)].command


@pytest.mark.parametrize(
    ("env", "step", "options", "error"),
    [
        # the rectifier verifies their own work: separation of duties
        (
            {**RESPONSIBLE, "RECTIFY_ACTOR_ROLES": "responsible,verifier"},
            "verify",
            (),
            "PermissionDenied",
        ),
        # verified before it was rectified, closed out before it was verified
        (VERIFIER, "verify", (), "TransitionNotAllowed"),
        (VERIFIER, "close-out", (), "TransitionNotAllowed"),
        # the workflow's field checks: a date that is not one, an unknown mode, a field of
        # another mode, a business date in the future
        (
            VERIFIER,
            "extend",
            ("--new-deadline", "2019-13-01", "--reason", "x"),
            "InvalidCommand: invalid new_deadline",
        ),
        (
            RESPONSIBLE,
            "rectify",
            ("--mode", "somehow", "--summary", "x"),
            "InvalidCommand: invalid mode",
        ),
        (
            RESPONSIBLE,
            "rectify",
            ("--mode", "on_the_spot", "--summary", "x", "--campaign", "y"),
            "InvalidCommand: invalid campaign",
        ),
        (
            RESPONSIBLE,
            "rectify",
            ("--mode", "限期整改", "--summary", "x", "--on", str(date.today() + timedelta(days=2))),
            "InvalidCommand: invalid on",
        ),
        (RESPONSIBLE, "rectify", ("--mode", "限期整改"), "InvalidCommand: invalid summary"),
        (VERIFIER, "reject", (), "InvalidCommand: invalid reason"),
        (
            {**VERIFIER, "RECTIFY_ACTOR_ROLES": "boss"},
            "verify",
            (),
            "InvalidCommand: invalid actor-role",
        ),
    ],
)
def test_a_refused_step_exits_2_with_a_typed_line_and_records_nothing(
    db: str, env: dict[str, str], step: str, options: tuple[str, ...], error: str
) -> None:
    issue = record(db)
    assigned = rectify_cli(
        db, VERIFIER, "issue", "assign", issue, "--unit", "省財政廳", "--person", "張敏",
        "--deadline", "2019-07-31", "--on", "2019-06-03",
    )  # fmt: skip
    assert assigned.exit_code == 0, assigned.output
    if step == "verify" and "responsible" in env["RECTIFY_ACTOR_ROLES"]:
        rectified = rectify_cli(
            db, env, "issue", "rectify", issue, "--mode", "限期整改", "--summary", "x"
        )
        assert rectified.exit_code == 0, rectified.output
    before = recorded(db, issue)
    done = rectify_cli(db, env, "issue", step, issue, *options)
    assert done.exit_code == 2, done.output
    assert done.output.startswith(error), done.output
    assert len(done.output.strip().splitlines()) == 1  # one line
    assert recorded(db, issue) == before


@pytest.mark.parametrize(
    "missing", ["RECTIFY_ACTOR_ID", "RECTIFY_ACTOR_UNIT", "RECTIFY_ACTOR_ROLES"]
)
def test_a_step_without_the_acting_person_is_refused_naming_what_is_missing(
    db: str, missing: str
) -> None:
    issue = record(db)
    before = recorded(db, issue)
    env = {**VERIFIER, missing: ""}
    done = rectify_cli(db, env, "issue", "withdraw", issue, "--reason", "不屬實")
    option = missing.removeprefix("RECTIFY_").lower().replace("_", "-").replace("roles", "role")
    assert done.exit_code == 2, done.output
    assert done.output.startswith(f"InvalidCommand: invalid {option}: name who gives withdraw")
    assert recorded(db, issue) == before
    nobody = rectify_cli(db, NOBODY, "issue", "record", "--title", "x", "--unit", "u")
    assert nobody.exit_code == 2 and "invalid actor-id" in nobody.output


def test_the_same_command_id_records_once(db: str) -> None:
    issue = record(db)
    for _ in range(2):
        done = rectify_cli(
            db, VERIFIER, "issue", "withdraw", issue, "--reason", "不屬實", "--command-id", "w-1"
        )
        assert done.exit_code == 0, done.output
    assert "already recorded 已記錄過 (--command-id w-1)" in done.output
    assert [a for a, _, _ in recorded(db, issue)] == ["record", "withdraw"]


def test_issues_shows_short_ids_that_show_and_audit_take(db: str) -> None:
    first, second = record(db), record(db)
    listed = rectify_cli(db, {}, "issues")
    assert listed.exit_code == 0, listed.output
    assert short_id(first) in listed.output and short_id(second) in listed.output
    shown = rectify_cli(db, {}, "show", short_id(first))
    assert shown.exit_code == 0, shown.output
    assert first in shown.output
    audit = rectify_cli(db, {}, "audit", short_id(second))
    assert audit.exit_code == 0 and "發現 record" in audit.output
    unknown = rectify_cli(db, {}, "show", "ffffffff" if not first.startswith("f") else "0000000")
    assert unknown.exit_code == 1 and unknown.output.startswith("NotFound:")


def test_a_start_of_an_id_that_names_two_problems_is_refused(db: str) -> None:
    ids = [record(db) for _ in range(18)]  # 18 random ids: two share a first hex digit
    shared = next(i[0] for i in ids if sum(j[0] == i[0] for j in ids) > 1)
    application = rectify.connect(db)
    with pytest.raises(InvalidCommand) as refused:
        resolve_issue_id(application, shared)
    assert refused.value.field == "issue_id" and "give more of it" in refused.value.message
    with pytest.raises(NotFound):
        resolve_issue_id(application, "abcdef12-0000")
    assert resolve_issue_id(application, ids[0][:12]) == ids[0]
    assert resolve_issue_id(application, ids[0].replace("-", "")) == ids[0].replace("-", "")
    assert resolve_issue_id(application, "not-an-id") == "not-an-id"  # the API refuses it
    application.close()
    done = rectify_cli(db, {}, "audit", shared)
    assert done.exit_code == 2 and done.output.startswith("InvalidCommand: invalid issue_id")


def test_show_prints_chinese_labels_not_python_internals(db: str) -> None:
    issue = record(db)
    rectify_cli(
        db, VERIFIER, "issue", "assign", issue, "--unit", "省財政廳", "--person", "張敏",
        "--deadline", "2019-07-31", "--measure", "補齊記錄", "--on", "2019-06-03",
    )  # fmt: skip
    done = rectify_cli(db, {}, "show", issue, "--as-of", "2019-08-10")
    assert done.exit_code == 0, done.output
    out = done.output
    for forbidden in ("frozenset", "Role.", "<", "assigned", "assessment", "True", "False"):
        assert forbidden not in out, forbidden
    for label in ("狀態", "已交辦", "問題來源", "考核", "發現人", "王衛 (機關工委; 巡查/調研、驗收)",
                  "1. 補齊記錄", "逾期天數", "是"):  # fmt: skip
        assert label in out, label


def test_text_in_square_brackets_is_shown_as_written(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.console, "_width", 200)  # the title on one line, whatever the run's
    title = "[2019]巡察反饋[/]問題[bold]"
    done = rectify_cli(
        db, VERIFIER, "issue", "record", "--title", title, "--unit", "[省財政廳]",
        "--source", "巡查", "--remarks", "[待查]",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert title in done.output
    issue = issue_of(done)
    for command in (("issues",), ("ledger",), ("show", issue)):
        shown = rectify_cli(db, {}, *command)
        assert shown.exit_code == 0, shown.output
        assert title in shown.output and "[省財政廳]" in shown.output, command
    assert "[待查]" in rectify_cli(db, {}, "show", issue).output


def test_every_field_a_daily_command_takes_has_its_help_and_option() -> None:
    steps = dict(STEPS)
    assert set(steps) == {
        "record", "assign", "rectify", "verify", "reject", "close-out", "reopen", "extend",
        "progress", "add-measure", "measure-done", "withdraw",
    }  # fmt: skip
    for step, models in steps.items():
        for name, _ in fields_of(models):
            assert name in FIELD_HELP, (step, name)
    assert "--measure" in OPTIONS["assign"] and "--new-deadline" in OPTIONS["extend"]
    assert "--deadline-rule" not in OPTIONS["assign"]  # recorded by the policy, not given
    assert {m.command for m in steps["rectify"]} == {
        "rectify_on_the_spot", "treat_centrally", "submit_rectification"
    }  # fmt: skip
    assert all(m is COMMANDS[m.command] for ms in steps.values() for m in ms)


# ---------------------------------------------------------------- the same as the API

CAST = {
    "verifier": VERIFIER,
    "responsible": RESPONSIBLE,
    "other unit": {**RESPONSIBLE, "RECTIFY_ACTOR_ID": "li", "RECTIFY_ACTOR_UNIT": "省教育廳"},
}
STEP_CHOICES: list[tuple[str, tuple[str, ...], str, dict[str, Any]]] = [
    ("assign", ("--unit", "省財政廳", "--person", "張敏", "--deadline", "2030-01-31"),
     "assign", {"unit": "省財政廳", "person": "張敏", "deadline": "2030-01-31"}),
    ("rectify", ("--mode", "within_deadline", "--summary", "done"),
     "submit_rectification", {"summary": "done"}),
    ("rectify", ("--mode", "on_the_spot", "--summary", "done"),
     "rectify_on_the_spot", {"summary": "done"}),
    ("rectify", ("--mode", "central", "--summary", "done", "--campaign", "專項"),
     "treat_centrally", {"summary": "done", "campaign": "專項"}),
    ("verify", (), "verify", {}),
    ("reject", ("--reason", "不到位"), "reject", {"reason": "不到位"}),
    ("close-out", (), "close_out", {}),
    ("reopen", ("--reason", "反彈"), "reopen", {"reason": "反彈"}),
    ("extend", ("--new-deadline", "2030-06-30", "--reason", "延"), "extend_deadline",
     {"new_deadline": "2030-06-30", "reason": "延"}),
    ("progress", ("--text", "進行中"), "report_progress", {"text": "進行中"}),
    ("withdraw", ("--reason", "不屬實"), "withdraw", {"reason": "不屬實"}),
]  # fmt: skip


def _actor(env: dict[str, str]) -> rectify.Actor:
    roles = env["RECTIFY_ACTOR_ROLES"].split(",")
    return rectify.Actor(
        env["RECTIFY_ACTOR_ID"], env["RECTIFY_ACTOR_NAME"], env["RECTIFY_ACTOR_UNIT"], roles
    )


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(STEP_CHOICES), st.sampled_from(sorted(CAST))), max_size=7
    )
)
def test_any_steps_on_the_command_line_record_what_the_same_api_calls_record(
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[tuple[str, tuple[str, ...], str, dict[str, Any]], str]],
) -> None:
    db = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'cli.db'}"
    api = rectify.connect("memory://")
    issue = record(db)
    api_issue = api.record_issue(
        actor=_actor(VERIFIER), title="三會一課記錄不全", unit="省財政廳", source="考核",
        on="2019-06-01",
    )  # fmt: skip
    for (step, options, command, fields), who in steps:
        done = rectify_cli(db, CAST[who], "issue", step, issue, *options)
        refused = ""
        try:
            getattr(api, command)(api_issue, actor=_actor(CAST[who]), **fields)
        except rectify.RectifyError as e:
            refused = type(e).__name__
        assert done.exit_code == (2 if refused else 0), done.output
        assert done.output.startswith(refused), (done.output, refused)
    cli_trail = recorded(db, issue)
    api_trail = [(e.action, e.actor.id, str(e.to_state)) for e in api.audit_trail(api_issue)]
    assert cli_trail == api_trail
    api.close()


def test_an_assignment_without_a_deadline_takes_the_named_policys(db: str, tmp_path: Path) -> None:
    issue = record(db)
    assign = (
        "issue",
        "assign",
        issue,
        "--unit",
        "省財政廳",
        "--person",
        "張敏",
        "--on",
        "2019-06-03",
    )
    refused = rectify_cli(db, VERIFIER, *assign)
    assert refused.exit_code == 2 and "deadline" in refused.output
    policy = tmp_path / "sla.toml"
    policy.write_text('[by_source]\n"考核" = "10 working days"\n', encoding="utf-8")
    done = rectify_cli(db, {**VERIFIER, "RECTIFY_DEADLINE_POLICY": str(policy)}, *assign)
    assert done.exit_code == 0, done.output
    application = rectify.connect(db, create=False)
    try:
        view = application.get_issue(issue)
    finally:
        application.close()
    # ten working days from Monday 3 June 2019; Friday 7 June was 端午節
    assert view.deadline == date(2019, 6, 18)
    assert view.deadline_rule == "source 考核: 10 working days (10個工作日)"
    policy.write_text('[by_source]\n"考核" = "soon"\n', encoding="utf-8")
    bad = CliRunner().invoke(
        app, ["issue", "--deadline-policy", str(policy), *assign[1:], "--db", db],
        env={"COLUMNS": "200", **VERIFIER},
    )  # fmt: skip
    assert bad.exit_code == 2 and "policy.by_source.考核" in bad.output
