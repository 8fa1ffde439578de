"""Login rate limiting (django-axes): count failures per lower-cased email, so that
« Jean@Ville.fr » and « jean@ville.fr » share one counter."""


def username_for_axes(request, credentials=None) -> str:
    value = (credentials or {}).get("username")
    if value is None:
        data = getattr(request, "data", None) or request.POST
        value = data.get("username", "")
    return str(value).strip().lower()
