"""`units`: the organisation list at the start of a year: code, name, the parent's code.

A unit already in PTS is updated (its name, its parent), never duplicated; a new one is created
under its parent, which may be an existing unit or one further down the same file (rows in any
order: the tree is resolved once every row is read). Refused, naming the row: a code twice in the
file, an unknown parent, a cycle (a unit under itself), a kind that cannot sit under its parent,
and a unit or parent the importer does not coordinate. Optional columns: the English name and the
kind (province, agency, disbursing unit, department, bureau, work group; by default the usual
child of the parent's kind: a 10-digit code under a province is a disbursing unit).

Written in one go through `pts.organisations.bulk` (parents first, paths set), recorded as the
import's one audit row. Undo deletes the units the import created (or deactivates those something
now refers to) and gives updated units back their earlier name and parent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pts.core.thai import bilingual
from pts.imports import cells
from pts.imports.cells import CellError
from pts.imports.layouts.base import Context, Field, Layout, RowError, fold
from pts.imports.models import StagedRow
from pts.organisations import bulk
from pts.organisations.actions import GFMIS_CODE
from pts.organisations.models import ALLOWED_PARENTS, Membership, Org, OrgKind, Role, User
from pts.organisations.permissions import SystemActor

KINDS: dict[str, str] = {}
for _kind, _names in (
    (OrgKind.PROVINCE, ("province", "จังหวัด")),
    (OrgKind.AGENCY, ("agency", "หน่วยงาน", "ส่วนราชการ")),
    (OrgKind.DISBURSING_UNIT, ("disbursing_unit", "disbursing unit", "หน่วยเบิกจ่าย")),
    (OrgKind.DEPARTMENT, ("department", "กรม")),
    (OrgKind.BUREAU, ("bureau", "สำนัก", "กอง")),
    (OrgKind.WORK_GROUP, ("work_group", "work group", "กลุ่มงาน", "กลุ่ม")),
):
    for _name in _names:
        KINDS[fold(_name)] = str(_kind)
KIND_TH = {OrgKind.PROVINCE: "จังหวัด", OrgKind.AGENCY: "หน่วยงาน", OrgKind.DISBURSING_UNIT: "หน่วยเบิกจ่าย",
           OrgKind.DEPARTMENT: "กรม", OrgKind.BUREAU: "สำนัก", OrgKind.WORK_GROUP: "กลุ่มงาน"}
KIND_EN = {OrgKind.PROVINCE: "province", OrgKind.AGENCY: "agency", OrgKind.DISBURSING_UNIT: "disbursing unit",
           OrgKind.DEPARTMENT: "department", OrgKind.BUREAU: "bureau", OrgKind.WORK_GROUP: "work group"}
CHILD = {OrgKind.AGENCY: OrgKind.DISBURSING_UNIT, OrgKind.DEPARTMENT: OrgKind.BUREAU, OrgKind.BUREAU: OrgKind.WORK_GROUP}


def _kind_th(kind: str | None) -> str:
    return KIND_TH.get(kind, "ระดับบนสุด") if kind else "ระดับบนสุด"  # type: ignore[call-overload]


def _kind_en(kind: str | None) -> str:
    return KIND_EN.get(kind, "the top") if kind else "the top"  # type: ignore[call-overload]


class Units(Layout):
    code = "units"
    th = "รายชื่อหน่วยงาน"
    en = "unit list"
    ledger = False
    coordinator_only = True
    fields = (
        Field("code", "รหัส", "code", ("รหัสหน่วยงาน", "unit code")),
        Field("name", "ชื่อหน่วยงาน", "name", ("ชื่อ", "name_th", "ชื่อ (ไทย)")),
        Field("parent", "รหัสหน่วยงานต้นสังกัด", "parent", ("parent code", "ต้นสังกัด", "รหัสต้นสังกัด")),
        Field("name_en", "ชื่อภาษาอังกฤษ", "name_en", ("english name", "name (english)"), required=False),
        Field("kind", "ประเภท", "kind", ("ประเภทหน่วยงาน", "type"), required=False),
    )

    def begin(self, ctx: Context) -> None:
        ctx.state["rows"] = {}  # code -> (line, name_th, name_en, parent code or None, kind or None)

    def row(self, ctx: Context, row: Sequence[Any], line: int) -> Iterable[dict[str, Any]]:
        problems: list[tuple[str, str, str]] = []
        code = parent = None
        try:
            code = cells.code(ctx.cell(row, "code"), what=("รหัสหน่วยงาน", "unit code"))
        except CellError as exc:
            problems.append(("code", cells.shown(ctx.cell(row, "code")), exc.message))
        if cells.text(ctx.cell(row, "parent")):
            try:
                parent = cells.code(ctx.cell(row, "parent"), what=("รหัสหน่วยงานต้นสังกัด", "parent's code"))
            except CellError as exc:
                problems.append(("parent", cells.shown(ctx.cell(row, "parent")), exc.message))
        names = []
        for key, required in (("name", True), ("name_en", False)):
            value = " ".join(cells.text(ctx.cell(row, key)).split())
            if required and not value:
                problems.append((key, "", bilingual("ไม่มีชื่อหน่วยงาน", "the unit's name is empty")))
            elif len(value) > 200:
                problems.append((key, value[:80], bilingual("ชื่อยาวเกิน 200 ตัวอักษร", "the name is longer than 200 characters")))
            names.append(value)
        kind = None
        raw_kind = cells.text(ctx.cell(row, "kind"))
        if raw_kind:
            kind = KINDS.get(fold(raw_kind))
            if kind is None:
                problems.append(("kind", raw_kind[:80], bilingual(
                    "ประเภทต้องเป็น จังหวัด หน่วยงาน หน่วยเบิกจ่าย กรม สำนัก หรือกลุ่มงาน",
                    "the kind must be province, agency, disbursing unit, department, bureau or work group")))
        seen = ctx.state["rows"]
        if code is not None and code in seen:
            problems.append(("code", code, bilingual(f"รหัส {code} ซ้ำกับแถว {seen[code][0]}",
                                                    f"the code {code} is already on row {seen[code][0]}")))
        if code is not None and code == parent:
            problems.append(("parent", parent, bilingual(f"หน่วยงาน {code} เป็นต้นสังกัดของตนเองไม่ได้",
                                                        f"unit {code} cannot be its own parent")))
        if problems:
            raise RowError(problems)
        assert code is not None
        seen[code] = (line, names[0], names[1], parent, kind)
        return ()

    def end(self, ctx: Context) -> Iterable[dict[str, Any]]:
        rows: dict[str, tuple[int, str, str, str | None, str | None]] = ctx.state["rows"]
        existing = {o[0]: o for o in Org.objects.values_list("code", "id", "name_th", "name_en", "parent_id", "kind",
                                                             "path")}
        code_of = {o[1]: o[0] for o in existing.values()}
        problems: list[tuple[str, str, str]] = []

        def fail(key: str, value: str, th: str, en: str) -> None:
            problems.append((key, value, bilingual(th, en)))

        parent_of: dict[str, str | None] = {code: code_of.get(o[4]) if o[4] else None for code, o in existing.items()}
        for code, (line, _n, _e, parent, _k) in rows.items():
            if parent is not None and parent not in rows and parent not in existing:
                fail("parent", parent, f"แถว {line}: ไม่มีหน่วยงานต้นสังกัดรหัส {parent} ทั้งในระบบและในไฟล์",
                     f"row {line}: there is no parent unit {parent}, neither in PTS nor in the file")
            parent_of[code] = parent
        if problems:
            raise RowError(problems)
        # parent-first order (each unit's depth in the new tree) and cycles, through units in PTS too
        level: dict[str, int] = {}
        bad: set[str] = set()
        for start in rows:
            trail: list[str] = []
            on_trail: set[str] = set()
            node: str | None = start
            while node is not None and node not in level and node not in bad:
                if node in on_trail:
                    cycle = trail[trail.index(node):]
                    named = [c for c in cycle if c in rows]
                    lines = ", ".join(str(rows[c][0]) for c in named)
                    fail("parent", rows[named[0]][3] or "",
                         f"แถว {lines}: ต้นสังกัดวนกลับมาที่ตนเอง ({' → '.join([*cycle, node])})",
                         f"rows {lines}: the parents go round in a circle ({' → '.join([*cycle, node])})")
                    break
                trail.append(node)
                on_trail.add(node)
                node = parent_of.get(node)
            if node is not None and (node in bad or node in on_trail):
                bad.update(trail)
                continue
            base = level[node] if node is not None else -1
            for i, c in enumerate(reversed(trail)):
                level[c] = base + i + 1
        if problems:
            raise RowError(problems)

        # kinds, permissions, changes
        coordinated = self._coordinated(ctx.actor)
        kind_of: dict[str, str] = {code: o[5] for code, o in existing.items()}
        path_of = {code: o[6] for code, o in existing.items()}

        def anchor(code: str | None) -> str | None:  # the nearest existing unit at or above `code`
            while code is not None and code not in existing:
                code = parent_of.get(code)
            return code

        def may(code: str | None) -> bool:
            if coordinated is None:
                return True
            place = anchor(code)
            return place is not None and any(path_of[place].startswith(p) for p in coordinated)

        out: list[dict[str, Any]] = []
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for code in sorted(rows, key=lambda c: (level[c], rows[c][0])):
            line, name_th, name_en, parent, kind = rows[code]
            if parent is not None and parent not in kind_of:
                continue  # the parent's own row is wrong: said there
            parent_kind = kind_of.get(parent) if parent else None
            old = existing.get(code)
            if old is not None:
                if kind is not None and kind != old[5]:
                    fail("kind", kind, f"แถว {line}: หน่วยงาน {code} เป็น{_kind_th(old[5])} เปลี่ยนประเภทไม่ได้",
                         f"row {line}: unit {code} is a {_kind_en(old[5])}; its kind cannot change")
                kind = old[5]
            elif kind is None:
                if parent_kind == OrgKind.PROVINCE:
                    kind = OrgKind.DISBURSING_UNIT if GFMIS_CODE.match(code) else OrgKind.AGENCY
                else:
                    kind = CHILD.get(parent_kind) if parent_kind else None  # type: ignore[call-overload]
                if kind is None:
                    fail("kind", "", f"แถว {line}: ระบุประเภทของหน่วยงาน {code}",
                         f"row {line}: give the kind of unit {code}")
                    continue
            assert kind is not None
            kind_of[code] = kind
            if parent_kind not in ALLOWED_PARENTS[kind]:
                fail("parent", parent or "", f"แถว {line}: {_kind_th(kind)} {code} อยู่ใต้{_kind_th(parent_kind)}ไม่ได้",
                     f"row {line}: {code} ({_kind_en(kind)}) cannot sit under {_kind_en(parent_kind)}")
                continue
            if kind == OrgKind.DISBURSING_UNIT and not GFMIS_CODE.match(code):
                fail("code", code, f"แถว {line}: รหัสหน่วยเบิกจ่าย {code} ต้องเป็นตัวเลข 10 หลัก",
                     f"row {line}: the disbursing-unit code {code} must have 10 digits")
                continue
            old_parent = code_of.get(old[4]) if old is not None and old[4] else None
            if old is not None and not name_en:
                name_en = old[3]
            if old is not None and (old[2], old[3], old_parent) == (name_th, name_en, parent):
                counts["unchanged"] += 1
                continue
            needs = [code] if old is not None else []
            if parent is not None and (old is None or parent != old_parent):
                needs.append(parent)
            elif parent is None and (old is None or old_parent is not None):
                needs.append("")
            for who in needs:
                if who == "" and coordinated is not None:
                    fail("parent", "", f"แถว {line}: หน่วยงานระดับบนสุด ({code}) เพิ่มหรือย้ายได้เฉพาะผู้ดูแลระบบ",
                         f"row {line}: only an administrator may add or move a top-level unit ({code})")
                elif who and not may(who):
                    fail("parent" if who != code else "code", who,
                         f"แถว {line}: ผู้นำเข้าไม่ได้เป็นผู้ประสานงานของหน่วยงาน {who}",
                         f"row {line}: the importer is not a coordinator of unit {who}")
            if old is None:
                counts["created"] += 1
                out.append({"_line": line, "action": "create", "code": code, "name_th": name_th, "name_en": name_en,
                            "kind": kind, "parent": parent, "level": level[code]})
            else:
                counts["updated"] += 1
                out.append({"_line": line, "action": "update", "code": code, "name_th": name_th,
                            "name_en": name_en, "parent": parent, "level": level[code],
                            "before": {"name_th": old[2], "name_en": old[3], "parent": old_parent}})
        if problems:
            raise RowError(problems)
        ctx.state["summary"] = counts
        return out

    @staticmethod
    def _coordinated(actor: Any) -> list[str] | None:
        """The paths the importer coordinates; None for the system or an administrator (everything)."""
        if isinstance(actor, SystemActor) or (isinstance(actor, User) and actor.is_superuser):
            return None
        return list(Membership.objects.filter(user=actor, role=Role.COORDINATOR).values_list("org__path", flat=True))

    def _staged(self, ctx: Context) -> list[dict[str, Any]]:
        return [r.data for r in StagedRow.objects.filter(batch=ctx.batch).order_by("id")]

    def conflicts(self, ctx: Context) -> bool:
        staged = self._staged(ctx)
        codes = [r["code"] for r in staged]
        now = {}
        for i in range(0, len(codes), 900):
            now.update({c: (n, e, p) for c, n, e, p in Org.objects.filter(code__in=codes[i:i + 900]).values_list(
                "code", "name_th", "name_en", "parent__code")})
        for r in staged:
            if r["action"] == "create" and r["code"] in now:
                return True
            if r["action"] == "update":
                b = r["before"]
                if now.get(r["code"]) != (b["name_th"], b["name_en"], b["parent"]):
                    return True
        return False

    def commit(self, ctx: Context) -> dict[str, Any]:
        staged = self._staged(ctx)
        levels: dict[int, tuple[list[bulk.OrgChange], list[bulk.NewOrg]]] = {}
        for r in staged:
            slot = levels.setdefault(r["level"], ([], []))
            if r["action"] == "create":
                slot[1].append(bulk.NewOrg(code=r["code"], name_th=r["name_th"], name_en=r["name_en"], kind=r["kind"],
                                           parent=r["parent"]))
            else:
                slot[0].append(bulk.OrgChange(code=r["code"], name_th=r["name_th"], name_en=r["name_en"],
                                              parent=r["parent"]))
        bulk.apply([levels[k] for k in sorted(levels)])
        created = [r["code"] for r in staged if r["action"] == "create"]
        updated = [{"code": r["code"], "level": r["level"], **r["before"]} for r in staged if r["action"] == "update"]
        return {"undo": {"created": created, "updated": updated}}

    def undo(self, ctx: Context) -> dict[str, Any]:
        plan = ctx.batch.summary.get("undo", {})
        updated = plan.get("updated", [])
        levels: dict[int, tuple[list[bulk.OrgChange], list[bulk.NewOrg]]] = {}
        for u in updated:
            levels.setdefault(u["level"], ([], []))[0].append(
                bulk.OrgChange(code=u["code"], name_th=u["name_th"], name_en=u["name_en"], parent=u["parent"]))
        bulk.apply([levels[k] for k in sorted(levels)])
        codes = plan.get("created", [])
        ids: list[int] = []
        for i in range(0, len(codes), 900):
            ids.extend(Org.objects.filter(code__in=codes[i:i + 900]).values_list("id", flat=True))
        deleted, deactivated = bulk.remove(ids)
        return {"deleted": deleted, "deactivated": deactivated, "restored": len(updated)}


LAYOUT = Units()
