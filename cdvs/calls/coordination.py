"""Coordination pages: create, edit, put in the trash and restore calls, their
history, their attachments, and the import of a table of calls."""

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cdvs.accounts.permissions import filter_allowed, require
from cdvs.core.french import count, plural
from cdvs.core.history import history_page
from cdvs.core.imports import ImportFileError
from cdvs.core.trash import confirm_trash, restore_from_trash

from . import imports, services
from .forms import AttachmentForm, CallForm, ImportForm
from .models import CallAttachment, CallForProjects

IMPORT_SALT = "cdvs.calls.import"


def _call(request, pk, *, deleted=False):
    manager = CallForProjects.all_objects if deleted else CallForProjects.objects
    call = get_object_or_404(manager.select_related("commune"), pk=pk)
    require(request.user, "calls.manage", call)
    return call


def _form_page(request, form, title, back, call=None):
    return render(
        request,
        "calls/coordination/form.html",
        {"form": form, "title": title, "back": back, "call": call},
    )


@login_required
def create(request):
    require(request.user, "calls.manage")
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        commune = form.cleaned_data.get("commune")
        if commune is not None:
            require(request.user, "calls.manage", CallForProjects(commune=commune))
        try:
            call = services.save_form(form, request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Appel à projets enregistré.")
            return redirect(call.get_absolute_url())
    return _form_page(request, form, "Nouvel appel à projets", reverse("calls:list"))


@login_required
def edit(request, pk):
    call = _call(request, pk)
    form = CallForm(request.POST or None, instance=call)
    if request.method == "POST" and form.is_valid():
        commune = form.cleaned_data.get("commune")
        if commune is not None:
            require(request.user, "calls.manage", CallForProjects(commune=commune))
        try:
            services.save_form(form, request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Appel à projets mis à jour.")
            return redirect(call.get_absolute_url())
    return _form_page(request, form, f"Modifier : {call.title}", call.get_absolute_url(), call)


@login_required
def delete(request, pk):
    call = _call(request, pk)
    return confirm_trash(
        request,
        call,
        heading=f"Mettre à la corbeille : {call.title}",
        explanation="L'appel disparaîtra des listes, des alertes, des calendriers et de l'API. "
        "Vous pourrez le restaurer depuis la corbeille.",
        back=call.get_absolute_url(),
        then="calls_coordination:trash",
        done=f"« {call.title} » est dans la corbeille : vous pouvez le restaurer.",
    )


@login_required
@require_POST
def restore(request, pk):
    call = _call(request, pk, deleted=True)
    return restore_from_trash(
        request, call, then=call.get_absolute_url(), done=f"« {call.title} » a été restauré."
    )


@login_required
def trash(request):
    require(request.user, "calls.manage")
    calls = filter_allowed(
        request.user,
        "calls.manage",
        CallForProjects.all_objects.deleted().select_related("deleted_by"),
    ).order_by("-deleted_at")[:200]
    return render(request, "calls/coordination/trash.html", {"calls": list(calls)})


@login_required
def history(request, pk):
    call = _call(request, pk, deleted=True)
    return history_page(request, call, call.get_absolute_url(), hidden=("tags",))


@login_required
def attachments(request, pk):
    call = _call(request, pk)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.add_attachment(call, form.content, form.content_type, form.filename, request.user)
        messages.success(request, f"Pièce jointe « {form.filename} » ajoutée.")
        return redirect("calls_coordination:attachments", pk=call.pk)
    return render(
        request,
        "calls/coordination/attachments.html",
        {"call": call, "form": form, "attachments": list(call.attachments.all())},
    )


@login_required
@require_POST
def remove_attachment(request, pk):
    item = get_object_or_404(CallAttachment.objects.select_related("call__commune"), pk=pk)
    require(request.user, "calls.manage", item.call)
    services.remove_attachment(item, request.user)
    messages.success(request, f"Pièce jointe « {item.filename} » retirée.")
    return redirect("calls_coordination:attachments", pk=item.call_id)


@login_required
def import_calls(request):
    """Step 1: upload and preview (every row, every error); step 2: confirm, and the
    same file (carried signed in the page, nothing kept on the server) is checked
    again and applied all or nothing."""
    require(request.user, "calls.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and request.POST.get("confirm"):
        try:
            payload = signing.loads(request.POST["confirm"], salt=IMPORT_SALT, max_age=3600)
            content = base64.b64decode(payload["data"])
            name, visibility = payload["name"], payload["visibility"]
        except (signing.BadSignature, KeyError, ValueError):
            messages.error(request, "Le fichier à importer a expiré : déposez-le de nouveau.")
            return redirect("calls_coordination:import")
        try:
            result = imports.preview(content, name, visibility)
            created = imports.apply(result, request.user, visibility)
        except (ImportFileError, ValidationError) as exc:
            messages.error(request, f"Rien n'a été importé : {_message(exc)}")
            return redirect("calls_coordination:import")
        messages.success(
            request, f"{count(len(created), 'appel')} à projets {plural(len(created), 'importé')}."
        )
        return redirect("calls:list")
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            result = imports.preview(content, upload.name, form.cleaned_data["visibility"])
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            context["result"] = result
            if not result.errors:
                context["token"] = signing.dumps(
                    {
                        "name": upload.name,
                        "visibility": form.cleaned_data["visibility"],
                        "data": base64.b64encode(content).decode("ascii"),
                    },
                    salt=IMPORT_SALT,
                    compress=True,
                )
    context["columns"] = imports.COLUMNS
    return render(request, "calls/coordination/import.html", context)


def _message(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)
