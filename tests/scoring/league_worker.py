"""A separate OS process for tests/scoring/test_two_processes.py: sets up a small scheme, serves
league totals line by line from one long-lived process, or records a payment and exits.

    python -m tests.scoring.league_worker setup | serve | fresh | pay CODE SATANG YYYY-MM-DD
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pts.settings")
    import django

    django.setup()
    from pts.budget.actions import disbursement_record
    from pts.organisations.models import Org, OrgKind
    from pts.schemes.actions import scheme_create
    from pts.schemes.models import Scheme
    from pts.scoring import queries
    from tests.factories import ledger_admin, make_allocation, make_fiscal_year, make_org, make_user

    as_of = date(2023, 2, 28)

    def league(explain: tuple[str, ...] | None) -> dict[str, str]:
        scheme = Scheme.objects.get(code="two-2566")
        return {f"{r.unit}/{r.round}": str(r.total)
                for r in queries.score_scheme(scheme=scheme, as_of=as_of, explain=explain)}

    command = argv[0]
    if command == "setup":
        make_fiscal_year(2566)
        province = make_org(kind=OrgKind.PROVINCE, code="PROV-2", name_th="จังหวัดสองกระบวนการ")
        units = [make_org(parent=province, code=f"AG-{c}", name_th=f"หน่วยงาน {c}") for c in "AB"]
        carol = make_user(username="carol2", role="coordinator", org=province)
        scheme_create(actor=carol, code="two-2566", name="two", kind="province", fiscal_year=2566,
                      coordinator_org=province, units=units, rule_set="province-pts-template",
                      deadline_month_offset=1)
        for i, unit in enumerate(units):
            make_allocation(unit=unit, amount=(i + 1) * 1_000_000_00)
    elif command == "serve":
        for line in sys.stdin:
            if line.strip() == "league":
                print(json.dumps(league(())), flush=True)
    elif command == "fresh":
        print(json.dumps(league(None)))
    elif command == "pay":
        code, satang, day = argv[1], int(argv[2]), date.fromisoformat(argv[3])
        disbursement_record(actor=ledger_admin(), fiscal_year=2566, unit=Org.objects.get(code=code),
                            category="operating", amount=satang, effective_date=day)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
