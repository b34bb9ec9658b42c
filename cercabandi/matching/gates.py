"""Eligibility gates: may this project apply to this call at ``now``?

Each gate answers passed (True), failed (False) or unknown (None) with a reason a person can
read. Unknown is never a no: a call that does not state its applicants stays in the ranking,
with "eligible applicants not stated" among the match's unknowns.

Two forms of the same rules: ``check_gates`` explains one (call, project) pair; ``GateTable``
evaluates every call for a project at once with numpy (the ranking needs that at scale), and
``tests/matching/test_gates.py`` checks the two agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from cercabandi.core.models import FundingCall, GateResult, Project
from cercabandi.core.vocab import FUNDING_INSTRUMENTS, ApplicantType, CallStatus, TerritoryScope

GATES = ("status", "instrument", "applicant", "territory", "budget")


def _day(value: datetime) -> str:
    return value.date().isoformat()


def status_gate(call: FundingCall, now: datetime) -> GateResult:
    status = call.status(now)
    if status is CallStatus.FORTHCOMING:
        assert call.opening_date is not None
        return GateResult(gate="status", passed=True, reason=f"forthcoming: opens on {_day(call.opening_date)}")
    if status is CallStatus.OPEN:
        nxt = call.next_deadline(now)
        if nxt is not None:
            return GateResult(gate="status", passed=True, reason=f"open until {_day(nxt.at)}")
        why = "rolling (a sportello)" if call.rolling else "no deadline stated"
        return GateResult(gate="status", passed=True, reason=f"open: {why}")
    if call.closed_by_publisher:
        return GateResult(gate="status", passed=False, reason="closed by the publisher")
    last = call.deadlines[-1].at if call.deadlines else None
    return GateResult(
        gate="status", passed=False, reason=f"closed: last deadline was {_day(last)}" if last else "closed"
    )


def instrument_gate(call: FundingCall) -> GateResult:
    """Only funding (grants, loans, prizes) is offered to projects; tenders, lists, sponsor searches are not."""
    label = call.instrument.value
    why = f" ({call.instrument_reason})" if call.instrument_reason else ""
    if call.instrument in FUNDING_INSTRUMENTS:
        return GateResult(gate="instrument", passed=True, reason=f"a funding call: {label}{why}")
    return GateResult(gate="instrument", passed=False, reason=f"not a funding call: {label}{why}")


def applicant_gate(call: FundingCall, project: Project) -> GateResult:
    if not call.applicant_types:
        return GateResult(gate="applicant", passed=None, reason="eligible applicants not stated")
    eligible = ", ".join(t.value for t in call.applicant_types)
    if project.proponent_type is None:
        return GateResult(
            gate="applicant", passed=None, reason=f"project's proponent type not stated (call admits: {eligible})"
        )
    if project.proponent_type in call.applicant_types:
        return GateResult(gate="applicant", passed=True, reason=f"{project.proponent_type.value} is eligible")
    return GateResult(
        gate="applicant",
        passed=False,
        reason=f"proponent type {project.proponent_type.value} is not eligible (call admits: {eligible})",
    )


def territory_gate(call: FundingCall, project: Project) -> GateResult:
    scope = call.territory.scope
    if call.territory.excludes_us:
        places = ", ".join(call.territory.provinces) or call.territory.text or scope.value
        return GateResult(gate="territory", passed=False, reason=f"call limited to {scope.value}: {places}")
    if scope is not TerritoryScope.COMUNI:
        return GateResult(gate="territory", passed=True, reason=f"call covers {scope.value}")
    if not project.comuni:
        return GateResult(
            gate="territory", passed=None, reason="project's comune not stated (call limited to listed comuni)"
        )
    covered = [c.name for c in project.comuni if call.territory.covers(c.istat)]
    if covered:
        return GateResult(gate="territory", passed=True, reason=f"call covers {', '.join(covered)}")
    names = ", ".join(c.name for c in project.comuni)
    return GateResult(gate="territory", passed=False, reason=f"call's territory does not include {names}")


def budget_gate(call: FundingCall, project: Project) -> GateResult:
    if call.grant_min is None and call.grant_max is None:
        return GateResult(gate="budget", passed=None, reason="grant range not stated")
    if project.estimated_cost is None:
        return GateResult(gate="budget", passed=None, reason="project's estimated cost not stated")
    cost = project.estimated_cost
    needed = cost - (project.cofinancing_available or 0)
    if call.grant_min is not None and cost < call.grant_min:
        return GateResult(
            gate="budget", passed=False, reason=f"cost {cost:.0f} EUR below the minimum grant {call.grant_min:.0f} EUR"
        )
    if call.grant_max is not None and needed > call.grant_max:
        return GateResult(
            gate="budget",
            passed=False,
            reason=f"needs {needed:.0f} EUR beyond co-financing, above the maximum grant {call.grant_max:.0f} EUR",
        )
    return GateResult(gate="budget", passed=True, reason=f"cost {cost:.0f} EUR fits the grant range")


def check_gates(call: FundingCall, project: Project, now: datetime) -> list[GateResult]:
    """Every gate for one pair, in ``GATES`` order."""
    return [
        status_gate(call, now),
        instrument_gate(call),
        applicant_gate(call, project),
        territory_gate(call, project),
        budget_gate(call, project),
    ]


def passes(gates: Sequence[GateResult]) -> bool:
    return all(g.passed is not False for g in gates)


def unknowns(gates: Sequence[GateResult]) -> list[str]:
    return [g.reason for g in gates if g.passed is None]


def _offered(call: FundingCall, now: datetime) -> bool:
    """The gates that do not depend on the project: status, instrument, a territory that includes us."""
    return (
        call.status(now) is not CallStatus.CLOSED
        and call.instrument in FUNDING_INSTRUMENTS
        and not call.territory.excludes_us
    )


@dataclass
class GateTable:
    """The gates of every call as arrays, so a project's eligibility is a few numpy operations."""

    status_ok: NDArray[np.bool_]  # open or forthcoming, a funding instrument, not for other places only
    applicants: NDArray[np.bool_]  # calls x applicant types; a row of False = not stated
    stated: NDArray[np.bool_]
    limited: NDArray[np.bool_]  # territory limited to a list of comuni
    comuni: list[frozenset[str]]
    grant_min: NDArray[np.float64]  # nan when unknown
    grant_max: NDArray[np.float64]

    @classmethod
    def build(cls, calls: Sequence[FundingCall], now: datetime) -> GateTable:
        types = list(ApplicantType)
        applicants = np.zeros((len(calls), len(types)), dtype=bool)
        for i, call in enumerate(calls):
            for t in call.applicant_types:
                applicants[i, types.index(t)] = True
        return cls(
            status_ok=np.array([_offered(call, now) for call in calls], dtype=bool),
            applicants=applicants,
            stated=np.asarray(applicants.any(axis=1), dtype=bool),
            limited=np.array([c.territory.scope is TerritoryScope.COMUNI for c in calls], dtype=bool),
            comuni=[frozenset(c.territory.comuni) for c in calls],
            grant_min=np.array([np.nan if c.grant_min is None else float(c.grant_min) for c in calls]),
            grant_max=np.array([np.nan if c.grant_max is None else float(c.grant_max) for c in calls]),
        )

    def eligible(self, project: Project) -> NDArray[np.bool_]:
        """Calls the project may apply to (True also where a gate is unknown)."""
        ok = self.status_ok.copy()
        if project.proponent_type is not None:
            column = list(ApplicantType).index(project.proponent_type)
            ok &= ~self.stated | self.applicants[:, column]
        if project.comuni and self.limited.any():
            codes = {c.istat for c in project.comuni}
            for i in np.flatnonzero(self.limited):
                if not codes & self.comuni[i]:
                    ok[i] = False
        if project.estimated_cost is not None:
            cost = float(project.estimated_cost)
            needed = cost - float(project.cofinancing_available or 0)
            with np.errstate(invalid="ignore"):
                ok &= ~(cost < self.grant_min)
                ok &= ~(needed > self.grant_max)
        return ok
