"""Who may apply: each publisher's wording mapped to ``ApplicantType``, the original text kept.

Rules are ordered from specific to general and each match blanks its words out, so "unioni di
comuni" does not also count as "comuni" and "aziende sanitarie" not as businesses. A clause that
excludes ("sono esclusi i comuni", "non possono partecipare le imprese", "not eligible") is
skipped. Broad wordings are expanded to what they mean legally, so the eligibility gate does not
turn a comune away from a call open to it:
- "enti locali", "local authorities", "urban authorities" -> comune, unione di comuni, città metropolitana;
- "enti territoriali" -> those plus other public bodies (regions);
- "enti pubblici", "pubbliche amministrazioni", "public bodies" -> every public type;
- EU "legal entities" -> every public type, third sector, universities, businesses.
"""

from __future__ import annotations

import re

from cercabandi.core.folding import fold as core_fold
from cercabandi.core.vocab import PUBLIC_BODIES, ApplicantType

A = ApplicantType
LOCAL_AUTHORITIES = frozenset({A.COMUNE, A.UNIONE_COMUNI, A.CITTA_METROPOLITANA})
LEGAL_ENTITIES = PUBLIC_BODIES | {A.THIRD_SECTOR, A.UNIVERSITY_RESEARCH, A.BUSINESS}

# (pattern on accent-free lowercase text, types). Order matters: specific first.
_RULES: tuple[tuple[str, frozenset[ApplicantType]], ...] = tuple(
    (pattern, frozenset(types))
    for pattern, types in (
        # --- EU wordings
        (r"\b(?:any\s+)?legal\s+entit(?:y|ies)\b(?:\s*\(public\s+or\s+private\s+bodies\))?", LEGAL_ENTITIES),
        (
            r"\b(?:local|regional|urban|municipal)\s+(?:and\s+regional\s+)?(?:public\s+)?authorit(?:y|ies)\b",
            LOCAL_AUTHORITIES,
        ),
        (r"\b(?:associations?|groupings?)\s+of\s+(?:local\s+authorities|municipalities|cities)\b", {A.UNIONE_COMUNI}),
        (r"\bmunicipalit(?:y|ies)\b|\bcities\b|\btowns\b", {A.COMUNE}),
        (
            r"\bpublic\s+(?:bodies|body|authorit(?:y|ies)|entit(?:y|ies)|administrations?|sector\s+bodies)\b",
            PUBLIC_BODIES,
        ),
        (r"\bprivate\s+(?:bodies|entit(?:y|ies)|organi[sz]ations?)\b", {A.THIRD_SECTOR, A.BUSINESS}),
        (
            r"\bngos?\b|\bnon[-\s]?governmental\s+organi[sz]ations?\b|\bnon[-\s]?profit\s+organi[sz]ations?\b"
            r"|\bcivil\s+society\s+organi[sz]ations?\b|\bcsos?\b|\bfoundations?\b|\bsocial\s+(?:economy|enterprises?)\b",
            {A.THIRD_SECTOR},
        ),
        (
            r"\buniversit(?:y|ies)\b|\bhigher\s+education\b|\bresearch\s+(?:organi[sz]ations?|centres?|centers?|institutes?)\b",
            {A.UNIVERSITY_RESEARCH},
        ),
        (r"\bsmes?\b|\bcompan(?:y|ies)\b|\benterprises?\b|\bbusinesses\b|\bstart-?ups?\b|\bfor-profit\b", {A.BUSINESS}),
        (r"\bschools?\b", {A.SCHOOL}),
        (r"\bhealth\s+(?:authorit(?:y|ies)|care\s+providers?)\b|\bhospitals?\b", {A.HEALTH_AUTHORITY}),
        (r"\bindividuals\b|\bnatural\s+persons?\b|\bcitizens\b", {A.CITIZEN}),
        # --- Italian: local government
        (
            r"\bunion[ei]\s+(?:dei\s+|di\s+)?comuni\b|\bcomunita\s+montan[ae]\b|\bforme\s+associate\b|\bin\s+forma\s+associata\b|\bforma\s+singola\s+o\s+associata\b"
            r"|\bassociazion[ei]\s+(?:dei\s+|di\s+)?comuni\b|\bconsorzi\s+(?:dei\s+|di\s+)?comuni\b|\baggregazion[ei]\s+di\s+comuni\b",
            {A.UNIONE_COMUNI},
        ),
        (
            r"\bcitta\s+metropolitan[ae]\b|\benti\s+di\s+area\s+vasta\b|\bamministrazion[ei]\s+provincial[ei]\b"
            r"|(?<!\bin\s)(?<!\bnella\s)(?<!\bdella\s)(?<!\bdelle\s)(?<!\bnelle\s)(?<!\bper\sla\s)\bprovinc(?:e|ia)\b(?!\s+(?:di|del|della|autonoma)\s)"
            r"|\bprovince\s+autonome\b",
            {A.CITTA_METROPOLITANA},
        ),
        (r"\benti\s+local[ei]\b|\bautonomie\s+locali\b", LOCAL_AUTHORITIES),
        (r"\benti\s+territorial[ei]\b", LOCAL_AUTHORITIES | {A.OTHER_PUBLIC}),
        (
            r"\bamministrazion[ei]\s+comunal[ei]\b|\bmunicipi\b|\bcomuni\s+capoluogo\b|(?<!\bbene\s)(?<!\bbeni\s)(?<!\bin\s)(?<!\bparti\s)(?<!\baree\s)(?<!\bspazi\s)\bcomun[ei]\b(?!\s+(?:accordo|interesse|obiettiv))",
            {A.COMUNE},
        ),
        # --- Italian: health, schools, universities (before the generic "enti pubblici"/"aziende")
        (
            r"\basst\b|\bats\b|\basl\b|\baziend[ae]\s+(?:socio[-\s]?)?sanitari[ae](?:\s+local[ei])?\b|\baziend[ae]\s+ospedalier[ae]\b"
            r"|\bagenzi[ae]\s+(?:regional[ei]\s+)?sanitari[ae](?:\s+regional[ei])?\b|\bazienda\s+di\s+tutela\s+della\s+salute\b|\birccs\b|\bstrutture\s+sanitarie\s+pubbliche\b"
            r"|\bistituti\s+zooprofilattici\b|\baoo?\b",
            {A.HEALTH_AUTHORITY},
        ),
        (
            r"\bscuol[ae]\b|\bistituti\s+scolastici\b|\bistituzion[ei]\s+scolastich[ea]\b|\bistituti\s+comprensivi\b|\bcpia\b|\bistituti\s+(?:tecnici|professionali)\b",
            {A.SCHOOL},
        ),
        (
            r"\buniversita\b|\batenei\b|\benti\s+di\s+ricerca\b|\bente\s+di\s+ricerca\b|\bistituti\s+di\s+ricerca\b|\borganismi\s+di\s+ricerca\b"
            r"|\bcentri\s+di\s+ricerca\b|\bafam\b|\bistituzioni\s+di\s+alta\s+formazione\b",
            {A.UNIVERSITY_RESEARCH},
        ),
        # --- Italian: third sector (before "associazioni", "cooperative", "imprese")
        (
            r"\bterzo\s+settore\b|\bets\b|\baps\b|\bodv\b|\bonlus\b|\bassociazion[ei]\s+di\s+promozione\s+sociale\b"
            r"|\borganizzazion[ei]\s+di\s+volontariato\b|\bcooperativ[ae]\s+social[ei]\b|\bimpres[ae]\s+social[ei]\b|\bconsorzi\s+social[ei]\b"
            r"|\bfondazion[ei]\b|\bnon[-\s]?profit\b|\benti\s+ecclesiastic[ei]\b|\benti\s+religios[ei]\b|\bparrocchi[ae]\b|\boratori\b"
            r"|\bcooperative\s*/\s*associazioni\s+non\s+profit\b|\bassociazion[ei]\s+sportiv[ae]\b|\bentita\s+non\s+commercial[ei]\b"
            r"|\borganizzazion[ei]\s+non\s+governativ[ae]\b|\bong\b|\bsenza\s+(?:scopo|fini|finalita)\s+di\s+lucro\b|\bnon\s+lucrativ\w*",
            {A.THIRD_SECTOR},
        ),
        (r"(?<!\bcategoria\s)\bassociazion[ei]\b(?!\s+(?:di|dei)\s+(?:categoria|impres))", {A.THIRD_SECTOR}),
        # --- Italian: generic public bodies
        (
            r"\benti\s+pubblic[ei]\b|\bente\s+pubblico\b|\bpubblich[ea]\s+amministrazion[ei]\b|\bamministrazion[ei]\s+pubblich[ea]\b"
            r"|\bp\.\s?a\.|\bpa\b(?!\s+central)|\borganismi\s+di\s+diritto\s+pubblico\b",
            PUBLIC_BODIES,
        ),
        (
            r"\baziend[ae]\s+(?:pubblich[ea]\s+)?di\s+servizi\s+alla\s+persona\b|\basp\b|\bpa\s+central[ei]\b|\bamministrazion[ei]\s+central[ei]\b|\bminister[io]\b|\bregion[ei]\b|\benti\s+regional[ei]\b|\bagenzi[ae]\s+regional[ei]\b"
            r"|\bcamer[ae]\s+di\s+commercio\b|\benti\s+parco\b|\baler\b|\bconsorzi\s+pubblici\b|\baltri\s+enti(?:\s+pubblici)?\b|\benti\s+strumentali\b",
            {A.OTHER_PUBLIC},
        ),
        # --- Italian: businesses and people
        (
            r"\bimpres[ae]\b|\bpmi\b|\bmicroimpres[ae]\b|\bstart-?up\b|\baziend[ae]\b|\bsocieta\b|\bprofessionist[ai]\b|\brete\s+d['’]?\s*impres[ae]\b"
            r"|\bconsorzi[o]?\b|\bcooperativ[ae]\b|\blavoratori\s+autonomi\b|\bimprenditor[ei]\b",
            {A.BUSINESS},
        ),
        (
            r"\bcittadin[ie]\b|\bpersone\s+fisiche\b|\bfamiglie\b|\bnuclei\s+familiari\b|\bstudenti\b|\bprivati\s+cittadini\b|\bgiovani\b",
            {A.CITIZEN},
        ),
    )
)
_COMPILED = tuple((re.compile(pattern, re.IGNORECASE), types) for pattern, types in _RULES)
_NEGATION = re.compile(
    r"\b(?:esclus[iaoe]|non\s+(?:possono|sono|e|potranno)\s+(?:ammess\w*|ammissibil\w*|partecipare|presentare|beneficiar\w*)"
    r"|non\s+ammess\w*|non\s+ammissibil\w*|ad\s+eccezione|not\s+eligible|are\s+excluded|excluding|except|cannot\s+apply)\b",
    re.IGNORECASE,
)
_CLAUSE_SPLIT = re.compile(r"[.;\n!?]|\s[-–•]\s")


def fold(text: str) -> str:
    """Lowercase text without accents or typographic apostrophes, for matching."""
    return core_fold(text.replace("’", "'").replace("`", "'"))


def map_applicants(text: str | None) -> set[ApplicantType]:
    """The applicant types a publisher's wording allows; empty when it names none we know."""
    if not text:
        return set()
    found: set[ApplicantType] = set()
    for clause in _CLAUSE_SPLIT.split(fold(text)):
        if not clause.strip() or _NEGATION.search(clause):
            continue
        remaining = clause
        for pattern, types in _COMPILED:
            if pattern.search(remaining):
                found |= types
                remaining = pattern.sub(lambda m: " " * len(m.group(0)), remaining)
    return found
