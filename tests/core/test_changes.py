"""The wording of a change to a call is one table: the run report, the digest and the web history agree."""

from __future__ import annotations

from cercabandi.core.changes import FIELD_LABELS, describe_entry
from cercabandi.core.models import ROME
from cercabandi.db.repo.calls import UpsertResult, diff_calls
from cercabandi.digest.changes import describe_changes
from cercabandi.web.render import make_templates

BEFORE = {
    "title": "Bando rigenerazione",
    "deadlines": [{"at": "2027-06-30T10:00:00Z", "label": None}],
    "budget_total": "1000000.00",
    "applicant_types": ["comune"],
    "rolling": False,
}
AFTER = {
    **BEFORE,
    "title": "Bando rigenerazione urbana",
    "deadlines": [{"at": "2027-09-15T10:00:00Z", "label": None}],
    "budget_total": "1500000.00",
    "applicant_types": ["comune", "third_sector"],
}


def test_the_run_report_says_what_the_digest_says() -> None:
    diff = diff_calls(BEFORE, AFTER)
    assert all("summary" not in entry for entry in diff)  # stored as data, worded when read
    report = UpsertResult("lombardia_bandi:R1", "changed", 2, diff).summary
    digest = describe_changes(BEFORE, AFTER, tz=ROME)
    assert digest == [
        "scadenza spostata dal 30/06 al 15/09",
        "dotazione aumentata da € 1.000.000 a € 1.500.000",
        "soggetti ammessi: aggiunti Terzo settore / non profit",
    ]
    assert report == "; ".join([*digest, "modificato: titolo"])
    # The digest reading a stored diff (no previous snapshot) words it the same way.
    assert describe_changes(None, AFTER, diff=diff, tz=ROME) == digest


def test_every_field_has_an_italian_label_and_the_web_uses_it() -> None:
    assert describe_entry({"field": "cofinancing_rate", "old": 0.2, "new": 0.3}, tz=ROME) == [
        "cofinanziamento richiesto da 20% a 30%"
    ]
    assert describe_entry({"field": "deadlines", "old": [], "new": []}, tz=ROME) == ["modificato: scadenze"]
    label = make_templates(ROME).env.filters["field_label"]
    assert all(label(name) == text for name, text in FIELD_LABELS.items())
