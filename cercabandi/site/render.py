"""Render the public site from ``PublicProject`` records only: pure, returns ``{path: text}``.

Pages: home, projects by comune and by theme, one page per project, good practices, and an
Atom feed of progress updates and good practices. Links are relative, so the folder works
from any address (or straight from disk); the Atom feed uses ``base_url`` when given.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from cercabandi.core.fmt_it import euro
from cercabandi.core.themes import theme_label
from cercabandi.core.vocab import ProgressStage, label_it
from cercabandi.site.public import PublicProject

STATIC = Path(__file__).parent / "static"
FEED_ENTRIES = 100
SITE_TITLE = "Progetti in rete della Città metropolitana di Milano"


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("cercabandi.site", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "xml")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        {
            "euro": lambda v: euro(v) if v is not None else "non indicato",
            "day": lambda d: d.strftime("%d/%m/%Y") if d else "—",
            "stage": lambda s: label_it(s, ProgressStage) if s else "Nessun aggiornamento",
            "theme": theme_label,
            "pct": lambda v: f"{v:g}%" if v is not None else None,
        }
    )
    return env


def _groups(projects: Sequence[PublicProject]) -> tuple[dict[str, list[PublicProject]], dict[str, list[PublicProject]]]:
    by_comune: dict[str, list[PublicProject]] = defaultdict(list)
    by_theme: dict[str, list[PublicProject]] = defaultdict(list)
    for project in projects:
        for istat, _name in project.comuni:
            by_comune[istat].append(project)
        for theme in project.themes:
            by_theme[theme].append(project)
    return by_comune, by_theme


def _feed_entries(projects: Sequence[PublicProject]) -> list[dict[str, Any]]:
    """Newest first: one entry per progress update and per good practice."""
    found: list[tuple[date, str, PublicProject]] = []
    for p in projects:
        if p.updated_on is not None:
            found.append((p.updated_on, "aggiornamento", p))
        if p.good_practice:
            found.append((p.updated_on or date(2000, 1, 1), "buona-pratica", p))
    found.sort(key=lambda e: (e[0], e[2].slug, e[1]), reverse=True)
    return [
        {
            "project": p,
            "kind": kind,
            "on": on,
            "updated": datetime.combine(on, datetime.min.time(), tzinfo=UTC).isoformat(),
        }
        for on, kind, p in found[:FEED_ENTRIES]
    ]


def render_site(projects: Sequence[PublicProject], *, generated: datetime, base_url: str = "") -> dict[str, str]:
    """Every file of the site, keyed by its relative path."""
    env = _env()
    ordered = sorted(projects, key=lambda p: p.title.casefold())
    by_comune, by_theme = _groups(ordered)
    names = {istat: name for p in ordered for istat, name in p.comuni}
    common = {"site_title": SITE_TITLE, "generated": generated, "feed_path": "feed.xml"}

    def page(template: str, depth: int, **context: Any) -> str:
        return env.get_template(template).render(root="../" * depth, **common, **context)

    files = {
        "index.html": page(
            "index.html",
            0,
            section="home",
            projects=ordered,
            comuni=len(by_comune),
            themes=sorted(by_theme),
            good=[p for p in ordered if p.good_practice],
        ),
        "comuni/index.html": page(
            "comuni.html",
            1,
            section="comuni",
            comuni=sorted(((i, names[i], len(v)) for i, v in by_comune.items()), key=lambda c: c[1]),
        ),
        "temi/index.html": page(
            "temi.html", 1, section="temi", themes=sorted((t, len(v)) for t, v in by_theme.items())
        ),
        "buone-pratiche.html": page(
            "buone_pratiche.html", 0, section="buone", projects=[p for p in ordered if p.good_practice]
        ),
    }
    # A project listed under many comuni (some PNRR projects name all 133) is drawn once, not once per list.
    card = env.get_template("_card.html")
    cards = {p.slug: Markup(card.render(p=p, root="../", level=2)) for p in ordered}  # under the page h1
    for istat, items in by_comune.items():
        files[f"comuni/{istat}.html"] = page(
            "lista.html", 1, heading=f"Progetti a {names[istat]}", projects=items, cards=cards
        )
    for theme, items in by_theme.items():
        files[f"temi/{theme}.html"] = page(
            "lista.html", 1, heading=f"Progetti: {theme_label(theme)}", projects=items, cards=cards
        )
    for project in ordered:
        files[f"progetti/{project.slug}.html"] = page("progetto.html", 1, p=project)
    files["feed.xml"] = env.get_template("feed.xml").render(
        **common, entries=_feed_entries(ordered), base_url=base_url.rstrip("/") + "/" if base_url else ""
    )
    files["assets/style.css"] = (STATIC / "style.css").read_text(encoding="utf-8")
    return files
