from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pts.core.db import refresh_statistics
from pts.core.fiscal import thai_date
from pts.demo.loader import DEMO_TODAY, demo_is_loaded, load_demo, print_logins


class Command(BaseCommand):
    help = "Load the FY2566 demo (province and bureau) through the real actions; a second run changes nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("ไม่โหลดข้อมูลสาธิตในระบบจริง / the demo (with its published passwords) is never loaded in production")
        if demo_is_loaded():
            self.stdout.write("Demo already loaded: nothing changed.")
        else:
            self.stdout.write("Loading the demo (FY2566)...")
            load_demo()
            refresh_statistics()  # the planner sees the demo's tables as they now are
            self.stdout.write("Demo loaded.")
        print_logins(self.stdout)
        self.stdout.write(f"The demo's today is {thai_date(DEMO_TODAY)} ({DEMO_TODAY.isoformat()}): serve it with "
                          f"PTS_TODAY={DEMO_TODAY.isoformat()} (make run does) so pages open on that day.\n")
