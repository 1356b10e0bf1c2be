"""Crypto-shredding: each person's name is stored encrypted with a key of their own.

:class:`PersonalCipher` is used by the mapper. Writing an event, it replaces every personal
field (:data:`rectify.domain.personal.PERSONAL_FIELDS`) by ``{"$personal": subject, "$sealed":
base64(nonce ‖ AES-256-GCM ciphertext)}``, the subject bound in as associated data; reading, it
puts the name back, or :data:`~rectify.domain.personal.REDACTED` when the subject's key was deleted
(forgotten). The stored bytes never change, so a history still replays and verifies after a
person is forgotten.

The keys are held apart from the events, in the table ``rectify_personal_keys`` (one row per
subject: its key, or none and when it was forgotten, so a forgotten person is never given a new
key). A key is made the first time a person is named; two writers making one at once agree on
the first stored. Keys are cached by the process that read them: forgetting in one process takes
effect in others when they next open the store.

Events written before names were encrypted hold them in plain text; those cannot be shredded
without rewriting history, and are left as they are.
"""

from __future__ import annotations

import base64
import os
import threading
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


class KeyStore(Protocol):
    """Where the persons' keys are kept, apart from the events."""

    def key(self, subject: str, *, create: bool) -> bytes | None:
        """The subject's key (made, with ``create``, when it has none yet); None when it has
        been forgotten, or has none and ``create`` is false."""
        ...

    def forget(self, subjects: Iterable[str]) -> int:
        """Delete the keys of ``subjects`` for good; how many were not forgotten before."""
        ...


def _new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


class MemoryKeyStore:
    """The keys of a memory store."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes | None] = {}
        self.lock = threading.Lock()

    def key(self, subject: str, *, create: bool) -> bytes | None:
        with self.lock:
            if subject not in self.keys:
                if not create:
                    return None
                self.keys[subject] = _new_key()
            return self.keys[subject]

    def forget(self, subjects: Iterable[str]) -> int:
        with self.lock:
            fresh = [s for s in set(subjects) if self.keys.get(s, b"") is not None]
            for s in fresh:
                self.keys[s] = None
            return len(fresh)


class SQLKeyStore:
    """The keys in a table of the store's database (``?`` placeholders, or ``placeholder``)."""

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
        self.create = (
            f"CREATE TABLE IF NOT EXISTS {table} (subject TEXT PRIMARY KEY, key {blob}, "
            "forgotten_at TEXT)"
        )
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

    def key(self, subject: str, *, create: bool) -> bytes | None:
        with self.transaction() as c:
            c.execute(self.select, (subject,))
            row = c.fetchone()
        if row is None and create:
            with self.transaction() as c:  # write first, then read: the first writer's key
                c.execute(self.insert, (subject, _new_key()))
                c.execute(self.select, (subject,))
                row = c.fetchone()
        if row is None or row[0] is None:
            return None
        return bytes(row[0])

    def forget(self, subjects: Iterable[str]) -> int:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        forgotten = 0
        with self.transaction() as c:
            for subject in sorted(set(subjects)):
                c.execute(self.select, (subject,))
                row = c.fetchone()
                if row is not None and row[1] is not None:
                    continue  # forgotten before
                if row is None:
                    c.execute(self.tombstone, (subject, now))
                else:
                    c.execute(self.shred, (now, subject))
                forgotten += 1
        return forgotten


class PersonalCipher:
    """Encrypts the personal fields of an event's state on the way in, and opens them on the way
    out; see the module.

    What it sealed or opened is remembered (at most :attr:`remembered` values): a history is
    read again and again (each command replays its aggregate), and the same name under the same
    key is sealed to the same value. That gives nothing away that the sealed value does not say
    already (it names its subject), and AES-GCM is safe with a nonce used again for the very
    same plaintext under the same key."""

    remembered = 50_000

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys
        self._ciphers: dict[str, AESGCM | None] = {}
        self._opened: dict[tuple[str, str], str] = {}
        self._sealed: dict[tuple[str, str], dict[str, str]] = {}
        self._lock = threading.Lock()

    def _cipher(self, subject: str, *, create: bool) -> AESGCM | None:
        with self._lock:
            if subject in self._ciphers:
                return self._ciphers[subject]
        found = self.keys.key(subject, create=create)
        cipher = AESGCM(found) if found is not None else None
        if found is not None or create:
            with self._lock:
                self._ciphers[subject] = cipher
        return cipher

    def forget(self, subjects: Iterable[str]) -> int:
        subjects = list(subjects)
        forgotten = self.keys.forget(subjects)
        with self._lock:
            for subject in subjects:
                self._ciphers[subject] = None
            self._opened.clear()
            self._sealed.clear()
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
            subject = field.subject(value)
            done = self._sealed.get((subject, text))
            if done is not None:
                put(dict(done))
                continue
            cipher = self._cipher(subject, create=True)
            if cipher is None:  # forgotten: what is new about them is not kept either
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
