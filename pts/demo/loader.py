"""The demo: a fictional province and a fictional bureau in FY2566, built through the real actions.

1. People and organisations (org_create, user_create, role_grant).
2. Province `demo-province-2566`: ~25 agencies, allocations by category, monthly commitments and
   disbursements through September 2023 (some units ahead, some lagging, some with no capital budget),
   transfers, a quarter-end pull-back to the centre, governance evidence, June reports, and one
   agency ahead of the curve all year (it reaches the rule set's award tiers).
3. Bureau `demo-bureau-2566`: 10 work groups, reservation forms, governance evidence (criterion 1-3),
   monthly reports by the 25th (some late, one returned and corrected), accepted into the ledger.
Everything runs in one transaction; a second run finds the schemes and changes nothing.

The story stops on `DEMO_TODAY`, 30 Sep 2023, the last day of FY2566 (year-end checkpoints scored,
awards decided): `make run` serves the demo with `PTS_TODAY` set to it (`pts.core.clock`), so pages
open on September 2566. Every audit row the loader writes is dated on the day
its event happened (`pts.audit.actions.dated_at`), the set-up on `SETUP_DAY`; documents carry BE
numbers and dates ("ลว. 3 ต.ค. 2565").
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from pts.audit.actions import dated_at
from pts.budget import actions as ledger
from pts.budget.models import Category, FiscalYear
from pts.budget.queries import unit_figures
from pts.core.fiscal import Month, fiscal_months, thai_date
from pts.organisations.actions import org_create, role_grant, user_create
from pts.organisations.models import Org, OrgKind, Role, User
from pts.organisations.permissions import SYSTEM, Actor
from pts.procurement.demo import load_procurement_demo
from pts.reporting import actions as reporting
from pts.reporting.models import EvidenceKind, ReportingPeriod
from pts.schemes.actions import scheme_create
from pts.schemes.models import Scheme

PROVINCE_SCHEME = "demo-province-2566"
BUREAU_SCHEME = "demo-bureau-2566"
DEMO_PASSWORD = "pts-demo-2566"  # noqa: S105 - published on purpose; load_demo refuses production
FY = 2566
BANGKOK = ZoneInfo("Asia/Bangkok")
LAST_MONTH = Month(2023, 9)
# The demo's "today", the last day of FY2566: the year-end checkpoints are scored and the awards
# decided. `make run` passes it as PTS_TODAY.
DEMO_TODAY = date(2023, 9, 30)
SETUP_DAY = date(2022, 9, 30)  # people, organisations and schemes set up the day before FY2566
PROVINCE_REPORT_MONTH = Month(2023, 8)  # reported by 5 Sep; September's are not due until 5 Oct
# The agency (by position among the province's units) that keeps ahead of the curve all year, and
# its pace: with a full procurement record it reaches the award tiers of the province's rule set.
AHEAD = {1: 1.15}

# DOH FY2566 cumulative targets (per cent), used to shape plausible spending, not to score.
OVERALL_CURVE = [9, 19, 32, 39, 45, 50, 58, 67, 75, 85, 93, 100]
CAPITAL_CURVE = [0, 18, 29, 40, 51, 61, 71, 81, 90, 100, 100, 100]

AGENCIES = [
    "สำนักงานจังหวัดทุ่งทอง", "สำนักงานสาธารณสุขจังหวัดทุ่งทอง", "สำนักงานเกษตรจังหวัดทุ่งทอง",
    "สำนักงานพัฒนาชุมชนจังหวัดทุ่งทอง", "สำนักงานโยธาธิการและผังเมืองจังหวัดทุ่งทอง",
    "สำนักงานปศุสัตว์จังหวัดทุ่งทอง", "สำนักงานประมงจังหวัดทุ่งทอง", "สำนักงานพาณิชย์จังหวัดทุ่งทอง",
    "สำนักงานแรงงานจังหวัดทุ่งทอง", "สำนักงานจัดหางานจังหวัดทุ่งทอง",
    "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดทุ่งทอง", "สำนักงานวัฒนธรรมจังหวัดทุ่งทอง",
    "สำนักงานการท่องเที่ยวและกีฬาจังหวัดทุ่งทอง", "สำนักงานทรัพยากรธรรมชาติและสิ่งแวดล้อมจังหวัดทุ่งทอง",
    "สำนักงานป้องกันและบรรเทาสาธารณภัยจังหวัดทุ่งทอง", "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดทุ่งทอง",
    "สำนักงานที่ดินจังหวัดทุ่งทอง", "สำนักงานสถิติจังหวัดทุ่งทอง", "สำนักงานพลังงานจังหวัดทุ่งทอง",
    "สำนักงานอุตสาหกรรมจังหวัดทุ่งทอง", "สำนักงานสหกรณ์จังหวัดทุ่งทอง", "สำนักงานศึกษาธิการจังหวัดทุ่งทอง",
    "สำนักงานขนส่งจังหวัดทุ่งทอง", "ที่ทำการปกครองจังหวัดทุ่งทอง", "สำนักงานคุมประพฤติจังหวัดทุ่งทอง",
]  # fmt: skip
WORK_GROUPS = [
    "กลุ่มอำนวยการ", "กลุ่มแผนงานและประเมินผล", "กลุ่มพัฒนาระบบบริการทันตกรรม", "กลุ่มส่งเสริมสุขภาพช่องปากเด็ก",
    "กลุ่มทันตสุขภาพผู้สูงอายุ", "กลุ่มวิจัยและพัฒนา", "กลุ่มพัฒนากำลังคน", "กลุ่มสื่อสารสาธารณะ",
    "กลุ่มยุทธศาสตร์และนโยบาย", "กลุ่มเทคโนโลยีสารสนเทศ",
]  # fmt: skip


def _pdf(text: str) -> bytes:
    """A tiny valid one-page PDF whose content differs per document."""
    stream = f"BT /F1 12 Tf 40 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BANGKOK).astimezone(UTC)


def _on(day: date, hour: int = 10) -> Any:
    """Audit rows written inside are dated on the demo's `day`, not at load time."""
    return dated_at(_at(day, hour))


def _ref(prefix: str, number: int | str, day: date) -> str:
    """A BE document number: "ทท 0017.3/ว 101 ลว. 3 ต.ค. 2565"."""
    return f"{prefix} {number} ลว. {thai_date(day)}"


def _baht(amount: int) -> int:
    """Whole baht -> satang."""
    return amount * 100


class DemoBuilder:
    def __init__(self) -> None:
        self.rng = random.Random(FY)  # noqa: S311 - deterministic demo data, not security
        self.fy = FiscalYear.objects.get_or_create(be_year=FY)[0]
        self.months = [m for m in fiscal_months(FY) if m <= LAST_MONTH]

    # -- people --------------------------------------------------------------------------
    def person(self, username: str, name: str, *, role: str | None = None, org: Org | None = None,
               admin: bool = False, actor: Actor) -> User:
        user = user_create(actor=actor, username=username, password=DEMO_PASSWORD, display_name=name,
                           is_superuser=admin)
        if role and org:
            role_grant(actor=actor, user=user, org=org, role=role)
        return user

    # -- province ------------------------------------------------------------------------
    def province(self, admin: User) -> None:
        rng = self.rng
        province = org_create(actor=admin, code="TT", name_th="จังหวัดทุ่งทอง (สมมติ)",
                              name_en="Thung Thong Province (fictional)", kind=OrgKind.PROVINCE)
        treasury = self.person("treasury", "คลังจังหวัดทุ่งทอง", role=Role.COORDINATOR, org=province, actor=admin)
        self.person("governor", "ผู้ว่าราชการจังหวัดทุ่งทอง", role=Role.EXECUTIVE, org=province, actor=admin)
        units: list[Org] = []
        for i, name in enumerate(AGENCIES, 1):
            agency = org_create(actor=admin, code=f"TT-{i:02d}", name_th=name, kind=OrgKind.AGENCY, parent=province)
            for j in range(2 if i in (2, 5) else 1):
                suffix = "" if j == 0 else " (ส่วนกลาง)"
                units.append(org_create(actor=admin, code=f"90{i:02d}{j:02d}0{rng.randint(100, 999)}"[:10].ljust(10, "0"),
                                        name_th=f"{name} (หน่วยเบิกจ่าย{suffix})", kind=OrgKind.DISBURSING_UNIT, parent=agency))
            if i <= 2:
                self.person(f"officer{i:02d}", f"เจ้าหน้าที่การเงิน {name}", role=Role.OFFICER, org=agency, actor=admin)
        scheme = scheme_create(
            actor=treasury, code=PROVINCE_SCHEME, name="โครงการเพิ่มประสิทธิภาพด้านการเงินการคลัง จังหวัดทุ่งทอง 2566 (สาธิต)",
            kind="province", fiscal_year=self.fy, coordinator_org=province, units=units,
            rule_set="province-pts-template", as_of_day=None, deadline_day=5, deadline_month_offset=1,
        )
        profiles = [1.12, 1.05, 1.0, 0.97, 0.9, 0.78, 0.65]
        plans = []
        for n, unit in enumerate(units):
            factor = AHEAD.get(n, profiles[n % len(profiles)])
            alloc: dict[str, int] = {
                Category.OPERATING: _baht(rng.randrange(800_000, 9_000_000, 10_000)),
                Category.CAPITAL: 0 if n % 5 == 3 else _baht(rng.randrange(300_000, 25_000_000, 50_000)),
                Category.SUBSIDY: _baht(rng.randrange(200_000, 3_000_000, 10_000)) if n % 3 == 0 else 0,
                Category.PERSONNEL: _baht(rng.randrange(1_000_000, 6_000_000, 10_000)) if n % 4 == 0 else 0,
                Category.OTHER: _baht(rng.randrange(50_000, 400_000, 1_000)) if n % 6 == 1 else 0,
            }
            day = date(2022, 10, 3)
            for category, amount in alloc.items():
                if amount:
                    with _on(day):
                        ledger.allocation_record(actor=treasury, fiscal_year=self.fy, unit=unit, category=category,
                                                 amount=amount, effective_date=day,
                                                 document_ref=_ref("ทท 0017.3/ว", 101 + n, day),
                                                 note="จัดสรรงบประมาณประจำปี")
            plans.append((unit, factor, alloc))
        self._spend_province(treasury, province, plans)
        self._governance(treasury, units)
        self._province_reports(scheme, units, treasury)
        load_procurement_demo(actor=treasury, fiscal_year=self.fy, units=units, today=DEMO_TODAY)

    def _spend_province(self, actor: User, centre: Org, plans: list[tuple[Org, float, dict[str, int]]]) -> None:
        rng = self.rng
        done: dict[tuple[int, str], int] = {}
        committed: dict[tuple[int, str], int] = {}
        for idx, month in enumerate(self.months):
            day = month.day(25)
            for unit, factor, alloc in plans:
                for category, amount in alloc.items():
                    if not amount:
                        continue
                    key = (unit.pk, category)
                    if category == Category.CAPITAL:
                        # Contracts signed between November and January, paid per instalment afterwards.
                        if month in (Month(2022, 11), Month(2022, 12), Month(2023, 1)) and committed.get(key, 0) < amount * 9 // 10:
                            po = amount * 3 // 10 if month != Month(2023, 1) else amount * 9 // 10 - committed.get(key, 0)
                            if po > 0:
                                signed = month.day(20)
                                with _on(signed, 14):
                                    ledger.commitment_record(
                                        actor=actor, fiscal_year=self.fy, unit=unit, category=category, amount=po,
                                        effective_date=signed, commitment_type="po",
                                        document_ref=_ref("ใบสั่งซื้อเลขที่", f"{unit.code[-4:]}-{idx:02d}/{FY}", signed))
                                committed[key] = committed.get(key, 0) + po
                        share = min(1.0, CAPITAL_CURVE[idx] / 100 * factor)
                        target = min(int(amount * share), committed.get(key, 0))
                        settles = True
                    else:
                        share = OVERALL_CURVE[idx] / 100 * factor * rng.uniform(0.95, 1.04)
                        target = int(amount * min(share, 1.0))
                        settles = False
                    # Account for transfers/pull-backs: never pay above the current allocation.
                    target = min(target, self._current(unit, category, day))
                    delta = target - done.get(key, 0)
                    if delta > 0:
                        with _on(day, 15):
                            ledger.disbursement_record(
                                actor=actor, fiscal_year=self.fy, unit=unit, category=category, amount=delta,
                                effective_date=day, settles_commitment=settles,
                                document_ref=_ref("ขบ.", f"{unit.code[-4:]}{idx + 1:02d}/{FY}", day))
                        done[key] = target
            if month == Month(2022, 12):
                self._quarter_end_pullback(actor, centre, plans, date(2022, 12, 30))
            if month == Month(2023, 2):
                self._transfers(actor, plans, date(2023, 2, 27))

    def _current(self, unit: Org, category: str, day: date) -> int:
        figures = unit_figures(fiscal_year=self.fy, unit=unit, as_of=day, include_subtree=False)
        return figures[category].current_allocation if category in figures else 0

    def _quarter_end_pullback(self, actor: User, centre: Org, plans: list[Any], day: date) -> None:
        """Units that missed the Q1 curve lose a share of their idle operating money, without appeal."""
        lagging = [unit for unit, factor, alloc in plans if factor < 0.8 and alloc[Category.OPERATING]]
        for unit in lagging[:3]:
            figures = unit_figures(fiscal_year=self.fy, unit=unit, as_of=day, include_subtree=False)[Category.OPERATING]
            amount = figures.remaining // 10 // 100 * 100  # a tenth of what is idle, in whole baht
            if amount > 0:
                with _on(day):
                    ledger.allocation_pullback(actor=actor, fiscal_year=self.fy, unit=unit, centre=centre,
                                               category=Category.OPERATING, amount=amount, effective_date=day,
                                               document_ref=_ref("ทท 0017.3/ว", 412, day),
                                               note="ดึงเงินกลับเมื่อสิ้นไตรมาส 1/2566: เบิกจ่ายไม่เป็นไปตามเป้า")
        leaders = [unit for unit, factor, _alloc in plans if factor > 1.1][:2]
        for unit in leaders:
            with _on(day, 14):
                ledger.allocation_transfer(actor=actor, fiscal_year=self.fy, from_unit=centre, to_unit=unit,
                                           category=Category.OPERATING, amount=_baht(150_000), effective_date=day,
                                           document_ref=_ref("ทท 0017.3/ว", 413, day),
                                           note="จัดสรรเงินที่ดึงคืนให้หน่วยที่เบิกจ่ายได้ดี")

    def _transfers(self, actor: User, plans: list[Any], day: date) -> None:
        pairs = [(plans[3][0], plans[7][0]), (plans[10][0], plans[1][0]), (plans[16][0], plans[8][0])]
        for n, (source, target) in enumerate(pairs, 1):
            with _on(day):
                ledger.allocation_transfer(actor=actor, fiscal_year=self.fy, from_unit=source, to_unit=target,
                                           category=Category.OPERATING, amount=_baht(80_000 * n), effective_date=day,
                                           document_ref=_ref("ทท 0017.3/ว", 620 + n, day),
                                           note="โอนเปลี่ยนแปลงงบประมาณระหว่างหน่วย")

    def _governance(self, actor: User, units: list[Org]) -> None:
        for n, unit in enumerate(units):
            if n % 6 == 5:
                continue  # a few units never post evidence: their governance item scores 0
            upload = self._upload
            upload(actor, unit, EvidenceKind.COMMITTEE_ORDER, None, date(2022, 10, 20 + n % 12))
            for idx, month in enumerate(self.months):
                if n % 7 == 2 and idx in (3, 4):
                    continue  # missed a couple of meetings
                upload(actor, unit, EvidenceKind.MINUTES, month, month.day(12))
                upload(actor, unit, EvidenceKind.PUBLICATION, month, month.day(19 if n % 9 else 23))

    def _upload(self, actor: User, unit: Org, kind: str, month: Month | None, day: date) -> None:
        label = f"{unit.code} {kind} {month.iso() if month else ''}"
        names: dict[str, str] = {
            EvidenceKind.COMMITTEE_ORDER: f"คำสั่งแต่งตั้งคณะกรรมการติดตามเร่งรัดการเบิกจ่าย {FY}",
            EvidenceKind.MINUTES: f"รายงานการประชุมคณะกรรมการ {month.thai_short() if month else ''}",
            EvidenceKind.PUBLICATION: f"รายงานผลการเบิกจ่าย ณ วันที่ 15 {month.thai_short() if month else ''}",
        }
        name = names[kind]
        with _on(day, 11):
            reporting.evidence_upload(
                actor=actor, unit=unit, fiscal_year=self.fy, kind=kind, month=month.first_day if month else None,
                event_date=day, uploaded_file=SimpleUploadedFile(f"{name}.pdf", _pdf(label), "application/pdf"),
                today=DEMO_TODAY,
            )

    def _province_reports(self, scheme: Scheme, units: list[Org], coordinator: User) -> None:
        """Most units confirm their August figures by 5 Sep; the coordinator accepts some; a few have not reported."""
        period = ReportingPeriod.objects.get(scheme=scheme, month=PROVINCE_REPORT_MONTH.first_day)
        for n, unit in enumerate(units):
            if n % 8 == 7:
                continue
            figures = unit_figures(fiscal_year=self.fy, unit=unit, as_of=period.as_of, include_subtree=False)
            lines = {c: (f.committed_total, f.disbursed) for c, f in figures.items() if c != "total"}
            when = _at(period.deadline - timedelta(days=3 - n % 5))
            _ensure_open(period, when, coordinator)
            with dated_at(when):
                report = reporting.report_save_draft(actor=coordinator, period=period, unit=unit, lines=lines,
                                                     obstacles=_obstacle(self.rng), version=0, now=when)
                report = reporting.report_submit(actor=coordinator, report=report, version=report.version, now=when)
            if n % 3 != 2:
                with dated_at(when + timedelta(days=2)):
                    reporting.report_accept(actor=coordinator, report=report, now=when + timedelta(days=2))

    # -- bureau --------------------------------------------------------------------------
    def bureau(self, admin: User) -> None:
        rng = self.rng
        department = org_create(actor=admin, code="DEP-DH", name_th="กรมส่งเสริมสุขภาพชุมชน (สมมติ)",
                                name_en="Department of Community Health (fictional)", kind=OrgKind.DEPARTMENT)
        bureau = org_create(actor=admin, code="BUR-DENT", name_th="สำนักทันตสาธารณสุขชุมชน (สมมติ)",
                            name_en="Bureau of Community Dental Health (fictional)", kind=OrgKind.BUREAU, parent=department)
        planner = self.person("bureau", "กลุ่มแผนงาน สำนักทันตฯ", role=Role.COORDINATOR, org=bureau, actor=admin)
        self.person("director", "ผู้อำนวยการสำนักทันตฯ", role=Role.EXECUTIVE, org=bureau, actor=admin)
        groups = [
            org_create(actor=admin, code=f"WG-{i:02d}", name_th=name, kind=OrgKind.WORK_GROUP, parent=bureau)
            for i, name in enumerate(WORK_GROUPS, 1)
        ]
        for i in (1, 2):
            self.person(f"group{i:02d}", f"เจ้าหน้าที่{groups[i - 1].name_th}", role=Role.OFFICER, org=groups[i - 1], actor=admin)
        scheme = scheme_create(
            actor=planner, code=BUREAU_SCHEME, name="ตัวชี้วัด 2.3 ร้อยละการเบิกจ่ายงบประมาณ สำนักทันตฯ 2566 (สาธิต)",
            kind="department", fiscal_year=self.fy, coordinator_org=bureau, units=groups,
            rule_set="doh-kpi23-2566", as_of_day=25, deadline_day=25, deadline_month_offset=0,
        )
        allocations: dict[int, dict[str, int]] = {}
        for n, group in enumerate(groups):
            alloc: dict[str, int] = {Category.OPERATING: _baht(rng.randrange(600_000, 4_000_000, 10_000))}
            if n in (2, 5, 9):
                alloc[Category.CAPITAL] = _baht(rng.randrange(400_000, 2_500_000, 10_000))
            if n in (3, 6):
                alloc[Category.SUBSIDY] = _baht(rng.randrange(100_000, 800_000, 10_000))
            day = date(2022, 10, 3)
            for category, amount in alloc.items():
                with _on(day):
                    ledger.allocation_record(actor=planner, fiscal_year=self.fy, unit=group, category=category,
                                             amount=amount, effective_date=day,
                                             document_ref=_ref("สทต 0905/ว", n + 1, day))
            allocations[group.pk] = alloc
            self._reservations(planner, group, alloc, n)
        self._governance(planner, groups)
        self._bureau_reports(scheme, groups, allocations, planner)

    def _reservations(self, actor: User, group: Org, alloc: dict[str, int], n: int) -> None:
        rng = self.rng
        for k in range(3 + n % 4):
            amount = alloc[Category.OPERATING] * rng.randint(3, 8) // 100 // 100 * 100
            requested = date(2022, 10 + k % 3, 3 + k)
            with _on(requested):
                form = ledger.reservation_create(
                    actor=actor, fiscal_year=self.fy, unit=group, category=Category.OPERATING,
                    number=f"{group.code}-{k + 1:03d}/{FY}", requester=f"นางสาวทดสอบ ลำดับ{k + 1}", amount=amount,
                    requested_on=requested,
                    purpose=rng.choice(["อบรมเชิงปฏิบัติการ", "ประชุมคณะทำงาน", "จัดซื้อวัสดุทันตกรรม", "ลงพื้นที่นิเทศงาน"]),
                )
            if k % 4 == 3:
                cancelled = date(2022, 12, 1 + k)
                with _on(cancelled):
                    ledger.reservation_cancel(actor=actor, reservation=form, effective_date=cancelled,
                                              note="ยกเลิกกิจกรรม")
            elif k % 4 != 2:
                ordered = date(2022, 11 + k % 2, 10 + k)
                with _on(ordered, 14):
                    ledger.reservation_commit(actor=actor, reservation=form, effective_date=ordered,
                                              document_ref=_ref("ใบสั่งซื้อเลขที่",
                                                                f"{group.code[-2:]}{k + 1:02d}/{FY}", ordered))

    def _bureau_reports(self, scheme: Scheme, groups: list[Org], allocations: dict[int, dict[str, int]],
                        coordinator: User) -> None:
        rng = self.rng
        factors = [1.1, 1.05, 1.0, 1.0, 0.95, 0.9, 0.85, 0.8, 0.7, 1.02]
        for idx, month in enumerate(self.months):
            period = ReportingPeriod.objects.get(scheme=scheme, month=month.first_day)
            for n, group in enumerate(groups):
                if month == LAST_MONTH and n >= 8:
                    continue  # two groups have not reported September yet
                figures = unit_figures(fiscal_year=self.fy, unit=group, as_of=period.as_of, include_subtree=False)
                lines: dict[str, tuple[int, int]] = {}
                for category, amount in allocations[group.pk].items():
                    current = figures[category]
                    curve = CAPITAL_CURVE if category == Category.CAPITAL else OVERALL_CURVE
                    share = min(1.0, curve[idx] / 100 * factors[n] * rng.uniform(0.97, 1.03))
                    # never above what is free: money earmarked by an open reservation form stays reserved
                    free = current.current_allocation - current.reserved
                    disbursed = max(current.disbursed, min(int(amount * share), free))
                    committed = max(current.committed_total, disbursed)
                    lines[category] = (committed, disbursed)
                late = (n + idx) % 7 == 0
                when = _at(period.deadline + timedelta(days=2) if late else period.deadline - timedelta(days=1 + n % 4))
                officer = coordinator
                _ensure_open(period, when, coordinator)
                with dated_at(when):
                    report = reporting.report_save_draft(actor=officer, period=period, unit=group, lines=lines,
                                                         obstacles=_obstacle(rng), version=0, now=when)
                    report = reporting.report_submit(actor=officer, report=report, version=report.version, now=when)
                if month == LAST_MONTH and n % 3 == 0:
                    continue  # September: submitted, waiting for the coordinator
                if n == 4 and month == Month(2023, 3):
                    returned, fixed = when + timedelta(hours=5), when + timedelta(days=1)
                    with dated_at(returned):
                        report = reporting.report_return(actor=coordinator, report=report, now=returned,
                                                         reason="ยอดก่อหนี้ผูกพันไม่ตรงกับ GFMIS กรุณาตรวจสอบ")
                    with dated_at(fixed):
                        report = reporting.report_save_draft(actor=officer, period=period, unit=group, lines=lines,
                                                             obstacles=report.obstacles + " (แก้ไขแล้ว)",
                                                             version=report.version, now=fixed)
                        report = reporting.report_submit(actor=officer, report=report, version=report.version,
                                                         now=fixed)
                accepted = when + timedelta(days=1, hours=6)
                with dated_at(accepted):
                    reporting.report_accept(actor=coordinator, report=report, now=accepted)


def _ensure_open(period: ReportingPeriod, when: datetime, coordinator: User) -> None:
    """A unit that is late asks the coordinator to reopen the locked period for a few days."""
    period.refresh_from_db()
    if period.is_locked(when):
        with dated_at(when):
            reporting.period_reopen(actor=coordinator, period=period, until=when + timedelta(days=3),
                                    reason="ขยายเวลาให้หน่วยที่ส่งรายงานล่าช้า", now=when)


def _obstacle(rng: random.Random) -> str:
    return rng.choice([
        "ไม่มีปัญหาอุปสรรค",
        "ผู้รับจ้างส่งมอบงานล่าช้า อยู่ระหว่างเร่งรัด",
        "รอการอนุมัติโอนเปลี่ยนแปลงงบประมาณ",
        "ร่าง TOR ต้องแก้ไขตามความเห็นคณะกรรมการ",
        "เจ้าหน้าที่การเงินลาคลอด มีผู้ปฏิบัติงานแทน",
    ])  # fmt: skip


def demo_is_loaded() -> bool:
    return Scheme.objects.filter(code__in=[PROVINCE_SCHEME, BUREAU_SCHEME]).count() == 2


@transaction.atomic
def load_demo() -> bool:
    """Build the demo once; False when it was already there (then nothing changes)."""
    if demo_is_loaded():
        return False
    with _on(SETUP_DAY, 9):  # what is not dated on its own day was set up the day before the year
        builder = DemoBuilder()
        admin = builder.person("admin", "ผู้ดูแลระบบ", admin=True, actor=SYSTEM)
        builder.province(admin)
        builder.bureau(admin)
    return True


DEMO_LOGINS = [
    ("admin", "administrator", "ทั้งระบบ / everything"),
    ("treasury", "coordinator", "จังหวัดทุ่งทอง (สมมติ)"),
    ("governor", "executive", "จังหวัดทุ่งทอง (สมมติ)"),
    ("officer01", "officer", "สำนักงานจังหวัดทุ่งทอง"),
    ("officer02", "officer", "สำนักงานสาธารณสุขจังหวัดทุ่งทอง"),
    ("bureau", "coordinator", "สำนักทันตสาธารณสุขชุมชน (สมมติ)"),
    ("director", "executive", "สำนักทันตสาธารณสุขชุมชน (สมมติ)"),
    ("group01", "officer", "กลุ่มอำนวยการ"),
    ("group02", "officer", "กลุ่มแผนงานและประเมินผล"),
]


def print_logins(out: TextIO | Any) -> None:
    out.write(f"Demo logins (password for all: {DEMO_PASSWORD})\n")
    for username, role, scope in DEMO_LOGINS:
        out.write(f"  {username:<10} {role:<14} {scope}\n")
