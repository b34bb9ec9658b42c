"""Applicant wording, territory wording, and HTML cleaning/sanitising/language."""

from __future__ import annotations

import pytest

from cercabandi.core.models import Territory
from cercabandi.core.vocab import PUBLIC_BODIES, ApplicantType, TerritoryScope
from cercabandi.normalise.applicants import LEGAL_ENTITIES, LOCAL_AUTHORITIES, map_applicants
from cercabandi.normalise.territory import detect_territory, territory_from_regions
from cercabandi.normalise.text import clean_inline, detect_language, html_to_text

A = ApplicantType


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Comuni", {A.COMUNE}),
        ("Comuni in forma singola o associata", {A.COMUNE, A.UNIONE_COMUNI}),
        ("Unioni di comuni", {A.UNIONE_COMUNI}),
        ("Province;Citta Metropolitane", {A.CITTA_METROPOLITANA}),
        ("città metropolitane e province", {A.CITTA_METROPOLITANA}),
        ("enti locali", set(LOCAL_AUTHORITIES)),
        ("enti territoriali", set(LOCAL_AUTHORITIES) | {A.OTHER_PUBLIC}),
        ("Enti pubblici", set(PUBLIC_BODIES)),
        ("Ente Pubblico; Cooperative/Associazioni Non Profit", set(PUBLIC_BODIES) | {A.THIRD_SECTOR}),
        ("enti del Terzo settore", {A.THIRD_SECTOR}),
        ("APS e ODV iscritte al RUNTS", {A.THIRD_SECTOR}),
        ("cooperative sociali di tipo A e B", {A.THIRD_SECTOR}),
        ("Fondazioni e associazioni", {A.THIRD_SECTOR}),
        ("imprese e PMI", {A.BUSINESS}),
        ("Scuole", {A.SCHOOL}),
        ("istituzioni scolastiche statali", {A.SCHOOL}),
        ("Università; Istituti di ricerca e AFAM", {A.UNIVERSITY_RESEARCH}),
        ("ASST e ATS", {A.HEALTH_AUTHORITY}),
        ("Aziende Ospedaliere; ASL", {A.HEALTH_AUTHORITY}),
        ("cittadini e famiglie", {A.CITIZEN}),
        ("PA Centrali; Altri enti", {A.OTHER_PUBLIC}),
        ("To be eligible, applicants must be legal entities (public or private bodies)", set(LEGAL_ENTITIES)),
        ("public bodies", set(PUBLIC_BODIES)),
        ("NGOs and civil society organisations", {A.THIRD_SECTOR}),
        ("local authorities", set(LOCAL_AUTHORITIES)),
        ("urban authorities and associations of urban authorities", set(LOCAL_AUTHORITIES)),
        ("possono presentare domanda le PMI secondo la definizione dell'allegato I", {A.BUSINESS}),
        # traps
        ("Sono esclusi i Comuni. Possono partecipare le associazioni", {A.THIRD_SECTOR}),
        ("imprese con sede in provincia di Milano", {A.BUSINESS}),
        ("progetti per il bene comune", set()),
        ("associazioni di categoria", set()),
        ("aziende sanitarie locali", {A.HEALTH_AUTHORITY}),
        ("", set()),
    ],
)
def test_applicants(text: str, expected: set[ApplicantType]) -> None:
    assert map_applicants(text) == expected


@pytest.mark.parametrize(
    ("text", "scope", "codes"),
    [
        ("Lombardia", TerritoryScope.LOMBARDIA, []),
        ("Lombardia e province di Novara e del Verbano-Cusio-Ossola", TerritoryScope.LOMBARDIA, []),
        ("Nazionale", TerritoryScope.ITALY, []),
        ("tutto il territorio nazionale", TerritoryScope.ITALY, []),
        ("Puglia", TerritoryScope.OTHER_REGIONS, []),
        ("Campania, Calabria e Sicilia", TerritoryScope.OTHER_REGIONS, []),
        ("EU Member States", TerritoryScope.EU, []),
        ("Comune di Rho e Comune di Pero", TerritoryScope.COMUNI, ["015182", "015170"]),
        ("Sesto San Giovanni", TerritoryScope.COMUNI, ["015209"]),
    ],
)
def test_territory_wording(text: str, scope: TerritoryScope, codes: list[str]) -> None:
    territory = detect_territory(text, default=TerritoryScope.ITALY)
    assert territory.scope is scope
    assert territory.comuni == sorted(codes)
    assert territory.text == text


def test_territory_of_the_metropolitan_city_lists_every_comune() -> None:
    territory = detect_territory("Città metropolitana di Milano", default=TerritoryScope.ITALY)
    assert territory.scope is TerritoryScope.COMUNI
    assert len(territory.comuni) == 133
    assert territory.covers("015146")


def test_other_regions_do_not_cover_our_comuni() -> None:
    assert Territory(scope=TerritoryScope.OTHER_REGIONS, text="Puglia").covers("015146") is False


@pytest.mark.parametrize(
    ("regions", "scope"),
    [
        (["Puglia"], TerritoryScope.OTHER_REGIONS),
        (["Piemonte", "Lombardia"], TerritoryScope.LOMBARDIA),
        (["Friuli-Venezia Giulia", "Trentino-Alto Adige/Südtirol", "Veneto", "Estero"], TerritoryScope.OTHER_REGIONS),
        (
            [
                "Piemonte",
                "Lombardia",
                "Valle d'Aosta/Vallée d'Aoste",
                "Liguria",
                "Abruzzo",
                "Molise",
                "Basilicata",
                "Calabria",
                "Campania",
                "Puglia",
                "Sicilia",
                "Trentino-Alto Adige/Südtirol",
                "Veneto",
                "Sardegna",
                "Toscana",
                "Friuli-Venezia Giulia",
                "Emilia-Romagna",
                "Umbria",
                "Marche",
                "Lazio",
            ],
            TerritoryScope.ITALY,
        ),
    ],
)
def test_territory_from_region_lists(regions: list[str], scope: TerritoryScope) -> None:
    territory = territory_from_regions(regions)
    assert territory is not None and territory.scope is scope


def test_html_to_text_keeps_blocks_and_drops_scripts() -> None:
    html = "<div><p>Scade il: <strong> 07/09/2026 ,</strong> ore 12:00</p><script>alert(1)</script><ul><li>uno</li><li>due</li></ul></div>"
    assert html_to_text(html) == "Scade il: 07/09/2026 , ore 12:00\n- uno\n- due"


def test_clean_inline_unescapes_and_collapses() -> None:
    assert clean_inline("  Bando&nbsp;<b>Tertium</b>\n 2026 ") == "Bando Tertium 2026"
    assert clean_inline("Chi pu&ograve; partecipare") == "Chi può partecipare"


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [
        ("Bando per la rigenerazione urbana dei comuni lombardi e il welfare di comunità", "en", "it"),
        ("Support for the functioning of social services in urban areas across Europe", "it", "en"),
        ("Appel à projets pour les villes et les collectivités territoriales", "it", "fr"),
        ("Förderaufruf für Kommunen und Gemeinden im ländlichen Raum", "it", "de"),
        ("Convocatoria de ayudas para municipios y entidades locales", "it", "es"),
        ("Bando Tertium", "it", "it"),  # too short: the source's language
        ("PNRR", "en", "en"),
    ],
)
def test_language(text: str, default: str, expected: str) -> None:
    assert detect_language(text, default=default) == expected
