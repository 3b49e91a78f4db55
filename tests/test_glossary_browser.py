"""In Debian's Chromium: the "?" beside a term opens its explanation, links to the glossary's entry, and
closes with Escape or a click elsewhere (static/js/base.js)."""
import pytest
from django.conf import settings

from tests.conftest import session_for

pytestmark = pytest.mark.browser


def test_a_term_explains_itself_and_leads_to_the_glossary(live_server, transactional_db, student, classroom,
                                                           browser_page):
    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session_for(student), "url": live_server.url},
                              {"name": settings.LANGUAGE_COOKIE_NAME, "value": "es", "url": live_server.url}])
    page.goto(f"{live_server.url}/classes/{classroom.pk}/labeling/agreement/")
    help_button = page.locator('button.term-help[data-term="kappa"]').first
    assert page.locator(".popover").count() == 0

    help_button.click()
    popover = page.locator(".popover")
    popover.wait_for(state="visible", timeout=5_000)
    assert "mejor que el azar" in popover.inner_text()  # the Spanish explanation of kappa, not the English msgid
    page.keyboard.press("Escape")
    popover.wait_for(state="detached", timeout=5_000)

    help_button.click()
    page.locator(".popover").wait_for(state="visible", timeout=5_000)
    page.locator("h1").click()  # a click elsewhere closes it too
    page.locator(".popover").wait_for(state="detached", timeout=5_000)

    help_button.click()
    page.locator(".popover a").click()
    page.wait_for_url(f"{live_server.url}/glossary/#kappa")
    entry = page.locator("dt#kappa")
    assert entry.is_visible() and "kappa" in entry.inner_text()
    assert "mejor que el azar" in page.locator("dt#kappa + dd").inner_text()
