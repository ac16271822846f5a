"""The app opens in a real headless Chromium and the Models tab lists the bundled model."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

BUNDLED = "bundled/multilingual-e5-small"


def test_models_tab_lists_the_bundled_model(page, open_tab, screenshot) -> None:
    assert "CLIR Studio" in page.title()
    open_tab(page, "Models")
    cell = page.get_by_text(BUNDLED, exact=True).locator("visible=true").first
    cell.wait_for()  # the table fills in once the page has loaded (the dropdown shows it as an input value)
    assert cell.evaluate("e => e.closest('td, .cell-wrap') !== null")  # a cell of the models table
    path = screenshot(page, "models-tab")
    assert path.stat().st_size > 10_000
