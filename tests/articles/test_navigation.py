"""The readers' navigation: the PAGES menu's pages and the site footer."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from articles.models import Status
from tests.factories import make_page

pytestmark = pytest.mark.django_db


def menu():
    template = Template(
        "{% load articles_tags %}{% menu_pages as pages %}"
        "{% for page in pages %}{{ page.title }}={{ page.get_absolute_url }};{% endfor %}"
    )
    return template.render(Context())


@pytest.fixture
def page_cache_on(settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}


def test_menu_pages_lists_live_menu_pages_by_title():
    make_page(title="Privacy policy", slug="privacy-policy")
    make_page(title="About", slug="about")
    make_page(title="Hidden", slug="hidden", show_in_menu=False)
    make_page(title="Draft", slug="draft", status=Status.DRAFT)
    make_page(
        title="Later",
        slug="later",
        published_at=timezone.now() + timedelta(hours=1),
    )

    assert menu() == "About=/p/about.html;Privacy policy=/p/privacy-policy.html;"


def test_menu_pages_unpack_as_title_and_url():
    make_page(title="Contact", slug="contact")
    template = Template(
        "{% load articles_tags %}{% menu_pages as pages %}"
        "{% for title, url in pages %}{{ title }} {{ url }}{% endfor %}"
    )
    assert template.render(Context()) == "Contact /p/contact.html"


def test_menu_pages_shared_until_a_page_changes(
    page_cache_on, django_assert_num_queries
):
    about = make_page(title="About", slug="about")
    menu()
    with django_assert_num_queries(0):
        assert menu() == "About=/p/about.html;"

    about.show_in_menu = False
    about.save()
    assert menu() == ""
    make_page(title="Advertise", slug="advertise")
    assert menu() == "Advertise=/p/advertise.html;"


def follow_widget(client):
    html = client.get("/").content.decode()
    widget = html[html.index('class="widget follow-widget"') :]
    return widget[: widget.index("</section>")]


def confirmed_followers(number):
    from followers.models import Follower

    start = Follower.objects.count()
    Follower.objects.bulk_create(
        Follower(email="reader%d@example.com" % n, confirmed_at=timezone.now())
        for n in range(start, start + number)
    )


def test_follower_count_hidden_below_the_editors_threshold(client):
    from articles.models import SiteSettings

    confirmed_followers(9)
    widget = follow_widget(client)
    assert "follower-count" not in widget
    assert "9" not in widget
    assert 'action="/follow/"' in widget  # the Follow form stays

    confirmed_followers(1)
    assert "<strong>10</strong> followers" in follow_widget(client)

    site = SiteSettings.load()
    site.followers_shown_from = 11
    site.save()
    assert "follower-count" not in follow_widget(client)


def test_follower_count_threshold_change_purges_cached_pages(client, page_cache_on):
    from articles.models import SiteSettings

    confirmed_followers(3)
    assert "follower-count" not in follow_widget(client)
    site = SiteSettings.load()
    site.followers_shown_from = 3
    site.save()
    assert "<strong>3</strong> followers" in follow_widget(client)
