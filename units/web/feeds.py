"""Atom feeds of what changed (Django's syndication framework): one per unit, one for the site.

One entry per reporting date: the villages that gained a member, gained their own cell or went
backwards since the date before (for a unit's first date, the last date of the unit it continues
one to one, whose figures the entry says they are), each linked to its page. No account, no
personal data (village names and statuses only). `?lang=en` gives the English feed; a feed
reader sends no cookie, so the default is the site's first language, Vietnamese.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from units.models import Unit
from units.reads import feed as selectors
from units.reads import paragraph

LIST_AT_MOST = 100  # village names per list in one entry; the unit page has them all


class ChangesFeed(Feed):
    """Made per request (it keeps the request, for absolute links)."""

    feed_type = Atom1Feed
    description_template = "units/feed_entry.html"

    def __init__(self, request: HttpRequest):
        super().__init__()
        self.request = request

    def absolute(self, path: str) -> str:
        return self.request.build_absolute_uri(path)

    def item_title(self, entry: selectors.FeedEntry) -> str:
        gained_member, gained_cell, backwards = entry.counts
        return _(
            "%(unit)s at %(date)s: %(member)s gained a member, %(cell)s gained their own cell, "
            "%(back)s went backwards"
        ) % {
            "unit": entry.unit.name,
            "date": date_format(entry.period.date, "SHORT_DATE_FORMAT"),
            "member": gained_member,
            "cell": gained_cell,
            "back": backwards,
        }

    def item_link(self, entry: selectors.FeedEntry) -> str:
        query = f"?date={entry.period.date}&compare={entry.previous.date}"
        return self.absolute(reverse("unit", args=[entry.unit.id]) + query)

    def item_updateddate(self, entry: selectors.FeedEntry) -> datetime.datetime:
        return datetime.datetime.combine(entry.period.date, datetime.time(), datetime.UTC)

    item_pubdate = item_updateddate

    def get_context_data(self, **kwargs) -> dict:
        entry = kwargs["item"]
        return {
            "entry": entry,
            "base": self.absolute("/").rstrip("/"),
            "link": self.item_link(entry),
            "list_at_most": LIST_AT_MOST,
            "list_slice": f":{LIST_AT_MOST}",
            # An entry against the last date of the unit this one continues says whose figures
            # those are, as the unit page's lists do.
            "continued_note": paragraph.continued_note(entry.continued),
        }


class UnitFeed(ChangesFeed):
    def get_object(self, request: HttpRequest, unit_id: int) -> Unit:
        return get_object_or_404(Unit, pk=unit_id)

    def title(self, unit: Unit) -> str:
        return _("Changes in the villages of %(unit)s · partystats") % {"unit": unit.name}

    def link(self, unit: Unit) -> str:
        return self.absolute(reverse("unit", args=[unit.id]))

    def subtitle(self, unit: Unit) -> str:
        return _subtitle()

    def items(self, unit: Unit) -> list[selectors.FeedEntry]:
        return selectors.unit_entries(unit)


class SiteFeed(ChangesFeed):
    def title(self) -> str:
        return _("Changes in the villages, every province · partystats")

    def link(self) -> str:
        return self.absolute(reverse("home"))

    def subtitle(self) -> str:
        return _subtitle()

    def items(self) -> list[selectors.FeedEntry]:
        return selectors.site_entries()


def _subtitle() -> str:
    return _(
        "At each reporting date: the villages that gained a member, gained their own cell or "
        "went backwards (re-whitened, tái trắng) since the date before."
    )


def _language(request: HttpRequest) -> str:
    wanted = request.GET.get("lang")
    return wanted if wanted in dict(settings.LANGUAGES) else translation.get_language()


@require_safe
def unit_feed(request: HttpRequest, unit_id: int) -> HttpResponse:
    with translation.override(_language(request)):
        return UnitFeed(request)(request, unit_id=unit_id)


@require_safe
def site_feed(request: HttpRequest) -> HttpResponse:
    with translation.override(_language(request)):
        return SiteFeed(request)(request)
