"""The headings of the budget of an action in the CERFA 12156 (« Demande de
subvention(s) », formulaire unique des associations, version n° 12156*06, section
« Budget du projet »).

This list comes from the CERFA form, not from the contract's seed: the seed names the
form nowhere. The CERFA asks for whole euros; the tool keeps the cents (as every amount
of the product) and refuses a budget whose charges and produits differ by a cent.

Each heading: (code, side, label, funder kinds of the funding lines it reconciles with).
The sub-headings of 74 (Subventions d'exploitation) are the public funders the form lists;
their total is reconciled with the funding lines of the same year, and the
sub-headings of an unambiguous funder (État, Région, …) funder by funder
(`budget.reconcile`); a bailleur or another named partner counts in the total only."""

CHARGE = "charge"
PRODUIT = "produit"

HEADINGS = [
    ("60", CHARGE, "60 – Achats", ()),
    ("61", CHARGE, "61 – Services extérieurs", ()),
    ("62", CHARGE, "62 – Autres services extérieurs", ()),
    ("63", CHARGE, "63 – Impôts et taxes", ()),
    ("64", CHARGE, "64 – Charges de personnel", ()),
    ("65", CHARGE, "65 – Autres charges de gestion courante", ()),
    ("66", CHARGE, "66 – Charges financières", ()),
    ("67", CHARGE, "67 – Charges exceptionnelles", ()),
    ("68", CHARGE, "68 – Dotation aux amortissements", ()),
    ("86", CHARGE, "86 – Emplois des contributions volontaires en nature", ()),
    ("70", PRODUIT, "70 – Vente de produits finis, de marchandises, prestations de services", ()),
    ("74-etat", PRODUIT, "74 – Subventions d'exploitation : État", ("etat_pv",)),
    ("74-region", PRODUIT, "74 – Subventions d'exploitation : Région(s)", ("region",)),
    ("74-departement", PRODUIT, "74 – Subventions d'exploitation : Département(s)",
     ("departement",)),
    ("74-epci", PRODUIT, "74 – Subventions d'exploitation : Intercommunalité(s) : EPCI",
     ("mel",)),
    ("74-commune", PRODUIT, "74 – Subventions d'exploitation : Commune(s)", ("commune",)),
    ("74-social", PRODUIT, "74 – Subventions d'exploitation : Organismes sociaux (CAF, etc.)",
     ("caf",)),
    ("74-europe", PRODUIT, "74 – Subventions d'exploitation : Fonds européens (FSE, FEDER, etc.)",
     ()),
    ("74-asp", PRODUIT,
     "74 – Subventions d'exploitation : Agence de services et de paiement (emplois aidés)", ()),
    ("74-public", PRODUIT, "74 – Subventions d'exploitation : Autres établissements publics",
     ()),
    ("74-prive", PRODUIT, "74 – Subventions d'exploitation : Aides privées (fondation)",
     ()),
    ("75", PRODUIT, "75 – Autres produits de gestion courante (cotisations, dons manuels ou legs)",
     ()),
    ("76", PRODUIT, "76 – Produits financiers", ()),
    ("77", PRODUIT, "77 – Produits exceptionnels", ()),
    ("78", PRODUIT, "78 – Reprises sur amortissements et provisions", ()),
    ("87", PRODUIT, "87 – Contributions volontaires en nature", ()),
]  # fmt: skip

CODES = [code for code, *_ in HEADINGS]
CHOICES = [(code, label) for code, _side, label, _kinds in HEADINGS]
SIDE = {code: side for code, side, *_ in HEADINGS}
LABEL = dict(CHOICES)
SUBSIDIES = [code for code in CODES if code.startswith("74-")]
# funder kind of a funding line -> the 74 sub-heading it reconciles with
HEADING_OF_FUNDER = {kind: code for code, _s, _l, kinds in HEADINGS for kind in kinds}
