from django.apps import AppConfig


class WhooshAppConfig(AppConfig):
    name = "bench.whoosh_app"
    label = "whoosh_app"
