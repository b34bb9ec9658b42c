"""Which recorded responses a ``--replay DIR`` serves: our replay layout, else the shared real captures.

``cercabandi.crawlers.replay`` knows only its own layout (``DIR/<source>/index.json``);
``cercabandi.crawlers.shared_replay`` reads the real captures kept beside the project in the
publishers' own formats. Choosing between the two is the caller's business, here.
"""

from __future__ import annotations

from pathlib import Path

from cercabandi.crawlers import shared_replay
from cercabandi.crawlers.replay import ReplayCatalogue, ReplayLayoutError, index_files


def recorded_sources(root: Path) -> list[str]:
    """Sources with a recording in ``root``: by folder name, or the captures found in a shared-data folder."""
    found = [path.parent.name for path in index_files(root)]
    return found or list(shared_replay.locate(root))


def catalogue_for(root: Path) -> ReplayCatalogue:
    """What ``root`` replays: a directory in the replay layout, else a folder of shared real captures."""
    if index_files(root):
        return ReplayCatalogue.from_dirs([root])
    if shared_replay.locate(root):
        return shared_replay.shared_catalogue(root)
    raise ReplayLayoutError(
        f"{root} holds no recorded responses: expected <source>/index.json folders (see "
        "cercabandi.crawlers.replay) or real captures such as ../shared/data (see cercabandi.crawlers.shared_replay)"
    )
