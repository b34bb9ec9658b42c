"""The one error normalisation raises: a record that cannot become a trustworthy call.

Its ``reasons`` are shown in the quarantine, the run report and the CLI, so each one says what
was wrong and where to look (the field, the value, the spider or the parser).
"""

from __future__ import annotations


class NormalisationError(ValueError):
    """A raw record could not be normalised; ``reasons`` says why, one actionable line each."""

    def __init__(self, reasons: list[str] | str) -> None:
        if isinstance(reasons, str):
            reasons = [reasons]
        cleaned = [r.strip() for r in reasons if r and r.strip()]
        self.reasons: list[str] = cleaned or ["normalisation failed without a stated reason (a bug: please report it)"]
        super().__init__("; ".join(self.reasons))
