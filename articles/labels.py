"""Label renames and merges: posts follow, and old addresses keep working."""

from django.db import transaction

from .models import Label, LabeledPost, LabelRedirect


@transaction.atomic
def label_rename(*, label: Label, new_name: str) -> Label:
    """Rename `label`; /search/label/OLD_NAME redirects to the new name."""
    old_name = label.name
    label.name = new_name
    label.full_clean()
    label.save()
    if old_name != new_name:
        LabelRedirect.objects.filter(old_name=new_name).delete()
        LabelRedirect.objects.update_or_create(
            old_name=old_name, defaults={"label": label}
        )
    return label


@transaction.atomic
def label_merge(*, sources, target: Label) -> Label:
    """
    Move every post of each source label to `target`, then delete the sources.
    A post carrying both keeps one `target` label; old addresses redirect.
    """
    for source in sources:
        if source.pk == target.pk:
            continue
        already = set(
            LabeledPost.objects.filter(tag=target).values_list(
                "content_object_id", flat=True
            )
        )
        # Row by row, so the search index and cached lists hear of each move.
        for item in LabeledPost.objects.filter(tag=source):
            if item.content_object_id in already:
                item.delete()
            else:
                item.tag = target
                item.save(update_fields=["tag"])
        LabelRedirect.objects.filter(label=source).update(label=target)
        LabelRedirect.objects.update_or_create(
            old_name=source.name, defaults={"label": target}
        )
        source.delete()
    LabelRedirect.objects.filter(old_name=target.name).delete()
    return target
