"""The report paragraph of a unit page: what staff paste into their reports (issue 11).

Written in the style of the 2018 article the site started from ("Tính đến 31-12-2017, Đảng bộ
tỉnh Điện Biên có 650 tổ chức cơ sở đảng …"), from the page's figures alone, by templates
(no language model). Rules, from docs/domain.md §1 and §3:
- every sentence says what it rests on: published figures (with their qualifiers, "hơn",
  "khoảng") or figures computed from village reports; a computed figure is never called
  published, and a sum of published parts is computed;
- a figure that is missing is left out (never written as 0); villages not reported are said;
- a target is judged only where one exists (units.reads.targets).
The sentences are built in the active language; `units/_report_paragraph.html` renders them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import dateformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from units.domain.names import fold
from units.models import Coverage, Level, Metric, Source, Unit, UnitFigure
from units.reads import paragraph_published as published_sentences
from units.reads.paragraph_published import (
    COMPUTED,
    PUBLISHED,
    Sentence,
    of_total,
    with_basis,
)
from units.reads.provenance import Synthetic, synthetic_share
from units.reads.targets import PROVINCE_CODE, RESOLUTION_BASELINE, reduction_target
from units.reads.unit_page import UnitPage
from units.templatetags.coverage import count, short_date

TWO_WORD_KINDS = ("thanh pho", "thi xa", "thi tran", "dac khu")


@dataclass
class Paragraph:
    sentences: list[Sentence]
    citation: str
    sources: list[Source] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(sentence.text for sentence in self.sentences)


def day(date: datetime.date) -> str:
    """31-12-2017 in Vietnamese (the article's style), 31 December 2017 in English."""
    return dateformat.format(date, pgettext("date in the report paragraph", "j F Y"))


def kind(unit_name: str) -> str:
    """ "tỉnh", "huyện", "thị xã", "xã", "phường": the unit's kind, lower-case, as written."""
    words = unit_name.split()
    size = 2 if fold(" ".join(words[:2])) in TWO_WORD_KINDS else 1
    return " ".join(words[:size]).lower()


def organisation(unit_name: str) -> str:
    """ "Đảng bộ tỉnh Điện Biên" / "the party organisation of Tỉnh Điện Biên"."""
    # Translators: %(kind_and_name)s is the name with its kind in lower case, "tỉnh Điện Biên".
    # xgettext:no-python-format
    return _("the party organisation of %(unit)s") % {
        "unit": unit_name,
        "kind_and_name": unit_name[:1].lower() + unit_name[1:],
    }


def scope(unit_name: str) -> str:
    """ "Toàn tỉnh" / "In Tỉnh Điện Biên": the start of a sentence about all its villages."""
    # Translators: %(kind)s is the unit's kind in lower case ("tỉnh"): "Toàn %(kind)s".
    # xgettext:no-python-format
    return _("In %(unit)s") % {"unit": unit_name, "kind": kind(unit_name)}


# Villages at the date ---------------------------------------------------------------------------


def villages_published(unit_name: str, figures: list[UnitFigure]) -> Sentence | None:
    """The published village counts of the date, as the source gives them."""
    by_metric = {f.metric: f for f in figures}
    white = by_metric.get(Metric.VILLAGES_NO_MEMBERS)
    joined = by_metric.get(Metric.VILLAGES_JOINED)
    parts = []
    if white is not None:
        parts.append(
            _("%(n)s villages with no party member (“trắng” đảng viên)")
            % {"n": published_sentences.qualified_figure(white, with_denominator=True)}
        )
    if joined is not None:
        parts.append(
            _("%(n)s villages without their own cell, attending a joined cell")
            % {"n": published_sentences.qualified_figure(joined)}
        )
    if not parts:
        return None
    text = _("%(scope)s there remain %(parts)s") % {
        "scope": scope(unit_name),
        "parts": "; ".join(parts),
    }
    return with_basis(text, PUBLISHED)


def villages_computed(unit_name: str, coverage: Coverage) -> Sentence:
    """The village counts computed from the reports, with what was not reported."""
    if not coverage.reported:
        return none_reported(unit_name, coverage)
    joined = ngettext(
        "%(n)s village without its own cell, attending a joined cell",
        "%(n)s villages without their own cell, attending a joined cell",
        coverage.joined,
    ) % {"n": count(coverage.joined)}
    own = ngettext(
        "%(n)s village has its own cell", "%(n)s villages have their own cell", coverage.own_cell
    ) % {"n": count(coverage.own_cell)}
    text = _(
        "%(scope)s there remain %(white)s villages with no party member (“trắng” đảng viên); "
        "%(joined)s; %(own)s"
    ) % {
        "scope": scope(unit_name),
        "white": of_total(coverage.no_members, coverage.villages),
        "joined": joined,  # "1 village without its own cell", not "1 villages"
        "own": own,
    }
    if coverage.not_reported:
        text += _(
            "; %(missing)s villages were not reported at this date and are not counted above"
        ) % {"missing": of_total(coverage.not_reported, coverage.villages)}
    return with_basis(text, COMPUTED)


def none_reported(unit_name: str, coverage: Coverage) -> Sentence:
    """No village reported at the date (a province whose reports stop before the site's
    latest date): said, never written as counts of 0 (docs/domain.md §1, not reported)."""
    text = ngettext(
        "%(scope)s the %(villages)s village was not reported at this date",
        "%(scope)s none of the %(villages)s villages was reported at this date",
        coverage.villages,
    ) % {"scope": scope(unit_name), "villages": count(coverage.villages)}
    return with_basis(text, COMPUTED)


# Changes ------------------------------------------------------------------------------------------


def moved(before: int, now: int, *, total_before: int | None, total_now: int | None) -> str:
    """ "giảm từ 95/1.813 xuống 23/1.813 (giảm 72 thôn, bản)", "rose from 2 to 5", "stayed at 0"."""
    values = {
        "before": of_total(before, total_before),
        "now": of_total(now, total_now),
        "n": count(abs(now - before)),
    }
    if now < before:
        return _("fell from %(before)s to %(now)s (%(n)s fewer)") % values
    if now > before:
        return _("rose from %(before)s to %(now)s (%(n)s more)") % values
    return _("stayed at %(now)s") % values


def change_since(label: str, earlier: Coverage, now: Coverage, *, before: str = "") -> Sentence:
    """How the counts moved since `earlier`; `before` says whose figures those were, when they
    were another unit's (`continued_clause`)."""
    text = _(
        "Since %(since)s, villages with no party member %(white)s; villages attending a "
        "joined cell %(joined)s"
    ) % {
        "since": label,
        "white": moved(
            earlier.no_members,
            now.no_members,
            total_before=earlier.villages,
            total_now=now.villages,
        ),
        "joined": moved(earlier.joined, now.joined, total_before=None, total_now=None),
    }
    if earlier.not_reported or now.not_reported:
        text += _("; counting only the villages reported at each date")
    return with_basis(text + before, COMPUTED)


def changes(page: UnitPage) -> list[Sentence]:
    """Since the start of the resolution (31/12/2015), and since the previous date: the dates
    the chart shows, which for today's province are the province's before 1/7/2025 (said once,
    in the first sentence that counts from them)."""
    now = page.coverage
    if now is None or not now.reported:
        return []  # nothing to compare: counting only reported villages would count none
    earlier = []
    if page.baseline_coverage is not None:
        label = _("the start of 2016 (%(date)s, start of resolution 04-NQ/TU)") % {
            "date": day(RESOLUTION_BASELINE)
        }
        earlier.append((label, page.baseline_coverage))
    previous = page.previous
    if previous is not None and previous.period_id != _baseline_id(page):
        earlier.append((day(page.previous_period.date), previous))
    sentences, said = [], False
    for label, coverage in earlier:
        if not coverage.reported:
            continue
        before = ""
        if coverage.unit_id != page.unit.id and not said:
            before, said = continued_clause(page), True
        sentences.append(change_since(label, coverage, now, before=before))
    return sentences


def continued_clause(page: UnitPage) -> str:
    """ "; đến 30-06-2025 là số liệu của tỉnh Điện Biên trước khi sắp xếp đơn vị hành chính":
    the earlier figures are those of the unit this one continues (docs/domain.md §4)."""
    continued = page.continues
    return _(
        # Translators: %(kind_and_name)s is the name with its kind in lower case, "tỉnh Điện Biên".
        # xgettext:no-python-format
        "; up to %(end)s, the figures are those of %(unit)s before the reorganisation of "
        "administrative units"
    ) % _continued_values(continued, day(continued.valid_to))


def continued_note(continued: Unit | None) -> str:
    """`continued_clause` as a sentence of its own, in short dates, for the village lists (the
    unit page's, the change feed's) that count from `continued`, the unit this one continues;
    "" for a unit that continues none."""
    if continued is None:
        return ""
    return _(
        # Translators: the clause above as a sentence; %(kind_and_name)s as there, "tỉnh Điện Biên".
        # xgettext:no-python-format
        "Up to %(end)s, the figures are those of %(unit)s before the reorganisation of "
        "administrative units."
    ) % _continued_values(continued, short_date(continued.valid_to))


def _continued_values(continued: Unit, end: str) -> dict[str, str]:
    return {
        "end": end,
        "unit": continued.name,
        "kind_and_name": continued.name[:1].lower() + continued.name[1:],
    }


def _baseline_id(page: UnitPage) -> int | None:
    baseline = page.baseline_coverage
    return baseline.period_id if baseline is not None else None


# The 15–20% a year target -------------------------------------------------------------------------


def reduction_verdict(page: UnitPage) -> Sentence | None:
    """For the province at a year end of 2016–2020: was each count down 15% on the year?"""
    unit, date = page.unit, page.period.date
    if (
        unit.level != Level.PROVINCE
        or unit.code != PROVINCE_CODE
        or (date.month, date.day) != (12, 31)
    ):
        return None
    parts = []
    for series in reduction_target(province_code=unit.code).series:
        row = next((r for r in series.rows if r.date == date and not r.projected), None)
        if row is None or not row.in_term or row.met is None or row.change_percent is None:
            continue
        verdict = _("met") if row.met else _("not met")
        parts.append(
            _("%(label)s changed by %(change)s%% on the year before: %(verdict)s")
            % {
                "label": _lower_first(str(series.label)),
                "change": _signed(row.change_percent),
                "verdict": verdict,
            }
        )
    if not parts:
        return None
    text = _("Target of resolution 04-NQ/TU, down 15–20%% a year: %(parts)s") % {
        "parts": "; ".join(parts)
    }
    return with_basis(text, COMPUTED)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _signed(value) -> str:
    text = number_format(abs(value), decimal_pos=1)
    return ("−" if value < 0 else "+" if value > 0 else "") + text


# The paragraph ---------------------------------------------------------------------------------


def report_paragraph(page: UnitPage, *, permalink: str) -> Paragraph:
    """The paragraph for the page's unit and date, with its citation line."""
    name = page.unit.name
    published = page.published
    sentences = [published_sentences.organisation_sentence(organisation(name), page, day)]
    sentences.append(
        villages_published(name, published)
        or (villages_computed(name, page.coverage) if page.coverage else None)
    )
    sentences += changes(page)
    sentences += published_sentences.flows(page, day)
    sentences.append(reduction_verdict(page))
    kept = [sentence for sentence in sentences if sentence is not None]
    sources = _sources(published, kept)
    return Paragraph(kept, citation(page, permalink, sources, kept), sources)


def _sources(published: list[UnitFigure], sentences: list[Sentence]) -> list[Source]:
    if not any(s.basis == PUBLISHED for s in sentences):
        return []
    return list({figure.source_id: figure.source for figure in published}.values())


def citation(page: UnitPage, permalink: str, sources: list[Source], sentences) -> str:
    parts = [_("partystats, %(unit)s, figures at %(date)s, %(url)s") % {
        "unit": page.unit.name, "date": day(page.period.date), "url": permalink,
    }]  # fmt: skip
    parts += [source.shown_title + (f", {source.url}" if source.url else "") for source in sources]
    if any(s.basis == COMPUTED for s in sentences):
        parts += _synthetic_part(page)
    return _("Source: %(sources)s.") % {"sources": "; ".join(parts)}


def _synthetic_part(page: UnitPage) -> list[str]:
    """Said when the villages the computed sentences count (at the page's date and at the
    dates they compare with) are synthetic, all or some of them; never for real reports."""
    share = synthetic_share([page.coverage, page.previous, page.baseline_coverage])
    if share == Synthetic.ALL:
        return [_("village figures: synthetic demo data")]
    if share == Synthetic.SOME:
        return [_("village figures: partly synthetic demo data")]
    return []
