from django.db import migrations

from articles.triggers import Watch, create_sql, drop_sql

# A dictionary word changes how the articles containing it are cut into words: the indexer
# finds them and indexes them again. Both the old and the new word of an edit count.
WATCHES = [Watch("search_dictionaryword", "word", "word")]


def create_triggers(apps, schema_editor):
    # Dropped first: an earlier `migrate` of another app alone may have put them in already
    # (articles.triggers.install_missing runs after every migrate, for every app).
    vendor = schema_editor.connection.vendor
    for statement in [*drop_sql(vendor, WATCHES), *create_sql(vendor, WATCHES)]:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    for statement in drop_sql(schema_editor.connection.vendor, WATCHES):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
        ("articles", "0004_change_log"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
