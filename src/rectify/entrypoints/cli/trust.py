"""Trust: ``verify`` a history (exit 0 when intact, 1 when anything is not as recorded), and
``forget`` a person (their names redacted for good)."""

from __future__ import annotations

from typing import Annotated

import typer

from rectify.domain.seals import IntegrityReport
from rectify.domain.values import Role
from rectify.entrypoints.cli import (
    DEFAULT_DB,
    ActorIdOption,
    ActorNameOption,
    ActorUnitOption,
    DbOption,
    acting,
    app,
    console,
    opened,
)


@app.command()
def verify(
    db: DbOption = DEFAULT_DB,
    expect: Annotated[
        str | None,
        typer.Option(
            "--expect",
            help="A digest kept from an earlier verify or export: fail unless it still seals "
            "a point of this history.",
        ),
    ] = None,
    views: Annotated[
        bool, typer.Option("--views/--no-views", help="Also check the views against the events.")
    ] = True,
    seal: Annotated[
        bool,
        typer.Option("--seal/--no-seal", help="Record a checkpoint when the history is intact."),
    ] = True,
) -> None:
    """Prove the stored history is the one recorded: every event against its chain, every
    checkpoint, the views against a replay. Exit 0 when intact, 1 naming what is not."""
    with opened(db, catch_up=False) as application:
        report = application.verify_integrity(expect=expect, views=views, seal=seal)
    for line in report_lines(report):
        console.print(line, highlight=False, markup=False)
    if not report.intact:
        raise typer.Exit(1)


def report_lines(report: IntegrityReport) -> list[str]:
    """What ``rectify verify`` prints of a report."""
    lines = []
    if report.intact:
        lines.append(f"INTACT: {report.events:,} events, every one as it was recorded.")
    else:
        lines.append(f"NOT INTACT: {len(report.findings)} finding(s) in {report.events:,} events.")
        lines += [f"  {finding}" for finding in report.findings]
    if report.adopted_up_to is not None:
        lines.append(
            f"Events 1–{report.adopted_up_to:,} were written before chaining; they were sealed "
            f"as found on {report.adopted_at} (what they were before then cannot be proved). "
            "Every later event was chained when it was stored."
        )
    if report.latest_checkpoint is None:
        lines.append(f"No checkpoint yet: {report.unsealed:,} events unsealed.")
    else:
        lines.append(
            f"Checkpoints checked: {report.checkpoints}; the latest seals "
            f"{report.latest_checkpoint}"
            + (f"; {report.unsealed:,} events after it" if report.unsealed else "")
        )
    if report.sealed_now is not None:
        lines.append(f"Sealed now: {report.sealed_now}")
    if report.views_checked:
        lines.append(f"Views: equal to a replay of the events up to {report.views_position:,}.")
    if report.head is not None:
        lines.append(f"History digest: {report.head.digest} (up to event {report.head.up_to:,})")
        lines.append("Keep it; `rectify verify --expect DIGEST` proves later this history stands.")
    return lines


@app.command()
def forget(
    db: DbOption = DEFAULT_DB,
    person_id: Annotated[
        str | None, typer.Option("--person-id", help="The actor id of the person to forget.")
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="The name of a person named as responsible or as mentor."),
    ] = None,
    actor_id: ActorIdOption = None,
    actor_name: ActorNameOption = None,
    actor_unit: ActorUnitOption = None,
) -> None:
    """Forget a person (crypto-shredding): their keys are deleted, their names read [已刪除]
    everywhere from now on; the history still verifies. Given by an administrator (--actor-*)."""
    actor = acting(actor_id, actor_name, actor_unit, Role.ADMIN, "forgets")
    with opened(db) as application:
        done = application.forget_person(actor=actor, actor_id=person_id, name=name)
    typer.echo(
        f"forgotten now: {done.forgotten} person(s) (not counting any forgotten before); "
        f"views rebuilt from {done.rebuilt_from:,} events"
    )
