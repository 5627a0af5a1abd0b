"""The 编辑 (editors) group: exactly the permissions editing the archive needs."""

EDITOR_GROUP = "编辑"

EDITOR_PERMISSIONS = {
    ("articles", "article"): ["add", "change", "delete", "view"],
    ("articles", "section"): ["add", "change", "delete", "view"],
    ("articles", "figure"): ["add", "change", "delete", "view"],
    ("articles", "byline"): ["add", "change", "delete", "view"],
    ("articles", "author"): ["add", "change", "view"],
    ("articles", "publication"): ["view"],
    ("search", "dictionaryword"): ["add", "change", "delete", "view"],
}


def sync_editor_group(apps, schema_editor=None):
    """Create the editors group, or reset it to exactly these permissions (a data migration)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _created = Group.objects.get_or_create(name=EDITOR_GROUP)
    wanted = []
    for (app_label, model_name), actions in EDITOR_PERMISSIONS.items():
        verbose_name = apps.get_model(app_label, model_name)._meta.verbose_name_raw
        content_type, _created = ContentType.objects.get_or_create(
            app_label=app_label, model=model_name
        )
        for action in actions:
            permission, _created = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model_name}",
                defaults={"name": f"Can {action} {verbose_name}"},
            )
            wanted.append(permission)
    group.permissions.set(wanted)
