"""The ledger (臺賬): one row a problem, in the conventional columns, as of a business date.

The state a row shows is taken from the Issue aggregate by :func:`issue_state`, the one place that
says which of an issue's attributes the ledger and the issue view show. The ledger view stores that
state once per event with its validity on both time axes; a query picks, for each issue, the row
valid on business date D as known at position K.

Why this module is long: the row's fields, its packed stored form and the lazy decoding of that
form are one concept; apart, they would have to share the private encoding.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from enum import Enum
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload
from uuid import UUID

from rectify.domain.issue import days_overdue
from rectify.domain.values import Actor, Mode, Severity, Source, Status

if TYPE_CHECKING:
    from rectify.domain.issue import Issue


def issue_state(issue: Issue) -> dict[str, Any]:
    """What the ledger and the issue view show of an issue, by field name: every stored field of
    a :class:`LedgerRow` (its one declaration) but the log position, read from the issue."""
    return {
        name: _READ_FROM_ISSUE.get(name, attrgetter(name))(issue)
        for name in STORED_FIELDS
        if name != "position"
    }


_READ_FROM_ISSUE: dict[str, Callable[[Issue], Any]] = {
    "remarks_text": attrgetter("remarks"),
    "measures_done": lambda issue: tuple(sorted(issue.measures_done)),
    "recorded_at": attrgetter("modified_on"),
    "stale_decisions": lambda issue: issue.stale_decisions(),
}
"""The stored fields whose value is not the issue's attribute of the same name."""


class HasHistory(Protocol):
    """What the remarks column is made from (a LedgerRow, an IssueView)."""

    @property
    def rejections(self) -> int: ...
    @property
    def extensions(self) -> int: ...
    @property
    def reopenings(self) -> int: ...
    @property
    def rectified_late(self) -> bool: ...
    @property
    def status(self) -> Status: ...
    @property
    def remarks_text(self) -> str: ...
    @property
    def stale_decisions(self) -> tuple[str, ...]: ...


def remarks(row: HasHistory) -> str:
    """備註: the remarks recorded with the problem, then what its history adds (each note once).

    A ledger read back from a spreadsheet keeps its remarks as recorded, so exporting it again
    gives the same column."""
    recorded = row.remarks_text
    notes = [n for n in recorded.split(",") if n] if recorded else []
    history = []
    if row.rejections:
        history.append(f"退回{row.rejections}次")
    if row.extensions:
        history.append(f"延期{row.extensions}次")
    if row.reopenings:
        history.append(f"反彈重開{row.reopenings}次")
    if row.rectified_late:
        history.append("逾期整改")
    if row.status is Status.WITHDRAWN:
        history.append("已撤銷")
    if row.stale_decisions:
        history.append(STALE_NOTE)
    notes += [n for n in history if n not in notes]
    return ",".join(notes)


STALE_NOTE = "待重新確認"
"""備註 of a problem with a stale decision (what it relied on changed after it)."""


def source_text(source: Source, words: str | None) -> str:
    """問題來源 as the ledger shows it: as people wrote it (省委巡視反饋), else the source's
    name (考核)."""
    return words or source.label


def deadline_text(deadline: date | None, words: str | None) -> str:
    """整改時限 as the ledger shows it: as written when not a plain date (長期堅持,
    立行立改，2019年12月底前完成), else the date (2019-12-31), else ""."""
    if words:
        return words
    return "" if deadline is None else deadline.isoformat()


def measures_progress(done: int, total: int) -> str:
    """措施完成 in words: ``"8項中已完成3項"`` (3 of 8 measures done; "" when there are no
    measures): what the ledger, the issue view, the terminal and the export show."""
    return f"{total}項中已完成{done}項" if total else ""


LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("序號", "seq"),
    ("問題描述", "title"),
    ("問題來源", "source_text"),
    ("問題類別", "category"),
    ("責任單位", "acting_unit"),
    ("責任人", "responsible_person"),
    ("整改措施", "measures"),
    ("整改類型", "mode"),
    ("整改時限", "deadline_text"),
    ("整改進展", "progress"),
    ("狀態", "status"),
    ("是否銷號", "is_closed_out"),
    ("銷號日期", "closed_out_on"),
    ("備註", "remarks"),
)
"""The conventional ledger columns (Chinese header, LedgerRow attribute), in order."""


# ---------------------------------------------------------------- the stored form of a row
#
# A view row keeps an issue's state as one text: the fields below, in this order, joined by SEP,
# None as NONE, measures joined by ITEM. Reading 100k rows then costs one string per row from the
# database and a split, not forty column objects. A value holding a separator (control characters
# in free text) makes the whole state a JSON array instead, read the same way.

_FIELD_ORDER: list[str] = []  # filled by the LedgerRow's fields, in the order they are declared


SEP, NONE, ITEM = "\x1f", "\x1e", "\x1d"


def stamp(moment: datetime) -> str:
    """A recorded-at time as sortable UTC text (naive times are taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _encode(value: Any) -> str | list[str] | None:
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):  # before date: a datetime is a date
        return stamp(value)
    if isinstance(value, date | UUID):
        return str(value)
    if isinstance(value, Actor):
        return value.model_dump_json()
    if isinstance(value, tuple):
        return [str(v) for v in value]
    msg = f"cannot store {value!r} in a ledger row"
    raise TypeError(msg)


def pack_state(state: dict[str, Any]) -> str:
    """The stored text of a row's state (``state`` by field name, as :func:`issue_state` gives)."""
    parts = [_encode(state.get(name)) for name in STORED_FIELDS]
    texts = [NONE if p is None else ITEM.join(p) if isinstance(p, list) else p for p in parts]
    joined = SEP.join(texts)
    # One look at the whole text: a separator inside a value, or an empty item, needs JSON.
    items = [i for p in parts if isinstance(p, list) for i in p]
    inside = sum(p is None for p in parts) + sum(
        len(p) - 1 for p in parts if isinstance(p, list) and p
    )
    if (
        joined.count(SEP) != len(texts) - 1
        or joined.count(NONE) + joined.count(ITEM) != inside
        or not all(items)
    ):
        return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return joined


_STATUS = {s.value: s for s in Status}
_MODE = {m.value: m for m in Mode}
_SOURCE = {s.value: s for s in Source}
_SEVERITY = {s.value: s for s in Severity}
_ACTORS: dict[str, Actor] = {}


def _text(v: str) -> str:
    return v


def _opt_text(v: str | None) -> str | None:
    return v


def _day(v: str) -> date:
    return date.fromisoformat(v)


def _opt_day(v: str | None) -> date | None:
    return None if v is None else date.fromisoformat(v)


def _opt_uuid(v: str | None) -> UUID | None:
    return None if v is None else UUID(v)


def _int(v: str) -> int:
    return int(v)


def _flag(v: str) -> bool:
    return v == "1"


def _moment(v: str) -> datetime:
    return datetime.fromisoformat(v).replace(tzinfo=UTC)


def _actor(v: str) -> Actor:
    found = _ACTORS.get(v)
    if found is None:
        found = _ACTORS[v] = Actor.model_validate_json(v)
    return found


def _measures(v: Any) -> tuple[str, ...]:
    if isinstance(v, list):
        return tuple(v)
    return tuple(v.split(ITEM)) if v else ()


def _numbers(v: Any) -> tuple[int, ...]:
    return tuple(int(n) for n in _measures(v))


T = TypeVar("T")
_set = object.__setattr__
_UNREAD = object()


class _Stored(Generic[T]):
    """A LedgerRow field read from the row's stored state when it is first asked for."""

    __slots__ = ("decode", "index", "missing", "name")

    def __init__(self, decode: Callable[[Any], T], missing: Any = _UNREAD) -> None:
        self.decode = decode
        self.index = -1
        self.name = ""
        self.missing = missing  # the value of a row stored before the field was added

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.index = len(_FIELD_ORDER)
        _FIELD_ORDER.append(name)

    @overload
    def __get__(self, row: None, owner: type) -> _Stored[T]: ...
    @overload
    def __get__(self, row: LedgerRow, owner: type) -> T: ...
    def __get__(self, row: LedgerRow | None, owner: type) -> _Stored[T] | T:
        if row is None:
            return self
        values = row.values
        value = values[self.index]
        if value is _UNREAD:
            parts = row.parts
            if self.index < len(parts) or self.missing is _UNREAD:
                value = self.decode(parts[self.index])
            else:  # a row of an older schema, which read as it is (READABLE_SCHEMAS)
                value = self.missing
            values[self.index] = value
        return value  # type: ignore[no-any-return]


class LedgerRow:
    """One problem on the ledger as of ``as_of``: typed and immutable.

    A ledger can be 100k rows, so a row keeps its stored state and reads each field the first
    time it is asked for. Two rows are equal when they show the same state on the same date.
    The Chinese column each field fills is in :data:`LEDGER_COLUMNS`.
    """

    __slots__ = ("_key", "_parts", "_values")

    _key: tuple[int, str, date]
    _parts: list[Any] | None
    _values: list[Any] | None

    def __init__(self, seq: int, state: str, as_of: date) -> None:
        _set(self, "_key", (seq, state, as_of))
        _set(self, "_parts", None)
        _set(self, "_values", None)

    def __setattr__(self, name: str, value: object) -> None:
        msg = f"LedgerRow is immutable: cannot set {name}"
        raise AttributeError(msg)

    @property
    def seq(self) -> int:
        """序號: the problem's number on the ledger, in the order problems were recorded."""
        return self._key[0]

    @property
    def state(self) -> str:
        """The stored state the fields are read from."""
        return self._key[1]

    @property
    def as_of(self) -> date:
        """The business date the row shows the problem on."""
        return self._key[2]

    @property
    def values(self) -> list[Any]:
        """The fields decoded so far (the rest are ``_UNREAD``)."""
        values: list[Any] | None = self._values
        if values is None:
            values = [_UNREAD] * len(STORED_FIELDS)
            _set(self, "_values", values)
        return values

    @property
    def parts(self) -> list[Any]:
        """The stored state split into its fields (text, or JSON values for awkward text)."""
        parts: list[Any] | None = self._parts
        if parts is None:
            if self.state[0] == "[":
                parts = json.loads(self.state)
            else:  # joined text holds no separator, so NONE there can only mean None
                parts = [None if p == NONE else p for p in self.state.split(SEP)]
            _set(self, "_parts", parts)
        return parts

    # The stored fields, in the stored order (the packed state is read by position: a field is
    # only ever added at the end, with a new SCHEMA_VERSION of the views; given a ``missing``
    # value, rows of the schema before are read as they are, without a rebuild).
    id = _Stored(UUID)
    title = _Stored(_text)
    description = _Stored(_text)
    source = _Stored(_SOURCE.__getitem__)
    category = _Stored(_opt_text)
    unit = _Stored(_text)
    responsible_unit = _Stored(_opt_text)
    responsible_person = _Stored(_opt_text)
    measures = _Stored(_measures)
    mode = _Stored(lambda v: None if v is None else _MODE[v])
    deadline = _Stored(_opt_day)
    progress = _Stored(_opt_text)
    progress_on = _Stored(_opt_day)
    status = _Stored(_STATUS.__getitem__)
    closed_out_on = _Stored(_opt_day)
    severity = _Stored(_SEVERITY.__getitem__)
    campaign = _Stored(_opt_text)
    branch_id = _Stored(_opt_uuid)
    list_id = _Stored(_opt_uuid)
    common_problem = _Stored(_opt_text)
    found_on = _Stored(_day)
    found_by = _Stored(_actor)
    assigned_on = _Stored(_opt_day)
    rectified_on = _Stored(_opt_day)
    rectified_late = _Stored(_flag)
    verified_on = _Stored(_opt_day)
    withdrawn_on = _Stored(_opt_day)
    rejections = _Stored(_int)
    reopenings = _Stored(_int)
    extensions = _Stored(_int)
    workflow = _Stored(_text)
    version = _Stored(_int)
    position = _Stored(_int)
    recorded_at = _Stored(_moment)
    remarks_text = _Stored(_text)
    round_id = _Stored(_opt_uuid)
    item = _Stored(_opt_text)
    measures_done = _Stored(_numbers)
    stale_decisions = _Stored(_measures, missing=())  # views schema 5
    deadline_rule = _Stored(_opt_text, missing=None)  # views schema 6: the policy's rule
    deadline_calendar = _Stored(_opt_text, missing=None)  # and the calendar counted over
    source_words = _Stored(_opt_text, missing=None)  # views schema 7: 問題來源 as written
    deadline_words = _Stored(_opt_text, missing=None)  # and 整改時限 (立行立改, 長期堅持 …)

    @property
    def source_text(self) -> str:
        """問題來源 as the ledger shows it (:func:`source_text`)."""
        return source_text(self.source, self.source_words)

    @property
    def deadline_text(self) -> str:
        """整改時限 as the ledger shows it (:func:`deadline_text`)."""
        return deadline_text(self.deadline, self.deadline_words)

    @property
    def deadline_cell(self) -> date | str | None:
        """整改時限 as a spreadsheet cell: the words when written in words, else the date."""
        return self.deadline_words or self.deadline

    @property
    def is_stale(self) -> bool:
        """A standing decision (驗收, 銷號, 撤銷) awaits re-confirmation."""
        return bool(self.stale_decisions)

    @property
    def measures_progress(self) -> str:
        """措施完成: ``"m項中已完成n項"`` ("" when the problem has no measures)."""
        return measures_progress(len(self.measures_done), len(self.measures))

    @property
    def days_overdue(self) -> int:
        """Days past the deadline on ``as_of`` (0: not overdue)."""
        return days_overdue(self.status, self.deadline, self.as_of)

    @property
    def overdue(self) -> bool:
        """逾期 on ``as_of``."""
        return self.days_overdue > 0

    @property
    def is_closed_out(self) -> bool:
        """是否銷號."""
        return self.status is Status.CLOSED_OUT

    @property
    def acting_unit(self) -> str:
        """責任單位: the assigned unit, else the problem's own unit."""
        return self.responsible_unit or self.unit

    @property
    def remarks(self) -> str:
        """備註."""
        return remarks(self)

    def as_dict(self) -> dict[str, Any]:
        """Every field by name, decoded (with seq, as_of, overdue and days_overdue)."""
        out: dict[str, Any] = {"seq": self.seq}
        out.update({name: getattr(self, name) for name in STORED_FIELDS})
        out.update(as_of=self.as_of, overdue=self.overdue, days_overdue=self.days_overdue)
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LedgerRow):
            return NotImplemented
        return self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"LedgerRow({', '.join(f'{k}={v!r}' for k, v in self.as_dict().items())})"


STORED_FIELDS: tuple[str, ...] = tuple(_FIELD_ORDER)
"""The fields of a LedgerRow that a view row stores, in the stored order: the row's fields as
declared in the class (seq is a column; the rest depend on as_of). Declared once, there."""


def stored_texts(rows: Iterable[LedgerRow], names: Sequence[str]) -> dict[str, list[Any]]:
    """The stored text of the fields ``names`` of many rows, one list per field (None for none;
    a tuple field as its items), without decoding the rest: for tables of many rows
    (rectify.analysis), where making each row's every field costs more than reading it."""
    indexes = [STORED_FIELDS.index(name) for name in names]
    columns: list[list[Any]] = [[] for _ in names]
    for row in rows:
        state = row.state
        if state[0] == "[":
            values = json.loads(state)
            for column, i in zip(columns, indexes, strict=True):
                column.append(values[i])
            continue
        parts = state.split(SEP)  # joined text holds no separator: NONE can only mean None
        for column, i in zip(columns, indexes, strict=True):
            text = parts[i]
            column.append(None if text == NONE else text)
    return dict(zip(names, columns, strict=True))


def row_of(issue: Issue, *, seq: int, position: int, as_of: date) -> LedgerRow:
    """The ledger row of an issue aggregate (already replayed to the state wanted)."""
    state = issue_state(issue)
    state["position"] = position
    return LedgerRow(seq, pack_state(state), as_of)
