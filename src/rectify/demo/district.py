"""A development zone's monthly inspection rounds (巡查, seed 004) as declared tables.

The district registers five branches and a 26-item checklist, then runs a round every month over
some of its towns and branches: opened on one day, its findings recorded (and the targets visited
without any) on another, closed on a third. Each finding is rectified under the district's eye.
The re-inspection (回頭看) of :data:`RECHECK` visits every target again and finds two problems of
earlier rounds: :data:`RELAPSE`, closed out and back again, and :data:`STILL_OPEN`, not yet fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rectify.demo.scenarios import (
    CLOSED,
    DEADLINE,
    IN_PROGRESS,
    RELAPSED,
    SPOT,
    STILL_OPEN_AGAIN,
    SUBMITTED,
    VERIFIED,
    Outcome,
    day,
)
from rectify.domain.values import Actor, Mode, Role

DISTRICT = "經開區黨工委"
PATROL = Actor("jk-xc", "黨建工作巡查組", DISTRICT, [Role.INSPECTOR])
DISTRICT_VERIFIER = Actor("jk-zz", "黨工委組織人事部", DISTRICT, [Role.VERIFIER])
CHECKLIST_NAME = "經開區黨建工作巡查清單"
REGISTERED = day(2, 20)
CHECKLIST_DEFINED = day(2, 25)

CHECKLIST: tuple[tuple[str, str], ...] = (
    ("X01", "黨建重點工作任務推進落實情況"),
    ("X02", "黨風廉政建設主體責任落實情況"),
    ("X03", "“三會一課”制度落實情況"),
    ("X04", "主題黨日活動開展情況"),
    ("X05", "組織生活會和民主評議黨員開展情況"),
    ("X06", "發展黨員程序和檔案管理情況"),
    ("X07", "黨費收繳、使用和管理情況"),
    ("X08", "基層黨組織按期換屆情況"),
    ("X09", "黨員教育培訓和積分管理情況"),
    ("X10", "流動黨員和離退休黨員管理情況"),
    ("X11", "黨群服務中心（站）建設和使用情況"),
    ("X12", "黨務、村務、財務公開情況"),
    ("X13", "“四議兩公開”工作法落實情況"),
    ("X14", "意識形態工作責任制落實情況"),
    ("X15", "宣傳陣地和網絡輿情管理情況"),
    ("X16", "“兩新”組織黨組織覆蓋和工作開展情況"),
    ("X17", "黨建指導員聯系服務情況"),
    ("X18", "軟弱渙散基層黨組織整頓情況"),
    ("X19", "黨員活動日制度落實情況"),
    ("X20", "黨員亮身份、承諾踐諾情況"),
    ("X21", "環境綜合治理和衛生城市創建情況"),
    ("X22", "社會治安綜合治理和平安建設情況"),
    ("X23", "信訪矛盾糾紛排查化解情況"),
    ("X24", "為民服務全程代辦情況"),
    ("X25", "村（社區）“兩委”班子運行和作風建設情況"),
    ("X26", "上次巡查發現問題整改落實情況"),
)
"""The district's 26 inspection items (巡查清單)."""

TOWNS = ("東城街道", "西苑街道", "河口鎮", "柳營鎮", "金橋鎮")


@dataclass(frozen=True)
class DistrictBranch:
    code: str
    name: str
    unit: str
    kind: str
    elected_on: date


DISTRICT_BRANCHES: tuple[DistrictBranch, ...] = (
    DistrictBranch("JK-SQ-01", "東城街道春暉社區黨支部", "東城街道", "branch", date(2018, 3, 1)),
    DistrictBranch("JK-CUN-02", "河口鎮李莊村黨支部", "河口鎮", "branch", date(2018, 4, 1)),
    DistrictBranch(
        "JK-LX-03", "匯智科技有限公司黨支部", "經開區“兩新”組織黨工委", "branch", date(2018, 5, 1)
    ),
    DistrictBranch(
        "JK-GQ-04", "經開區城市建設投資集團黨委", "經開區城投集團", "committee", date(2018, 6, 1)
    ),
    DistrictBranch(
        "JK-JG-05", "經開區管委會機關第一黨支部", "經開區管委會", "branch", date(2018, 7, 1)
    ),
)
"""The district's branches, inspected by code."""

FIVE_GOOD = ("team", "system", "members", "service", "integrity")
RATED = day(6, 28)
RATINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("JK-SQ-01", ()),
    ("JK-CUN-02", ()),
    ("JK-LX-03", ("service",)),
)
"""At midyear the district rates three branches (五好黨支部): (code, the criteria it misses)."""


@dataclass(frozen=True)
class Finding:
    """A round's finding on a target (a town, or a branch by code) against a checklist item:
    fixed on the spot on ``done``, or assigned with a month to fix it and rectified on ``done``;
    verified three days after, closed out the day after that, unless ``outcome`` says otherwise."""

    target: str
    item: str
    flaw: str
    mode: Mode
    outcome: Outcome
    done: date | None = None
    new_deadline: date | None = None  # a relapse's: it was reopened with its old one

    @property
    def text(self) -> str:
        return f"{dict(CHECKLIST)[self.item]}：{self.flaw}"

    @property
    def verified(self) -> date | None:
        unchecked = self.outcome in (SUBMITTED, IN_PROGRESS, STILL_OPEN_AGAIN)
        return self.done + timedelta(days=3) if self.done and not unchecked else None

    @property
    def closed(self) -> date | None:
        closed = self.verified is not None and self.outcome is not VERIFIED
        return self.done + timedelta(days=4) if self.done and closed else None


@dataclass(frozen=True)
class Round:
    """A monthly round: opened, its findings recorded, closed; the findings are assigned two
    days after they were recorded, with 30 days to fix them (a relapse its new deadline the day
    after)."""

    period: str
    opened: date
    findings_on: date
    closed: date
    scope: tuple[str, ...]
    findings: tuple[Finding, ...]
    name: str = ""

    @property
    def assigned(self) -> date:
        return self.findings_on + timedelta(days=2)

    @property
    def deadline(self) -> date:
        return self.findings_on + timedelta(days=30)

    @property
    def extended(self) -> date:
        return self.findings_on + timedelta(days=1)


F = Finding
ROUNDS: tuple[Round, ...] = (
    Round(
        "2019-03", day(3, 3), day(3, 10), day(3, 25),
        ("東城街道", "西苑街道", "河口鎮", "JK-SQ-01", "JK-CUN-02"),
        (
            F("東城街道", "X18", "記錄缺少簽字確認", SPOT, CLOSED, day(3, 12)),
            F("東城街道", "X23", "臺賬資料不全", DEADLINE, CLOSED, day(3, 19)),
            F("西苑街道", "X05", "臺賬資料不全", SPOT, CLOSED, day(3, 13)),
            F("河口鎮", "X17", "臺賬資料不全", DEADLINE, CLOSED, day(3, 26)),
            F("河口鎮", "X11", "未按月落實", DEADLINE, CLOSED, day(3, 25)),
            F("JK-SQ-01", "X11", "未按月落實", DEADLINE, CLOSED, day(3, 26)),
            F("JK-CUN-02", "X07", "未按月落實", DEADLINE, CLOSED, day(3, 30)),
        ),
    ),
    Round(
        "2019-04", day(4, 3), day(4, 10), day(4, 25),
        ("河口鎮", "柳營鎮", "金橋鎮", "JK-LX-03", "JK-GQ-04"),
        (
            F("河口鎮", "X07", "未按月落實", DEADLINE, CLOSED, day(4, 17)),  # relapses in August
            F("河口鎮", "X18", "記錄缺少簽字確認", SPOT, CLOSED, day(4, 12)),
            F("河口鎮", "X03", "公開欄內容未更新", DEADLINE, CLOSED, day(4, 20)),
            F("柳營鎮", "X10", "公開欄內容未更新", DEADLINE, CLOSED, day(4, 29)),
            F("JK-LX-03", "X19", "未按月落實", DEADLINE, CLOSED, day(4, 22)),
            F("JK-GQ-04", "X11", "臺賬資料不全", DEADLINE, CLOSED, day(4, 16)),
            F("JK-GQ-04", "X22", "未及時報送", DEADLINE, CLOSED, day(4, 25)),
        ),
    ),
    Round(
        "2019-05", day(5, 3), day(5, 10), day(5, 25),
        ("東城街道", "西苑街道", "金橋鎮", "JK-JG-05", "JK-SQ-01"),
        (
            F("西苑街道", "X26", "未及時報送", DEADLINE, CLOSED, day(5, 22)),
            F("JK-JG-05", "X17", "公開欄內容未更新", DEADLINE, CLOSED, day(5, 29)),
        ),
    ),
    Round(
        "2019-06", day(6, 3), day(6, 10), day(6, 25),
        ("河口鎮", "柳營鎮", "東城街道", "JK-CUN-02", "JK-LX-03"),
        (
            F("河口鎮", "X24", "未按月落實", DEADLINE, CLOSED, day(6, 28)),
            F("河口鎮", "X15", "未按月落實", DEADLINE, CLOSED, day(6, 29)),
            F("柳營鎮", "X02", "未及時報送", DEADLINE, CLOSED, day(6, 24)),
            F("JK-CUN-02", "X17", "記錄缺少簽字確認", DEADLINE, CLOSED, day(6, 24)),
            F("JK-LX-03", "X06", "記錄缺少簽字確認", SPOT, CLOSED, day(6, 14)),
        ),
    ),
    Round(
        "2019-07", day(7, 3), day(7, 10), day(7, 25),
        ("西苑街道", "柳營鎮", "金橋鎮", "JK-GQ-04", "JK-JG-05"),
        (
            F("柳營鎮", "X03", "臺賬資料不全", DEADLINE, CLOSED, day(8, 20)),  # found again 10 Aug
            F("柳營鎮", "X21", "未按月落實", DEADLINE, CLOSED, day(7, 28)),
            F("柳營鎮", "X12", "未按月落實", DEADLINE, CLOSED, day(7, 20)),
            F("金橋鎮", "X17", "公開欄內容未更新", DEADLINE, CLOSED, day(7, 29)),
            F("金橋鎮", "X02", "臺賬資料不全", DEADLINE, CLOSED, day(7, 26)),
            F("JK-JG-05", "X10", "未及時報送", DEADLINE, CLOSED, day(7, 27)),
        ),
    ),
    Round(
        "2019-08", day(8, 3), day(8, 10), day(8, 25),
        (*TOWNS, *(b.code for b in DISTRICT_BRANCHES)),
        (
            F("河口鎮", "X07", "公開欄內容未更新", DEADLINE, RELAPSED, day(9, 3), day(9, 12)),
            F("柳營鎮", "X03", "公開欄內容未更新", DEADLINE, STILL_OPEN_AGAIN),
            F("東城街道", "X02", "記錄缺少簽字確認", DEADLINE, CLOSED, day(8, 21)),
            F("西苑街道", "X12", "臺賬資料不全", DEADLINE, CLOSED, day(8, 23)),
            F("柳營鎮", "X17", "臺賬資料不全", DEADLINE, CLOSED, day(8, 28)),
            F("金橋鎮", "X23", "記錄缺少簽字確認", DEADLINE, CLOSED, day(8, 26)),
            F("JK-SQ-01", "X05", "公開欄內容未更新", DEADLINE, CLOSED, day(8, 22)),
            F("JK-CUN-02", "X04", "未按月落實", SPOT, CLOSED, day(8, 14)),
            F("JK-CUN-02", "X05", "公開欄內容未更新", DEADLINE, CLOSED, day(8, 29)),
            F("JK-GQ-04", "X23", "記錄缺少簽字確認", DEADLINE, CLOSED, day(8, 22)),
            F("JK-JG-05", "X05", "未按月落實", DEADLINE, CLOSED, day(8, 26)),
            F("JK-JG-05", "X01", "未及時報送", DEADLINE, CLOSED, day(8, 28)),
        ),
        name="黨建工作巡查“回頭看” 2019-08",
    ),
    Round(
        "2019-09", day(9, 3), day(9, 10), day(9, 25),
        ("東城街道", "河口鎮", "金橋鎮", "JK-SQ-01", "JK-GQ-04"),
        (
            F("東城街道", "X06", "公開欄內容未更新", DEADLINE, IN_PROGRESS),
            F("河口鎮", "X20", "未按月落實", DEADLINE, SUBMITTED, day(9, 21)),
            F("金橋鎮", "X01", "記錄缺少簽字確認", SPOT, CLOSED, day(9, 11)),
            F("JK-SQ-01", "X07", "未及時報送", DEADLINE, IN_PROGRESS),
            F("JK-SQ-01", "X19", "記錄缺少簽字確認", DEADLINE, SUBMITTED, day(9, 17)),
            F("JK-GQ-04", "X06", "未及時報送", DEADLINE, CLOSED, day(9, 24)),
        ),
    ),
)  # fmt: skip
"""The seven monthly rounds and their 45 findings."""

PERIODS = tuple(r.period for r in ROUNDS)
RECHECK = "2019-08"
"""The re-inspection (回頭看): every town and branch again."""
RELAPSE = ("河口鎮", "X07")
"""Found in April, closed out the same month, found again at the re-inspection: the relapse."""
STILL_OPEN = ("柳營鎮", "X03")
"""Found in July, not yet rectified when the re-inspection finds it again."""
