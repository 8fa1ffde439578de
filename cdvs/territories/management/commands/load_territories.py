"""python manage.py load_territories [--epci 200093201]"""

from django.core.management.base import BaseCommand, CommandError

from cdvs.territories import geo
from cdvs.territories.services import TerritoryDataError, load_territories, reference_for

LABELS = {
    "epci": ("EPCI", "créés", "mis à jour", "inchangés"),
    "commune": ("communes", "créées", "mises à jour", "inchangées"),
    "qpv": ("QPV", "créés", "mis à jour", "inchangés"),
}


class Command(BaseCommand):
    help = (
        "Charge ou met à jour l'EPCI, ses communes (avec leurs contours) et ses QPV depuis "
        "les fichiers de référence de cdvs/territories/data (tout ou rien)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--epci", default="200093201", help="SIREN de l'EPCI (MEL par défaut)")
        parser.add_argument("--nom", help="nom de l'EPCI (pour un EPCI autre que la MEL)")
        parser.add_argument(
            "--communes", help="CSV des communes : insee_com, nom, population_municipale"
        )
        parser.add_argument(
            "--contours", help="GeoJSON WGS84 des contours des communes (propriété code)"
        )
        parser.add_argument(
            "--qpv",
            help="CSV des QPV (code_qp, lib_qp, insee_com) ; par défaut la liste nationale filtrée",
        )

    def handle(self, *args, **options):
        try:
            reference = reference_for(
                options["epci"],
                options["nom"],
                options["communes"],
                options["contours"],
                options["qpv"],
            )
            report = load_territories(reference)
        except (TerritoryDataError, geo.GeometryError) as exc:
            raise CommandError(f"Rien n'a été chargé : {exc}") from None
        parts = []
        for kind, counter in report.counts.items():
            label, created, updated, unchanged = LABELS[kind]
            parts.append(
                f"{label} — {created} : {counter.created}, {updated} : {counter.updated}, "
                f"{unchanged} : {counter.unchanged}"
            )
        self.stdout.write(f"{reference.name} ({reference.siren}) — " + " ; ".join(parts) + ".")
        for kept in report.kept_perimeters:
            self.stdout.write(f"Périmètre conservé (autre source) : {kept}")
        for skipped in report.skipped_deleted:
            self.stdout.write(f"Ignoré (dans la corbeille) : {skipped}")
        if not report.changed:
            self.stdout.write(self.style.SUCCESS("Territoires déjà à jour : aucun changement."))
        else:
            self.stdout.write(self.style.SUCCESS("Territoires chargés."))
