"""Proves the browser stack (Debian's Chromium + Playwright + live_server) works end to end."""

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_admin_login_form_is_visible(live_server, page):
    response = page.goto(f"{live_server.url}/admin/login/")

    assert response is not None and response.status == 200
    form = page.locator("form#login-form")
    expect(form).to_be_visible()
    expect(form.locator("input[name=username]")).to_be_visible()
    expect(form.locator("input[name=password]")).to_be_visible()
    expect(form.locator("[type=submit]")).to_be_visible()
    # The context asks for Vietnamese and the site speaks it first.
    expect(page.locator("html")).to_have_attribute("lang", "vi")
