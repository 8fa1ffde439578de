from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def account(request):
    memberships = request.user.memberships.select_related("organisation")
    return render(request, "accounts/account.html", {"memberships": memberships})
