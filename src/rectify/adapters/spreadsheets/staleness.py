"""Whether a row of an exported ledger is older than the problem the store holds: the export's
marks (導出截至, 導出位置: :func:`~rectify.adapters.spreadsheets.tabular.export_marks`) against
the stored problem's events. See :mod:`~rectify.adapters.spreadsheets.updating`."""

from __future__ import annotations

from collections.abc import Callable, Collection
from uuid import UUID

from rectify.adapters.spreadsheets.reading import Row, day_in, text_in
from rectify.adapters.spreadsheets.tabular import EXPORTED_AS_OF, EXPORTED_AT
from rectify.domain.issue import Issue

__all__ = ["Changed", "staleness"]

Changed = Callable[[int], Collection[UUID]]
"""The ids of what has events recorded after a log position."""


def staleness(row: Row, current: Issue, changed: Changed | None) -> tuple[str | None, bool]:
    """Whether ``row`` comes from an export (its 導出截至 and 導出位置), and if so why the stored
    problem ``current`` is newer than it (None when it is not): events recorded after the
    position (``changed`` gives the ids of what has, None: not known) or dated after the date.
    ValueError names a mark that is neither blank nor what an export writes."""
    c = row.cells
    as_of_text, at_text = text_in(c, EXPORTED_AS_OF), text_in(c, EXPORTED_AT)
    if as_of_text is None and at_text is None:
        return None, False
    try:
        as_of = day_in(c, EXPORTED_AS_OF)
    except ValueError:
        raise ValueError(EXPORTED_AS_OF) from None
    try:
        at = None if at_text is None else int(float(at_text))
        if at is not None and at < 0:
            raise ValueError(at_text)
    except ValueError:
        raise ValueError(EXPORTED_AT) from None
    exported = f"{as_of}" + (f" (log position {at})" if at is not None else "")
    why = None
    if as_of is not None and current.last_on > as_of:
        why = f"dated {current.last_on}"
    elif at is not None and changed is not None and current.id in changed(at):
        why = "recorded after it was read"
    if why is None:
        return None, True
    return (
        f"changed in the store since this file was exported at {exported}: its latest event is "
        f"{why}; export it again",
        True,
    )
