"""The one walk of the territory hierarchy (`TerritoryQuerySet.descendants`,
`ancestors`, `related`), on a QPV spanning two communes."""

import pytest

from cdvs.territories.models import Kind, Territory


@pytest.fixture
def tree(db):
    def make(kind, code, parent=None, communes=()):
        territory = Territory.objects.create(kind=kind, code=code, name=code, parent=parent)
        territory.communes.set(communes)
        return territory

    epci = make(Kind.EPCI, "epci")
    a = make(Kind.COMMUNE, "a", epci)
    b = make(Kind.COMMUNE, "b", epci)
    c = make(Kind.COMMUNE, "c", epci)
    return {
        "epci": epci,
        "a": a,
        "b": b,
        "c": c,
        # a QPV spanning two communes hangs from the EPCI, its communes in `communes`
        "qpv_ab": make(Kind.QPV, "qpv_ab", epci, [a, b]),
        "qpv_a": make(Kind.QPV, "qpv_a", a, [a]),
        "pac_b": make(Kind.PAC, "pac_b", b, [b]),
    }


def ids(tree, *names):
    return {tree[n].pk for n in names}


def test_descendants(tree, django_assert_max_num_queries):
    walk = Territory.objects.descendants
    everything_but_epci = ids(tree, "a", "b", "c", "qpv_ab", "qpv_a", "pac_b")
    with django_assert_max_num_queries(3):
        assert walk({tree["epci"].pk}) == everything_but_epci
    assert walk(ids(tree, "a")) == ids(tree, "qpv_ab", "qpv_a")
    assert walk(ids(tree, "b")) == ids(tree, "qpv_ab", "pac_b")
    assert walk(ids(tree, "a", "b")) == ids(tree, "qpv_ab", "qpv_a", "pac_b")
    assert walk(ids(tree, "c")) == walk(ids(tree, "qpv_ab")) == walk(set()) == set()


def test_ancestors(tree):
    walk = Territory.objects.ancestors
    assert walk(ids(tree, "qpv_ab")) == ids(tree, "a", "b", "epci")
    assert walk(ids(tree, "qpv_a")) == ids(tree, "a", "epci")
    assert walk(ids(tree, "pac_b")) == ids(tree, "b", "epci")
    assert walk(ids(tree, "c")) == ids(tree, "epci")
    assert walk(ids(tree, "epci")) == set()


def test_related_is_ancestors_self_and_descendants(tree):
    walk = Territory.objects.related
    assert walk(ids(tree, "qpv_ab")) == ids(tree, "qpv_ab", "a", "b", "epci")
    assert walk(ids(tree, "a")) == ids(tree, "a", "epci", "qpv_ab", "qpv_a")
    assert walk(ids(tree, "c")) == ids(tree, "c", "epci")
    assert walk(ids(tree, "epci")) == set(Territory.objects.values_list("pk", flat=True))


def test_walks_stay_in_the_queryset(tree):
    """`Territory.objects` skips the trash, `Territory.all_objects` does not."""
    tree["a"].soft_delete()
    assert Territory.objects.descendants(ids(tree, "epci")) == ids(
        tree, "b", "c", "qpv_ab", "pac_b"
    )
    assert Territory.objects.ancestors(ids(tree, "qpv_ab")) == ids(tree, "b", "epci")
    assert tree["a"].pk in Territory.all_objects.related(ids(tree, "qpv_a"))
