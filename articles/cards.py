"""
Post cards of a list page, read from the database only when one is drawn.

A list page first reads just the ids and times of its posts (what paging
needs). Each card is a shared fragment (`{% shared_fragment "card" post.pk %}`),
so most of the time every card is already rendered and nothing more is read.
The first card that does have to be drawn loads all the page's posts with
everything a card shows, in one query (and one for their labels), so the
query count stays the same whatever the list.
"""

from . import purges
from .models import Post


class CardBatch:
    def __init__(self, pks):
        self.pks = pks
        self.posts = None
        # Each card is a shared part: check all of them in one cache read.
        purges.expect_cards(pks)

    def post(self, pk):
        if self.posts is None:
            # These ids were live a moment ago, in this same request.
            self.posts = Post.objects.for_cards().in_bulk(self.pks)
        return self.posts[pk]


class LazyCard:
    """Stands for a post: `pk` and `published_at` at once, the rest on demand."""

    snippet_html = None  # only ranked search results carry one

    def __init__(self, pk, published_at, batch):
        self.pk = self.id = pk
        self.published_at = published_at
        self._batch = batch

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._batch.post(self.pk), name)

    def __eq__(self, other):
        return getattr(other, "pk", None) == self.pk and isinstance(
            other, (LazyCard, Post)
        )

    def __hash__(self):
        return hash(self.pk)


def lazy_cards(queryset, limit):
    """The first `limit` posts of `queryset` as lazy cards, and whether more follow."""
    rows = list(queryset.values_list("pk", "published_at")[: limit + 1])
    batch = CardBatch([pk for pk, _moment in rows[:limit]])
    cards = [LazyCard(pk, moment, batch) for pk, moment in rows[:limit]]
    return cards, len(rows) > limit
