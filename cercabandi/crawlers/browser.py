"""A headless-browser fallback for publishers that block plain HTTP clients.

Switched on per spider by mixing in ``BrowserFallbackMixin``: the spider's pages are first asked
for plainly; an answer that looks like a block (403/429/503, or a bot-protection challenge page)
is asked for again through scrapy-playwright in Debian's chromium (``/usr/bin/chromium``, never a
downloaded browser), which runs the challenge's JavaScript and keeps its cookies. The spider
argument ``-a browser=always`` uses the browser from the first page, ``-a browser=never`` turns
the fallback off. Spiders using it also crawl slowly (``SLOW_RATE``).

The browser identifies itself with our own user agent (contact e-mail included), like every
other request of the project.
"""

from __future__ import annotations

from typing import Any, ClassVar

import scrapy
from scrapy.http import Response
from scrapy.settings import BaseSettings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BLOCK_STATUSES = (403, 429, 503)
BROWSER_MODES = ("fallback", "always", "never")

# One page every ~10 s: these sites already frown on crawlers.
SLOW_RATE: dict[str, Any] = {
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    "DOWNLOAD_DELAY": 10.0,
    "AUTOTHROTTLE_START_DELAY": 10.0,
    "AUTOTHROTTLE_MAX_DELAY": 120.0,
}

_CHALLENGE_MARKERS = (
    b"cf-chl",
    b"challenge-platform",
    b"<title>Just a moment",
    b"Attention Required! | Cloudflare",
    b"cf-browser-verification",
    b"Checking your browser",
    b"Request unsuccessful. Incapsula",
    b"_Incapsula_Resource",
)


def abort_heavy_resources(request: Any) -> bool:
    """Images, fonts and media are not needed to read a page: do not load them."""
    return bool(request.resource_type in ("image", "media", "font"))


def browser_context(user_agent: str | None) -> dict[str, Any]:
    """The browser context of the fallback: our user agent, Italian locale."""
    context: dict[str, Any] = {"java_script_enabled": True, "locale": "it-IT"}
    if user_agent:
        context["user_agent"] = user_agent
    return context


def playwright_settings() -> dict[str, Any]:
    # No startup contexts: chromium is launched only when a request needs it, not for every crawl.
    return {
        "DOWNLOAD_HANDLERS": {
            "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
            "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
        },
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS},
        # The browser keeps its own headers, so the cookies a challenge sets go back with the reload.
        "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None,
        "PLAYWRIGHT_ABORT_REQUEST": abort_heavy_resources,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 60_000,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 1,
    }


def looks_blocked(response: Response) -> bool:
    """A bot-protection answer instead of the page: a blocking status or a challenge page.

    Through the browser the status is the first navigation's (the challenge's 403) even when the
    challenge then reloaded the real page: there only the content counts.
    """
    if response.status in BLOCK_STATUSES and not response.meta.get("playwright"):
        return True
    head = response.body[:20_000]
    return any(marker in head for marker in _CHALLENGE_MARKERS)


class BrowserFallbackMixin:
    """Mix into a ``scrapy.Spider`` (before it) to get the browser fallback and the slow rate.

    ``browser_wait_for`` is a CSS selector present on the real page once loaded (after a challenge
    the browser waits for it, so the reloaded page is the one returned).
    """

    browser: str = "fallback"
    browser_wait_for: str = "body"
    handle_httpstatus_list: ClassVar[list[int]] = list(BLOCK_STATUSES)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)  # type: ignore[misc]
        settings.setdict(SLOW_RATE, priority="spider")
        settings.setdict(playwright_settings(), priority="spider")

    def _browser_mode(self) -> str:
        mode = str(getattr(self, "browser", "fallback")).lower()
        if mode not in BROWSER_MODES:
            raise ValueError(f"browser={mode!r}: use one of {', '.join(BROWSER_MODES)}")
        return mode

    def page_request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        meta = dict(kwargs.pop("meta", {}) or {})
        if self._browser_mode() == "always":
            meta.update(self._browser_meta())
        return scrapy.Request(url, callback=callback, meta=meta, **kwargs)

    def retry_in_browser(self, response: Response) -> scrapy.Request | None:
        """The same request through the browser, if the answer was a block and the browser may be used."""
        request = response.request
        if request is None or response.meta.get("playwright") or self._browser_mode() == "never":
            return None
        meta = {k: v for k, v in request.meta.items() if not k.startswith(("download_", "depth"))}
        meta.update(self._browser_meta())
        return request.replace(meta=meta, dont_filter=True)

    def _browser_meta(self) -> dict[str, Any]:
        from scrapy_playwright.page import PageMethod  # imported late: only browser runs need it

        settings = getattr(self, "settings", None)
        user_agent = settings.get("USER_AGENT") if settings is not None else None
        return {
            "playwright": True,
            "playwright_context": "browser-fallback",
            "playwright_context_kwargs": browser_context(user_agent),
            "playwright_page_methods": [
                PageMethod("wait_for_selector", self.browser_wait_for, state="attached", timeout=45_000)
            ],
        }
