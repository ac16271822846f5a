"""Screenshot a running CLIR Studio with Debian's headless Chromium (no browser downloads).

    python scripts/screenshot.py http://127.0.0.1:7860 assets/screenshot.png --tab Models --width 1400

Needs ``/usr/bin/chromium`` (``apt-get install chromium fonts-nanum``; fonts-nanum renders Korean) and the
``playwright`` Python package. The browser tests (tests/browser/conftest.py) reuse these helpers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Optional

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY_TIMEOUT_MS = 120_000


def launch_browser(playwright: Any, executable: str = CHROMIUM) -> Any:
    """Start headless Chromium from the system package."""
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)


# Gradio's status trackers (".wrap.full") lose the "hide" class while their component is loading.
_BUSY = """() => [...document.querySelectorAll('.wrap.full')]
    .some(e => !e.classList.contains('hide') && e.offsetParent !== null)"""


def wait_until_idle(page: Any, timeout_ms: int = READY_TIMEOUT_MS, settle_ms: int = 300) -> None:
    """Wait until no visible component shows a loading indicator, twice ``settle_ms`` apart."""
    for _ in range(2):
        page.wait_for_function(f"() => !({_BUSY})()", timeout=timeout_ms)
        page.wait_for_timeout(settle_ms)


def wait_until_ready(page: Any, timeout_ms: int = READY_TIMEOUT_MS) -> None:
    """Wait until the Gradio app has rendered its tabs and finished its page-load events."""
    page.wait_for_selector(".gradio-container", timeout=timeout_ms)
    page.get_by_role("tab").first.wait_for(timeout=timeout_ms)
    wait_until_idle(page, timeout_ms)


def open_tab(page: Any, name: str, timeout_ms: int = 30_000) -> None:
    """Click the tab called ``name`` and wait for it to be selected."""
    tab = page.get_by_role("tab", name=name, exact=True)
    tab.click(timeout=timeout_ms)
    page.wait_for_function(
        "name => [...document.querySelectorAll('[role=tab]')].some("
        "t => t.textContent.trim() === name && t.getAttribute('aria-selected') === 'true')",
        arg=name, timeout=timeout_ms,
    )
    wait_until_idle(page, timeout_ms)


def take(url: str, out: Path, tab: Optional[str] = None, width: int = 1400, height: int = 900,
         full_page: bool = True) -> Path:
    """Open ``url``, optionally switch to ``tab``, and save a PNG screenshot to ``out``."""
    from playwright.sync_api import sync_playwright

    out.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
            page.goto(url)
            wait_until_ready(page)
            if tab:
                open_tab(page, tab)
            page.wait_for_timeout(500)  # let plots finish drawing
            page.screenshot(path=str(out), full_page=full_page)
        finally:
            browser.close()
    return out


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Screenshot a running CLIR Studio with headless Chromium.")
    parser.add_argument("url", help="address of the running app, e.g. http://127.0.0.1:7860")
    parser.add_argument("out", type=Path, help="PNG file to write")
    parser.add_argument("--tab", default=None, help="tab to open first, e.g. Models")
    parser.add_argument("--width", type=int, default=1400, help="viewport width in pixels")
    parser.add_argument("--height", type=int, default=900, help="viewport height in pixels")
    parser.add_argument("--viewport-only", action="store_true", help="capture the viewport, not the whole page")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).is_file():
        print(f"error: {CHROMIUM} is missing; install it with `apt-get install -y --no-install-recommends "
              "chromium fonts-nanum`.", file=sys.stderr)
        return 2
    path = take(args.url, args.out, args.tab, args.width, args.height, full_page=not args.viewport_only)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
