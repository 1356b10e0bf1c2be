"""The ``rectify`` command by its old name: it lives in :mod:`rectify.entrypoints.cli` now, split
by topic. The names this module had stay importable from here."""

from rectify.entrypoints.cli import (
    DEFAULT_DB,
    AsOfOption,
    DbOption,
    app,
    console,
    figures_table,
    issue_table,
    main,
)
from rectify.entrypoints.cli.demo import WORKFLOW_NAMES, demo, diagram
from rectify.entrypoints.cli.files import export, import_, notice
from rectify.entrypoints.cli.ledger import (
    audit,
    event_line,
    events,
    figures,
    issues,
    ledger,
    project,
    rebuild,
    show,
)
from rectify.entrypoints.cli.organisation import (
    board,
    branches,
    kind_label,
    lists,
    rollup,
    round_,
    round_table,
    rounds,
)

__all__ = [
    "DEFAULT_DB",
    "WORKFLOW_NAMES",
    "AsOfOption",
    "DbOption",
    "app",
    "audit",
    "board",
    "branches",
    "console",
    "demo",
    "diagram",
    "event_line",
    "events",
    "export",
    "figures",
    "figures_table",
    "import_",
    "issue_table",
    "issues",
    "kind_label",
    "ledger",
    "lists",
    "main",
    "notice",
    "project",
    "rebuild",
    "rollup",
    "round_",
    "round_table",
    "rounds",
    "show",
]
