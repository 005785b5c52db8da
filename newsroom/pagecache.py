"""Moved to the `pagecache` app; kept only for imports not yet updated (blogger/json_feed.py)."""

from pagecache.store import remember, remember_for_path  # noqa: F401
