"""What committees write in a deadline or a source cell, read as what they mean.

整改時限 is written as a date in any of the common forms (2019-12-31, 2019/11/15, 2019.10.31,
2019年10月31日, 2019年12月底前, 2019年10月, 2019年底前, an Excel date), as words that fix no date
(立行立改: rectified on the spot; 長期堅持: a standing measure, kept up with no end), or as both
(立行立改、長期堅持; 立行立改，2019年12月底前完成). :func:`read_deadline` reads it into a
:class:`DeadlineReading`: the date, the words as written when the cell is not a plain date, and
whether it says on the spot or standing. 問題來源 is read by
:func:`rectify.domain.values.source_of_words` (its table of words is the domain's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from rectify.domain.values import SOURCE_WORDS, Source, source_of_words

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
"""What a deadline cell may hold, in words for an error message."""


@dataclass(frozen=True)
class DeadlineReading:
    """整改時限 as read: the date it fixes (None: none), the cell's words when it is not a
    plain date (kept and shown back), and whether it says rectified on the spot (立行立改) or a
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
    anything else (儘快, two dates, a date that does not exist)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return DeadlineReading(value.date())
    if isinstance(value, date):
        return DeadlineReading(value)
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


@dataclass(frozen=True)
class SourceReading:
    """問題來源 as read: the source it names, and the words as written when they are not the
    source's own name (None then)."""

    source: Source
    words: str | None


def read_source(text: str) -> SourceReading:
    """問題來源 as people write it (2019年度黨建考核, 省委巡視反饋): the source its words name
    (:data:`~rectify.domain.values.SOURCE_WORDS`), the words kept; ValueError when they name
    none."""
    text = text.strip()
    try:
        return SourceReading(Source(text), None)
    except ValueError:
        pass
    found = source_of_words(text)
    if found is None:
        raise ValueError(text)
    return SourceReading(found, text)


def source_forms() -> str:
    """What a source cell may hold, in words for an error message."""
    labels = "、".join(s.label for s in Source)
    words = "、".join(dict.fromkeys(w for w, _ in SOURCE_WORDS))
    return f"a source ({labels}) or words containing one of {words}"
