"""The publish permission's label names everything it allows: publishing, withdrawing and
restoring (imports.publish.restorer_refusal). Django never renames a permission it created, so
migration 0009 renames the row databases made before it hold."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from imports.models import ImportRun

BEFORE = ("imports", "0008_replaced_by_another_import")
AFTER = ("imports", "0009_publish_permission_names_restore")
OLD_LABEL = "Can publish and withdraw imports of others"
NEW_LABEL = "Can publish, withdraw and restore imports of others"


def _permission():
    return Permission.objects.filter(content_type__app_label="imports", codename="publish")


def _label() -> str:
    return _permission().get().name


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def test_the_model_names_restoring():
    label = dict(ImportRun._meta.permissions)["publish"]
    with translation.override("en"):
        assert str(label) == NEW_LABEL
    with translation.override("vi"):
        assert "khôi phục" in str(label)  # restore


@pytest.mark.django_db(transaction=True)
def test_a_database_made_before_gets_the_new_label():
    # As `migrate` stores it, translations off (a test database flushed between tests stores it
    # in the language a test left active).
    _permission().update(name=NEW_LABEL)
    _migrate(BEFORE)
    assert _label() == OLD_LABEL  # as a database made before the change holds it
    _migrate(AFTER)
    assert _label() == NEW_LABEL
