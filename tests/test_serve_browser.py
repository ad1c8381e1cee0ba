"""``droidcheck serve`` in a real browser: headless Chromium against the app, the real adb server and
simulated phones plugged in and out while the page is open."""

from __future__ import annotations

import re
import time

import pytest
from serve_support import browser, serving  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.e2e

WAIT_MS = 60_000  # generous: the machine may be busy with other tests


@pytest.fixture
def served(adb_server, tmp_path):
    with serving(adb_server.address, tmp_path) as s:
        yield s


@pytest.fixture
def page(browser, served):  # noqa: F811
    context = browser.new_context(viewport={"width": 1000, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(served.url)
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _card(page, text: str):
    return page.locator("section.phone", has_text=text)


def test_a_phone_plugged_in_after_the_page_opened_appears_with_its_verdict(page, sim_phone):
    assert page.locator("#no-phone").is_visible()
    serial = sim_phone("galaxy-a52-a13-airplane")
    card = page.locator("section.phone", has=page.locator(".serial", has_text=serial))
    card.locator(".verdict").wait_for(timeout=WAIT_MS)
    assert "Problems found" in card.locator(".verdict").inner_text()
    first = card.locator("ol.causes > li").first
    assert "Airplane mode is on" in first.inner_text()
    assert "What to do" in first.inner_text()
    assert page.locator("#no-phone").is_hidden()

    sim_phone.close()  # unplugged: the card stays (the sheet can still be printed), marked unplugged
    card.locator(".state", has_text="unplugged").wait_for(timeout=WAIT_MS)
    card.get_by_role("button", name="Dismiss").click()
    card.wait_for(state="detached", timeout=WAIT_MS)
    page.locator("#no-phone").wait_for(state="visible", timeout=WAIT_MS)


def test_a_fix_applied_with_one_click_of_consent_is_rechecked(page, sim_phone):
    serial = sim_phone("galaxy-a52-a13-airplane")
    phone = sim_phone.phone(serial)
    card = page.locator("section.phone", has=page.locator(".serial", has_text=serial))
    button = card.get_by_role("button", name=re.compile("Apply: Turn airplane mode off"))
    button.wait_for(timeout=WAIT_MS)
    assert phone.profile.airplane_mode, "nothing may change before the click"
    button.click()
    card.locator(".changes").wait_for(timeout=WAIT_MS)
    page.locator(f"#{card.get_attribute('id')}[data-activity=idle]").wait_for(timeout=WAIT_MS)
    assert not phone.profile.airplane_mode
    assert "Airplane mode is on" not in card.locator("ol.causes").all_inner_texts().__str__()
    assert "done" in card.locator(".changes").inner_text()


def test_the_print_view_and_downloads(page, served, sim_phone, browser):  # noqa: F811
    serial = sim_phone("pixel9-a15-notifications-off")
    card = page.locator("section.phone", has=page.locator(".serial", has_text=serial))
    link = card.get_by_role("link", name="Print customer report")
    link.wait_for(timeout=WAIT_MS)
    with page.context.expect_page() as opened:
        link.click()
    view = opened.value
    view.locator("body[data-loaded='1']").wait_for(state="attached", timeout=WAIT_MS)  # printed on load
    body = view.frame_locator("#sheet").locator("body").inner_text()
    assert "SMS code check report" in body
    assert "not allowed to show notifications" in body  # the same findings as the card
    with page.expect_download() as dl:
        card.get_by_role("link", name="PDF").click()
    assert dl.value.path().read_bytes().startswith(b"%PDF")


def test_the_lab_page_follows_a_fleet_run(page, served, sim_phone):
    serials = [sim_phone("pixel8-a14-healthy"), sim_phone("galaxy-a52-a13-airplane")]
    page.goto(served.url + "lab")
    page.get_by_role("button", name="Start a run").click()
    page.locator("body[data-run-finished='1']").wait_for(state="attached", timeout=60_000)
    rows = page.locator("#rows tr")
    texts = rows.all_inner_texts()
    for serial in serials:
        assert any(serial in t for t in texts), texts
    airplane = page.locator("#rows tr", has_text=serials[1])
    assert "fail" in airplane.inner_text()
    assert airplane.locator("td.cell.fail").count() >= 1
    with page.context.expect_page() as opened:
        airplane.get_by_role("link", name="report").click()
    assert "SMS code check report" in opened.value.locator("body").inner_text()
    page.goto(served.url + "lab/history")
    assert page.locator("table.runs tbody tr").count() >= 1


def test_phone_text_is_shown_as_text_never_as_markup(page, sim_phone):
    evil = '<img src=x onerror="document.title=\'pwned\'">Evil'
    serial = sim_phone("pixel8-a14-healthy", model=evil)
    card = page.locator("section.phone", has=page.locator(".serial", has_text=serial))
    card.locator(".verdict").wait_for(timeout=WAIT_MS)
    time.sleep(0.3)
    assert page.title() != "pwned"
    assert card.locator("img").count() == 0
    assert evil in card.locator("h2").inner_text()


def test_watching_a_code_arrive_shows_the_timeline_live(page, sim_phone):
    from droidcheck.sim.profile import SmsScript

    serial = sim_phone("pixel8-a14-healthy", sms_script=SmsScript(delay_s=1.0))
    card = page.locator("section.phone", has=page.locator(".serial", has_text=serial))
    card.get_by_role("button", name="Watch a code arrive").click()
    card.locator(".watch").wait_for(timeout=WAIT_MS)
    card.locator(".watch h3", has_text="Code delivery test").wait_for(timeout=60_000)
    timeline = card.locator("ol.timeline").inner_text()
    assert "reached" in timeline
    text = card.inner_text()
    assert "482913" not in text  # the code itself never reaches the page
