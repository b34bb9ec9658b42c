"""The canonical models reject malformed values with messages a person can act on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from cercabandi.core.models import (
    Deadline,
    FundingCall,
    Project,
    RawCall,
    Review,
    Territory,
)
from cercabandi.core.vocab import ApplicantType, CallStatus, Level, ReviewTag, TerritoryScope

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def call(**changes: Any) -> FundingCall:
    data: dict[str, Any] = {
        "id": "lombardia_bandi:RLA12026000001",
        "source": "lombardia_bandi",
        "native_id": "RLA12026000001",
        "title": "Bando rigenerazione urbana 2027",
        "level": Level.REGIONAL,
        "url": "https://www.bandi.regione.lombardia.it/x",
        "first_seen": T0,
        "last_seen": T0,
    }
    data.update(changes)
    return FundingCall(**data)


def raw(**changes: Any) -> RawCall:
    data: dict[str, Any] = {
        "source": "eu_sedia",
        "url": "https://ec.europa.eu/x",
        "fetched_at": T0,
        "native_id": "CERV-2027-CITIZENS",
    }
    data.update(changes)
    return RawCall(**data)


def error_text(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return str(exc.value)


class TestRawCall:
    def test_unknown_field_rejected(self) -> None:
        with pytest.raises(ValidationError) as exc:
            raw(deadline="30/04/2026")
        assert "deadline" in error_text(exc) and "Extra inputs are not permitted" in error_text(exc)

    def test_naive_fetch_time_rejected_with_advice(self) -> None:
        with pytest.raises(ValidationError) as exc:
            raw(fetched_at=datetime(2026, 11, 1, 8, 0))
        assert "has no timezone" in error_text(exc)

    def test_fetch_time_stored_in_utc(self) -> None:
        from zoneinfo import ZoneInfo

        item = raw(fetched_at=datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Rome")))
        assert item.fetched_at == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)

    @pytest.mark.parametrize("source", ["EU Sedia", "eu-sedia", "", "1source"])
    def test_source_must_be_a_slug(self, source: str) -> None:
        with pytest.raises(ValidationError) as exc:
            raw(source=source)
        assert "lowercase slug" in error_text(exc)

    def test_relative_url_rejected(self) -> None:
        with pytest.raises(ValidationError) as exc:
            raw(url="/servizi/bando")
        assert "absolute http(s)" in error_text(exc)

    def test_blank_native_id_rejected(self) -> None:
        with pytest.raises(ValidationError) as exc:
            raw(native_id="   ")
        assert "must not be empty" in error_text(exc)

    def test_payload_hash_ignores_fetch_time(self) -> None:
        first = raw(title="A", payload={"a": 1})
        again = raw(title="A", payload={"a": 1}, fetched_at=T0 + timedelta(days=1))
        changed = raw(title="B", payload={"a": 1})
        assert first.payload_hash() == again.payload_hash() != changed.payload_hash()
        assert first.call_id == "eu_sedia:CERV-2027-CITIZENS"


class TestFundingCall:
    def test_id_must_be_source_and_native_id(self) -> None:
        with pytest.raises(ValidationError) as exc:
            call(id="RLA12026000001")
        assert "'<source>:<native id>'" in error_text(exc)

    def test_min_larger_than_max_is_explained(self) -> None:
        with pytest.raises(ValidationError) as exc:
            call(grant_min=Decimal(200000), grant_max=Decimal(50000))
        assert "swapped" in error_text(exc)

    def test_negative_budget_rejected(self) -> None:
        with pytest.raises(ValidationError) as exc:
            call(budget_total=Decimal(-1))
        assert "budget_total" in error_text(exc)

    def test_cofinancing_is_a_share(self) -> None:
        with pytest.raises(ValidationError):
            call(cofinancing_rate=80)
        assert call(cofinancing_rate=0.8).cofinancing_rate == 0.8

    def test_unknown_applicant_type_rejected(self) -> None:
        with pytest.raises(ValidationError) as exc:
            call(applicant_types=["comuni"])
        assert "applicant_types" in error_text(exc) and "comune" in error_text(exc)

    def test_deadline_before_opening_points_at_publication_date(self) -> None:
        with pytest.raises(ValidationError) as exc:
            call(opening_date=T0, deadlines=[Deadline(at=T0 - timedelta(days=3))])
        assert "publication or opening date" in error_text(exc)

    def test_language_code(self) -> None:
        with pytest.raises(ValidationError) as exc:
            call(language="italiano")
        assert "ISO 639-1" in error_text(exc)

    def test_status_is_derived_from_dates(self) -> None:
        c = call(
            opening_date=datetime(2026, 12, 1, tzinfo=UTC),
            deadlines=[
                Deadline(at=datetime(2027, 3, 1, 11, tzinfo=UTC), label="second stage"),
                Deadline(at=datetime(2027, 1, 15, 11, tzinfo=UTC), label="first stage"),
            ],
        )
        assert [d.label for d in c.deadlines] == ["first stage", "second stage"]
        assert c.status(datetime(2026, 11, 21, tzinfo=UTC)) is CallStatus.FORTHCOMING
        assert c.status(datetime(2027, 2, 1, tzinfo=UTC)) is CallStatus.OPEN
        assert c.next_deadline(datetime(2027, 2, 1, tzinfo=UTC)).label == "second stage"  # type: ignore[union-attr]
        assert c.status(datetime(2027, 3, 2, tzinfo=UTC)) is CallStatus.CLOSED

    def test_rolling_call_open_until_closed_by_publisher(self) -> None:
        c = call(rolling=True)
        assert c.status(datetime(2030, 1, 1, tzinfo=UTC)) is CallStatus.OPEN
        assert call(rolling=True, closed_by_publisher=True).status(T0) is CallStatus.CLOSED

    def test_status_needs_aware_now(self) -> None:
        with pytest.raises(ValueError, match="has no timezone"):
            call().status(datetime(2026, 11, 21))

    def test_content_hash_covers_meaningful_fields_only(self) -> None:
        base = call(deadlines=[Deadline(at=datetime(2027, 1, 15, 11, tzinfo=UTC))])
        seen_later = base.model_copy(update={"last_seen": T0 + timedelta(days=5)})
        moved = call(deadlines=[Deadline(at=datetime(2027, 2, 15, 11, tzinfo=UTC))])
        assert base.content_hash() == seen_later.content_hash()
        assert base.content_hash() != moved.content_hash()

    def test_applicants_deduplicated_and_sorted(self) -> None:
        c = call(applicant_types=[ApplicantType.THIRD_SECTOR, ApplicantType.COMUNE, ApplicantType.COMUNE])
        assert c.applicant_types == [ApplicantType.COMUNE, ApplicantType.THIRD_SECTOR]


class TestTerritory:
    def test_comuni_scope_needs_codes(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Territory(scope=TerritoryScope.COMUNI)
        assert "at least one ISTAT code" in str(exc.value)

    def test_istat_codes_are_six_digits(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Territory(scope=TerritoryScope.COMUNI, comuni=["15146"])
        assert "six digits" in str(exc.value)

    def test_covers(self) -> None:
        assert Territory(scope=TerritoryScope.LOMBARDIA).covers("015146") is True
        listed = Territory(scope=TerritoryScope.COMUNI, comuni=["015146"])
        assert listed.covers("015146") is True
        assert listed.covers("015002") is False


class TestProject:
    def test_malformed_cup_explained(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Project(id="x", title="Scuola", cup="B21F2200042")
        assert "15 characters" in str(exc.value)

    def test_cup_normalised(self) -> None:
        assert Project(id="x", title="Scuola", cup=" b21f22000420006 ").cup == "B21F22000420006"

    def test_empty_title_rejected(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Project(id="x", title="  ")
        assert "must not be empty" in str(exc.value)

    def test_negative_cost_rejected(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Project(id="x", title="Scuola", estimated_cost=Decimal("-10"))
        assert "estimated_cost" in str(exc.value)

    def test_bad_email(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Project(id="x", title="Scuola", contact_email="ufficio.tecnico@")
        assert "not valid" in str(exc.value)


def test_review_rejection_needs_reason() -> None:
    with pytest.raises(ValidationError) as exc:
        Review(call_id="a:b", tag=ReviewTag.NOT_RELEVANT, reviewer="giulia", at=T0)
    assert "needs a reason" in str(exc.value)


def test_italian_labels_follow_the_vocabulary() -> None:
    from cercabandi.core.vocab import label_it

    # "eu" is both a level and a territory: each keeps its own wording.
    assert label_it(Level.EU) == "Europeo"
    assert label_it(TerritoryScope.EU) == "Unione europea"
    assert label_it("eu", TerritoryScope) == "Unione europea"
    assert label_it("eu") == "Europeo"
    assert label_it("comune") == "Comune"
    assert label_it("something new") == "something new"
