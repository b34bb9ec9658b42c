"""The one policy for publisher HTML we show: what survives nh3 when a page is stored and when it is displayed.

A publisher's page must never run a script in a volunteer's browser. Normalisation cleans the
HTML once before storing it (making relative links absolute against the page they came from), and
the review application cleans it again before display, because what is in the database is still
untrusted. Both use this policy, so the two can never drift apart.
"""

from __future__ import annotations

from urllib.parse import urljoin

import nh3

# Text structure and links only: no style attributes, no scripts, no forms, no images from third
# parties (tracking pixels).
ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "dd",
        "div",
        "dl",
        "dt",
        "em",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "abbr": frozenset({"title"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan"}),
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Tags removed together with what they contain (the rest of a disallowed tag's text is kept).
DROPPED_WITH_CONTENT = frozenset({"script", "style", "noscript", "template"})
# The publisher's page cannot reach back into ours, and we vouch for none of its links.
LINK_REL = "noopener noreferrer nofollow"


def clean_html(value: str, *, base_url: str | None = None) -> str:
    """HTML safe to display: no scripts, event handlers, styles or ``javascript:`` links.

    With ``base_url``, relative links are made absolute against the page they came from.
    """

    def _absolute(tag: str, attribute: str, attr_value: str) -> str | None:
        if tag == "a" and attribute == "href" and base_url:
            return urljoin(base_url, attr_value.strip())
        return attr_value

    return nh3.clean(
        value,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_absolute,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()
