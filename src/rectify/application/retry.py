"""Giving a command again after a :class:`~rectify.errors.ConcurrencyConflict`.

A conflict means nothing was recorded: another writer changed the same record first, held the
store's write lock too long, or the views were being rebuilt (:class:`~rectify.errors.ViewsRebuilding`).
Giving the command again is safe: it is decided afresh against what is stored now (so it may then
be refused for another reason, which passes through), and a command with an idempotency key
(``command_id=``) is recorded at most once however often it is given.

>>> import rectify
>>> rectify.retrying(lambda: 42)
42
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from rectify.errors import ConcurrencyConflict, InvalidCommand

T = TypeVar("T")
P = ParamSpec("P")

ATTEMPTS = 5
"""Attempts at a call in all, by default (the first and four more)."""

BACKOFF = 0.05
"""Seconds: the longest pause before the first retry; it doubles for each retry after."""

MAX_DELAY = 1.0
"""Seconds: no pause is longer than this."""


def retrying(
    call: Callable[[], T],
    *,
    attempts: int = ATTEMPTS,
    backoff: float = BACKOFF,
    max_delay: float = MAX_DELAY,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """``call()``, given again while it raises :class:`~rectify.errors.ConcurrencyConflict`, at
    most ``attempts`` times in all; the last conflict is raised. Before retry *n* (from 1) it
    pauses a random time up to ``backoff * 2**(n - 1)`` seconds (at most ``max_delay``), so
    writers that collided do not collide again in step. Every other error passes through at once.

    ``call`` takes no arguments: ``rectify.retrying(lambda: app.verify(issue_id, actor=a))``."""
    _check(attempts, backoff, max_delay)
    if not callable(call):
        raise InvalidCommand("call", f"a function to call, not a {type(call).__name__}")
    for n in range(1, attempts + 1):
        try:
            return call()
        except ConcurrencyConflict:
            if n == attempts:
                raise
        sleep(random.uniform(0, min(max_delay, backoff * 2 ** (n - 1))))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def retry_on_conflict(
    *,
    attempts: int = ATTEMPTS,
    backoff: float = BACKOFF,
    max_delay: float = MAX_DELAY,
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorator: the function, called through :func:`retrying` with these settings.

    ``@rectify.retry_on_conflict(attempts=8)`` above a function that gives one or more commands;
    a conflict gives the whole function again, so it should record nothing before the command
    that may conflict, or give every command an idempotency key."""
    _check(attempts, backoff, max_delay)

    def decorate(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def retried(*args: P.args, **kwargs: P.kwargs) -> T:
            return retrying(
                lambda: fn(*args, **kwargs),
                attempts=attempts,
                backoff=backoff,
                max_delay=max_delay,
            )

        return retried

    return decorate


def _check(attempts: object, backoff: object, max_delay: object) -> None:
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 1000:
        raise InvalidCommand("attempts", "a whole number of attempts from 1 to 1000")
    for name, value in (("backoff", backoff), ("max_delay", max_delay)):
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not 0 <= value <= 3600  # also refuses NaN
        ):
            raise InvalidCommand(name, "seconds, from 0 to 3600")


__all__ = ["retry_on_conflict", "retrying"]
