"""The web UI in a real browser: Debian's chromium driven by Playwright, against `pantau
serve` with the real model over the sample corpus (plus one planted XSS article).

Screenshots of each tab land in test-artifacts/ (git-ignored); with
PANTAU_UPDATE_SCREENSHOTS=1 they are also copied to docs/screenshots/ for the README.
"""
import os
import re
import shutil

import httpx
import pytest

from conftest import REPO, start_server

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
DOCS_SHOTS = REPO / "docs" / "screenshots"
SAMPLE = REPO / "data" / "sample"
XSS_TITLE = 'Kabar <img src=x onerror="window.__xss=1"> palsu'
XSS_TEXT = ('Pengumuman pasar malam Cibubur <script>window.__xss=2</script> dibuka pada '
            '3 Maret 2024 dengan 40 lapak kuliner.')
QUESTION = "Kapan TikTok Shop menghentikan layanannya?"

# Records, in the page's own clock, when Enter is pressed in the question box, when the
# question shows up (pending) and when the first answer text is on screen, plus where.
TIMING_JS = """() => {
  const t = window.__pantau = {};
  const box = document.querySelector('#pantau-question textarea');
  box.addEventListener('keydown', e => { if (e.key === 'Enter') t.enter = performance.now(); },
                       {capture: true, once: true});
  const out = document.querySelector('#pantau-chat-out');
  new MutationObserver(() => {
    if (t.pending === undefined && out.querySelector('.pantau-pending')) t.pending = performance.now();
    const a = out.querySelector('.pantau-turn .pantau-answer');
    if (a && t.first === undefined && a.textContent.trim()) {
      t.first = performance.now();
      t.streaming = a.classList.contains('streaming');
      t.firstTop = a.getBoundingClientRect().top + window.scrollY;
    }
  }).observe(out, {subtree: true, childList: true, characterData: true});
}"""


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
    srv = start_server(tmp_path_factory.mktemp("ui"), SAMPLE, timeout=300)
    r = httpx.post(srv.url + "/api/ingest", timeout=60, json={"articles": [
        {"title": XSS_TITLE, "outlet": "<b>Outlet</b>", "published": "2024-03-01", "text": XSS_TEXT}]})
    assert r.json()["added"] == 1
    yield srv
    srv.stop()


def _open(browser, server, width=1280, height=900):
    page = browser.new_page(viewport={"width": width, "height": height})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/", wait_until="load")
    page.wait_for_selector("#pantau-question textarea", timeout=60_000)
    page.errors = errors
    return page


def _ask(page, question, turn=1):
    page.fill("#pantau-question textarea", question)
    page.press("#pantau-question textarea", "Enter")
    page.wait_for_selector(f"#pantau-turn-{turn} .pantau-answer:not(.streaming)", timeout=60_000)
    return page.locator(f"#pantau-turn-{turn}")


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("PANTAU_UPDATE_SCREENSHOTS"):
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_SHOTS / f"{name}.png")


def _tab(page, name):
    page.get_by_role("tab", name=name).click()


def test_ask_streams_answer_then_cards(browser, server):
    page = _open(browser, server)
    box_before = page.locator("#pantau-question").bounding_box()
    page.evaluate(TIMING_JS)
    page.fill("#pantau-question textarea", QUESTION)
    page.press("#pantau-question textarea", "Enter")
    page.wait_for_selector("#pantau-turn-1 .pantau-card", timeout=60_000)
    t = page.evaluate("window.__pantau")
    print(f"\nfirst answer on screen: {t['first'] - t['enter']:.0f} ms "
          f"(question shown after {t['pending'] - t['enter']:.0f} ms; "
          f"first paint was {'streamed text' if t['streaming'] else 'the final answer'})")
    turn = page.locator("#pantau-turn-1")
    assert QUESTION in turn.locator(".pantau-q").inner_text()
    assert t["pending"] <= t["first"]  # the question is on screen before the answer
    # No layout jump: the question box stays put, the answer's first line does not move
    # when the cards arrive below it.
    assert page.locator("#pantau-question").bounding_box() == box_before
    top = page.evaluate("document.querySelector('#pantau-turn-1 .pantau-answer')"
                        ".getBoundingClientRect().top + window.scrollY")
    assert abs(top - t["firstTop"]) < 1
    assert turn.locator(".pantau-badge").first.inner_text().startswith("Per ")
    cards = turn.locator(".pantau-card")
    assert cards.count() >= 1
    assert re.search(r"20\d\d", cards.first.locator(".meta").inner_text())
    assert turn.locator("mark").count() >= 1  # the answering sentence is highlighted
    _shot(page, "chat")
    # Opening a card: its marker scrolls to it and highlights it.
    turn.locator("a.pantau-marker").first.click()
    assert page.evaluate("location.hash") == "#pantau-c1-1"
    assert page.evaluate("document.querySelector(':target').id") == "pantau-c1-1"
    box = page.locator("#pantau-c1-1").bounding_box()
    assert 0 <= box["y"] < 900
    assert page.errors == []
    page.close()


def test_follow_up_keeps_the_conversation(browser, server):
    page = _open(browser, server)
    _ask(page, QUESTION)
    second = _ask(page, "Kapan TikTok Shop kembali beroperasi?", turn=2)
    assert second.locator(".pantau-card").count() >= 1
    assert second.locator("a.pantau-marker").first.get_attribute("href").startswith("#pantau-c2-")
    # Newest first, right under the question box; the first turn stays, below.
    html = page.inner_html("#pantau-chat-out")
    assert html.index('id="pantau-turn-2"') < html.index('id="pantau-turn-1"')
    page.click("#pantau-new")
    page.wait_for_selector("#pantau-chat-out .pantau-empty")
    page.close()


def test_analyst_answers_render_as_lists_in_system_fonts(browser, server):
    page = _open(browser, server)
    fonts = []
    page.on("request", lambda r: fonts.append(r.url) if re.search(
        r"fonts\.googleapis|fonts\.gstatic|\.woff2?(\?|$)", r.url) else None)
    page.reload(wait_until="load")
    page.wait_for_selector("#pantau-question textarea", timeout=60_000)
    turn = _ask(page, "Kronologi TikTok Shop dong")
    answer = turn.locator(".pantau-answer")
    assert answer.get_attribute("data-intent") == "chronology"
    items = answer.locator("ul.pantau-list li")
    assert 2 <= items.count() <= 6
    assert items.first.inner_text().startswith("4 Oktober 2023:")
    assert items.first.locator("a.pantau-marker").count() == 1
    assert turn.locator(".pantau-card").count() >= 2
    # Offline, the page asks for no web font: it renders in the system's own.
    family = page.evaluate("getComputedStyle(document.querySelector('.pantau-header h2'))"
                           ".fontFamily")
    assert "Source Sans" not in family and fonts == [], (family, fonts)
    _shot(page, "chat-analyst")
    # A relations answer tables its relations, each row linked to the card stating it.
    turn = _ask(page, "Which regulations have amended Permendag 36/2023?", turn=2)
    rows = turn.locator("table.pantau-relations tbody tr")
    assert rows.count() >= 2 and "Permendag 8/2024" in rows.last.inner_text()
    href = rows.last.locator("a.pantau-marker").get_attribute("href")
    assert turn.locator(href).count() == 1
    _shot(page, "chat-relations")
    assert page.errors == []
    page.close()


def test_filter_by_date(browser, server):
    page = _open(browser, server)
    page.click("#pantau-filters")  # the accordion
    page.fill("#pantau-since input, #pantau-since textarea", "2025-01-01")
    turn = _ask(page, QUESTION)
    assert "2025-01-01" in turn.locator(".pantau-filters-note").inner_text()
    metas = turn.locator(".pantau-card .meta").all_inner_texts()
    assert metas  # cited or closest passages
    for meta in metas:
        assert int(re.search(r"(20\d\d)", meta)[1]) >= 2025, meta
    page.fill("#pantau-since input, #pantau-since textarea", "bukan tanggal")
    page.fill("#pantau-question textarea", QUESTION)
    page.press("#pantau-question textarea", "Enter")
    page.wait_for_selector("#pantau-turn-2 .pantau-note.error", timeout=30_000)
    assert "Tanggal tidak dikenali" in page.inner_text("#pantau-turn-2")
    page.close()


def test_upload_a_file_and_find_it_in_sources(browser, server, tmp_path):
    f = tmp_path / "festival-kopi-gayo.txt"
    f.write_text("Festival Kopi Gayo Digelar di Takengon\nEkonomi\n"
                 "Sabtu, 2 Maret 2024 09:00 WIB\nPenulis: Tim Uji\n"
                 "Festival Kopi Gayo digelar di Takengon pada 2 Maret 2024 dan diikuti 120 "
                 "petani kopi dari Aceh Tengah.\n", encoding="utf-8")
    page = _open(browser, server)
    _tab(page, "Sumber")
    page.wait_for_function("/ dari \\d+ artikel/.test(document.querySelector('#pantau-count').innerText)",
                           timeout=30_000)
    page.set_input_files("#pantau-upload input[type=file]", str(f))
    page.wait_for_selector("#pantau-upload >> text=festival-kopi-gayo.txt", timeout=30_000)
    page.click("#pantau-add-files")
    page.wait_for_selector("#pantau-report .pantau-counts", timeout=60_000)
    assert re.search(r"1\s*ditambahkan", page.inner_text("#pantau-report"))
    page.wait_for_timeout(1000)  # the table refreshes after the ingest
    _shot(page, "sources")
    page.fill("#pantau-search input, #pantau-search textarea", "kopi gayo")
    page.wait_for_function("document.querySelector('#pantau-count').innerText.startsWith('1 dari')",
                           timeout=30_000)
    assert "Festival Kopi Gayo Digelar di Takengon" in page.inner_text("#pantau-articles")
    page.locator("#pantau-articles [role=gridcell]", has_text="Festival Kopi Gayo").first.click()
    page.wait_for_function("document.querySelector('#pantau-delete-id textarea, "
                           "#pantau-delete-id input').value.startsWith('a')", timeout=30_000)
    page.click("#pantau-delete")  # asks first
    page.wait_for_selector("#pantau-confirm >> text=Festival Kopi Gayo", timeout=30_000)
    page.click("#pantau-confirm-yes")
    page.wait_for_selector("#pantau-delete-msg .pantau-note.ok", timeout=30_000)
    page.wait_for_function("document.querySelector('#pantau-count').innerText.startsWith('0 dari')",
                           timeout=30_000)
    page.fill("#pantau-search input, #pantau-search textarea", "")
    page.wait_for_function("!document.querySelector('#pantau-count').innerText.startsWith('0 dari')",
                           timeout=30_000)
    assert "Festival Kopi Gayo" not in page.inner_text("#pantau-articles")
    assert page.errors == []
    page.close()


def test_tracker_timeline_and_regulation_detail(browser, server):
    page = _open(browser, server)
    _tab(page, "Pelacak")
    page.wait_for_selector("#pantau-timeline svg.pantau-chart", timeout=60_000)
    marks = page.locator("#pantau-timeline circle.pantau-mark")
    events = page.locator("#pantau-timeline .pantau-event")
    assert marks.count() == events.count() >= 3
    assert len(set(page.eval_on_selector_all("#pantau-timeline circle.pantau-mark",
                                             "els => els.map(e => e.getAttribute('fill'))"))) >= 2
    assert "TikTok Shop" in page.inner_text("#pantau-timeline .pantau-badge")
    page.locator("#pantau-regs [role=gridcell]", has_text="permendag-31-2023").first.click()
    page.wait_for_selector("#pantau-reg-detail dl", timeout=30_000)
    assert "Terakhir terlihat" in page.inner_text("#pantau-reg-detail")
    _shot(page, "tracker")
    page.fill("#pantau-upd-since input, #pantau-upd-since textarea", "2025-01-01")
    page.click("#pantau-show-updates")
    page.wait_for_selector("#pantau-updates .pantau-section", timeout=30_000)
    assert "artikel baru sejak 1 Januari 2025" in page.inner_text("#pantau-updates")
    assert page.locator("#pantau-updates details.pantau-group").count() >= 1
    marks.first.click()
    assert page.evaluate("location.hash") == "#pantau-ev-1"
    assert page.errors == []
    page.close()


def test_language_switch_relabels(browser, server):
    page = _open(browser, server)
    page.get_by_label("English").check()
    page.wait_for_selector("role=tab[name='Tracker']", timeout=30_000)
    assert page.get_by_role("tab", name="Sources").count() == 1
    assert "Question" in page.inner_text("#pantau-question")
    turn = _ask(page, QUESTION)
    assert turn.locator(".pantau-badge").first.inner_text().startswith("As of ")
    page.get_by_label("Bahasa Indonesia").check()
    page.wait_for_selector("role=tab[name='Pelacak']", timeout=30_000)
    assert page.locator("#pantau-turn-1 .pantau-badge").first.inner_text().startswith("Per ")
    page.close()


def test_phone_width_has_no_sideways_scroll(browser, server):
    page = _open(browser, server, width=390, height=844)
    _ask(page, QUESTION)
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-phone.png"), full_page=True)
    page.close()


def test_article_text_cannot_inject_html(browser, server):
    page = _open(browser, server)
    turn = _ask(page, "Kapan pasar malam Cibubur dibuka?")
    assert "<script>window.__xss=2</script>" in turn.inner_text()
    assert 'onerror="window.__xss=1"' in turn.inner_text()
    assert turn.locator("img").count() == 0 and turn.locator("script").count() == 0
    _tab(page, "Sumber")  # the article table shows the title as text too
    page.fill("#pantau-search input, #pantau-search textarea", "palsu")
    page.wait_for_function("document.querySelector('#pantau-count').innerText.startsWith('1 dari')",
                           timeout=30_000)
    assert XSS_TITLE in page.inner_text("#pantau-articles")
    assert page.locator("#pantau-articles img").count() == 0
    assert page.evaluate("window.__xss") is None
    page.close()
