"""Render the README's screenshots (triage queue, dashboard) with Debian's chromium.

By default the pages are filled with the realistic seed data of the web tests in a
temporary SQLite database; ``--database-url`` renders an existing database instead
(e.g. the one ``cercabandi demo`` filled), logging in as ``--username``/``--password``.

    PYTHONPATH=. python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from cercabandi.core.models import utcnow  # noqa: E402
from cercabandi.core.settings import Settings  # noqa: E402
from cercabandi.crawlers.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from cercabandi.db.session import make_engine, session_factory, upgrade  # noqa: E402
from cercabandi.web.app import create_app  # noqa: E402
from tests.web.live import live_server  # noqa: E402
from tests.web.seed import PASSWORD, seed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="where the PNGs go")
    parser.add_argument("--database-url", help="render this database instead of the seed data")
    parser.add_argument("--username", default="giulia", help="user to log in as")
    parser.add_argument("--password", default=PASSWORD, help="that user's password")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--phone-width", type=int, default=0, help="also render at this width (e.g. 400): *-phone.png")
    parser.add_argument("--prefix", default="", help="prefix of the file names, e.g. 'real-'")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="cercabandi-shots-"))
    now = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    if args.database_url:
        engine = make_engine(args.database_url)
        clock = utcnow
    else:
        engine = make_engine(f"sqlite:///{workdir / 'shots.sqlite3'}")
        upgrade(engine)
        with session_factory(engine)() as session, session.begin():
            seed(session, now)

        def clock() -> datetime:
            return now

    sessions = session_factory(engine)
    settings = Settings(data_dir=workdir, secret_key="screenshots-only-secret")  # type: ignore[arg-type]
    app = create_app(settings, sessions, clock=clock, secure_cookies=False)
    args.out.mkdir(parents=True, exist_ok=True)
    with live_server(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height}, locale="it-IT")
        page.goto(f"{base}/login")
        page.fill("input[name=username]", args.username)
        page.fill("input[name=password]", args.password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        sizes = [("", args.width, args.height)]
        if args.phone_width:
            sizes.append(("-phone", args.phone_width, args.height))
        for suffix, width, height in sizes:
            page.set_viewport_size({"width": width, "height": height})
            for name, path in (("triage", "/triage"), ("dashboard", "/"), ("calls", "/calls")):
                page.goto(f"{base}{path}")
                target = args.out / f"{args.prefix}{name}{suffix}.png"
                page.screenshot(path=str(target))
                print(f"wrote {target}")
        browser.close()


if __name__ == "__main__":
    main()
