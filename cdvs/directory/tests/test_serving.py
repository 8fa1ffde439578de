"""`Organisation.objects.serving`: a territory and every wider one holding it."""

from cdvs.directory.models import Organisation, OrganisationKind


def test_serving_reaches_every_territory_holding_it(world):
    t = world.territories
    Organisation.objects.create(
        name="Service MEL", kind=OrganisationKind.EPCI_SERVICE, territory=t["mel"]
    )

    def names(territory):
        return set(Organisation.objects.serving(territory).values_list("name", flat=True))

    # the Lille QPV spans Armentières too: the services of both communes and the EPCI's
    assert names(t["qpv_lille"]) == {
        "Service MEL",
        "Service Politique de la Ville de Lille",
        "Service Politique de la Ville d'Armentières",
        "Association lilloise",
    }
    # a single-commune QPV: its commune and the EPCI, not the neighbouring commune
    assert names(t["qpv_arm"]) == {
        "Service MEL",
        "Service Politique de la Ville d'Armentières",
        "Centre social du Bizet",
    }
    assert names(t["mel"]) == {"Service MEL"}
