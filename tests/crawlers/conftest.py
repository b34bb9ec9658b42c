"""Spiders attached to a real crawler (stats included) with the test's ``now``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler


@pytest.fixture
def make_spider(now: datetime) -> Callable[..., Spider]:
    """Build a spider attached to a real crawler (stats included), with the test's ``now``."""

    def build(cls: type[Spider], **kwargs: Any) -> Spider:
        crawler = get_crawler(cls)
        crawler.stats.open_spider()
        spider = cls.from_crawler(crawler, now=now.isoformat(), **kwargs)
        crawler.spider = spider
        return spider

    return build
