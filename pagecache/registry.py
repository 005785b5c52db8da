"""
Which changes purge which cached pages: opt-in, per model.

Each app names in its `AppConfig.ready()`, for each of its models that pages
show, the *tags* of the pages a save or delete of a row changes::

    from pagecache import registry

    registry.register(Label, lambda label, **change: ["label:%d" % label.pk, "sidebar"])
    registry.register(SiteSettings, ["settings"])

`tags` is a list, or a function `(instance, *, created, deleted, update_fields)`
returning one (an empty list purges nothing: a comment held for moderation).
For a many-to-many through model, `add()`, `remove()` and `clear()` purge too:
the function then gets the instance whose relation changed (either side). A model nobody registers purges
nothing, so code never needs to save "without signals" to spare the cache.

The tags (docs/architecture.md lists them): `post:<id>`, `page:<id>`,
`label:<id>`, `author:<id>`, `image:<id>`, `home`, `feeds`, `sidebar`,
`settings`. Pages are not yet stored with their tags, so today any tag purges
every page (`store.purge_tags`); the edge cache will send the same tags to
Varnish as surrogate keys.

Apps that publish at a set time register the next such moment, so no cached
page outlives it (`register_schedule`).
"""

from collections.abc import Callable, Iterable

from django.db.models.signals import m2m_changed, post_delete, post_save

from . import store

_tags: dict[type, Callable] = {}
_schedules: list[Callable] = []


def register(model, tags):
    """Purge the pages tagged `tags` when a row of `model` is saved or deleted."""
    if not callable(tags):
        fixed = list(tags)

        def tags(instance, **change):
            return fixed

    _tags[model] = tags
    uid = "pagecache-%s" % model._meta.label_lower
    post_save.connect(_saved, sender=model, dispatch_uid=uid)
    post_delete.connect(_deleted, sender=model, dispatch_uid=uid + "-del")
    m2m_changed.connect(_relation_changed, sender=model, dispatch_uid=uid + "-m2m")


def register_schedule(next_moment):
    """`next_moment()`: the earliest future time something goes live unsaved, or None."""
    if next_moment not in _schedules:
        _schedules.append(next_moment)


def registered(model):
    return model in _tags


def next_scheduled():
    """The earliest registered go-live moment (an aware datetime), or None."""
    moments = [moment for moment in (source() for source in _schedules) if moment]
    return min(moments) if moments else None


def _purge(tags: Iterable[str]):
    tags = list(tags)
    if tags:
        store.purge_tags(tags)


def _saved(sender, instance, created=False, update_fields=None, **kwargs):
    _purge(
        _tags[sender](
            instance,
            created=created,
            deleted=False,
            update_fields=frozenset(update_fields) if update_fields else None,
        )
    )


def _deleted(sender, instance, **kwargs):
    _purge(_tags[sender](instance, created=False, deleted=True, update_fields=None))


def _relation_changed(sender, instance, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        _purge(
            _tags[sender](instance, created=False, deleted=False, update_fields=None)
        )
