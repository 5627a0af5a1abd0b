"""The baseline serves no pages: update_index and SearchQuerySet need no URLs."""

urlpatterns = []
