from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import DictionaryWord


@admin.register(DictionaryWord)
class DictionaryWordAdmin(admin.ModelAdmin):
    list_display = ["word", "note", "updated_at"]
    search_fields = ["word", "note"]
    ordering = ["word"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        messages.info(
            request,
            _("Articles containing “%(word)s” will be cut into words again for search.")
            % {"word": obj.word},
        )
