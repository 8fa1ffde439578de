"""Checks of the identifiers and contact data of a fiche, with French messages."""

import re

from django.core.exceptions import ValidationError

LA_POSTE_SIREN = "356000000"


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def normalise_siret(value: str) -> str:
    return re.sub(r"[\s.]", "", value or "")


def validate_siret(value: str) -> None:
    """14 digits with a valid Luhn key; La Poste's establishments (SIREN 356 000 000)
    follow their own rule: the sum of the digits is a multiple of 5."""
    siret = normalise_siret(value)
    if not re.fullmatch(r"\d{14}", siret):
        raise ValidationError("Le numéro SIRET doit comporter 14 chiffres.", code="siret_format")
    if siret.startswith(LA_POSTE_SIREN):
        if siret == LA_POSTE_SIREN + "00048" or sum(map(int, siret)) % 5 == 0:
            return
    elif luhn_ok(siret):
        return
    raise ValidationError(
        "Ce numéro SIRET n'existe pas : sa clé de contrôle est fausse (vérifiez les chiffres).",
        code="siret_checksum",
    )


def validate_rna(value: str) -> None:
    """RNA: W followed by 9 digits (the number of the Répertoire national des associations)."""
    if not re.fullmatch(r"W\d{9}", (value or "").strip().upper()):
        raise ValidationError(
            "Le numéro RNA doit commencer par W suivi de 9 chiffres (par exemple W595012345).",
            code="rna_format",
        )


def normalise_phone(value: str) -> str:
    """'+33 3 20 00 00 00', '0320000000', '03.20.00.00.00' -> '03 20 00 00 00';
    returns '' when the value is not a French phone number."""
    raw = re.sub(r"[\s.\-()]", "", value or "")
    if raw.startswith("+33"):
        raw = "0" + raw[3:]
    elif raw.startswith("0033"):
        raw = "0" + raw[4:]
    if raw.startswith("00"):
        return ""
    if not re.fullmatch(r"0[1-9]\d{8}", raw):
        return ""
    return " ".join(raw[i : i + 2] for i in range(0, 10, 2))


def validate_phone(value: str) -> None:
    if not normalise_phone(value):
        raise ValidationError(
            "Numéro de téléphone invalide : saisissez un numéro français à 10 chiffres "
            "(par exemple 03 20 00 00 00 ou +33 3 20 00 00 00).",
            code="phone",
        )
