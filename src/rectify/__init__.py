"""rectify: an event-sourced engine for the rectification workflow of party-organisation work.

Problems are found, assigned with deadlines, rectified (on the spot, by central treatment or within
the deadline), verified and closed out (銷號). Every change is an immutable event.

>>> import rectify
>>> app = rectify.connect("memory://")
"""

from __future__ import annotations

from rectify import errors
from rectify.application import RectificationApp, connect
from rectify.domain.issue import Issue
from rectify.domain.values import Actor, Mode, Role, Severity, Source, Status
from rectify.domain.workflow import CURRENT_ISSUE_WORKFLOW, WORKFLOWS, WorkflowDefinition
from rectify.errors import (
    ConcurrencyConflict,
    IntegrityError,
    InvalidCommand,
    NotFound,
    PermissionDenied,
    RectifyError,
    TransitionNotAllowed,
)
from rectify.projections.views import AuditEntry, IssueView

__version__ = "0.1.0"

__all__ = [
    "CURRENT_ISSUE_WORKFLOW",
    "WORKFLOWS",
    "Actor",
    "AuditEntry",
    "ConcurrencyConflict",
    "IntegrityError",
    "InvalidCommand",
    "Issue",
    "IssueView",
    "Mode",
    "NotFound",
    "PermissionDenied",
    "RectificationApp",
    "RectifyError",
    "Role",
    "Severity",
    "Source",
    "Status",
    "TransitionNotAllowed",
    "WorkflowDefinition",
    "__version__",
    "connect",
    "errors",
]
