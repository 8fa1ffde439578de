"""The cost of the page-wide French punctuation (`core.french.punctuate`, run by the
`FrenchPunctuation` middleware on every HTML page): a 100 kB page and a 1 MB page
(the printable directory list of 500 organisations weighs about that), against the
reference of the same text copied without the substitution (`str.encode`)."""

from bench import fr_number, percentile, timed
from cdvs.core.french import punctuate

ROW = (
    '<tr><td><a href="/organisations/{n}/">Association n° {n}</a> : <span class="badge">'
    "Mon organisation</span></td><td>Type : association ; public ? jeunes !</td>"
    '<td data-label="Commune">Armentières</td></tr>\n'
)


def _page(size: int) -> str:
    rows, n = [], 0
    while sum(map(len, rows)) < size:
        rows.append(ROW.format(n=n))
        n += 1
    return "<!doctype html><html><body><table>" + "".join(rows) + "</table></body></html>"


def run() -> list[dict]:
    figures = []
    for label, size, bar in (("100 ko", 100_000, 5), ("1 Mo", 1_000_000, 50)):
        page = _page(size)
        times = timed(punctuate, [(page,)], 30)
        reference = timed(str.encode, [(page,)], 30)
        p95 = percentile(times, 95)
        figures.append(
            {
                "name": f"ponctuation française d'une page de {label} (p95)",
                "value": round(p95, 2),
                "unit": "ms",
                "target": f"< {bar} ms",
                "ok": p95 < bar,
                "detail": f"référence (copie du texte) : {fr_number(percentile(reference, 95), 2)} ms",
            }
        )
    return figures
