"""The demo scenario, after the first field report (seeds/000).

A provincial organ work committee (省直機關工委) fixes its own work list of 8 measures — 3 by central
treatment (集中治理), 5 on the spot (立行立改) — and follows a few dozen problems found in six
departments by the 2018 assessment and by its research groups, rectified within deadlines: some
late, one rejected at verification and resubmitted, one withdrawn, one reopened after close-out, one
with an approved extension, a few still open and overdue on the demo date.

Every command carries an idempotency key, so running the demo again on the same store records
nothing new. Business dates are 2019; the demo's "today" is :data:`DEMO_TODAY`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from rectify.domain.values import Actor, Role, Source

if TYPE_CHECKING:
    from rectify.application import RectificationApp

DEMO_TODAY = date(2019, 9, 30)
"""The business date the demo's summary is drawn on."""

COMMITTEE = "省直機關工委"
OFFICE = "省委主題教育辦"

ZHAO = Actor("gw-zhao", "趙主任", COMMITTEE, [Role.VERIFIER])
SUN = Actor("jyb-sun", "孫處長", OFFICE, [Role.VERIFIER])
QIAN = Actor("gw-qian", "錢科長", COMMITTEE, [Role.RESPONSIBLE])
ZHOU = Actor("dy-03", "周組長(調研三組)", COMMITTEE, [Role.INSPECTOR])

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

SOURCES = (Source.ASSESSMENT, Source.RESEARCH, Source.INSPECTION)


@dataclass
class DemoResult:
    """What the demo recorded: the committee's own 8 issues and the units' issues."""

    own: list[UUID]
    units: list[UUID]

    @property
    def all(self) -> list[UUID]:
        return [*self.own, *self.units]


def run_demo(app: RectificationApp, seed: int = 2019) -> DemoResult:
    """Play the scenario into ``app`` (idempotently) and return the ids it recorded."""
    rng = random.Random(seed)
    own = [_own_measure(app, n, title) for n, title in enumerate(OWN_MEASURES, start=1)]
    units = []
    n = 0
    for u, (unit, person) in enumerate(zip(UNITS, PEOPLE, strict=True)):
        responsible = Actor(f"unit-{u}", person, unit, [Role.RESPONSIBLE])
        for title, category in UNIT_PROBLEMS:
            n += 1
            units.append(_unit_problem(app, rng, n, unit, person, responsible, title, category))
    return DemoResult(own=own, units=units)


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
    if n <= 3:
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
        measures=("制定整改方案", "逐條整改落實", "建立長效機制"),
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
        # still being worked on; some overdue by now
        return iid
    late = outcome > 0.8 and n not in (10, 13)  # those two need time after rectification
    done = (
        deadline + timedelta(days=rng.randrange(1, 20))
        if late
        else date(2019, 7, 10) + timedelta(days=rng.randrange(0, 45))
    )
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
