from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class DictionaryWord(models.Model):
    """A term of the user dictionary: jieba keeps it whole when it cuts text into words.

    The news terms shipped with the code (search/dictionary/news.txt) are
    always loaded; editors add the archive's own terms here.
    """

    word = models.CharField(_("word"), max_length=40, unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["word"]
        verbose_name = _("dictionary word")
        verbose_name_plural = _("dictionary words")

    def __str__(self):
        return self.word

    def clean(self):
        self.word = self.word.strip()
        if not self.word:
            raise ValidationError({"word": _("Enter a word.")})
        if any(char.isspace() for char in self.word):
            raise ValidationError({"word": _("A dictionary word cannot contain spaces.")})
        if len(self.word) < 2:
            raise ValidationError({"word": _("A dictionary word needs at least two characters.")})
