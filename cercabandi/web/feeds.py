"""Feeds read by programs that cannot log in (calendars, feed readers): signed per-user tokens and Atom.

The token names the user; deactivating the user or changing the password revokes every feed address.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

from itsdangerous import URLSafeSerializer

from cercabandi.db.models import Call, User
from cercabandi.web.pages import call_page_url

ICS_SALT = "cercabandi-ics-feed"
ICS_VALIDITY = timedelta(days=365)  # then the profile page gives a new address
ATOM = "http://www.w3.org/2005/Atom"


def ics_token(secret: str, user: User, now: datetime) -> str:
    """A per-user token for calendar clients and feed readers (they cannot log in).

    Deactivating the user or changing the password revokes it; it expires after ``ICS_VALIDITY``.
    """
    expires = (now + ICS_VALIDITY).date().isoformat()
    return URLSafeSerializer(secret, salt=ICS_SALT).dumps({"u": user.id, "g": user.credential_generation, "e": expires})


def atom_feed(title: str, self_url: str, base_url: str, calls: Sequence[Call], updated: datetime) -> bytes:
    """An Atom document with one entry per call, newest first as given."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}id").text = self_url
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated.isoformat()
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = "cercabandi"
    for call in calls:
        page = call_page_url(base_url, call.id)
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = call.title
        ET.SubElement(entry, f"{{{ATOM}}}id").text = page
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = call.last_seen.isoformat()
        ET.SubElement(entry, f"{{{ATOM}}}published").text = call.first_seen.isoformat()
        ET.SubElement(entry, f"{{{ATOM}}}link", href=page)
        summary = (call.data or {}).get("summary") or call.issuer or ""
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = str(summary)[:1000]
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))
