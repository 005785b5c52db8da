"""
What a queryset delete is taking while it runs (the querysets' delete() in
models.py, through counts.deleting()): the ids of its posts and of its label
rows. Receivers that would redo for each row what the delete does once
pass over them: the kept counts (counted once by counts.deleting()) and the
search index (a post's label rows leave the index with the post).
"""

from contextlib import contextmanager
from contextvars import ContextVar

_going = ContextVar("articles_going", default=(frozenset(), frozenset()))


def posts():
    """The ids of the posts a queryset delete is taking now."""
    return _going.get()[0]


def rows():
    """The ids of the label rows a queryset delete is taking now."""
    return _going.get()[1]


@contextmanager
def taking(posts=(), rows=()):
    """While the delete of `posts` and label `rows` (ids) runs."""
    token = _going.set((frozenset(posts), frozenset(rows)))
    try:
        yield
    finally:
        _going.reset(token)
