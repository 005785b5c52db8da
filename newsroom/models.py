from django.db import models


class RateCounter(models.Model):
    """
    One fixed window of one rate limit (newsroom/ratelimit.py) when the cache
    is not Redis: counted by an atomic upsert, deleted once the window ends.
    """

    key = models.CharField(max_length=120, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return "%s = %d" % (self.key, self.count)
