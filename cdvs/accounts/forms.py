from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.urls import reverse

from cdvs.directory.fields import OrganisationChoiceField
from cdvs.directory.models import Organisation

from . import permissions
from .models import Invitation, Membership, Role, User
from .tasks import queue_email

NBSP = "\u00a0"


class EmailAuthenticationForm(AuthenticationForm):
    """Login with the email address, whatever its case."""

    username = forms.CharField(
        label="Adresse électronique",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": (
            "Adresse électronique ou mot de passe incorrect. "
            "Le mot de passe tient compte des majuscules et des minuscules."
        ),
        "inactive": "Ce compte est désactivé.",
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class CdvsPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the email goes through the task queue, in French."""

    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        queue_email(
            to_email,
            "accounts/emails/password_reset",
            {
                "user": context["user"],
                "uid": context["uid"],
                "token": context["token"],
            },
        )


class NameForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name"]
        labels = {"first_name": "Prénom", "last_name": "Nom"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Adresse électronique de la personne invitée",
        max_length=254,
        error_messages={"invalid": "Saisissez une adresse électronique valide."},
    )
    organisation = OrganisationChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        empty_label="Choisissez une organisation",
        error_messages={
            "invalid_choice": (
                "Cette organisation n'existe pas ou n'est pas dans votre périmètre de coordination."
            )
        },
    )
    role = forms.ChoiceField(
        label="Rôle",
        choices=[(r.value, r.label) for r in (Role.MEMBER, Role.CARRIER, Role.COORDINATOR)],
        initial=Role.MEMBER,
        help_text=(
            f"Membre d'un partenaire ou porteur de projet pour les acteurs{NBSP}; "
            "coordinateur ou coordinatrice pour le service Politique de la Ville."
        ),
        error_messages={"invalid_choice": f"Rôle inconnu{NBSP}: choisissez-en un dans la liste."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # only what the option labels need: a coordinator of the EPCI may see thousands
        field = self.fields["organisation"]
        field.queryset = permissions.filter_allowed(
            user, "accounts.invite", Organisation.objects.only("id", "name")
        )
        field.suggestions_url = reverse("accounts:invitation_organisations")
        field.use_picker_if_large()

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        email, organisation = cleaned.get("email"), cleaned.get("organisation")
        if email and organisation:
            if Membership.objects.filter(
                user__email__iexact=email, organisation=organisation
            ).exists():
                raise forms.ValidationError(
                    f"Cette personne fait déjà partie de «{NBSP}{organisation}{NBSP}»."
                )
            if Invitation.objects.usable().filter(email=email, organisation=organisation).exists():
                raise forms.ValidationError(
                    "Une invitation est déjà en attente pour cette adresse dans cette "
                    f"organisation{NBSP}: vous pouvez la renvoyer depuis la liste ci-dessous."
                )
        return cleaned


class AcceptInvitationForm(forms.Form):
    """A new account from an invitation: name and password (Django's validators)."""

    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Au moins 12 caractères, ni trop courant, ni uniquement des chiffres.",
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "Les deux mots de passe ne correspondent pas.")
        elif password1:
            candidate = User(
                email=self.invitation.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
