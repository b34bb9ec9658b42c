"""Matching: funding calls ranked for projects (TF-IDF, Italian analyser), gated, explained, evaluated.

Never imports ``db``: takes canonical models or texts, returns scores and ``core.models.Match``.
"""

from cercabandi.matching.matcher import MATCHER_VERSION, Dropped, Matcher, NetworkMember, ProjectRanking

__all__ = ["MATCHER_VERSION", "Dropped", "Matcher", "NetworkMember", "ProjectRanking"]
