"""The normaliser over real recorded publisher data (../shared/data): high success, reasons for the rest.

Runs the records through adapters shaped like the spiders (``shapes.py``) and prints the figures
(``pytest -s``). Skipped when ``../shared/data`` is absent.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from shapes import _first, incentivi_raw, padigitale_raw, sedia_raw, socrata_raw

from cercabandi.core.models import RawCall
from cercabandi.core.vocab import CallStatus
from cercabandi.normalise import NormalisationError, normalise_record

pytestmark = pytest.mark.shared_data
SNAPSHOT = datetime(2026, 8, 22, 6, 0, tzinfo=UTC)  # when the EU and Lombardia records were captured


def real_records(calls: Path) -> Iterator[RawCall]:
    for page in sorted((calls / "eu_sedia" / "search_pages_2026-08-22").glob("page-*.json")):
        for result in json.loads(page.read_text())["results"]:
            if _first(result, "DATASOURCE") not in ("SEDIA_PRD_CENTRICITY", "SEDIA_FAQ"):
                yield sedia_raw(result, SNAPSHOT)
    for page in sorted((calls / "regione_lombardia" / "socrata_bukx-h2uy_2026-08-22").glob("offset-*.json")):
        for row in json.loads(page.read_text()):
            if row.get("tipo_strumento") != "Concorsi Pubblici e Avvisi sul Personale":
                yield socrata_raw(row, SNAPSHOT)
    for doc in json.loads((calls / "incentivi" / "incentivi_solr_capture.json").read_text())["docs"]:
        yield incentivi_raw(doc, SNAPSHOT)
    excerpt = calls / "incentivi" / "agevolamatch_incentivi_gov_it_sample.EXCERPT_first5docs.json"
    for doc in json.loads(excerpt.read_text())["response"]["docs"]:
        yield incentivi_raw(doc, SNAPSHOT)
    for record in json.loads((calls / "padigitale2026" / "avvisi.json").read_text()):
        yield padigitale_raw(record, SNAPSHOT)


def test_real_records_normalise(shared_data: Path) -> None:
    ok: collections.Counter[str] = collections.Counter()
    failed: collections.Counter[str] = collections.Counter()
    statuses: collections.Counter[tuple[str, str]] = collections.Counter()
    reasons: collections.Counter[str] = collections.Counter()
    warned = 0
    for raw in real_records(shared_data / "calls"):
        try:
            call = normalise_record(raw, now=SNAPSHOT, first_seen=SNAPSHOT, last_seen=SNAPSHOT)
        except NormalisationError as exc:
            failed[raw.source] += 1
            assert exc.reasons and all(r.strip() for r in exc.reasons)
            reasons.update(r[:100] for r in exc.reasons)
            continue
        ok[raw.source] += 1
        warned += bool(call.warnings)
        statuses[(raw.source, call.status(SNAPSHOT).value)] += 1
    total = sum(ok.values()) + sum(failed.values())
    print(
        f"\nreal records: {total}, normalised {sum(ok.values())}, quarantined {sum(failed.values())}, with warnings {warned}"
    )
    for source in sorted(set(ok) | set(failed)):
        print(f"  {source:16} ok {ok[source]:5}  quarantined {failed[source]:3}")
    print("  status:", dict(sorted(statuses.items())))
    for reason, count in reasons.most_common(5):
        print(f"  {count:4} x {reason}")
    assert set(ok) == {"eu_sedia", "lombardia_bandi", "it_incentivi", "it_padigitale"}
    assert total > 2000
    assert sum(ok.values()) / total >= 0.98
    # SEDIA's "open" flag lies for some records; after dropping the stale index nearly all are open by their dates.
    assert statuses[("eu_sedia", CallStatus.OPEN.value)] / ok["eu_sedia"] > 0.95
    # PA digitale's calls were all over (TERMINATO) when captured.
    assert statuses[("it_padigitale", CallStatus.CLOSED.value)] == ok["it_padigitale"]
