"""The editors' admin: articles with their sections, byline and figures inline."""

import uuid
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from . import services
from .models import Article, Author, Byline, Figure, Publication, Section

admin.site.site_header = _("News archive administration")
admin.site.site_title = _("News archive")
admin.site.index_title = _("Editing the archive")


class SectionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if self.instance.status != Article.Status.PUBLISHED:
            return
        bodies = [
            form.cleaned_data.get("body", "").strip()
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not any(bodies):
            raise ValidationError(
                _("A published article needs at least one section with text."),
                code="no_sections",
            )


class SectionInline(admin.StackedInline):
    model = Section
    formset = SectionFormSet
    fields = ["position", "heading", "body"]
    extra = 0
    ordering = ["position", "id"]
    # The heading's help, said once in the block's title instead of under every section.
    verbose_name_plural = _("Sections (the lead comes first and has no heading)")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "heading":
            field.help_text = ""
        return field

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else 1


class BylineInline(admin.TabularInline):
    model = Byline
    fields = ["position", "role", "author"]
    autocomplete_fields = ["author"]
    extra = 0
    ordering = ["position", "id"]
    # The byline as printed is the article's own field; these are the people it names.
    verbose_name = _("author")
    verbose_name_plural = _("Authors and roles")


class DecimalInput(forms.TextInput):
    """A decimal as a person writes it: 26000000000, not 26000000000.0000."""

    def format_value(self, value):
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        return super().format_value(value)


# A figure an editor adds comes after the extracted ones of its paragraph.
EDITOR_INDEX = 99


class FigureFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        # A figure belongs to a section of the same article.
        form.fields["section"].queryset = Section.objects.filter(article=self.instance.pk)

    def save_existing(self, form, obj, commit=True):
        # Any change an editor makes is a correction that re-extraction keeps.
        obj.is_edited = True
        if {"section", "paragraph"} & set(form.changed_data):
            obj.position = services.figure_position(
                obj.section.position, obj.paragraph, EDITOR_INDEX
            )
        return super().save_existing(form, obj, commit)

    def save_new(self, form, commit=True):
        figure = form.instance
        figure.is_edited = True
        figure.key = f"editor|{uuid.uuid4().hex}"
        figure.position = services.figure_position(
            figure.section.position, figure.paragraph, EDITOR_INDEX
        )
        return super().save_new(form, commit)

    def delete_existing(self, obj, commit=True):
        # Deleting an extracted figure would bring it back at the next
        # extraction; hiding it keeps the editor's decision.
        if obj.is_edited and obj.key.startswith("editor|"):
            super().delete_existing(obj, commit)
        else:
            obj.is_hidden = obj.is_edited = True
            if commit:
                obj.save(update_fields=["is_hidden", "is_edited"])


class FigureForm(forms.ModelForm):
    """One 数说 row, narrow enough for a laptop: short inputs, the sentence as a tooltip."""

    class Meta:
        model = Figure
        fields = [
            "section",
            "paragraph",
            "text",
            "value",
            "value_from",
            "unit",
            "qualifier",
            "label",
            "is_hidden",
        ]
        widgets = {
            "section": forms.Select(attrs={"class": "figure-section"}),
            "paragraph": forms.NumberInput(attrs={"class": "figure-number"}),
            "text": forms.TextInput(attrs={"size": 10}),
            "value": DecimalInput(attrs={"size": 10}),
            "value_from": DecimalInput(attrs={"size": 6}),
            "unit": forms.TextInput(attrs={"size": 4}),
            "qualifier": forms.TextInput(attrs={"size": 3}),
            "label": forms.TextInput(attrs={"size": 12}),
        }
        labels = {
            "text": _("As printed"),
            "value": _("Exact value"),
            "value_from": _("From"),
            "qualifier": _("Qualifier"),
            "is_hidden": _("Hide"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("text", "label"):
            self.fields[name].help_text = ""
        if self.instance.pk:
            # The whole sentence and label, for when the short input cuts them.
            self.fields["label"].widget.attrs["title"] = self.instance.label
            self.fields["text"].widget.attrs["title"] = self.instance.sentence


class FigureInline(admin.TabularInline):
    model = Figure
    form = FigureForm
    formset = FigureFormSet
    fields = [*FigureForm.Meta.fields, "corrected"]
    readonly_fields = ["corrected"]
    extra = 0
    ordering = ["position", "id"]
    classes = ["collapse"]
    verbose_name = _("key figure")
    verbose_name_plural = _("Key figures")

    @admin.display(description=_("Corrected"), boolean=True)
    def corrected(self, figure):
        return figure.is_edited


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title",
            "deck",
            "publication",
            "published_on",
            "status",
            "byline",
            "source",
            "slug",
        ]
        widgets = {
            "title": forms.TextInput(attrs={"size": 80}),
            "deck": forms.TextInput(attrs={"size": 80}),
            "byline": forms.TextInput(attrs={"size": 80}),
        }

    def clean(self):
        cleaned = super().clean()
        slug = cleaned.get("slug")
        published_on = cleaned.get("published_on")
        if slug and published_on:
            clash = Article.objects.filter(published_on=published_on, slug=slug)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    "slug",
                    ValidationError(
                        _("Another article of the same day already uses this slug."),
                        code="slug_taken",
                    ),
                )
        return cleaned


@admin.register(Article)
class ArticleAdmin(VersionAdmin):
    class Media:
        css = {"all": ["css/admin.css"]}

    form = ArticleAdminForm
    inlines = [BylineInline, SectionInline, FigureInline]
    list_display = ["title", "published_on", "publication", "status", "byline", "preview_link"]
    list_filter = [
        "status",
        "publication",
        "published_on",
        ("authors", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["publication"]
    search_fields = ["title", "deck", "byline", "authors__name"]
    date_hierarchy = "published_on"
    ordering = ["-published_on", "-id"]
    list_per_page = 50
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["title", "deck", "publication", "published_on", "status"]}),
        (_("Byline and source"), {"fields": ["byline", "source"]}),
        (_("Address"), {"fields": ["slug"], "classes": ["collapse"]}),
    ]

    @admin.display(description=_("Preview"))
    def preview_link(self, article):
        if article.is_published:
            return format_html('<a href="{}">{}</a>', article.get_absolute_url(), _("View on site"))
        return format_html(
            '<a href="{}">{}</a>',
            reverse("articles:preview", args=[article.pk]),
            _("Preview draft"),
        )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        # Most archives hold one paper: choose it for the editor.
        publications = list(Publication.objects.values_list("pk", flat=True)[:2])
        if len(publications) == 1:
            initial.setdefault("publication", publications[0])
        return initial

    def get_inlines(self, request, obj):
        # A figure points into a saved section, and the add form has none yet:
        # figures printed in the text are extracted when the article is saved,
        # and editors add or correct figures on the change form.
        if obj is None:
            return [BylineInline, SectionInline]
        return self.inlines

    def view_on_site(self, article):
        if article.is_published:
            return article.get_absolute_url()
        return reverse("articles:preview", args=[article.pk])

    def save_related(self, request, form, formsets, change):
        # Figures before sections: a section deleted in this save then takes its
        # figures with it, instead of the figure forms saving rows it just deleted.
        figures_first = sorted(formsets, key=lambda formset: formset.model is not Figure)
        super().save_related(request, form, figures_first, change)
        # Sections may have changed: extract again, keeping every correction.
        services.refresh_figures(form.instance)


@admin.register(Author)
class AuthorAdmin(VersionAdmin):
    list_display = ["name", "slug", "article_count"]
    search_fields = ["name", "slug"]
    readonly_fields = ["slug"]
    # Explicit: Meta.ordering is dropped from the GROUP BY of the count below,
    # and the byline's author autocomplete pages through this queryset.
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("bylines"))

    @admin.display(description=_("Articles"), ordering="article_count")
    def article_count(self, author):
        return author.article_count


@admin.register(Publication)
class PublicationAdmin(VersionAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
