"""The publish permission also lets its holder restore a replaced import (imports.publish,
`restorer_refusal`): its label says so. Django creates a permission once and never renames it,
so the row already stored is renamed here (and back, on the way down)."""

from django.db import migrations

OLD_NAME = "Can publish and withdraw imports of others"
NEW_NAME = "Can publish, withdraw and restore imports of others"


def _rename(apps, old: str, new: str) -> None:
    permission = apps.get_model("auth", "Permission")
    permission.objects.filter(
        content_type__app_label="imports", codename="publish", name=old
    ).update(name=new)


def label_with_restore(apps, schema_editor) -> None:
    _rename(apps, OLD_NAME, NEW_NAME)


def label_without_restore(apps, schema_editor) -> None:
    _rename(apps, NEW_NAME, OLD_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("imports", "0008_replaced_by_another_import"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="importrun",
            options={
                "ordering": ["-started"],
                "permissions": [
                    ("run_import", "Can import reports"),
                    ("publish", NEW_NAME),
                ],
            },
        ),
        migrations.RunPython(label_with_restore, label_without_restore),
    ]
