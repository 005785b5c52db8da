"""
Post feeds at Blogger's addresses: what every format shares, and the formats
the content core writes itself.

- params.py: the query parameters (`alt`, `max-results`, `start-index`, times,
  `orderby`, `q`, `path`, `callback`), checked once; a bad one is a 400.
- page.py: `FeedPage`, one page of a feed as every writer reads it (rows,
  total, addresses, entry ids, thumbnails, absolute HTML).
- selection.py: which live posts a feed shows (`post_feed_page()`).
- atom.py: Atom 1.0 and RSS 2.0 with Blogger's extra elements.
- jsonfeed.py: JSON Feed 1.1.
- responses.py: the response in the asked format, with CORS and Last-Modified.

This package imports no other app. Comment feeds are comments/feeds.py;
Blogger's JSON and JSONP, and the addresses composing every format, are in
blogger/ (json_feed.py, feed_views.py, feed_urls.py).
"""
