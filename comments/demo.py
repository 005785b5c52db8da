"""Demo comments: threads on the seed post, a few held ones, counts on recent cards."""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from articles.demo import SEED_PERMALINK
from articles.models import Post

from .models import Comment, ModerationEvent, Report

Status = Comment.Status

# (name, text, status, replies); replies are (name, text, status).
SEED_THREADS = [
    (
        "Priya S",
        "Good to see the two sides talking again. Direct flights would help "
        "a lot of families who have been split for years.",
        Status.APPROVED,
        [
            (
                "Thomas B",
                "Agreed. The detour through Istanbul or Dubai costs a fortune.",
                Status.APPROVED,
            ),
            (
                "Anand K",
                "Let's wait and see if anything actually changes.",
                Status.APPROVED,
            ),
            (
                "Sara M",
                "My cousin has not been home since 2021. Fingers crossed!",
                Status.PENDING,
            ),
        ],
    ),
    (
        "Cheap flights 4U",
        "Best prices on tickets!!! http://spam.example/deal http://spam.example/more",
        Status.REMOVED,
        [
            ("Latha R", "Moderators, please remove the advert above.", Status.APPROVED),
        ],
    ),
    (
        "Rahul V",
        "The full statement is on the ministry's site:\n"
        "https://www.mid.ru/en/\n\nWorth reading for the details on the property.",
        Status.APPROVED,
        [],
    ),
    (
        "Karthik",
        "Will the consulates in San Francisco and Seattle reopen as well?",
        Status.PENDING,
        [],
    ),
]
RECENT_POSTS = 60
REMARKS = [
    "Thanks for the update.",
    "Very informative, thank you.",
    "Is there an official statement on this?",
    "This affects our area too.",
    "Good reporting.",
    "Hope the authorities act quickly.",
]
NAMES = ["Deepa", "Joseph", "Fatima", "Vikram", "Lakshmi", "Arjun", "Nisha", "Peter"]


def _moderator():
    return get_user_model().objects.filter(username="moderator").first()


@transaction.atomic
def load_demo_comments(out, seed=2025, now=None):
    """Add the demo comments once; return how many were made."""
    post = Post.objects.filter(permalink=SEED_PERMALINK).first()
    if post is None or post.comments.exists():
        return 0
    rng = random.Random(seed)
    now = now or timezone.now()
    moderator = _moderator()
    made = []
    moment = post.published_at + timedelta(hours=2)
    for name, text, status, replies in SEED_THREADS:
        held = status == Status.PENDING
        thread = Comment.objects.create(
            post=post,
            name=name,
            text=text,
            status=status,
            created_at=now - timedelta(minutes=30) if held else moment,
            ip_address="203.0.113.%d" % rng.randint(1, 254),
        )
        made.append(thread)
        for reply_name, reply_text, reply_status in replies:
            moment += timedelta(hours=rng.randint(1, 9), minutes=rng.randint(0, 59))
            reply_held = reply_status == Status.PENDING
            made.append(
                Comment.objects.create(
                    post=post,
                    parent=thread,
                    name=reply_name,
                    text=reply_text,
                    status=reply_status,
                    created_at=now - timedelta(minutes=12) if reply_held else moment,
                    ip_address="198.51.100.%d" % rng.randint(1, 254),
                )
            )
        moment += timedelta(days=1)
        if status == Status.REMOVED:
            thread.moderated_by, thread.moderated_at = moderator, moment
            thread.save(update_fields=["moderated_by", "moderated_at"])
            ModerationEvent.objects.create(
                comment=thread,
                action=ModerationEvent.Action.REMOVE,
                from_status=Status.APPROVED,
                to_status=Status.REMOVED,
                actor=moderator,
                created_at=moment,
            )

    # A reader's report, so the moderator's queue shows one on top.
    linked = next(c for c in made if c.name == "Rahul V")
    Report.objects.create(
        comment=linked,
        reason=Report.Reason.SPAM,
        note="Is this link safe?",
        reporter="addr:198.51.100.77",
        address="198.51.100.77",
        created_at=now - timedelta(minutes=40),
    )

    # A few approved comments on recent posts, so cards show counts.
    recent = Post.objects.published().exclude(pk=post.pk).newest_first()[:RECENT_POSTS]
    rows = []
    for other in recent:
        for number in range(rng.choice([0, 0, 1, 2, 3, 5])):
            rows.append(
                Comment(
                    post=other,
                    name=rng.choice(NAMES),
                    text=rng.choice(REMARKS),
                    status=Status.APPROVED,
                    created_at=min(
                        now, other.published_at + timedelta(minutes=20 + 45 * number)
                    ),
                )
            )
    rows.append(
        Comment(
            post=recent[0],
            name="Guest",
            text="Is the bus fare change already in effect?",
            status=Status.PENDING,
            created_at=now - timedelta(minutes=5),
        )
    )
    Comment.objects.bulk_create(rows, batch_size=500)
    pending = sum(1 for c in made + rows if c.status == Status.PENDING)
    out.write(
        "Added %d demo comments (%d awaiting moderation)."
        % (len(made) + len(rows), pending)
    )
    return len(made) + len(rows)
