"""The demo scenario, after the field reports (seeds/000–004), as declared tables and a runner.

**The first report's own story** (seed 000): a provincial organ work committee (省直機關工委) fixes
its own work list of 8 measures — 3 by central treatment (集中治理), 5 on the spot (立行立改) — and
follows 36 problems found in six departments by the 2018 assessment and by its research groups,
rectified within deadlines: some late, one rejected at verification and resubmitted, one withdrawn,
one reopened after close-out, one with an approved extension, a few still open and overdue on the
demo date. The same work list is also kept the way a committee keeps it, as ONE problem with its
8 measures, completed one by one, then submitted, verified and closed out.

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

Where things are:

- the tables — :mod:`~rectify.demo.scenarios` (who, the closed set of outcomes, the first
  report), :mod:`~rectify.demo.lagging` (the 20 branches), :mod:`~rectify.demo.district` (the
  rounds and their findings) and :mod:`~rectify.demo.assessment` (the 2018 list, generated from a
  seeded random by declared rules: the shape of the list and the distribution of outcomes);
- what each row's outcome stands for in commands — :mod:`~rectify.demo.plays` and
  :mod:`~rectify.demo.rounds`;
- the runner — :mod:`~rectify.demo.timeline` (dated commands played in business-date order) and
  :func:`run_demo`; the closing figures — :func:`summarise`.

Every command carries an idempotency key, so running the demo again on the same store records
nothing new. Business dates run from 2018 to the demo's "today", :data:`DEMO_TODAY`.
"""

from rectify.demo.assessment import (
    ASSESSED_UNITS,
    COMMON_PROBLEMS,
    LIST_DEADLINE,
    LIST_ISSUED,
    LIST_NAME,
    LIST_PROBLEMS,
)
from rectify.demo.district import (
    CHECKLIST,
    CHECKLIST_NAME,
    DISTRICT_BRANCHES,
    PERIODS,
    RECHECK,
    RELAPSE,
    ROUNDS,
    STILL_OPEN,
)
from rectify.demo.lagging import LAGGING
from rectify.demo.runner import DemoResult, run_demo
from rectify.demo.scenarios import (
    DEMO_TODAY,
    OWN_LIST,
    OWN_MEASURES,
    UNIT_PROBLEMS,
    Outcome,
)
from rectify.demo.summary import DemoSummary, summarise
from rectify.demo.timeline import Timeline

__all__ = [
    "ASSESSED_UNITS",
    "CHECKLIST",
    "CHECKLIST_NAME",
    "COMMON_PROBLEMS",
    "DEMO_TODAY",
    "DISTRICT_BRANCHES",
    "LAGGING",
    "LIST_DEADLINE",
    "LIST_ISSUED",
    "LIST_NAME",
    "LIST_PROBLEMS",
    "OWN_LIST",
    "OWN_MEASURES",
    "PERIODS",
    "RECHECK",
    "RELAPSE",
    "ROUNDS",
    "STILL_OPEN",
    "UNIT_PROBLEMS",
    "DemoResult",
    "DemoSummary",
    "Outcome",
    "Timeline",
    "run_demo",
    "summarise",
]
