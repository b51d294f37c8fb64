"""The audit trail in the users' words: one sentence per event, and its changed fields by their labels.

Every action code that `audit_record` is called with registers its sentence here (a test reads the
code for every action string and fails on one without a sentence). A sentence is a gettext template
with named placeholders filled from the event: %(actor)s (the person, or ระบบ for the system),
%(unit)s (code and name), %(month)s (the month concerned, "ก.ค. 66"), %(amount)s (baht), %(name)s
(the object's own name), %(day)s, %(round)s, %(person)s, %(role)s, %(file)s, %(rows)s. The reason
(the event's note) is added after the sentence unless the note is something else (a file name).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from pts.audit.models import AuditEvent
from pts.core.money import format_baht
from pts.organisations.models import Role
from pts.organisations.permissions import SYSTEM_USERNAME
from pts.ui.templatetags.pts import month_label, thai_date


@dataclass(frozen=True)
class Sentence:
    action: str
    label: Promise  # the action's name in a list ("ส่งกลับรายงาน")
    text: Promise  # the sentence template
    reason: bool = True  # the note is a reason ("เหตุผล: …")


SENTENCES: dict[str, Sentence] = {}
GROUPS: dict[str, Promise] = {}  # "report." -> every report action, for the filter


def register(action: str, label: Promise, text: Promise, *, reason: bool = True) -> None:
    if action in SENTENCES:
        raise ValueError(f"the audit action {action!r} already has a sentence")
    SENTENCES[action] = Sentence(action, label, text, reason)


def group(prefix: str, label: Promise) -> None:
    GROUPS[prefix] = label


UNKNOWN = Sentence("", _("Other change"), _("%(actor)s made a change"))

group("org.", _("Organisations"))
register("org.create", _("Add an organisation"), _("%(actor)s added the organisation %(unit)s"))
register("org.update", _("Edit an organisation"), _("%(actor)s edited the organisation %(unit)s"))
group("user.", _("User accounts"))
register("user.create", _("Add a user account"), _("%(actor)s added the user account of %(name)s"))
register("user.update", _("Edit a user account"), _("%(actor)s edited the user account of %(name)s"))
register("user.password_reset", _("Set a password"), _("%(actor)s set a new password for %(name)s"))
group("role.", _("Roles"))
register("role.grant", _("Grant a role"), _("%(actor)s made %(person)s %(role)s of %(unit)s"))
register("role.revoke", _("Revoke a role"), _("%(actor)s removed %(person)s as %(role)s of %(unit)s"))
group("ledger.", _("Budget ledger"))
register("ledger.allocation", _("Record an allocation"), _("%(actor)s recorded an allocation of %(amount)s to %(unit)s"))
register("ledger.transfer", _("Transfer an allocation"), _("%(actor)s transferred %(amount)s from %(unit)s"))
register("ledger.pullback", _("Pull back an allocation"), _("%(actor)s pulled back %(amount)s from %(unit)s"))
register("ledger.reservation", _("Reserve funds"), _("%(actor)s reserved %(amount)s for %(unit)s"))
register("ledger.reservation_commit", _("Commit a reservation"),
         _("%(actor)s turned a reservation of %(unit)s into a commitment of %(amount)s"))
register("ledger.reservation_cancel", _("Cancel a reservation"),
         _("%(actor)s cancelled a reservation of %(amount)s of %(unit)s"))
register("ledger.commitment", _("Record a commitment"), _("%(actor)s recorded a commitment of %(amount)s for %(unit)s"))
register("ledger.disbursement", _("Record a disbursement"),
         _("%(actor)s recorded a disbursement of %(amount)s for %(unit)s"))
register("ledger.carry_over", _("Carry over to the next year"),
         _("%(actor)s carried %(amount)s of %(unit)s over to the next year"))
register("ledger.reverse", _("Reverse a ledger entry"), _("%(actor)s reversed an entry of %(amount)s of %(unit)s"))
group("report.", _("Monthly reports"))
register("report.create", _("Start a report"), _("%(actor)s started the %(month)s report of %(unit)s"))
register("report.save", _("Save a report"), _("%(actor)s saved the %(month)s report of %(unit)s"))
register("report.submit", _("Submit a report"), _("%(actor)s submitted the %(month)s report of %(unit)s"))
register("report.return", _("Return a report"), _("%(actor)s returned the %(month)s report of %(unit)s"))
register("report.accept", _("Accept a report"), _("%(actor)s accepted the %(month)s report of %(unit)s"))
group("period.", _("Reporting periods"))
register("period.reopen", _("Reopen a period"), _("%(actor)s reopened the %(month)s reporting period"))
register("period.lock", _("Close a period"), _("%(actor)s closed the %(month)s reporting period"))
register("period.reopen_unit", _("Reopen a period for one unit"),
         _("%(actor)s reopened the %(month)s reporting period for %(unit)s"))
register("period.reopen_request", _("Ask for a period to be reopened"),
         _("%(actor)s asked for the %(month)s reporting period to be reopened for %(unit)s"))
register("period.reopen_decline", _("Decline a request to reopen"),
         _("%(actor)s declined to reopen the %(month)s reporting period for %(unit)s"))
register("evidence.upload", _("Upload evidence"), _("%(actor)s uploaded evidence for %(unit)s"))
group("scheme.", _("Schemes"))
register("scheme.create", _("Create a scheme"), _("%(actor)s created the scheme %(name)s"))
register("scheme.update", _("Edit a scheme"), _("%(actor)s edited the scheme %(name)s"))
register("scheme.calendar", _("Change a scheme's calendar"), _("%(actor)s changed the reporting calendar of %(name)s"))
register("scheme.units", _("Change a scheme's units"), _("%(actor)s changed the units of the scheme %(name)s"))
register("scheme.deadline_sets", _("Choose a scheme's procurement deadlines"),
         _("%(actor)s chose the procurement deadline sets of the scheme %(name)s"))
group("scoring.", _("Scores"))
register("scoring.freeze", _("Freeze a round's scores"), _("%(actor)s froze the scores of round %(round)s"))
register("scoring.ruleset_start", _("Start a scheme's own rule set"),
         _("%(actor)s started an editable copy of the rule set for the scheme %(name)s"))
register("scoring.ruleset_save", _("Save a rule set version"),
         _("%(actor)s saved a new version of the rule set of the scheme %(name)s"))
register("scoring.ruleset_import", _("Import a rule set file"),
         _("%(actor)s imported a rule set file for the scheme %(name)s"))
register("scoring.override", _("Override a score"), _("%(actor)s overrode a score of %(unit)s in round %(round)s"))
register("scoring.deduction_record", _("Record a deduction"),
         _("%(actor)s recorded a deduction for %(unit)s in %(month)s"))
register("scoring.deduction_withdraw", _("Withdraw a deduction"),
         _("%(actor)s withdrew a deduction of %(unit)s in %(month)s"))
group("procurement.", _("Procurement"))
register("procurement.project_create", _("Add a procurement project"),
         _("%(actor)s added the procurement project %(name)s of %(unit)s"))
register("procurement.project_update", _("Edit a procurement project"),
         _("%(actor)s edited a procurement project of %(unit)s"))
register("procurement.milestones_update", _("Update milestones"),
         _("%(actor)s updated the milestones of a procurement project of %(unit)s"))
register("procurement.round_update", _("Report a procurement round"),
         _("%(actor)s reported the %(month)s progress of a procurement project of %(unit)s"))
register("procurement.instalment_add", _("Add an instalment"),
         _("%(actor)s added an instalment of %(amount)s to a procurement project of %(unit)s"))
register("procurement.instalment_update", _("Edit an instalment"),
         _("%(actor)s edited an instalment of a procurement project of %(unit)s"))
register("procurement.instalment_remove", _("Remove an instalment"),
         _("%(actor)s removed an instalment of a procurement project of %(unit)s"))
register("procurement.extra_holiday_add", _("Add a holiday"), _("%(actor)s made %(day)s a holiday (%(name)s)"))
register("procurement.extra_holiday_remove", _("Remove a holiday"),
         _("%(actor)s made %(day)s a working day again (was %(name)s)"))
register("procurement.settings_set", _("Set procurement deadlines"),
         _("%(actor)s set the procurement deadlines of %(unit)s"))
register("procurement.sheet_import", _("Import a procurement sheet"),
         _("%(actor)s imported the procurement sheet %(file)s (%(rows)s rows)"), reason=False)

group("imports.", _("Imports"))
register("imports.commit", _("Import a file"), _("%(actor)s imported the file %(file)s (%(rows)s rows)"), reason=False)
register("imports.undo", _("Undo an import"), _("%(actor)s undid the import of the file %(file)s (%(rows)s rows)"),
         reason=False)
register("imports.mapping_save", _("Save a column mapping"), _("%(actor)s saved the column mapping %(name)s"),
         reason=False)
register("imports.recon_import", _("Take the imported figure"),
         _("%(actor)s took the imported figure over the report of %(unit)s for %(month)s (a difference of %(amount)s)"))
register("imports.recon_report", _("Keep the reported figure"),
         _("%(actor)s kept the reported figure of %(unit)s for %(month)s against the import (a difference of %(amount)s)"))

# before/after keys that are not a field of the event's model
EXTRA_LABELS: dict[str, Promise] = {
    "units": _("units"), "password": _("password"), "role": _("role"), "user": _("user account"),
    "org": _("organisation"), "round": _("round"), "score": _("score"), "reason": _("reason"),
    "file_name": _("file"), "rows": _("rows"), "created": _("rows added"), "updated": _("rows updated"),
    "as_of": _("as of"), "cause_label": _("cause"), "periods": _("reporting periods"),
    "milestones": _("milestones"), "lines": _("report figures"),
}
HIDDEN_KEYS = {"balances", "movements", "totals", "sha256", "rule_set", "rule_set_sha256", "rule_set_version",
               "scheme", "scheme_code", "criterion", "commitment"}  # ids and internals: in the details only


def sentence_for(action: str) -> Sentence:
    return SENTENCES.get(action, UNKNOWN)


def action_choices() -> list[tuple[str, Any]]:
    """The filter's options: each group (its actions and an "all of them" entry), by name."""
    choices: list[tuple[str, Any]] = [("", pgettext_lazy("audit", "Every action"))]
    for prefix, label in GROUPS.items():
        members = [(s.action, s.label) for s in SENTENCES.values() if s.action.startswith(prefix)]
        choices.append((str(label), [(prefix, _("All: %(group)s") % {"group": label}), *members]))
    ungrouped = [(s.action, s.label) for s in SENTENCES.values() if not any(s.action.startswith(p) for p in GROUPS)]
    if ungrouped:
        choices.append((str(_("Other")), ungrouped))
    return choices


class _Context(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "–"


def _month(d: date | None) -> str:
    return month_label(d) if d is not None else "–"


def show_date(value: date | datetime) -> str:
    """BE in Thai, CE in English; with the local time for a datetime."""
    return thai_date(value)


def actor_name(event: AuditEvent) -> str:
    if event.actor is None or event.actor.username == SYSTEM_USERNAME:
        return gettext("the system")
    return str(event.actor)


def _amount(event: AuditEvent) -> str | None:
    for data in (event.after, event.before):
        if not isinstance(data, dict):
            continue
        moves = data.get("movements")
        if isinstance(moves, list) and moves and isinstance(moves[0], dict) and isinstance(moves[0].get("amount"), int):
            return gettext("%(baht)s baht") % {"baht": format_baht(abs(moves[0]["amount"]))}
        if isinstance(data.get("amount"), int):
            return gettext("%(baht)s baht") % {"baht": format_baht(abs(data["amount"]))}
    return None


def context(event: AuditEvent) -> dict[str, str]:
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    data = {**before, **after}
    ctx = _Context(actor=actor_name(event), month=_month(event.period))
    if event.unit is not None:
        ctx["unit"] = f"{event.unit.code} {event.unit.name}"
    for key in ("display_name", "name_th", "name", "username"):
        if data.get(key):
            ctx.setdefault("name", str(data[key]))
    if (amount := _amount(event)) is not None:
        ctx["amount"] = amount
    if isinstance(data.get("day"), str):
        try:
            ctx["day"] = show_date(date.fromisoformat(data["day"]))
        except ValueError:
            ctx["day"] = data["day"]
    if data.get("round") is not None:
        ctx["round"] = str(data["round"])
    if data.get("user"):
        ctx["person"] = str(data["user"])
    if data.get("role"):
        ctx["role"] = str(Role(data["role"]).label) if data["role"] in Role.values else str(data["role"])
    if data.get("file_name"):
        ctx["file"] = str(data["file_name"])
    if data.get("rows") is not None:
        ctx["rows"] = str(data["rows"])
    if "month" in data and isinstance(data["month"], str) and event.period is None:
        try:
            ctx["month"] = _month(date.fromisoformat(data["month"]))
        except ValueError:
            pass
    return ctx


def sentence(event: AuditEvent) -> str:
    """"คลังจังหวัด ส่งกลับรายงาน ก.ค. 66 ของ 9002010322 … เหตุผล: ตัวเลขไม่ตรง"."""
    s = sentence_for(event.action)
    text = str(s.text) % context(event)
    if s.reason and event.note.strip():
        text += " " + gettext("reason: %(reason)s") % {"reason": event.note.strip()}
    return text


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None  # None: the key is absent on that side
    after: str | None


def _model_field(event: AuditEvent, key: str) -> models.Field[Any, Any] | None:
    try:
        model = apps.get_model(event.object_type)
    except (LookupError, ValueError):
        return None
    for field in model._meta.concrete_fields:
        if key in (field.name, field.attname):
            return field
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _show(value: Any, field: models.Field[Any, Any] | None) -> str:
    """A before or after value as a user reads it: baht, BE dates, choice labels, yes/no."""
    if value is None or value == "" or value == []:
        return gettext("(empty)")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field is not None and field.choices and not isinstance(value, list | dict):
        labels = {str(k): v for k, v in field.flatchoices}
        return str(labels.get(str(value), value))
    if isinstance(field, models.BigIntegerField) and isinstance(value, int):
        return gettext("%(baht)s baht") % {"baht": format_baht(value)}
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        try:
            return show_date(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(field, models.DateField) and isinstance(value, str):
        try:
            return show_date(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _label(event: AuditEvent, key: str, field: models.Field[Any, Any] | None) -> str | None:
    if field is not None and field.primary_key:
        return None  # an id: in the details
    if field is not None and not field.is_relation and isinstance(field.verbose_name, Promise):
        # a field without a translated verbose_name would show its name: it stays in the details
        label = str(field.verbose_name)
        for unit in (" (satang)", " (สตางค์)"):
            label = label.removesuffix(unit)
        return label[:1].upper() + label[1:] if get_language() == "en" else label
    if key in EXTRA_LABELS:
        return str(EXTRA_LABELS[key])
    return None


def changes(event: AuditEvent) -> list[Change]:
    """The fields whose values differ between before and after, by their labels; ids, relations,
    nested JSON and keys with no label are left to the raw details."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    rows = []
    for key in list(before) + [k for k in after if k not in before]:
        if key in HIDDEN_KEYS or (key in before and key in after and before[key] == after[key]):
            continue
        values = [d[key] for d in (before, after) if key in d]
        if any(isinstance(v, dict) or (isinstance(v, list) and any(isinstance(i, list | dict) for i in v))
               for v in values):
            continue
        field = _model_field(event, key)
        label = _label(event, key, field)
        if label is None:
            continue
        rows.append(Change(label, _show(before[key], field) if key in before else None,
                           _show(after[key], field) if key in after else None))
    return rows


def raw(data: Any) -> str:
    """Before or after as indented JSON, for the details toggle."""
    return "" if data is None else json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)


def changes_text(event: AuditEvent) -> str:
    """The changes on one line, for a CSV cell."""
    return "; ".join(f"{c.label}: {c.before or ''}{' → ' if c.before is not None and c.after is not None else ''}"
                     f"{c.after or ''}" for c in changes(event))
