"""One small raw record per source, shaped like its spider's output, through ``normalise_record``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from cercabandi.core.models import Attachment, Labelled, RawCall
from cercabandi.core.sources import SOURCES
from cercabandi.core.vocab import PUBLIC_BODIES, ApplicantType, CallStatus, Instrument, Level, TerritoryScope
from cercabandi.normalise import NormalisationError, normalise_record
from cercabandi.normalise.dates import ROME
from cercabandi.normalise.mappers import MAPPERS

A = ApplicantType
FETCHED = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def raw(source: str, **fields: Any) -> RawCall:
    base: dict[str, Any] = {
        "source": source,
        "url": f"https://example.org/{source}/1",
        "fetched_at": FETCHED,
        "native_id": "1",
    }
    base.update(fields)
    return RawCall(**base)


def run(record: RawCall, now: datetime) -> Any:
    return normalise_record(record, now=now, first_seen=now, last_seen=now)


def L(label: str, value: str) -> Labelled:
    return Labelled(label=label, value=value)


def test_every_source_has_a_mapper() -> None:
    assert set(MAPPERS) == set(SOURCES)


def test_eu_sedia_topic(now: datetime) -> None:
    overview = {
        "budgetYearsColumns": ["2027"],
        "budgetTopicActionMap": {
            "1": [
                {
                    "action": "CERV-2027-CITIZENS-TOWN-TT - CERV Project Grants",
                    "expectedGrants": 40,
                    "minContribution": 30000,
                    "maxContribution": 150000,
                    "budgetYearMap": {"2027": "4000000"},
                },
                {
                    "action": "OTHER-TOPIC - x",
                    "minContribution": 1,
                    "maxContribution": 9,
                    "budgetYearMap": {"2027": "9"},
                },
            ]
        },
    }
    record = raw(
        "eu_sedia",
        native_id="CERV-2027-CITIZENS-TOWN-TT",
        url="https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/CERV-2027-CITIZENS-TOWN-TT",
        title="Town-Twinning",
        body="<p>Town-twinning projects bring together <b>citizens</b> of towns.</p><script>x()</script>",
        dates=[
            L("opening", "2026-09-15T00:00:00.000+0000"),
            L("deadline: first stage", "2027-01-20T00:00:00.000+0000"),
            L("deadline: second stage", "2027-09-15T00:00:00.000+0000"),
        ],
        amounts=[L("budget", "4000000"), L("grant_min", "30000"), L("grant_max", "150000")],
        applicants="<p>To be eligible, applicants must be legal entities (public or private bodies); "
        "towns/municipalities or their twinning committees or other non-profit organisations representing local authorities.</p>",
        programme="Citizens, Equality, Rights and Values Programme (CERV)",
        status="Open",
        extra={"type": "1", "topic_identifier": "CERV-2027-CITIZENS-TOWN-TT"},
        payload={
            "search": {
                "metadata": {"identifier": ["CERV-2027-CITIZENS-TOWN-TT"], "budgetOverview": [json.dumps(overview)]}
            }
        },
    )
    call = run(record, now)
    assert call.id == "eu_sedia:CERV-2027-CITIZENS-TOWN-TT"
    assert call.level is Level.EU and call.territory.scope is TerritoryScope.EU
    assert call.language == "en"
    # date-only SEDIA deadlines are the portal's 17:00 Brussels time
    assert [(d.at, d.label) for d in call.deadlines] == [
        (utc(2027, 1, 20, 16), "first stage"),
        (utc(2027, 9, 15, 15), "second stage"),
    ]
    assert call.opening_date == utc(2026, 9, 14, 22)
    assert (call.budget_total, call.grant_min, call.grant_max) == (Decimal(4000000), Decimal(30000), Decimal(150000))
    assert A.COMUNE in call.applicant_types and A.THIRD_SECTOR in call.applicant_types
    assert "script" not in (call.body_html or "") and "Town-twinning" in call.body_text
    assert call.status(now) is CallStatus.OPEN  # opened 15 Sep 2026
    assert call.status(utc(2026, 9, 1)) is CallStatus.FORTHCOMING
    assert call.status(utc(2027, 9, 15, 16)) is CallStatus.CLOSED
    assert call.issuer == "European Commission"


def test_eu_sedia_budget_from_payload_when_the_spider_gave_no_amounts(now: datetime) -> None:
    overview = {
        "budgetTopicActionMap": {
            "9": [
                {
                    "action": "T-1 - RIA",
                    "minContribution": 2,
                    "maxContribution": 5,
                    "budgetYearMap": {"2026": "7", "2027": "3"},
                }
            ]
        }
    }
    record = raw(
        "eu_sedia",
        native_id="T-1",
        title="T",
        extra={"type": "1"},
        payload={"search": {"metadata": {"budgetOverview": [json.dumps(overview)]}}},
    )
    call = run(record, now)
    assert (call.budget_total, call.grant_min, call.grant_max) == (Decimal(10), Decimal(2), Decimal(5))


def test_eu_sedia_cascade_and_tender(now: datetime) -> None:
    cascade = run(
        raw(
            "eu_sedia",
            native_id="cascade-1",
            title="Open call for cities",
            extra={"type": "8", "project_acronym": "URBANAI"},
            dates=[L("deadline", "2027-02-01T00:00:00.000+0000")],
        ),
        now,
    )
    assert cascade.issuer == "URBANAI" and cascade.deadlines[0].at == utc(2027, 2, 1, 22, 59, 59)
    with pytest.raises(NormalisationError, match="procurement"):
        run(raw("eu_sedia", native_id="X", title="Services", extra={"type": "0"}), now)


def test_lombardia_bandi_detail_page(now: datetime) -> None:
    row = {
        "codice_bando": "RLP12026052483",
        "titolo_bando": "Bando Tertium",
        "ente": "Regione Lombardia",
        "apertura_adesione": "2026-06-16T00:00:00.000",
        "chiusura_adesione": "2027-09-07T00:00:00.000",
        "tipo_strumento": "Bando",
    }
    record = raw(
        "lombardia_bandi",
        native_id="RLP12026052483",
        title="Bando Tertium",
        summary="Contributi alle PMI della moda",
        dates=[
            L("published", "Pubblicato il: 14/05/2026 , ore 09:16"),
            L("opening", "Domande dal: 16/06/2026 , ore 10:00"),
            L("deadline", "Scade il: 07/09/2027 , ore 12:00"),
            L("deadline", "2027-09-07 12:00"),
        ],
        amounts=[
            L("budget", "Dotazione finanziaria: € 4.000.000,00"),
            L("grant_max", "contributo massimo di 200.000 euro"),
        ],
        applicants="<p>possono presentare domanda di&nbsp;partecipazione le&nbsp;PMI secondo la definizione dell&rsquo;allegato I</p>",
        programme="PR Lombardia FESR 2021-2027",
        status="Aperto",
        extra={"tipo_strumento": "Bando"},
        payload={"index": row, "detail_url": None, "detail_html": None},
    )
    call = run(record, now)
    assert [d.at for d in call.deadlines] == [utc(2027, 9, 7, 10)]  # one deadline, with its hour
    assert call.opening_date == utc(2026, 6, 16, 8)
    assert call.applicant_types == [A.BUSINESS]
    assert "partecipazione" in (call.applicants_text or "")
    assert call.territory.scope is TerritoryScope.LOMBARDIA and call.level is Level.REGIONAL
    assert (call.budget_total, call.grant_max) == (Decimal(4000000), Decimal(200000))
    assert call.status(now) is CallStatus.OPEN


def test_lombardia_socrata_row_a_sportello_and_closed_chip(now: datetime) -> None:
    row = {
        "codice_bando": "RLA1",
        "titolo_bando": "Dote scuola",
        "ente": "Regione Lombardia",
        "apertura_adesione": "2025-01-10T00:00:00.000",
        "tipo_strumento": "Avviso Dote",
    }
    call = run(raw("lombardia_bandi", native_id="RLA1", payload=row, extra={"tipo_strumento": "Avviso Dote"}), now)
    assert call.title == "Dote scuola" and call.rolling and call.deadlines == []
    assert call.status(now) is CallStatus.OPEN
    closed = run(raw("lombardia_bandi", native_id="RLA2", title="Bando chiuso", status="Chiuso", payload=row), now)
    assert closed.closed_by_publisher and closed.status(now) is CallStatus.CLOSED


def test_lombardia_job_competition_is_quarantined(now: datetime) -> None:
    record = raw(
        "lombardia_bandi",
        native_id="ARIA1",
        title="Concorso",
        extra={"tipo_strumento": "Concorsi Pubblici e Avvisi sul Personale"},
    )
    with pytest.raises(NormalisationError, match="job competition"):
        run(record, now)


def test_it_incentivi(now: datetime) -> None:
    record = raw(
        "it_incentivi",
        native_id="7828",
        title="Sviluppo competenze",
        summary="Regime di aiuto per le PMI",
        body="Cos'è Sviluppo Competenze è un regime di aiuto. A chi si rivolge PMI e enti del terzo settore.",
        dates=[
            L("opening", "2026-04-21T00:00:00"),
            L("deadline", "2027-06-23T00:00:00"),
        ],
        amounts=[L("budget", "50000000"), L("grant_min", "0"), L("grant_max", "42000")],
        applicants="Impresa; Cooperative/Associazioni Non Profit; Rete d'impresa; Consorzio",
        territory="Molise; Basilicata; Calabria; Campania; Puglia; Sicilia; Sardegna",
        issuer="Ministero delle Imprese e del Made in Italy",
        extra={
            "forma_agevolazione": "Contributo/Fondo perduto",
            "close_date_descriptor": "potranno essere presentate a partire dalle ore 12.00 del 21/04/2026 fino alle ore 12.00 del 23/06/2027.",
        },
    )
    call = run(record, now)
    assert call.deadlines[0].at == utc(2027, 6, 23, 10)  # the hour from the descriptor
    assert call.opening_date == utc(2026, 4, 20, 22)
    assert call.territory.scope is TerritoryScope.OTHER_REGIONS and not call.territory.covers("015146")
    assert call.grant_min is None and call.grant_max == Decimal(42000) and call.budget_total == Decimal(50000000)
    assert set(call.applicant_types) == {A.BUSINESS, A.THIRD_SECTOR}
    assert call.instrument is Instrument.GRANT


def test_it_incentivi_placeholder_deadline_and_loan(now: datetime) -> None:
    record = raw(
        "it_incentivi",
        native_id="1",
        title="Fondo rotativo per gli enti",
        dates=[
            L("deadline", "2099-12-31T00:00:00"),
            L("closing_note", "fino ad esaurimento delle risorse disponibili"),
        ],
        applicants="Ente Pubblico",
        territory="Lombardia",
        extra={"forma_agevolazione": "Finanziamento agevolato"},
    )
    call = run(record, now)
    assert call.deadlines == [] and call.rolling
    assert any("2099-12-31" in w for w in call.warnings)
    assert set(call.applicant_types) == set(PUBLIC_BODIES)
    assert call.instrument is Instrument.LOAN
    assert call.territory.scope is TerritoryScope.LOMBARDIA


def test_it_padigitale(now: datetime) -> None:
    record = raw(
        "it_padigitale",
        native_id="1-2-abilitazione-al-cloud-comuni-luglio-2025",
        title="1.2 Abilitazione al Cloud - Comuni - luglio 2025",
        dates=[L("opening", "2025-07-17"), L("deadline", "2025-09-12")],
        amounts=[L("budget", "11179383.0")],
        applicants="Comuni",
        programme="1.2 Abilitazione e facilitazione migrazione al Cloud",
        issuer="Dipartimento per la trasformazione digitale",
        status="TERMINATO",
    )
    call = run(record, now)
    assert call.applicant_types == [A.COMUNE] and call.budget_total == Decimal("11179383.00")
    assert call.deadlines[0].at == utc(2025, 9, 12, 21, 59, 59)
    assert call.closed_by_publisher and call.status(now) is CallStatus.CLOSED
    assert call.territory.scope is TerritoryScope.ITALY


def test_it_italiadomani(now: datetime) -> None:
    record = raw(
        "it_italiadomani",
        native_id="avviso-asili",
        title="Avviso pubblico per asili nido e scuole dell'infanzia",
        dates=[L("opening", "15/01/2027"), L("deadline", "31/03/2027")],
        applicants="Comuni, Unioni di comuni",
        territory="Mezzogiorno e Centro-Nord: Nazionale",
        programme="M4C1I1.1 Piano asili nido",
        issuer="Ministero dell'Istruzione e del Merito",
        status="In apertura",
        extra={"tipologia": "Avviso pubblico - contributo"},
    )
    call = run(record, now)
    assert set(call.applicant_types) == {A.COMUNE, A.UNIONE_COMUNI}
    assert call.status(now) is CallStatus.FORTHCOMING and not call.closed_by_publisher


def test_it_coesione_sentences(now: datetime) -> None:
    record = raw(
        "it_coesione",
        native_id="avviso-pubblico-non-competitivo-supporto-ai-priga",
        title="Avviso pubblico non competitivo - Supporto ai PRigA",
        body="Pubblicato l’Avviso pubblico non competitivo dell’Azione 2.1, con 30 milioni di euro destinati ai PRigA. "
        "Possono candidarsi, dal 02/03 al 03/06/2027, le AdG dei PR FESR delle Regioni.",
        dates=[
            L("published", "2026-02-20T10:00:00+01:00"),
            L("period", "Possono candidarsi, dal 02/03 al 03/06/2027, le AdG dei PR FESR delle Regioni."),
        ],
        amounts=[
            L(
                "budget",
                "Pubblicato l’Avviso pubblico non competitivo dell’Azione 2.1, con 30 milioni di euro destinati ai PRigA.",
            )
        ],
        applicants="Possono candidarsi, dal 02/03 al 03/06/2027, le AdG dei PR FESR delle Regioni.",
    )
    call = run(record, now)
    assert call.opening_date == utc(2027, 3, 1, 23)
    assert call.deadlines[0].at == utc(2027, 6, 3, 21, 59, 59)
    assert call.budget_total == Decimal(30000000)
    assert call.applicant_types == [A.OTHER_PUBLIC]


def test_it_dait_news_without_applicants_and_a_works_milestone(now: datetime) -> None:
    record = raw(
        "it_dait",
        native_id="comunicato-del-27-luglio-2026",
        title="Comunicato del 27 luglio 2026 - rigenerazione urbana",
        body="Notizia 27 Luglio, 2026 Interventi di rigenerazione urbana che dovranno concludere i lavori entro il 31 dicembre 2027.",
        dates=[
            L("published", "Notizia 27 Luglio, 2026"),
            L(
                "deadline",
                "Interventi di rigenerazione urbana che dovranno concludere i lavori entro il 31 dicembre 2027.",
            ),
        ],
        extra={"kind": "decree"},
    )
    call = run(record, now)
    assert call.deadlines == []  # the works' completion term is not an application deadline
    assert call.applicant_types == [A.COMUNE]
    assert any("DAIT" in w for w in call.warnings)


def test_fnd_cariplo(now: datetime) -> None:
    record = raw(
        "fnd_cariplo",
        native_id="emblematici-2027",
        title="Bando Emblematici 2027",
        body="<p>Il bando sostiene progetti di welfare di comunità.</p>",
        dates=[
            L("deadline: prima fase", "26 febbraio 2027"),
            L("deadline", "Le domande devono essere presentate entro le ore 17:00 del 26 febbraio 2027."),
        ],
        amounts=[
            L("budget", "€ 5.000.000"),
            L("grant_min", "contributo minimo € 50.000"),
            L("grant_max", "contributo massimo € 500.000"),
            L("cofinancing", "40%"),
        ],
        applicants="enti pubblici e organizzazioni private senza scopo di lucro",
        territory="Lombardia e province di Novara e del Verbano-Cusio-Ossola",
        issuer="Fondazione Cariplo",
        attachments=[Attachment(url="/documents/bando.pdf", title="Bando")],
    )
    call = run(record, now)
    assert [(d.at, d.label) for d in call.deadlines] == [(utc(2027, 2, 26, 16), "prima fase")]
    assert call.cofinancing_rate == pytest.approx(0.4)
    assert (call.grant_min, call.grant_max) == (Decimal(50000), Decimal(500000))
    assert A.THIRD_SECTOR in call.applicant_types and A.COMUNE in call.applicant_types
    assert call.level is Level.FOUNDATION and call.territory.scope is TerritoryScope.LOMBARDIA
    assert call.attachments[0].url == "https://example.org/documents/bando.pdf"


def test_fnd_cariplo_sentences_stating_several_amounts(now: datetime) -> None:
    """The spider labels whole sentences; each may state the budget beside the grant range (demo pages)."""
    both = "Le risorse disponibili ammontano a 2.500.000 euro; i contributi saranno compresi tra 50.000 e 200.000 euro."
    bounds = "Il contributo richiesto non potrà essere superiore a 150.000 euro né inferiore a 30.000 euro."
    record = raw(
        "fnd_cariplo", native_id="housing", title="Housing", amounts=[L("grant_min", both), L("grant_max", both)]
    )
    call = run(record, now)
    assert (call.budget_total, call.grant_min, call.grant_max) == (Decimal(2500000), Decimal(50000), Decimal(200000))
    record = raw(
        "fnd_cariplo", native_id="verde", title="Verde", amounts=[L("grant_min", bounds), L("grant_max", bounds)]
    )
    call = run(record, now)
    assert (call.budget_total, call.grant_min, call.grant_max) == (None, Decimal(30000), Decimal(150000))
    assert not any("several" in w for w in call.warnings)


def test_eu_urban_initiative(now: datetime) -> None:
    record = raw(
        "eu_urban_initiative",
        native_id="call-4",
        title="EUI Innovative Actions - Call 4",
        dates=[
            L("opening", "Call opening: 15 January 2027"),
            L("deadline", "Application deadline: 30 June 2027, 14:00 CET"),
        ],
        amounts=[
            L("budget", "EUR 120 million"),
            L("grant_max", "up to EUR 5 million ERDF per project"),
            L("cofinancing", "80%"),
        ],
    )
    call = run(record, now)
    assert call.cofinancing_rate == pytest.approx(0.2)  # ERDF pays 80 %: the city brings 20 %
    assert call.deadlines[0].at == utc(2027, 6, 30, 12)
    assert set(call.applicant_types) == {A.COMUNE, A.UNIONE_COMUNI, A.CITTA_METROPOLITANA}
    assert (call.budget_total, call.grant_max) == (Decimal(120000000), Decimal(5000000))


def test_generic_fallback_for_a_source_without_mapper(now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(MAPPERS, "it_coesione")
    call = run(raw("it_coesione", title="Avviso", dates=[L("deadline", "entro il 30 aprile 2027")]), now)
    assert call.deadlines[0].at == utc(2027, 4, 30, 21, 59, 59)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"title": None}, "no title"),
        ({"title": "   "}, "no title"),
        ({"title": "X", "dates": [L("opening", "01/06/2027"), L("deadline", "01/03/2027")]}, "after every deadline"),
    ],
)
def test_failures_have_actionable_reasons(fields: dict[str, Any], reason: str, now: datetime) -> None:
    with pytest.raises(NormalisationError) as caught:
        run(raw("it_coesione", **fields), now)
    assert any(reason in r for r in caught.value.reasons)


def test_unknown_source_is_an_error_with_a_reason(now: datetime) -> None:
    with pytest.raises(NormalisationError, match=r"sources\.py"):
        run(raw("not_a_source", title="X"), now)


def test_publication_date_is_never_a_deadline(now: datetime) -> None:
    call = run(
        raw(
            "it_coesione",
            title="X",
            dates=[L("published", "Pubblicato il 3 marzo 2027"), L("deadline", "Pubblicato il 3 marzo 2027")],
        ),
        now,
    )
    assert call.deadlines == []


def test_eu_sedia_cascade_deadline_keeps_the_organisers_wall_clock(now: datetime) -> None:
    """SEDIA writes a cascade call's "14/02 23:59" as 23:59+0000: it is 23:59 in Brussels, not 00:59 the next day."""
    cascade = run(
        raw(
            "eu_sedia",
            native_id="cascade-14704",
            title="Open call",
            extra={"type": "8", "project_acronym": "X"},
            dates=[L("deadline", "2027-02-14T23:59:00.000+0000")],
        ),
        now,
    )
    rome = cascade.deadlines[0].at.astimezone(ROME)
    assert (rome.day, rome.hour, rome.minute) == (14, 23, 59)
    topic = run(
        raw(
            "eu_sedia",
            native_id="T-2",
            title="T",
            extra={"type": "1"},
            dates=[L("deadline", "2027-02-14T16:00:00.000+0000")],
        ),
        now,
    )
    assert topic.deadlines[0].at == utc(2027, 2, 14, 16, 0)  # a topic's time is UTC as written


def test_lombardia_links_the_bandi_online_page_and_keeps_the_data_record_apart(now: datetime) -> None:
    data_url = "https://www.dati.lombardia.it/resource/bukx-h2uy.json?codice_bando=RLW12025050846"
    row = {"codice_bando": "RLW12025050846", "titolo_bando": "Bando", "tipo_strumento": "Bando"}
    stored = run(raw("lombardia_bandi", native_id="RLW12025050846", url=data_url, payload=row, title="Bando"), now)
    assert stored.url == "https://www.bandi.regione.lombardia.it/servizi/servizio/agevolazioni/RLW12025050846"
    assert stored.data_url == data_url
    page = "https://www.bandi.regione.lombardia.it/servizi/servizio/bandi/dettaglio/x/bando-RLW1"
    crawled = run(raw("lombardia_bandi", native_id="RLW1", url=page, title="Bando", extra={"data_url": data_url}), now)
    assert (crawled.url, crawled.data_url) == (page, data_url)


@pytest.mark.parametrize(
    ("native_id", "title", "provinces"),
    [
        ("PR_MN_42025049883", "Servizi Integrativi - Prov. Mantova", ["MN"]),
        ("RLY12024040784", "Eventi calamitosi - Città metropolitana di Milano e province di Cremona e Mantova", None),
        ("RLX1", "Dote Impresa Collocamento Mirato Asse II - Provincia di Monza e della Brianza", ["MB"]),
        ("RLD12021018243", "Protezione Famiglia Emergenza COVID 19 - Province di Lecco e MonzaBrianza", ["LC", "MB"]),
        ("PR_MI_42025049900", "Servizi Integrativi - Città metropolitana di Milano", ["MI"]),
        ("RLX2", "Bando Spazi Comuni 2026", None),
    ],
)
def test_lombardia_provincial_calls_are_limited_to_their_provinces(
    now: datetime, native_id: str, title: str, provinces: list[str] | None
) -> None:
    call = run(raw("lombardia_bandi", native_id=native_id, title=title, territory="Lombardia"), now)
    if native_id == "RLY12024040784":
        assert call.territory.provinces == ["CR", "MI", "MN"] and not call.territory.excludes_us
    elif provinces is None:
        assert call.territory.scope is TerritoryScope.LOMBARDIA
    else:
        assert call.territory.scope is TerritoryScope.PROVINCES and call.territory.provinces == provinces
        assert call.territory.excludes_us is (provinces != ["MI"])


@pytest.mark.parametrize(
    ("title", "extra", "body", "instrument"),
    [
        ("Accordo quadro CONSIP per la fornitura di PC", {}, "", Instrument.PROCUREMENT),
        (
            "AVVISO PUBBLICO per la formazione di un elenco di avvocate e avvocati esperti in diritto antidiscriminatorio",
            {"tipo_strumento": "Manifestazione di Interesse"},
            "",
            Instrument.LIST,
        ),
        ("Ricerca di sponsor per la stagione culturale", {}, "", Instrument.SPONSORSHIP),
        ("Avviso pubblico per l'assunzione a tempo indeterminato di un Avvocato", {}, "", Instrument.RECRUITMENT),
        ("Contributi per l'assunzione di persone con disabilità", {}, "", Instrument.GRANT),
        ("Fondo rotativo per le imprese", {}, "", Instrument.LOAN),
        ("Premio Lombardia è ricerca", {}, "", Instrument.PRIZE),
        (
            "Servizi di pulizia",
            {},
            "Procedura aperta per l'affidamento del servizio di pulizia.",
            Instrument.PROCUREMENT,
        ),
        ("Bando Spazi Comuni 2026", {"tipo_strumento": "Bando"}, "Contributi ai comuni.", Instrument.GRANT),
    ],
)
def test_every_call_gets_an_instrument_and_the_reason(
    now: datetime, title: str, extra: dict[str, str], body: str, instrument: Instrument
) -> None:
    call = run(raw("lombardia_bandi", native_id="RLX9", title=title, extra=extra, body=body), now)
    assert call.instrument is instrument
    assert call.instrument_reason


def test_eu_pre_commercial_procurement_and_cascade_open_calls_are_funding(now: datetime) -> None:
    pcp = run(raw("eu_sedia", native_id="PCP", title="De-risking fuels through pre-commercial procurement"), now)
    cascade = run(
        raw(
            "eu_sedia",
            native_id="cascade-9",
            title="RESIST II OPEN CALL",
            body="Funding for procurement of tools.",
            extra={"type": "8"},
        ),
        now,
    )
    assert (pcp.instrument, cascade.instrument) == (Instrument.GRANT, Instrument.GRANT)
