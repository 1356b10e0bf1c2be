"""The ``rectify`` command by its old name: it lives in :mod:`rectify.entrypoints.cli` now, split
by topic. The names this module had stay importable from here."""

from rectify.entrypoints.cli import app, console, figures_table, issue_table, main
from rectify.entrypoints.cli.demo import WORKFLOW_NAMES
from rectify.entrypoints.cli.ledger import event_line
from rectify.entrypoints.cli.organisation import kind_label, round_table

__all__ = [
    "WORKFLOW_NAMES",
    "app",
    "console",
    "event_line",
    "figures_table",
    "issue_table",
    "kind_label",
    "main",
    "round_table",
]
