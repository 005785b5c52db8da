"""
One numbering for posts and pages (issue 16, point 5): imported posts and
pages keep Blogger's ids, posts made here keep their numbers (their addresses
are public already), and pages made here (the demo's About, Contact...) get
new numbers above every number known so far. Each page's old number is kept
in OldPublicId, so its old comment-feed addresses answer 301 to the new one
while nothing else has that number. A post made here whose number an
imported post or page already has is renumbered the same way.
"""

from django.db import migrations

LOCAL_ID_LIMIT = 10**15
LARGEST_ID = 2**63 - 1
BATCH = 500


def blogger_number(value):
    if value and value.isdigit() and 0 < int(value) <= LARGEST_ID:
        return int(value)
    return None


def number_posts_and_pages(apps, schema_editor):
    ContentId = apps.get_model("articles", "ContentId")
    OldPublicId = apps.get_model("articles", "OldPublicId")
    models = {"post": apps.get_model("articles", "Post"),
              "page": apps.get_model("articles", "Page")}  # fmt: skip
    taken = set()
    numbered = []  # (kind, pk, number)
    later = []  # (kind, pk, old number or None): numbered after every known one
    for kind, model in models.items():
        rows = model.objects.exclude(blogger_id="").order_by("pk")
        for pk, blogger_id in rows.values_list("pk", "blogger_id"):
            number = blogger_number(blogger_id)
            if number is None or number in taken:
                later.append((kind, pk, number))
            else:
                taken.add(number)
                numbered.append((kind, pk, number))
    local_posts = models["post"].objects.filter(blogger_id="").order_by("pk")
    for pk in local_posts.values_list("pk", flat=True):
        if pk in taken:
            later.append(("post", pk, pk))
        else:
            taken.add(pk)
            numbered.append(("post", pk, pk))
    local_pages = models["page"].objects.filter(blogger_id="").order_by("pk")
    old_page_numbers = list(local_pages.values_list("pk", flat=True))
    later.extend(("page", pk, pk) for pk in old_page_numbers)
    # Above every number in use and every old page number: none is reused.
    top = max(
        [number for number in taken if number < LOCAL_ID_LIMIT] + old_page_numbers,
        default=0,
    )
    old_ids = []
    for kind, pk, old in later:
        top += 1
        numbered.append((kind, pk, top))
        if old is not None and old != top:
            old_ids.append(OldPublicId(number=old, **{kind + "_id": pk}))
    ContentId.objects.bulk_create(
        [
            ContentId(id=number, **{kind + "_number": number})
            for kind, _pk, number in numbered
        ],
        batch_size=BATCH,
    )
    for kind, model in models.items():
        rows = [
            model(pk=pk, public_id=number)
            for row_kind, pk, number in numbered
            if row_kind == kind
        ]
        model.objects.bulk_update(rows, ["public"], batch_size=BATCH)
    seen = set()
    OldPublicId.objects.bulk_create(
        [row for row in old_ids if not (row.number in seen or seen.add(row.number))],
        batch_size=BATCH,
    )


def forget_numbers(apps, schema_editor):
    for name in ("Post", "Page"):
        apps.get_model("articles", name).objects.update(public=None)
    apps.get_model("articles", "OldPublicId").objects.all().delete()
    apps.get_model("articles", "ContentId").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_content_ids"),
    ]

    operations = [
        migrations.RunPython(number_posts_and_pages, forget_numbers),
    ]
