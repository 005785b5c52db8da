import io

import pytest

from articles.demo import SEED_PERMALINK
from comments.demo import load_demo_comments
from comments.models import Comment
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def test_demo_comments_thread_the_seed_post_once():
    seed = make_post(title="Seed", permalink=SEED_PERMALINK)
    for _ in range(3):
        make_post()
    out = io.StringIO()
    made = load_demo_comments(out)
    assert made == Comment.objects.count() > 0
    on_seed = Comment.objects.filter(post=seed)
    assert on_seed.approved().filter(parent__isnull=False).exists()
    assert on_seed.pending().count() >= 2
    assert on_seed.filter(status=Comment.Status.REMOVED, replies__isnull=False).exists()
    assert "awaiting moderation" in out.getvalue()
    # One reported comment, so the demo queue shows reports on top.
    assert on_seed.filter(reports__isnull=False).count() == 1
    assert load_demo_comments(io.StringIO()) == 0
    assert Comment.objects.count() == made


def test_demo_comments_need_the_demo():
    assert load_demo_comments(io.StringIO()) == 0
