"""Crypto-shredding: each person's name is stored encrypted with a key of their own.

:class:`PersonalCipher` is used by the mapper. Writing an event, it replaces every personal
field (:data:`rectify.domain.personal.PERSONAL_FIELDS`) by ``{"$personal": subject, "$sealed":
base64(nonce ‖ AES-256-GCM ciphertext)}``, the subject bound in as associated data; reading, it
puts the name back, or :data:`~rectify.domain.personal.REDACTED` when the subject's key was deleted
(forgotten). The stored bytes never change, so a history still replays and verifies after a
person is forgotten.

The keys are held apart from the events, in the table ``rectify_personal_keys`` (one row per
subject: its key, or none and when it was forgotten, so a forgotten person is never given a new
key), and ``rectify_personal_keys_names`` links the digest of a name to the random subject its
person is sealed under (unlinked when they are forgotten). A key is made the first time a person
is named; two writers making one at once agree on the first stored. What a process remembers of
keys and names it drops before it next catches the views up once anyone was forgotten (a
generation the key table keeps), so a forgotten name never goes back into the views.

Events written before names were encrypted hold them in plain text; those cannot be shredded
without rewriting history, and are left as they are.

Why this module is long: the key store is written twice (memory, and the SQL both SQLite and
PostgreSQL run), beside the cipher that uses it, so the protocol and its two keepers read
together.
"""

from __future__ import annotations

import base64
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from rectify.domain.personal import PERSONAL_FIELDS, REDACTED
from rectify.errors import IntegrityError

SEALED = "$sealed"
SUBJECT = "$personal"
MARK = b'"$personal"'
"""Bytes a stored state holds when it has a personal field encrypted (checked before parsing)."""


FORGOTTEN = False
"""What the key store answers for a person who was forgotten (None: not known yet)."""

KeyState = bytes | bool | None
SubjectState = str | bool | None


class KeyStore(Protocol):
    """Where the persons' keys are kept, apart from the events."""

    def subject(self, lookup: str, *, create: bool) -> SubjectState:
        """The subject a person found by ``lookup`` is sealed under: an actor's lookup itself;
        for a person only named, a random id given when the name is first seen (with
        ``create``). :data:`FORGOTTEN` when they were forgotten; None when not known yet."""
        ...

    def key(self, subject: str, *, create: bool) -> KeyState:
        """The subject's key (made, with ``create``, when it has none yet); :data:`FORGOTTEN`
        when it was forgotten; None when it has none and ``create`` is false."""
        ...

    def forget(self, lookups: Iterable[str]) -> list[str]:
        """Forget the persons found by ``lookups`` for good: delete their keys and what links a
        name to its subject. Returns the subjects forgotten now (not those forgotten before)."""
        ...

    def generation(self) -> str:
        """A value that changes whenever someone is forgotten (for caches to notice)."""
        ...


def _new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _random_subject() -> str:
    return f"name:{uuid.uuid4().hex}"


def _by_name(lookup: str) -> bool:
    return lookup.startswith("name:")


class MemoryKeyStore:
    """The keys of a memory store."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes | None] = {}
        self.names: dict[str, str | None] = {}
        self.forgettings = 0
        self.lock = threading.Lock()

    def subject(self, lookup: str, *, create: bool) -> SubjectState:
        if not _by_name(lookup):
            return lookup
        with self.lock:
            if lookup not in self.names:
                if not create:
                    return None
                self.names[lookup] = _random_subject()
            found = self.names[lookup]
            return FORGOTTEN if found is None else found

    def key(self, subject: str, *, create: bool) -> KeyState:
        with self.lock:
            if subject not in self.keys:
                if not create:
                    return None
                self.keys[subject] = _new_key()
            found = self.keys[subject]
            return FORGOTTEN if found is None else found

    def forget(self, lookups: Iterable[str]) -> list[str]:
        forgotten = []
        with self.lock:
            for lookup in dict.fromkeys(lookups):
                subject: str | None = lookup
                if _by_name(lookup):
                    subject = self.names.get(lookup)
                    self.names[lookup] = None
                if subject is not None and self.keys.get(subject, b"") is not None:
                    self.keys[subject] = None
                    forgotten.append(subject)
            self.forgettings += 1
        return forgotten

    def generation(self) -> str:
        return str(self.forgettings)


class SQLKeyStore:
    """The keys in tables of the store's database (``?`` placeholders, or ``placeholder``):
    ``<table>`` (subject, key, forgotten_at), ``<table>_names`` (lookup, subject, forgotten_at)
    and a generation row in ``<table>``'s subject ``#generation``."""

    def __init__(
        self,
        table: str,
        transaction: Callable[[], AbstractContextManager[Any]],
        *,
        blob: str,
        placeholder: str = "?",
    ) -> None:
        self.table = table
        self.transaction = transaction
        names = _suffixed(table, "_names")
        self.creates = [
            f"CREATE TABLE IF NOT EXISTS {table} (subject TEXT PRIMARY KEY, key {blob}, "
            "forgotten_at TEXT)",
            f"CREATE TABLE IF NOT EXISTS {names} (lookup TEXT PRIMARY KEY, subject TEXT, "
            "forgotten_at TEXT)",
        ]
        p = placeholder
        self.select = f"SELECT key, forgotten_at FROM {table} WHERE subject = {p}"
        self.insert = (
            f"INSERT INTO {table} (subject, key) VALUES ({p}, {p}) ON CONFLICT (subject) DO NOTHING"
        )
        self.shred = (
            f"UPDATE {table} SET key = NULL, forgotten_at = {p} "
            f"WHERE subject = {p} AND forgotten_at IS NULL"
        )
        self.tombstone = (
            f"INSERT INTO {table} (subject, key, forgotten_at) VALUES ({p}, NULL, {p}) "
            "ON CONFLICT (subject) DO NOTHING"
        )
        self.select_name = f"SELECT subject, forgotten_at FROM {names} WHERE lookup = {p}"
        self.insert_name = (
            f"INSERT INTO {names} (lookup, subject) VALUES ({p}, {p}) "
            "ON CONFLICT (lookup) DO NOTHING"
        )
        self.unlink_name = (
            f"UPDATE {names} SET subject = NULL, forgotten_at = {p} WHERE lookup = {p}"
        )
        self.tombstone_name = (
            f"INSERT INTO {names} (lookup, subject, forgotten_at) VALUES ({p}, NULL, {p}) "
            "ON CONFLICT (lookup) DO NOTHING"
        )
        self.bump = (
            f"INSERT INTO {table} (subject, key, forgotten_at) VALUES ('#generation', NULL, {p}) "
            f"ON CONFLICT (subject) DO UPDATE SET forgotten_at = {p}"
        )
        self.read_generation = f"SELECT forgotten_at FROM {table} WHERE subject = '#generation'"

    def subject(self, lookup: str, *, create: bool) -> SubjectState:
        if not _by_name(lookup):
            return lookup
        row = self._row(self.select_name, self.insert_name, lookup, _random_subject, create)
        if row is None:
            return None
        return FORGOTTEN if row[0] is None else str(row[0])

    def key(self, subject: str, *, create: bool) -> KeyState:
        row = self._row(self.select, self.insert, subject, _new_key, create)
        if row is None:
            return None
        return FORGOTTEN if row[0] is None else bytes(row[0])

    def _row(
        self, select: str, insert: str, ident: str, fresh: Callable[[], Any], create: bool
    ) -> Any:
        """The row ``select`` finds for ``ident``; with ``create``, made first when there is
        none (written, then read: two writers at once both get the first one stored)."""
        with self.transaction() as c:
            c.execute(select, (ident,))
            row = c.fetchone()
        if row is None and create:
            with self.transaction() as c:
                c.execute(insert, (ident, fresh()))
                c.execute(select, (ident,))
                row = c.fetchone()
        return row

    def forget(self, lookups: Iterable[str]) -> list[str]:
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        forgotten = []
        with self.transaction() as c:
            c.execute(self.bump, (now, now))  # a write first: the write lock before any read
            for lookup in dict.fromkeys(lookups):
                subject: str | None = lookup
                if _by_name(lookup):
                    c.execute(self.select_name, (lookup,))
                    row = c.fetchone()
                    if row is None:
                        c.execute(self.tombstone_name, (lookup, now))
                        continue  # never named: nothing sealed, and never will be
                    subject = None if row[0] is None else str(row[0])
                    c.execute(self.unlink_name, (now, lookup))
                if subject is None:
                    continue  # forgotten before
                c.execute(self.select, (subject,))
                row = c.fetchone()
                if row is not None and row[1] is not None:
                    continue  # forgotten before
                if row is None:
                    c.execute(self.tombstone, (subject, now))
                else:
                    c.execute(self.shred, (now, subject))
                forgotten.append(subject)
        return forgotten

    def generation(self) -> str:
        with self.transaction() as c:
            c.execute(self.read_generation)
            row = c.fetchone()
        return "" if row is None or row[0] is None else str(row[0])


def _suffixed(table: str, suffix: str) -> str:
    """``table`` with ``suffix`` added to its last part (a quoted PostgreSQL name keeps quotes)."""
    if table.endswith('"'):
        return table[:-1] + suffix + '"'
    return table + suffix


class PersonalCipher:
    """Encrypts the personal fields of an event's state on the way in, and opens them on the way
    out; see the module.

    What it sealed or opened is remembered (at most :attr:`remembered` values): a history is
    read again and again (each command replays its aggregate), and the same name under the same
    key is sealed to the same value. That gives nothing away that the sealed value does not say
    already (it names its subject), and AES-GCM is safe with a nonce used again for the very
    same plaintext under the same key. :meth:`refresh` forgets all it remembered when someone
    was forgotten elsewhere (the views are caught up only after it)."""

    remembered = 50_000

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys
        self._ciphers: dict[str, AESGCM | None] = {}
        self._subjects: dict[str, str | None] = {}
        self._opened: dict[tuple[str, str], str] = {}
        self._sealed: dict[tuple[str, str], dict[str, str]] = {}
        self._lock = threading.Lock()
        self._generation = keys.generation()
        self._checked = time.monotonic()

    def refresh(self, max_age: float = 0.0) -> bool:
        """Drop what is remembered if anyone was forgotten since (by any process); whether so
        (then whatever else holds names read before must be dropped too). With ``max_age``,
        the store is asked at most that often (seconds)."""
        if max_age and time.monotonic() - self._checked < max_age:
            return False
        self._checked = time.monotonic()
        now = self.keys.generation()
        if now == self._generation:
            return False
        self._clear()
        self._generation = now
        return True

    def _clear(self) -> None:
        with self._lock:
            self._ciphers.clear()
            self._subjects.clear()
            self._opened.clear()
            self._sealed.clear()

    def _subject(self, lookup: str) -> str | None:
        with self._lock:
            if lookup in self._subjects:
                return self._subjects[lookup]
        found = self.keys.subject(lookup, create=True)
        subject = found if isinstance(found, str) else None
        self._remember(self._subjects, lookup, subject)
        return subject

    def _cipher(self, subject: str, *, create: bool) -> AESGCM | None:
        with self._lock:
            if subject in self._ciphers:
                return self._ciphers[subject]
        found = self.keys.key(subject, create=create)
        cipher = AESGCM(found) if isinstance(found, bytes) else None
        if found is not None:  # a key, or forgotten for good: both can be remembered
            self._remember(self._ciphers, subject, cipher)
        return cipher

    def forget(self, lookups: Iterable[str]) -> list[str]:
        """Forget the persons found by ``lookups``; the subjects forgotten now."""
        forgotten = self.keys.forget(list(lookups))
        self._clear()
        self._generation = self.keys.generation()
        return forgotten

    def _remember(self, cache: dict[Any, Any], key: Any, value: Any) -> None:
        with self._lock:
            if len(cache) >= self.remembered:
                cache.clear()
            cache[key] = value

    # ------------------------------------------------------------------ sealing

    def seal(self, state: dict[str, Any]) -> None:
        """Encrypt, in place, the personal fields ``state`` (an event's fields as JSON) holds."""
        for field, value, put in _slots(state):
            text = value if field.inner is None else value.get(field.inner)
            if not isinstance(text, str) or not text:
                continue  # nothing personal to hide (an actor without a name)
            subject = self._subject(field.lookup(value))
            done = self._sealed.get((subject, text)) if subject is not None else None
            if done is not None:
                put(dict(done))
                continue
            cipher = self._cipher(subject, create=True) if subject is not None else None
            if subject is None or cipher is None:  # forgotten: nothing new of them is kept
                put(REDACTED)
                continue
            nonce = os.urandom(12)
            sealed = cipher.encrypt(nonce, text.encode(), subject.encode())
            done = {SUBJECT: subject, SEALED: base64.b64encode(nonce + sealed).decode()}
            self._remember(self._sealed, (subject, text), done)
            self._remember(self._opened, (subject, done[SEALED]), text)
            put(dict(done))

    def open(self, state: dict[str, Any]) -> None:
        """Put back, in place, the personal fields of ``state`` (redacted if forgotten)."""
        for _field, value, put in _slots(state, sealed=True):
            subject = value.get(SUBJECT)
            sealed = value.get(SEALED)
            if not isinstance(subject, str) or not isinstance(sealed, str):
                raise IntegrityError(f"a sealed personal field is malformed: {value!r:.80}")
            text = self._opened.get((subject, sealed))
            if text is not None:
                put(text)
                continue
            cipher = self._cipher(subject, create=False)
            if cipher is None:
                put(REDACTED)
                continue
            try:
                raw = base64.b64decode(sealed, validate=True)
                text = cipher.decrypt(raw[:12], raw[12:], subject.encode()).decode()
            except (ValueError, InvalidTag) as e:
                msg = f"a personal field of {subject} does not open with its key: altered"
                raise IntegrityError(msg) from e
            self._remember(self._opened, (subject, sealed), text)
            put(text)


def _slots(
    state: dict[str, Any], *, sealed: bool = False
) -> Iterator[tuple[Any, Any, Callable[[Any], None]]]:
    """Each personal value ``state`` holds: ``(its field, the value, a setter of its text)``.
    With ``sealed``, the values that are encrypted (yielded as the sealed mapping)."""
    for field in PERSONAL_FIELDS:
        if field.field not in state:
            continue
        value = state[field.field]
        items = list(enumerate(value)) if field.many and isinstance(value, list) else None
        holders = [(value, None)] if items is None else [(item, index) for index, item in items]
        for holder, _index in holders:
            if field.inner is None:
                if sealed:
                    if isinstance(holder, dict) and SUBJECT in holder:
                        yield field, holder, _setter(state, field.field)
                elif isinstance(holder, str):
                    yield field, holder, _setter(state, field.field)
                continue
            if not isinstance(holder, dict):
                continue
            inner = holder.get(field.inner)
            if sealed:
                if isinstance(inner, dict) and SUBJECT in inner:
                    yield field, inner, _setter(holder, field.inner)
            else:
                yield field, holder, _setter(holder, field.inner)


def _setter(container: dict[str, Any], key: str) -> Callable[[Any], None]:
    def put(value: Any) -> None:
        container[key] = value

    return put
