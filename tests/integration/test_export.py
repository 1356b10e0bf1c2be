"""The ledger workbook: streamed by XlsxWriter, text kept as text (the clerk's workbook:
test_clerk_export.py)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

import rectify
from rectify.adapters.spreadsheets.export import write_xlsx
from tests.conftest import TODAY, UNIT, Cast


def test_text_that_looks_like_a_formula_or_a_link_stays_text(tmp_path: Path) -> None:
    app = rectify.connect("memory://", today=lambda: TODAY)
    titles = ['=HYPERLINK("http://x","y")', "+1+1", "http://example.org", "0012"]
    for title in titles:
        app.record_issue(
            actor=Cast.inspector, title=title, unit=UNIT, source="巡查", on="2019-05-01"
        )
    out = tmp_path / "l.xlsx"
    write_xlsx(out, app.ledger(), app.figures(), as_of=TODAY, known_at=None)
    sheet = load_workbook(out)["臺賬"]
    column = [c.value for c in sheet[2]].index("問題描述") + 1  # the header, under the title
    cells = [sheet.cell(r, column) for r in range(3, len(titles) + 3)]
    assert [c.value for c in cells] == titles
    assert {c.data_type for c in cells} == {"s"}  # strings, never formulas or numbers
    assert all(c.hyperlink is None for c in cells)
    app.close()
