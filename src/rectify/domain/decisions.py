"""Decisions bound to evidence: what a decision relied on, its digest, and when it goes stale.

Verification (驗收), close-out (銷號) and withdrawal (撤銷) of an issue, and the delisting (摘帽)
of a branch, are *decisions*: their events record ``evidence_digest``, the SHA-256 of what the
decider relied on, and ``decided_on_version``, the version of the aggregate the decider saw. What
a decision relies on is declared once per aggregate, as the names in its ``relied_on`` (see
:class:`~rectify.domain.issue.Issue` and :class:`~rectify.domain.branch.Branch`); the digest is
:func:`evidence_digest` of those values, in the canonical form of :func:`canonical`. The
aggregate fills both in itself when it records the decision; the caller never gives them.

A decision *stands* while the aggregate is in the state it led to (a verification through
verified and closed out, a close-out while closed out, a withdrawal while withdrawn, a delisting
while delisted); reopening (反彈) or designating the branch again ends it. When a later change
makes what a standing decision relied on differ from its digest (new evidence replaces old, a
measure is added or completed, a linked issue is reopened or a back-dated one is linked, the
branch is rated anew), the aggregate records ``DecisionMarkedStale`` in the same save, naming
the decision (its trigger, the version it was decided on) and why, flagging a change dated
before the decision (補錄). A stale decision is marked once; it is current again when it is
re-confirmed (``reconfirm_decision`` for an issue, ``reconfirm_delisting`` for a branch), which
records the digest of what the re-confirming decider saw.

Only decisions with a digest are watched, and only under a workflow that has the re-confirm
step (``issue/3``, ``branch/2``): a decision stored before digests were recorded upcasts to "no
digest recorded" (None) and is never marked stale, and an aggregate running under an older
workflow, which could not re-confirm, is never marked stale either.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel

RECONFIRM = "reconfirm"
"""The workflow trigger that re-confirms stale decisions (its commands: ``reconfirm_decision``
of an issue, ``reconfirm_delisting`` of a branch)."""


def _plain(value: Any) -> Any:
    """``value`` as plain JSON values: dates and UUIDs as text, enums by value, sets sorted,
    mappings with text keys, models by their fields."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, date | UUID):
        return str(value)  # a datetime is a date: isoformat either way
    if isinstance(value, BaseModel):
        return _plain(value.model_dump(mode="json"))
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    msg = f"no canonical form for {type(value).__name__}"
    raise TypeError(msg)


def canonical(evidence: Mapping[str, Any]) -> bytes:
    """The canonical form of ``evidence``: compact JSON with sorted keys, UTF-8."""
    text = json.dumps(_plain(evidence), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def evidence_digest(evidence: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical form of ``evidence``."""
    return hashlib.sha256(canonical(evidence)).hexdigest()


@dataclass(frozen=True)
class Decision:
    """A standing decision: which (its trigger), on which business date, on which version and
    evidence digest (None: recorded before digests were), and whether it went stale since."""

    trigger: str
    on: date
    version: int | None
    digest: str | None
    stale_on: date | None = None
    stale_reason: str | None = None

    @property
    def stale(self) -> bool:
        return self.stale_on is not None

    def marked_stale(self, on: date, reason: str) -> Decision:
        return dataclasses.replace(self, stale_on=on, stale_reason=reason)


def stale_reason(
    decision: Decision, digest: str, cause: str, on: date, label: str = ""
) -> str | None:
    """Why ``decision`` goes stale after a change (``cause``, on business date ``on``) that left
    what it relied on with ``digest``, or None when it does not: it has no digest to compare, is
    stale already, or relied on exactly this. ``label`` names the decision in the reason."""
    if decision.digest is None or decision.stale or digest == decision.digest:
        return None
    name = label or decision.trigger
    why = f"{cause} changed what {name} (decided on version {decision.version}) relied on"
    if on < decision.on:
        why += f"; dated {on}, before the decision of {decision.on} (補錄)"
    return why
