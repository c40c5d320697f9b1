"""The resolution targets: an index, `/targets/`, and a page per target, `/targets/<slug>/`."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from units.reads import target_five_districts, target_quality, targets
from units.reads.provenance import SyntheticCount

# slug → (selector, template): each page calls one selector and renders it.
PAGES: dict[str, tuple[Callable[[], object], str]] = {
    "admissions": (targets.admissions_target, "units/targets_admissions.html"),
    "villages-down": (targets.reduction_target, "units/targets_reduction.html"),
    "quality": (target_quality.quality_target, "units/targets_quality.html"),
    "five-districts": (
        target_five_districts.five_districts_target,
        "units/targets_five_districts.html",
    ),
}


@require_GET
def targets_index(request: HttpRequest) -> HttpResponse:
    progress = [selector() for selector, _template in PAGES.values()]
    # The village counts of the targets that have some (admissions and quality have none).
    counted = [p.counted for p in progress if hasattr(p, "counted")]
    synthetic = sum(counted, SyntheticCount()).share
    return render(request, "units/targets.html", {"progress": progress, "synthetic": synthetic})


@require_GET
def target_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in PAGES:
        raise Http404(_("No target is named “%(slug)s”.") % {"slug": slug})
    selector, template = PAGES[slug]
    progress = selector()
    counted = getattr(progress, "counted", SyntheticCount())
    context = {"progress": progress, "target": progress.target, "synthetic": counted.share}
    return render(request, template, context)
