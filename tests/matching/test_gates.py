"""Each eligibility gate, its explanation, and the vectorised table agreeing with it."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from cercabandi.core.models import FundingCall, Project, Territory
from cercabandi.core.vocab import ApplicantType, Instrument, TerritoryScope
from cercabandi.matching.gates import GateTable, check_gates, passes, unknowns


def _gate(call: FundingCall, project: Project, now: datetime, name: str):
    return next(g for g in check_gates(call, project, now) if g.gate == name)


def test_status_gate(calls: list[FundingCall], make_project, now: datetime) -> None:
    p = make_project("p", "x")
    by_id = {c.native_id: c for c in calls}
    open_ = _gate(by_id["nidi"], p, now, "status")
    assert open_.passed is True and "open until" in open_.reason
    closed = _gate(by_id["chiuso"], p, now, "status")
    assert closed.passed is False and "closed" in closed.reason and "last deadline" in closed.reason
    forthcoming = _gate(by_id["futuro"], p, now, "status")
    assert forthcoming.passed is True and "forthcoming" in forthcoming.reason


def test_applicant_gate(calls: list[FundingCall], make_project, now: datetime) -> None:
    by_id = {c.native_id: c for c in calls}
    comune = make_project("p", "x", proponent_type=ApplicantType.COMUNE)
    assert _gate(by_id["nidi"], comune, now, "applicant").passed is True
    refused = _gate(by_id["imprese"], comune, now, "applicant")
    assert refused.passed is False and "comune" in refused.reason and "business" in refused.reason
    # unknown is not a no: a call that does not state its applicants stays, with the unknown said
    silent = _gate(by_id["rigenerazione"], comune, now, "applicant")
    assert silent.passed is None and silent.reason == "eligible applicants not stated"
    anonymous = make_project("q", "x", proponent_type=None)
    assert _gate(by_id["imprese"], anonymous, now, "applicant").passed is None
    assert "eligible applicants not stated" in unknowns(check_gates(by_id["rigenerazione"], comune, now))


def test_territory_gate(calls: list[FundingCall], make_project, now: datetime, places) -> None:
    RHO, MILANO = places["rho"], places["milano"]
    ciclabili = next(c for c in calls if c.native_id == "ciclabili")
    in_rho = _gate(ciclabili, make_project("a", "x", comuni=[RHO]), now, "territory")
    assert in_rho.passed is True and "Rho" in in_rho.reason
    in_milano = _gate(ciclabili, make_project("b", "x", comuni=[MILANO]), now, "territory")
    assert in_milano.passed is False and "Milano" in in_milano.reason
    assert _gate(ciclabili, make_project("c", "x", comuni=[]), now, "territory").passed is None
    assert _gate(calls[0], make_project("d", "x"), now, "territory").passed is True  # Italy-wide


def test_budget_gate(calls: list[FundingCall], make_project, now: datetime) -> None:
    grande = next(c for c in calls if c.native_id == "grande")
    small = _gate(grande, make_project("a", "x", estimated_cost=Decimal("100000")), now, "budget")
    assert small.passed is False and "below the minimum" in small.reason
    huge = _gate(grande, make_project("b", "x", estimated_cost=Decimal("30000000")), now, "budget")
    assert huge.passed is False and "above the maximum" in huge.reason
    cofinanced = make_project("c", "x", estimated_cost=Decimal("30000000"), cofinancing_available=Decimal("12000000"))
    assert _gate(grande, cofinanced, now, "budget").passed is True
    assert _gate(grande, make_project("d", "x"), now, "budget").passed is None
    assert _gate(calls[0], make_project("e", "x", estimated_cost=Decimal("1")), now, "budget").passed is None


def test_gate_table_agrees_with_the_explained_gates(
    calls: list[FundingCall], make_project, now: datetime, places
) -> None:
    RHO, MILANO, LEGNANO = places["rho"], places["milano"], places["legnano"]
    table = GateTable.build(calls, now)
    variants = itertools.product(
        [ApplicantType.COMUNE, ApplicantType.BUSINESS, None],
        [[MILANO], [RHO], [LEGNANO, MILANO], []],
        [None, Decimal("100000"), Decimal("8000000"), Decimal("50000000")],
    )
    for i, (ptype, comuni, cost) in enumerate(variants):
        project = make_project(f"p{i}", "x", proponent_type=ptype, comuni=comuni, estimated_cost=cost)
        expected = [passes(check_gates(c, project, now)) for c in calls]
        assert table.eligible(project).tolist() == expected, (ptype, comuni, cost)


def _elsewhere_and_not_funding(make_call) -> list[FundingCall]:  # type: ignore[no-untyped-def]
    return [
        make_call("puglia", "Incentivi Puglia", territory=Territory(scope=TerritoryScope.OTHER_REGIONS, text="Puglia")),
        make_call(
            "mantova",
            "Servizi Integrativi - Prov. Mantova",
            territory=Territory(scope=TerritoryScope.PROVINCES, provinces=["MN"]),
        ),
        make_call(
            "milano_cremona",
            "Eventi calamitosi - Città metropolitana di Milano e province di Cremona e Mantova",
            territory=Territory(scope=TerritoryScope.PROVINCES, provinces=["CR", "MI", "MN"]),
        ),
        make_call("consip", "Accordo quadro CONSIP", instrument=Instrument.PROCUREMENT, instrument_reason="title"),
        make_call("sponsor", "Ricerca di sponsor", instrument=Instrument.SPONSORSHIP),
        make_call("prestito", "Fondo rotativo", instrument=Instrument.LOAN),
    ]


def test_calls_for_other_regions_or_provinces_are_never_offered(make_call, make_project, now: datetime) -> None:  # type: ignore[no-untyped-def]
    puglia, mantova, milano_cremona = _elsewhere_and_not_funding(make_call)[:3]
    for project in (make_project("a", "x"), make_project("b", "x", comuni=[])):
        assert _gate(puglia, project, now, "territory").passed is False
        failed = _gate(mantova, project, now, "territory")
        assert failed.passed is False and "MN" in failed.reason
        assert _gate(milano_cremona, project, now, "territory").passed is True  # ours is among them


def test_only_funding_instruments_are_offered(make_call, make_project, now: datetime) -> None:  # type: ignore[no-untyped-def]
    consip, sponsor, loan = _elsewhere_and_not_funding(make_call)[3:]
    project = make_project("a", "x")
    refused = _gate(consip, project, now, "instrument")
    assert refused.passed is False and "procurement" in refused.reason and "title" in refused.reason
    assert _gate(sponsor, project, now, "instrument").passed is False
    assert _gate(loan, project, now, "instrument").passed is True


def test_gate_table_agrees_on_territory_and_instrument(make_call, make_project, now: datetime, places) -> None:  # type: ignore[no-untyped-def]
    calls = _elsewhere_and_not_funding(make_call)
    table = GateTable.build(calls, now)
    for comuni in ([places["rho"]], []):
        project = make_project("p", "x", comuni=comuni)
        assert table.eligible(project).tolist() == [passes(check_gates(c, project, now)) for c in calls]
        assert table.eligible(project).tolist() == [False, False, True, False, False, True]
