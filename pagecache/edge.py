"""
Purges sent to the HTTP cache in front of the app (the edge: Varnish with
xkey, deploy/varnish/newsroom.vcl).

Cached pages name what they show in their `Surrogate-Key`/`xkey` headers;
after a change the store calls `purge(tags)` with the same tags, and each
address in `NEWSROOM["EDGE_PURGE_URLS"]` receives a `PURGE` request with
an `xkey-purge` header listing them (more than one when they are many). A
failure is logged, never raised: the change is already committed, and a
page's own `s-maxage` bounds how long the edge may show the old version.
"""

import http.client
import logging
from urllib.parse import urlsplit

from .store import conf

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 1.0
# The longest `xkey-purge` header sent; more tags go in more requests.
HEADER_CHARS = 4000


def purge(tags):
    """Ask every configured edge to drop the objects tagged with any of `tags`."""
    tags = [tag for tag in dict.fromkeys(tags) if tag]
    if not tags:
        return
    # Headers of a few kilobytes at most (Varnish refuses long ones by default).
    headers, batch, size = [], [], -1
    for tag in tags:
        if batch and size + 1 + len(tag) > HEADER_CHARS:
            headers.append(" ".join(batch))
            batch, size = [], -1
        batch.append(tag)
        size += 1 + len(tag)
    headers.append(" ".join(batch))
    for url in conf("EDGE_PURGE_URLS"):
        for keys in headers:
            _send(url, keys)


def _send(url, keys):
    try:
        address = urlsplit(url)
        connection_class = (
            http.client.HTTPSConnection
            if address.scheme == "https"
            else http.client.HTTPConnection
        )
        connection = connection_class(
            address.hostname, address.port, timeout=TIMEOUT_SECONDS
        )
        try:
            connection.request(
                "PURGE", address.path or "/", headers={"xkey-purge": keys}
            )
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
    except Exception as error:  # noqa: BLE001 - a bad address or a dead edge: log it
        logger.warning("Edge purge of %r at %s failed: %s", keys, url, error)
        return
    if response.status != 200:
        logger.warning(
            "Edge purge of %r at %s answered %d %s",
            keys,
            url,
            response.status,
            response.reason,
        )
