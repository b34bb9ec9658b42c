"""Text of a call's main PDF attachment, with caps on size, pages and characters.

Many calls state their deadline, eligible applicants and co-financing only in the PDF of the
notice. The text goes into ``Attachment.text`` of the raw record. A broken, encrypted or huge
PDF never stops a crawl: the problem is recorded in ``PdfText.error`` and the record is kept
without text. pypdf is pure Python, well maintained and needs no system libraries.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError

MAX_PDF_BYTES = 15 * 1024 * 1024  # larger files are not read (scanned annexes, maps)
MAX_PDF_PAGES = 40  # the key facts of a notice are in its first pages
MAX_TEXT_CHARS = 200_000  # what is kept in the raw record

_PDF_MEDIA_TYPES = ("application/pdf", "application/x-pdf", "application/acrobat")


@dataclass(frozen=True)
class PdfText:
    text: str | None
    pages_read: int = 0
    pages_total: int = 0
    truncated: bool = False
    error: str | None = None


def looks_like_pdf(body: bytes, content_type: str | None = None) -> bool:
    """A PDF by its magic number, or by its declared type when the body is empty or odd."""
    if body[:1024].lstrip().startswith(b"%PDF-"):
        return True
    if not content_type or body:
        return False
    return content_type.split(";")[0].strip().lower() in _PDF_MEDIA_TYPES


def extract_pdf_text(
    body: bytes,
    *,
    max_bytes: int = MAX_PDF_BYTES,
    max_pages: int = MAX_PDF_PAGES,
    max_chars: int = MAX_TEXT_CHARS,
) -> PdfText:
    """Extract the text of the first ``max_pages`` pages; never raises on a bad file."""
    if len(body) > max_bytes:
        return PdfText(None, error=f"PDF of {len(body):,} bytes is over the {max_bytes:,}-byte cap: text not extracted")
    if not body[:1024].lstrip().startswith(b"%PDF-"):
        head = body[:60].decode("latin-1", "replace")
        return PdfText(None, error=f"not a PDF (starts with {head!r}): the link probably leads to an HTML page")
    # pypdf logs every recoverable oddity of real-world PDFs as a warning; keep the crawl log readable.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted:
            try:
                reader.decrypt("")  # many notices are "protected" with an empty user password
            except Exception as exc:
                return PdfText(None, error=f"encrypted PDF that cannot be opened without a password ({exc})")
        total = len(reader.pages)
        chunks: list[str] = []
        size = 0
        read = 0
        for page in reader.pages[:max_pages]:
            try:
                page_text = page.extract_text() or ""
            except Exception as exc:  # one bad page must not lose the others
                page_text = f"[page {read + 1}: text not extractable: {exc}]"
            read += 1
            chunks.append(page_text)
            size += len(page_text)
            if size >= max_chars:
                break
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        return PdfText(None, error=f"unreadable PDF: {type(exc).__name__}: {exc}")
    text = _tidy("\n".join(chunks))
    truncated = read < total or len(text) > max_chars
    text = text[:max_chars]
    if not text.strip():
        return PdfText(
            None, read, total, truncated, error="the PDF has no text layer (probably a scan): nothing extracted"
        )
    return PdfText(text, read, total, truncated)


def _tidy(text: str) -> str:
    text = text.replace("\x00", "")
    text = re.sub(r"[ \t\xa0]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
