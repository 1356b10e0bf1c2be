"""Fuzzing every public command and the import (issue 10): whatever a caller passes, only a
:class:`~rectify.errors.RectifyError` comes out, and a refused call records nothing.

The commands are the declared ones (:data:`rectify.domain.commands.COMMANDS`) that the
application offers; each field gets, now and then, a value of its declared type (so that calls
reach the workflow, the guards and the store) and otherwise anything at all: other types, huge and
control-character strings, out-of-range dates, unknown enum values, mixed scripts, objects built
without validation. Each is given by its keyword method or as a command to ``app.handle``.
The import gets random bytes as a spreadsheet and ledgers of hostile cells.
"""

from __future__ import annotations

import csv
import enum
import inspect
import io
import types
import typing
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from pydantic import BaseModel

import rectify
from rectify import Actor, Role
from rectify.domain.commands import COMMANDS, Command, Finding
from rectify.domain.values import Mentor
from rectify.errors import InvalidCommand, RectifyError
from rectify.testing.invariants import (
    check_issue,
    ledger_equals_replay,
    refused_command_changed_nothing,
    snapshot,
)
from rectify.testing.strategies import actors
from tests.conftest import TODAY, UNIT, Cast
from tests.integration.test_faults import HEADER

PUBLIC = {
    name: model
    for name, model in COMMANDS.items()
    if callable(getattr(rectify.RectificationApp, name, None))
}
"""Every command the application offers, from the declarations (mark_ready is the policy's)."""

FAMILIES = {
    "issue": sorted(n for n, m in PUBLIC.items() if m.aggregate == "issue"),
    "branch": sorted(n for n, m in PUBLIC.items() if m.aggregate == "branch"),
    "list-round": sorted(n for n, m in PUBLIC.items() if m.aggregate not in ("issue", "branch")),
}
EXAMPLES = {"sqlite": 24, "postgres": 12}
"""Examples per command (on SQLite 360 for the 15 issue commands, 192 for the 8 branch commands,
120 for the 5 of lists and rounds; half that on PostgreSQL), and four times as many imports; the
whole file runs in about 15 s."""

FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ---------------------------------------------------------------- hostile values

SURROGATES = ("\ud800", "a\udfffb", "\udbff\udc00")
HUGE = ("長" * 2_001, "x" * 20_001, "問題" * 60_000, " " * 30_000 + "x")
DAYS = (
    "0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01", "2019-02-30", "2019-13-01",
    "-2019-06-01", "2019-6-1", "２０１９-０６-０１", "2019-06-01T00:00", "20190601", "",
    "2019-06-01\x00", "\u202e2019-06-01",
)  # fmt: skip
NAMES = (
    "unknown", "INSPECTION ", "巡察", "on_the_spot ", "central\x00", "None", "null", "0",
    "__class__", "Source.INSPECTION", "ａｓｓｅｓｓｍｅｎｔ",
)  # fmt: skip
MIXED = st.text(
    alphabet="Aяب中한ㄱ🙂\u200b\u0301\ufeff\u202e\u3000\t\n\r\x85\u2028ʼ", min_size=1, max_size=24
)
CONTROL = st.text(
    alphabet=st.characters(codec=None, categories=["Cc", "Cf", "Zl", "Zp", "Co"]),
    min_size=1,
    max_size=8,
)


class Weird:
    """An object of no type rectify knows, with a str() that fails."""

    def __str__(self) -> str:
        raise RuntimeError("no text")


def constructed_actors() -> st.SearchStrategy[Actor]:
    """Actors built without validation (``model_construct``): any field can hold anything."""
    return st.builds(
        Actor.model_construct,
        id=st.one_of(st.text(max_size=5), st.integers(), st.none()),
        name=st.one_of(st.text(max_size=5), st.just(HUGE[0])),
        unit=st.one_of(st.just(UNIT), st.text(max_size=5), st.none(), st.just(SURROGATES[0])),
        roles=st.one_of(
            st.frozensets(st.sampled_from(list(Role))),
            st.just("verifier"),
            st.lists(st.text(max_size=6), max_size=2),
            st.none(),
        ),
    )


def nasty() -> st.SearchStrategy[Any]:
    """Anything at all."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([2**70, -(2**63) - 1, 2**63, 0, -1]),
        st.floats(),
        st.sampled_from([Decimal("NaN"), float("inf"), 1e308, complex(1, 1)]),
        st.text(max_size=20),
        st.sampled_from(SURROGATES + HUGE + DAYS + NAMES),
        MIXED,
        CONTROL,
        st.dates(),
        st.datetimes(),
        st.sampled_from([date.min, date.max, TODAY + timedelta(days=1)]),
        st.uuids(),
        st.uuids().map(lambda u: f" {u}\n"),
        st.binary(max_size=16),
        st.sampled_from([object(), Weird(), Path("/etc/passwd"), enum.Enum, print, ...]),
        st.sampled_from(list(Role) + list(rectify.Status)),
    )
    constructed = st.one_of(  # models built without validation, holding anything
        st.builds(Mentor.model_construct, name=scalars, unit=scalars),
        st.builds(Finding.model_construct, target=scalars, item=scalars, text=scalars),
    )
    return st.one_of(
        scalars,
        constructed,
        st.lists(constructed, min_size=1, max_size=2).map(tuple),
        st.lists(scalars, max_size=3),
        st.lists(scalars, max_size=3).map(tuple),
        st.frozensets(st.integers() | st.text(max_size=3), max_size=3),
        st.dictionaries(st.text(max_size=4), scalars, max_size=3),
        st.lists(st.lists(scalars, max_size=2), max_size=2),
        actors(),
        constructed_actors(),
    )


def plausible(annotation: Any, ids: list[UUID]) -> st.SearchStrategy[Any]:
    """A value of the declared type ``annotation``, mostly one a command could take."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return plausible(args[0], ids)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([plausible(a, ids) for a in args])
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(plausible(args[0], ids), max_size=3).map(tuple)
        return st.tuples(*(plausible(a, ids) for a in args))
    if origin is dict:
        return st.dictionaries(plausible(args[0], ids), plausible(args[1], ids), max_size=5)
    if annotation is type(None):
        return st.none()
    if annotation is Actor:
        return actors()
    if annotation is Mentor:
        return st.fixed_dictionaries(
            {"name": st.sampled_from(["王副廳長", "趙主任"]),
             "unit": st.sampled_from([UNIT, "省直機關工委"])},
            optional={"post": st.just("黨組成員")},
        )  # fmt: skip
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        members = list(annotation)
        return st.one_of(
            st.sampled_from(members),
            st.sampled_from([m.value for m in members]),
            st.sampled_from([getattr(m, "label", m.name) or m.name for m in members]),
        )
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return st.fixed_dictionaries(
            {k: plausible(f.annotation, ids) for k, f in annotation.model_fields.items()}
        )
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(1, 5)
    if annotation is date:
        days = st.integers(-200, 1).map(lambda n: TODAY + timedelta(days=n))
        return st.one_of(days, days.map(date.isoformat))
    if annotation is UUID:
        return st.one_of(st.sampled_from(ids), st.sampled_from(ids).map(str))
    if annotation is str:
        return st.one_of(
            st.sampled_from([UNIT, "省教育廳", "省直機關工委", "01", "02", "P01", "整改", "1"]),
            st.text(alphabet="整改問題支部黨建落實abc", min_size=1, max_size=12),
        )
    return nasty()  # pragma: no cover - a declared type this strategy does not know yet


# ---------------------------------------------------------------- the store fuzzed


@pytest.fixture
def world(persistent_url: str) -> Iterator[tuple[rectify.RectificationApp, dict[str, list[UUID]]]]:
    """A store holding some of everything a command acts on, in several states."""
    app = rectify.connect(persistent_url, today=lambda: TODAY)
    v, r, i = Cast.verifier, Cast.responsible, Cast.inspector
    found = app.record_issue(actor=i, title="發現", unit=UNIT, source="inspection",
                             on="2019-06-01")  # fmt: skip
    assigned = app.record_issue(actor=i, title="交辦", unit=UNIT, source="assessment",
                                on="2019-06-01")  # fmt: skip
    app.assign(assigned, actor=v, unit=UNIT, person="劉處長", deadline="2019-09-30",
               measures=["制定方案", "逐條整改"], on="2019-06-02")  # fmt: skip
    rectified = app.record_issue(actor=i, title="整改", unit=UNIT, source="research",
                                 on="2019-06-01")  # fmt: skip
    app.rectify_on_the_spot(rectified, actor=r, summary="當場整改", on="2019-06-03")
    closed = app.record_issue(actor=i, title="銷號", unit=UNIT, source="inspection",
                              on="2019-06-01")  # fmt: skip
    app.rectify_on_the_spot(closed, actor=r, summary="當場整改", on="2019-06-03")
    app.verify(closed, actor=v, on="2019-06-04")
    app.close_out(closed, actor=v, on="2019-06-05")
    branch = app.register_branch(actor=v, code="FZ-1", name="第一支部", unit=UNIT,
                                 on="2019-01-02")  # fmt: skip
    lagging = app.register_branch(actor=v, code="FZ-2", name="第二支部", unit=UNIT,
                                  on="2019-01-02")  # fmt: skip
    app.designate_lagging(lagging, actor=v, kinds=["軟弱渙散"], basis="排查", on="2019-02-01")
    plist = app.issue_problem_list(actor=v, name="清單", issuer="省委", deadline="2019-12-31",
                                   common_problems=[("P01", "共性問題")], on="2019-03-01")  # fmt: skip
    checklist = app.define_checklist(actor=i, name="巡查清單", items=[("01", "甲"), ("02", "乙")],
                                     on="2019-03-01")  # fmt: skip
    inspection = app.open_inspection_round(checklist, actor=i, period="2019-Q2",
                                           scope=[UNIT, "FZ-1"], on="2019-04-01")  # fmt: skip
    known = {
        "issue": [found, assigned, rectified, closed],
        "branch": [branch, lagging],
        "other": [plist, checklist, inspection],
    }
    yield app, known
    app.close()


NO_TARGET = "no target: the command creates what it acts on"


def _takes_target(name: str) -> bool:
    """Whether the command's method acts on a record given first (an issue, a round …)."""
    params = list(inspect.signature(getattr(rectify.RectificationApp, name)).parameters.values())
    return len(params) > 1 and params[1].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD


def _keywords(name: str) -> dict[str, bool]:
    """The keyword parameters of the command's method: name -> whether it must be given."""
    params = inspect.signature(getattr(rectify.RectificationApp, name)).parameters.values()
    return {
        p.name: p.default is inspect.Parameter.empty
        for p in params
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }


@st.composite
def calls(
    draw: st.DrawFn, name: str, ids: list[UUID], targets: list[UUID]
) -> tuple[str, Any, dict[str, Any]]:
    """A call of command ``name``: how it is given, its target, its keyword arguments. Half the
    calls have only values of the declared types (they reach the workflow and the store), a
    quarter one hostile value, a quarter hostile values anywhere. ``targets`` are the records of
    the kind the command acts on, ``ids`` those of every kind."""
    how = draw(st.sampled_from(["method", "method", "handle"]))
    fields = PUBLIC[name].model_fields
    keywords = _keywords(name)
    mode = draw(st.sampled_from(["declared", "declared", "one hostile", "hostile"]))
    hostile = draw(st.sampled_from(sorted(keywords))) if mode == "one hostile" else None
    kwargs: dict[str, Any] = {}
    for keyword, required in keywords.items():
        field = fields.get(keyword)
        needed = required or (how == "handle" and field is not None and field.is_required())
        if not needed and keyword != hostile and draw(st.booleans()):
            continue  # left to its default
        if field is None or keyword == hostile or (mode == "hostile" and draw(st.booleans())):
            kwargs[keyword] = draw(nasty())
        else:
            kwargs[keyword] = draw(plausible(field.annotation, ids))
    if not _takes_target(name):
        target: Any = NO_TARGET
    elif mode == "hostile" and draw(st.booleans()):
        target = draw(st.one_of(st.uuids(), nasty()))
    else:
        right = st.sampled_from(targets)
        target = draw(st.one_of(right, right, right.map(str), st.sampled_from(ids)))
    return how, target, kwargs


def give(
    app: rectify.RectificationApp, name: str, how: str, target: Any, kwargs: dict[str, Any]
) -> Any:
    if how == "handle":  # a command object built without validation, given as data
        command = PUBLIC[name].model_construct(**kwargs)
        return app.handle(command) if target is NO_TARGET else app.handle(command, target)
    method = getattr(app, name)
    return method(**kwargs) if target is NO_TARGET else method(target, **kwargs)


def shown(kwargs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r:.80}" for k, v in kwargs.items())


def fuzz_command(
    app: rectify.RectificationApp,
    known: dict[str, list[UUID]],
    name: str,
    examples: int,
    outcomes: Counter[str],
) -> None:
    """Give command ``name`` ``examples`` fuzzed calls; count how each ended."""
    ids = [i for group in known.values() for i in group]
    aggregate = PUBLIC[name].aggregate
    targets = known[aggregate] if aggregate in known else known["other"]

    @settings(FUZZ, max_examples=examples)
    @given(call=calls(name, ids, targets))
    def fuzz(call: tuple[str, Any, dict[str, Any]]) -> None:
        how, target, kwargs = call
        before = snapshot(app, known["issue"], TODAY, known["branch"])
        try:
            give(app, name, how, target, kwargs)
        except RectifyError as e:
            outcomes[type(e).__name__] += 1
            refused_command_changed_nothing(
                before, snapshot(app, known["issue"], TODAY, known["branch"])
            )
        except Exception as e:
            msg = f"{how} {name}({target!r:.60}, {shown(kwargs)}) raised {type(e).__name__}"
            raise AssertionError(f"{msg}: {e}") from e
        else:
            outcomes["accepted"] += 1

    fuzz()


@pytest.mark.parametrize("family", list(FAMILIES))
def test_fuzzed_commands_raise_only_rectify_errors_and_a_refusal_records_nothing(
    world: tuple[rectify.RectificationApp, dict[str, list[UUID]]],
    persistent_url: str,
    family: str,
) -> None:
    app, known = world
    examples = EXAMPLES["sqlite" if persistent_url.startswith("sqlite") else "postgres"]
    outcomes: Counter[str] = Counter()
    for name in FAMILIES[family]:
        fuzz_command(app, known, name, examples, outcomes)
    print(f"\n{family}: {dict(outcomes)}")
    for issue in known["issue"]:
        check_issue(app, issue)
    ledger_equals_replay(app, TODAY, None)


def test_every_public_command_is_fuzzed() -> None:
    fuzzed = {n for names in FAMILIES.values() for n in names}
    assert fuzzed == set(PUBLIC) == set(COMMANDS) - {"mark_ready"}
    assert all(issubclass(m, Command) for m in PUBLIC.values())


# ---------------------------------------------------------------- the import fuzzed

IMPORTER = Actor("xs-li", "李處長", "省委巡視辦", [Role.VERIFIER])


def hostile_cell() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(["", "1", "考核", "巡查", "已銷號", "已整改", "是", "否", UNIT]),
        st.sampled_from(DAYS + NAMES + SURROGATES + HUGE[:2]),
        MIXED,
        CONTROL,
        st.text(max_size=12),
        st.integers(),
        st.floats(),
        st.sampled_from(["=1/0", '=HYPERLINK("x")', "@SUM(A1)", "+1", "-1", "\ufeff序號"]),
    )


def ledgers() -> st.SearchStrategy[tuple[list[str], list[list[Any]]]]:
    header = st.one_of(
        st.just(HEADER),
        st.permutations(HEADER),
        st.lists(st.sampled_from([*HEADER, "", "序號", "未知", "\x00"]), max_size=18),
    )
    good_row = st.tuples(
        st.integers(1, 9), st.just("三會一課記錄不規範"), st.sampled_from(["考核", "巡查"]),
        st.just("組織生活"), st.sampled_from([UNIT, "省教育廳"]),
    ).map(list)  # fmt: skip
    row = st.one_of(
        st.lists(hostile_cell(), max_size=18),
        st.tuples(good_row, st.lists(hostile_cell(), max_size=11)).map(lambda t: t[0] + t[1]),
    )
    return st.tuples(header, st.lists(row, max_size=5))


def write_csv(path: Path, header: list[str], rows: list[list[Any]], encoding: str) -> None:
    text = io.StringIO()
    out = csv.writer(text)
    out.writerow(header)
    out.writerows(rows)
    try:  # a lone surrogate as UTF-8 or UTF-16 would write it: invalid bytes
        data = text.getvalue().encode(encoding, errors="surrogatepass")
    except UnicodeEncodeError:  # GB18030 has no such escape
        data = text.getvalue().encode(encoding, errors="replace")
    path.write_bytes(data)


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for n, values in enumerate([header, *rows], start=1):
        for m, value in enumerate(values, start=1):
            try:
                sheet.cell(row=n, column=m, value=value)
            except Exception:  # openpyxl refuses what a sheet cannot hold; leave it out
                sheet.cell(row=n, column=m, value="?")
    book.save(path)


def spreadsheets() -> st.SearchStrategy[tuple[str, Callable[[Path], Path]]]:
    """A file to import: random bytes under a spreadsheet's name, or a ledger of hostile
    cells as CSV (in several encodings) or xlsx."""

    def raw(data: bytes, suffix: str) -> tuple[str, Callable[[Path], Path]]:
        def make(folder: Path) -> Path:
            path = folder / f"臺賬{suffix}"
            path.write_bytes(data)
            return path

        return f"{len(data)} random bytes as {suffix or 'no suffix'}", make

    def table(
        ledger: tuple[list[str], list[list[Any]]], kind: str
    ) -> tuple[str, Callable[[Path], Path]]:
        header, rows = ledger

        def make(folder: Path) -> Path:
            if kind == "xlsx":
                path = folder / "臺賬.xlsx"
                write_xlsx(path, header, rows)
            else:
                path = folder / "臺賬.csv"
                write_csv(path, [str(h) for h in header], rows, kind)
            return path

        return f"{kind}: {header!r:.100} / {rows!r:.300}", make

    random_bytes = st.tuples(
        st.one_of(
            st.binary(max_size=300),
            st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b),  # a broken zip
            st.binary(max_size=200).map(lambda b: b"\xef\xbb\xbf" + b),  # a BOM, then noise
        ),
        st.sampled_from([".xlsx", ".csv", ".xls", ".xlsm", ".ods", ".txt", ""]),
    ).map(lambda t: raw(*t))
    tables = st.tuples(
        ledgers(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "xlsx"])
    ).map(lambda t: table(*t))
    return st.one_of(random_bytes, tables)


def import_options() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={
            "list_name": st.one_of(st.just("清單"), nasty()),
            "key_column": st.one_of(st.just("序號"), nasty()),
            "units": st.one_of(st.just({UNIT}), nasty()),
            "dry_run": st.one_of(st.booleans(), nasty()),
            "mapping": st.one_of(st.just("mapping.json"), st.just("mapping.toml"), nasty()),
        },
    )


def test_fuzzed_imports_raise_only_rectify_errors_and_a_refusal_records_nothing(
    persistent_url: str, tmp_path: Path
) -> None:
    app = rectify.connect(persistent_url, today=lambda: TODAY)
    examples = 4 * EXAMPLES["sqlite" if persistent_url.startswith("sqlite") else "postgres"]
    outcomes: Counter[str] = Counter()

    @settings(FUZZ, max_examples=examples)
    @given(
        sheet=spreadsheets(),
        options=import_options(),
        actor=st.one_of(st.just(IMPORTER), st.just(IMPORTER), actors(), nasty()),
        mapping=st.one_of(st.binary(max_size=80), st.sampled_from([b"{}", b'{"columns": 5}'])),
    )
    def fuzz(
        sheet: tuple[str, Callable[[Path], Path]],
        options: dict[str, Any],
        actor: Any,
        mapping: bytes,
    ) -> None:
        described, make = sheet
        path = make(tmp_path)
        for name in ("mapping.json", "mapping.toml"):
            (tmp_path / name).write_bytes(mapping)
        if isinstance(options.get("mapping"), str):
            options["mapping"] = tmp_path / options["mapping"]
        before = app.recorder.max_notification_id()
        try:
            result = app.import_ledger(path, actor=actor, **options)
        except RectifyError as e:
            outcomes[type(e).__name__] += 1
            refusal: RectifyError | None = e
        except Exception as e:
            msg = f"import of {described} with {shown(options)} raised {type(e).__name__}"
            raise AssertionError(f"{msg}: {e}") from e
        else:
            outcomes["dry run" if result.dry_run else "accepted"] += 1
            refusal = None
        if refusal is not None or result.dry_run or not result.new:
            assert app.recorder.max_notification_id() == before, f"recorded, yet {refusal}"

    try:
        fuzz()
        print(f"\nimports: {dict(outcomes)}")
        ledger_equals_replay(app, TODAY, None)
    finally:
        app.close()


# ---------------------------------------------------------------- what the fuzzing found


def test_a_command_built_without_a_field_is_refused_typed(
    memory_app: rectify.RectificationApp,
) -> None:
    """``memory_app.handle`` of a command built without validation and lacking a field (``on`` has no
    default in the model) raised AttributeError."""
    ident = memory_app.record_issue(actor=Cast.inspector, title="t", unit=UNIT, source="inspection")
    command = PUBLIC["report_progress"].model_construct(actor=Cast.responsible, text="進展")
    with pytest.raises(InvalidCommand) as refused:
        memory_app.handle(command, ident)
    assert refused.value.field == "on"
    assert len(memory_app.audit_trail(ident)) == 1


@pytest.mark.parametrize(
    "mapping",
    ['{"columns": 5}', '{"columns": {"問題": 1}}', '{"units": "省財政廳"}', '{"a": [1]}'],
)
def test_a_mapping_of_the_wrong_shape_is_refused_typed(
    memory_app: rectify.RectificationApp, tmp_path: Path, mapping: str
) -> None:
    """A mapping file whose columns are not a table of text, or whose units are not a list of
    text, raised AttributeError or TypeError."""
    ledger = tmp_path / "臺賬.csv"
    ledger.write_text("序號,問題描述,問題來源,責任單位,發現日期\n1,t,考核,省財政廳,2019-06-01\n")
    (tmp_path / "mapping.json").write_text(mapping)
    with pytest.raises(InvalidCommand) as refused:
        memory_app.import_ledger(ledger, actor=IMPORTER, mapping=tmp_path / "mapping.json")
    assert refused.value.field == "mapping"
    assert (memory_app.recorder.max_notification_id() or 0) == 0


@pytest.mark.parametrize(
    "actor",
    [
        Actor.model_construct(name="無編號", unit=UNIT, roles=frozenset({Role.VERIFIER})),
        Actor.model_construct(id="v", name="x", unit="\ud800", roles=frozenset({Role.VERIFIER})),
        Actor.model_construct(id="v", name="x", unit=None, roles=frozenset({Role.VERIFIER})),
        Actor.model_construct(id="v", name="x", unit=UNIT, roles=["校長"]),
    ],
)
def test_an_actor_built_without_validation_is_checked_like_any_other(
    memory_app: rectify.RectificationApp, tmp_path: Path, actor: Actor
) -> None:
    """Commands took an Actor object as it was: one built with ``model_construct`` reached the
    guards (TypeError) or the store (a lone surrogate: PydanticSerializationError on saving),
    or was recorded without an id."""
    ident = memory_app.record_issue(
        actor=Cast.inspector, title="t", unit="省教育廳", source="inspection", on="2019-06-01"
    )
    with pytest.raises(InvalidCommand, match="actor"):
        memory_app.withdraw(ident, actor=actor, reason="重複", on="2019-06-02")
    with pytest.raises(InvalidCommand, match="actor"):
        memory_app.allowed_actions(ident, actor=actor)
    ledger = tmp_path / "臺賬.csv"
    ledger.write_text("序號,問題描述,問題來源,責任單位,發現日期\n1,t,考核,省財政廳,2019-06-01\n")
    with pytest.raises(InvalidCommand, match="actor"):
        memory_app.import_ledger(ledger, actor=actor)
    mentors: list[Any] = [
        Mentor.model_construct(name=None, unit=5),
        {"name": "趙主任", "unit": UNIT},
    ]
    with pytest.raises(InvalidCommand, match="mentors"):
        memory_app.start_consolidation(
            memory_app.register_branch(actor=Cast.verifier, code="B", name="支部", unit=UNIT),
            actor=Cast.verifier, plan="方案", deadline="2019-12-31", mentors=mentors,
        )  # fmt: skip
    assert [e.action for e in memory_app.audit_trail(ident)] == ["record"]
