from django.db import migrations, models

from articles.triggers import Watch, create_sql, drop_sql

# The parts of an article: their SQLite INSERT triggers no longer check a pause table, since
# articles.triggers.paused drops them for the length of a pause instead (a trigger that merely
# checks costs more than the row it logs). PostgreSQL's statement triggers never paused.
PAUSABLE = [
    Watch("articles_section", "article", "article_id", events=("INSERT",), pausable=True),
    Watch("articles_byline", "article", "article_id", events=("INSERT",), pausable=True),
    Watch("articles_figure", "article", "article_id", events=("INSERT",), pausable=True),
]


def recreate(pausing):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor != "sqlite":
            return
        for statement in [
            *drop_sql(vendor, PAUSABLE),
            *create_sql(vendor, PAUSABLE, pausing=pausing),
        ]:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0009_reader_visible"),
    ]

    operations = [
        # The triggers first: a trigger naming a table that is gone fails every insert.
        migrations.RunPython(recreate(pausing=False), recreate(pausing=True)),
        migrations.DeleteModel(name="ChangePause"),
    ]
