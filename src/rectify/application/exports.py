"""Exporting the ledger: the spreadsheet adapter writes, this service chooses what it shows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from xlsxwriter.exceptions import FileCreateError

from rectify.adapters.spreadsheets.export import write_csv, write_xlsx
from rectify.adapters.spreadsheets.tabular import NAMED, columns_named
from rectify.application.imports import _path
from rectify.application.personal import PersonalDataService
from rectify.application.plumbing import check_text, no_cyclic_gc
from rectify.domain.seals import Checkpoint
from rectify.errors import InvalidCommand
from rectify.projections.figures import Figures

EXPORT_FORMATS = ("xlsx", "csv")
"""The files a ledger is exported to, by suffix."""


@dataclass(frozen=True)
class Exported:
    """What :meth:`ExportService.export_ledger` wrote: the file, its format, how many problems,
    the business date and the log position they show (None: everything recorded), and the
    digest of the history they were made from (None for an empty store)."""

    path: Path
    format: str
    rows: int
    as_of: date
    known_at: int | None
    sealed: Checkpoint | None


def export_format(path: Path, format: str | None = None) -> str:
    """The format of an export to ``path``: its suffix (``.xlsx``, ``.csv``); ``format``, when
    given, must be one of them and agree with the suffix. InvalidCommand (naming ``format``, or
    ``out`` for the file) for anything else: nothing is written in a format its name denies."""
    suffix = path.suffix.lower().lstrip(".")
    choices = " or ".join(f".{f}" for f in EXPORT_FORMATS)
    if format is not None:
        kind = check_text(format, "format").lower().lstrip(".")
        if kind not in EXPORT_FORMATS:
            raise InvalidCommand("format", f"{format!r}: use {' or '.join(EXPORT_FORMATS)}")
        if suffix and suffix != kind:
            raise InvalidCommand("out", f"{path.name}: a {kind} file is named *.{kind}")
        return kind
    if suffix not in EXPORT_FORMATS:
        shown = f".{suffix}" if suffix else "no suffix"
        raise InvalidCommand("out", f"{path.name}: {shown} is not a ledger's format; use {choices}")
    return suffix


@contextmanager
def written_whole(out: Path) -> Iterator[Path]:
    """A file beside ``out`` to write, put in its place when the writing is done: a half-written
    export is never left behind. A file that cannot be written there (no such directory, a
    directory of that name, no permission) is an InvalidCommand for ``out``."""
    partial = out.with_name(f".{out.stem}.{uuid.uuid4().hex[:12]}.partial{out.suffix}")
    try:
        yield partial
        os.replace(partial, out)
    except (OSError, FileCreateError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        if out.is_dir():
            reason = "it is a directory"
        elif not out.parent.is_dir():
            reason = f"there is no directory {out.parent}"
        raise InvalidCommand("out", f"cannot write {out}: {reason}") from None
    finally:
        partial.unlink(missing_ok=True)


class ExportService(PersonalDataService):
    """The ledger out, as a clerk hands it upward (Excel) or as data (CSV)."""

    def export_ledger(
        self,
        path: Path | str,
        *,
        as_of: date | str | None = None,
        known_at: int | datetime | str | None = None,
        unit: str | None = None,
        columns: str = "clerk",
        format: str | None = None,
    ) -> Exported:
        """Write the ledger on business date ``as_of`` (as known at ``known_at``) to ``path``,
        an Excel workbook (``.xlsx``) or CSV (``.csv``), by its suffix (``format`` may say it
        for a name without one).

        ``columns="clerk"`` (the default) shows the ten columns of a clerk's 臺賬 (序號, 問題描述,
        問題來源, 整改措施, 責任單位, 責任人, 整改時限, 整改進展, 是否銷號, 備註);
        ``columns="all"`` every column. ``unit`` exports that unit's problems only (named in
        the title). A workbook has a title row (the list's name when the problems are of one,
        the unit, 截至 the date), names rather than ids, the figures sheet, and, hidden, the
        sheet of ids :meth:`import_ledger` reads back, so that importing the export records
        nothing new; a CSV file holds one table (``all``: with the ids). Under the table, the
        footer and the digest of the history it was made from (``rectify verify --expect``).

        Reads the views once: time linear in the problems, memory flat while writing."""
        out = _path(path, "path")
        kind = export_format(out, format)
        columns_named(columns)
        if unit is not None:
            unit = check_text(unit, "unit")
        day, position = self._as_of(as_of), self._known_at(known_at)
        rows = self.ledger(day, position, unit=unit)
        if unit is not None and not rows:
            self._known_unit(unit, day)
        sealed = self.history_digest(position)
        names = {kind: self.recorded_names(kind) for kind in NAMED.values()}
        with written_whole(out) as partial:
            if kind == "csv":
                write_csv(
                    partial, rows, as_of=day, known_at=position, sealed=sealed, columns=columns,
                    names=names, unit=unit,
                )  # fmt: skip
            else:
                with no_cyclic_gc():
                    figures = Figures.of(rows, day, position)
                write_xlsx(
                    partial, rows, figures, as_of=day, known_at=position, sealed=sealed,
                    columns=columns, names=names, unit=unit,
                )  # fmt: skip
        return Exported(out, kind, len(rows), day, position, sealed)

    def _known_unit(self, unit: str, day: date) -> None:
        """Refuse ``unit`` (InvalidCommand) when the ledger holds no problem of it, as its own
        or its responsible unit, on ``day`` or since: a misspelt unit is not an empty export."""
        everything = self.ledger(max(day, self.today()))
        if any(unit in (r.unit, r.responsible_unit) for r in everything):
            return
        known = sorted({u for r in everything for u in (r.unit, r.responsible_unit) if u})
        listed = "、".join(known[:20]) + (" …" if len(known) > 20 else "")
        raise InvalidCommand(
            "unit", f"the ledger holds no problem of {unit!r}; its units: {listed or 'none'}"
        )
