"""Golden files of the rendered digest (text part, and the HTML part with tokens masked).

Regenerate after an intended change of wording or layout, then review the diff:

    CERCABANDI_REGENERATE_GOLDEN=1 python -m pytest tests/digest/test_digest_golden.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from digest_samples import NOW, render_sample, rho_inputs, sample_settings, staff_inputs
from icalendar import Calendar

from cercabandi.digest.tokens import read_feedback_token, read_unsubscribe_token

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("CERCABANDI_REGENERATE_GOLDEN") == "1"
TOKEN_RE = re.compile(r"/(feedback|unsubscribe)/([A-Za-z0-9_.\-]+)")


def normalise(text: str) -> str:
    """Mask the signed tokens (their bytes are itsdangerous's business) and trailing spaces."""
    masked = TOKEN_RE.sub(lambda m: f"/{m.group(1)}/<token>", text)
    return "\n".join(line.rstrip() for line in masked.splitlines()) + "\n"


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if REGENERATE:
        path.write_text(actual, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"{path} is missing: run with CERCABANDI_REGENERATE_GOLDEN=1 and review it")
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file (see module docstring)"


@pytest.mark.parametrize(
    ("name", "inputs", "period"),
    [("staff", staff_inputs, "daily:2026-11-21"), ("referent_rho", rho_inputs, "weekly:2026-W47")],
)
def test_rendered_digest_matches_golden_files(name: str, inputs, period: str) -> None:  # type: ignore[no-untyped-def]
    rendered = render_sample(inputs(), period)
    check(f"{name}.txt", f"Subject: {rendered.subject}\n\n{normalise(rendered.text)}")
    check(f"{name}.html", normalise(rendered.html))


def test_every_link_token_in_the_sample_is_valid() -> None:
    settings = sample_settings()
    rendered = render_sample(staff_inputs(), "daily:2026-11-21")
    tokens = TOKEN_RE.findall(rendered.text)
    assert len(tokens) == 1 + 2 * 5  # unsubscribe + yes/no for 4 projects and one call without projects
    assert {kind for kind, _ in tokens} == {"feedback", "unsubscribe"}
    assert set(TOKEN_RE.findall(rendered.html)) == set(tokens)  # the same links in both parts
    for kind, token in tokens:
        reader = read_feedback_token if kind == "feedback" else read_unsubscribe_token
        assert reader(settings.secret_key, token, now=NOW).subscription_id == 1


def test_the_calendar_has_one_event_per_listed_deadline_with_stable_uids() -> None:
    rendered = render_sample(staff_inputs(), "daily:2026-11-21")
    assert rendered.ics is not None
    events = Calendar.from_ical(rendered.ics).walk("VEVENT")
    assert len(events) == 4
    again = render_sample(rho_inputs(), "weekly:2026-W47")
    assert again.ics is not None
    uids = {str(e["uid"]) for e in events}
    assert {str(e["uid"]) for e in Calendar.from_ical(again.ics).walk("VEVENT")} <= uids
