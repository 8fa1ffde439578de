from django.shortcuts import get_object_or_404, render

from .models import Contract, Enjeu


def index(request):
    contract = Contract.objects.order_by("id").first()
    enjeux = contract.enjeux.all() if contract else []
    return render(request, "contract/index.html", {"contract": contract, "enjeux": enjeux})


def enjeu_detail(request, pk):
    enjeu = get_object_or_404(Enjeu, pk=pk)
    return render(request, "contract/enjeu.html", {"enjeu": enjeu})
