"""Actualités: the list and the detail (published items by visibility, plus one's own
posts and, for coordinators, those they moderate), the posting form, the RSS and Atom
feeds of public items, and the weekly digest's subscription page and unsubscribe link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.csrf import csrf_exempt

from cdvs.accounts.permissions import can, login_if_needed, refuse, require
from cdvs.contract.models import enjeu_labels
from cdvs.territories.models import Territory

from .. import services
from ..filters import NewsFilters
from ..forms import DigestForm, NewsForm
from ..models import DigestSubscription, News
from ..views import filter_choices

PAGE_SIZE = 20
FEED_SIZE = 30


def news_rows(queryset):
    return queryset.select_related("organisation", "author").prefetch_related(
        Prefetch("enjeux", queryset=enjeu_labels()),
        Prefetch("territories", queryset=Territory.objects.only("pk", "name", "kind")),
    )


def index(request):
    filters = NewsFilters(request.GET)
    queryset, chosen = filters.filter(News.objects.readable_by(request.user)), filters.values
    page = Paginator(
        news_rows(queryset).distinct().order_by("-published_at", "-created_at", "-pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "library/news_index.html",
        {
            "page": page,
            "chosen": chosen,
            "query": "&".join(f"{k}={v}" for k, v in chosen.items()),
            **filter_choices(request.user, chosen, series=False),
            "can_post": can(request.user, "library.post_news"),
            "can_moderate": can(request.user, "library.moderate"),
            "can_subscribe": can(request.user, "library.digest"),
        },
    )


def readable_news(request, pk) -> News:
    news = get_object_or_404(
        News.objects.select_related("organisation", "author", "moderated_by"), pk=pk
    )
    if news.is_published and news.is_visible_to(request.user):
        return news
    if request.user.is_authenticated and (
        news.author_id == request.user.pk or can(request.user, "library.moderate", news)
    ):
        return news
    if request.user.is_authenticated and not news.is_published:
        raise Http404("Actualité introuvable")
    refuse(request.user, "Cette actualité n'est pas visible avec votre rôle.")


@login_if_needed
def detail(request, pk):
    news = readable_news(request, pk)
    return render(
        request,
        "library/news_detail.html",
        {
            "news": news,
            "enjeux": list(news.enjeux.order_by("number")),
            "territories": list(news.territories.all()),
            "can_edit": _may_edit(request.user, news),
            "can_moderate": can(request.user, "library.moderate", news),
        },
    )


def _may_edit(user, news) -> bool:
    if not user.is_authenticated:
        return False
    own = news.author_id == user.pk and can(user, "library.post_news")
    return own or can(user, "library.edit", news)


@login_required
def create(request):
    require(request.user, "library.post_news")
    form = NewsForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            news = services.post_news(form, request.user)
        except services.LibraryError as exc:
            form.add_error(None, str(exc))
        else:
            if news.is_published:
                messages.success(request, "Actualité publiée.")
            else:
                messages.success(
                    request,
                    "Actualité enregistrée : elle sera publiée après la relecture de la "
                    "coordination. D'ici là, vous seul et la coordination la voyez.",
                )
            return redirect(news)
    return render(
        request,
        "library/form.html",
        {"form": form, "title": "Publier une actualité", "back": reverse("news:index")},
    )


@login_required
@login_if_needed
def edit(request, pk):
    news = readable_news(request, pk)
    if not _may_edit(request.user, news):
        raise PermissionDenied("Seuls l'auteur, son organisation et la coordination la modifient.")
    form = NewsForm(
        request.POST if request.method == "POST" else None, instance=news, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            news = services.update_news(form, request.user)
        except services.LibraryError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                "Actualité mise à jour."
                if news.is_published
                else "Actualité mise à jour : elle attend la relecture de la coordination.",
            )
            return redirect(news)
    return render(
        request,
        "library/form.html",
        {"form": form, "title": f"Modifier : {news.title}", "back": news.get_absolute_url()},
    )


# ---------------------------------------------------------------- feeds (public only)


class NewsFeed(Feed):
    title = "Actualités du contrat de ville et des solidarités"
    description = "Les actualités publiques des partenaires du contrat de ville."

    def link(self):
        return reverse("news:index")

    def items(self):
        return (
            News.objects.public()
            .select_related("organisation")
            .order_by("-published_at", "-pk")[:FEED_SIZE]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.body_html

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.organisation.name if item.organisation_id else None


class NewsAtomFeed(NewsFeed):
    feed_type = Atom1Feed
    subtitle = NewsFeed.description


# ---------------------------------------------------------------------- digest


@login_required
def digest(request):
    require(request.user, "library.digest")
    subscription = DigestSubscription.objects.filter(user=request.user).first()
    form = DigestForm(
        request.POST if request.method == "POST" else None,
        initial={"active": bool(subscription and subscription.active)},
    )
    if request.method == "POST" and form.is_valid():
        active = form.cleaned_data["active"]
        services.set_digest(request.user, active)
        messages.success(
            request,
            "Vous recevrez chaque semaine les nouvelles actualités."
            if active
            else "Vous ne recevrez plus la lettre des actualités.",
        )
        return redirect("news:digest")
    return render(request, "library/digest.html", {"form": form, "subscription": subscription})


@csrf_exempt
def unsubscribe(request, token):
    """One click (RFC 8058): a POST from the mail client unsubscribes at once; the link
    opened in a browser shows a button (a GET never changes anything). No login: the
    signed token is the credential."""
    user = services.user_from_token(token)
    if user is None:
        return render(request, "library/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        services.set_digest(user, False)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(
                "Désabonnement enregistré.", content_type="text/plain; charset=utf-8"
            )
        return render(request, "library/unsubscribe.html", {"done": True})
    if request.method != "GET":
        return HttpResponse(status=405)
    return render(request, "library/unsubscribe.html", {"email": user.email, "token": token})
