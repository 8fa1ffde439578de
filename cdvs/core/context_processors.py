from .navigation import AREAS


def navigation(request):
    items = [{"area": a, "url": a.url, "current": request.path.startswith(a.url)} for a in AREAS]
    return {"nav_items": items}
