"""The 20 lagging branches of the first report (seed 000) as a declared table.

The 2018 screening (專項對標排查) found 20 branches lagging (后進/不達標黨支部). Each is registered,
designated by kind, consolidated with dual mentors (雙掛: a committee leader and the unit's leader in
charge), asks to be delisted once its problems are closed out, and is delisted (摘帽). Those whose
elections were overdue (不按期換屆) get that problem flagged by the check of
:data:`ELECTIONS_CHECKED`, and hold their election.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rectify.demo.scenarios import day

SCREENING = "2018年省直機關基層黨支部專項對標排查"
REGISTERED = date(2018, 10, 8)
ELECTIONS_CHECKED = date(2018, 12, 1)
DESIGNATED = date(2018, 12, 10)
ELECTIONS_CLOSED = day(6, 28)
"""The overdue-election problems are closed out together, with the list's problems on the books."""
CONSOLIDATION_DEADLINE = day(9, 30)
ELECTION_DEADLINE = day(5, 31)

COMMITTEE_MENTORS: dict[str, str] = {
    "張建國": "工委常務副書記",
    "王立新": "工委副書記",
    "李文華": "工委委員、組織部部長",
    "陳志強": "工委委員、宣傳部部長",
    "劉衛東": "紀工委書記",
}
"""The committee's leaders who mentor a lagging branch (the first of its two mentors, 雙掛)."""
UNIT_MENTOR_POST = "分管機關黨建副職領導"
ELECTIONS_OVERDUE = "不按期換屆"


@dataclass(frozen=True)
class Election:
    """The overdue-election problem flagged for a branch: assigned, its first measure done two
    weeks later, the election held (its second measure), submitted two days after, verified
    a week after, closed out on :data:`ELECTIONS_CLOSED`."""

    assigned: date
    held: date

    @property
    def first_measure(self) -> date:
        return self.assigned + timedelta(days=14)

    @property
    def submitted(self) -> date:
        return self.held + timedelta(days=2)

    @property
    def verified(self) -> date:
        return self.held + timedelta(days=7)


@dataclass(frozen=True)
class SentBack:
    """A reassessment that refuses delisting (back to consolidation) and the new request."""

    on: date
    requested_again: date


@dataclass(frozen=True)
class LaggingBranch:
    """A branch the screening found lagging (后進/不達標黨支部): registered, designated by kind,
    consolidated from ``consolidated`` with two mentors, delisting requested, delisted."""

    code: str
    name: str
    unit: str
    kinds: tuple[str, ...]
    elected_on: date
    mentors: tuple[str, str]  # the committee's leader, the unit's leader in charge
    consolidated: date
    requested: date
    delisted: date
    election: Election | None = None
    sent_back: SentBack | None = None


LAGGING: tuple[LaggingBranch, ...] = (
    LaggingBranch(
        "SZ-03-01", "省政府辦公廳機關第二黨支部", "省政府辦公廳", ("軟弱渙散",), date(2017, 1, 15),
        ("張建國", "劉永紅"), day(1, 15), day(9, 9), day(9, 26),
        sent_back=SentBack(day(9, 16), requested_again=day(9, 20)),
    ),
    LaggingBranch(
        "SZ-10-02", "省委政策研究室后勤服務中心黨支部", "省委政策研究室", ("軟弱渙散",),
        date(2017, 2, 15), ("王立新", "陳春梅"), day(1, 18), day(9, 10), day(9, 19),
    ),
    LaggingBranch(
        "SZ-17-03", "省發展改革委離退休干部第一黨支部", "省發展改革委", ("軟弱渙散",),
        date(2017, 3, 15), ("李文華", "楊麗華"), day(1, 21), day(9, 11), day(9, 20),
    ),
    LaggingBranch(
        "SZ-24-04", "省司法廳信息中心黨支部", "省司法廳", ("軟弱渙散",), date(2017, 4, 15),
        ("陳志強", "黃秀英"), day(1, 24), day(9, 12), day(9, 21),
    ),
    LaggingBranch(
        "SZ-31-05", "省水利廳機關第四黨支部", "省水利廳", ("軟弱渙散",), date(2017, 5, 15),
        ("劉衛東", "趙文杰"), day(1, 27), day(9, 13), day(9, 22),
    ),
    LaggingBranch(
        "SZ-38-06", "省審計廳培訓中心黨支部", "省審計廳", ("虛化",), date(2017, 6, 15),
        ("張建國", "吳志剛"), day(1, 30), day(9, 9), day(9, 23),
    ),
    LaggingBranch(
        "SZ-45-07", "省醫保局機關第二黨支部", "省醫保局", ("虛化",), date(2017, 7, 15),
        ("王立新", "周明輝"), day(2, 2), day(9, 10), day(9, 24),
    ),
    LaggingBranch(
        "SZ-52-08", "省監獄管理局后勤服務中心黨支部", "省監獄管理局", ("弱化",),
        date(2017, 8, 15), ("李文華", "徐國強"), day(2, 5), day(9, 11), day(9, 25),
    ),
    LaggingBranch(
        "SZ-59-09", "省政府研究室離退休干部第一黨支部", "省政府研究室", ("弱化",),
        date(2017, 9, 15), ("陳志強", "孫建軍"), day(2, 8), day(9, 12), day(9, 18),
    ),
    LaggingBranch(
        "SZ-66-10", "省婦聯信息中心黨支部", "省婦聯", ("邊緣化",), date(2017, 10, 15),
        ("劉衛東", "馬曉東"), day(2, 11), day(9, 13), day(9, 19),
    ),
    LaggingBranch(
        "SZ-73-11", "省社科院機關第四黨支部", "省社科院", ("邊緣化",), date(2017, 11, 15),
        ("張建國", "朱海燕"), day(2, 14), day(9, 9), day(9, 20),
    ),
    LaggingBranch(
        "SZ-80-12", "省地震局培訓中心黨支部", "省地震局", ("虛化", "弱化"), date(2017, 12, 15),
        ("王立新", "胡永紅"), day(2, 17), day(9, 10), day(9, 21),
    ),
    LaggingBranch(
        "SZ-87-13", "省經濟信息中心機關第二黨支部", "省經濟信息中心", ("虛化", "弱化"),
        date(2017, 1, 15), ("李文華", "郭春梅"), day(2, 20), day(9, 11), day(9, 22),
    ),
    LaggingBranch(
        "SZ-94-14", "省博物館后勤服務中心黨支部", "省博物館", ("弱化", "邊緣化"),
        date(2017, 2, 15), ("陳志強", "何麗華"), day(2, 23), day(9, 12), day(9, 23),
    ),
    LaggingBranch(
        "SZ-06-15", "省委組織部離退休干部第一黨支部", "省委組織部", ("不按期換屆",),
        date(2015, 5, 10), ("劉衛東", "高秀英"), day(2, 26), day(9, 13), day(9, 24),
        election=Election(day(3, 3), held=day(4, 24)),
    ),
    LaggingBranch(
        "SZ-13-16", "省委臺辦信息中心黨支部", "省委臺辦", ("不按期換屆",), date(2015, 6, 10),
        ("張建國", "林文杰"), day(3, 1), day(9, 9), day(9, 25),
        election=Election(day(3, 6), held=day(4, 25)),
    ),
    LaggingBranch(
        "SZ-20-17", "省工業和信息化廳機關第四黨支部", "省工業和信息化廳", ("不按期換屆",),
        date(2015, 7, 10), ("王立新", "羅志剛"), day(3, 4), day(9, 10), day(9, 18),
        election=Election(day(3, 9), held=day(4, 26)),
    ),
    LaggingBranch(
        "SZ-27-18", "省自然資源廳培訓中心黨支部", "省自然資源廳", ("軟弱渙散", "不按期換屆"),
        date(2015, 8, 10), ("李文華", "鄭明輝"), day(3, 7), day(9, 11), day(9, 19),
        election=Election(day(3, 12), held=day(4, 27)),
    ),
    LaggingBranch(
        "SZ-34-19", "省文化和旅遊廳機關第二黨支部", "省文化和旅遊廳", ("黨員教育管理薄弱",),
        date(2017, 7, 15), ("陳志強", "梁國強"), day(3, 10), day(9, 12), day(9, 20),
    ),
    LaggingBranch(
        "SZ-41-20", "省市場監管局后勤服務中心黨支部", "省市場監管局", ("黨員教育管理薄弱",),
        date(2017, 8, 15), ("劉衛東", "謝建軍"), day(3, 13), day(9, 13), day(9, 21),
    ),
)  # fmt: skip
"""The 20 branches the 2018 screening found lagging, all delisted (摘帽) by the demo date; the
first is sent back to consolidation once at its reassessment."""
