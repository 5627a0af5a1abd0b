from haystack import indexes

from .models import Note


class NoteIndex(indexes.SearchIndex, indexes.Indexable):
    text = indexes.CharField(document=True, use_template=False)
    title = indexes.CharField(model_attr="title", boost=2.0)
    tag = indexes.CharField(model_attr="tag", faceted=True)
    written = indexes.DateField(model_attr="written")
    rating = indexes.IntegerField(model_attr="rating")
    weight = indexes.FloatField(model_attr="weight")
    public = indexes.BooleanField(model_attr="public")
    lines = indexes.MultiValueField()

    def get_model(self):
        return Note

    def prepare_text(self, note):
        return f"{note.title}\n{note.body}"

    def prepare_lines(self, note):
        return [line for line in note.body.split("\n") if line]
