"""A site with no figures yet: visitors are told so plainly; the command that loads the demo
is shown only to those who run the site (staff signed in, or a developer with DEBUG on)."""

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db
HINT = "python manage.py load_demo"
PAGES = ("/", "/coverage/")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    ("language", "said"),
    [("vi", "Chưa có số liệu nào được công bố."), ("en", "No figures have been published yet.")],
)
def test_visitors_are_told_nothing_is_published_without_the_command(
    client, settings, url, language, said
):
    settings.DEBUG = False
    client.cookies["django_language"] = language
    html = client.get(url).content.decode()
    assert said in html
    assert HINT not in html and "load-demo-hint" not in html


@pytest.mark.parametrize("url", PAGES)
def test_staff_see_how_to_load_the_demo(client, settings, url):
    settings.DEBUG = False
    client.force_login(User.objects.create_user("staff", is_staff=True))
    html = client.get(url).content.decode()
    assert "Chưa có số liệu nào được công bố." in html and HINT in html


def test_a_signed_in_user_who_is_not_staff_sees_what_visitors_see(client, settings):
    settings.DEBUG = False
    client.force_login(User.objects.create_user("reader"))
    assert HINT not in client.get("/").content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_a_developer_with_debug_on_sees_how_to_load_the_demo(client, settings, url):
    settings.DEBUG = True
    html = client.get(url).content.decode()
    assert "Chưa có số liệu nào được công bố." in html and HINT in html
