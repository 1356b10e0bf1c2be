"""Proving a history unaltered: checking the chain, the checkpoints and the views; sealing.

:meth:`IntegrityService.verify_integrity` walks the whole log once, in pages, and checks every
event against the chain written when it was stored (:mod:`rectify.adapters.chain`), every
checkpoint against the log it sealed, a digest the caller kept (``expect``) against the log, and
the views against a replay of the events. :meth:`IntegrityService.seal` records a checkpoint.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, cast

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError, StoredEvent
from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.utils import get_topic

from rectify.adapters.chain import ChainReader, LogWalk, as_uuid, parse_digest
from rectify.adapters.store_access import replaying
from rectify.adapters.viewstores import VIEW_KEYS, SQLiteViewStore, ViewStore
from rectify.application.imports import ImportService
from rectify.application.plumbing import check_position
from rectify.domain.seals import (
    SEAL_ID,
    Checkpoint,
    Finding,
    FindingKind,
    IntegrityReport,
    LogSeal,
)
from rectify.errors import IntegrityError, InvalidCommand, RectifyError
from rectify.projections.projector import Projector

SEAL_TOPIC = get_topic(LogSeal.Sealed)
MAX_FINDINGS = 100
"""Findings of one kind kept in a report (the count of the rest is said)."""
MAX_VIEW_FINDINGS = 20
"""Differing rows of one view table named in a report."""


class IntegrityService(ImportService):
    """Checking that the stored history is the history that was recorded, and sealing it."""

    def verify_integrity(
        self, *, expect: str | None = None, views: bool = True, seal: bool = False
    ) -> IntegrityReport:
        """Check the whole stored history; a typed :class:`~rectify.domain.seals.IntegrityReport`.

        Every event is checked against the chain written with it (its stored topic and state,
        its place in its stream, the running digest of the log), every checkpoint against the
        log it sealed, and, with ``views``, the ledger, audit trail and records against a replay
        of the events up to where the views have read. ``expect`` is a digest kept from an
        earlier check or export: the history is intact only if that digest still seals a
        point of it. A store written before chaining is chained as found first (the report says
        up to which event, and when). With ``seal`` an intact history is sealed by a checkpoint
        of its last event (``report.sealed_now``). Reads the log once, in pages.
        """
        expected = None
        if expect is not None:
            if not isinstance(expect, str):
                raise InvalidCommand("expect", f"a digest is text, not a {type(expect).__name__}")
            expected = parse_digest(expect)
            if expected is None:
                raise InvalidCommand("expect", "a digest is 64 hexadecimal digits")
        if not isinstance(views, bool) or not isinstance(seal, bool):
            raise InvalidCommand(
                "views" if not isinstance(views, bool) else "seal", "True or False"
            )
        try:
            return self._verify(expected, views=views, seal=seal)
        except (TypeError, ValueError, AttributeError, OverflowError) as e:
            # Whatever the walk did not foresee: values of a kind rectify never writes.
            msg = f"the store holds values of a kind rectify never writes ({type(e).__name__}: {e})"
            raise IntegrityError(msg) from e

    def _verify(self, expected: bytes | None, *, views: bool, seal: bool) -> IntegrityReport:
        reader = self._chain_reader()
        self.recorder.adopt()  # type: ignore[attr-defined]
        # Where the views had read, taken before the walk: what is written meanwhile is not
        # mistaken for a log cut short.
        tracked_before = {
            name: _position(self.views.max_tracking_id(name))
            for name in (self.name, "rectify.readiness")
        }
        findings = _Findings()
        walk = LogWalk(reader, SEAL_TOPIC, expected)
        for finding in walk.findings():
            findings.add(finding)
        result = walk.result
        latest, checked = self._check_seals(reader, result.seals, result.last_position, findings)
        views_at = tracked_before[self.name]
        for name, tracked in tracked_before.items():
            if tracked > result.last_position:
                findings.add(
                    Finding(
                        FindingKind.DELETED,
                        f"the log ends at event {result.last_position}, but {name} had read it "
                        f"up to event {tracked}: events were deleted from its end (or the "
                        "tracked position was moved)",
                        notification_id=result.last_position + 1,
                    )
                )
                break
        meta = reader.meta()
        adopted = _position(meta.get("adopted_up_to")) or None
        sealed_before = [p for p, *_ in result.seals if adopted is not None and p <= adopted]
        if sealed_before:  # only a chaining rectify writes checkpoints: its chain was removed
            findings.add(
                Finding(
                    FindingKind.CHAIN,
                    f"the chain of events 1–{adopted} was missing and they were sealed as found "
                    f"on {meta.get('adopted_at')}, but the log holds checkpoints among them "
                    f"(event {sealed_before[0]}): it was chained before, and its chain was removed",
                    notification_id=sealed_before[0],
                )
            )
        if expected is not None and result.expected_at is None:
            findings.add(
                Finding(
                    FindingKind.EXPECTED,
                    f"digest {expected.hex()} seals no point of this history: the history it "
                    "sealed was rewritten (or it is from another store)",
                )
            )
        if views and not findings.items:
            for finding in self._check_views(min(views_at, result.last_position)):
                findings.add(finding)
        head = Checkpoint(result.head[0], result.head[1].hex()) if result.head else None
        unsealed = result.last_position - (latest.up_to if latest else 0)
        sealed_now = None
        if seal and not findings.items and result.head is not None and unsealed > 0:
            sealed_now = self._seal_at(reader, result.head)  # what was checked, nothing after
        return IntegrityReport(
            events=result.events,
            head=head,
            checkpoints=checked,
            latest_checkpoint=latest,
            unsealed=max(unsealed, 0) if sealed_now is None else 0,
            adopted_up_to=adopted,
            adopted_at=meta.get("adopted_at"),
            views_checked=views and not findings.items,
            views_position=views_at,
            sealed_now=sealed_now,
            findings=findings.done(),
        )

    def seal(self, on: date | None = None) -> Checkpoint | None:
        """Record a checkpoint of the log up to its last event (None when that is sealed
        already); returns it. ``rectify verify`` seals after a clean check; an application that
        writes much may seal now and then, so that a shortened log is noticed without a kept
        digest."""
        reader = self._chain_reader()
        self.recorder.adopt()  # type: ignore[attr-defined]
        head = self._head(reader)
        return self._seal_at(reader, head, on) if head is not None else None

    def _seal_at(
        self, reader: ChainReader, head: tuple[int, bytes], on: date | None = None
    ) -> Checkpoint | None:
        """Record a checkpoint of the log up to ``head`` (its position and running digest)."""
        meta = reader.meta()
        for _attempt in range(3):
            try:
                seals: LogSeal = self.repository.get(SEAL_ID)
            except AggregateNotFoundError:  # the first checkpoint
                seals = LogSeal.start(on=on or self.today())
            if seals.last_up_to >= head[0]:
                return None
            adopted = _position(meta.get("adopted_up_to")) if seals.last_up_to == 0 else 0
            seals.seal(
                up_to=head[0],
                digest=head[1].hex(),
                adopted_up_to=adopted or None,
                on=on or self.today(),
            )
            try:
                self.save(seals)
            except RecordConflictError:
                continue  # another process sealed meanwhile
            return Checkpoint(head[0], head[1].hex())
        return None

    def history_digest(self, up_to: int | None = None) -> Checkpoint | None:
        """The running digest sealing the log up to event ``up_to`` (by default, up to where
        the views have read): what a ledger, figures or an export read now (or known at
        ``up_to``) were made from. Every export prints it; ``rectify verify --expect`` proves
        with it later that this history was not rewritten. None for an empty store."""
        if up_to is None:
            self._from_views(lambda: None)  # current, as the ledger read just before
            up_to = self.views.max_tracking_id(self.name) or 0
        else:
            up_to = check_position(up_to, "up_to")
        reader = self._chain_reader()
        self.recorder.adopt()  # type: ignore[attr-defined]
        found = reader.head_at(up_to) if up_to else None  # ids a failed write skipped: none
        return Checkpoint(found[0], found[1].hex()) if found is not None else None

    # ------------------------------------------------------------------ the parts

    def _chain_reader(self) -> ChainReader:
        chain_reader = getattr(self.recorder, "chain_reader", None)
        if chain_reader is None:
            msg = f"this store's recorder ({type(self.recorder).__name__}) keeps no chain"
            raise IntegrityError(msg)
        return cast("ChainReader", chain_reader())

    def _head(self, reader: ChainReader) -> tuple[int, bytes] | None:
        last = self.recorder.max_notification_id() or 0
        return reader.head_at(last) if last else None

    def _check_seals(
        self,
        reader: ChainReader,
        seals: list[tuple[int, Any, int, bytes]],
        last: int,
        findings: _Findings,
    ) -> tuple[Checkpoint | None, int]:
        latest = None
        for position, originator_id, version, state in seals:
            try:
                sealed: Any = self.mapper.to_domain_event(
                    StoredEvent(originator_id, version, SEAL_TOPIC, state)
                )
            except IntegrityError:
                continue  # reported by the walk as altered
            if sealed.up_to > last:
                message = (
                    f"sealed the log up to event {sealed.up_to}, but it ends at event {last}: "
                    "events were deleted from its end"
                )
            elif (found := reader.log_at(sealed.up_to)) is None:
                message = f"sealed event {sealed.up_to}, which is gone from the log"
            elif found.hex() != sealed.digest:
                message = (
                    f"sealed the log up to event {sealed.up_to} with digest {sealed.digest}, "
                    f"but the log there has {found.hex()}: the history it sealed was rewritten"
                )
            else:
                latest = Checkpoint(sealed.up_to, sealed.digest)
                continue
            findings.add(
                Finding(FindingKind.CHECKPOINT, message, as_uuid(originator_id), version, position)
            )
        return latest, len(seals)

    def _check_views(self, position: int) -> Iterator[Finding]:
        """The views as stored, compared with views made afresh from the events up to
        ``position`` (where the stored views have read), table by table, row by row."""
        with tempfile.TemporaryDirectory(prefix="rectify-verify-") as tmp:
            fresh = SQLiteViewStore(SQLiteDatastore(str(Path(tmp) / "views.db")))
            try:
                fresh.create_table()
                fresh.ensure_schema(self.name)
                projector = Projector(fresh, self._aggregate_at, self.name)

                def read(after: int) -> list[tuple[int, Any]]:
                    return [(p, e) for p, e in self._read_notifications(after) if p <= position]

                try:
                    with replaying("log", "up to the views' position"):
                        projector.catch_up(read)
                except RectifyError as e:
                    yield Finding(FindingKind.VIEWS, f"the views cannot be checked: {e}")
                    return
                for table in VIEW_KEYS:
                    yield from _compare(table, self.views, fresh)
            finally:
                fresh.datastore.close()


def _position(value: object) -> int:
    """A position as a store gave it (0 for none, or for a value no position can be)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value)) if value is not None else 0
    except ValueError:
        return 0


def _ordered(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """A key any two of which compare (a value edited into another type sorts apart)."""
    return tuple((0, v) if isinstance(v, int) else (1, str(v)) for v in key)


def _compare(table: str, stored: ViewStore, fresh: ViewStore) -> Iterator[Finding]:
    """The rows of ``table`` that differ between the stored views and fresh ones."""
    key = VIEW_KEYS[table]
    columns = _columns(table)
    index = [columns.index(k) for k in key]
    named = 0
    ours, theirs = stored.view_rows(table), fresh.view_rows(table)
    mine, right = next(ours, None), next(theirs, None)
    while mine is not None or right is not None:
        if named >= MAX_VIEW_FINDINGS:
            yield Finding(
                FindingKind.VIEWS, f"{table}: more rows differ (rectify rebuild mends them)"
            )
            return
        k_mine = _ordered(tuple(mine[i] for i in index)) if mine is not None else None
        k_right = _ordered(tuple(right[i] for i in index)) if right is not None else None
        if k_right is None or (k_mine is not None and k_mine < k_right):
            yield _view_finding(table, "added: no event gives it", mine, columns)
            mine = next(ours, None)
        elif k_mine is None or k_right < k_mine:
            yield _view_finding(table, "missing: deleted, or its event skipped", right, columns)
            right = next(theirs, None)
        else:
            assert mine is not None
            assert right is not None
            if tuple(mine) != tuple(right):
                differ = [c for c, a, b in zip(columns, mine, right, strict=True) if a != b]
                yield _view_finding(
                    table, f"edited: {', '.join(differ)} differ from the history", mine, columns
                )
            else:
                named -= 1
            mine, right = next(ours, None), next(theirs, None)
        named += 1


def _columns(table: str) -> tuple[str, ...]:
    from rectify.adapters.viewstores import AUDIT_COLUMNS, RECORD_COLUMNS, VERSION_COLUMNS

    return {"records": RECORD_COLUMNS, "versions": VERSION_COLUMNS, "audit": AUDIT_COLUMNS}[table]


def _view_finding(table: str, what: str, row: Any, columns: tuple[str, ...]) -> Finding:
    values = dict(zip(columns, row, strict=True))
    ident = values.get("issue_id") or values.get("id")
    position = values.get("position") or values.get("pos_from")
    version = values.get("version")
    key = ", ".join(f"{k}={values[k]}" for k in VIEW_KEYS[table])
    return Finding(
        FindingKind.VIEWS,
        f"{table} row {key} {what} (rectify rebuild mends the views)",
        as_uuid(ident) if ident else None,
        int(version) if isinstance(version, int) else None,
        int(position) if isinstance(position, int) else None,
    )


class _Findings:
    """Findings kept in order, at most :data:`MAX_FINDINGS` of a kind (the rest counted)."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self.counts: dict[FindingKind, int] = {}

    def add(self, finding: Finding) -> None:
        n = self.counts.get(finding.kind, 0) + 1
        self.counts[finding.kind] = n
        if n <= MAX_FINDINGS:
            self.items.append(finding)

    def done(self) -> tuple[Finding, ...]:
        more = [
            Finding(kind, f"and {n - MAX_FINDINGS} more of this kind")
            for kind, n in self.counts.items()
            if n > MAX_FINDINGS
        ]
        return (*self.items, *more)
