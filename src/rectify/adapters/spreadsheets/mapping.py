"""A mapping file: how a unit's own spreadsheet is read as our ledger (TOML, or JSON).

.. code-block:: toml

    sheet = "臺賬"            # the sheet of a workbook to read
    header_row = 2            # the row holding the headers (as the spreadsheet numbers it)
    list = "XX廳2019年黨建考核反饋問題整改臺賬"   # the ledger's name in match keys
    units = ["省財政廳", "省教育廳"]                # the units known (others are refused)

    [columns]                 # their header = our header
    "完成時限" = "整改時限"

    [values."是否銷號"]        # per our column: what a cell holds = what it means
    "已整改" = "是"

    [defaults]                # per our column: the value of a blank cell (or a missing column)
    "發現日期" = 2019-09-01
    "問題來源" = "2019年度黨建考核"

A flat table of headers (``{"完成時限": "整改時限"}``) is read as ``[columns]``. Every key is
checked (:class:`Mapping`, pydantic): a mistake is an :class:`~rectify.errors.InvalidCommand`
for ``mapping`` naming the key and its line. :func:`draft_mapping` writes a starting mapping
for a given spreadsheet (``rectify import FILE --write-mapping OUT.toml``).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError
from pydantic.functional_validators import AfterValidator, BeforeValidator

from rectify.adapters.spreadsheets.headers import ours_of
from rectify.adapters.spreadsheets.reading import (
    CLOSED_WORDS,
    REQUIRED,
    Table,
    read_closed,
    read_table,
    text_in,
)
from rectify.adapters.spreadsheets.tabular import EXPORT_COLUMNS, HEADERS
from rectify.adapters.spreadsheets.words import DEADLINE_FORMS, read_deadline, read_source
from rectify.adapters.spreadsheets.workbooks import ALL_SHEETS
from rectify.domain.values import Mode, NonEmptyStr, Severity, Source, Status, parse_day
from rectify.errors import InvalidCommand

_TO_SIMPLIFIED = str.maketrans(
    "問題來責單時進銷號註發現類別驗嚴屬詳編黨辦專項數狀態條為",
    "问题来责单时进销号注发现类别验严属详编党办专项数状态条为",
)

HEADER_ALIASES: dict[str, str] = {
    **{h.translate(_TO_SIMPLIFIED): h for h in HEADERS},
    "序号": "序號", "編號": "序號", "编号": "序號",
    "存在問題": "問題描述", "存在问题": "問題描述", "問題": "問題描述", "问题": "問題描述",
    "問題表現": "問題描述", "问题表现": "問題描述", "具體問題": "問題描述",
    "具体问题": "問題描述", "主要問題": "問題描述", "主要问题": "問題描述",
    "問題清單": "問題描述", "问题清单": "問題描述",
    "來源": "問題來源", "来源": "問題來源", "問題類型": "問題類別", "问题类型": "問題類別",
    "整改舉措": "整改措施", "整改举措": "整改措施", "措施": "整改措施",
    "牽頭單位": "責任單位", "牵头单位": "責任單位", "責任部門": "責任單位",
    "责任部门": "責任單位", "整改單位": "責任單位", "整改单位": "責任單位",
    "責任領導": "責任人", "责任领导": "責任人", "責任人員": "責任人", "责任人员": "責任人",
    "負責人": "責任人", "负责人": "責任人",
    "完成時限": "整改時限", "完成时限": "整改時限", "整改期限": "整改時限",
    "完成時間": "整改時限", "完成时间": "整改時限", "時限": "整改時限", "时限": "整改時限",
    "整改情況": "整改進展", "整改情况": "整改進展", "進展情況": "整改進展",
    "进展情况": "整改進展", "完成情況": "整改進展", "完成情况": "整改進展",
    "整改落實情況": "整改進展", "整改落实情况": "整改進展",
    "銷號情況": "是否銷號", "销号情况": "是否銷號", "是否完成銷號": "是否銷號",
    "備注": "備註", "备注": "備註",
}  # fmt: skip
"""Headers committees write for our columns (their header → ours): the simplified forms of our
own, and the usual other names (完成時限 → 整改時限, 責任領導 → 責任人 …). The one table;
:func:`draft_mapping` maps by it."""


VALUE_READERS: dict[str, Callable[[str], object]] = {
    "問題來源": read_source,
    "整改時限": read_deadline,
    "是否銷號": read_closed,
    "狀態": Status,
    "整改類型": Mode,
    "嚴重程度": Severity,
}
"""Our columns whose cells are read as words with a meaning, and how (ValueError: not
understood). What a mapping's ``[values]`` translate to is checked by them."""

_DATES = frozenset(c.header for c in EXPORT_COLUMNS if c.kind == "date")
_ACCEPTED = {
    "問題來源": "、".join(s.label for s in Source) + ", or words containing one",
    "整改時限": DEADLINE_FORMS,
    "是否銷號": "、".join(CLOSED_WORDS) + " or blank",
    "狀態": "、".join(s.label for s in Status),
    "整改類型": "、".join(m.label for m in Mode),
    "嚴重程度": "、".join(s.label for s in Severity),
}
"""What each column of :data:`VALUE_READERS` understands, in words for a written mapping."""


def _ours(header: str) -> str:
    if header not in HEADERS:
        msg = f"{header!r} is not one of our columns ({'、'.join(HEADERS)})"
        raise ValueError(msg)
    return header


Ours = Annotated[str, AfterValidator(_ours)]
"""One of our columns (:data:`~rectify.adapters.spreadsheets.tabular.HEADERS`)."""


class Mapping(BaseModel):
    """A mapping file, checked: see the module."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    columns: dict[NonEmptyStr, Ours] = {}
    values: dict[Ours, dict[str, NonEmptyStr]] = {}
    defaults: dict[Ours, Default] = {}
    units: list[NonEmptyStr] | None = None
    sheet: NonEmptyStr | None = None
    header_row: PositiveInt | None = None
    list_name: NonEmptyStr | None = Field(default=None, alias="list")

    def problems(self) -> list[tuple[tuple[int | str, ...], str]]:
        """What the mapping says that would not be understood, each with its key: a
        translation to words its column does not read (``values.是否銷號.已整改 = "好"``), a
        default that is not a date in a date column, or not understood in its column."""
        found: list[tuple[tuple[int | str, ...], str]] = []
        for column, meanings in self.values.items():
            read = VALUE_READERS.get(column, parse_day if column in _DATES else None)
            for written, meant in meanings.items():
                if read is not None and not _understood(read, meant):
                    found.append((("values", column, written), _not_read(column, meant)))
        for column, value in self.defaults.items():
            read = VALUE_READERS.get(column, parse_day if column in _DATES else None)
            if read is not None and not isinstance(value, date) and not _understood(read, value):
                found.append((("defaults", column), _not_read(column, value)))
        return found

    def default_dates(self) -> dict[str, date | str]:
        """The defaults, dates of date columns as dates."""
        return {
            c: parse_day(v) if c in _DATES and c not in VALUE_READERS and isinstance(v, str) else v
            for c, v in self.defaults.items()
        }


def _not_read(column: str, value: str) -> str:
    if column in _ACCEPTED:
        return f"{value!r} is not understood in {column}: write {_ACCEPTED[column]}"
    if column in _DATES:
        return f"{value!r} is not a date (write 2019-09-01)"
    return f"{value!r} is not understood in {column}"


def _date_or_text(value: object) -> object:
    """A default as TOML gives it: a date (2019-09-01) or text in quotes; anything else (a
    number, a time, a list) is refused in words, not in pydantic's."""
    if isinstance(value, str) or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    msg = f"{value!r} is a {type(value).__name__}: write a date (2019-09-01) or text in quotes"
    raise ValueError(msg)


Default = Annotated[date | NonEmptyStr, BeforeValidator(_date_or_text)]
"""A default of a mapping: a date, or text."""


def _understood(read: Callable[[str], object], text: str) -> bool:
    try:
        read(text)
    except ValueError:
        return False
    return True


_TABLE = re.compile(r"^\s*\[+\s*(.+?)\s*\]+\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")


def _key_path(text: str) -> list[str]:
    parts = re.findall(r""""(?:[^"\\]|\\.)*"|'[^']*'|[^.\s]+""", text)
    return [json.loads(p) if p.startswith('"') else p.strip("'") for p in parts]


def _line_of(source: str, loc: tuple[int | str, ...]) -> int | None:
    """The line of a TOML ``source`` where the key at ``loc`` is written (None: not found)."""
    wanted = [str(p) for p in loc if p != "[key]"]
    best: tuple[int, int] | None = None
    table: list[str] = []
    for number, line in enumerate(source.splitlines(), start=1):
        header = _TABLE.match(line)
        if header:
            table = _key_path(header.group(1))
            path = table
        else:
            key = _KEY.match(line)
            if key is None:
                continue
            path = [*table, *_key_path(key.group(1))]
        common = 0
        for a, b in zip(path, wanted, strict=False):
            if a != b:
                break
            common += 1
        if common == len(path) and common and (best is None or common > best[0]):
            best = (common, number)
    return None if best is None else best[1]


def load_mapping(path: Path | None) -> Mapping:
    """The mapping file at ``path`` (TOML by its ``.toml`` suffix, else JSON), checked; an
    empty mapping for None. A mistake raises :class:`~rectify.errors.InvalidCommand` for
    ``mapping``, each problem naming its key (``mapping.defaults.發現日期``) and, in TOML, its
    line."""
    if path is None:
        return Mapping()
    try:
        source = path.read_text(encoding="utf-8")
        raw = tomllib.loads(source) if path.suffix.lower() == ".toml" else json.loads(source)
    except (OSError, ValueError) as e:
        raise InvalidCommand("mapping", f"{path}: {e}") from e
    if not isinstance(raw, dict):
        raise InvalidCommand("mapping", f"{path}: expected a table of columns")
    fields = {*Mapping.model_fields, "list"} - {"list_name"}
    if raw and not fields & raw.keys():
        raw = {"columns": raw}  # a flat table of headers
    wrong: list[tuple[tuple[int | str, ...], str]]
    try:
        found = Mapping.model_validate(raw)
    except ValidationError as e:
        wrong = [(tuple(err["loc"]), str(err["msg"])) for err in e.errors()]
    else:
        wrong = list(found.problems())
        if not wrong:
            return found
    problems = []
    for loc, message in wrong:
        key = ".".join(str(p) for p in loc if p != "[key]") or "mapping"
        line = _line_of(source, loc) if path.suffix.lower() == ".toml" else None
        at = f" (line {line})" if line is not None else ""
        reason = message.removeprefix("Value error, ")
        problems.append({"field": f"mapping.{key}", "message": f"{path.name}{at}: {reason}"})
    first = problems[0]
    raise InvalidCommand("mapping", f"{first['field']}: {first['message']}", problems)


# ---------------------------------------------------------------- a starting mapping


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def draft_mapping(
    path: Path,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    list_name: str | None = None,
) -> str:
    """A starting mapping (TOML) for the ledger at ``path``: the sheet read, the header row
    found, the list name the import would take, each of the file's headers mapped to ours
    (the same, or by :data:`HEADER_ALIASES`), the headers not understood as comments, our
    required columns the file lacks as commented defaults, and for each column read as words
    (:data:`VALUE_READERS`) the distinct values not understood, as commented translations to
    fill in. Records nothing."""
    known = frozenset({*HEADERS, *HEADER_ALIASES})
    table = read_table(path, sheet=sheet, known=known, header_row=header_row)
    lines = [
        f"# A mapping for {path.name}, written by rectify import --write-mapping.",
        "# Check it, fill in what is commented, then: rectify import FILE --mapping THIS --dry-run",
        "",
    ]
    if table.sheet is not None:
        lines.append(f"sheet = {_toml(table.sheet)}")
    if table.sheet == ALL_SHEETS:  # each sheet's header is found where it is
        lines.append(f"# header_row = {int(table.header_row)}  # on every sheet, if it is")
    else:
        lines.append(f"header_row = {table.header_row}")
    name = list_name or default_list_name(table, path)
    lines += [
        f"list = {_toml(name)}  # the ledger's name: with 序號, what finds each problem again",
        "",
        "[columns]  # your header = ours",
    ]
    unknown: list[str] = []
    ours, passed = ours_of(table.headers, HEADERS, HEADER_ALIASES)  # never two to one of ours
    second = {i: mapped for i, _, mapped in passed}
    for i, header in enumerate(table.headers):
        if not header:
            continue
        if i in second:
            lines.append(
                f"# {_toml(header)} = {_toml(second[i])}  # a second column for "
                f"{second[i]}: one column is read as each of ours; name another, or leave it"
            )
        elif i in ours:
            lines.append(f"{_toml(header)} = {_toml(ours[i])}")
        else:
            unknown.append(header)
    for header in unknown:
        lines.append(f'# {_toml(header)} = ""  # not one of ours: name our column, or leave it')
    lines += ["", "[defaults]  # our column = the value of a blank cell (or a missing column)"]
    for column in REQUIRED:
        example = "2019-01-01" if column in _DATES else '""'
        if column not in ours.values():
            lines.append(f"# {_toml(column)} = {example}  # the file has no {column}")
            continue
        at = [i for i, c in ours.items() if c == column]
        blank = sum(
            all(text_in({column: v[i] if i < len(v) else None}, column) is None for i in at)
            for _, v in table.rows
        )
        if blank:
            lines.append(f"# {_toml(column)} = {example}  # blank in {blank} row(s)")
    for column, read in VALUE_READERS.items():
        at = [i for i, c in ours.items() if c == column]
        if not at:
            continue
        strange: dict[str, None] = {}
        for _, values in table.rows:
            for i in at:
                raw = values[i] if i < len(values) else None
                if isinstance(raw, date) and column == "整改時限":
                    continue  # an Excel date: a deadline
                text = text_in({column: raw}, column)
                if text is not None and not _understood(read, text):
                    strange[text] = None
        if strange:
            lines += [
                "",
                f"[values.{_toml(column)}]  # what a cell holds = what it means",
                f"# (understood: {_ACCEPTED[column]})",
            ]
            lines += [f'# {_toml(text)} = ""' for text in strange]
    return "\n".join(lines) + "\n"


_AS_OF = re.compile(r"[\s　]*截至\s*\S*$")
_GENERIC_SHEET = re.compile(r"^(?:sheet\d*|工作表\d*|臺賬|台账|台帳)$", re.IGNORECASE)


def default_list_name(table: Table, path: Path) -> str:
    """The ledger's name in match keys when none is given: its title (the first title row
    above the header, without the 截至… date an exported title ends with), else the name of
    its sheet unless that is a workbook's default (Sheet1, 工作表1, 臺賬) or several sheets
    were read (``"*"``), else the file's name without its suffix (a CSV file without a title,
    say)."""
    if table.title:
        title = _AS_OF.sub("", table.title).strip()
        if title:
            return title
    if table.sheet and table.sheet != ALL_SHEETS and not _GENERIC_SHEET.match(table.sheet.strip()):
        return table.sheet.strip()
    return path.stem
