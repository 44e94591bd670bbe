"""The web UI in a real browser: Debian's chromium driven by Playwright."""
import os
import shutil
import time

import httpx
import pytest

from conftest import FIXTURES, REPO, LiveServer, real_settings

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
XSS_TITLE = 'Kabar <img src=x onerror="window.__xss=1"> palsu'
XSS_TEXT = ('Pengumuman pasar malam Cibubur <script>window.__xss=2</script> dibuka pada '
            '3 Maret 2024 dengan 40 lapak kuliner.')


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("PANTAU_REQUIRE_BROWSER"):
            pytest.fail(f"chromium not found at {CHROMIUM}")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, real_model_dir):
    tmp = tmp_path_factory.mktemp("ui")
    s = real_settings(tmp)
    srv = LiveServer({"PANTAU_DATA_DIR": str(s.data_dir), "PANTAU_SAMPLE_DIR": str(FIXTURES),
                      "PANTAU_EMBEDDING_MODEL": "default"}, tmp).wait()
    r = httpx.post(srv.url + "/api/ingest", timeout=60, json={"articles": [
        {"title": XSS_TITLE, "outlet": "<b>Outlet</b>", "published": "2024-03-01", "text": XSS_TEXT}]})
    assert r.json()["added"] == 1
    yield srv
    srv.stop()


def _ask(page, question):
    page.fill("#pantau-question textarea", question)
    t0 = time.perf_counter()
    page.click("#pantau-ask")
    page.wait_for_selector("#pantau-output .pantau-answer", timeout=30_000)
    return time.perf_counter() - t0


def test_ask_and_inspect_citations(browser, server):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(server.url + "/", wait_until="networkidle")
    page.wait_for_selector("#pantau-question textarea", timeout=30_000)
    seconds = _ask(page, "Kapan TikTok Shop menghentikan layanannya?")
    print(f"\nfirst answer on screen after {seconds * 1000:.0f} ms")
    out = page.locator("#pantau-output")
    assert out.locator(".pantau-badge").inner_text().startswith("Per ")
    cards = out.locator(".pantau-card")
    assert cards.count() >= 1
    assert "2023" in cards.first.locator(".meta").inner_text()
    assert out.locator("mark").count() >= 1  # the answering sentence is highlighted
    out.locator("a.pantau-marker").first.click()
    assert page.evaluate("location.hash") == "#pantau-cite-1"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-answer.png"), full_page=True)
    page.close()


def test_article_text_cannot_inject_html(browser, server):
    page = browser.new_page()
    page.goto(server.url + "/", wait_until="networkidle")
    page.wait_for_selector("#pantau-question textarea", timeout=30_000)
    _ask(page, "Kapan pasar malam Cibubur dibuka?")
    out = page.locator("#pantau-output")
    assert "<script>window.__xss=2</script>" in out.inner_text()
    assert 'onerror="window.__xss=1"' in out.inner_text()
    assert page.evaluate("window.__xss") is None
    assert out.locator("img").count() == 0 and out.locator("script").count() == 0
    page.close()
