"""Django's `flush`, allowed past the append-only guard: it empties every table, ledger and audit
trail included (tests between cases; a deliberate wipe). Nothing else may delete those rows."""

from typing import Any

from django.core.management.commands import flush

from pts.core.appendonly import rewrite_allowed


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with rewrite_allowed(options.get("database") or "default"):
            super().handle(**options)
