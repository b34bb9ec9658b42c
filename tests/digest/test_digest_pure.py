"""Build, change sentences, reasons and tokens: pure functions, no database, time passed in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from digest_samples import CALLS, NOW, VERSIONS, sample_settings, staff_inputs

from cercabandi.core.vocab import ReviewTag
from cercabandi.digest.build import build_digest, period_key, reminder_threshold
from cercabandi.digest.changes import describe_changes
from cercabandi.digest.model import CallFacts, DeadlineFact, DigestInputs, MatchFact, item_key
from cercabandi.digest.reasons import explain
from cercabandi.digest.render import render_digest
from cercabandi.digest.tokens import (
    FEEDBACK_MAX_AGE_DAYS,
    TokenError,
    feedback_token,
    read_feedback_token,
    read_unsubscribe_token,
    unsubscribe_token,
)

ROME = ZoneInfo("Europe/Rome")


def _deadline(iso: str) -> list[dict[str, object]]:
    return [{"at": iso, "label": None}]


@pytest.mark.parametrize(
    ("field", "old", "new", "expected"),
    [
        (
            "deadlines",
            _deadline("2026-06-30T10:00:00Z"),
            _deadline("2026-09-15T10:00:00Z"),
            "scadenza spostata dal 30/06 al 15/09",
        ),
        (
            "deadlines",
            _deadline("2026-06-30T10:00:00Z"),
            _deadline("2026-06-15T10:00:00Z"),
            "scadenza anticipata dal 30/06 al 15/06",
        ),
        (
            "deadlines",
            _deadline("2026-12-30T11:00:00Z"),
            _deadline("2027-01-20T11:00:00Z"),
            "scadenza spostata dal 30/12/2026 al 20/01/2027",
        ),
        (
            "deadlines",
            _deadline("2026-06-30T10:00:00Z"),
            _deadline("2026-06-30T15:00:00Z"),
            "scadenza spostata dalle 12:00 alle 17:00 del 30/06",
        ),
        # 23:30 UTC on 30 June is already 1 July in Rome: the date people read is the local one
        (
            "deadlines",
            _deadline("2026-06-29T10:00:00Z"),
            _deadline("2026-06-30T23:30:00Z"),
            "scadenza spostata dal 29/06 all'01/07",
        ),
        ("deadlines", [], _deadline("2026-09-15T10:00:00Z"), "scadenza ora indicata: 15/09/2026"),
        ("budget_total", "1000000.00", "1500000.00", "dotazione aumentata da € 1.000.000 a € 1.500.000"),
        ("budget_total", "1500000", "1200000.50", "dotazione ridotta da € 1.500.000 a € 1.200.000,50"),
        ("grant_max", None, "200000", "contributo massimo per progetto ora indicato: € 200.000"),
        (
            "applicant_types",
            ["comune"],
            ["comune", "third_sector"],
            "soggetti ammessi: aggiunti Terzo settore / non profit",
        ),
        ("applicant_types", ["business", "comune"], ["comune"], "soggetti ammessi: esclusi Impresa"),
        ("closed_by_publisher", False, True, "chiuso dall'ente prima della scadenza"),
        ("cofinancing_rate", 0.2, 0.3, "cofinanziamento richiesto da 20% a 30%"),
    ],
)
def test_changes_are_said_in_italian(field: str, old: object, new: object, expected: str) -> None:
    assert describe_changes({field: old}, {field: new}, tz=ROME) == [expected]


def test_wording_changes_are_not_news_and_the_stored_diff_is_a_fallback() -> None:
    assert (
        describe_changes(
            {"title": "Bando A", "body_text": "x"}, {"title": "Bando A (rettifica)", "body_text": "y"}, tz=ROME
        )
        == []
    )
    diff = [{"field": "deadlines", "old": _deadline("2026-06-30T10:00:00Z"), "new": _deadline("2026-09-15T10:00:00Z")}]
    assert describe_changes(None, {}, diff=diff, tz=ROME) == ["scadenza spostata dal 30/06 al 15/09"]


def test_reasons_come_from_terms_gates_and_unknowns() -> None:
    reasons, doubts = explain(
        {
            "terms": [{"term": "periferie", "weight": 0.1}, {"term": "impianti sportivi", "weight": 0.3}],
            "gates": [
                {"gate": "status", "passed": True, "reason": "open"},
                {"gate": "applicant", "passed": True, "reason": "ok"},
                {"gate": "budget", "passed": False, "reason": "grant too small"},
            ],
            "unknowns": ["territory", "a new kind of doubt"],
        }
    )
    assert reasons == ("parole in comune: impianti sportivi, periferie", "verificati: soggetto ammissibile")
    assert doubts == (
        "importi forse non compatibili con il costo del progetto",
        "territorio non indicato dal bando",
        "a new kind of doubt",
    )
    assert explain(None) == ((), ())


def test_periods() -> None:
    assert period_key("daily", date(2026, 11, 21)) == "daily:2026-11-21"
    assert period_key("weekly", date(2026, 11, 21)) == "weekly:2026-W47"
    assert period_key("weekly", date(2027, 1, 1)) == "weekly:2026-W53"
    with pytest.raises(ValueError, match="daily"):
        period_key("monthly", date(2026, 11, 21))


@pytest.mark.parametrize(("days", "expected"), [(20, None), (15, None), (14, 14), (4, 14), (3, 3), (0, 3), (-1, None)])
def test_reminders_fire_at_14_and_3_days(days: int, expected: int | None) -> None:
    assert reminder_threshold(days) == expected


def test_a_reminder_is_sent_once_per_threshold_and_again_when_the_deadline_moves() -> None:
    call_id = "lombardia_bandi:RLO12026041234"
    inputs = staff_inputs(matches=(), versions=())
    first = build_digest(inputs, now=NOW, tz=ROME, period="daily:2026-11-21")
    (entry,) = first.reminders
    assert entry.reminder_days == 13 and entry.keys[0].startswith("reminder:lombardia_bandi%3ARLO12026041234:14:")

    told = replace(inputs, sent_keys=frozenset(first.item_keys))
    assert build_digest(told, now=NOW + timedelta(days=1), tz=ROME, period="daily:2026-11-22").is_empty
    three_days = build_digest(told, now=NOW + timedelta(days=10), tz=ROME, period="daily:2026-12-01")
    assert [e.reminder_days for e in three_days.reminders] == [3]

    moved = replace(CALLS[call_id], deadlines=(DeadlineFact(datetime(2026, 12, 2, 11, tzinfo=UTC)),))
    moved_inputs = replace(told, calls={**CALLS, call_id: moved})
    assert [e.reminder_days for e in build_digest(moved_inputs, now=NOW, tz=ROME, period="x").reminders] == [11]


def test_new_matches_are_told_once_and_changes_only_about_known_calls() -> None:
    digest = build_digest(staff_inputs(), now=NOW, tz=ROME, period="daily:2026-11-21")
    assert [e.call.id for e in digest.new] == ["it_incentivi:sport-periferie-2026", "fnd_cariplo:emblematici-2026"]
    assert [e.call.id for e in digest.changed] == ["eu_sedia:CERV-2027-CHILD"]
    assert digest.changed[0].changes == (
        "scadenza spostata dal 21/01 al 18/03",
        "dotazione aumentata da € 3.000.000 a € 4.500.000",
        "soggetti ammessi: aggiunti Altro ente pubblico",
    )
    second = build_digest(
        staff_inputs(sent_keys=frozenset(digest.item_keys)), now=NOW, tz=ROME, period="daily:2026-11-22"
    )
    assert second.is_empty
    stranger = build_digest(staff_inputs(told_calls=frozenset()), now=NOW, tz=ROME, period="p")
    assert stranger.changed == ()  # a change to a call this recipient never heard of is not news
    assert VERSIONS[0].key == item_key("change", "eu_sedia:CERV-2027-CHILD", "v2")


def test_the_item_cap_keeps_the_most_urgent_and_leaves_the_rest_for_next_time() -> None:
    digest = build_digest(staff_inputs(item_cap=2), now=NOW, tz=ROME, period="p")
    assert [e.section for e in digest.entries] == ["reminder", "new"]
    assert digest.omitted == 2
    later = build_digest(staff_inputs(item_cap=2, sent_keys=frozenset(digest.item_keys)), now=NOW, tz=ROME, period="q")
    assert [e.call.id for e in later.entries] == ["fnd_cariplo:emblematici-2026", "eu_sedia:CERV-2027-CHILD"]


def test_closed_calls_are_left_out() -> None:
    after_all = datetime(2027, 6, 1, tzinfo=UTC)
    assert build_digest(staff_inputs(), now=after_all, tz=ROME, period="p").is_empty


# ---------------------------------------------------------------------- tokens


def _feedback(now: datetime, secret: str = "k") -> str:
    return feedback_token(
        secret,
        subscription_id=7,
        email="a@b.it",
        call_id="eu_sedia:X:1",
        project_id="P",
        tag=ReviewTag.NOT_RELEVANT,
        now=now,
    )


def test_tokens_round_trip_and_expire() -> None:
    token = _feedback(NOW)
    claim = read_feedback_token("k", token, now=NOW + timedelta(days=FEEDBACK_MAX_AGE_DAYS))
    assert (claim.subscription_id, claim.call_id, claim.project_id, claim.tag) == (
        7,
        "eu_sedia:X:1",
        "P",
        ReviewTag.NOT_RELEVANT,
    )
    with pytest.raises(TokenError) as info:
        read_feedback_token("k", token, now=NOW + timedelta(days=FEEDBACK_MAX_AGE_DAYS, seconds=1))
    assert info.value.expired
    unsub = unsubscribe_token("k", subscription_id=7, email="a@b.it", now=NOW)
    assert read_unsubscribe_token("k", unsub, now=NOW + timedelta(days=300)).subscription_id == 7


def test_tampered_or_foreign_tokens_are_rejected() -> None:
    token = _feedback(NOW)
    payload, timestamp, signature = token.rsplit(".", 2)
    for bad in (
        f"{payload}x.{timestamp}.{signature}",
        f"{payload}.{timestamp}.{signature[:-2]}",
        _feedback(NOW, secret="another key"),
        unsubscribe_token("k", subscription_id=7, email="a@b.it", now=NOW),  # right key, wrong purpose
        "",
    ):
        with pytest.raises(TokenError) as info:
            read_feedback_token("k", bad, now=NOW)
        assert not info.value.expired


def test_a_call_closed_by_its_publisher_is_news_for_those_who_knew_it() -> None:
    call_id = "eu_sedia:CERV-2027-CHILD"
    closed = replace(CALLS[call_id], closed_by_publisher=True)
    version = replace(VERSIONS[0], before={"closed_by_publisher": False}, after={"closed_by_publisher": True})
    digest = build_digest(
        staff_inputs(calls={**CALLS, call_id: closed}, versions=(version,)), now=NOW, tz=ROME, period="p"
    )
    assert [(e.call.id, e.changes) for e in digest.changed] == [(call_id, ("chiuso dall'ente prima della scadenza",))]


def test_item_keys_fit_their_column_and_stay_distinct() -> None:
    long_project = "P" * 600
    key = item_key("match", "eu_sedia:X", long_project)
    assert len(key) <= 500 and key.startswith("match:eu_sedia%3AX:~")
    assert key != item_key("match", "eu_sedia:X", long_project + "2")


def test_the_matchers_own_unknown_reasons_are_said_once_in_italian() -> None:
    _, doubts = explain(
        {
            "gates": [
                {"gate": "applicant", "passed": None, "reason": "eligible applicants not stated"},
                {"gate": "budget", "passed": None, "reason": "project's estimated cost not stated"},
                {"gate": "territory", "passed": None, "reason": "something the digest does not know yet"},
            ],
            "unknowns": [
                "eligible applicants not stated",
                "project's estimated cost not stated",
                "something the digest does not know yet",
            ],
        }
    )
    assert doubts == (
        "soggetti ammessi non indicati dal bando",
        "costo del progetto non indicato nel catalogo",
        "territorio da verificare",
    )


def test_publisher_text_is_escaped_and_only_web_links_are_kept() -> None:
    from digest_samples import NOW as SAMPLE_NOW
    from digest_samples import sample_settings

    from cercabandi.digest.render import render_digest

    call_id = "fnd_cariplo:emblematici-2026"
    hostile = replace(CALLS[call_id], title='<script>alert("x")</script> Bando', url="javascript:alert(1)")
    inputs = staff_inputs(calls={**CALLS, call_id: hostile})
    digest = build_digest(inputs, now=SAMPLE_NOW, tz=ROME, period="p")
    rendered = render_digest(digest, settings=sample_settings(), now=SAMPLE_NOW)
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "javascript:" not in rendered.html and "javascript:" not in rendered.text
    assert rendered.ics is not None and b"javascript:" not in rendered.ics


def _new_match_inputs(days_and_scores: list[tuple[int, float]], *, cap: int) -> DigestInputs:
    """One call per (days to its deadline, score), each matched to one project, nothing told yet."""
    calls, matches = {}, []
    for i, (days, score) in enumerate(days_and_scores):
        call_id = f"test:c{i}"
        calls[call_id] = CallFacts(
            id=call_id,
            title=f"Bando {i}",
            url="https://example.org",
            level="regional",
            deadlines=(DeadlineFact(at=NOW + timedelta(days=days, hours=2)),),
        )
        matches.append(
            MatchFact(
                call_id=call_id,
                project_id=f"P{i}",
                project_title=f"Progetto {i}",
                comuni=tuple(f"Comune {n}" for n in range(133)),
                score=score,
            )
        )
    return DigestInputs(
        subscription_id=1,
        email="a@b.it",
        name=None,
        scope_label="tutto",
        item_cap=cap,
        calls=calls,
        matches=tuple(matches),
        versions=(),
        interest_calls=(),
        told_calls=frozenset(),
        sent_keys=frozenset(),
    )


def test_new_calls_closing_soon_come_first_and_the_cap_never_drops_them() -> None:
    # scores favour the calls closing late; before, the cut kept those and dropped today's deadline
    inputs = _new_match_inputs([(90, 0.9), (0, 0.1), (200, 0.8), (10, 0.2), (5, 0.15)], cap=2)
    digest = build_digest(inputs, now=NOW, tz=ROME, period="p")
    assert [(e.call.title, e.days_left) for e in digest.new] == [("Bando 1", 0), ("Bando 4", 5), ("Bando 3", 10)]
    assert digest.omitted == 2
    assert (digest.totals.closing_soon, digest.totals.new, digest.totals.changed) == (3, 5, 0)
    roomy = build_digest(replace(inputs, item_cap=20), now=NOW, tz=ROME, period="p")
    assert [e.call.title for e in roomy.new] == ["Bando 1", "Bando 4", "Bando 3", "Bando 0", "Bando 2"]


def test_the_digest_opens_with_a_summary_and_collapses_long_lists_of_comuni() -> None:
    inputs = _new_match_inputs([(90, 0.9), (0, 0.1), (200, 0.8)], cap=2)
    rendered = render_digest(build_digest(inputs, now=NOW, tz=ROME, period="p"), settings=sample_settings(), now=NOW)
    head = rendered.text.split("==", 1)[0]
    assert "- 1 bando in scadenza entro 14 giorni\n- 3 nuove opportunità\n- 0 bandi modificati" in head
    assert "Progetto 1 (tutti i 133 comuni)" in rendered.text and "Comune 7" not in rendered.text
    assert "scade oggi" in rendered.text
    assert "Altri 1 bandi non sono in questa e-mail" in rendered.text
    assert "elenco completo: https://cercabandi.cittametropolitana.mi.it/calls?status=open" in rendered.text
    assert "elenco completo</a>" in rendered.html


def test_a_digest_of_forty_urgent_calls_stays_under_100_kb() -> None:
    inputs = _new_match_inputs([(i % 14, 0.5) for i in range(60)], cap=20)
    rendered = render_digest(build_digest(inputs, now=NOW, tz=ROME, period="p"), settings=sample_settings(), now=NOW)
    assert len(rendered.html.encode()) < 100 * 1024
