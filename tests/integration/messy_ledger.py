"""A committee's ledger as committees write it (issue 11): a title merged across the table, the
header under it, 責任單位 merged down over each unit's rows, 問題來源 in the words people use
(2019年度黨建考核, 省委巡視反饋, 主題教育調研檢視, 考核反饋, 巡察), 整改時限 as 立行立改, 長期堅持,
立行立改、長期堅持, a date with words and dates in every form, several numbered measures in one
cell, 是否銷號 as 是, 否, 已銷號, 未銷號 or blank; no 發現日期; a blank row and notes under the
table. Written as a workbook (:func:`messy_workbook`) and as the GBK CSV a Chinese Excel saves
(:func:`messy_gbk_csv`)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

TITLE = "XX廳2019年黨建考核反饋問題整改臺賬"
HEADER = ["序號", "問題描述", "問題來源", "整改措施", "責任單位", "責任人", "整改時限",
          "整改進展", "是否銷號", "備註"]  # fmt: skip
UNIT_OF = {1: "省財政廳", 2: "省財政廳", 3: "省財政廳", 4: "省教育廳", 5: "省教育廳"}
"""The unit merged down over rows (by 序號); the others name their unit in each row."""
ROWS: list[list[Any]] = [
    [1, "黨費收繳不及時", "2019年度黨建考核", "1.補繳黨費；\n2.建立收繳臺賬；", "省財政廳", "劉處長",
     "2019年12月底前", "已補繳", "已銷號", ""],
    [2, "三會一課記錄不全", "省委巡視反饋", "規範記錄", None, "劉處長", "立行立改", "已規範", "是", ""],
    [3, "主題黨日流於形式", "主題教育調研檢視", "制定年度計劃", None, "張科長", "長期堅持", "持續推進中",
     "否", ""],
    [4, "組織生活會走過場", "考核反饋", "認真開展", "省教育廳", "王處長", "立行立改、長期堅持", "已整改",
     "已銷號", ""],
    [5, "黨建臺賬不規範", "巡察", "完善臺賬", None, "王處長", "立行立改，2019年12月底前完成", "", "未銷號",
     "需複查"],
    [6, "理論學習不深入", "督查", "①制定學習計劃；②開展專題學習", "省水利廳", "李處長",
     datetime(2019, 11, 15), "", None, ""],
    [7, "發展黨員程序不規範", "自查", "規範程序", "省水利廳", "李處長", "2019.10.31", "已完成", "是", ""],
    [8, "支部書記述職不充分", "考核", "認真述職", "省水利廳", "李處長", "長期堅持", "", "是", ""],
]  # fmt: skip
NOTE = "注：1.本表由各單位填報；2.整改時限以文件為準。"
SIGNED = ["填表人：李四", None, None, None, None, "審核人：趙六"]


def messy_workbook(path: Path) -> Path:
    """The ledger as a workbook: the title merged across, 省財政廳 merged over rows 3–5 and
    省教育廳 over 6–7, a blank row and two rows of notes under the table."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "臺賬"
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    sheet.merge_cells("E3:E5")
    sheet.merge_cells("E6:E7")
    sheet.append([])
    sheet.append([NOTE])
    below = 3 + len(ROWS) + 1
    sheet.merge_cells(start_row=below, start_column=1, end_row=below, end_column=len(HEADER))
    sheet.append(SIGNED)
    book.save(path)
    return path


def messy_gbk_csv(path: Path) -> Path:
    """The same ledger as a Chinese Excel saves it as CSV: in GBK, the title in the first cell,
    each unit in every row (a CSV has no merged cells), the Excel date as text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([TITLE])
    writer.writerow(HEADER)
    for row in ROWS:
        cells = list(row)
        cells[4] = UNIT_OF.get(cells[0], cells[4])
        cells[6] = cells[6].strftime("%Y/%m/%d") if isinstance(cells[6], datetime) else cells[6]
        writer.writerow(["" if c is None else c for c in cells])
    writer.writerow([])
    writer.writerow([NOTE])
    writer.writerow(["" if c is None else c for c in SIGNED])
    path.write_bytes(out.getvalue().encode("gbk"))
    return path
