"""Addresses to coordinates through the Base Adresse Nationale (BAN) geocoding API.

Two endpoints, both from the API's documentation
(https://adresse.data.gouv.fr/outils/api-doc/adresse):

- ``GET  {base}search/?q=...&limit=1`` (with ``citycode`` / ``postcode`` filters when
  known): a GeoJSON FeatureCollection whose features carry ``label``, ``score``,
  ``housenumber``, ``street``, ``postcode``, ``citycode``, ``city``, ``context``,
  ``type``;
- ``POST {base}search/csv/``: a CSV file (multipart field ``data``), the ``columns``
  that make up the address, optional ``citycode`` / ``postcode`` columns and the
  ``result_columns`` wanted; the answer is the same CSV with ``result_*`` columns.

The base URL is a setting (``BAN_BASE_URL``, environment ``CDVS_BAN_URL``): the
service is moving to the Géoplateforme (``https://data.geopf.fr/geocodage/``), which
answers the same requests; change the setting, not the code. A 429 or 5xx answer and
network errors are retried with a growing delay (``Retry-After`` is honoured, capped);
every request has a timeout. A result whose score is below ``BAN_MIN_SCORE`` is kept
but flagged « à vérifier » for a human.

Cross-cutting: any app placing things on the map (directory places, actions, ideas
of the participatory budget) uses this client.
"""

import csv
import io
import logging
import time
from dataclasses import dataclass

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 30.0
RESULT_COLUMNS = [
    "latitude",
    "longitude",
    "result_label",
    "result_score",
    "result_type",
    "result_housenumber",
    "result_street",
    "result_postcode",
    "result_citycode",
    "result_city",
    "result_context",
]
# mainland France with Corsica, then the overseas départements (boxes, in degrees)
FRANCE_BOXES = {
    "France métropolitaine": (41.0, 51.5, -5.5, 10.0),
    "Guadeloupe": (15.8, 16.6, -61.9, -60.9),
    "Martinique": (14.3, 15.0, -61.3, -60.7),
    "Guyane": (2.0, 6.0, -54.7, -51.5),
    "La Réunion": (-21.5, -20.8, 55.1, 55.9),
    "Mayotte": (-13.1, -12.5, 44.9, 45.4),
}


class GeocodingError(Exception):
    """The geocoding service could not answer; the message is for the user, in French."""


def in_france(lat: float, lon: float) -> bool:
    return any(a <= lat <= b and c <= lon <= d for a, b, c, d in FRANCE_BOXES.values())


OUTSIDE_FRANCE = (
    "Ces coordonnées sont hors de France (latitude {lat}, longitude {lon}) : vérifiez "
    "qu'elles n'ont pas été inversées et qu'elles sont en degrés décimaux (WGS84)."
)


def outside_france_message(lat: float, lon: float) -> str:
    return OUTSIDE_FRANCE.format(
        lat=str(round(lat, 6)).replace(".", ","), lon=str(round(lon, 6)).replace(".", ",")
    )


@dataclass(frozen=True)
class GeocodeResult:
    lat: float
    lon: float
    label: str
    score: float
    type: str = ""
    housenumber: str = ""
    street: str = ""
    postcode: str = ""
    citycode: str = ""
    city: str = ""
    context: str = ""

    @property
    def needs_review(self) -> bool:
        """« à vérifier » : the BAN is not sure enough of its answer."""
        return self.score < min_score()

    @property
    def score_label(self) -> str:
        return f"{round(self.score * 100):d} %".replace(" ", "\u202f")


def min_score() -> float:
    return float(getattr(settings, "BAN_MIN_SCORE", 0.6))


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def result_from_feature(feature: dict) -> GeocodeResult | None:
    props = feature.get("properties") or {}
    coords = (feature.get("geometry") or {}).get("coordinates") or []
    if len(coords) < 2 or _float(props.get("score")) is None:
        return None
    return GeocodeResult(
        lat=float(coords[1]),
        lon=float(coords[0]),
        label=str(props.get("label") or ""),
        score=float(props["score"]),
        type=str(props.get("type") or ""),
        housenumber=str(props.get("housenumber") or ""),
        street=str(props.get("street") or props.get("name") or ""),
        postcode=str(props.get("postcode") or ""),
        citycode=str(props.get("citycode") or ""),
        city=str(props.get("city") or ""),
        context=str(props.get("context") or ""),
    )


def result_from_csv_row(row: dict) -> GeocodeResult | None:
    lat, lon, score = (
        _float(row.get("latitude")),
        _float(row.get("longitude")),
        _float(row.get("result_score")),
    )
    if lat is None or lon is None or score is None:
        return None
    return GeocodeResult(
        lat=lat,
        lon=lon,
        label=row.get("result_label") or "",
        score=score,
        type=row.get("result_type") or "",
        housenumber=row.get("result_housenumber") or "",
        street=row.get("result_street") or row.get("result_name") or "",
        postcode=row.get("result_postcode") or "",
        citycode=row.get("result_citycode") or "",
        city=row.get("result_city") or "",
        context=row.get("result_context") or "",
    )


class BanClient:
    """A small client of the BAN API (httpx, timeouts, retries)."""

    def __init__(self, base_url=None, *, timeout=None, retries=None, transport=None, sleep=None):
        self.base_url = (base_url or settings.BAN_BASE_URL).rstrip("/") + "/"
        self.timeout = timeout if timeout is not None else settings.BAN_TIMEOUT
        self.retries = retries if retries is not None else settings.BAN_RETRIES
        self.sleep = sleep or time.sleep
        self.transport = transport

    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        url = self.base_url + path
        attempt = 0
        while True:
            attempt += 1
            try:
                with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                    response = client.request(method, url, **kwargs)
            except httpx.TimeoutException as exc:
                error = GeocodingError(
                    "Le service de géocodage (Base Adresse Nationale) n'a pas répondu à "
                    "temps. Réessayez plus tard ou saisissez les coordonnées."
                )
                retry_after = None
                cause = exc
            except httpx.HTTPError as exc:
                error = GeocodingError(
                    "Le service de géocodage (Base Adresse Nationale) est injoignable. "
                    "Réessayez plus tard ou saisissez les coordonnées."
                )
                retry_after = None
                cause = exc
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in RETRY_STATUSES:
                    raise GeocodingError(
                        "Le service de géocodage a refusé la demande (erreur "
                        f"{response.status_code}) : vérifiez l'adresse saisie."
                    )
                error = GeocodingError(
                    "Le service de géocodage est momentanément indisponible (erreur "
                    f"{response.status_code}). Réessayez plus tard ou saisissez les coordonnées."
                )
                retry_after = _float(response.headers.get("Retry-After"))
                cause = None
            if attempt > self.retries:
                raise error from cause
            delay = retry_after if retry_after is not None else 0.5 * 2 ** (attempt - 1)
            logger.warning("BAN : nouvel essai dans %s s (%s)", delay, error)
            self.sleep(min(delay, MAX_RETRY_AFTER))

    def search(self, query: str, *, citycode: str = "", postcode: str = "") -> GeocodeResult | None:
        """The best match of an address, or None when the BAN finds nothing."""
        query = " ".join((query or "").split())
        if len(query) < 3:
            raise GeocodingError("L'adresse est trop courte pour être géocodée.")
        params = {"q": query[:200], "limit": 1}
        if citycode:
            params["citycode"] = citycode
        if postcode:
            params["postcode"] = postcode
        response = self._request("GET", "search/", params=params)
        try:
            features = response.json().get("features") or []
        except ValueError as exc:
            raise GeocodingError("Réponse illisible du service de géocodage.") from exc
        return result_from_feature(features[0]) if features else None

    def search_csv(
        self,
        rows: list[dict],
        columns: list[str],
        *,
        citycode_column: str = "",
        postcode_column: str = "",
    ) -> list[GeocodeResult | None]:
        """Geocode many addresses in one request; one result (or None) per row, in order."""
        if not rows:
            return []
        fields = [f for f in [*columns, citycode_column, postcode_column] if f]
        fields = list(dict.fromkeys(fields))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({f: " ".join(str(row.get(f) or "").split()) for f in fields})
        data = {"columns": list(columns), "result_columns": RESULT_COLUMNS}
        if citycode_column:
            data["citycode"] = citycode_column
        if postcode_column:
            data["postcode"] = postcode_column
        response = self._request(
            "POST",
            "search/csv/",
            data=data,
            files={"data": ("adresses.csv", out.getvalue().encode("utf-8"), "text/csv")},
        )
        text = response.content.decode("utf-8-sig", errors="replace")
        results = [result_from_csv_row(r) for r in csv.DictReader(io.StringIO(text))]
        if len(results) != len(rows):
            raise GeocodingError(
                f"Le service de géocodage a renvoyé {len(results)} ligne(s) pour "
                f"{len(rows)} adresse(s) : réessayez."
            )
        return results
