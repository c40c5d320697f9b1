"""The report paragraph's sentences that rest on published figures (units.reads.paragraph),
and what every sentence shares: its basis, said in brackets at its end.

Each figure keeps its qualifier ("hơn 45.000", "khoảng 46.000"); only what was published for the
page's unit and date is said, nothing is filled in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from units.models import Metric, UnitFigure
from units.reads.targets import AdmissionsProgress
from units.templatetags.coverage import count, qualified

PUBLISHED = "published"
COMPUTED = "computed"


@dataclass
class Sentence:
    text: str  # ends with its basis in brackets and a full stop
    basis: str  # PUBLISHED or COMPUTED


def with_basis(text: str, basis: str) -> Sentence:
    label = _("published figures") if basis == PUBLISHED else _("computed from village reports")
    return Sentence(_("%(sentence)s (%(basis)s).") % {"sentence": text, "basis": label}, basis)


def of_total(part, total: int | None) -> str:
    """ "23 trên 1.813" / "23 of 1,813"; the part alone without a total."""
    part = part if isinstance(part, str) else count(part)
    if total is None:
        return part
    return pgettext("report paragraph", "%(part)s of %(total)s") % {
        "part": part,
        "total": count(total),
    }


def qualified_figure(figure: UnitFigure, *, with_denominator: bool = False) -> str:
    text = qualified(figure.value, figure.qualifier)
    return of_total(text, figure.denominator if with_denominator else None)


def _number(figure: UnitFigure) -> int:
    return int(figure.value)


STRUCTURE = {
    Metric.GRASSROOTS_ORGS: lambda f: ngettext(
        "%(n)s grassroots party organisation", "%(n)s grassroots party organisations", _number(f)
    ),
    Metric.CELLS_UNDER_COMMITTEES: lambda f: ngettext(
        "%(n)s cell under grassroots committees",
        "%(n)s cells under grassroots committees",
        _number(f),
    ),
    Metric.DIRECT_COMMITTEES: lambda f: ngettext(
        "%(n)s committee directly under the province",
        "%(n)s committees directly under the province",
        _number(f),
    ),
}


def _first(page, metric: str) -> UnitFigure | None:
    """One figure per metric (two sources may give it): the first, as the page lists them."""
    return next((f for f in page.published if f.metric == metric and f.span_start is None), None)


def organisation_sentence(organisation: str, page, day: Callable):
    """ "Tính đến 31-12-2017, Đảng bộ tỉnh Điện Biên có 650 tổ chức cơ sở đảng, 2.680 chi bộ
    trực thuộc đảng bộ cơ sở với 36.894 đảng viên (số liệu đã công bố)."""
    parts = []
    for metric, words in STRUCTURE.items():
        figure = _first(page, metric)
        if figure is not None:
            parts.append(words(figure) % {"n": qualified_figure(figure)})
    members = _first(page, Metric.MEMBERS)
    if not parts and members is None:
        return None
    listed = ", ".join(parts)
    if members is not None:
        said = ngettext("%(n)s party member", "%(n)s party members", _number(members)) % {
            "n": qualified_figure(members)
        }
        listed = (
            (_("%(list)s and %(members)s") % {"list": listed, "members": said}) if parts else said
        )
    text = _("By %(date)s, %(organisation)s had %(list)s") % {
        "date": day(page.period.date),
        "organisation": organisation,
        "list": listed,
    }
    return with_basis(text[:1].upper() + text[1:], PUBLISHED)


def admissions_sentence(figure: UnitFigure, progress: AdmissionsProgress | None, day) -> str:
    span = _span(figure, day)
    text = _("%(span)s, %(n)s new members were admitted") % {
        "span": span,
        "n": qualified_figure(figure),
    }
    if progress is None:
        return text
    verdict = _("target met") if progress.percent >= 100 else _("target not met")
    return text + _(
        ", %(percent)s%% of the target of resolution 04-NQ/TU (%(target)s, 2,000 a year): "
        "%(verdict)s"
    ) % {"percent": progress.percent, "target": count(progress.target), "verdict": verdict}


def _span(figure: UnitFigure, day) -> str:
    start, end = figure.span_start, figure.period.date
    if (
        start.year == end.year
        and (start.month, start.day) == (1, 1)
        and (end.month, end.day) == (12, 31)
    ):
        return _("In %(year)s") % {"year": end.year}
    if (start.month, start.day) == (1, 1) and (end.month, end.day) == (12, 31):
        return _("In %(first)s–%(last)s") % {"first": start.year, "last": end.year}
    return _("From %(start)s to %(end)s") % {"start": day(start), "end": day(end)}


CELL_FLOWS = {
    Metric.NEW_VILLAGE_CELLS: lambda n: _("%(n)s new independent cells were set up in villages"),
    Metric.JOINED_CELLS_CLOSED: lambda n: _("%(n)s joined cells were closed"),
    Metric.NEW_CELLS: lambda n: _("%(n)s new village and health-station cells were set up"),
    Metric.CELLS_DISSOLVED: lambda n: _("%(n)s village cells were dissolved"),
}


def flows(page, day: Callable) -> list:
    """Admissions (judged against the target where the span allows) and new or closed cells."""
    progress = {p.figure.id: p for p in page.admissions}
    sentences = []
    seen = set()
    for figure in page.published:
        if figure.span_start is None or (figure.metric, figure.span_start) in seen:
            continue
        seen.add((figure.metric, figure.span_start))
        if figure.metric == Metric.ADMISSIONS:
            text = admissions_sentence(figure, progress.get(figure.id), day)
            sentences.append(with_basis(text, PUBLISHED))
    cells = [f for f in page.published if f.metric in CELL_FLOWS and f.span_start is not None]
    if cells:
        said = [CELL_FLOWS[f.metric](f) % {"n": qualified_figure(f)} for f in _once(cells)]
        text = _("%(span)s, %(flows)s") % {"span": _span(cells[0], day), "flows": "; ".join(said)}
        sentences.append(with_basis(text, PUBLISHED))
    return sentences


def _once(figures: list[UnitFigure]) -> list[UnitFigure]:
    by_metric: dict[str, UnitFigure] = {}
    for figure in figures:
        by_metric.setdefault(figure.metric, figure)
    return list(by_metric.values())
