"""python manage.py import_qpv PATH_OR_URL | --if-available"""

from pathlib import Path

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cdvs.territories import geo
from cdvs.territories.services import import_qpv_perimeters

DOWNLOAD_TIMEOUT = 120
HOW_TO = (
    "Les périmètres officiels des QPV ne sont pas chargés : l'outil fonctionne sans eux et "
    "signale les périmètres manquants.\n"
    "Pour les charger : téléchargez sur data.gouv.fr le jeu de données « Quartiers "
    "prioritaires de la politique de la ville (QPV) » (ANCT), fichier "
    "QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson, puis\n"
    "  - placez-le à {path} et relancez « manage.py import_qpv --if-available »,\n"
    "  - ou lancez « manage.py import_qpv CHEMIN_OU_URL_DU_FICHIER »,\n"
    "  - ou donnez son adresse dans la variable d'environnement CDVS_QPV_URL."
)


def _names(codes, limit=12):
    shown = ", ".join(codes[:limit])
    return shown + (f" … (+{len(codes) - limit})" if len(codes) > limit else "")


class Command(BaseCommand):
    help = (
        "Importe les périmètres officiels des QPV 2024 (fichier GeoJSON de l'ANCT, WGS84 ou "
        "Lambert-93) pour les QPV connus de la base ; tout ou rien."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", nargs="?", help="chemin ou URL (http/https) du fichier")
        parser.add_argument(
            "--if-available",
            action="store_true",
            help="sans argument : utilise QPV_PERIMETER_FILE ou QPV_PERIMETER_URL s'ils existent, "
            "sinon explique comment obtenir le fichier (sans erreur)",
        )
        parser.add_argument(
            "--remplacer-manuels",
            action="store_true",
            help="remplace aussi les périmètres déposés ou tracés dans l'outil",
        )

    def handle(self, *args, source=None, if_available=False, remplacer_manuels=False, **options):
        if source is None:
            if not if_available:
                raise CommandError("Indiquez le chemin ou l'URL du fichier (ou --if-available).")
            source = self._available_source()
            if source is None:
                self.stdout.write(HOW_TO.format(path=settings.QPV_PERIMETER_FILE))
                return
        data, name = self._read(source)
        try:
            report = import_qpv_perimeters(data, name, replace_manual=remplacer_manuels)
        except geo.GeometryError as exc:
            raise CommandError(f"Import refusé, rien n'a été modifié. {exc}") from None
        crs = "WGS84" if report.crs == geo.WGS84 else "Lambert-93 (reprojeté en WGS84)"
        self.stdout.write(
            f"Fichier {name} ({crs}) : {len(report.updated)} périmètre(s) mis à jour, "
            f"{len(report.unchanged)} inchangé(s), {len(report.missing)} QPV absent(s) du "
            f"fichier, {report.ignored} objet(s) d'autres territoires ignoré(s)."
        )
        if report.missing:
            self.stdout.write(f"Absents du fichier : {_names(report.missing)}")
        if report.kept_manual:
            self.stdout.write(
                "Conservés car déposés ou tracés dans l'outil (--remplacer-manuels pour les "
                f"remplacer) : {_names(report.kept_manual)}"
            )
        if not report.updated:
            self.stdout.write(self.style.SUCCESS("Aucun changement."))
        else:
            self.stdout.write(self.style.SUCCESS("Périmètres importés."))

    def _available_source(self):
        path = Path(settings.QPV_PERIMETER_FILE)
        if path.is_file():
            return str(path)
        url = settings.QPV_PERIMETER_URL
        if url:
            try:
                response = httpx.head(url, follow_redirects=True, timeout=15)
            except httpx.HTTPError as exc:
                self.stdout.write(f"Adresse {url} injoignable ({exc.__class__.__name__}).")
                return None
            if response.status_code < 400:
                return url
            self.stdout.write(f"Adresse {url} indisponible (code HTTP {response.status_code}).")
        return None

    def _read(self, source: str) -> tuple[bytes, str]:
        if source.startswith(("http://", "https://")):
            try:
                response = httpx.get(source, follow_redirects=True, timeout=DOWNLOAD_TIMEOUT)
                response.raise_for_status()
            except httpx.HTTPStatusError as exc:
                raise CommandError(
                    f"Téléchargement impossible : code HTTP {exc.response.status_code} pour {source}."
                ) from None
            except httpx.HTTPError as exc:
                raise CommandError(
                    f"Téléchargement impossible ({exc.__class__.__name__}) : {source}."
                ) from None
            return response.content, source.rsplit("/", 1)[-1] or source
        path = Path(source)
        try:
            return path.read_bytes(), path.name
        except OSError as exc:
            raise CommandError(f"Fichier illisible : {path} ({exc.strerror}).") from None
