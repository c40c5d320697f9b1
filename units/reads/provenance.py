"""Whether the village figures a page shows are synthetic: none of them, some or all.

Read from the counts the page reads anyway (`Coverage.synthetic`, kept beside the other counts
by units.domain.coverage): pages say "synthetic" for the unit and date they show and never
otherwise, at no extra query. A site holding real reports only never says it; a real report
imported beside the demo is not labelled synthetic (docs/domain.md §3, "Synthetic villages").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from units.models import Coverage


class Synthetic:
    """How many of the villages shown are synthetic; templates compare with these."""

    NONE = ""  # false in a template's {% if %}
    SOME = "some"
    ALL = "all"


@dataclass(frozen=True)
class SyntheticCount:
    """Of `villages` counted, `synthetic` are synthetic."""

    synthetic: int = 0
    villages: int = 0

    def __add__(self, other: SyntheticCount) -> SyntheticCount:
        return SyntheticCount(self.synthetic + other.synthetic, self.villages + other.villages)

    @property
    def share(self) -> str:
        if not self.synthetic:
            return Synthetic.NONE
        return Synthetic.ALL if self.synthetic >= self.villages else Synthetic.SOME


def counted(coverages: Iterable[Coverage | None]) -> SyntheticCount:
    """The villages of these coverage rows (None: no row), synthetic and in all."""
    rows = [coverage for coverage in coverages if coverage is not None]
    return SyntheticCount(sum(c.synthetic for c in rows), sum(c.villages for c in rows))


def synthetic_share(coverages: Iterable[Coverage | None]) -> str:
    return counted(coverages).share
