"""Values of the domain: roles, sources, modes, statuses, severities and the acting person.

Every enum here is a ``str`` enum whose value is the lower-case English word; each member also has
its Chinese ``label``. Anywhere an enum is expected, the member, its value, its name in any case or
its Chinese label is accepted (``Source("assessment")``, ``Source("ASSESSMENT")``, ``Source("考核")``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationError,
    field_validator,
)

from rectify.errors import InvalidCommand

_UNHOLDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
"""Characters no store or output format of ours can hold: NUL (PostgreSQL text refuses it), the
other C0 controls but tab, newline and carriage return (XML, so xlsx, refuses them), and lone
surrogates (not encodable as UTF-8)."""


def unholdable(text: str) -> str | None:
    """A description of the first character in ``text`` that a store or a spreadsheet cannot
    hold, or None when every character can be held."""
    found = _UNHOLDABLE.search(text)
    if found is None:
        return None
    char = found.group()
    kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    return f"{kind} (U+{ord(char):04X}) at position {found.start() + 1}"


def _holdable(text: str) -> str:
    problem = unholdable(text)
    if problem is not None:
        msg = f"contains {problem}, which no store or spreadsheet can hold"
        raise ValueError(msg)
    return text


def replace_unholdable(text: str, replacement: str = "\ufffd") -> str:
    """``text`` with every character a store or a spreadsheet cannot hold replaced (for writing
    out what an older store already holds)."""
    return _UNHOLDABLE.sub(replacement, text)


MAX_NAME = 2000
"""The longest short text (a title, a unit, a name): characters."""
MAX_TEXT = 20000
"""The longest free text (a description, remarks): characters."""

NonEmptyStr = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME),
    AfterValidator(_holdable),
]
"""A string with something in it (surrounding whitespace removed), of characters every store and
output format can hold."""

Text = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT), AfterValidator(_holdable)
]
"""Free text, possibly empty."""

_IGNORABLE_NOT_FORMAT = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0"  # grapheme joiner, Hangul fillers, Khmer
    "\u180b\u180c\u180d\u180e\u180f"  # Mongolian free variation selectors
    + "".join(map(chr, range(0xFE00, 0xFE10)))  # variation selectors
)
"""Default-ignorable characters that are not of category Cf (which is removed whole)."""


def _invisible(char: str) -> bool:
    return (
        unicodedata.category(char) == "Cf"
        or char in _IGNORABLE_NOT_FORMAT
        or 0xE0100 <= ord(char) <= 0xE01EF  # variation selectors supplement
        or char.isspace()
    )


@functools.lru_cache(maxsize=4096)
def unit_key(unit: str) -> str:
    """What a unit's name is compared by: NFKC-normalised (full-width letters and digits become
    ordinary ones), with every character that shows nothing removed (zero-width and other
    format characters, default-ignorable ones, and white space), so ``單位Ａ``, ``單位A\u200b``,
    ``單位\u200eA`` and ``單位 A`` are all the unit ``單位A``."""
    normal = unicodedata.normalize("NFKC", unit)
    return "".join(c for c in normal if not _invisible(c))


def same_unit(a: str | None, b: str | None) -> bool:
    """Whether two units' names name the same unit (compared by :func:`unit_key`)."""
    return a is not None and b is not None and unit_key(a) == unit_key(b)


def parse_day(value: object) -> date:
    """A business date from a ``date`` or an ISO ``YYYY-MM-DD`` string; anything else (a
    datetime, a number, a timestamp) is refused with ValueError rather than guessed at."""
    if isinstance(value, datetime):
        msg = "a datetime is not a business date: give a date (YYYY-MM-DD)"
        raise ValueError(msg)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        msg = f"{value[:40]!r} is not a date (YYYY-MM-DD)"
        raise ValueError(msg)
    msg = f"a {type(value).__name__} is not a date: give a date or YYYY-MM-DD"
    raise ValueError(msg)


Day = Annotated[date, BeforeValidator(parse_day)]
"""A business date: a ``date`` or an ISO string; numbers and datetimes are refused."""


class LabelledEnum(StrEnum):
    """A str enum whose members carry a Chinese label and parse leniently."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if isinstance(value, str):
            key = value.strip()
            for member in cls:
                if key.lower() in (member.value, member.name.lower()) or key == member.label:
                    return member
        return None


class Role(LabelledEnum):
    """What an actor may do. An actor can hold several roles."""

    INSPECTOR = ("inspector", "巡查/調研")  # finds problems
    VERIFIER = ("verifier", "驗收")  # the issuing / accepting body (機關工委)
    RESPONSIBLE = ("responsible", "責任單位")  # the unit that rectifies
    AUDITOR = ("auditor", "審計")  # reads only
    ADMIN = ("admin", "管理員")  # may run any command; separation of duties still holds


class Source(LabelledEnum):
    """Where a problem came from (問題來源)."""

    ASSESSMENT = ("assessment", "考核")
    INSPECTION = ("inspection", "巡查")
    RESEARCH = ("research", "調研")
    SCREENING = ("screening", "對標排查")
    SELF_INSPECTION = ("self_inspection", "自查")
    SUPERVISION = ("supervision", "督查")
    PATROL_FEEDBACK = ("patrol_feedback", "巡視巡察反饋")


SOURCE_WORDS: tuple[tuple[str, Source], ...] = (
    ("巡視", Source.PATROL_FEEDBACK), ("巡视", Source.PATROL_FEEDBACK),
    ("巡察", Source.PATROL_FEEDBACK),
    ("督查", Source.SUPERVISION), ("督導", Source.SUPERVISION), ("督导", Source.SUPERVISION),
    ("督辦", Source.SUPERVISION), ("督办", Source.SUPERVISION),
    ("對標", Source.SCREENING), ("对标", Source.SCREENING), ("排查", Source.SCREENING),
    ("自查", Source.SELF_INSPECTION), ("自檢", Source.SELF_INSPECTION),
    ("自检", Source.SELF_INSPECTION),
    ("調研", Source.RESEARCH), ("调研", Source.RESEARCH), ("檢視", Source.RESEARCH),
    ("检视", Source.RESEARCH),
    ("巡查", Source.INSPECTION), ("檢查", Source.INSPECTION), ("检查", Source.INSPECTION),
    ("暗訪", Source.INSPECTION), ("暗访", Source.INSPECTION),
    ("考核", Source.ASSESSMENT), ("考評", Source.ASSESSMENT), ("考评", Source.ASSESSMENT),
    ("述職", Source.ASSESSMENT), ("述职", Source.ASSESSMENT), ("評議", Source.ASSESSMENT),
    ("评议", Source.ASSESSMENT),
)  # fmt: skip
"""How people write 問題來源, the one table: the first of these words that the text contains
says the source (in traditional and simplified characters; earlier words win, so 省委巡視反饋 is
巡視巡察反饋 and 主題教育調研檢視 is 調研, 2019年度黨建考核 is 考核). Read by
:func:`source_of_words`."""


def source_of_words(text: str) -> Source | None:
    """The source ``text`` names: the enum's own spellings (``考核``, ``assessment``), else the
    first word of :data:`SOURCE_WORDS` it contains; None when it names none."""
    try:
        return Source(text)
    except ValueError:
        pass
    return next((source for word, source in SOURCE_WORDS if word in text), None)


def source_words_problem(words: str, source: Source) -> str | None:
    """Why ``words`` cannot be kept as how people wrote ``source`` (None: they can): words that
    name another source (:func:`source_of_words`) would be read back as that source. Words that
    name none are kept (a mapping's ``[values."問題來源"]`` translated them, and reads them back
    the same way)."""
    named = source_of_words(words)
    if named is None or named is source:
        return None
    return (
        f"{words!r} names the source {named.label} ({named.value}), not {source.label} "
        f"({source.value}): give words naming {source.label}, or leave them out"
    )


class Mode(LabelledEnum):
    """How a problem was rectified (整改類型)."""

    ON_THE_SPOT = ("on_the_spot", "立行立改")
    CENTRAL = ("central", "集中治理")
    WITHIN_DEADLINE = ("within_deadline", "限期整改")


class Status(LabelledEnum):
    """Where an issue stands in its workflow (狀態)."""

    FOUND = ("found", "已發現")
    ASSIGNED = ("assigned", "已交辦")
    RECTIFIED = ("rectified", "已整改")
    VERIFIED = ("verified", "已驗收")
    CLOSED_OUT = ("closed_out", "已銷號")
    WITHDRAWN = ("withdrawn", "已撤銷")


class Severity(LabelledEnum):
    """How serious a problem is."""

    MINOR = ("minor", "輕微")
    NORMAL = ("normal", "一般")
    SERIOUS = ("serious", "嚴重")


class BranchKind(LabelledEnum):
    """What a party organisation is: the smallest is the branch."""

    BRANCH = ("branch", "黨支部")
    GENERAL_BRANCH = ("general_branch", "黨總支")
    COMMITTEE = ("committee", "黨委")

    @property
    def term_years(self) -> int:
        """Years of a term (換屆): five for a primary-level committee, three for the others."""
        return 5 if self is BranchKind.COMMITTEE else 3


class BranchStatus(LabelledEnum):
    """Where a branch stands in the lagging-branch workflow."""

    NORMAL = ("normal", "正常")
    LAGGING = ("lagging", "后進")
    CONSOLIDATING = ("consolidating", "整頓中")
    DELISTING_REQUESTED = ("delisting_requested", "申請摘帽")
    DELISTED = ("delisted", "已摘帽")


class LaggingKind(LabelledEnum):
    """The usual kinds of lagging branch (后進黨支部); other kinds are given by name."""

    WEAK_AND_LAX = ("weak_and_lax", "軟弱渙散")
    HOLLOWED = ("hollowed", "虛化")
    WEAKENED = ("weakened", "弱化")
    MARGINALISED = ("marginalised", "邊緣化")
    ELECTION_OVERDUE = ("election_overdue", "不按期換屆")


class RoundStatus(LabelledEnum):
    """An inspection round (巡查) is open while findings are recorded, then closed."""

    OPEN = ("open", "進行中")
    CLOSED = ("closed", "已結束")


class ListStatus(LabelledEnum):
    """A problem list (問題清單) once issued."""

    ISSUED = ("issued", "已下發")


class ChecklistStatus(LabelledEnum):
    """A checklist once defined."""

    DEFINED = ("defined", "已制定")


class Mentor(BaseModel):
    """One of a lagging branch's two mentors (雙掛): a person, the unit they come from, their post."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: NonEmptyStr
    unit: NonEmptyStr
    post: Text = ""

    def __str__(self) -> str:
        post = f" {self.post}" if self.post else ""
        return f"{self.name}（{self.unit}{post}）"


OPEN_STATUSES = frozenset({Status.FOUND, Status.ASSIGNED, Status.RECTIFIED, Status.VERIFIED})
"""Statuses in which a problem is still on the books (not closed out, not withdrawn)."""

LAGGING_STATUSES = frozenset(
    {BranchStatus.LAGGING, BranchStatus.CONSOLIDATING, BranchStatus.DELISTING_REQUESTED}
)
"""Statuses in which a branch is on the lagging list (designated and not yet delisted)."""

RECTIFIED_STATUSES = frozenset({Status.RECTIFIED, Status.VERIFIED, Status.CLOSED_OUT})
"""Statuses of a problem that has been rectified (whether or not accepted yet)."""


class Actor(BaseModel):
    """Who does something: an id, a display name, the unit they act for, and their roles.

    ``Actor("u-7", "Li Ming", "省財政廳", [Role.RESPONSIBLE])`` or with keywords. The name is personal
    data and is kept in its own field, never folded into free text.
    """

    model_config = ConfigDict(frozen=True)

    id: NonEmptyStr
    name: Text = ""
    unit: NonEmptyStr
    roles: frozenset[Role] = frozenset()

    def __init__(
        self,
        id: str | None = None,
        name: str | None = None,
        unit: str | None = None,
        roles: Iterable[Role | str] | None = None,
        /,
        **data: Any,
    ) -> None:
        for key, value in (("id", id), ("name", name), ("unit", unit), ("roles", roles)):
            if value is not None:
                data[key] = value
        try:
            super().__init__(**data)
        except ValidationError as e:
            raise InvalidCommand.from_validation(e, prefix="actor") from None

    @classmethod
    def checked(cls, actor: Actor) -> Actor:
        """``actor`` validated afresh from its fields (:class:`InvalidCommand` naming the field):
        an Actor built without validation (``Actor.model_construct``) may hold anything."""
        return cls(**vars(actor))

    @field_validator("roles", mode="before")
    @classmethod
    def _roles_from_any_iterable(cls, value: object) -> object:
        if isinstance(value, frozenset | list | tuple | set):
            return value  # pydantic converts these itself
        if isinstance(value, str):
            return frozenset({value})
        if isinstance(value, Iterable):
            return frozenset(value)
        return value

    def has(self, role: Role) -> bool:
        """Whether the actor holds ``role``."""
        return role in self.roles

    def __str__(self) -> str:
        roles = ",".join(sorted(r.value for r in self.roles))
        return f"{self.name or self.id} ({self.unit}; {roles})"
