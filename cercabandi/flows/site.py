"""Build the public site: read the applications, keep what is public, render, write the folder."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from cercabandi.db.repo.applications import list_applications
from cercabandi.site.public import public_projects
from cercabandi.site.render import render_site


@dataclass
class SiteReport:
    out: Path
    projects: int
    files: int


def build_site(sessions: sessionmaker[Session], out: Path, *, now: datetime, base_url: str = "") -> SiteReport:
    """Write the site into ``out``, replacing what a previous build left there."""
    with sessions() as session:
        projects = public_projects(list_applications(session, public_only=True))
    files = render_site(projects, generated=now, base_url=base_url)
    if out.exists():
        shutil.rmtree(out)
    for relative, text in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return SiteReport(out=out, projects=len(projects), files=len(files))
