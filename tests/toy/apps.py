from django.apps import AppConfig


class ToyConfig(AppConfig):
    """A model that knows nothing of articles, for the tantivy backend's own tests."""

    name = "tests.toy"
    label = "toy"
