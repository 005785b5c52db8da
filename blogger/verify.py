"""
The cut-over check: every public address a Blogger export implies, replayed
against the new site with plain GETs (`verify_blogger_links`).

Only the host of the base address is ever requested: redirects are followed
by hand, a few hops at most, and one that leaves the host is a failure.
"""

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urljoin, urlsplit

from articles.models import Status

# The kinds of address, in the order the table lists them.
KINDS = (
    "post",
    "post ?m=1",
    "page",
    "label",
    "archive",
    "legacy archive",
    "comment link",
    "feed",
    "label feed",
    "comment feed",
)
MAX_HOPS = 3
REDIRECTS = {301, 302, 303, 307, 308}
SCHEMES = ("http", "https")


class VerifyError(Exception):
    """The check cannot run; the message is one line saying why."""


@dataclass
class Result:
    kind: str
    path: str
    url: str
    ok: bool
    detail: str  # the final status, or what went wrong


@dataclass
class Report:
    results: list = field(default_factory=list)

    def counts(self):
        """{kind: (answered, failed)} for every kind, in `KINDS` order."""
        counts = {kind: [0, 0] for kind in KINDS}
        for result in self.results:
            counts[result.kind][0 if result.ok else 1] += 1
        return {kind: tuple(pair) for kind, pair in counts.items()}

    @property
    def failures(self):
        return [result for result in self.results if not result.ok]


def _q(text):
    """A label, quoted whole (`TOP%20STORY`, `A%2FB`)."""
    return quote(text, safe="")


def _p(path):
    """A post's or page's address; one the export already quoted stays so."""
    return quote(path, safe="/%")


def _live(record, now):
    return (
        record.status == Status.PUBLISHED
        and bool(record.path)
        and (record.published is None or record.published <= now)
    )


def addresses(backup, now=None):
    """
    [(kind, path)] for every public address the export implies, in `KINDS`
    order, each once. Drafts, scheduled posts and comments that are not
    approved imply nothing.
    """
    now = now or datetime.now(UTC)
    posts = [post for post in backup.posts if _live(post, now)]
    pages = [page for page in backup.pages if _live(page, now)]
    live = {record.blogger_id: record for record in posts + pages}
    labels = list(dict.fromkeys(label for post in posts for label in post.labels))
    # Blogger's own archive month is the one in the post's address.
    months = sorted({tuple(post.path.split("/")[1:3]) for post in posts})
    found = {kind: {} for kind in KINDS}  # dicts: ordered, each path once

    def add(kind, path):
        found[kind][path] = None

    for post in posts:
        add("post", _p(post.path))
        add("post ?m=1", _p(post.path) + "?m=1")
        if post.blogger_id:
            add("comment feed", "/feeds/%s/comments/default" % post.blogger_id)
    for page in pages:
        add("page", _p(page.path))
        if page.blogger_id:
            add("comment feed", "/feeds/%s/comments/default" % page.blogger_id)
    for label in labels:
        add("label", "/search/label/" + _q(label))
        add("label feed", "/feeds/posts/default/-/" + _q(label))
    for year, month in months:
        add("archive", "/%s/%s/" % (year, month))
        add("legacy archive", "/%s_%s_01_archive.html" % (year, month))
    for comment in backup.comments:
        parent = live.get(comment.post_id)
        if comment.state == "approved" and parent and comment.blogger_id:
            # The fragment (#cID) never reaches the server.
            add(
                "comment link",
                "%s?showComment=%s" % (_p(parent.path), comment.blogger_id),
            )
    for path in (
        "/feeds/posts/default",
        "/feeds/posts/default?alt=json",
        "/feeds/comments/default",
    ):
        add("feed", path)
    return [(kind, path) for kind in KINDS for path in found[kind]]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx comes back as an HTTPError, followed by hand


def _opener():
    # No proxies from the environment: the base host is the only one asked.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def check_base(base):
    """The base address without a trailing slash; `VerifyError` if unusable."""
    parts = urlsplit(base)
    if parts.scheme not in SCHEMES or not parts.netloc:
        raise VerifyError("--base must be an http:// or https:// address: %r" % base)
    if parts.query or parts.fragment:
        raise VerifyError("--base must not have a query or fragment: %r" % base)
    return "%s://%s%s" % (parts.scheme, parts.netloc, parts.path.rstrip("/"))


def fetch(opener, url, base, timeout):
    """(ok, detail) for one address, following same-host redirects."""
    origin = urlsplit(base)[:2]
    hops = 0
    while True:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or parts[:2] != origin:
            return False, "redirect off %s to %s" % (base, url)
        # The scheme (http or https) and the host are checked just above.
        request = urllib.request.Request(  # noqa: S310
            url, headers={"User-Agent": "verify_blogger_links"}
        )
        try:
            with opener.open(request, timeout=timeout) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
            location = error.headers.get("Location")
            error.close()
            if status in REDIRECTS and location:
                hops += 1
                if hops > MAX_HOPS:
                    return False, "more than %d redirects" % MAX_HOPS
                url = urljoin(url, location)
                continue
            return False, str(status)
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            reason = getattr(error, "reason", None) or error
            return False, "error: %s" % reason
        if 200 <= status < 300:
            return True, str(status) if hops == 0 else "%d after %d redirect(s)" % (
                status,
                hops,
            )
        return False, str(status)


def verify(backup, base, *, limit=None, timeout=10.0, now=None, progress=None):
    """Request every address `addresses()` lists (up to `limit` per kind)."""
    base = check_base(base)
    opener = _opener()
    report = Report()
    taken = dict.fromkeys(KINDS, 0)
    for kind, path in addresses(backup, now):
        if limit is not None and taken[kind] >= limit:
            continue
        taken[kind] += 1
        url = base + path
        ok, detail = fetch(opener, url, base, timeout)
        report.results.append(Result(kind, path, url, ok, detail))
        if progress and not ok:
            progress("failed: %s (%s)" % (url, detail))
    return report
