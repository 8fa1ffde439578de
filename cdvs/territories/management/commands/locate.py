"""python manage.py locate LAT LON [LAT LON ...]"""

import json

from django.core.management.base import BaseCommand, CommandError

from cdvs.territories.locate import locate


class Command(BaseCommand):
    help = "Donne, pour chaque point (latitude longitude en WGS84), l'EPCI, la commune, les QPV et PAC qui le contiennent (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("coords", nargs="+", help="LAT LON [LAT LON ...]")

    def handle(self, *args, coords, **options):
        if len(coords) % 2:
            raise CommandError(
                "Donnez des couples « latitude longitude » (nombre pair de valeurs)."
            )
        values = []
        for text in coords:
            try:
                values.append(float(text.replace(",", ".")))
            except ValueError:
                raise CommandError(f"« {text} » n'est pas un nombre.") from None
        points = list(zip(values[0::2], values[1::2], strict=True))
        try:
            results = locate(points)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2))
