"""The search box as JSON: same results as the page, same visibility (public for
anonymous callers; a logged-in session finds what its role may read)."""

from datetime import date

from ninja import Router, Schema
from ninja.errors import HttpError

from cdvs.accounts.permissions import require
from cdvs.api.errors import LIST
from cdvs.api.types import Code, Date, form_text
from cdvs.core.bounds import ApiInt

from . import services
from .forms import SearchForm

router = Router()


class HitOut(Schema):
    type: str
    type_label: str
    title: str
    title_html: str
    snippet_html: str
    url: str
    date: date | None
    visibility: str
    enjeux: list[int]
    territories: list[str]


class SearchOut(Schema):
    query: str
    total: int
    # true when the search stopped counting (total and counts are then lower bounds)
    capped: bool
    counts: dict[str, int]
    page: int
    pages: int
    results: list[HitOut]


@router.get("", response={200: SearchOut, **LIST}, url_name="search")
def search(
    request,
    q: form_text(SearchForm) = "",
    type: Code = "",  # noqa: A002 — the name of the page's parameter
    enjeu: ApiInt | None = None,
    territoire: ApiInt | None = None,
    du: Date | None = None,
    au: Date | None = None,
    page: ApiInt = 1,
):
    """Search everything the caller may read. `q` uses the websearch syntax (words all
    required, "exact phrase", -excluded, or); `type`, `enjeu` (number), `territoire`
    (id, with what it holds), `du` and `au` (AAAA-MM-JJ) filter; 20 results a page.
    `title_html` and `snippet_html` are escaped HTML whose only tags are `<mark>`."""
    require(request.user, "search.view")
    form = SearchForm(
        {
            "q": q,
            "type": type,
            "enjeu": enjeu or "",
            "territoire": territoire or "",
            "du": du.isoformat() if du else "",
            "au": au.isoformat() if au else "",
            "page": page,
        },
        with_choices=False,
    )
    if not form.is_valid():
        messages = [f"{form.fields[f].label or f} : {' '.join(e)}" for f, e in form.errors.items()]
        raise HttpError(422, " ".join(messages))
    data = form.cleaned_data
    results = services.search(
        request.user,
        data["q"],
        kind=data["type"] or None,
        enjeu=data["enjeu"],
        territory=data["territoire"],
        start=data["du"],
        end=data["au"],
        page=data["page"] or 1,
    )
    return {
        "query": results.query,
        "total": results.total,
        "capped": results.capped,
        "counts": results.counts,
        "page": results.page,
        "pages": results.pages,
        "results": [
            {
                "type": h.kind,
                "type_label": h.kind_label,
                "title": h.title,
                "title_html": h.title_html,
                "snippet_html": h.snippet_html,
                "url": h.url,
                "date": h.date,
                "visibility": h.visibility,
                "enjeux": h.enjeux,
                "territories": h.territories,
            }
            for h in results.hits
        ],
    }
