from django.urls import reverse

from cdvs.accounts.models import Membership
from cdvs.directory.models import Organisation
from cdvs.testing import make_user, plain


def text(response):
    return plain(response.content.decode().replace("&#x27;", "'"))


def test_list_is_public_without_personal_data(client, world):
    page = text(client.get(reverse("directory:list")))
    assert "Centre social du Bizet" in page and "Association lilloise" in page
    assert "@example.org" not in page
    world.organisations["asso_lille"].soft_delete()
    assert "Association lilloise" not in text(client.get(reverse("directory:list")))


def test_list_marks_my_organisations(client, world):
    client.force_login(world.users["membre"])
    page = text(client.get(reverse("directory:list")))
    assert "Mon organisation" in page


def test_list_runs_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.users["membre"])
    url = reverse("directory:list")
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for i in range(20):
        Organisation.objects.create(
            name=f"Association {i}", kind="association", territory=world.territories["lille"]
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_list_pages_never_read_the_perimeters(client, world, qpv_square):
    """Real QPV outlines weigh hundreds of kilobytes: lists and their filters show
    territory names only."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Organisation.objects.filter(pk=world.organisations["asso_arm"].pk).update(territory=qpv_square)
    client.force_login(world.users["coordinateur"])
    urls = [
        reverse("directory:list"),
        reverse("directory:list") + f"?territory={qpv_square.pk}",
        reverse("directory:help") + "?need=jeunes",
        reverse("directory:places_geojson"),
        reverse("directory_coordination:stale"),
    ]
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        read = [q["sql"] for q in queries if '"territories_territory"."geometry"' in q["sql"]]
        assert not read, (url, read)
    chosen = client.get(urls[1]).content.decode()
    assert f'<option value="{qpv_square.pk}" selected>{qpv_square.name}</option>' in chosen


def test_detail_is_public_and_members_are_not(client, world):
    asso = world.organisations["asso_arm"]
    page = text(client.get(asso.get_absolute_url()))
    assert "Centre social du Bizet" in page and "Centre social / EVS" in page
    assert "@example.org" not in page and "Voir les membres" not in page
    members_url = reverse("directory:members", args=[asso.pk])
    response = client.get(members_url)
    assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/")


def test_members_visible_to_the_organisation_and_its_coordinators(client, world):
    asso = world.organisations["asso_arm"]
    url = reverse("directory:members", args=[asso.pk])
    for role in ("porteur", "membre", "coordinateur", "administrateur"):
        client.force_login(world.users[role])
        response = client.get(url)
        assert response.status_code == 200, role
        page = text(response)
        assert "porteur@example.org" in page and "membre@example.org" in page
        assert ("Inviter une personne" in page) == (role in ("coordinateur", "administrateur"))
    for role in ("sans_role", "coordinateur_lille"):
        client.force_login(world.users[role])
        response = client.get(url)
        assert response.status_code == 403, role
        assert "Accès refusé" in text(response)
        assert "porteur@example.org" not in text(response)


def test_members_page_runs_a_constant_number_of_queries(
    client, world, django_assert_max_num_queries
):
    asso = world.organisations["asso_arm"]
    url = reverse("directory:members", args=[asso.pk])
    client.force_login(world.users["coordinateur"])
    with django_assert_max_num_queries(25) as few:
        client.get(url)
    for i in range(15):
        user = make_user(f"personne{i}@example.org")
        Membership.objects.create(user=user, organisation=asso, role="membre")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_unknown_or_deleted_organisation_is_404(client, world):
    asso = world.organisations["asso_arm"]
    asso.soft_delete()
    client.force_login(world.users["administrateur"])
    assert client.get(reverse("directory:detail", args=[asso.pk])).status_code == 404
    assert client.get(reverse("directory:members", args=[asso.pk])).status_code == 404
    assert client.get(reverse("directory:detail", args=[999999])).status_code == 404


def test_organisation_scope_territory(world):
    assert world.organisations["pv_arm"].scope_territory() == world.territories["armentieres"]
    assert world.organisations["no_territory"].scope_territory() is None


def test_list_rows_come_from_the_cache_until_the_data_changes(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    asso = world.organisations["asso_arm"]
    url = reverse("directory:list")
    assert asso.name in text(client.get(url))
    with CaptureQueriesContext(connection) as queries:
        assert asso.name in text(client.get(url))
    assert not [q for q in queries if "directory_organisation_enjeux" in q["sql"]]
    asso.name = "Centre social renommé"
    asso.save()  # a history row: the data's version moves
    body = text(client.get(url))
    assert "Centre social renommé" in body and "Centre social du Bizet" not in body
    client.force_login(world.users["membre"])
    assert "Mon organisation" in text(client.get(url))
