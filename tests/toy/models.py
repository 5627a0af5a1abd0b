from django.db import models


class Note(models.Model):
    title = models.CharField(max_length=100)
    body = models.TextField(blank=True)
    tag = models.CharField(max_length=20, blank=True)
    written = models.DateField()
    rating = models.IntegerField(default=0)
    weight = models.FloatField(default=0.0)
    public = models.BooleanField(default=True)

    class Meta:
        app_label = "toy"

    def __str__(self):
        return self.title
