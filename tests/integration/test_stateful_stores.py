"""The random-command state machine on the stores that persist: an SQLite file and PostgreSQL."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import rectify
from rectify.testing.stateful import IssueWorkflowMachine
from tests.conftest import PG_DB, PG_HOST, PG_PORT, PG_USER, require_postgres

FEW = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class OnSQLite(IssueWorkflowMachine):
    def make_app(self) -> rectify.RectificationApp:
        self.tmp = tempfile.TemporaryDirectory()
        return rectify.connect(
            f"sqlite:///{Path(self.tmp.name) / 'ledger.db'}", today=lambda: self.TODAY
        )

    def teardown(self) -> None:
        super().teardown()
        self.tmp.cleanup()


class OnPostgres(IssueWorkflowMachine):
    def make_app(self) -> rectify.RectificationApp:
        self.schema = f"rectify_sm_{uuid.uuid4().hex[:12]}"
        url = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DB}?schema={self.schema}"
        return rectify.connect(url, today=lambda: self.TODAY)

    def teardown(self) -> None:
        super().teardown()
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, dbname=PG_DB, user=PG_USER, autocommit=True
        ) as c:
            c.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema))
            )


OnSQLite.TestCase.settings = FEW
OnPostgres.TestCase.settings = settings(FEW, max_examples=12)
TestStateMachineOnSQLite = OnSQLite.TestCase


@pytest.mark.postgres
def test_state_machine_on_postgres() -> None:
    require_postgres()
    OnPostgres.TestCase("runTest").runTest()
