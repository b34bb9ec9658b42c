"""One spider per publisher; ``Spider.name`` is the source id of ``core.sources.SOURCES``."""
