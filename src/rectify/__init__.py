"""rectify: an event-sourced engine for the rectification workflow of party-organisation work.

Problems are found, assigned with deadlines, rectified (on the spot, by central treatment or within
the deadline), verified and closed out (銷號). Every change is an immutable event.

>>> import rectify
>>> app = rectify.connect("memory://")
"""

from __future__ import annotations

from rectify import errors
from rectify.adapters.workflow_files import load_workflow
from rectify.application import RectificationApp, connect
from rectify.application.retry import retry_on_conflict, retrying
from rectify.domain.guards import GUARDS, register_guard
from rectify.domain.issue import Issue
from rectify.domain.seals import Checkpoint, Finding, FindingKind, IntegrityReport
from rectify.domain.values import (
    Actor,
    BranchKind,
    BranchStatus,
    LaggingKind,
    Mentor,
    Mode,
    Role,
    RoundStatus,
    Severity,
    Source,
    Status,
)
from rectify.domain.workflow import Step, WorkflowDefinition
from rectify.domain.workflow_toml import workflow_from_toml, workflow_toml
from rectify.domain.workflows import CURRENT_ISSUE_WORKFLOW, WORKFLOWS, register_workflow
from rectify.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    ImportRejected,
    IntegrityError,
    InvalidCommand,
    LedgerRejected,
    NotFound,
    OpenIssuesRemain,
    PermissionDenied,
    RectifyError,
    StoreUnavailable,
    TransitionNotAllowed,
)
from rectify.projections.organisation import (
    BoardRow,
    BranchView,
    FindingsDiff,
    ListRollup,
    RoundFigures,
)
from rectify.projections.views import AuditEntry, IssueView

__version__ = "0.3.0"

__all__ = [
    "CURRENT_ISSUE_WORKFLOW",
    "GUARDS",
    "WORKFLOWS",
    "Actor",
    "AlreadyExists",
    "AuditEntry",
    "BoardRow",
    "BranchKind",
    "BranchStatus",
    "BranchView",
    "Checkpoint",
    "ConcurrencyConflict",
    "Finding",
    "FindingKind",
    "FindingsDiff",
    "ImportRejected",
    "IntegrityError",
    "IntegrityReport",
    "InvalidCommand",
    "Issue",
    "IssueView",
    "LaggingKind",
    "LedgerRejected",
    "ListRollup",
    "Mentor",
    "Mode",
    "NotFound",
    "OpenIssuesRemain",
    "PermissionDenied",
    "RectificationApp",
    "RectifyError",
    "Role",
    "RoundFigures",
    "RoundStatus",
    "Severity",
    "Source",
    "Status",
    "Step",
    "StoreUnavailable",
    "TransitionNotAllowed",
    "WorkflowDefinition",
    "__version__",
    "connect",
    "errors",
    "load_workflow",
    "register_guard",
    "register_workflow",
    "retry_on_conflict",
    "retrying",
    "workflow_from_toml",
    "workflow_toml",
]
