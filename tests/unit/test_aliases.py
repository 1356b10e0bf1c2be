"""Names that moved keep working from where they were (issue 9: anything renamed keeps a working
alias), and they are the very same objects."""

from __future__ import annotations

import rectify.adapters.persistence as persistence
import rectify.adapters.spreadsheets.export as export
import rectify.adapters.spreadsheets.tabular as tabular
import rectify.adapters.viewstores as viewstores
import rectify.application.imports as imports
import rectify.entrypoints.cli as cli
import rectify.entrypoints.follower as follower


def test_old_module_paths_name_the_same_objects() -> None:
    from rectify.cli import DEFAULT_DB, app, ledger, main
    from rectify.domain.guards import GUARDS
    from rectify.domain.workflow import CURRENT_ISSUE_WORKFLOW, WORKFLOWS
    from rectify.domain.workflows import CURRENT_ISSUE_WORKFLOW as current
    from rectify.io.export import write_xlsx
    from rectify.io.importer import import_ledger
    from rectify.io.tabular import HEADERS
    from rectify.persistence import env_for_url
    from rectify.projections.runner import follow
    from rectify.projections.store import ViewStore

    assert (app, main, DEFAULT_DB) == (cli.app, cli.main, cli.DEFAULT_DB)
    assert ledger.__name__ == "ledger"
    assert CURRENT_ISSUE_WORKFLOW is current and "issue/2" in WORKFLOWS
    assert GUARDS["not_rectifying_unit"] is GUARDS["independent_decision"]
    assert write_xlsx is export.write_xlsx and HEADERS is tabular.HEADERS
    assert import_ledger is imports.import_ledger
    assert env_for_url is persistence.env_for_url
    assert follow is follower.follow and ViewStore is viewstores.ViewStore
