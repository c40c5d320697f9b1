"""Load Điện Biên's units, its published figures and the synthetic village demo (idempotent)."""

from django.core.management.base import BaseCommand

from imports.generators.demo_load import PROVINCE_CODE, demo_load, demo_loaded
from units.domain.published import published_figures_load
from units.domain.refdata import units_load


class Command(BaseCommand):
    help = "Load the demo: Điện Biên's real units, published figures and synthetic villages."

    def handle(self, *args, **options) -> None:
        units_load(province_codes=[PROVINCE_CODE])
        published = published_figures_load()
        self.stdout.write(f"Published figures: {published}")
        if demo_loaded():
            self.stdout.write(self.style.SUCCESS("Demo villages already loaded: nothing to do."))
            return
        rows = demo_load()
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {rows} village figures."))
