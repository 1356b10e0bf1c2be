"""What committees write in a deadline or a source cell, read as what they mean.

整改時限 is written as a date in any of the common forms (2019-12-31, 2019/11/15, 2019.10.31,
2019年10月31日, 2019年12月底前, 2019年10月, 2019年底前, an Excel date), as words that fix no date
(立行立改: rectified on the spot; 長期堅持: a standing measure, kept up with no end), or as both
(立行立改、長期堅持; 立行立改，2019年12月底前完成). :func:`read_deadline` reads it into a
:class:`DeadlineReading`: the date, the words as written when the cell is not a plain date, and
whether it says on the spot or standing (the reader is the domain's,
:mod:`rectify.domain.deadline_words`, kept here under its old names). 問題來源 is read by
:func:`rectify.domain.values.source_of_words` (its table of words is the domain's).
"""

from __future__ import annotations

from dataclasses import dataclass

from rectify.domain.deadline_words import (
    DEADLINE_FORMS,
    ON_THE_SPOT_WORDS,
    STANDING_WORDS,
    DeadlineReading,
    DeadlineTypedAsNumber,
    read_deadline,
)
from rectify.domain.values import SOURCE_WORDS, Source, source_of_words

__all__ = [
    "DEADLINE_FORMS",
    "ON_THE_SPOT_WORDS",
    "STANDING_WORDS",
    "DeadlineReading",
    "DeadlineTypedAsNumber",
    "SourceReading",
    "read_deadline",
    "read_source",
    "source_forms",
]


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
