"""The demo scenario, after the field reports (seeds/000–004).

**The first report's own story** (seed 000): a provincial organ work committee (省直機關工委) fixes
its own work list of 8 measures — 3 by central treatment (集中治理), 5 on the spot (立行立改) — and
follows 36 problems found in six departments by the 2018 assessment and by its research groups,
rectified within deadlines: some late, one rejected at verification and resubmitted, one withdrawn,
one reopened after close-out, one with an approved extension, a few still open and overdue on the
demo date. The same work list is also kept the way a committee keeps it, as ONE problem with its
8 measures, completed one by one (3 by central treatment, 5 on the spot), then submitted, verified
and closed out.

**The larger story of the field reports**:

- the *2018 provincial organ party-building assessment problem list*: 23 common problems (共性問題)
  distilled from 1,640 concrete problems, one list for each of 97 assessed units, issued with a
  deadline; each problem is assigned to its unit (交辦) and rectified on the spot, in a campaign
  or within the deadline; most are closed out by the demo date, some are overdue, a few were sent
  back at verification or had their deadline extended;
- 20 lagging branches (后進黨支部) found by the 2018 screening: registered, designated by kind,
  consolidated with dual mentors (雙掛), their problems (some from their unit's list, some flagged
  for an overdue election) closed out — the readiness policy notices each branch's last one — and
  all 20 delisted (摘帽);
- a development zone's monthly inspection rounds (巡查) against a 26-item checklist over its towns
  and branches, with a re-inspection (回頭看) that finds one relapse: a closed-out problem found
  again, and its issue reopened.

The larger story is played as one timeline, in business-date order. Every command carries an
idempotency key, so running the demo again on the same store records nothing new. Business dates
run from 2018 to the demo's "today", :data:`DEMO_TODAY`. Nothing here is random without a fixed
seed: the same demo records the same problems every time.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from rectify.domain.values import Actor, Mode, Role, RoundStatus, Source, Status

if TYPE_CHECKING:
    from rich.progress import Progress

    from rectify.application import RectificationApp

DEMO_TODAY = date(2019, 9, 30)
"""The business date the demo's summary is drawn on."""

COMMITTEE = "省直機關工委"
OFFICE = "省委主題教育辦"

ZHAO = Actor("gw-zhao", "趙主任", COMMITTEE, [Role.VERIFIER])
LI = Actor("gw-li", "李部長", COMMITTEE, [Role.VERIFIER])
SUN = Actor("jyb-sun", "孫處長", OFFICE, [Role.VERIFIER])
QIAN = Actor("gw-qian", "錢科長", COMMITTEE, [Role.RESPONSIBLE])
ZHOU = Actor("dy-03", "周組長(調研三組)", COMMITTEE, [Role.INSPECTOR])
ASSESSORS = Actor("kh-01", "考核組", COMMITTEE, [Role.INSPECTOR])

OWN_LIST = "解決機關黨建考核反饋問題工作清單"
CAMPAIGN = "主題教育專項整治"

# The committee's own list: 8 measures, the first 3 done by central treatment, 5 on the spot.
OWN_MEASURES = (
    "個別黨支部2018年專題學習討論內容不完整",
    "部分黨支部組織生活會前談心談話不充分",
    "個別支部發展黨員檔案材料不齊全",
    "工委機關黨支部“三會一課”記錄不規范",
    "黨費收繳臺賬登記不及時",
    "考核反饋問題未及時向支部通報",
    "主題黨日活動計劃未按月報送",
    "黨員日常教育監督管理不夠嚴格",
)
CENTRAL_MEASURES = 3
"""The first three of :data:`OWN_MEASURES` are done by central treatment, the others on the spot."""

UNITS = ("省財政廳", "省教育廳", "省衛生健康委", "省交通運輸廳", "省自然資源廳", "省商務廳")
PEOPLE = ("劉處長", "陳書記", "楊主任", "黃處長", "吳書記", "徐主任")

UNIT_PROBLEMS = (
    ("落實黨建工作責任制不到位", "責任落實"),
    ("“三會一課”制度執行不嚴格", "組織生活"),
    ("組織生活會批評和自我批評不深入", "組織生活"),
    ("黨員組織關系轉接不及時", "黨員管理"),
    ("黨建與業務工作“兩張皮”", "責任落實"),
    ("支部委員會未按期換屆", "基層組織"),
)
UNIT_MEASURES = ("制定整改方案", "逐條整改落實", "建立長效機制")

SOURCES = (Source.ASSESSMENT, Source.RESEARCH, Source.INSPECTION)


@dataclass
class DemoResult:
    """What the demo recorded.

    ``own`` and ``units`` are the first report's 44 problems (``all``); the rest belong to the work
    list kept as one problem and to the larger story (empty when it was not played)."""

    own: list[UUID]
    units: list[UUID]
    work_list: UUID | None = None
    list_id: UUID | None = None
    list_issues: list[UUID] = field(default_factory=list)
    branches: list[UUID] = field(default_factory=list)
    election_issues: list[UUID] = field(default_factory=list)
    checklist_id: UUID | None = None
    rounds: list[UUID] = field(default_factory=list)
    findings: list[UUID] = field(default_factory=list)

    @property
    def all(self) -> list[UUID]:
        """The first report's problems: the committee's own 8 and the six departments' 36."""
        return [*self.own, *self.units]

    @property
    def first_story(self) -> list[UUID]:
        """The first report's problems and the work list kept as one problem."""
        return [*self.all, *([self.work_list] if self.work_list is not None else [])]

    @property
    def issues(self) -> list[UUID]:
        """Every problem the demo recorded (a relapse is the same problem again)."""
        return [
            *self.first_story,
            *self.list_issues,
            *self.election_issues,
            *dict.fromkeys(self.findings),
        ]


def run_demo(
    app: RectificationApp,
    seed: int = 2019,
    *,
    larger: bool = True,
    progress: Progress | None = None,
) -> DemoResult:
    """Play the scenario into ``app`` (idempotently) and return the ids it recorded.

    ``larger=False`` plays only the first report's story. ``progress`` (a rich progress display)
    gets a bar for the larger story, which takes a few seconds."""
    rng = random.Random(seed)
    own = [_own_measure(app, n, title) for n, title in enumerate(OWN_MEASURES, start=1)]
    units = []
    n = 0
    for u, (unit, person) in enumerate(zip(UNITS, PEOPLE, strict=True)):
        responsible = Actor(f"unit-{u}", person, unit, [Role.RESPONSIBLE])
        for title, category in UNIT_PROBLEMS:
            n += 1
            units.append(_unit_problem(app, rng, n, unit, person, responsible, title, category))
    result = DemoResult(own=own, units=units, work_list=_work_list(app))
    if larger:
        timeline = Timeline()
        _plan_lagging_branches(timeline, result)
        _plan_assessment_list(timeline, result)
        _plan_inspection_rounds(timeline, result)
        timeline.play(app, progress, "field reports: lists, lagging branches, inspections")
    return result


# ---------------------------------------------------------------- the first report's own story


def _own_measure(app: RectificationApp, n: int, title: str) -> UUID:
    key = f"demo/own/{n}"
    found = date(2019, 6, 10)
    iid = app.record_issue(
        actor=ZHOU,
        title=title,
        unit=COMMITTEE,
        source=Source.SELF_INSPECTION,
        category=OWN_LIST,
        on=found,
        command_id=key,
    )
    done = found + timedelta(days=3 + n)
    if n <= CENTRAL_MEASURES:
        app.treat_centrally(
            iid,
            actor=ZHAO,
            campaign=CAMPAIGN,
            summary="納入專項整治統一整改",
            evidence=(f"專項整治臺賬-{n}.pdf",),
            on=done,
            command_id=f"{key}/treat",
        )
    else:
        app.rectify_on_the_spot(
            iid,
            actor=QIAN,
            summary="已當場整改",
            evidence=(f"整改記錄-{n}.jpg",),
            on=done,
            command_id=f"{key}/spot",
        )
    app.verify(
        iid, actor=SUN, note="材料齊全", on=done + timedelta(days=5), command_id=f"{key}/verify"
    )
    app.close_out(iid, actor=SUN, on=done + timedelta(days=6), command_id=f"{key}/close")
    return iid


def _work_list(app: RectificationApp) -> UUID:
    """The committee's work list as one problem with 8 measures: 3 completed by central
    treatment, 5 on the spot, then submitted, verified by the theme-education office and closed
    out."""
    key = "demo/work-list"
    found = date(2019, 6, 10)
    iid = app.record_issue(
        actor=ZHOU,
        title=f"落實《{OWN_LIST}》",
        description="工委從自身基層黨支部查起，列出工作清單，8項具體措施逐項整改",
        unit=COMMITTEE,
        source=Source.SELF_INSPECTION,
        category=OWN_LIST,
        on=found,
        command_id=key,
    )
    app.assign(
        iid,
        actor=ZHAO,
        unit=COMMITTEE,
        person=QIAN.name,
        deadline=date(2019, 7, 31),
        measures=OWN_MEASURES,
        on=found + timedelta(days=1),
        command_id=f"{key}/assign",
    )
    for n in range(1, len(OWN_MEASURES) + 1):
        central = n <= CENTRAL_MEASURES
        app.complete_measure(
            iid,
            actor=QIAN,
            measure=n,
            mode=Mode.CENTRAL if central else Mode.ON_THE_SPOT,
            campaign=CAMPAIGN if central else None,
            evidence=(f"{'專項整治臺賬' if central else '整改記錄'}-{n}.pdf",),
            on=found + timedelta(days=3 + n),
            command_id=f"{key}/measure/{n}",
        )
    done = found + timedelta(days=4 + len(OWN_MEASURES))
    app.submit_rectification(
        iid,
        actor=QIAN,
        summary="8項措施全部完成：3項集中治理，5項立行立改",
        evidence=("工作清單整改情況報告.pdf",),
        on=done,
        command_id=f"{key}/submit",
    )
    app.verify(
        iid,
        actor=SUN,
        note="逐項核查，整改到位",
        on=done + timedelta(days=5),
        command_id=f"{key}/verify",
    )
    app.close_out(iid, actor=SUN, on=done + timedelta(days=6), command_id=f"{key}/close")
    return iid


def _unit_problem(
    app: RectificationApp,
    rng: random.Random,
    n: int,
    unit: str,
    person: str,
    responsible: Actor,
    title: str,
    category: str,
) -> UUID:
    key = f"demo/unit/{n}"
    source = SOURCES[n % len(SOURCES)]
    finder = ZHOU if source is not Source.ASSESSMENT else ZHAO
    found = date(2019, 6, 3) + timedelta(days=rng.randrange(0, 14))
    iid = app.record_issue(
        actor=finder,
        title=title,
        unit=unit,
        source=source,
        category=category,
        description=f"{unit}:{title}",
        on=found,
        command_id=key,
    )
    if n == 5:  # the unfounded one
        app.withdraw(
            iid,
            actor=ZHAO,
            reason="經核實,該支部已于2019年3月完成換屆,問題不成立",
            on=found + timedelta(days=4),
            command_id=f"{key}/withdraw",
        )
        return iid
    if n % 7 == 4:  # a unit fixes it on the spot, before it is even assigned
        done = found + timedelta(days=2)
        app.rectify_on_the_spot(
            iid, actor=responsible, summary="立行立改", on=done, command_id=f"{key}/spot"
        )
        _accept(app, key, iid, done)
        return iid
    assigned = found + timedelta(days=3)
    deadline = date(2019, 8, 31)
    app.assign(
        iid,
        actor=ZHAO,
        unit=unit,
        person=person,
        deadline=deadline,
        measures=UNIT_MEASURES,
        on=assigned,
        command_id=f"{key}/assign",
    )
    app.report_progress(
        iid,
        actor=responsible,
        text="已制定整改方案,正在推進",
        on=assigned + timedelta(days=10),
        command_id=f"{key}/progress",
    )
    app.complete_measure(
        iid, actor=responsible, measure=1, on=assigned + timedelta(days=10), command_id=f"{key}/m1"
    )
    if n == 8:  # an approved extension
        deadline = date(2019, 10, 31)
        app.extend_deadline(
            iid,
            actor=ZHAO,
            new_deadline=deadline,
            reason="涉及換屆選舉,需上級黨組織批復",
            on=date(2019, 8, 20),
            command_id=f"{key}/extend",
        )
    outcome = rng.random()
    if n in (8, 16, 23, 31) or (outcome < 0.1 and n not in (10, 13, 29, 34, 35)):
        # still being worked on (one measure of three done); some overdue by now
        return iid
    late = outcome > 0.8 and n not in (10, 13)  # those two need time after rectification
    done = (
        deadline + timedelta(days=rng.randrange(1, 20))
        if late
        else date(2019, 7, 10) + timedelta(days=rng.randrange(0, 45))
    )
    for m in range(2, len(UNIT_MEASURES) + 1):
        app.complete_measure(iid, actor=responsible, measure=m, on=done, command_id=f"{key}/m{m}")
    app.submit_rectification(
        iid,
        actor=responsible,
        summary="整改完成,建立制度",
        evidence=(f"{unit}-整改報告-{n}.pdf",),
        on=done,
        command_id=f"{key}/submit",
    )
    if n == 10:  # rejected at verification, then resubmitted
        app.reject(
            iid,
            actor=ZHAO,
            reason="佐證材料不足,缺少會議記錄",
            on=done + timedelta(days=2),
            command_id=f"{key}/reject",
        )
        done = done + timedelta(days=9)
        app.submit_rectification(
            iid,
            actor=responsible,
            summary="補充會議記錄后重新提交",
            evidence=(f"{unit}-整改報告-{n}.pdf", f"{unit}-會議記錄-{n}.pdf"),
            on=done,
            command_id=f"{key}/resubmit",
        )
    if n in (34, 35):  # submitted, not yet checked
        return iid
    if n == 29:  # verified, close-out pending
        _accept(app, key, iid, done, close=False)
        return iid
    closed = _accept(app, key, iid, done)
    if n == 13:  # relapse after close-out
        app.reopen(
            iid,
            actor=ZHOU,
            reason="回頭看發現問題反彈",
            deadline=date(2019, 10, 15),
            on=closed + timedelta(days=20),
            command_id=f"{key}/reopen",
        )
    return iid


def _accept(app: RectificationApp, key: str, iid: UUID, done: date, *, close: bool = True) -> date:
    """Verify three days after ``done`` and, unless told not to, close out two days later."""
    verified = done + timedelta(days=3)
    app.verify(iid, actor=ZHAO, note="經核查,整改到位", on=verified, command_id=f"{key}/verify")
    if not close:
        return verified
    closed = verified + timedelta(days=2)
    app.close_out(iid, actor=ZHAO, on=closed, command_id=f"{key}/close")
    return closed


# ---------------------------------------------------------------- the timeline

Action = Callable[["RectificationApp"], object]
Ref = Callable[["RectificationApp"], UUID]
"""How an action finds the aggregate it acts on when it runs (its id may come from an earlier
action of the same timeline)."""


@dataclass(order=True)
class _Step:
    on: date
    seq: int
    action: Action = field(compare=False)


class Timeline:
    """Commands of many aggregates, played in business-date order (then in the order planned).

    Each aggregate's own commands are planned in date order, so playing the whole timeline by
    date keeps every aggregate's dates from going backwards and lets the rules that look across
    aggregates (a branch's last problem closed out, a finding on a problem closed out earlier)
    see the state of that date."""

    def __init__(self) -> None:
        self.steps: list[_Step] = []

    def __len__(self) -> int:
        return len(self.steps)

    def at(self, on: date, action: Action) -> None:
        """Plan ``action`` on business date ``on``."""
        self.steps.append(_Step(on, len(self.steps), action))

    def command(self, on: date, method: str, ref: Ref, key: str, **fields: Any) -> None:
        """Plan ``app.<method>(ref(app), on=on, command_id=key, **fields)`` on ``on``; every
        argument is bound now, when planned."""

        def act(app: RectificationApp) -> None:
            getattr(app, method)(ref(app), on=on, command_id=key, **fields)

        self.at(on, act)

    def play(self, app: RectificationApp, progress: Progress | None, description: str) -> None:
        """Run every step in date order, advancing a bar on ``progress`` if given."""
        task = progress.add_task(description, total=len(self.steps)) if progress else None
        for step in sorted(self.steps):
            step.action(app)
            if progress is not None and task is not None:
                progress.advance(task)


def _days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, high))


def _branch(code: str) -> Ref:
    return lambda app: app.branch_id(code)


def _known(ids: dict[str, UUID], key: str) -> Ref:
    return lambda app: ids[key]


# ---------------------------------------------------------------- the 2018 assessment list

LIST_NAME = "2018年度省級機關黨建考核發現問題清單"
LIST_ISSUED = date(2019, 6, 5)
LIST_DEADLINE = date(2019, 8, 31)
LIST_PROBLEMS = 1640
"""Concrete problems across the 97 units' own lists."""

COMMON_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("GX01", "黨組（黨委）落實全面從嚴治黨主體責任不夠到位，抓機關黨建壓力傳導層層遞減"),
    ("GX02", "機關黨建與業務工作結合不緊密，存在“兩張皮”現象"),
    ("GX03", "理論學習中心組學習計劃性不強，學習內容不夠系統深入"),
    ("GX04", "黨支部“三會一課”制度落實不嚴格，會議記錄不規范"),
    ("GX05", "組織生活會質量不高，批評和自我批評辣味不足"),
    ("GX06", "主題黨日活動形式單一，內容與黨員思想工作實際結合不夠"),
    ("GX07", "黨支部設置不夠規范，支部委員配備不齊"),
    ("GX08", "基層黨組織未按期換屆，換屆選舉程序不夠嚴謹"),
    ("GX09", "發展黨員工作不規范，發展黨員檔案材料不齊全"),
    ("GX10", "黨員教育管理偏松偏軟，流動黨員管理存在盲區"),
    ("GX11", "黨費收繳、使用和管理不規范，臺賬登記不及時"),
    ("GX12", "黨員組織關系轉接不及時，個別存在“口袋黨員”"),
    ("GX13", "民主評議黨員流于形式，評議結果運用不充分"),
    ("GX14", "談心談話制度落實不到位，談心談話不經常、不深入"),
    ("GX15", "意識形態工作責任制落實不夠有力，宣傳思想陣地管理不嚴"),
    ("GX16", "黨風廉政建設“一崗雙責”落實不到位，廉政風險防控措施不具體"),
    ("GX17", "落實中央八項規定精神有松懈，形式主義、官僚主義問題仍有表現"),
    ("GX18", "黨務干部配備不足，專職黨務干部業務能力不強"),
    ("GX19", "黨建工作經費保障不到位，黨員活動陣地建設滯后"),
    ("GX20", "黨建工作制度不健全，制度執行情況監督檢查不夠"),
    ("GX21", "巡視巡察和考核反饋問題整改不徹底，長效機制建立不夠"),
    ("GX22", "黨支部書記抓黨建述職評議考核不規范，考核結果運用不充分"),
    ("GX23", "黨內政治生活不夠嚴肅，請示報告制度執行不嚴格"),
)
"""The 23 common problems (共性問題) of the 2018 list, by code."""

# Two concrete forms of each common problem as a unit's list states it; {org} is the organisation.
CONCRETE: dict[str, tuple[str, str]] = {
    "GX01": ("{org}年度黨建工作要點未經黨組會議專題研究", "{org}黨建工作責任清單未分解到人"),
    "GX02": ("{org}黨建工作計劃與業務工作計劃脫節", "{org}黨建活動未結合業務重點開展"),
    "GX03": ("{org}2018年中心組學習未制定年度計劃", "{org}專題學習研討發言材料不全"),
    "GX04": ("{org}2018年黨課少于規定次數", "{org}支委會會議記錄缺少議題和決定事項"),
    "GX05": ("{org}組織生活會前未廣泛征求意見", "{org}組織生活會相互批評意見泛泛而談"),
    "GX06": ("{org}主題黨日活動連續3個月未開展", "{org}主題黨日活動計劃未按月報送"),
    "GX07": ("{org}支部委員缺額未及時補選", "{org}黨小組劃分不合理，長期未開展活動"),
    "GX08": ("{org}任期屆滿未按期換屆", "{org}換屆選舉結果未按規定報上級黨組織審批"),
    "GX09": ("{org}發展黨員政審材料缺失", "{org}入黨積極分子培養考察記錄不連續"),
    "GX10": ("{org}與離退休黨員、流動黨員聯系不經常", "{org}黨員積分管理未落實"),
    "GX11": ("{org}黨費收繳臺賬登記不及時", "{org}個別黨員黨費繳納基數核定不準確"),
    "GX12": ("{org}1名黨員組織關系長期未轉接", "{org}新調入人員組織關系未及時轉入"),
    "GX13": ("{org}民主評議黨員未填寫測評表", "{org}民主評議結果未向黨員反饋"),
    "GX14": ("{org}支部書記與黨員談心談話記錄缺失", "{org}談心談話未覆蓋全體支委"),
    "GX15": ("{org}意識形態工作未納入黨建考核", "{org}門戶網站和新媒體平臺審核把關不嚴"),
    "GX16": ("{org}廉政風險點排查不全面", "{org}未按要求開展警示教育"),
    "GX17": ("{org}以文件落實文件、以會議落實會議", "{org}督查檢查考核過多過頻"),
    "GX18": ("{org}專職黨務干部缺額", "{org}黨務干部未參加年度業務培訓"),
    "GX19": ("{org}黨員活動室挪作他用", "{org}黨建工作經費未列入年度預算"),
    "GX20": ("{org}黨建工作制度匯編多年未修訂", "{org}未對制度執行情況開展監督檢查"),
    "GX21": ("{org}上年度考核反饋問題未全部整改到位", "{org}整改臺賬未建立銷號制度"),
    "GX22": ("{org}支部書記述職未安排評議環節", "{org}述職評議結果未與評先評優掛鉤"),
    "GX23": ("{org}重大事項未按規定向上級黨組織請示報告", "{org}領導干部參加雙重組織生活不經常"),
}

# How often each common problem turns up (the organisation-life ones most).
WEIGHTS: dict[str, int] = {
    "GX04": 14, "GX05": 10, "GX11": 10, "GX06": 8, "GX09": 8, "GX14": 8, "GX10": 7, "GX13": 7,
    "GX01": 6, "GX02": 6, "GX12": 5, "GX03": 5, "GX07": 4, "GX20": 4, "GX21": 4, "GX15": 3,
    "GX16": 3, "GX17": 3, "GX18": 3, "GX22": 3, "GX08": 2, "GX19": 2, "GX23": 2,
}  # fmt: skip

# Common problems a campaign treats centrally (集中治理), across all units at once.
CAMPAIGNS: dict[str, str] = {
    "GX04": "“三會一課”規范化專項整治",
    "GX09": "發展黨員檔案專項清理",
    "GX11": "黨費收繳使用管理專項檢查",
    "GX12": "黨員組織關系集中排查",
    "GX17": "整治形式主義官僚主義專項行動",
}

ORGS = (
    "機關黨委",
    "機關第一黨支部",
    "機關第二黨支部",
    "機關第三黨支部",
    "辦公室黨支部",
    "離退休干部黨支部",
    "直屬單位黨總支",
)

ASSESSED_UNITS: tuple[str, ...] = (
    "省委辦公廳", "省人大常委會辦公廳", "省政府辦公廳", "省政協辦公廳", "省紀委監委機關",
    "省委組織部", "省委宣傳部", "省委統戰部", "省委政法委", "省委政策研究室", "省委編辦",
    "省委網信辦", "省委臺辦", "省委老干部局", "省委黨校", "省委黨史研究室", "省發展改革委",
    "省教育廳", "省科技廳", "省工業和信息化廳", "省民族宗教委", "省公安廳", "省民政廳",
    "省司法廳", "省財政廳", "省人力資源社會保障廳", "省自然資源廳", "省生態環境廳",
    "省住房城鄉建設廳", "省交通運輸廳", "省水利廳", "省農業農村廳", "省商務廳",
    "省文化和旅遊廳", "省衛生健康委", "省退役軍人事務廳", "省應急管理廳", "省審計廳", "省外辦",
    "省國資委", "省市場監管局", "省廣電局", "省體育局", "省統計局", "省醫保局", "省林業局",
    "省機關事務管理局", "省地方金融監管局", "省信訪局", "省糧食和物資儲備局", "省能源局",
    "省監獄管理局", "省戒毒管理局", "省藥監局", "省知識產權局", "省人防辦", "省扶貧辦",
    "省供銷社", "省政府研究室", "省政府參事室", "省地方志辦", "省高級人民法院", "省人民檢察院",
    "省總工會", "團省委", "省婦聯", "省科協", "省文聯", "省作協", "省僑聯", "省殘聯",
    "省紅十字會", "省社科院", "省農科院", "省社科聯", "省貿促會", "省檔案館", "省工商聯",
    "省氣象局", "省地震局", "省測繪地理信息局", "省地質礦產勘查開發局", "省煤田地質局",
    "省科學院", "省公路管理局", "省港航管理局", "省經濟信息中心", "省投資促進局", "省大數據局",
    "省公共資源交易監管局", "省政務服務管理局", "省行政學院", "省圖書館", "省博物館",
    "省社會主義學院", "省廣播電視臺", "省日報社",
)  # fmt: skip
"""The 97 assessed units (被考核單位), each with its own list under the 2018 list."""

SURNAMES = "王李張劉陳楊黃趙吳周徐孫馬朱胡郭何高林羅鄭梁謝宋唐許韓馮鄧曹彭曾蕭田董袁潘"
GIVEN = ("建軍", "志剛", "麗華", "海燕", "國強", "文杰", "春梅", "曉東", "明輝", "秀英", "永紅")


def _person(n: int) -> str:
    """A made-up full name, the same for the same ``n``."""
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]


def _responsible(unit: str) -> Actor:
    """The party office of a unit, which rectifies its problems (責任單位)."""
    return Actor(f"dw-{unit}", f"{unit}機關黨委辦公室", unit, [Role.RESPONSIBLE])


@dataclass(frozen=True)
class _ListProblem:
    key: str
    unit: str
    unit_no: int
    code: str
    title: str
    found: date
    branch_code: str | None


def _list_problems(branch_of: dict[str, tuple[str, str]]) -> list[_ListProblem]:
    """The 1,640 concrete problems of the units' lists, the same every time (seeded).

    ``branch_of`` maps a unit to its lagging branch (code, name): the unit's first three
    problems are that branch's."""
    rng = random.Random(2018)
    counts = [rng.randint(9, 25) for _ in ASSESSED_UNITS]
    u = 0
    while sum(counts) != LIST_PROBLEMS:  # spread the difference one by one, unit by unit
        step = 1 if sum(counts) < LIST_PROBLEMS else -1
        if counts[u] + step >= 8:
            counts[u] += step
        u = (u + 1) % len(counts)
    codes = [c for c, _ in COMMON_PROBLEMS]
    weights = [WEIGHTS[c] for c in codes]
    problems = []
    for u, (unit, count) in enumerate(zip(ASSESSED_UNITS, counts, strict=True)):
        branch = branch_of.get(unit)
        for n in range(1, count + 1):
            code = rng.choices(codes, weights)[0]
            org = rng.choice(ORGS)
            form = rng.choice(CONCRETE[code])
            mine = branch if branch is not None and n <= 3 else None
            problems.append(
                _ListProblem(
                    key=f"demo/list2018/{u + 1:02d}/{n:02d}",
                    unit=unit,
                    unit_no=u,
                    code=code,
                    title=form.format(org=mine[1] if mine else org),
                    found=LIST_ISSUED + timedelta(days=u % 7),
                    branch_code=mine[0] if mine else None,
                )
            )
    return problems


def _plan_assessment_list(timeline: Timeline, result: DemoResult) -> None:
    """Issue the 2018 list, record the 1,640 problems and plan each one's rectification."""
    problems = _list_problems({b.unit: (b.code, b.name) for b in LAGGING})
    ids: dict[str, UUID] = {}

    def issue_list(app: RectificationApp) -> None:
        result.list_id = app.issue_problem_list(
            actor=ZHAO,
            name=LIST_NAME,
            issuer=f"{COMMITTEE}、{OFFICE}",
            issued_on=LIST_ISSUED,
            deadline=LIST_DEADLINE,
            common_problems=COMMON_PROBLEMS,
            on=LIST_ISSUED,
            command_id="demo/list2018",
        )

    timeline.at(LIST_ISSUED, issue_list)
    rng = random.Random(20190605)
    for p in problems:
        timeline.at(p.found, _record_list_problem(p, ids, result))
        _plan_rectification(timeline, p, _known(ids, p.key), rng)


def _record_list_problem(p: _ListProblem, ids: dict[str, UUID], result: DemoResult) -> Action:
    def record(app: RectificationApp) -> None:
        assert result.list_id is not None
        ids[p.key] = iid = app.record_issue(
            actor=ASSESSORS,
            title=p.title,
            unit=p.unit,
            source=Source.ASSESSMENT,
            category=dict(COMMON_PROBLEMS)[p.code],
            list_id=result.list_id,
            common_problem=p.code,
            branch_id=app.branch_id(p.branch_code) if p.branch_code else None,
            on=p.found,
            command_id=p.key,
        )
        result.list_issues.append(iid)

    return record


def _plan_rectification(timeline: Timeline, p: _ListProblem, ref: Ref, rng: random.Random) -> None:
    """How one list problem goes: assigned to its unit (交辦), then rectified on the spot, in a
    campaign or within the deadline, and how far it got by the demo date. A lagging branch's
    problems are all closed out early enough for the branch to be delisted."""
    key, unit = p.key, p.unit
    actor = _responsible(unit)
    verifier = ZHAO if p.unit_no % 2 else LI
    draw, fate = rng.random(), rng.random()
    if p.branch_code is not None:
        fate = 1.0
    way = "central" if p.code in CAMPAIGNS and draw < 0.55 else "spot" if draw < 0.3 else "deadline"
    assigned = p.found + _days(rng, 2, 6)
    measures: tuple[str, ...] = ()
    if way == "deadline" and rng.random() < 0.4:
        measures = ("制定整改方案，明確責任人和時限", "逐條整改并建立長效機制")
    timeline.command(
        assigned, "assign", ref, f"{key}/assign", actor=verifier, unit=unit,
        person=f"{unit}機關黨委專職副書記", deadline=LIST_DEADLINE, measures=measures,
    )  # fmt: skip
    latest = date(2019, 8, 20) if p.branch_code else date(2019, 9, 10)
    if way == "spot":
        done = assigned + _days(rng, 1, 20)
        timeline.command(
            done, "rectify_on_the_spot", ref, f"{key}/spot", actor=actor,
            summary="立行立改，已整改到位",
        )  # fmt: skip
    elif way == "central":
        done = date(2019, 7, 5) + _days(rng, 0, 45)
        campaign = CAMPAIGNS[p.code]
        timeline.command(
            done, "treat_centrally", ref, f"{key}/central", actor=actor, campaign=campaign,
            summary=f"納入{campaign}統一整改", evidence=(f"{campaign}臺賬.xlsx",),
        )  # fmt: skip
    else:
        first = assigned + _days(rng, 5, 20)  # the first measure done, if it has measures
        if measures:
            timeline.command(first, "complete_measure", ref, f"{key}/m1", actor=actor, measure=1)
        if fate < 0.025:  # not rectified: overdue since 31 August
            return
        if fate < 0.035:  # an extension, approved before the deadline
            timeline.command(
                date(2019, 8, 15) + _days(rng, 0, 12), "extend_deadline", ref, f"{key}/extend",
                actor=verifier, new_deadline=date(2019, 10, 31),
                reason="涉及機構改革人員調整，申請延期兩個月",
            )  # fmt: skip
            return
        late = 0.13 <= fate < 0.2
        done = LIST_DEADLINE + _days(rng, 2, 12) if late else date(2019, 7, 1) + _days(rng, 0, 50)
        done = max(min(done, latest), first)
        if measures:
            timeline.command(done, "complete_measure", ref, f"{key}/m2", actor=actor, measure=2)
        timeline.command(
            done, "submit_rectification", ref, f"{key}/submit", actor=actor,
            summary="按期完成整改", evidence=(f"{unit}整改報告.pdf",),
        )  # fmt: skip
        if 0.035 <= fate < 0.045:  # sent back once, then resubmitted
            back = done + _days(rng, 1, 3)
            timeline.command(
                back, "reject", ref, f"{key}/reject", actor=verifier,
                reason="整改不徹底，佐證材料不足",
            )  # fmt: skip
            done = back + _days(rng, 4, 10)
            timeline.command(
                done, "submit_rectification", ref, f"{key}/resubmit", actor=actor,
                summary="補充整改并重新提交",
                evidence=(f"{unit}整改報告.pdf", f"{unit}補充材料.pdf"),
            )  # fmt: skip
    if 0.045 <= fate < 0.065:  # rectified, not yet checked
        return
    verified = done + _days(rng, 2, 8)
    timeline.command(
        verified, "verify", ref, f"{key}/verify", actor=verifier, note="經核查，整改到位"
    )
    if 0.065 <= fate < 0.08:  # verified, close-out pending
        return
    timeline.command(verified + _days(rng, 1, 4), "close_out", ref, f"{key}/close", actor=verifier)


# ---------------------------------------------------------------- 20 lagging branches


@dataclass(frozen=True)
class _Lagging:
    code: str
    name: str
    unit: str
    kinds: tuple[str, ...]
    elected_on: date


def _lagging() -> tuple[_Lagging, ...]:
    kinds: list[tuple[str, ...]] = [
        *[("軟弱渙散",)] * 5,
        *[("虛化",)] * 2,
        *[("弱化",)] * 2,
        *[("邊緣化",)] * 2,
        *[("虛化", "弱化")] * 2,
        ("弱化", "邊緣化"),
        *[("不按期換屆",)] * 3,
        ("軟弱渙散", "不按期換屆"),
        *[("黨員教育管理薄弱",)] * 2,
    ]
    parts = ("機關第二", "后勤服務中心", "離退休干部第一", "信息中心", "機關第四", "培訓中心")
    branches = []
    for n, k in enumerate(kinds):
        unit_no = 2 + n * 7 % 95  # twenty different units
        unit = ASSESSED_UNITS[unit_no]
        overdue = "不按期換屆" in k
        branches.append(
            _Lagging(
                code=f"SZ-{unit_no + 1:02d}-{n + 1:02d}",
                name=f"{unit}{parts[n % len(parts)]}黨支部",
                unit=unit,
                kinds=k,
                elected_on=date(2015, 3 + n % 6, 10) if overdue else date(2017, 1 + n % 12, 15),
            )
        )
    return tuple(branches)


LAGGING = _lagging()
"""The 20 branches the 2018 screening found lagging (后進/不達標黨支部)."""

COMMITTEE_MENTORS = (
    ("張建國", "工委常務副書記"),
    ("王立新", "工委副書記"),
    ("李文華", "工委委員、組織部部長"),
    ("陳志強", "工委委員、宣傳部部長"),
    ("劉衛東", "紀工委書記"),
)
SCREENING = "2018年省直機關基層黨支部專項對標排查"
REGISTERED = date(2018, 10, 8)
ELECTIONS_CHECKED = date(2018, 12, 1)
DESIGNATED = date(2018, 12, 10)
ELECTIONS_CLOSED = date(2019, 6, 28)


def _plan_lagging_branches(timeline: Timeline, result: DemoResult) -> None:
    """Register the 20 branches, flag the overdue elections, designate and consolidate each
    branch, and delist it once its problems are closed out."""
    election_issues: dict[str, UUID] = {}  # branch code → its 不按期換屆 problem

    def register(b: _Lagging) -> Action:
        def act(app: RectificationApp) -> None:
            bid = app.register_branch(
                actor=ZHAO, code=b.code, name=b.name, unit=b.unit, elected_on=b.elected_on,
                on=REGISTERED, command_id=f"demo/branch/{b.code}",
            )  # fmt: skip
            result.branches.append(bid)

        return act

    def flag(app: RectificationApp) -> None:
        codes = {app.branch_id(b.code): b.code for b in LAGGING}
        for iid in app.flag_overdue_elections(
            actor=ZHOU, as_of=ELECTIONS_CHECKED, on=ELECTIONS_CHECKED
        ):
            branch = app.get_issue(iid).branch_id
            assert branch is not None
            election_issues[codes[branch]] = iid
            result.election_issues.append(iid)

    for b in LAGGING:
        timeline.at(REGISTERED, register(b))
    timeline.at(ELECTIONS_CHECKED, flag)
    for n, b in enumerate(LAGGING):
        _plan_consolidation(timeline, n, b)
        if "不按期換屆" in b.kinds:
            _plan_election(timeline, n, b, _known(election_issues, b.code))


def _plan_consolidation(timeline: Timeline, n: int, b: _Lagging) -> None:
    key = f"demo/branch/{b.code}"
    ref = _branch(b.code)
    leader, post = COMMITTEE_MENTORS[n % len(COMMITTEE_MENTORS)]
    unit_actor = _responsible(b.unit)
    timeline.command(
        DESIGNATED, "designate_lagging", ref, f"{key}/designate", actor=ZHOU, kinds=b.kinds,
        basis=SCREENING,
    )  # fmt: skip
    timeline.command(
        date(2019, 1, 15) + timedelta(days=3 * n), "start_consolidation", ref,
        f"{key}/consolidate", actor=ZHAO,
        plan=f"針對{'、'.join(b.kinds)}問題分類制定整頓方案，“一對一、全程跟”",
        goals=("選優配強支部班子", "嚴格落實組織生活制度", "整改臺賬問題全部銷號"),
        deadline=date(2019, 9, 30),
        mentors=[
            {"name": leader, "unit": COMMITTEE, "post": post},
            {"name": _person(n + 3), "unit": b.unit, "post": "分管機關黨建副職領導"},
        ],
    )  # fmt: skip
    timeline.command(
        date(2019, 9, 9) + timedelta(days=n % 5), "request_delisting", ref, f"{key}/request",
        actor=unit_actor, note="整頓問題已全部銷號，申請摘帽",
    )  # fmt: skip
    delisted = date(2019, 9, 18) + timedelta(days=n % 8)
    if n == 0:  # the first reassessment sends one back to consolidation for a while
        timeline.command(
            date(2019, 9, 16), "reject_delisting", ref, f"{key}/reject", actor=ZHAO,
            reason="重新評估：組織生活會質量仍需鞏固提高",
        )  # fmt: skip
        timeline.command(
            date(2019, 9, 20), "request_delisting", ref, f"{key}/request-again",
            actor=unit_actor, note="已按評估意見鞏固提高，再次申請摘帽",
        )  # fmt: skip
        delisted = date(2019, 9, 26)
    timeline.command(
        delisted, "delist", ref, f"{key}/delist", actor=ZHAO, note="經重新評估達標，予以摘帽"
    )


def _plan_election(timeline: Timeline, n: int, b: _Lagging, ref: Ref) -> None:
    """The 不按期換屆 problem flagged for the branch: assigned, the election held, closed out."""
    key = f"demo/branch/{b.code}/election"
    unit_actor = _responsible(b.unit)
    assigned = date(2019, 1, 20) + timedelta(days=3 * n)
    held = date(2019, 4, 10) + timedelta(days=n)
    timeline.command(
        assigned, "assign", ref, f"{key}/assign", actor=ZHAO, unit=b.unit,
        person=f"{b.unit}機關黨委專職副書記", deadline=date(2019, 5, 31),
        measures=("制定換屆工作方案", "召開黨員大會完成換屆選舉"),
    )  # fmt: skip
    timeline.command(
        assigned + timedelta(days=14), "complete_measure", ref, f"{key}/m1", actor=unit_actor,
        measure=1,
    )  # fmt: skip
    timeline.command(
        held, "record_election", _branch(b.code), f"{key}/held", actor=unit_actor, held_on=held
    )
    timeline.command(held, "complete_measure", ref, f"{key}/m2", actor=unit_actor, measure=2)
    timeline.command(
        held + timedelta(days=2), "submit_rectification", ref, f"{key}/submit",
        actor=unit_actor, summary="已召開黨員大會完成換屆，選舉結果已報批",
        evidence=("換屆選舉結果批復.pdf",),
    )  # fmt: skip
    timeline.command(
        held + timedelta(days=7), "verify", ref, f"{key}/verify", actor=ZHAO, note="換屆程序規范"
    )
    # Closed out with the list's problems of the branch on the books (a branch marked ready
    # for reassessment stays so when problems are linked to it afterwards).
    timeline.command(ELECTIONS_CLOSED, "close_out", ref, f"{key}/close", actor=ZHAO)


# ---------------------------------------------------------------- a district's inspection rounds

DISTRICT = "經開區黨工委"
PATROL = Actor("jk-xc", "黨建工作巡查組", DISTRICT, [Role.INSPECTOR])
DISTRICT_VERIFIER = Actor("jk-zz", "黨工委組織人事部", DISTRICT, [Role.VERIFIER])
CHECKLIST_NAME = "經開區黨建工作巡查清單"

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

FLAWS = ("臺賬資料不全", "未按月落實", "記錄缺少簽字確認", "未及時報送", "公開欄內容未更新")

TOWNS = ("東城街道", "西苑街道", "河口鎮", "柳營鎮", "金橋鎮")
DISTRICT_BRANCHES: tuple[tuple[str, str, str, str], ...] = (
    ("JK-SQ-01", "東城街道春暉社區黨支部", "東城街道", "branch"),
    ("JK-CUN-02", "河口鎮李莊村黨支部", "河口鎮", "branch"),
    ("JK-LX-03", "匯智科技有限公司黨支部", "經開區“兩新”組織黨工委", "branch"),
    ("JK-GQ-04", "經開區城市建設投資集團黨委", "經開區城投集團", "committee"),
    ("JK-JG-05", "經開區管委會機關第一黨支部", "經開區管委會", "branch"),
)
"""The district's branches inspected by code: (code, name, unit, kind)."""

PERIODS = ("2019-03", "2019-04", "2019-05", "2019-06", "2019-07", "2019-08", "2019-09")
RECHECK = "2019-08"
"""The re-inspection (回頭看): every town and branch again."""

_B = tuple(code for code, *_ in DISTRICT_BRANCHES)
SCOPES: dict[str, tuple[str, ...]] = {
    "2019-03": ("東城街道", "西苑街道", "河口鎮", _B[0], _B[1]),
    "2019-04": ("河口鎮", "柳營鎮", "金橋鎮", _B[2], _B[3]),
    "2019-05": ("東城街道", "西苑街道", "金橋鎮", _B[4], _B[0]),
    "2019-06": ("河口鎮", "柳營鎮", "東城街道", _B[1], _B[2]),
    "2019-07": ("西苑街道", "柳營鎮", "金橋鎮", _B[3], _B[4]),
    RECHECK: (*TOWNS, *_B),
    "2019-09": ("東城街道", "河口鎮", "金橋鎮", _B[0], _B[3]),
}
RELAPSE = ("河口鎮", "X07")
"""Found in April, closed out in May, found again at the re-inspection: the relapse."""
STILL_OPEN = ("柳營鎮", "X03")
"""Found in July, not yet rectified when the re-inspection finds it again."""
FIVE_GOOD = ("team", "system", "members", "service", "integrity")


def _round_dates(period: str) -> tuple[date, date, date]:
    """A round opens on the 3rd, its findings are recorded on the 10th, it closes on the 25th."""
    year, month = map(int, period.split("-"))
    return date(year, month, 3), date(year, month, 10), date(year, month, 25)


def findings_of_rounds() -> dict[str, list[tuple[str, str, str]]]:
    """Each round's findings as (target, item, text), the same every time (seeded): no item is
    found twice on a target except :data:`RELAPSE` and :data:`STILL_OPEN`."""
    rng = random.Random(2016)
    items = [code for code, _ in CHECKLIST]
    texts = dict(CHECKLIST)
    used: set[tuple[str, str]] = {RELAPSE, STILL_OPEN}
    forced = {"2019-04": [RELAPSE], "2019-07": [STILL_OPEN], RECHECK: [RELAPSE, STILL_OPEN]}
    rounds: dict[str, list[tuple[str, str, str]]] = {}
    for period in PERIODS:
        found = [(t, i, f"{texts[i]}：{rng.choice(FLAWS)}") for t, i in forced.get(period, [])]
        for target in SCOPES[period]:
            for _ in range(rng.choice((0, 1, 1, 2))):
                item = rng.choice([i for i in items if (target, i) not in used])
                used.add((target, item))
                found.append((target, item, f"{texts[item]}：{rng.choice(FLAWS)}"))
        rounds[period] = found
    return rounds


def _plan_inspection_rounds(timeline: Timeline, result: DemoResult) -> None:
    """The district registers its branches and its checklist, then runs a round every month:
    open, import the findings (and the targets visited without any), close; each finding is
    rectified under the district's eye. At midyear it rates three branches (五好黨支部)."""
    registered = date(2019, 2, 20)
    for n, (code, name, unit, kind) in enumerate(DISTRICT_BRANCHES):
        timeline.at(registered, _register_district_branch(code, name, unit, kind, n))

    def define(app: RectificationApp) -> None:
        result.checklist_id = app.define_checklist(
            actor=DISTRICT_VERIFIER,
            name=CHECKLIST_NAME,
            items=CHECKLIST,
            on=registered + timedelta(days=5),
            command_id="demo/district/checklist",
        )

    timeline.at(registered + timedelta(days=5), define)
    findings = findings_of_rounds()
    rounds: dict[str, UUID] = {}
    for period in PERIODS:
        _plan_round(timeline, period, findings[period], rounds, result)
    for n, code in enumerate(_B[:3]):
        timeline.command(
            date(2019, 6, 28), "rate_branch", _branch(code), f"demo/district/{code}/rated-2019",
            actor=DISTRICT_VERIFIER, results={k: n != 2 or k != "service" for k in FIVE_GOOD},
        )  # fmt: skip


def _register_district_branch(code: str, name: str, unit: str, kind: str, n: int) -> Action:
    return lambda app: app.register_branch(
        actor=DISTRICT_VERIFIER, code=code, name=name, unit=unit, kind=kind,
        elected_on=date(2018, 3 + n, 1), on=date(2019, 2, 20), command_id=f"demo/district/{code}",
    )  # fmt: skip


def _plan_round(
    timeline: Timeline,
    period: str,
    found: Sequence[tuple[str, str, str]],
    rounds: dict[str, UUID],
    result: DemoResult,
) -> None:
    opened, on, closed = _round_dates(period)
    key = f"demo/district/round/{period}"
    scope = SCOPES[period]
    with_findings = {t for t, _, _ in found}

    def open_round(app: RectificationApp) -> None:
        assert result.checklist_id is not None
        rounds[period] = rid = app.open_inspection_round(
            result.checklist_id,
            actor=PATROL,
            period=period,
            scope=scope,
            name=f"黨建工作巡查“回頭看” {period}" if period == RECHECK else "",
            on=opened,
            command_id=key,
        )
        result.rounds.append(rid)

    def import_findings(app: RectificationApp) -> None:
        rid = rounds[period]
        if app.inspection_round(rid).status is not RoundStatus.OPEN:
            return  # imported before the round was closed, by an earlier run of the demo
        app.import_findings(
            rid,
            actor=PATROL,
            findings=[{"target": t, "item": i, "text": x} for t, i, x in found],
            visited=[t for t in scope if t not in with_findings],
            on=on,
            command_id=f"{key}/findings",
        )

    timeline.at(opened, open_round)
    timeline.at(on, import_findings)
    for n, (target, item, _) in enumerate(found):
        _plan_finding(timeline, period, n, target, item, _finding(rounds, period, target, item))
    timeline.command(
        closed, "close_inspection_round", lambda app: rounds[period], f"{key}/close",
        actor=PATROL, note="本輪巡查結束，發現問題已通報并限期整改",
    )  # fmt: skip

    def collect(app: RectificationApp) -> None:
        for target, item, _ in found:
            iid = app.inspection_round(rounds[period]).findings[_stored(app, target), item]
            result.findings.append(iid)

    timeline.at(on, collect)


def _stored(app: RectificationApp, target: str) -> str:
    """A target as a round keeps it: a unit by name, a branch by its id as text."""
    return str(app.branch_id(target)) if target in _B else target


def _finding(rounds: dict[str, UUID], period: str, target: str, item: str) -> Ref:
    return lambda app: app.inspection_round(rounds[period]).findings[_stored(app, target), item]


def _plan_finding(
    timeline: Timeline, period: str, n: int, target: str, item: str, ref: Ref
) -> None:
    """A finding's problem: assigned with a month to fix it (or fixed on the spot), rectified,
    verified and closed out — except some of the last round's, still being worked on."""
    _, found, _ = _round_dates(period)
    key = f"demo/district/{period}/{target}/{item}"
    unit = next((u for c, _, u, _ in DISTRICT_BRANCHES if c == target), target)
    actor = _responsible(unit)
    rng = random.Random(key)
    if (target, item) == STILL_OPEN and period == RECHECK:
        return  # the July problem, still open: its own plan carries on
    if (target, item) == RELAPSE and period == RECHECK:
        # reopened by the import, with its old deadline: a new one, then rectified again
        timeline.command(
            found + timedelta(days=1), "extend_deadline", ref, f"{key}/extend",
            actor=DISTRICT_VERIFIER, new_deadline=date(2019, 9, 12),
            reason="問題反彈，重新限期整改",
        )  # fmt: skip
        done: date | None = date(2019, 9, 3)
    else:
        if (target, item) == STILL_OPEN:
            done = date(2019, 8, 20)  # after the re-inspection of 10 August found it again
        elif period == PERIODS[-1] and n % 3 == 0:
            done = None  # assigned, being worked on
        else:
            done = found + timedelta(days=rng.randint(6, 20))
        if done is not None and (target, item) != STILL_OPEN and rng.random() < 0.2:
            done = found + timedelta(days=rng.randint(1, 4))
            timeline.command(
                done, "rectify_on_the_spot", ref, f"{key}/spot", actor=actor,
                summary="巡查組現場督促，立行立改",
            )  # fmt: skip
            _plan_acceptance(timeline, period, n, key, ref, done)
            return
        timeline.command(
            found + timedelta(days=2), "assign", ref, f"{key}/assign", actor=DISTRICT_VERIFIER,
            unit=unit, person=f"{unit}黨建工作負責人", deadline=found + timedelta(days=30),
        )  # fmt: skip
    if done is None:
        return
    timeline.command(
        done, "submit_rectification", ref, f"{key}/submit", actor=actor,
        summary="已按巡查意見整改",
    )  # fmt: skip
    _plan_acceptance(timeline, period, n, key, ref, done)


def _plan_acceptance(
    timeline: Timeline, period: str, n: int, key: str, ref: Ref, done: date
) -> None:
    if period == PERIODS[-1] and n % 3 == 1:
        return  # rectified, waiting for the district to check
    verified, closed = done + timedelta(days=3), done + timedelta(days=4)
    if verified <= DEMO_TODAY:
        timeline.command(
            verified, "verify", ref, f"{key}/verify", actor=DISTRICT_VERIFIER,
            note="復查整改到位",
        )  # fmt: skip
    if closed <= DEMO_TODAY:
        timeline.command(closed, "close_out", ref, f"{key}/close", actor=DISTRICT_VERIFIER)


# ---------------------------------------------------------------- the summary


@dataclass(frozen=True)
class DemoSummary:
    """The figures the demo ends with, as of a date."""

    as_of: date
    problems: int
    close_out_rate: float | None
    list_units: int
    common_problems: int
    list_problems: int
    list_closed_out: int
    list_overdue: int
    lagging: int
    ready: int
    delisted: int
    rounds: int
    rounds_closed: int
    findings: int
    relapses: int
    still_open_from_before: int
    work_list_measures: str
    work_list_modes: dict[str, int]

    def lines(self) -> list[str]:
        """The summary in a few lines of text."""
        rate = f"{self.close_out_rate:.1%}" if self.close_out_rate is not None else "—"
        share = self.list_closed_out / self.list_problems if self.list_problems else 0.0
        modes = ", ".join(f"{n} {Mode(m).label}" for m, n in self.work_list_modes.items())
        relapses = f"{self.relapses} relapse{'' if self.relapses == 1 else 's'}"
        return [
            f"as of {self.as_of}: {self.problems:,} problems on the ledger, close-out rate {rate}",
            f"2018 problem list: {self.list_units} units, {self.common_problems} common "
            f"problems, {self.list_problems:,} problems, {self.list_closed_out:,} closed out "
            f"({share:.1%}), {self.list_overdue} overdue",
            f"lagging branches: {self.lagging} designated, {self.ready} ready for "
            f"reassessment, {self.delisted} delisted",
            f"inspection rounds: {self.rounds} ({self.rounds_closed} closed), "
            f"{self.findings} findings, {relapses}, {self.still_open_from_before} still open "
            f"from an earlier round",
            f"committee work list: {self.work_list_measures} ({modes})",
        ]


def summarise(app: RectificationApp, result: DemoResult, as_of: date = DEMO_TODAY) -> DemoSummary:
    """What the demo recorded, in figures, as of ``as_of``."""
    rows = app.ledger(as_of)
    closed = sum(r.status is Status.CLOSED_OUT for r in rows)
    active = sum(r.status is not Status.WITHDRAWN for r in rows)
    rollup = app.list_rollup(result.list_id, as_of) if result.list_id is not None else None
    board = app.lagging_board(as_of)
    rounds = [app.round_figures(r, as_of) for r in result.rounds]
    modes: dict[str, int] = {}
    measures = ""
    if result.work_list is not None:
        measures = app.get_issue(result.work_list, as_of).measures_progress
        for entry in app.audit_trail(result.work_list):
            if entry.action == "complete_measure" and entry.on <= as_of:
                mode = str(entry.details.get("mode"))
                modes[mode] = modes.get(mode, 0) + 1
    return DemoSummary(
        as_of=as_of,
        problems=len(rows),
        close_out_rate=closed / active if active else None,
        list_units=rollup.units if rollup else 0,
        common_problems=sum(c.units > 0 for c in rollup.common_problems) if rollup else 0,
        list_problems=rollup.issues if rollup else 0,
        list_closed_out=rollup.closed_out if rollup else 0,
        list_overdue=rollup.overdue if rollup else 0,
        lagging=len(board),
        ready=sum(b.ready for b in board),
        delisted=sum(b.delisted for b in board),
        rounds=len(rounds),
        rounds_closed=sum(f.status is RoundStatus.CLOSED for f in rounds),
        findings=sum(f.findings for f in rounds),
        relapses=sum(f.relapses for f in rounds),
        still_open_from_before=sum(f.still_open_from_before for f in rounds),
        work_list_measures=measures,
        work_list_modes=modes,
    )
