"""
What a missed old address most likely meant: `best_guesses(paths)`.

For the 404 log's one-click redirect. In order: a live post or page with
the address's slug (a post of the same month first), a label with the
address's label name (any case, or a label renamed from it), then the live
post whose title has the slug's words (the site's search, ranked). Exact
matches cost one query per kind for the whole list; only addresses without
one are searched, one by one.
"""

import re
from urllib.parse import unquote

from django.db.models.functions import Lower

from articles.models import Label, LabelRedirect, Page, Post
from articles.search import parse_query, ranked_page

POST_PATH = re.compile(r"^/([0-9]{4})/([0-9]{2})/([^/]+)\.html$")
PAGE_PATH = re.compile(r"^/p/([^/]+)\.html$")
LABEL_PATH = re.compile(
    r"^/(?:search/label|feeds/posts/(?:default|summary|full)/-)/(.+?)/?$"
)
# Blogger's slugs end in _1, _2... on a clash; those are not words of the title.
NUMBERED = re.compile(r"_[0-9]+$")
WORD = re.compile(r"[0-9a-z]+")
SEARCH_WORDS = 6


def _slug_of(path):
    match = POST_PATH.match(path) or PAGE_PATH.match(path)
    return match and match[match.lastindex]


def _words(slug):
    return WORD.findall(NUMBERED.sub("", slug.lower()))[:SEARCH_WORDS]


def best_guesses(paths):
    """`{path: post, page or label}` for the paths a likely target was found for."""
    paths = list(dict.fromkeys(paths))
    guesses = {}
    slugs = {path: _slug_of(path) for path in paths}
    slugs = {path: slug for path, slug in slugs.items() if slug}
    label_names = {}
    for path in paths:
        match = LABEL_PATH.match(path)
        if match:
            label_names[path] = unquote(match[1].replace("+", " ")).strip()
    if slugs:
        wanted = set(slugs.values())
        posts = {}
        for post in (
            Post.objects.published()
            .filter(slug__in=wanted)
            .only("pk", "slug", "permalink", "title", "published_at")
            .order_by("-published_at", "-id")
        ):
            posts.setdefault(post.slug, []).append(post)
        pages = {
            page.slug: page
            for page in Page.objects.published()
            .filter(slug__in=wanted)
            .only("pk", "slug", "title")
        }
        for path, slug in slugs.items():
            same_slug = posts.get(slug, [])
            same_month = [p for p in same_slug if p.permalink[:9] == path[:9]]
            candidates = [*same_month, *same_slug]
            if PAGE_PATH.match(path):
                candidates.insert(0, pages.get(slug))
            else:
                candidates.append(pages.get(slug))
            found = next((target for target in candidates if target), None)
            if found is not None:
                guesses[path] = found
    if label_names:
        lowered = {name.lower() for name in label_names.values()}
        labels = {
            label.lowered: label
            for label in Label.objects.annotate(lowered=Lower("name")).filter(
                lowered__in=lowered
            )
        }
        renamed = {
            old.lowered: old.label
            for old in LabelRedirect.objects.select_related("label")
            .annotate(lowered=Lower("old_name"))
            .filter(lowered__in=lowered)
        }
        for path, name in label_names.items():
            found = labels.get(name.lower()) or renamed.get(name.lower())
            if found is not None:
                guesses[path] = found
    for path, slug in slugs.items():
        if path not in guesses:
            found = _by_title_words(_words(slug))
            if found is not None:
                guesses[path] = found
    return guesses


def _by_title_words(words):
    """The best live post whose text has all these words, then the longest half."""
    longest = sorted(words, key=len, reverse=True)[: max(1, len(words) // 2)]
    for attempt in (words, longest):
        if not attempt:
            continue
        rows = ranked_page(
            parse_query(" ".join(attempt)), Post.objects.published(), 0, 1
        )
        if rows:
            return (
                Post.objects.filter(pk=rows[0][0])
                .only("pk", "title", "permalink")
                .first()
            )
    return None


def describe(target):
    """What the log shows for a guess: its kind and name."""
    if isinstance(target, Label):
        return "label", target.name
    if isinstance(target, Page):
        return "page", target.title
    return "post", target.title


def target_key(target):
    """The form value naming a target: `post:12`, `page:3`, `label:5`."""
    return "%s:%d" % (describe(target)[0], target.pk)


def find_target(key):
    """The post, page or label a `target_key()` names, or None."""
    match = re.fullmatch(r"(post|page|label):([0-9]{1,18})", key or "")
    if match is None:
        return None
    model = {"post": Post, "page": Page, "label": Label}[match[1]]
    target = model.objects.filter(pk=int(match[2])).first()
    if isinstance(target, Post) and not target.permalink:
        return None  # a draft has no address yet
    return target
