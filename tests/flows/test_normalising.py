"""The normalise step without Prefect: new / unchanged / changed, quarantine, crawl files, --again."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from cercabandi.core.models import RawCall
from cercabandi.db.models import Call, CallVersion, Quarantine
from cercabandi.flows.context import AppContext
from cercabandi.flows.normalising import finish_normalisation, normalise_source
from tests.flows.conftest import STAGES, night_listing, write_listing
from tests.flows.fake_stages import crawl_sources


def _crawl(app: AppContext, listing: Path, source: str = "lombardia_bandi") -> None:
    crawl_sources(app, [source], replay_dir=listing)


def test_new_then_unchanged_then_changed(app: AppContext, tmp_path: Path, now: datetime) -> None:
    listing = night_listing(tmp_path / "night1", now)
    _crawl(app, listing)
    first = normalise_source(app.sessions, "lombardia_bandi", now=now, normaliser=STAGES["normaliser"])
    assert (first.seen, first.processed, first.new, first.quarantined) == (3, 3, 2, 1)
    assert first.quarantine == [{"native_id": "R3", "reasons": ["lombardia_bandi:R3: no title in the record"]}]

    # The same listing the next night: nothing to normalise, but the calls were seen again.
    _crawl(app, listing)
    second = normalise_source(
        app.sessions, "lombardia_bandi", now=now + timedelta(days=1), normaliser=STAGES["normaliser"]
    )
    assert (second.processed, second.new, second.changed, second.quarantined) == (0, 0, 0, 0)
    with app.sessions() as session:
        row = session.get(Call, "lombardia_bandi:R1")
        assert row is not None and row.last_seen > now

    # The region moves a deadline and fixes R3's title.
    later = (now + timedelta(days=120)).isoformat()
    write_listing(
        tmp_path / "night3",
        "lombardia_bandi",
        [
            {
                "native_id": "R1",
                "title": "Bando rigenerazione urbana dei quartieri popolari",
                "deadline": later,
                "budget": "2000000",
            },
            {
                "native_id": "R2",
                "title": "Contributi per centri estivi e inclusione sociale",
                "deadline": (now + timedelta(days=90)).isoformat(),
            },
            {"native_id": "R3", "title": "Avviso per la cultura diffusa nei comuni"},
        ],
        now,
    )
    _crawl(app, tmp_path / "night3")
    third = normalise_source(
        app.sessions,
        "lombardia_bandi",
        now=now + timedelta(days=2),
        normaliser=STAGES["normaliser"],
    )
    assert (third.processed, third.new, third.changed, third.resolved) == (2, 1, 1, 1)
    assert third.changes[0]["call_id"] == "lombardia_bandi:R1"
    assert third.changes[0]["summary"].startswith("scadenza spostata ")
    with app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CallVersion)) == 4
        assert session.scalar(select(Quarantine.resolved_at)) == now + timedelta(days=2)


def test_again_renormalises_and_parser_fix_leaves_quarantine(app: AppContext, tmp_path: Path, now: datetime) -> None:
    _crawl(app, night_listing(tmp_path / "n", now))
    normalise_source(app.sessions, "lombardia_bandi", now=now, normaliser=STAGES["normaliser"])
    # Without --again nothing is pending, quarantined records included.
    idle = normalise_source(app.sessions, "lombardia_bandi", now=now, normaliser=STAGES["normaliser"])
    assert idle.processed == 0

    def fixed_parser(raw: RawCall, **kwargs: datetime):  # the parser learns to title untitled records
        from tests.flows.fake_stages import normalise_record

        return normalise_record(raw.model_copy(update={"title": raw.title or f"Bando {raw.native_id}"}), **kwargs)

    again = normalise_source(app.sessions, "lombardia_bandi", now=now, again=True, normaliser=fixed_parser)
    assert (again.processed, again.new, again.unchanged, again.resolved) == (3, 1, 2, 1)
    with app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Quarantine).where(Quarantine.resolved_at.is_(None))) == 0


def test_an_unexpected_parser_crash_is_quarantined_not_raised(app: AppContext, tmp_path: Path, now: datetime) -> None:
    _crawl(app, night_listing(tmp_path / "n", now))

    def broken(raw: RawCall, **_: datetime):
        raise KeyError("deadline")

    result = normalise_source(app.sessions, "lombardia_bandi", now=now, normaliser=broken)
    assert result.quarantined == 3
    assert result.quarantine[0]["reasons"] == [
        "unexpected KeyError in normalisation: 'deadline' (a parser bug: please report it)"
    ]


def test_duplicates_and_missing_after_normalising(app: AppContext, tmp_path: Path, now: datetime) -> None:
    listing = night_listing(tmp_path / "n", now)
    for source in ("lombardia_bandi", "it_incentivi"):
        _crawl(app, listing, source)
        normalise_source(app.sessions, source, now=now, normaliser=STAGES["normaliser"])
    finish = finish_normalisation(app.sessions, ["lombardia_bandi", "it_incentivi"])
    assert finish["duplicates"] == 1
    with app.sessions() as session:
        assert session.get(Call, "it_incentivi:N1").canonical_id == "lombardia_bandi:R1"  # type: ignore[union-attr]

    # Two complete crawls of the region that no longer list R2.
    write_listing(
        tmp_path / "later",
        "lombardia_bandi",
        [{"native_id": "R1", "title": "Bando rigenerazione urbana dei quartieri popolari"}],
        now,
    )
    for night in (1, 2):
        _crawl(app, tmp_path / "later")
        normalise_source(
            app.sessions,
            "lombardia_bandi",
            now=now + timedelta(days=night),
            normaliser=STAGES["normaliser"],
        )
        finish = finish_normalisation(app.sessions, ["lombardia_bandi"])
        expected = {} if night == 1 else {"lombardia_bandi": ["lombardia_bandi:R2"]}
        assert finish["newly_missing"] == expected
