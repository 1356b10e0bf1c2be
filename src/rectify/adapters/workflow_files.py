"""Reading a workflow definition, or a deadline policy, from a TOML file (the domain reads only
text)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rectify.domain.deadlines import DeadlinePolicy
from rectify.domain.workflow import WorkflowDefinition
from rectify.domain.workflow_toml import workflow_from_toml
from rectify.errors import InvalidCommand, InvalidWorkflow, WorkflowProblem


def load_workflow(
    path_or_text: str | Path, *, name: str | None = None, version: int | None = None
) -> WorkflowDefinition[Any]:
    """The workflow defined in a TOML file (a :class:`~pathlib.Path`, or a ``str`` naming a
    file) or in TOML text (a ``str`` of more than one line), validated and compiled.

    ``name`` and ``version`` replace the file's, to register it under a new key
    (``rectify.domain.workflows.register_workflow``). Raises
    :class:`~rectify.errors.InvalidWorkflow` whose ``problems`` name the line and field of
    each thing wrong; a file that cannot be read is one such problem."""
    if isinstance(path_or_text, str) and "\n" in path_or_text:
        return workflow_from_toml(path_or_text, name=name, version=version)
    path = Path(path_or_text)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        problem = WorkflowProblem(0, "(the file)", f"cannot read it: {e}")
        raise InvalidWorkflow(f"{path}: {problem}", (problem,)) from None
    return workflow_from_toml(text, source=str(path), name=name, version=version)


def load_deadline_policy(path: Path) -> DeadlinePolicy:
    """A deadline policy from a TOML file: tables ``by_severity``, ``by_source`` and
    ``by_list`` of rules (``"嚴重" = "10 working days"``, ``"巡查" = "30 days"``,
    ``"<list id>" = "2019-12-31"``). A file that cannot be read or holds no valid policy is
    :class:`~rectify.errors.InvalidCommand` for ``policy`` (``policy.by_severity.嚴重`` …)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise InvalidCommand("policy", f"{path}: cannot read a policy from it: {e}") from None
    try:
        return DeadlinePolicy.model_validate(data)
    except ValidationError as e:
        raise InvalidCommand.from_validation(e, prefix="policy") from None
