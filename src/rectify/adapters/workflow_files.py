"""Reading a workflow definition from a TOML file (the domain reads only text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rectify.domain.workflow import WorkflowDefinition
from rectify.domain.workflow_toml import workflow_from_toml
from rectify.errors import InvalidWorkflow, WorkflowProblem


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
