"""The writes of a village report (imports.village_write) in bulk: new villages' ids,
placements, figures and hosts right across several statements, and nothing left of a write
that fails part-way."""

import datetime

import pytest

import imports.services
import imports.village_write
from imports.models import ImportRun, ReplacedFigures
from imports.services import report_import, report_preview
from tests.workbooks import JOINED, NONE, OWN, database_counts, section, to_file, village
from tests.workbooks import village_report as report_workbook
from units.domain import rows as rows_module
from units.domain.coverage import coverage_differences, figures_unplaced
from units.models import Village, VillageFigure, VillagePlacement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
DEC_2017 = datetime.date(2017, 12, 31)
NEW_PER_COMMUNE = 12


def rows_for(communes: list[str], known: dict[str, list[str]]) -> list[list]:
    """Each commune with its `known` villages and NEW_PER_COMMUNE new ones (Bản Mới 1 …),
    every fourth joined to the commune's first new village, every fifth with no members."""
    rows = [section("I", "Huyện Mường Chà")]
    for number, commune in enumerate(communes, start=1):
        rows.append(section(str(number), commune))
        names = [*known.get(commune, []), *(f"Bản Mới {n}" for n in range(1, NEW_PER_COMMUNE))]
        for position, name in enumerate(names, start=1):
            if position % 4 == 0:
                rows.append(village(position, name, 2, 2, 0, JOINED, host="Bản Mới 1"))
            elif position % 5 == 0:
                rows.append(village(position, name, 0, 0, 0, NONE))
            else:
                rows.append(village(position, name, 3 + position, 3 + position, 0, OWN))
    return rows


def preview_of(rows):
    preview = report_preview(path_or_file=to_file(report_workbook(rows)))
    assert [issue.line() for issue in preview.errors] == []
    return preview


def test_new_villages_across_several_statements_get_their_own_rows(province, monkeypatch):
    monkeypatch.setattr(rows_module, "MAX_ROWS_PER_STATEMENT", 5)
    known = {"Xã Mường Tùng": ["Bản Nậm Cang 1", "Bản Huổi Lèng"]}
    communes = {"Xã Mường Tùng": province.muong_tung, "Xã Huổi Lèng": province.huoi_leng}
    preview = preview_of(rows_for(list(communes), known))
    before = set(Village.objects.values_list("id", flat=True))

    run = report_import(preview=preview)

    assert run.outcome == ImportRun.Outcome.IMPORTED
    figures = VillageFigure.objects.select_related("village", "joined_with", "commune")
    written = {(f.commune.name, f.village.name): f for f in figures}
    expected = {(e.commune.name, e.name): e for e in preview.villages.entries}
    assert set(written) == set(expected)
    for key, figure in written.items():
        entry = expected[key]
        assert (figure.status, figure.members) == (entry.status, entry.members), key
        host = figure.joined_with
        assert (host.name if host else "", figure.joined_with_name) == (entry.host, entry.host)
        if host is not None:  # the host named is the one in the same commune
            assert written[(figure.commune.name, host.name)].village == host
    for name in known["Xã Mường Tùng"]:  # known villages keep theirs
        assert written[("Xã Mường Tùng", name)].village_id == province.villages[name].id
    new = Village.objects.exclude(id__in=before)
    assert new.count() == 2 * (NEW_PER_COMMUNE - 1)
    placements = VillagePlacement.objects.filter(village__in=new)
    assert sorted(placements.values_list("village__name", "commune", "valid_from", "valid_to")) == (
        sorted(
            (f"Bản Mới {n}", commune.id, DEC_2017, commune.valid_to)
            for commune in communes.values()
            for n in range(1, NEW_PER_COMMUNE)
        )
    )
    assert set(new.values_list("valid_from", "from_reports")) == {(DEC_2017, True)}
    assert coverage_differences() == []
    assert figures_unplaced() == []


def fail_after_half_the_figures(monkeypatch):
    write = imports.village_write.figures_insert

    def half_then_fail(rows, shared, hook=None):
        write(rows[: len(rows) // 2], shared, hook)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(imports.village_write, "figures_insert", half_then_fail)


def fail_in_coverage(monkeypatch):
    refresh = imports.services.coverage_refresh

    def refresh_then_fail(changes):
        refresh(changes)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(imports.services, "coverage_refresh", refresh_then_fail)


@pytest.mark.parametrize("failure", [fail_after_half_the_figures, fail_in_coverage])
def test_a_write_that_fails_part_way_leaves_nothing(province, monkeypatch, failure):
    preview = preview_of(rows_for(["Xã Mường Tùng", "Xã Huổi Lèng"], {}))
    before = database_counts()
    failure(monkeypatch)
    with pytest.raises(RuntimeError):
        report_import(preview=preview)
    assert database_counts() == before
    assert not ImportRun.objects.exists()


def test_a_replace_that_fails_part_way_leaves_the_figures_it_replaced(province, monkeypatch):
    first = report_import(preview=preview_of(rows_for(["Xã Mường Tùng"], {})))
    held = sorted(VillageFigure.objects.values_list("village__name", "status", "members"))
    counts = database_counts()
    rows = rows_for(["Xã Mường Tùng"], {"Xã Mường Tùng": ["Bản Nậm Cang 1"]})
    preview = preview_of(rows)
    fail_after_half_the_figures(monkeypatch)
    with pytest.raises(RuntimeError):
        report_import(preview=preview, replace=True)
    assert sorted(VillageFigure.objects.values_list("village__name", "status", "members")) == held
    assert database_counts() == counts
    first.refresh_from_db()
    assert (first.outcome, first.replaced_by) == (ImportRun.Outcome.IMPORTED, None)
    assert not ReplacedFigures.objects.exists()
