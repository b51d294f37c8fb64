"""Demo procurement data for the demo province, built through the real actions.

`load_procurement_demo` lays out ~40 projects over the units given (the province's 27 disbursing
units), across the value bands and methods, then replays their year in date order up to `today`:
projects entered, actual dates recorded as milestones happen, contracts and instalments, and an
update with obstacles and remedy in every reporting round (some late, one missed). Each project
follows a stated profile (`DEMO_PROJECTS`), so the statuses, the late list and the deadline flags
it produces can be checked against what the profile says (tests/procurement/test_demo.py).

The scheme evaluating the units gets procurement settings (the cabinet's Q1/Q2 contract rules and
the province's own year-end commitment rule) when it has none. Ledger commitments are not
recorded from here: the demo ledger records its own POs. The audit rows of each replayed event are
dated on the event's day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from pts.audit.actions import dated_at
from pts.budget.models import FiscalYear
from pts.core.categories import fund_code
from pts.core.fiscal import Month
from pts.organisations.models import Org
from pts.procurement import actions, queries
from pts.procurement.models import Project
from pts.procurement.schedule import CONTRACT, generate_plan, load_template
from pts.schemes.models import Scheme

BANGKOK = ZoneInfo("Asia/Bangkok")
BAHT = 100

# The province's own deadline (a scheme setting, not shipped data): money not committed by the end
# of the fiscal year lapses (Budget Procedure Act 2561 s.43 allows carry-over only with a commitment).
PROVINCE_DEADLINES = """
[scheme]
id = "demo-province"
name_th = "จังหวัดทุ่งทอง: ก่อหนี้ผูกพันภายในสิ้นปีงบประมาณ"
name_en = "Thung Thong province: commit by the end of the fiscal year"
source = "พ.ร.บ.วิธีการงบประมาณ พ.ศ. 2561 ม.43 / Budget Procedure Act 2561 s.43"

[[deadlines]]
id = "year-end-commit"
kind = "commit"
quarter = 4
name_th = "ก่อหนี้ผูกพันภายในสิ้นปีงบประมาณ (มิฉะนั้นงบประมาณพับ)"
name_en = "commit by the end of the fiscal year (or the money lapses)"
"""


@dataclass(frozen=True)
class Spec:
    """One demo project. `slip`: working days of delay added from a milestone on; `stop`: the first
    milestone not done yet (None: everything due is done); `expect`: its status as of 31 Jul 2023."""

    unit: int
    name: str
    baht: int
    method: str
    start: date
    expect: str
    entered: date = date(2022, 10, 3)
    category: str = "capital"
    multi_year: bool = False
    slip: tuple[tuple[str, int], ...] = ()
    stop: str | None = None
    delivery: int = 30  # calendar days from the contract to the last acceptance (the contract's term)
    late_rounds: tuple[int, ...] = ()  # round months (1 = Oct) filed after the deadline
    skip_rounds: tuple[int, ...] = ()  # round months never filed
    obstacle: str = "ไม่มีปัญหาอุปสรรค"
    remedy: str = "ดำเนินการตามแผน"


D = date
TOR = ("ร่าง TOR ต้องแก้ไขตามความเห็นคณะกรรมการ", "เร่งประชุมคณะกรรมการร่าง TOR ให้แล้วเสร็จในรอบถัดไป")
BIDS = ("ไม่มีผู้ยื่นข้อเสนอ ต้องยกเลิกและประกาศใหม่", "ทบทวนราคากลางและประกาศเชิญชวนใหม่")
APPEAL = ("มีผู้ยื่นอุทธรณ์ผลการพิจารณา", "รอผลการพิจารณาอุทธรณ์จากคณะกรรมการวินิจฉัยฯ")
DELIVERY = ("ผู้รับจ้างส่งมอบงานล่าช้า", "มีหนังสือเร่งรัดผู้รับจ้าง และคิดค่าปรับตามสัญญา")
BUDGET = ("ได้รับจัดสรรงบประมาณล่าช้า (เงินเหลือจ่าย)", "เร่งจัดทำ TOR และประกาศเชิญชวนทันทีที่ได้รับอนุมัติ")

DEMO_PROJECTS: tuple[Spec, ...] = (
    # Small purchases (specific method, e-market): early in the year, done by the new year.
    Spec(0, "จัดซื้อเครื่องคอมพิวเตอร์สำนักงาน 10 เครื่อง", 240_000, "specific", D(2022, 10, 5), "completed"),
    Spec(1, "จัดซื้อเครื่องปรับอากาศ 4 เครื่อง", 180_000, "specific", D(2022, 10, 6), "completed"),
    Spec(2, "ปรับปรุงห้องประชุม", 450_000, "specific", D(2022, 10, 10), "completed", slip=(("contract_signed", 4),)),
    Spec(3, "จัดซื้อครุภัณฑ์สำนักงาน", 95_000, "specific", D(2022, 10, 12), "completed"),
    Spec(4, "จัดซื้อรถจักรยานยนต์ 2 คัน", 120_000, "e-market", D(2022, 10, 7), "completed"),
    Spec(5, "จัดซื้อเครื่องพิมพ์และสแกนเนอร์", 350_000, "e-market", D(2022, 10, 11), "completed",
         slip=(("bid_day", 3),)),
    Spec(6, "จัดซื้อตู้เก็บเอกสาร", 60_000, "specific", D(2022, 11, 1), "completed", entered=D(2022, 10, 28)),
    Spec(7, "ซ่อมแซมหลังคาอาคาร", 480_000, "specific", D(2023, 6, 1), "late", entered=D(2023, 5, 29),
         delivery=60, obstacle=BUDGET[0], remedy=BUDGET[1]),
    # e-bidding 0.5-5 M: the bulk of the PTS; contracts by 31 Dec meet the cabinet's Q1 rule.
    Spec(8, "ก่อสร้างโรงจอดรถ", 1_200_000, "e-bidding", D(2022, 10, 3), "on_track", delivery=240),
    Spec(9, "ปรับปรุงภูมิทัศน์ศาลากลางจังหวัด", 1_800_000, "e-bidding", D(2022, 10, 3), "on_track", delivery=250),
    Spec(10, "จัดซื้อรถยนต์ตรวจการณ์ 1 คัน", 1_350_000, "e-bidding", D(2022, 10, 4), "completed", delivery=90),
    Spec(11, "ก่อสร้างรั้วคอนกรีตรอบสำนักงาน", 950_000, "e-bidding", D(2022, 10, 5), "completed", delivery=120),
    Spec(12, "จัดซื้อระบบกล้องวงจรปิด", 2_400_000, "e-bidding", D(2022, 10, 3), "on_track", delivery=230),
    Spec(13, "ปรับปรุงอาคารฝึกอบรม", 3_600_000, "e-bidding", D(2022, 10, 3), "late", delivery=240,
         slip=(("tor_price", 12),), obstacle=TOR[0], remedy=TOR[1], late_rounds=(2, 3)),
    Spec(14, "ก่อสร้างลานอเนกประสงค์", 2_900_000, "e-bidding", D(2022, 10, 10), "late", delivery=240,
         slip=(("bid_day", 15),), obstacle=BIDS[0], remedy=BIDS[1]),
    Spec(15, "จัดซื้อเครื่องกำเนิดไฟฟ้า", 1_100_000, "e-bidding", D(2022, 11, 7), "late", delivery=200,
         slip=(("evaluation", 8),), entered=D(2022, 11, 4), obstacle=APPEAL[0], remedy=APPEAL[1]),
    Spec(16, "ปรับปรุงระบบประปาภายในสำนักงาน", 780_000, "e-bidding", D(2022, 11, 14), "completed",
         entered=D(2022, 11, 10), slip=(("tor_price", 5),), delivery=60),
    Spec(17, "ก่อสร้างศูนย์เรียนรู้ชุมชน", 4_800_000, "e-bidding", D(2022, 10, 3), "late", delivery=200,
         slip=(("acceptance", 25),), obstacle=DELIVERY[0], remedy=DELIVERY[1]),
    Spec(18, "ขุดลอกคลองส่งน้ำ", 4_200_000, "e-bidding", D(2022, 10, 6), "late", stop="invitation_published",
         slip=(("purchase_report", 20),), obstacle=TOR[0], remedy=TOR[1], skip_rounds=(5,)),
    Spec(19, "จัดซื้อเครื่องมือวิทยาศาสตร์", 2_200_000, "e-bidding", D(2022, 10, 4), "on_track", delivery=260),
    Spec(20, "ปรับปรุงถนนภายในศูนย์ราชการ", 3_300_000, "e-bidding", D(2022, 10, 3), "on_track", delivery=270),
    Spec(21, "ก่อสร้างอาคารเก็บพัสดุ", 2_750_000, "e-bidding", D(2022, 10, 11), "late", delivery=240,
         slip=(("winner_announced", 10), ("contract_signed", 5)), obstacle=APPEAL[0], remedy=APPEAL[1]),
    Spec(22, "ติดตั้งระบบโซลาร์เซลล์", 1_650_000, "e-bidding", D(2022, 12, 1), "late", entered=D(2022, 11, 28),
         stop="bid_day", slip=(("invitation_approved", 30),), obstacle=BIDS[0], remedy=BIDS[1]),
    Spec(23, "จัดซื้อเรือตรวจการณ์", 1_900_000, "e-bidding", D(2022, 10, 3), "completed", delivery=100,
         slip=(("bid_day", -2),)),
    Spec(24, "ปรับปรุงห้องน้ำอาคารสำนักงาน", 620_000, "e-bidding", D(2022, 10, 3), "completed", delivery=90),
    Spec(25, "ก่อสร้างป้ายสำนักงาน", 540_000, "e-bidding", D(2022, 10, 4), "completed", late_rounds=(4,)),
    Spec(26, "ปรับปรุงระบบไฟฟ้าอาคาร", 1_450_000, "e-bidding", D(2023, 5, 15), "late",
         entered=D(2023, 5, 10), obstacle=BUDGET[0], remedy=BUDGET[1]),
    # Operating-budget services by e-bidding: only the year-end rule applies.
    Spec(0, "จ้างเหมาบริการทำความสะอาด ปี 2567", 1_050_000, "e-bidding", D(2023, 8, 1), "at_risk",
         entered=D(2023, 7, 20), category="operating"),
    Spec(11, "จ้างที่ปรึกษาออกแบบอาคารสำนักงาน", 6_500_000, "e-bidding", D(2023, 7, 10), "at_risk",
         entered=D(2023, 7, 5), category="operating"),
    Spec(3, "จ้างเหมารักษาความปลอดภัย ปี 2567", 880_000, "e-bidding", D(2023, 6, 19), "late",
         entered=D(2023, 6, 12), category="operating", stop="purchase_report", slip=(("tor_price", 15),),
         obstacle=TOR[0], remedy=TOR[1]),
    # 5-10 M: the draft hearing is mandatory and the invitation runs longer.
    Spec(1, "ก่อสร้างอาคารอเนกประสงค์ 2 ชั้น", 7_800_000, "e-bidding", D(2022, 9, 26), "on_track", delivery=260,
         entered=D(2022, 10, 3)),
    Spec(2, "ก่อสร้างสะพานคอนกรีตเสริมเหล็ก", 9_500_000, "e-bidding", D(2022, 10, 3), "late", delivery=240,
         slip=(("draft_hearing", 18),), obstacle=TOR[0], remedy=TOR[1], late_rounds=(3,)),
    Spec(4, "ปรับปรุงอาคารศูนย์บริการประชาชน", 6_200_000, "e-bidding", D(2022, 10, 17), "late",
         stop="appeal_window", slip=(("winner_announced", 120),), obstacle=APPEAL[0], remedy=APPEAL[1]),
    Spec(5, "ก่อสร้างระบบระบายน้ำ", 8_900_000, "selection", D(2022, 10, 3), "on_track", delivery=250),
    # 10-50 M and above: multi-year contracts, the Q2 rule.
    Spec(6, "ก่อสร้างอาคารสำนักงานแห่งใหม่ (ผูกพัน 2 ปี)", 28_000_000, "e-bidding", D(2022, 11, 1), "on_track",
         multi_year=True, delivery=540),
    Spec(8, "ก่อสร้างถนนเลียบคลอง (ผูกพัน 2 ปี)", 42_000_000, "e-bidding", D(2022, 11, 15), "late",
         multi_year=True, delivery=480, slip=(("invitation_approved", 25),), obstacle=TOR[0], remedy=TOR[1]),
    Spec(10, "ก่อสร้างศูนย์ป้องกันและบรรเทาสาธารณภัย (ผูกพัน 3 ปี)", 64_000_000, "e-bidding", D(2022, 10, 24),
         "late", multi_year=True, delivery=150, stop="acceptance", slip=(("bid_day", 10),), obstacle=DELIVERY[0],
         remedy=DELIVERY[1]),
    Spec(12, "ก่อสร้างเขื่อนป้องกันตลิ่ง", 16_500_000, "e-bidding", D(2022, 9, 20), "on_track", delivery=300,
         entered=D(2022, 10, 3)),
    Spec(14, "จัดซื้อรถบรรทุกน้ำดับเพลิง", 11_200_000, "e-bidding", D(2022, 10, 10), "late",
         stop="winner_announced", slip=(("evaluation", 140),), obstacle=APPEAL[0], remedy=APPEAL[1],
         skip_rounds=(7, 8)),
    Spec(20, "ปรับปรุงระบบสารสนเทศจังหวัด", 5_400_000, "e-bidding", D(2023, 7, 3), "late",
         entered=D(2023, 6, 26), obstacle=BUDGET[0], remedy=BUDGET[1]),
)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BANGKOK).astimezone(UTC)


class _Replay:
    """Collects dated events for every project, then runs them in date order through the actions."""

    def __init__(self, actor: Any, fy: FiscalYear, today: date) -> None:
        self.actor, self.fy, self.today = actor, fy, today
        self.cal = queries.work_calendar()
        self.events: list[tuple[date, int, int, Callable[[], None]]] = []

    def add(self, day: date, order: int, run: Callable[[], None]) -> None:
        if day <= self.today:
            self.events.append((day, order, len(self.events), run))

    def run(self) -> None:
        """Each event's audit rows are dated on its day (the demo's history), not at load time."""
        for day, order, _n, run in sorted(self.events, key=lambda e: e[:3]):
            with dated_at(_at(day, 9 + order)):
                run()


def _tail(cal: Any, contract: date, delivery: int) -> dict[str, date]:
    """The dates the officer plans once the contract is signed: acceptance at the end of the contract's
    term, payment within the 5 working days the cabinet allows, closure a week later."""
    acceptance = cal.working_day_on_or_before(contract + timedelta(days=delivery))
    payment = cal.add_working_days(acceptance, 4)
    return {"acceptance": acceptance, "payment": payment, "closed": cal.add_working_days(payment, 5)}


def _actuals(spec: Spec, planned: dict[str, date | None], cal: Any, today: date) -> tuple[dict[str, date], dict[str, date]]:
    """The dates the profile says each milestone happened (up to today), and the re-planned tail."""
    done: dict[str, date] = {}
    tail: dict[str, date] = {}
    shift, previous = 0, None
    shifts = dict(spec.slip)
    for code, day in planned.items():
        if day is None:
            continue
        if code == spec.stop:
            break
        if code in tail:
            day, shift = tail[code], 0 if code == "acceptance" else shift
        shift += shifts.get(code, 0)
        actual = cal.add_working_days(day, shift)
        if previous is not None and actual < previous:
            actual = previous
        if actual > today:
            break
        done[code] = previous = actual
        if code == CONTRACT:
            tail = _tail(cal, actual, spec.delivery)
    return done, tail


def _plan_project(replay: _Replay, spec: Spec, unit: Org, settings: queries.UnitSettings) -> list[Project]:
    actor, fy, cal, today = replay.actor, replay.fy, replay.cal, replay.today
    holder: list[Project] = []

    def create() -> None:
        project, _notes = actions.project_create(
            actor=actor, fiscal_year=fy, unit=unit, name=spec.name, allocated=spec.baht * BAHT, method=spec.method,
            category=spec.category, multi_year=spec.multi_year, start=spec.start, now=_at(spec.entered, 9),
            fund_code=fund_code(be_year=fy.be_year, source="11",
                                expense_class="320" if spec.category == "capital" else "210"),
            egp_number=f"{(fy.be_year - 1) % 100:02d}{unit.pk % 1000:03d}{DEMO_PROJECTS.index(spec):06d}",
            officer_name="เจ้าหน้าที่พัสดุ " + unit.name_th[:40],
        )
        holder.append(project)

    replay.add(spec.entered, 0, create)
    plan = generate_plan(value_satang=spec.baht * BAHT, method=spec.method, start=spec.start, calendar=cal,
                         strict_method=False)
    planned = {code: plan.planned(code) for code in load_template().method(spec.method).milestone_ids}
    done, tail = _actuals(spec, planned, cal, today)
    for code, day in done.items():
        when = max(day, spec.entered)  # a step done before the project was entered is recorded on entry
        replay.add(when, 1, partial(_record_first, replay, spec, holder, code, day, when, tail))
    if CONTRACT in done:
        _instalments(replay, spec, holder, done, tail)
    _rounds(replay, spec, settings, holder)
    return holder


def _record_first(replay: _Replay, spec: Spec, holder: list[Project], code: str, day: date, when: date,
                  tail: dict[str, date]) -> None:
    _record(replay, spec, holder[0], code, day, when, tail)


def _record(replay: _Replay, spec: Spec, project: Project, code: str, day: date, when: date,
            tail: dict[str, date]) -> None:
    """One milestone done; signing also brings the contract details, the re-planned tail and the instalments."""
    actor, fy = replay.actor, replay.fy
    if code == CONTRACT:
        actions.project_update(actor=actor, project=project, now=_at(day, 15), contract_value=spec.baht * BAHT * 97 // 100,
                               contract_number=f"{project.pk}/{fy.be_year}", contractor="ห้างหุ้นส่วนจำกัด ทุ่งทองการช่าง")
    actions.milestones_update(actor=actor, project=project, now=_at(when, 16), actual={code: day},
                              planned=tail if code == CONTRACT else None)
    last = project.instalments.order_by("seq").last()
    if code == "acceptance" and last:
        actions.instalment_update(actor=actor, instalment=last, now=_at(day, 17), deliverable=last.deliverable,
                                  due_date=last.due_date, amount=last.amount, accepted_on=day)
    if code == "payment" and last:
        actions.instalment_update(actor=actor, instalment=last, now=_at(day, 17), deliverable=last.deliverable,
                                  due_date=last.due_date, amount=last.amount, accepted_on=last.accepted_on, paid_on=day)


def _instalments(replay: _Replay, spec: Spec, holder: list[Project], done: dict[str, date], tail: dict[str, date]) -> None:
    """Three instalments above 2 M baht (one below), due across the contract's term; the earlier ones
    are accepted on time (late when the acceptance slips) and paid four working days later."""
    cal, signed = replay.cal, done[CONTRACT]
    parts = 3 if spec.baht > 2_000_000 else 1
    due = [cal.working_day_on_or_before(signed + timedelta(days=spec.delivery * (k + 1) // parts)) for k in range(parts)]
    due[-1] = tail["acceptance"]

    def split() -> None:
        actions.instalments_split(actor=replay.actor, project=holder[0], due_dates=due, now=_at(signed, 17),
                                  deliverables=[f"งวดที่ {k + 1}" for k in range(parts)])

    replay.add(signed, 1, split)
    lag = dict(spec.slip).get("acceptance", 0)
    for k in range(parts - 1):
        if spec.stop == "acceptance" and k:
            break
        accepted = cal.add_working_days(due[k], lag)
        paid = cal.add_working_days(accepted, 4)

        def accept(k: int = k, accepted: date = accepted, paid: date | None = None) -> None:
            item = holder[0].instalments.get(seq=k + 1)
            actions.instalment_update(actor=replay.actor, instalment=item, now=_at(accepted if paid is None else paid, 17),
                                      deliverable=item.deliverable, due_date=item.due_date, amount=item.amount,
                                      accepted_on=accepted, paid_on=paid)

        replay.add(accepted, 3, accept)
        replay.add(paid, 3, partial(accept, k, accepted, paid))


def _rounds(replay: _Replay, spec: Spec, settings: queries.UnitSettings, holder: list[Project]) -> None:
    """An update every round from the one the project was entered in; late or missing where the spec says."""
    rounds = list(settings.rounds) or [queries.month_round(m.first_day) for m in replay.fy.months]
    for r in rounds:
        index = Month.of(r.month).fiscal_index
        if r.deadline < spec.entered or index in spec.skip_rounds:
            continue
        day = r.deadline + timedelta(days=4) if index in spec.late_rounds else max(
            r.deadline - timedelta(days=2), spec.entered)
        if day > replay.today:
            day = replay.today if r.month <= replay.today else day
        fresh = spec.entered >= r.month

        def file(r: queries.Round = r, day: date = day, fresh: bool = fresh) -> None:
            quiet = fresh or spec.obstacle == Spec.obstacle
            actions.round_update(actor=replay.actor, project=holder[0], now=_at(day, 11), round_month=r.month,
                                 obstacles="ไม่มีปัญหาอุปสรรค" if quiet else spec.obstacle,
                                 remedy="-" if quiet else spec.remedy)
        replay.add(day, 2, file)


@transaction.atomic
def load_procurement_demo(*, actor: Any, fiscal_year: FiscalYear | int, units: list[Org], today: date) -> list[Project]:
    """Build the demo projects (see DEMO_PROJECTS) for `units` as of `today` (the demo loader: its DEMO_TODAY, 30 Sep 2023; the specs state statuses as of 31 Jul 2023).

    Units are taken by position (a spec's `unit` modulo their number). Returns the projects made,
    in the order of DEMO_PROJECTS. Projects of a fiscal year that already has demo projects are
    not made twice.
    """
    fy = queries.fiscal_year_obj(fiscal_year)
    if not units:
        return []
    names = [s.name for s in DEMO_PROJECTS]
    if Project.objects.filter(fiscal_year=fy, name__in=names).exists():
        return list(Project.objects.filter(fiscal_year=fy, name__in=names).order_by("pk"))
    for scheme in Scheme.objects.filter(fiscal_year=fy, units__in=units, procurement__isnull=True).distinct():
        actions.procurement_settings_set(actor=actor, scheme=scheme, deadline_schemes=["cabinet-2569"],
                                         custom_deadlines=PROVINCE_DEADLINES)
    settings = queries.unit_settings(fiscal_year=fy, units=units)
    replay = _Replay(actor, fy, today)
    holders = []
    for spec in DEMO_PROJECTS:
        unit = units[spec.unit % len(units)]
        holders.append(_plan_project(replay, spec, unit, settings[unit.pk]))
    replay.run()
    return [h[0] for h in holders if h]


def expected_status(project: Project) -> str:
    """The status the demo spec of this project states (for tests and the README)."""
    return next(s.expect for s in DEMO_PROJECTS if s.name == project.name)


def spec_of(name: str) -> Spec:
    return next(s for s in DEMO_PROJECTS if s.name == name)
