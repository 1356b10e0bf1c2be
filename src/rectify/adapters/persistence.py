"""Persistence adapters: the event mapper and the URLs that choose a store.

Events are stored as JSON written and read by pydantic, from the event classes' own annotations, so
dates, enums, tuples, UUIDs and pydantic values come back exactly as they went in, on every store.
Reading checks ``class_version`` and runs the event class's ``upcast_vN_vN+1`` methods in order
before validation: a released event class changes only with an upcaster.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import TopicError, get_topic, resolve_topic
from pydantic import TypeAdapter
from pydantic_core import from_json, to_json

from rectify.adapters.personal import MARK, PersonalCipher
from rectify.domain.values import unholdable
from rectify.errors import IntegrityError, InvalidCommand

if TYPE_CHECKING:
    from eventsourcing.domain import DomainEventProtocol

_ID_FIELDS = {"originator_id", "originator_version"}

CONNECT_TIMEOUT = 5
"""Seconds to wait for a PostgreSQL server before :class:`~rectify.errors.StoreUnavailable`
(a store URL's ``connect_timeout`` says otherwise)."""

LOCK_TIMEOUT = 10
"""Seconds a writer waits for another writer's lock before
:class:`~rectify.errors.ConcurrencyConflict` (a store URL's ``lock_timeout`` says otherwise)."""

POSTGRES_RECORDER_TOPIC = "rectify.adapters.postgres:ChunkedPostgresApplicationRecorder"
"""The event recorder of PostgreSQL stores (a topic, so SQLite users never import psycopg)."""

SQLITE_RECORDER_TOPIC = "rectify.adapters.chain:ChainedSQLiteApplicationRecorder"
"""The event recorder of SQLite stores: eventsourcing's, chaining each event it stores."""


@cache
def _adapter(cls: type[Any]) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


class PydanticMapper(Mapper[UUID]):
    """Maps domain events to stored events and back with pydantic, with an upcast loop; with a
    :class:`~rectify.adapters.personal.PersonalCipher` (``personal``), names of people are
    stored encrypted, each with its person's key."""

    personal: PersonalCipher | None = None

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        cls = type(domain_event)
        adapter = _adapter(cls)
        class_version = getattr(cls, "class_version", 1)
        if class_version > 1 or self.personal is not None:
            data = adapter.dump_python(domain_event, mode="json", exclude=_ID_FIELDS)
            if class_version > 1:
                data["class_version"] = class_version
            if self.personal is not None:
                self.personal.seal(data)
            state = to_json(data)
        else:
            state = adapter.dump_json(domain_event, exclude=_ID_FIELDS)
        if self.compressor:
            state = self.compressor.compress(state)
        if self.cipher:
            state = self.cipher.encrypt(state)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(cls),
            state=state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        try:
            cls = resolve_topic(stored_event.topic)
            state = stored_event.state
            if self.cipher:
                state = self.cipher.decrypt(state)
            if self.compressor:
                state = self.compressor.decompress(state)
            data = from_json(state)
            if not isinstance(data, dict):
                msg = f"expected a JSON object, got {type(data).__name__}"
                raise ValueError(msg)
            if self.personal is not None and MARK in state:
                self.personal.open(data)
            data["originator_id"] = stored_event.originator_id
            data["originator_version"] = stored_event.originator_version
            version = data.pop("class_version", 1)
            target = getattr(cls, "class_version", 1)
            while version < target:
                getattr(cls, f"upcast_v{version}_v{version + 1}")(data)
                version += 1
            return _adapter(cls).validate_python(data)  # type: ignore[no-any-return]
        except (ValueError, TopicError) as e:  # bad JSON, failed validation, unknown topic
            msg = (
                f"stored event {stored_event.originator_version} of {stored_event.originator_id} "
                f"({stored_event.topic}) cannot be read: {e}"
            )
            raise IntegrityError(msg) from e


def env_for_url(url: str) -> dict[str, str]:
    """The eventsourcing environment for a store URL.

    ``memory://`` · ``sqlite:///relative.db`` · ``sqlite:////absolute/path.db`` ·
    ``postgresql://user[:password]@host[:port]/dbname[?schema=name]``. ``lock_timeout`` (both;
    default 10) and ``connect_timeout`` (PostgreSQL; default 5) in whole seconds may be added as
    query parameters: how long to wait for another writer's lock, or for a server.
    """
    problem = unholdable(url)
    if problem is not None:
        raise InvalidCommand("url", f"contains {problem}")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise InvalidCommand(
            "url", f"the port of {url!r} is not a number from 0 to 65535"
        ) from None
    scheme = parts.scheme.lower()
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    for key in ("connect_timeout", "lock_timeout"):
        if key in query and not query[key].isdigit():
            raise InvalidCommand("url", f"{key} is a whole number of seconds, got {query[key]!r}")
    if scheme in ("memory", "popo"):
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if scheme == "sqlite":
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if parts.netloc or not path:
            msg = f"expected sqlite:///path.db (three slashes), got {url!r}"
            raise InvalidCommand("url", msg)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": query.get("lock_timeout", str(LOCK_TIMEOUT)),
            "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER_TOPIC,
        }
    if scheme in ("postgresql", "postgres"):
        dbname = unquote(parts.path.lstrip("/"))
        if not parts.hostname or not dbname:
            msg = f"expected postgresql://user@host:port/dbname, got {url!r}"
            raise InvalidCommand("url", msg)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            # Give up quickly: an unreachable server or a held lock is a typed error, no hang.
            "POSTGRES_CONNECT_TIMEOUT": query.get("connect_timeout", str(CONNECT_TIMEOUT)),
            "POSTGRES_LOCK_TIMEOUT": query.get("lock_timeout", str(LOCK_TIMEOUT)),
            # Saves in bounded statements, without psycopg's pipeline mode (see rectify.adapters.postgres).
            "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER_TOPIC,
        }
        if "schema" in query:
            env["POSTGRES_SCHEMA"] = query["schema"]
        return env
    msg = f"unknown store {url!r}: use memory://, sqlite:///path.db or postgresql://user@host/db"
    raise InvalidCommand("url", msg)
