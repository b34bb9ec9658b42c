"""Spiders to canonical calls: the real spiders' output, through replay, fed to the real normaliser.

Each stage has its own tests on hand-written records; this one checks that what the spiders
actually yield is what the mappers expect. The demo recordings must normalise completely, with
the key facts of a few calls per source right at the test's ``now`` (2026-11-21); the real
captures in ``../shared/data`` must normalise almost completely (figures printed).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cercabandi.core.models import FundingCall, RawCall
from cercabandi.core.vocab import ApplicantType as A
from cercabandi.core.vocab import CallStatus, Level
from cercabandi.crawlers.replay import serving
from cercabandi.crawlers.runner import run_spider
from cercabandi.flows.replaying import catalogue_for
from cercabandi.normalise import NormalisationError, normalise_record

DEMO = Path(__file__).resolve().parents[2] / "cercabandi" / "crawlers" / "recordings" / "demo"
DEMO_ITEMS = {
    "eu_sedia": 8,
    "lombardia_bandi": 6,
    "it_incentivi": 2,
    "it_padigitale": 3,
    "it_italiadomani": 22,
    "it_coesione": 2,
    "it_dait": 2,
    "fnd_cariplo": 2,
    "eu_urban_initiative": 2,
}
# Warnings that mean the spider said something the mapper could not read: a mismatch to fix.
MISMATCH = re.compile(r"I can read|no applicant type we know|internal error", re.IGNORECASE)
PUBLIC_LOCAL = {A.COMUNE, A.CITTA_METROPOLITANA, A.UNIONE_COMUNI}


@dataclass
class Normalised:
    source: str
    items: int
    seconds: float
    calls: dict[str, FundingCall] = field(default_factory=dict)
    quarantined: dict[str, list[str]] = field(default_factory=dict)


def crawl_and_normalise(replay: Path, sources: list[str], out: Path, now: datetime) -> Iterator[Normalised]:
    with serving(catalogue=catalogue_for(replay)) as server:
        for source in sources:
            started = time.monotonic()
            result = run_spider(
                source,
                raw_dir=out,
                contact_email="test@example.org",
                replay_url=server.url,
                spider_args={"now": now.isoformat()},
            )
            assert result.ok, (source, result.problems, result.log_path.read_text()[-2000:])
            lines = result.path.read_text(encoding="utf-8").splitlines()
            outcome = Normalised(source, len(lines), 0.0)
            for line in lines:
                raw = RawCall.model_validate_json(line)
                try:
                    outcome.calls[raw.call_id] = normalise_record(raw, now=now, first_seen=now, last_seen=now)
                except NormalisationError as exc:
                    outcome.quarantined[raw.call_id] = exc.reasons
            outcome.seconds = time.monotonic() - started
            yield outcome


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# ---------------------------------------------------------------------- demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Normalised]:
    now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)  # the conftest's ``now``, needed at module scope
    out = tmp_path_factory.mktemp("raw")
    return {n.source: n for n in crawl_and_normalise(DEMO, list(DEMO_ITEMS), out, now)}


@pytest.mark.slow
def test_every_demo_item_normalises_without_a_mismatch(demo: dict[str, Normalised]) -> None:
    assert {source: n.items for source, n in demo.items()} == DEMO_ITEMS
    assert {source: n.quarantined for source, n in demo.items() if n.quarantined} == {}
    mismatches = [(c.id, w) for n in demo.values() for c in n.calls.values() for w in c.warnings if MISMATCH.search(w)]
    assert mismatches == []
    levels = {source: {c.level for c in n.calls.values()} for source, n in demo.items()}
    assert levels["eu_sedia"] == levels["eu_urban_initiative"] == {Level.EU}
    assert levels["lombardia_bandi"] == {Level.REGIONAL} and levels["fnd_cariplo"] == {Level.FOUNDATION}
    assert all(levels[s] == {Level.NATIONAL} for s in DEMO_ITEMS if s.startswith("it_"))


@pytest.mark.slow
def test_demo_eu_sources(demo: dict[str, Normalised], now: datetime) -> None:
    calls = demo["eu_sedia"].calls
    amif = calls["eu_sedia:AMIF-2027-TF2-AG-INTE-LOCAL"]
    assert amif.title == "Local and regional authorities for the integration of migrants"
    assert [d.at for d in amif.deadlines] == [utc(2027, 2, 18, 17)]
    assert PUBLIC_LOCAL | {A.THIRD_SECTOR} <= set(amif.applicant_types) and amif.status(now) is CallStatus.OPEN
    assert (amif.budget_total, amif.grant_min, amif.grant_max) == (
        Decimal(8_000_000),
        Decimal(500_000),
        Decimal(2_000_000),
    )
    horizon = calls["eu_sedia:HORIZON-MISS-2027-CIT-02-01"]
    assert [(d.at, d.label) for d in horizon.deadlines] == [
        (utc(2027, 2, 4, 17), "first stage"),
        (utc(2027, 9, 16, 17), "second stage"),
    ]
    assert horizon.status(now) is CallStatus.FORTHCOMING  # opens on 3 December 2026
    cascade = calls["eu_sedia:cascade-91001"]
    assert cascade.title == "Small grants for local anti-discrimination initiatives"
    assert cascade.applicant_types == [] and cascade.grant_max == Decimal(30_000)
    assert cascade.status(now) is CallStatus.OPEN

    urban = demo["eu_urban_initiative"].calls
    fourth = urban["eu_urban_initiative:fourth-call-proposals-innovative-actions"]
    assert fourth.title == "Fourth Call for Proposals for Innovative Actions"
    assert [d.at for d in fourth.deadlines] == [utc(2027, 1, 26, 13)]  # 14:00 CET
    assert set(fourth.applicant_types) == PUBLIC_LOCAL and fourth.status(now) is CallStatus.OPEN
    assert fourth.grant_max == Decimal(5_000_000) and fourth.cofinancing_rate == pytest.approx(0.2)
    third = urban["eu_urban_initiative:third-call-proposals-innovative-actions"]
    assert third.status(now) is CallStatus.CLOSED


@pytest.mark.slow
def test_demo_lombardia_and_cariplo(demo: dict[str, Normalised], now: datetime) -> None:
    calls = demo["lombardia_bandi"].calls
    rigenerazione = calls["lombardia_bandi:RLT12026091201"]
    assert rigenerazione.title == "Bando Rigenerazione urbana 2027 - interventi nei comuni lombardi"
    assert [d.at for d in rigenerazione.deadlines] == [utc(2027, 2, 27, 11)]  # 12:00 in Rome
    assert set(rigenerazione.applicant_types) == PUBLIC_LOCAL | {A.THIRD_SECTOR}
    assert rigenerazione.status(now) is CallStatus.OPEN
    mobilita = calls["lombardia_bandi:RLM12026101102"]  # "fino ad esaurimento risorse"
    assert mobilita.rolling and mobilita.deadlines == [] and mobilita.status(now) is CallStatus.OPEN
    assert set(mobilita.applicant_types) == {A.COMUNE, A.CITTA_METROPOLITANA}
    assert calls["lombardia_bandi:RLE12026100520"].status(now) is CallStatus.FORTHCOMING
    index_only = calls["lombardia_bandi:RLB12024001122"]  # closed long ago: no detail page fetched
    assert index_only.status(now) is CallStatus.CLOSED and index_only.applicant_types == []

    cariplo = demo["fnd_cariplo"].calls
    verde = cariplo["fnd_cariplo:bando-spazi-verdi-e-comunita-2026"]
    assert verde.title == "Spazi verdi e comunità 2026"
    assert [d.at for d in verde.deadlines] == [utc(2027, 2, 26, 16)] and verde.status(now) is CallStatus.OPEN
    assert {A.THIRD_SECTOR, A.COMUNE} <= set(verde.applicant_types)
    # "non potrà essere superiore a 150.000 euro né inferiore a 30.000 euro"
    assert (verde.budget_total, verde.grant_min, verde.grant_max) == (
        Decimal(3_000_000),
        Decimal(30_000),
        Decimal(150_000),
    )
    assert verde.cofinancing_rate == pytest.approx(0.4)
    housing = cariplo["fnd_cariplo:bando-housing-sociale-per-persone-fragili"]
    # "Le risorse disponibili ammontano a 2.500.000 euro; i contributi saranno compresi tra 50.000 e 200.000 euro"
    assert (housing.budget_total, housing.grant_min, housing.grant_max) == (
        Decimal(2_500_000),
        Decimal(50_000),
        Decimal(200_000),
    )
    assert housing.cofinancing_rate == pytest.approx(0.4)  # the Foundation pays at most 60%


@pytest.mark.slow
def test_demo_national_sources(demo: dict[str, Normalised], now: datetime) -> None:
    incentivi = demo["it_incentivi"].calls["it_incentivi:9101"]
    assert incentivi.title == "Spazi aperti e verdi per la socialità nei comuni lombardi"
    assert [d.at for d in incentivi.deadlines] == [utc(2027, 3, 31, 14)]  # "fino alle ore 16.00 del 31/03/2027"
    assert incentivi.rolling and A.COMUNE in incentivi.applicant_types and incentivi.status(now) is CallStatus.OPEN
    educanti = demo["it_incentivi"].calls["it_incentivi:9103"]  # "a sportello", no closing date
    assert educanti.deadlines == [] and educanti.rolling and A.THIRD_SECTOR in educanti.applicant_types

    padigitale = demo["it_padigitale"].calls
    cittadino = padigitale["it_padigitale:1-4-1-esperienza-del-cittadino-nei-servizi-pubblici-comuni-ottobre-2026"]
    assert cittadino.title == "1.4.1 Esperienza del cittadino nei servizi pubblici - Comuni - ottobre 2026"
    assert [d.at for d in cittadino.deadlines] == [utc(2027, 1, 29, 22, 59, 59)]  # end of day in Rome
    assert cittadino.applicant_types == [A.COMUNE] and cittadino.budget_total == Decimal(45_000_000)
    assert cittadino.status(now) is CallStatus.OPEN
    cloud = padigitale["it_padigitale:1-2-abilitazione-al-cloud-province-e-citta-metropolitane-novembre-2026"]
    assert cloud.applicant_types == [A.CITTA_METROPOLITANA]
    pdnd = padigitale["it_padigitale:1-3-1-piattaforma-digitale-nazionale-dati-comuni-luglio-2025"]
    assert pdnd.status(now) is CallStatus.CLOSED

    domani = demo["it_italiadomani"].calls
    rigenerazione = domani["it_italiadomani:avviso-rigenerazione-urbana-piccoli-comuni-2026"]
    assert rigenerazione.title.startswith("Avviso pubblico per interventi di rigenerazione urbana")
    assert [d.at for d in rigenerazione.deadlines] == [utc(2027, 1, 31, 22, 59, 59)]
    assert set(rigenerazione.applicant_types) == {A.COMUNE, A.CITTA_METROPOLITANA}
    assert rigenerazione.status(now) is CallStatus.OPEN
    assert domani["it_italiadomani:avviso-sport-e-inclusione-sociale"].status(now) is CallStatus.CLOSED

    priga = demo["it_coesione"].calls["it_coesione:avviso-pubblico-non-competitivo-supporto-ai-priga"]
    assert priga.title == "Avviso pubblico non competitivo - Supporto ai PRigA"
    assert [d.at for d in priga.deadlines] == [utc(2027, 3, 3, 22, 59, 59)]  # "dal 02/12/2026 al 03/03/2027"
    assert priga.applicant_types == [A.OTHER_PUBLIC] and priga.status(now) is CallStatus.FORTHCOMING
    assert (priga.budget_total, priga.grant_max) == (Decimal(30_000_000), Decimal(1_500_000))

    decree = demo["it_dait"].calls["it_dait:comunicato-del-18-novembre-2026"]
    assert decree.title == "Comunicato del 18 novembre 2026"
    assert decree.deadlines == []  # "affidare i lavori entro il 30 giugno 2027" is no application deadline
    assert decree.applicant_types == [A.COMUNE] and decree.budget_total == Decimal(150_000_000)


# --------------------------------------------------------------- shared data

SHARED_ITEMS = {"eu_sedia": 473, "lombardia_bandi": 1606, "it_incentivi": 3, "it_padigitale": 57}


@pytest.mark.slow
@pytest.mark.shared_data
def test_real_captures_normalise(shared_data: Path, tmp_path: Path, now: datetime) -> None:
    results = list(crawl_and_normalise(shared_data, list(SHARED_ITEMS), tmp_path, now))
    print("\nsource            items  normalised  quarantined  seconds")
    for n in results:
        print(f"{n.source:<17} {n.items:>5}  {len(n.calls):>10}  {len(n.quarantined):>11}  {n.seconds:>7.1f}")
        for call_id, reasons in list(n.quarantined.items())[:5]:
            print(f"    {call_id}: {'; '.join(reasons)}")
    assert {n.source: n.items for n in results} == SHARED_ITEMS
    for n in results:
        assert len(n.calls) / n.items >= 0.98, (n.source, n.quarantined)
    by_source = {n.source: n for n in results}
    mismatches = [(c.id, w) for n in results for c in n.calls.values() for w in c.warnings if MISMATCH.search(w)]
    assert len(mismatches) <= 0.01 * sum(SHARED_ITEMS.values()), mismatches[:10]
    # Every EU record of the snapshot has a deadline (deadlineDate), every PA digitale call its applicants.
    assert all(c.deadlines for c in by_source["eu_sedia"].calls.values())
    assert all(c.applicant_types for c in by_source["it_padigitale"].calls.values())
    # The Socrata rows' dates: closing dates read as deadlines (end of the day in Rome).
    lombardia = by_source["lombardia_bandi"].calls.values()
    with_deadline = [c for c in lombardia if c.deadlines]
    assert len(with_deadline) / len(lombardia) > 0.9
    assert all(c.deadlines[-1].at.astimezone(UTC).time().isoformat() in ("21:59:59", "22:59:59") for c in with_deadline)
