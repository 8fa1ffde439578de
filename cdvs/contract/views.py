"""Public pages of the strategic frame: anyone may browse the contract."""

from django.db.models import BooleanField, Count, Prefetch, Q, Value
from django.shortcuts import get_object_or_404, render

from cdvs.accounts.permissions import can

from .models import (
    ActionLead,
    Ambition,
    Contract,
    Enjeu,
    LocalEnjeu,
    Objective,
    Scale,
    tree_version,
)


def current_contract():
    return Contract.objects.select_related("epci").order_by("id").first()


def index(request):
    contract = current_contract()
    enjeux = []
    sections = []
    bodies = []
    if contract:
        enjeux = contract.enjeux.annotate(
            mel_ambitions=Count(
                "ambitions",
                filter=Q(ambitions__local_enjeu__isnull=True, ambitions__deleted_at__isnull=True),
            ),
            local_ambitions=Count(
                "ambitions",
                filter=Q(ambitions__local_enjeu__isnull=False, ambitions__deleted_at__isnull=True),
            ),
        )
        sections = contract.sections.select_related("commune")
        bodies = contract.bodies.all()
    return render(
        request,
        "contract/index.html",
        {
            "contract": contract,
            "enjeux": enjeux,
            "sections": sections,
            "bodies": bodies,
            "can_edit": can(request.user, "contract.edit"),
            "can_load_volet": can(request.user, "contract.load_volet"),
        },
    )


def _objectives_with_leads():
    return Objective.objects.prefetch_related(
        Prefetch("leads", queryset=ActionLead.objects.order_by("kind", "position", "id"))
    )


def enjeu_detail(request, pk):
    """The tree of one enjeu. Querysets stay lazy: for readers who edit nothing, the
    body comes from a fragment cache keyed by the tree's version."""
    enjeu = get_object_or_404(Enjeu.objects.select_related("contract__epci"), pk=pk)
    editor = can(request.user, "contract.edit")
    ambitions = enjeu.ambitions.filter(local_enjeu__isnull=True)
    local_versions = (
        LocalEnjeu.objects.filter(enjeu=enjeu, section__deleted_at__isnull=True)
        .select_related("section__commune")
        .prefetch_related(
            Prefetch("objectives", queryset=_objectives_with_leads()),
            Prefetch(
                "ambitions",
                queryset=Ambition.objects.prefetch_related(
                    Prefetch("objectives", queryset=_objectives_with_leads())
                ),
            ),
        )
        .annotate(can_edit=Value(False, output_field=BooleanField()))
    )
    if editor:
        local_versions = list(local_versions)
        for version in local_versions:
            version.can_edit = can(request.user, "contract.edit", version)
    return render(
        request,
        "contract/enjeu.html",
        {
            "enjeu": enjeu,
            "editor": editor,
            "tree_version": "" if editor else tree_version(),
            "mel_2027": ambitions.filter(scale=Scale.MEL_2027),
            "qpv_2030": ambitions.filter(scale=Scale.QPV_2030),
            "mel_objectives": enjeu.objectives.filter(
                ambition__isnull=True, local_enjeu__isnull=True
            ),
            "local_versions": local_versions,
            "siblings": enjeu.contract.enjeux.values_list("pk", "number"),
            "can_edit": editor and can(request.user, "contract.edit", enjeu),
        },
    )
