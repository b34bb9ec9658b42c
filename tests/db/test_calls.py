"""The calls store on SQLite and PostgreSQL: versions and diffs, quarantine, duplicates, missing calls."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cercabandi.core.models import DuplicateLink
from cercabandi.core.vocab import ApplicantType
from cercabandi.db.models import Call, CallVersion, Quarantine
from cercabandi.db.repo import calls as repo
from cercabandi.normalise.duplicates import find_duplicates
from tests.flows.factories import add_raw, add_run, add_sources, funding_call, raw_call


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_new_call_gets_version_one(session: Session, now: datetime) -> None:
    add_sources(session)
    result = repo.upsert_call(session, funding_call(now=now), now=now)
    assert (result.outcome, result.version, result.diff) == ("new", 1, [])
    row = session.get(Call, "lombardia_bandi:RLA12026000001")
    assert row is not None and row.version == 1 and row.deadline_at == now + timedelta(days=60)
    assert repo.call_from_row(row).title.startswith("Bando per la rigenerazione")
    assert _count(session, CallVersion) == 1


def test_unchanged_call_only_moves_last_seen(session: Session, now: datetime) -> None:
    add_sources(session)
    repo.upsert_call(session, funding_call(now=now), now=now)
    later = now + timedelta(days=1)
    again = funding_call(now=now).model_copy(update={"first_seen": later, "last_seen": later})
    result = repo.upsert_call(session, again, now=later)
    assert (result.outcome, result.version) == ("unchanged", 1)
    row = session.get(Call, again.id)
    assert row is not None
    assert (row.first_seen, row.last_seen) == (now, later)
    assert _count(session, CallVersion) == 1


def test_changed_call_makes_a_version_with_a_field_level_diff(session: Session, now: datetime) -> None:
    add_sources(session)
    repo.upsert_call(session, funding_call(now=now, deadline=datetime(2027, 6, 30, 10, 0, tzinfo=now.tzinfo)), now=now)
    changed = funding_call(
        now=now,
        deadline=datetime(2027, 9, 15, 10, 0, tzinfo=now.tzinfo),
        budget="1500000.00",
        applicants=(ApplicantType.COMUNE, ApplicantType.THIRD_SECTOR),
    )
    result = repo.upsert_call(session, changed, now=now + timedelta(days=2))
    assert (result.outcome, result.version) == ("changed", 2)
    by_field = {entry["field"]: entry for entry in result.diff}
    assert set(by_field) == {"deadlines", "budget_total", "applicant_types"}
    assert by_field["applicant_types"]["added"] == ["third_sector"]
    assert by_field["budget_total"]["old"] == "1000000.00" and by_field["budget_total"]["new"] == "1500000.00"
    assert result.summary == (  # worded by core.changes, as in the digest
        "scadenza spostata dal 30/06 al 15/09; "
        "dotazione aumentata da € 1.000.000 a € 1.500.000; soggetti ammessi: aggiunti Terzo settore / non profit"
    )
    versions = session.scalars(select(CallVersion).order_by(CallVersion.version)).all()
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].diff == result.diff
    # The same content a third time is not a third version.
    assert repo.upsert_call(session, changed, now=now + timedelta(days=3)).outcome == "unchanged"
    assert _count(session, CallVersion) == 2


def test_quarantine_keeps_reasons_and_is_left_when_fixed(session: Session, now: datetime) -> None:
    add_sources(session)
    raw = add_raw(session, raw_call("it_incentivi", "123", fetched_at=now))
    for _ in range(2):  # failing twice keeps one row
        repo.quarantine_record(
            session,
            raw_record_id=raw.id,
            source_id="it_incentivi",
            native_id="123",
            reasons=["no title: the record has neither 'title' nor 'titolo'"],
            now=now,
        )
    assert [q.reasons for q in repo.open_quarantine(session)] == [
        ["no title: the record has neither 'title' nor 'titolo'"]
    ]
    assert repo.pending_raw_ids(session, "it_incentivi") == []
    assert repo.pending_raw_ids(session, "it_incentivi", again=True) == [raw.id]
    assert repo.resolve_quarantine(session, "it_incentivi", "123", now=now) == 1
    assert repo.open_quarantine(session) == []
    row = session.scalar(select(Quarantine))
    assert row is not None and row.resolved_at == now


def test_pending_raw_records_are_the_newest_not_yet_stored(session: Session, now: datetime) -> None:
    add_sources(session)
    old = add_raw(session, raw_call("lombardia_bandi", "A", fetched_at=now, title="v1"))
    new = add_raw(session, raw_call("lombardia_bandi", "A", fetched_at=now, title="v2"))
    other = add_raw(session, raw_call("lombardia_bandi", "B", fetched_at=now))
    assert repo.pending_raw_ids(session, "lombardia_bandi") == [new.id, other.id]
    repo.upsert_call(session, funding_call(native_id="A", now=now), now=now, raw_record_id=new.id)
    assert repo.pending_raw_ids(session, "lombardia_bandi") == [other.id]
    assert old.id not in repo.pending_raw_ids(session, "lombardia_bandi", again=True)
    found = repo.raw_ids_for_hashes(session, "lombardia_bandi", [("A", old.payload_hash), ("B", "nope")])
    assert found == {("A", old.payload_hash): old.id}


def _link_duplicates(session: Session) -> list[DuplicateLink]:
    return repo.store_duplicate_links(session, find_duplicates(repo.duplicate_candidates(session)))


def test_duplicates_across_sources_are_linked_with_a_reason(session: Session, now: datetime) -> None:
    add_sources(session)
    deadline = datetime(2027, 3, 31, 10, 0, tzinfo=now.tzinfo)
    title = "Bando «Emporio solidale» per il contrasto alla povertà alimentare"
    region = funding_call("lombardia_bandi", "R1", now=now, title=title, deadline=deadline)
    national = funding_call("it_incentivi", "N1", now=now, title=title.upper() + " ", deadline=deadline)
    same_source = funding_call("lombardia_bandi", "R2", now=now, title=title, deadline=deadline)
    generic_a = funding_call("it_coesione", "G1", now=now, title="Avviso pubblico", deadline=deadline)
    generic_b = funding_call("it_dait", "G2", now=now, title="Avviso pubblico", deadline=deadline)
    other_day = funding_call("fnd_cariplo", "C1", now=now, title=title, deadline=deadline + timedelta(days=1))
    for call in (national, region, same_source, generic_a, generic_b, other_day):
        repo.upsert_call(session, call, now=now)

    links = _link_duplicates(session)
    assert [(link.call_id, link.canonical_id) for link in links] == [
        ("it_incentivi:N1", "lombardia_bandi:R1"),
    ]
    row = session.get(Call, "it_incentivi:N1")
    assert row is not None and row.canonical_id == "lombardia_bandi:R1"
    assert row.canonical_reason == "same title and same deadline date (2027-03-31) as lombardia_bandi:R1"
    for unlinked in ("it_coesione:G1", "it_dait:G2", "fnd_cariplo:C1", "lombardia_bandi:R1", "lombardia_bandi:R2"):
        assert session.get(Call, unlinked).canonical_id is None  # type: ignore[union-attr]
    assert _link_duplicates(session) == links  # idempotent

    # The national catalogue moves its deadline: no longer the same call.
    repo.upsert_call(session, national.model_copy(update={"deadlines": other_day.deadlines}), now=now)
    relinked = {link.call_id: link.canonical_id for link in _link_duplicates(session)}
    assert relinked == {"it_incentivi:N1": "fnd_cariplo:C1"}
    assert session.get(Call, "lombardia_bandi:R1").canonical_id is None  # type: ignore[union-attr]


def test_same_eu_identifier_links_calls(session: Session, now: datetime) -> None:
    add_sources(session)
    eu = funding_call("eu_sedia", "CERV-2027-CITIZENS-TOWN", now=now, title="Town-Twinning")
    mention = funding_call(
        "it_coesione", "cerv-news-1", now=now, title="Bando europeo CERV-2027-CITIZENS-TOWN gemellaggi"
    )
    unrelated = funding_call("it_coesione", "x2", now=now, title="Bando PNRR-M5C2-I2 rigenerazione")
    for call in (eu, mention, unrelated):
        repo.upsert_call(session, call, now=now)
    links = _link_duplicates(session)
    assert [(link.call_id, link.canonical_id, link.reason) for link in links] == [
        (
            "it_coesione:cerv-news-1",
            "eu_sedia:CERV-2027-CITIZENS-TOWN",
            "same EU identifier CERV-2027-CITIZENS-TOWN as eu_sedia:CERV-2027-CITIZENS-TOWN",
        )
    ]


def test_missing_only_after_two_complete_successful_crawls(session: Session, now: datetime) -> None:
    add_sources(session)
    repo.upsert_call(session, funding_call(now=now), now=now)
    call_id = "lombardia_bandi:RLA12026000001"
    day = timedelta(days=1)
    add_run(session, "lombardia_bandi", now + day)  # complete, without the call: 1
    add_run(session, "lombardia_bandi", now + 2 * day, status="failed", complete=False)
    add_run(session, "lombardia_bandi", now + 3 * day, status="failing", complete=True)  # zero items
    add_run(session, "lombardia_bandi", now + 4 * day, status="ok", complete=False)  # partial listing
    add_run(session, "it_incentivi", now + 4 * day)  # another source's crawl
    report = repo.update_missing(session, "lombardia_bandi")
    assert (report.missing, report.newly_missing) == ([], [])
    row = session.get(Call, call_id)
    assert row is not None and (row.missing_count, row.missing_since) == (1, now + day)

    add_run(session, "lombardia_bandi", now + 5 * day)  # the second complete crawl without it
    report = repo.update_missing(session, "lombardia_bandi")
    assert (report.missing, report.newly_missing) == ([call_id], [call_id])
    assert repo.update_missing(session, "lombardia_bandi").newly_missing == []  # idempotent
    assert row.missing_count == 2

    repo.touch_seen(session, "lombardia_bandi", ["RLA12026000001"], now + 6 * day)
    report = repo.update_missing(session, "lombardia_bandi")
    assert (report.missing, report.back) == ([], [call_id])
    assert (row.missing_count, row.missing_since) == (0, None)
    assert repo.call_from_row(row).last_seen == now + 6 * day
