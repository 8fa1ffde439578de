from django import template

from ..models import News

register = template.Library()


@register.inclusion_tag("library/_latest_news.html")
def latest_public_news(count=5):
    """The latest public actualités (for the home page)."""
    return {
        "items": list(
            News.objects.public()
            .select_related("organisation")
            .order_by("-published_at", "-pk")[:count]
        )
    }
