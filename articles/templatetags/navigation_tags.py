"""
The lists the readers' footer and the site's 404 page show: the same shared
parts the sidebar uses (one query each per purge of the page cache).
"""

from django import template

from .articles_tags import label_widget, news_feed_widget

register = template.Library()


@register.simple_tag
def site_labels():
    """`{% site_labels as labels %}`: labels with live posts, A to Z, with counts."""
    return label_widget()["labels"]


@register.simple_tag
def latest_posts(count=5):
    """`{% latest_posts 5 as posts %}`: the newest live posts, with their images."""
    return news_feed_widget(count)["posts"]
