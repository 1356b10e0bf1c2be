"""The analysts' notebook (examples/rectification_timelines.ipynb) runs as an analyst runs it,
against a fresh demo store, and is kept in the repository without outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import PlayedDemo

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "rectification_timelines.ipynb"


def _read() -> Any:
    """The notebook (nbformat's functions carry no types: the one place that says so)."""
    return nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]


def test_the_notebook_is_committed_without_outputs() -> None:
    nb = _read()
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(c.outputs == [] and c.execution_count is None for c in code)


def test_the_notebook_tells_the_story_of_the_demo_store(
    played_demo: PlayedDemo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECTIFY_DEMO_URL", played_demo.copy_to(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = _read()
    NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "1732 problems on the ledger of 2019-09-30" in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 7  # burn-down, flow, ageing, Gantt, two survival curves, on-time rate
    tables = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("known at half the log" in t for t in tables)
