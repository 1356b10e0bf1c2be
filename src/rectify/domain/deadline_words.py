"""整改時限 as committees write it, read as what it means: a date, words that fix none, or both.

整改時限 is written as a date in any of the common forms (2019-12-31, 2019/11/15, 2019.10.31,
2019年10月31日, 2019年12月底前, 2019年10月, 2019年底前, an Excel date), as words that fix no date
(立行立改: rectified on the spot; 長期堅持: a standing measure, kept up with no end), or as both
(立行立改、長期堅持; 立行立改，2019年12月底前完成). :func:`read_deadline` reads it into a
:class:`DeadlineReading`: the date, the words as written when the cell is not a plain date, and
whether it says on the spot or standing.

The one reader: an import reads its cells by it, and the command :class:`~rectify.domain.commands.
Assign` checks that the ``deadline_words`` it keeps say what its ``deadline`` and ``standing``
say, so what is shown back can be read back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

ON_THE_SPOT_WORDS = ("立行立改", "立即整改", "立查立改", "即知即改", "立知立改", "馬上就改",
                     "马上就改", "立改")  # fmt: skip
"""Deadline words that say the problem is rectified on the spot (立行立改)."""
STANDING_WORDS = ("長期堅持", "长期坚持", "持續推進", "持续推进", "長期推進", "长期推进",
                  "常態化推進", "常态化推进", "持續整改", "持续整改", "長期", "长期")  # fmt: skip
"""Deadline words that say the measure is kept up with no fixed date (長期堅持)."""

_FULL_DATE = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*[日号號]?")
_MONTH = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*月?\s*(?:底|末|份)?")
_YEAR_END = re.compile(r"(\d{4})\s*年\s*(?:底|末)")
_AFTER_DATE = re.compile(r"\s*(?:以前|之前|前)?\s*(?:完成整改|整改完成|整改到位|完成|到位)?")
_BEFORE_DATE = re.compile(r"[於于在]\s*")
_SEPARATORS = "、，,；;／/。.\n\t 　并並和及且"
"""What may stand between the parts of a deadline (立行立改、長期堅持; 立行立改，2019年底前)."""
_WORDS = sorted((*ON_THE_SPOT_WORDS, *STANDING_WORDS), key=len, reverse=True)

DEADLINE_FORMS = (
    "a date (2019-12-31, 2019/11/15, 2019.10.31, 2019年12月底前, 2019年10月, 2019年底前), "
    "立行立改, 長期堅持, or both (立行立改、長期堅持; 立行立改，2019年12月底前完成)"
)
"""What a deadline may be written as, in words for an error message."""


class DeadlineTypedAsNumber(ValueError):
    """A deadline given as a number (a spreadsheet cell holding 2019.1 where 2019.10 was
    typed): which month it meant cannot be told, so it is never guessed."""

    def __init__(self, value: float) -> None:
        self.value = value
        super().__init__(
            f"{value!r} is a number, not a deadline (2019.10 typed into a number cell is "
            "2019.1): type it as text: 2019.10, or as a date"
        )


@dataclass(frozen=True)
class DeadlineReading:
    """整改時限 as read: the date it fixes (None: none), the words when they are not a plain
    date (kept and shown back), and whether it says rectified on the spot (立行立改) or a
    standing measure (長期堅持)."""

    day: date | None
    words: str | None = None
    on_the_spot: bool = False
    standing: bool = False

    @property
    def is_standing(self) -> bool:
        """A standing measure with no fixed date: the assignment has no deadline (one that
        also fixes a date has that date as its deadline)."""
        return self.standing and self.day is None


def _date_at(text: str, at: int) -> tuple[date, int] | None:
    """The date written at ``at`` (and where it ends, with any 前/完成 after it), or None;
    ValueError for a month or day that does not exist."""
    found = _BEFORE_DATE.match(text, at)
    start = found.end() if found else at
    for pattern, kind in ((_FULL_DATE, "day"), (_MONTH, "month"), (_YEAR_END, "year")):
        hit = pattern.match(text, start)
        if hit is None:
            continue
        end = _AFTER_DATE.match(text, hit.end())
        assert end is not None  # everything in it is optional
        year = int(hit.group(1))
        if kind == "year":
            return date(year, 12, 31), end.end()
        month = int(hit.group(2))
        if not 1 <= month <= 12:
            msg = f"{text}: there is no month {month}"
            raise ValueError(msg)
        if kind == "month":
            return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1), end.end()
        try:
            return date(year, month, int(hit.group(3))), end.end()
        except ValueError:
            msg = f"{text}: there is no day {hit.group(3)} in month {month}"
            raise ValueError(msg) from None
    return None


def read_deadline(value: object) -> DeadlineReading | None:
    """整改時限 as committees write it (None when blank): see the module. Raises ValueError for
    anything else (儘快, two dates, a date that does not exist), and
    :class:`DeadlineTypedAsNumber` for a number (a spreadsheet gives a date cell as a date)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return DeadlineReading(value.date())
    if isinstance(value, date):
        return DeadlineReading(value)
    if isinstance(value, float | int) and not isinstance(value, bool):
        raise DeadlineTypedAsNumber(float(value))
    text = str(value).strip()
    day: date | None = None
    on_the_spot = standing = False
    at = 0
    while at < len(text):
        if text[at] in _SEPARATORS:
            at += 1
            continue
        word = next((w for w in _WORDS if text.startswith(w, at)), None)
        if word is not None:
            on_the_spot |= word in ON_THE_SPOT_WORDS
            standing |= word in STANDING_WORDS
            at += len(word)
            continue
        dated = _date_at(text, at)
        if dated is None:
            raise ValueError(text)
        if day is not None:
            msg = f"{text}: two dates"
            raise ValueError(msg)
        day, at = dated
    if day is None and not (on_the_spot or standing):
        raise ValueError(text)
    plain = day is not None and not (on_the_spot or standing)
    return DeadlineReading(day, None if plain else text, on_the_spot, standing)


def words_problem(words: str, deadline: date | None, standing: bool | None) -> str | None:
    """Why ``words`` cannot be kept as the deadline written in words of an assignment with
    ``deadline`` and ``standing`` (None: they can): they must read (:func:`read_deadline`) to
    that date (to none when there is no deadline), and to a standing measure exactly when it is
    one (not checked when ``standing`` is None), so that the words shown back read back as the
    same assignment."""
    try:
        reading = read_deadline(words)
    except ValueError:
        return f"{words!r} is not a deadline in words: write {DEADLINE_FORMS}"
    assert reading is not None  # NonEmptyStr: never blank
    if reading.day != deadline:
        said = "no date" if reading.day is None else reading.day.isoformat()
        given = "none" if deadline is None else deadline.isoformat()
        return (
            f"{words!r} says {said}, the deadline is {given}: give the words of the deadline "
            "(or leave them out)"
        )
    if standing is not None and reading.is_standing != standing:
        if standing:
            return f"{words!r} is not a standing measure (長期堅持), but standing is given"
        return f"{words!r} says a standing measure (長期堅持): give standing too"
    return None
