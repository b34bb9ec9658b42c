"""The read-only queries on SQLite and PostgreSQL: status in SQL, JSON filters, the queue, verdicts."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.models import Deadline, FundingCall
from cercabandi.core.vocab import ApplicantType, CallStatus, Level
from cercabandi.db.models import Call
from cercabandi.db.repo import dashboard as dashboard_repo
from cercabandi.db.repo import lists as lists_repo
from cercabandi.db.repo import status as status_repo
from cercabandi.db.repo import triage as triage_repo
from cercabandi.db.repo import verdicts as verdicts_repo
from tests.web.seed import call_row, ensure_reference, seed


def test_status_in_sql_agrees_with_funding_call_status(sessions: sessionmaker[Session], now: datetime) -> None:
    day = timedelta(days=1)
    expected: dict[str, CallStatus] = {}
    with sessions() as session, session.begin():
        ensure_reference(session)
        grid = itertools.product([None, now - 3 * day, now + 3 * day], [None, now - day, now + 5 * day], [False, True])
        for i, (opening, deadline, closed) in enumerate(grid):
            if opening and deadline and deadline < opening:
                continue  # the model rejects a deadline before the opening
            fc = FundingCall(
                id=f"it_incentivi:s{i}",
                source="it_incentivi",
                native_id=f"s{i}",
                title=f"Bando {i}",
                level=Level.NATIONAL,
                opening_date=opening,
                deadlines=[Deadline(at=deadline)] if deadline else [],
                closed_by_publisher=closed,
                url="https://example.org/",
                first_seen=now - 10 * day,
                last_seen=now,
            )
            expected[fc.id] = fc.status(now)
            session.add(call_row(fc))
    with sessions() as session:
        for status in CallStatus:
            found = set(session.scalars(select(Call.id).where(status_repo.status_clause(status, now))))
            assert found == {cid for cid, st in expected.items() if st is status}, status
        for call in session.scalars(select(Call)):
            assert status_repo.sql_status(call, now) is expected[call.id]


def test_filters_queue_and_verdicts_on_both_engines(sessions: sessionmaker[Session], now: datetime) -> None:
    with sessions() as session, session.begin():
        seed(session, now)
    with sessions() as session:
        comune = lists_repo.CallFilters(applicant=ApplicantType.COMUNE.value)
        third = lists_repo.CallFilters(applicant=ApplicantType.THIRD_SECTOR.value)
        _, n_comune = lists_repo.list_calls(session, comune, now)
        rows, n_third = lists_repo.list_calls(session, third, now)
        assert (n_comune, n_third) == (10, 3)
        assert all(ApplicantType.THIRD_SECTOR.value in c.applicant_types for c in rows)
        union = lists_repo.CallFilters(applicant=ApplicantType.UNIONE_COMUNI.value)
        assert lists_repo.list_calls(session, union, now)[1] == 3  # "comune" never matches "unione_comuni"
        text = lists_repo.CallFilters(q="PERIFERIE")
        assert lists_repo.list_calls(session, text, now)[1] == 2  # case-insensitive on both engines
        window = lists_repo.CallFilters(deadline_from=now, deadline_to=now + timedelta(days=30))
        assert lists_repo.list_calls(session, window, now)[1] == 3
        page, total = lists_repo.list_calls(session, lists_repo.CallFilters(), now, offset=8, limit=5)
        assert total == 10 and len(page) == 2 and page[-1].deadline_at is None

        queue = triage_repo.triage_queue(session, "giulia", now)
        assert [round(i.score, 2) for i in queue] == [0.81, 0.74, 0.71, 0.68, 0.66, 0.58, 0.33, 0.29]
        assert queue[2].projects == 3

        verdicts = verdicts_repo.verdicts_for(session)
        pinqua = verdicts["it_italiadomani:pinqua-2027"]
        assert (pinqua.relevant, pinqua.not_relevant, pinqua.agreement, pinqua.unanimous) == (1, 1, 0.5, False)
        assert verdicts_repo.calls_with_tag(session, "Digitale") == {"it_padigitale:misura-1-4-1-comuni-2027"}
        assert "rigenerazione urbana" in verdicts_repo.known_tags(session)

        progress = dashboard_repo.review_progress(session, now)
        assert (progress.candidates, progress.reviewed, progress.reviews_this_week) == (8, 3, 5)

        regen = triage_repo.matches_for_call(session, "lombardia_bandi:RLO12026034567")
        network = triage_repo.projects_in_network(regen)
        assert [s.comune.name for s in network] == ["Sesto San Giovanni", "Rho", "Legnano"]
        assert triage_repo.projects_in_network(regen[:1]) == []

        comuni = {c.name: (p, n) for c, p, n in lists_repo.list_comuni(session)}
        assert comuni["Sesto San Giovanni"] == (1, 2)


def test_network_counts_each_comune_once_and_a_joint_project_once(sqlite_engine, now: datetime) -> None:
    from cercabandi.db.models import Comune, MatchRow, Project
    from cercabandi.db.session import session_factory

    with session_factory(sqlite_engine)() as session:
        ensure_reference(session)
        rho, legnano, sesto = (session.get(Comune, c) for c in ("015182", "015118", "015209"))

        def project(pid: str, *comuni: Comune | None) -> Project:
            return Project(id=pid, title=pid, comuni=list(comuni), created_at=now, updated_at=now)

        def match(score: float) -> MatchRow:
            return MatchRow(score=score)

        joint = project("joint", rho, legnano)
        assert triage_repo.projects_in_network([(match(0.9), joint)]) == []  # one project, even of two comuni
        rho_2 = project("rho-2", rho)
        sesto_1 = project("sesto-1", sesto)
        network = triage_repo.projects_in_network([(match(0.5), rho_2), (match(0.9), joint), (match(0.4), sesto_1)])
        assert [(s.project.id, s.score) for s in network] == [("joint", 0.9), ("sesto-1", 0.4)]
