"""Controlled vocabularies shared by every stage.

Values are short, stable English slugs (stored in the database and used in code);
``LABELS_IT`` gives the Italian wording shown to users.
"""

from __future__ import annotations

from enum import StrEnum


class ApplicantType(StrEnum):
    """Who may apply for a call, or who proposes a project."""

    COMUNE = "comune"
    CITTA_METROPOLITANA = "citta_metropolitana"  # also provincia
    UNIONE_COMUNI = "unione_comuni"
    OTHER_PUBLIC = "other_public"
    SCHOOL = "school"
    HEALTH_AUTHORITY = "health_authority"
    THIRD_SECTOR = "third_sector"  # ETS, APS, ODV, cooperative sociali, fondazioni
    UNIVERSITY_RESEARCH = "university_research"
    BUSINESS = "business"
    CITIZEN = "citizen"


class Level(StrEnum):
    EU = "eu"
    NATIONAL = "national"
    REGIONAL = "regional"
    LOCAL = "local"
    FOUNDATION = "foundation"


class Instrument(StrEnum):
    """What a call offers; only ``FUNDING_INSTRUMENTS`` are offered to projects."""

    GRANT = "grant"
    LOAN = "loan"
    PRIZE = "prize"
    PROCUREMENT = "procurement"  # a tender or framework agreement: the body buys, it does not fund
    LIST = "list"  # a list or register to enrol in (experts, lawyers, suppliers)
    SPONSORSHIP = "sponsorship"  # the body looks for sponsors
    RECRUITMENT = "recruitment"  # personnel competitions, job and internship notices
    OTHER = "other"


class DateLabel(StrEnum):
    """What a labelled date string of a raw record is (``Labelled.label``, before any ``: stage``)."""

    PUBLISHED = "published"
    OPENING = "opening"
    DEADLINE = "deadline"
    PERIOD = "period"  # a phrase holding both ends, "dal 02/03 al 03/06/2026"
    CLOSING_NOTE = "closing_note"  # "fino ad esaurimento fondi"


class AmountLabel(StrEnum):
    """What a labelled amount string of a raw record is (``Labelled.label``, before any ``: detail``)."""

    BUDGET = "budget"
    GRANT_MIN = "grant_min"
    GRANT_MAX = "grant_max"
    COFINANCING = "cofinancing"
    AMOUNT = "amount"  # meaning unknown: a sentence with a figure
    CALL_BUDGET = "call_budget"  # a whole call's budget shared by its topics: not this call's own budget


class CallStatus(StrEnum):
    """Derived from the dates and a given ``now``; never stored."""

    FORTHCOMING = "forthcoming"
    OPEN = "open"
    CLOSED = "closed"


class TerritoryScope(StrEnum):
    EU = "eu"
    ITALY = "italy"
    LOMBARDIA = "lombardia"
    COMUNI = "comuni"  # a list of ISTAT codes
    OTHER_REGIONS = "other_regions"  # limited to places that exclude Lombardy (e.g. "Puglia, Campania")
    PROVINCES = "provinces"  # limited to Lombard provinces (two-letter codes, "MI" = Città metropolitana)


class ProjectStage(StrEnum):
    IDEA = "idea"
    FEASIBILITY = "feasibility"  # studio di fattibilità / PFTE
    FINAL_DESIGN = "final_design"  # progetto definitivo
    EXECUTIVE_DESIGN = "executive_design"  # progetto esecutivo
    UNDER_WAY = "under_way"
    COMPLETED = "completed"


class ReviewTag(StrEnum):
    RELEVANT = "relevant"
    NOT_RELEVANT = "not_relevant"


class ReviewReason(StrEnum):
    """Why a volunteer said a call does not fit."""

    APPLICANT_TYPE = "applicant_type"
    TERRITORY = "territory"
    THEME = "theme"
    BUDGET = "budget"
    TIMING = "timing"
    DUPLICATE = "duplicate"
    OTHER = "other"


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    VOLUNTEER = "volunteer"


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


FUNDING_INSTRUMENTS: frozenset[Instrument] = frozenset({Instrument.GRANT, Instrument.LOAN, Instrument.PRIZE})


class ApplicationStatus(StrEnum):
    """Where an application (candidatura) stands; the allowed moves are in ``monitoring.rules``."""

    IDEA = "idea"
    IN_PREPARATION = "in_preparation"
    SUBMITTED = "submitted"
    FUNDED = "funded"
    NOT_FUNDED = "not_funded"
    WITHDRAWN = "withdrawn"


class PartnerKind(StrEnum):
    """Who takes part in an application besides the lead body (capofila)."""

    COMUNE = "comune"
    THIRD_SECTOR = "third_sector"
    OTHER = "other"


class ProgressStage(StrEnum):
    """The state of progress of a funded project."""

    NOT_STARTED = "not_started"
    DESIGN = "design"
    PROCUREMENT = "procurement"
    UNDER_WAY = "under_way"
    ACTIVE = "active"  # open data says only "CUP attivo": funded and not closed, stage unknown
    COMPLETED = "completed"
    REPORTED = "reported"  # rendicontato


PUBLIC_BODIES: frozenset[ApplicantType] = frozenset(
    {
        ApplicantType.COMUNE,
        ApplicantType.CITTA_METROPOLITANA,
        ApplicantType.UNIONE_COMUNI,
        ApplicantType.OTHER_PUBLIC,
        ApplicantType.SCHOOL,
        ApplicantType.HEALTH_AUTHORITY,
    }
)

_LABELS_BY_VOCAB: dict[type[StrEnum], dict[str, str]] = {
    ApplicantType: {
        ApplicantType.COMUNE: "Comune",
        ApplicantType.CITTA_METROPOLITANA: "Città metropolitana / Provincia",
        ApplicantType.UNIONE_COMUNI: "Unione di comuni",
        ApplicantType.OTHER_PUBLIC: "Altro ente pubblico",
        ApplicantType.SCHOOL: "Scuola",
        ApplicantType.HEALTH_AUTHORITY: "Azienda sanitaria",
        ApplicantType.THIRD_SECTOR: "Terzo settore / non profit",
        ApplicantType.UNIVERSITY_RESEARCH: "Università / ricerca",
        ApplicantType.BUSINESS: "Impresa",
        ApplicantType.CITIZEN: "Cittadini",
    },
    Level: {
        Level.EU: "Europeo",
        Level.NATIONAL: "Nazionale",
        Level.REGIONAL: "Regionale",
        Level.LOCAL: "Locale",
        Level.FOUNDATION: "Fondazione",
    },
    Instrument: {
        Instrument.GRANT: "Contributo a fondo perduto",
        Instrument.LOAN: "Finanziamento agevolato",
        Instrument.PRIZE: "Premio",
        Instrument.PROCUREMENT: "Appalto / gara",
        Instrument.LIST: "Elenco / albo",
        Instrument.SPONSORSHIP: "Ricerca di sponsor",
        Instrument.RECRUITMENT: "Selezione di personale",
        Instrument.OTHER: "Altro",
    },
    CallStatus: {
        CallStatus.FORTHCOMING: "In apertura",
        CallStatus.OPEN: "Aperto",
        CallStatus.CLOSED: "Chiuso",
    },
    TerritoryScope: {
        TerritoryScope.EU: "Unione europea",
        TerritoryScope.ITALY: "Italia",
        TerritoryScope.LOMBARDIA: "Lombardia",
        TerritoryScope.OTHER_REGIONS: "Altre regioni",
        TerritoryScope.COMUNI: "Comuni indicati",
        TerritoryScope.PROVINCES: "Province indicate",
    },
    ProjectStage: {
        ProjectStage.IDEA: "Idea",
        ProjectStage.FEASIBILITY: "Fattibilità / PFTE",
        ProjectStage.FINAL_DESIGN: "Progetto definitivo",
        ProjectStage.EXECUTIVE_DESIGN: "Progetto esecutivo",
        ProjectStage.UNDER_WAY: "In corso",
        ProjectStage.COMPLETED: "Concluso",
    },
    ReviewTag: {
        ReviewTag.RELEVANT: "Pertinente",
        ReviewTag.NOT_RELEVANT: "Non pertinente",
    },
    ReviewReason: {
        ReviewReason.APPLICANT_TYPE: "Soggetto non ammissibile",
        ReviewReason.TERRITORY: "Territorio",
        ReviewReason.THEME: "Tema",
        ReviewReason.BUDGET: "Budget",
        ReviewReason.TIMING: "Tempistica",
        ReviewReason.DUPLICATE: "Duplicato",
        ReviewReason.OTHER: "Altro",
    },
    Role: {
        Role.ADMIN: "Amministratore",
        Role.STAFF: "Staff",
        Role.VOLUNTEER: "Volontario",
    },
    Frequency: {
        Frequency.DAILY: "Giornaliero",
        Frequency.WEEKLY: "Settimanale",
    },
    ApplicationStatus: {
        ApplicationStatus.IDEA: "Idea",
        ApplicationStatus.IN_PREPARATION: "In preparazione",
        ApplicationStatus.SUBMITTED: "Presentata",
        ApplicationStatus.FUNDED: "Finanziata",
        ApplicationStatus.NOT_FUNDED: "Non finanziata",
        ApplicationStatus.WITHDRAWN: "Ritirata",
    },
    PartnerKind: {
        PartnerKind.COMUNE: "Comune",
        PartnerKind.THIRD_SECTOR: "Ente del terzo settore",
        PartnerKind.OTHER: "Altro partner",
    },
    ProgressStage: {
        ProgressStage.NOT_STARTED: "Non avviato",
        ProgressStage.DESIGN: "Progettazione",
        ProgressStage.PROCUREMENT: "Affidamento",
        ProgressStage.UNDER_WAY: "Lavori / attività in corso",
        ProgressStage.ACTIVE: "Attivo (fase non nota)",
        ProgressStage.COMPLETED: "Concluso",
        ProgressStage.REPORTED: "Rendicontato",
    },
}

# Keyed by bare value, for callers that hold a plain string. Values shared by two vocabularies
# ("eu" is a Level and a TerritoryScope) take the earlier table's label: Level comes before
# TerritoryScope here, because a call's level is what pages show most. Pass the vocabulary to
# ``label_it`` (or an enum member) to be exact.
LABELS_IT: dict[str, str] = {}
for _table in _LABELS_BY_VOCAB.values():
    for _value, _label in _table.items():
        LABELS_IT.setdefault(str(_value), _label)


def label_it(value: str, vocabulary: type[StrEnum] | None = None) -> str:
    """Italian label of a vocabulary value (the value itself when unknown).

    An enum member is looked up in its own vocabulary; a plain string in ``vocabulary``
    when given, else in ``LABELS_IT``.
    """
    if vocabulary is None and isinstance(value, StrEnum):
        vocabulary = type(value)
    if vocabulary is not None:
        return _LABELS_BY_VOCAB.get(vocabulary, {}).get(str(value), str(value))
    return LABELS_IT.get(str(value), str(value))
