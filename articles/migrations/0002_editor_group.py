from django.db import migrations

from articles.permissions import sync_editor_group


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("search", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_editor_group, migrations.RunPython.noop)]
