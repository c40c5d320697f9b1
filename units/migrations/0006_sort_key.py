"""A Vietnamese sort key beside every unit's and village's name (units.domain.names.sort_key),
filled for the rows already there, then required."""

from django.db import migrations, models

from units.domain.names import LEVEL_KINDS, sort_key

BATCH = 2000


def sort_keys_fill(apps, schema_editor):
    Unit = apps.get_model("units", "Unit")
    Village = apps.get_model("units", "Village")
    units = list(Unit.objects.only("id", "name", "level"))
    for unit in units:
        unit.sort_key = sort_key(unit.name, LEVEL_KINDS[unit.level])
    Unit.objects.bulk_update(units, ["sort_key"], batch_size=BATCH)
    villages = Village.objects.only("id", "name").order_by("id")
    last = 0
    while True:
        batch = list(villages.filter(id__gt=last)[:BATCH])
        if not batch:
            break
        for village in batch:
            village.sort_key = sort_key(village.name)
        Village.objects.bulk_update(batch, ["sort_key"])
        last = batch[-1].id


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0005_village_provenance"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="sort_key",
            field=models.CharField(default="", max_length=400),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="village",
            name="sort_key",
            field=models.CharField(default="", max_length=400),
            preserve_default=False,
        ),
        migrations.RunPython(sort_keys_fill, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="village",
            options={"ordering": ["sort_key", "id"]},
        ),
        migrations.AddConstraint(
            model_name="unit",
            constraint=models.CheckConstraint(
                condition=models.Q(("sort_key", ""), _negated=True), name="unit_sort_key_set"
            ),
        ),
        migrations.AddConstraint(
            model_name="village",
            constraint=models.CheckConstraint(
                condition=models.Q(("sort_key", ""), _negated=True), name="village_sort_key_set"
            ),
        ),
    ]
