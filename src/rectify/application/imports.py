"""Importing a committee's ledger: the spreadsheet adapter plans, this service records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from rectify.adapters.spreadsheets.importer import ImportResult, plan_import
from rectify.adapters.spreadsheets.mapping import draft_mapping
from rectify.application.lists import ListService
from rectify.application.plumbing import check_text
from rectify.domain.values import Actor, parse_day
from rectify.errors import ConcurrencyConflict, InvalidCommand

_PAGE = 10_000
"""Events read from the log a query at a time."""


class ImportService(ListService):
    """Legacy ledgers (臺賬, Excel or CSV) in, as back-dated events, all or nothing."""

    def import_ledger(
        self,
        path: Path | str,
        *,
        actor: Actor,
        list_name: str | None = None,
        key_column: str = "序號",
        mapping: Path | str | None = None,
        units: set[str] | None = None,
        dry_run: bool = False,
        sheet: str | None = None,
        found_on: date | str | None = None,
        on: date | str | None = None,
    ) -> ImportResult:
        """Import the ledger at ``path`` as ``actor``: every row or none.

        A row whose problem is recorded and that reads differently records its changes (new
        progress, measures done, a later deadline, rectified, verified, closed out, withdrawn,
        sent back or reopened) as the commands the workflow has for them, checked as the API
        checks them, on the dates the row gives, else on ``on`` (default today); a change no
        command makes is refused. ``result.updates`` lists each row's changes in words
        (:mod:`rectify.adapters.spreadsheets.updating`).

        Every row is checked first (:class:`~rectify.adapters.spreadsheets.reading.ImportRejected`
        lists every bad row, column and reason, and nothing is recorded); the events of the new
        rows and the branches they are linked to are saved in one transaction. With
        ``dry_run=True`` nothing is recorded and the result says what would be. ``sheet`` names
        the sheet to read (``"*"``: every visible sheet with the first ledger sheet's header,
        as one ledger; each row is then numbered and keyed by its sheet, ``省財政廳!3``);
        ``found_on`` is the date rows without 發現日期 were found on, and ``on`` the date the
        import is recorded for, which dates a new row's closure the row leaves undated (a
        ledger as of its year's end: ``on="2019-12-31"``); both listed in ``result.defaulted``.
        Title rows above the header, blank rows and notes under the table are skipped and listed
        in ``result.skipped``. ``mapping`` names a mapping file
        (TOML or JSON: headers renamed, values translated, defaults, the sheet, the header row,
        the list name; :mod:`rectify.adapters.spreadsheets.mapping`; :meth:`draft_mapping`
        writes one to start from).

        Each row is matched by the ledger's name and its 序號: ``list_name``, else the
        mapping's ``list``, else the ledger's own title (else its sheet's name, else the file's
        name; ``result.list_name`` says which was taken), so a renamed file matches the same
        problems. A ledger imported before under its file's name is matched under that name.
        See :mod:`rectify.adapters.spreadsheets.importer` for matching and units."""
        path = _path(path, "path")
        mapping = _path(mapping, "mapping") if mapping is not None else None
        if list_name is not None:
            check_text(list_name, "list_name")
        check_text(key_column, "key_column")
        if units is not None and (
            not isinstance(units, set | frozenset | list | tuple)
            or not all(isinstance(u, str) for u in units)
        ):
            raise InvalidCommand("units", "a set of units' names")
        if not isinstance(dry_run, bool):
            raise InvalidCommand("dry_run", f"True or False, not {type(dry_run).__name__}")
        if sheet is not None:
            check_text(sheet, "sheet")
        found_day = self._past_day(found_on, "found_on")
        update_day = self._past_day(on, "on")
        plan = plan_import(
            path,
            actor=actor,
            lookup=self._stored,
            today=self.today(),
            list_name=list_name,
            key_column=key_column,
            mapping=mapping,
            units=set(units) if units is not None else None,
            dry_run=dry_run,
            sheet=sheet,
            found_on=found_day,
            on=update_day,
            changed_since=self._changed_since(),
        )
        for branch in plan.branches:  # a delisting the new issues change is marked stale
            new = [i for i in plan.issues if i.id in branch.issues]
            on = min((i.found_on for i in new), default=self.today())
            self._review_delisting(branch, actor, on, "導入臺賬 (import)", *new)
        known = {b.id: b for b in plan.branches}
        for issue in plan.updated:  # a delisting what the updates change relied on is marked stale
            if issue.branch_id is None:
                continue
            branch = known.get(issue.branch_id) or self._branch(issue.branch_id)
            cause = f"導入臺賬 (import) of issue {issue.id}"
            if self._review_delisting(branch, actor, issue.last_on, cause, issue):
                known.setdefault(branch.id, branch)
                plan.branches[:] = list(known.values())
        if not dry_run and plan.aggregates:
            try:
                self.save(*plan.aggregates)
            except RecordConflictError:
                raise ConcurrencyConflict(Path(path).name, "ledger") from None
        return plan.result

    def draft_mapping(
        self, path: Path | str, *, sheet: str | None = None, list_name: str | None = None
    ) -> str:
        """A starting mapping (TOML) for the ledger at ``path``: its sheet, the header row
        found, the list name an import takes, each of its headers mapped to ours (the same, or
        a known alias such as 完成時限 → 整改時限), the headers not understood and the values
        not understood (ready to translate) as comments. Records nothing; see
        :func:`rectify.adapters.spreadsheets.mapping.draft_mapping`."""
        path = _path(path, "path")
        if sheet is not None:
            check_text(sheet, "sheet")
        if list_name is not None:
            check_text(list_name, "list_name")
        return draft_mapping(path, sheet=sheet, list_name=list_name)

    def _changed_since(self) -> Callable[[int], frozenset[UUID]]:
        """The ids of what has events recorded after a log position (read from the log once per
        position asked)."""
        known: dict[int, frozenset[UUID]] = {}

        def changed(position: int) -> frozenset[UUID]:
            if position not in known:
                found: set[UUID] = set()
                start = position + 1
                while page := self.recorder.select_notifications(start, _PAGE):
                    found.update(UUID(str(n.originator_id)) for n in page)
                    start = page[-1].id + 1
                known[position] = frozenset(found)
            return known[position]

        return changed

    def _past_day(self, value: date | str | None, field: str) -> date | None:
        """``value`` as a business date not after today (None stays None), or InvalidCommand
        naming ``field``."""
        if value is None:
            return None
        try:
            day = parse_day(value)
        except ValueError as e:
            raise InvalidCommand(field, str(e)) from None
        if day > self.today():
            raise InvalidCommand(field, f"{day} is in the future")
        return day

    def _stored(self, ident: UUID) -> object | None:
        """What the store holds under ``ident`` (an issue, a branch, a list), or None."""
        if not self.is_recorded(ident):
            return None
        try:
            found: object = self.repository.get(ident)
        except AggregateNotFoundError:
            return None
        return found


def _path(value: object, field: str) -> Path:
    if isinstance(value, Path):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise InvalidCommand(field, f"a file's path, not a {type(value).__name__}")
    check_text(text, field)
    if not text or "\x00" in text:
        raise InvalidCommand(field, "a file's path, not empty")
    return Path(text)


def import_ledger(
    app: ImportService,
    path: Path | str,
    *,
    actor: Actor,
    list_name: str | None = None,
    key_column: str = "序號",
    mapping: Path | str | None = None,
    units: set[str] | None = None,
    dry_run: bool = False,
    sheet: str | None = None,
    found_on: date | str | None = None,
    on: date | str | None = None,
) -> ImportResult:
    """``app.import_ledger(path, ...)``, as the function it was before it became a service."""
    return app.import_ledger(
        path, actor=actor, list_name=list_name, key_column=key_column, mapping=mapping,
        units=units, dry_run=dry_run, sheet=sheet, found_on=found_on, on=on,
    )  # fmt: skip
