"""Formatting of figures: locale number grouping, qualifiers, statuses."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from units.models import Qualifier, Status
from units.reads.village_lists import Risk

register = template.Library()


@register.filter
def count(value) -> str:
    """36894 → "36.894" in Vietnamese, "36,894" in English; None → "–" (never a zero)."""
    if value is None:
        return "–"
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return number_format(value, force_grouping=True)


@register.filter
def published_value(figure) -> str:
    """A published figure with its qualifier: "> 45.000", "about 46.000"."""
    return qualified(figure.value, figure.qualifier)


@register.filter
def qualified(value, qualifier: str) -> str:
    """A number with how exact it is: "more than 45.000", "about 2.247", "650"."""
    text = count(value)
    if qualifier == Qualifier.AT_LEAST:
        return _("more than %(value)s") % {"value": text}
    if qualifier == Qualifier.ABOUT:
        return _("about %(value)s") % {"value": text}
    return text


@register.filter
def status_label(status: str) -> str:
    """The one label of a status, in the page's language (units.models.Status)."""
    return Status(status).label


RISK_LABELS = {
    Risk.FEW: gettext_lazy("one or two members"),
    Risk.WORSE: gettext_lazy("status got worse"),
    Risk.FALLING: gettext_lazy("lost a third of its members or more"),
}


@register.filter
def risk_labels(reasons: tuple[str, ...]) -> str:
    return "; ".join(str(RISK_LABELS[reason]) for reason in reasons)


@register.filter
def share_value(value: float | None) -> str:
    """A share in per cent with one decimal: "12,5%" in Vietnamese; "–" when unknown."""
    if value is None:
        return "–"
    return number_format(value, decimal_pos=1) + "%"


@register.filter
def change(now, before) -> str:
    """Signed difference, "+12" / "−3" / "0"; "–" when either side is unknown."""
    if now is None or before is None:
        return "–"
    diff = now - before
    if diff > 0:
        return "+" + count(diff)
    if diff < 0:
        return "−" + count(-diff)
    return "0"


@register.filter
def percent(part, whole) -> str:
    if not whole or part is None:
        return "–"
    return number_format(round(100 * part / whole, 1), decimal_pos=1) + " %"
