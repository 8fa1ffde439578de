"""The small vocabularies of a fiche.

Thématiques and publics come from data·inclusion's schema (`data-inclusion-schema`, v1
categories of thématiques and publics) so that the directory can be exchanged with
data·inclusion; our own additions cover what the contract's enjeux need and the
schema has no word for (education, culture, sport, citizenship, living environment).
"""

from data_inclusion.schema.v1 import Categorie, Public

from cdvs.core.french import words as folded_words

OWN_THEMATIQUES = [
    ("education-reussite-scolaire", "Éducation et réussite scolaire"),
    ("parentalite", "Parentalité"),
    ("culture-loisirs", "Culture et loisirs"),
    ("sport", "Sport"),
    ("citoyennete-participation", "Citoyenneté et participation des habitants"),
    ("cadre-de-vie", "Cadre de vie et tranquillité"),
    ("acces-aux-droits", "Accès aux droits"),
    ("lien-social", "Lien social et lutte contre l'isolement"),
]

THEMATIQUES = [(c.value, c.label) for c in Categorie] + OWN_THEMATIQUES
PUBLICS = [(p.value, p.label) for p in Public]
LANGUAGES = [
    ("fr", "Français"),
    ("en", "Anglais"),
    ("ar", "Arabe"),
    ("nl", "Néerlandais"),
    ("es", "Espagnol"),
    ("pt", "Portugais"),
    ("tr", "Turc"),
    ("ro", "Roumain"),
    ("uk", "Ukrainien"),
    ("ru", "Russe"),
    ("lsf", "Langue des signes française"),
]
ACCESSIBILITY = [
    ("pmr", "Accessible en fauteuil roulant"),
    ("malentendants", "Accueil adapté aux personnes malentendantes"),
    ("malvoyants", "Accueil adapté aux personnes malvoyantes"),
    ("falc", "Documents en facile à lire et à comprendre (FALC)"),
]

THEMATIQUE_LABELS = dict(THEMATIQUES)
PUBLIC_LABELS = dict(PUBLICS)
LANGUAGE_LABELS = dict(LANGUAGES)
ACCESSIBILITY_LABELS = dict(ACCESSIBILITY)


def fold_word(word: str) -> str:
    """A simple French plural folding: 'jeunes' -> 'jeune', 'travaux' -> 'travau'
    (the same on both sides, so 'travail' and 'travaux' stay apart; good enough for
    search, not a stemmer)."""
    if len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
        return word[:-1]
    return word


def normalise(text: str) -> str:
    """Lower case, without accents, punctuation as spaces, plurals folded; words are
    separated by single spaces and the result starts and ends with a space, so that
    `" ecole"` finds every word starting with "ecole"."""
    words = folded_words(text)
    return " " + " ".join(fold_word(w) for w in words) + " " if words else ""


def search_terms(query: str) -> list[str]:
    return normalise(query).split()
