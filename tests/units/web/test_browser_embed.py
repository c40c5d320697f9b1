"""A chart embedded in a page of another origin, in Chromium: the host page is served on
loopback by a server of its own (127.0.0.1, another port: another origin than the live server's
localhost). The embed draws; a normal page of the site in the same kind of frame is refused."""

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.demo_snapshot import dien_bien
from tests.screenshots import element_size, png_size

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def other_origin(tmp_path) -> Iterator[tuple[str, Path]]:
    """A static web server on 127.0.0.1 serving tmp_path: the other site."""
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(  # noqa: E731
        *a, directory=str(tmp_path), **kw
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()


def host_page(folder: Path, frames: dict[str, str]) -> None:
    iframes = "\n".join(
        f'<iframe id="{name}" src="{src}" width="640" height="440"></iframe>'
        for name, src in frames.items()
    )
    html = f"<!doctype html><title>Another site</title><h1>Another site</h1>{iframes}"
    (folder / "index.html").write_text(html, encoding="utf-8")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_chart_embeds_in_another_origin_and_a_page_does_not(
    live_server, browser, demo_loaded, other_origin, language, screenshots
):
    unit = dien_bien()
    origin, folder = other_origin
    # One frame at a time: the live server's in-memory SQLite is one connection for its threads.
    host_page(folder, {"embed": f"{live_server.url}/embed/u/{unit.id}/villages/?lang={language}"})
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.goto(origin + "/index.html")
    embed = page.frame_locator("#embed")
    embed.locator("body[data-charts-drawn=true]").wait_for()
    source = embed.locator("#embed-source").inner_text()
    assert source.startswith("Nguồn:" if language == "vi" else "Source:")
    assert embed.locator("canvas#chart-villages").bounding_box()["height"] > 100
    page.evaluate(
        """src => new Promise(done => {
            const frame = document.createElement("iframe");
            frame.id = "page"; frame.src = src; frame.onload = done;
            document.body.append(frame);
        })""",
        f"{live_server.url}/u/{unit.id}/",
    )
    refused = page.frame(url=lambda url: "/u/" in url and "/embed/" not in url)
    assert refused is None or refused.locator("h1").count() == 0
    assert any("frame-ancestors" in v for v in violations)  # the page's refusal, and only it
    assert all("frame-ancestors 'none'" in v for v in violations)
    if language == "vi":
        frame = page.locator("#embed")
        frame.screenshot(path=str(screenshots / "embed.png"))
        assert png_size(screenshots / "embed.png") == element_size(frame)
    context.close()
