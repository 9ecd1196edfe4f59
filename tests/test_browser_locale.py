"""The shared browser draws native form controls in the page's language (tests/conftest.py's
CHROMIUM_ARGS): a pt-BR page's date input reads dd/mm/aaaa and an English one mm/dd/yyyy, so
screenshots in either language never mix the two."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

FORM = ("<html lang='{lang}'><body style='margin:0'>"
        "<input id=d type=date value='2026-12-01' style='font:20px monospace'></body></html>")


def _drawn(page, lang: str) -> bytes:
    page.set_content(FORM.format(lang=lang))
    return page.locator("#d").screenshot()


def test_a_date_input_is_drawn_in_the_pages_language(page):
    portuguese, english = _drawn(page, "pt-br"), _drawn(page, "en")
    assert portuguese != english  # 01/12/2026 against 12/01/2026
    assert _drawn(page, "pt-BR") == portuguese  # the same language, however it is spelled
    assert _drawn(page, "en-US") == english
