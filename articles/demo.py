"""The "Local Glob" demo site: the seed's article and ~10,000 generated posts
(or any number: `manage.py loaddemo --posts N`)."""

import io
import random
import secrets
import time
from datetime import datetime, timedelta
from itertools import chain

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import reset_queries, transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw

from . import publishing, search
from .models import Image, Label, LabeledPost, Page, Post, SiteSettings, Status
from .roles import EDITORS, MODERATORS, WRITERS, ensure_roles

SEED_PERMALINK = "/2025/03/russian-us-diplomats-discuss-steps-in.html"

# The seed page's label widget: live post counts the demo must reproduce exactly.
LABEL_COUNTS = {
    "AROUND THE GLOBE": 5945,
    "business": 74,
    "BY READERS": 479,
    "FEATURE": 289,
    "GLOBE": 16,
    "KERALA": 13,
    "Movie": 327,
    "s": 1,
    "SPECIAL STORY": 394,
    "TAMILNADU": 4,
    "TOP STORY": 6664,
    "TRAVEL": 8,
}
LIVE_POSTS = 10_000
DRAFTS = 30
SCHEDULED = 12
IMAGES = 24

SEED_TITLE = "Russian, US diplomats discuss steps in Istanbul to fund their embassies"
SEED_BODY = """
<p>MOSCOW: Russian and American diplomats have agreed on funding for their diplomatic missions and on continuing dialogue, as well as suggested restoring direct air links between the two countries during consultations held in Istanbul on Thursday, the Russian Foreign Ministry said in a statement on its website.</p>
<h2>Funding, property, air travel</h2>
<p>"Ways to overcome multiple `irritants’ inherited from previous US administrations were discussed in detail. Joint steps to ensure uninterrupted financing for the operation of the Russian and US diplomatic missions on a mutual basis and efforts toward creating the necessary conditions that would enable the diplomats to perform their duties have been coordinated," the statement reads.</p>
<p>The Russian Foreign Ministry specified that the sides touched upon "the issues related to Russia’s diplomatic property in the US in the context of returning to the Russian side six facilities, wrongfully expropriated in 2016-2018." "The need for practical results meant to foster conditions to restore bilateral relations in the interest of the people of our countries was particularly emphasized," the statement noted.</p>
<p>"Specifically, it was proposed to the US side to consider the possibility of restoring direct air service," the Russian Foreign Ministry said.</p>
<h2>Substantive dialogue</h2>
<p>The Russian Foreign Ministry has assessed the consultations as "substantive and professional." The meeting’s participants have agreed to "continue dialogue via this channel."</p>
<p>The February 27 consultations in Istanbul were held in an expert format between the Russian Foreign Ministry’s North Atlantic Department Director Alexander Darchiev and Sonata Coulter, Deputy Assistant Secretary of State for Russia and Central Europe. The meeting was devoted to the normalization of operations of both countries’ diplomatic missions based on recent bilateral interactions at the high and highest levels.</p>
<h2>Prior to consultations</h2>
<p>Dialogue between Russia and the US resumed on February 12, when Russian President Vladimir Putin and his US counterpart Donald Trump had a phone conversation for about 1.5 hours. Less than a week later, on February 18, the high-ranking Russian and US delegations met in Riyadh, Saudi Arabia.</p>
<p>Russian Foreign Minister Sergey Lavrov described the conversation as very productive and said that Russia and the United States had agreed to ensure the appointment of ambassadors in both capitals as soon as possible.</p>
<p>In turn, US Secretary of State Marco Rubio noted that Russia and the US had agreed to restore their embassies in Moscow and Washington to previous staffing levels.</p>
<p>The Istanbul consultations were preceded by two preliminary technical interactions.</p>
<p>The reduction in embassy staff in both countries began after 2014, when Washington adopted a policy of "systemic containment" toward Russia.</p>
<p>In 2017, the Russian Consulate General in San Francisco, the trade mission in Washington (both state-owned) and its branch in New York (rented premises) were closed due to anti-Russian sanctions. In 2018, Washington announced the closure of the Russian Consulate General in Seattle (rented premises), as well as the residence of the Consul General (diplomatic property). Russia reacted to the seizure of diplomatic property as an openly hostile act and called on the United States to immediately return these facilities.</p>
<p>In February 2022, the US increased sanctions pressure on Russia, including the suspension of air service between the two countries.</p>
"""
SEED_HEADLINES = [
    "Cargo planes crashes near Vilnius Airport in Lithuania",
    "North Korean leader warns of growing risk of nuclear war — KCNA",
    "Zelensky shook up by Russia’s response to permission to attack it — Lavrov",
]

PLACES = [
    "Kochi", "Chennai", "Thiruvananthapuram", "Madurai", "Kozhikode", "Delhi",
    "Mumbai", "Bengaluru", "Geneva", "Nairobi", "Jakarta", "Lisbon", "Cairo",
    "Singapore", "Dubai", "Colombo", "Kathmandu", "Brussels", "Ottawa", "Lima",
]  # fmt: skip
SUBJECTS = [
    "City council", "Fishermen", "Farmers", "Students", "Health officials",
    "Railway board", "Port authority", "Tech workers", "Film makers", "Teachers",
    "Transport union", "Weather office", "Election commission", "Small traders",
    "Tourism board", "Hospital staff", "Police", "Scientists", "Artists", "Voters",
]  # fmt: skip
ACTIONS = [
    "weigh new plan for", "push back on", "celebrate record in", "warn of delays in",
    "sign deal on", "debate future of", "call for review of", "report surge in",
    "prepare for", "unveil plans for", "count cost of", "rally support for",
]  # fmt: skip
TOPICS = [
    "monsoon relief", "coastal roads", "metro line", "school meals", "water supply",
    "power tariffs", "film festival", "spice exports", "harbour expansion",
    "flood defences", "bus fares", "rice prices", "heritage walk", "clean air rules",
    "night markets", "cricket stadium", "temple festival", "startup grants",
]  # fmt: skip
SENTENCES = [
    "Officials said the decision followed weeks of consultation with residents and experts.",
    "Several groups welcomed the move, while others asked for more time to study the details.",
    "The proposal will be discussed again at the next meeting, according to a statement.",
    "Local businesses expect the change to affect prices over the coming months.",
    "A spokesperson said the funding had been approved and work would begin shortly.",
    "Critics argued that the plan did not go far enough to address long-standing problems.",
    "The figures released on Monday showed a steady rise compared with the same period last year.",
    "Residents gathered near the main road to share their views with reporters.",
    "Analysts said the outcome would depend on how quickly the measures are carried out.",
    "The ministry has promised a full report before the end of the quarter.",
    "Volunteers worked through the night to help families who had been affected.",
    "Organisers said attendance was the highest they had seen in a decade.",
]  # fmt: skip
SUBHEADS = [
    "What happens next",
    "Background",
    "Reactions",
    "By the numbers",
    "The debate",
]
PALETTE = [
    (192, 57, 43), (41, 128, 185), (39, 174, 96), (142, 68, 173), (211, 84, 0),
    (22, 160, 133), (44, 62, 80), (243, 156, 18), (127, 140, 141), (52, 73, 94),
]  # fmt: skip


PICTURE_SIZE = (1200, 675)


PREMIUM_BODY = (
    "<h2>For members: the full briefing</h2>"
    "<p>Members read the reporters' full notes, the documents behind the story "
    "and what the newsroom expects to happen next.</p>"
)


def _make_picture(rng, number, width=PICTURE_SIZE[0], height=PICTURE_SIZE[1]):
    """A generated landscape "photo": a gradient sky, hills and a sun."""
    top = PALETTE[number % len(PALETTE)]
    bottom = PALETTE[(number * 3 + 1) % len(PALETTE)]
    picture = PILImage.new("RGB", (width, height), top)
    draw = ImageDraw.Draw(picture)
    for y in range(height):
        t = y / height
        colour = tuple(int(top[i] * (1 - t) + bottom[i] * t) for i in range(3))
        draw.line([(0, y), (width, y)], fill=colour)
    sun_x = rng.randint(150, width - 150)
    draw.ellipse([sun_x - 70, 90, sun_x + 70, 230], fill=(250, 215, 120))
    for layer in range(3):
        shade = tuple(max(0, c - 40 - layer * 30) for c in bottom)
        base = int(height * (0.55 + layer * 0.13))
        points = [(0, height)]
        for x in range(0, width + 100, 100):
            points.append((x, base + rng.randint(-60, 40)))
        points.append((width, height))
        draw.polygon(points, fill=shade)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=82, progressive=True)
    return buffer.getvalue()


def _make_image(rng, number, filename, alt_text, user):
    image = Image(
        filename=filename,
        alt_text=alt_text,
        uploaded_by=user,
    )
    # Saving reads the size and format from the file and makes the standard sizes.
    image.file.save(filename, ContentFile(_make_picture(rng, number)), save=False)
    image.save()
    return image


def _body(rng, place):
    paragraphs = []
    for index in range(rng.randint(4, 7)):
        if index == 2:
            paragraphs.append("<h2>%s</h2>" % rng.choice(SUBHEADS))
        sentences = rng.sample(SENTENCES, rng.randint(2, 4))
        if index == 0:
            sentences.insert(0, "%s:" % place.upper())
        paragraphs.append("<p>%s</p>" % " ".join(sentences))
    return "\n".join(paragraphs)


def _new_post(rng, title, body, published_at, status, author, image):
    # Summary, reading time and permalink come from publishing.create_many().
    return Post(
        title=title,
        body=body,
        status=status,
        published_at=published_at,
        author=author,
        featured_image=image,
    )


def _ensure_user(username, first, last, group, out, staff=True):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(
            username,
            email="%s@localglob.example" % username,
            password=password,
            first_name=first,
            last_name=last,
            is_staff=staff,
        )
        out.write("  %-10s password: %s   (shown once)" % (username, password))
    user.groups.add(group)
    return user


def _ensure_groups():
    """
    The roles as their migrations define them. Moderators' permissions belong
    to the comments app, whose demo loader gives them (articles/extensions.py).
    """
    groups = ensure_roles()
    moderators, _ = Group.objects.get_or_create(name=MODERATORS)
    return groups[EDITORS], groups[WRITERS], moderators


def label_counts(live_posts=LIVE_POSTS):
    """
    Each label's live post count for a demo of `live_posts`: the seed's own
    counts at 10,000, the same proportions at any other size (every label
    keeps at least one post).
    """
    if live_posts == LIVE_POSTS:
        return dict(LABEL_COUNTS)
    return {
        name: max(1, round(count * live_posts / LIVE_POSTS))
        for name, count in LABEL_COUNTS.items()
    }


# The smallest --posts: enough for the seed's four posts and their two labels.
MIN_POSTS = 10
# Posts saved per batch: what memory holds at once, whatever the total.
BATCH_SIZE = 2000


class Progress:
    """A counter line: redrawn in place on a terminal, every 10% in a log."""

    def __init__(self, out, total):
        self.out, self.total, self.done = out, total, 0
        self.started = time.monotonic()
        self.tty = getattr(out, "isatty", lambda: False)()
        self.shown = 0

    def add(self, count):
        before, self.done = self.done, self.done + count
        step = self.total // 10 or 1
        if not self.tty and before // step == self.done // step:
            return
        line = "  %d / %d posts (%d%%), %.0f s" % (
            self.done,
            self.total,
            100 * self.done // self.total,
            time.monotonic() - self.started,
        )
        if self.tty:
            self.out.write("\r" + line, ending="\n" if self.done >= self.total else "")
            self.out.flush()
        else:
            self.out.write(line)


def _label_picks(rng, counts, fixed_labels, count):
    """
    For each of `count` generated posts in turn, the labels it gets, so that
    every label ends with exactly its count (the seed posts' labels counted):
    selection sampling, which needs no list of the posts.
    """
    needed = {
        name: total - sum(name in labels for labels in fixed_labels)
        for name, total in counts.items()
    }
    for index in range(count):
        left = count - index
        picked = []
        for name, wanted in needed.items():
            if wanted and rng.random() * left < wanted:
                picked.append(name)
                needed[name] = wanted - 1
        yield picked


@transaction.atomic
def load_demo(out, seed=2025, now=None, posts=LIVE_POSTS):
    """
    Build the demo site once, with `posts` live posts (the seed's 10,000 by
    default); return False when it is already there. Posts are made lazily
    and saved in batches with their labels and search rows (the publishing
    services' bulk path), so memory stays the same whatever the count.
    """
    if Post.objects.filter(permalink=SEED_PERMALINK).exists():
        return False
    if posts < MIN_POSTS:
        raise ValueError("A demo has at least %d live posts." % MIN_POSTS)
    rng = random.Random(seed)
    now = now or timezone.now()
    site = SiteSettings.load()
    site.save()
    editors, writers_group, moderators = _ensure_groups()
    out.write("Demo accounts (log in at /admin/):")
    editor = _ensure_user("editor", "Asha", "Menon", editors, out)
    _ensure_user("writer", "Kavya", "Raman", writers_group, out)
    _ensure_user("moderator", "Ravi", "Kumar", moderators, out)

    writers = [editor]
    for username, first, last in [
        ("anjali", "Anjali", "Nair"),
        ("david", "David", "Thomas"),
        ("meera", "Meera", "Iyer"),
    ]:
        User = get_user_model()
        user, _ = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        writers.append(user)

    counts = label_counts(posts)
    labels = {name: Label.objects.get_or_create(name=name)[0] for name in counts}
    images = [
        _make_image(
            rng, n, "photo-%02d.jpg" % (n + 1), "Landscape photo %d" % (n + 1), editor
        )
        for n in range(IMAGES)
    ]
    seed_image = _make_image(
        rng, 99, "steps.jpg", "Diplomats meet for consultations in Istanbul", editor
    )

    zone = timezone.get_current_timezone()
    seed_time = timezone.make_aware(datetime(2025, 3, 1, 10, 30), zone)
    fixed = [
        _new_post(
            rng,
            SEED_TITLE,
            SEED_BODY,
            seed_time,
            Status.PUBLISHED,
            editor,
            seed_image,
        )
    ]
    for offset, headline in enumerate(SEED_HEADLINES, start=1):
        place = ["Vilnius", "Seoul", "Moscow"][offset - 1]
        fixed.append(
            _new_post(
                rng,
                headline,
                _body(rng, place),
                seed_time - timedelta(hours=5 * offset),
                Status.PUBLISHED,
                editor,
                rng.choice(images),
            )
        )
    seed_labels = ["TOP STORY", "AROUND THE GLOBE"]
    for post in fixed:
        post.demo_labels = list(seed_labels)
    count = posts - len(fixed)
    picks = _label_picks(rng, counts, [seed_labels] * len(fixed), count)

    def generated():
        # Live posts over three years up to a few minutes ago, newest first,
        # with distinct times so the "Older posts" cursor is exact.
        span = timedelta(days=3 * 365).total_seconds()
        for index in range(count):
            age = 600 + span * (index / count) ** 1.15 + rng.randint(0, 59)
            place = rng.choice(PLACES)
            title = "%s %s %s in %s" % (
                rng.choice(SUBJECTS),
                rng.choice(ACTIONS),
                rng.choice(TOPICS),
                place,
            )
            post = _new_post(
                rng,
                title,
                _body(rng, place),
                now - timedelta(seconds=age),
                Status.PUBLISHED,
                rng.choice(writers),
                rng.choice(images) if rng.random() < 0.9 else None,
            )
            post.demo_labels = next(picks)
            if index == 0:
                # The newest post has a members-only part: readers see the premium box.
                post.premium_body = PREMIUM_BODY
            yield post

    def hidden():
        # Drafts and scheduled posts carry labels too; they must never count.
        for index in range(DRAFTS):
            post = _new_post(
                rng,
                "Draft: %s" % rng.choice(TOPICS),
                _body(rng, rng.choice(PLACES)),
                None,
                Status.DRAFT if index % 3 else Status.PENDING,
                rng.choice(writers),
                rng.choice(images),
            )
            post.demo_labels = rng.sample(list(counts), 2)
            yield post
        for index in range(SCHEDULED):
            post = _new_post(
                rng,
                "Coming up: %s in %s" % (rng.choice(TOPICS), rng.choice(PLACES)),
                _body(rng, rng.choice(PLACES)),
                now + timedelta(hours=6 + 20 * index),
                Status.PUBLISHED,
                editor,
                rng.choice(images),
            )
            post.demo_labels = rng.sample(list(counts), 2)
            yield post

    progress = Progress(out, posts + DRAFTS + SCHEDULED)
    # Bulk inserts send no signals: each batch's search rows are written
    # here, PostgreSQL's share while the next batch is made (BulkIndexer).
    with search.BulkIndexer() as index:
        for batch in publishing.create_batches(
            chain(fixed, generated(), hidden()), batch_size=BATCH_SIZE
        ):
            publishing.insert_rows(
                LabeledPost,
                [
                    LabeledPost(content_object_id=post.pk, tag=labels[name], position=n)
                    for post in batch
                    for n, name in enumerate(post.demo_labels)
                ],
            )
            index.add(batch)
            progress.add(len(batch))
            # With DEBUG on, Django keeps the last 9,000 queries: big ones here.
            reset_queries()

    for title, body in [
        (
            "About",
            "<p>Local Glob brings you news from Kerala, Tamil Nadu and around the globe.</p>",
        ),
        (
            "Contact",
            '<p>Write to the newsroom at <a href="mailto:news@localglob.example">news@localglob.example</a>.</p>',
        ),
        (
            "Privacy policy",
            "<p>We keep only what we need to run the site and never sell it.</p>",
        ),
    ]:
        Page.objects.create(
            title=title, body=body, status=Status.PUBLISHED, author=editor
        )
    Page.objects.create(
        title="Advertise with us", body="<p>Draft page.</p>", status=Status.DRAFT
    )
    out.write(
        "Loaded %d live posts, %d drafts and scheduled posts, %d images, 4 pages."
        % (posts, DRAFTS + SCHEDULED, len(images) + 1)
    )
    return True
