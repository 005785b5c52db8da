"""
Write a Blogger backup of any size, as Blogger's "Back up content" writes it
(the classic Atom export: the template, settings, posts and pages newest
first, then the comments newest first, so most replies come before the
comment they answer), for the big-import benchmark and its tests.

    .venv/bin/python bench/blogger_backup.py --posts 100000 --out /tmp/big.xml

Posts carry labels in skewed proportions (a few busy labels, a long tail),
some are drafts and a few scheduled; pages come among them (one for every
1,000 posts, at least three, unless told otherwise); comments
come in threads (replies name their parent through the `related` link, some
three levels deep) and a few are removed by an administrator. The file is
written entry by entry: memory stays flat whatever --posts is. The same
seed writes the same file.
"""

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

BLOG_ID = "7000000000000000001"
HOST = "https://bigglob.blogspot.com"
KIND = "http://schemas.google.com/blogger/2008/kind#"
HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' xmlns:gd='http://schemas.google.com/g/2005' xmlns:thr='http://purl.org/syndication/thread/1.0' xmlns:georss='http://www.georss.org/georss'>
<id>tag:blogger.com,1999:blog-{blog}.archive</id>
<updated>{updated}</updated>
<title type='text'>Big Glob</title>
<link rel='alternate' type='text/html' href='{host}/'/>
<author><name>Glob Desk</name><uri>https://www.blogger.com/profile/0101</uri><email>noreply@blogger.com</email></author>
<generator version='7.00' uri='https://www.blogger.com'>Blogger</generator>
"""
SETTINGS = (
    ("BLOG_NAME", "Big Glob"),
    ("BLOG_DESCRIPTION", "All the news, at scale"),
    ("BLOG_COMMENT_MODERATION", "NEVER"),
    ("BLOG_TIME_ZONE", "Asia/Kolkata"),
)
LABELS = [
    "TOP STORY",
    "Kerala News",
    "AROUND THE GLOBE",
    "business",
    "sports",
    "Entertainment",
    "Technology",
    "Health",
    "केरल",
    "Café Société",
] + ["Topic %d" % n for n in range(1, 41)]
# Label weights: the first labels are busy, the rest a long tail.
WEIGHTS = [40, 25, 20, 12, 10, 8, 6, 5, 4, 3] + [1] * 40
AUTHORS = [
    ("Asha Menon", "asha@bigglob.example", "0202"),
    ("Ravi K", "", "0303"),
    ("Glob Desk", "", "0101"),
    ("Meera Nair", "meera@bigglob.example", "0404"),
]
READERS = ["Meera", "Arjun", "Anonymous", "Priya", "Tom", "Lakshmi"]
WORDS = (
    "the council met on tuesday to discuss a new budget for roads schools and "
    "water while residents asked about prices rain power cuts buses and the "
    "festival next month police said the market will reopen after repairs"
).split()
START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


def sentence(rng, words):
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def body_html(rng, paragraphs):
    parts = []
    for number in range(paragraphs):
        text = " ".join(sentence(rng, rng.randint(8, 20)) for _ in range(4))
        if number == 1:
            text += ' See <a href="%s/2024/01/older.html">the earlier story</a>.' % HOST
        parts.append("<p>%s</p>" % text)
    return "".join(parts)


def entry_id(kind, number):
    return "tag:blogger.com,1999:blog-%s.%s-%s" % (BLOG_ID, kind, number)


def category(term):
    return "<category scheme='http://www.blogger.com/atom/ns#' term=%s/>" % quoteattr(
        term
    )


def kind_category(kind):
    return "<category scheme='http://schemas.google.com/g/2005#kind' term='%s%s'/>" % (
        KIND,
        kind,
    )


def author_xml(name, email="", profile=""):
    parts = ["<name>%s</name>" % escape(name)]
    if profile:
        parts.append("<uri>https://www.blogger.com/profile/%s</uri>" % profile)
    parts.append("<email>%s</email>" % escape(email or "noreply@blogger.com"))
    return "<author>%s</author>" % "".join(parts)


def post_number(n):
    return "%d" % (3000000000000000000 + n)


def comment_number(n):
    return "%d" % (8000000000000000000 + n)


class Writer:
    def __init__(self, out, *, posts, pages, comments_per_post, paragraphs, seed, now):
        self.out = out
        self.posts = posts
        self.page_every = max(1, posts // pages) if pages else 0
        self.comments_per_post = comments_per_post
        self.paragraphs = paragraphs
        self.rng = random.Random(seed)
        self.now = now
        self.counts = dict.fromkeys(
            ("posts", "drafts", "scheduled", "pages", "comments", "replies"), 0
        )
        self.counts["labels"] = set()
        self.comment_count = 0

    def write(self):
        out = self.out
        out.write(HEAD.format(blog=BLOG_ID, host=HOST, updated=stamp(self.now)))
        out.write(
            "<entry><id>%s</id><published>%s</published><updated>%s</updated>%s"
            "<title type='text'>Template: Big Glob</title><content type='text'>"
            "&lt;b:skin&gt;MagOne&lt;/b:skin&gt;</content></entry>\n"
            % (
                "tag:blogger.com,1999:blog-%s.layout" % BLOG_ID,
                stamp(START),
                stamp(START),
                kind_category("template"),
            )
        )
        for name, value in SETTINGS:
            out.write(
                "<entry><id>tag:blogger.com,1999:blog-%s.settings.%s</id>"
                "<published>%s</published><updated>%s</updated>%s"
                "<title type='text'></title><content type='text'>%s</content>"
                "</entry>\n"
                % (
                    BLOG_ID,
                    name,
                    stamp(START),
                    stamp(START),
                    kind_category("settings"),
                    escape(value),
                )
            )
        # Newest first, as Blogger writes them: post n is published n hours
        # before the backup's time (a few in the future: scheduled).
        for n in range(self.posts, 0, -1):
            self.post(n)
            if self.page_every and n % self.page_every == 0:
                self.page(n // self.page_every)
        # Comments after every post, newest first; the same random stream
        # again decides how many each post has.
        for n in range(self.posts, 0, -1):
            self.comments(n)
        out.write("</feed>\n")
        counts = dict(self.counts)
        counts["labels"] = len(counts["labels"])
        return counts

    def published(self, n):
        return self.now - timedelta(hours=self.posts - n) + timedelta(hours=3)

    def post(self, n):
        rng = self.rng
        when = self.published(n)
        draft = n % 50 == 7
        title = "Story %d: %s" % (n, sentence(rng, 6)[:-1])
        labels = list(
            dict.fromkeys(rng.choices(LABELS, weights=WEIGHTS, k=rng.randint(1, 3)))
        )
        name, email, profile = AUTHORS[n % len(AUTHORS)]
        parts = [
            "<entry><id>%s</id>" % entry_id("post", post_number(n)),
            "<published>%s</published>" % stamp(when),
            "<updated>%s</updated>" % stamp(when + timedelta(minutes=30)),
        ]
        if draft:
            parts.append(
                "<app:control xmlns:app='http://purl.org/atom/app#'>"
                "<app:draft>yes</app:draft></app:control>"
            )
        parts.append(kind_category("post"))
        parts.extend(category(label) for label in labels)
        parts.append("<title type='text'>%s</title>" % escape(title))
        if n % 3 == 0:
            parts.append(
                "<summary type='text'>%s</summary>" % escape(sentence(rng, 12))
            )
        parts.append(
            "<content type='html'>%s</content>"
            % escape(body_html(rng, self.paragraphs))
        )
        if not draft:
            path = "/%04d/%02d/story-%d.html" % (when.year, when.month, n)
            parts.append(
                "<link rel='alternate' type='text/html' href=%s title=%s/>"
                % (quoteattr(HOST + path), quoteattr(title))
            )
        parts.append(author_xml(name, email, profile))
        parts.append("</entry>\n")
        self.out.write("".join(parts))
        self.counts["drafts" if draft else "posts"] += 1
        self.counts["scheduled"] += not draft and when > self.now
        self.counts["labels"].update(labels)

    def page(self, number):
        when = START - timedelta(days=number)
        self.out.write(
            "<entry><id>%s</id><published>%s</published><updated>%s</updated>%s"
            "<title type='text'>Page %d</title><content type='html'>%s</content>"
            "<link rel='alternate' type='text/html' href='%s/p/page-%d.html'/>"
            "%s</entry>\n"
            % (
                entry_id("page", "%d" % (6000000000000000000 + number)),
                stamp(when),
                stamp(when),
                kind_category("page"),
                number,
                escape(body_html(self.rng, 2)),
                HOST,
                number,
                author_xml("Glob Desk", "", "0101"),
            )
        )
        self.counts["pages"] += 1

    def comments(self, n):
        """Post n's comments: a thread or two, replies (some two deep) first."""
        rng = self.rng
        if n % 50 == 7:  # drafts have none
            return
        total = rng.randint(0, 2 * self.comments_per_post)
        if total == 0:
            return
        numbers = [self.comment_count + i + 1 for i in range(total)]
        self.comment_count += total
        parents = {}
        for index, number in enumerate(numbers):
            if index and rng.random() < 0.5:
                parents[number] = numbers[rng.randrange(index)]
        when = self.published(n)
        for index, number in reversed(list(enumerate(numbers))):
            self.comment(n, number, parents.get(number), when, index)

    def comment(self, n, number, parent, when, index):
        rng = self.rng
        moment = when + timedelta(minutes=10 * (index + 1))
        removed = number % 97 == 0
        text = (
            "This comment has been removed by a blog administrator."
            if removed
            else "%s <br/>%s"
            % (sentence(rng, rng.randint(5, 25)), "Thanks &amp; regards")
        )
        parts = [
            "<entry><id>%s</id>" % entry_id("post", comment_number(number)),
            "<published>%s</published><updated>%s</updated>"
            % (stamp(moment), stamp(moment)),
            kind_category("comment"),
            "<title type='text'>%s</title>" % escape(text[:40]),
            "<content type='html'>%s</content>" % escape(text),
        ]
        if parent:
            parts.append(
                "<link rel='related' type='application/atom+xml' "
                "href='https://www.blogger.com/feeds/%s/%s/comments/default/%s'/>"
                % (BLOG_ID, post_number(n), comment_number(parent))
            )
            self.counts["replies"] += 1
        reader = READERS[number % len(READERS)]
        parts.append(author_xml(reader))
        parts.append(
            "<thr:in-reply-to ref='%s' type='text/html'/>"
            % entry_id("post", post_number(n))
        )
        if removed:
            parts.append(
                "<gd:extendedProperty name='blogger.contentRemoved' value='true'/>"
            )
        parts.append("</entry>\n")
        self.out.write("".join(parts))
        self.counts["comments"] += 1


def write_backup(
    out,
    posts,
    *,
    pages=None,
    comments_per_post=2,
    paragraphs=5,
    seed=20,
    now=None,
):
    """
    Write a backup of `posts` post entries (drafts among them) and about
    `pages` pages to the text file `out`; return what it holds: posts
    (published or scheduled), drafts, scheduled, pages, comments, replies
    and labels (distinct names).
    """
    writer = Writer(
        out,
        posts=posts,
        pages=max(3, posts // 1000) if pages is None else pages,
        comments_per_post=comments_per_post,
        paragraphs=paragraphs,
        seed=seed,
        now=now or datetime.now(UTC).replace(minute=0, second=0, microsecond=0),
    )
    return writer.write()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--out", required=True, help="the file to write")
    parser.add_argument(
        "--comments", type=int, default=2, help="average comments per post"
    )
    parser.add_argument(
        "--paragraphs", type=int, default=5, help="paragraphs per post body"
    )
    parser.add_argument(
        "--pages", type=int, help="pages (default: one per 1,000 posts, at least 3)"
    )
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args(argv)
    with open(args.out, "w", encoding="utf-8", buffering=1 << 20) as out:
        counts = write_backup(
            out,
            args.posts,
            pages=args.pages,
            comments_per_post=args.comments,
            paragraphs=args.paragraphs,
            seed=args.seed,
        )
    print(", ".join("%s %d" % item for item in counts.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
