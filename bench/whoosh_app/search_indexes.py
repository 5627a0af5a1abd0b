"""The tutorial's SearchIndex: a template-rendered document field plus the fields we filter on."""

from haystack import indexes

from articles.models import Article


class ArticleIndex(indexes.SearchIndex, indexes.Indexable):
    text = indexes.CharField(document=True, use_template=True)
    title = indexes.CharField(model_attr="title")
    published_on = indexes.DateField(model_attr="published_on")
    author = indexes.MultiValueField(faceted=True)
    publication = indexes.CharField(model_attr="publication__name", faceted=True)
    year = indexes.CharField(faceted=True)
    month = indexes.CharField(faceted=True)

    def get_model(self):
        return Article

    def index_queryset(self, using=None):
        # The prefetch is ours: it keeps the comparison about the search engines, not N+1 queries.
        return (
            Article.objects.published()
            .select_related("publication")
            .prefetch_related("sections", "bylines__author")
        )

    def prepare_author(self, article):
        return [byline.author.name for byline in article.bylines.all()]

    def prepare_year(self, article):
        return f"{article.published_on:%Y}"

    def prepare_month(self, article):
        return f"{article.published_on:%Y-%m}"
