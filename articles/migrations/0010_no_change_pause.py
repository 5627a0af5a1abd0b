from django.db import migrations

from articles.triggers import Watch, recreated_on_sqlite

# The parts of an article: their SQLite INSERT triggers no longer check a pause table, since
# articles.triggers.paused drops them for the length of a pause instead (a trigger that merely
# checks costs more than the row it logs). PostgreSQL's statement triggers never paused.
PAUSABLE = [
    Watch("articles_section", "article", "article_id", events=("INSERT",), pausable=True),
    Watch("articles_byline", "article", "article_id", events=("INSERT",), pausable=True),
    Watch("articles_figure", "article", "article_id", events=("INSERT",), pausable=True),
]


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_reader_visible"),
    ]

    operations = [
        # The triggers first: a trigger naming a table that is gone fails every insert.
        migrations.RunPython(
            recreated_on_sqlite(PAUSABLE, pausing=False),
            recreated_on_sqlite(PAUSABLE, pausing=True),
        ),
        migrations.DeleteModel(name="ChangePause"),
    ]
