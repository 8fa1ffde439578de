"""Public pages of the strategic frame: anyone may browse the contract."""

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render

from cdvs.accounts.permissions import can

from .models import ActionLead, Ambition, Contract, Enjeu, LocalEnjeu, Objective, Scale


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
        },
    )


def _objectives_with_leads():
    return Objective.objects.prefetch_related(
        Prefetch("leads", queryset=ActionLead.objects.order_by("kind", "position", "id"))
    )


def enjeu_detail(request, pk):
    enjeu = get_object_or_404(Enjeu.objects.select_related("contract__epci"), pk=pk)
    mel_ambitions = list(enjeu.ambitions.filter(local_enjeu__isnull=True))
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
    )
    local_versions = list(local_versions)
    for version in local_versions:
        version.can_edit = can(request.user, "contract.edit", version)
    siblings = list(enjeu.contract.enjeux.values_list("pk", "number"))
    return render(
        request,
        "contract/enjeu.html",
        {
            "enjeu": enjeu,
            "mel_2027": [a for a in mel_ambitions if a.scale == Scale.MEL_2027],
            "qpv_2030": [a for a in mel_ambitions if a.scale == Scale.QPV_2030],
            "mel_objectives": enjeu.objectives.filter(
                ambition__isnull=True, local_enjeu__isnull=True
            ),
            "local_versions": local_versions,
            "siblings": siblings,
            "can_edit": can(request.user, "contract.edit", enjeu),
        },
    )
