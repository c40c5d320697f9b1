"""Coverage.synthetic: of the villages counted, those the demo or the benchmark invented; and
DataVersion.synthetic_villages: whether the database holds any.

Filled here for the databases that already hold coverage: every row counts none when no village
is synthetic (real reports only), all its villages when every village is (the demo, the national
benchmark: one UPDATE, however large), and a direct count otherwise (the rule of
units.domain.coverage, written out here because a migration cannot import it).
"""

from collections import defaultdict

from django.db import migrations, models
from django.db.models import F, Q


def _valid_on(date, prefix=""):
    return Q(**{f"{prefix}valid_from__lte": date}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": date})
    )


def synthetic_fill(apps, schema_editor):
    Village = apps.get_model("units", "Village")
    Coverage = apps.get_model("units", "Coverage")
    DataVersion = apps.get_model("units", "DataVersion")
    synthetic = Village.objects.filter(synthetic=True).exists()
    DataVersion.objects.update(synthetic_villages=synthetic)
    if not synthetic:
        return  # the field's default, 0, is right everywhere
    if not Village.objects.filter(synthetic=False).exists():
        Coverage.objects.update(synthetic=F("villages"))
        return
    _synthetic_count(apps)


def _synthetic_count(apps):
    """Per date: the synthetic villages placed in each commune, added up to its ancestors."""
    Coverage = apps.get_model("units", "Coverage")
    Period = apps.get_model("units", "Period")
    Unit = apps.get_model("units", "Unit")
    VillagePlacement = apps.get_model("units", "VillagePlacement")
    parents = dict(Unit.objects.values_list("id", "parent_id"))
    for period in Period.objects.filter(coverage__isnull=False).distinct():
        placed = VillagePlacement.objects.filter(
            _valid_on(period.date), _valid_on(period.date, "village__"), village__synthetic=True
        )
        totals = defaultdict(int)
        for commune_id in placed.values_list("commune_id", flat=True):
            current = commune_id
            while current is not None:
                totals[current] += 1
                current = parents.get(current)
        for unit_id, count in totals.items():
            Coverage.objects.filter(period=period, unit_id=unit_id).update(synthetic=count)


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0006_sort_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="coverage",
            name="synthetic",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="dataversion",
            name="synthetic_villages",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(synthetic_fill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="coverage",
            constraint=models.CheckConstraint(
                condition=models.Q(("synthetic__lte", models.F("villages"))),
                name="coverage_synthetic_counted",
            ),
        ),
    ]
