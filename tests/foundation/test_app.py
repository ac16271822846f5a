"""The app shell served by a real Gradio server, exercised through HTTP and gradio_client."""

from __future__ import annotations

import urllib.request

import pytest
from gradio_client import Client
from tests.net import free_port


@pytest.fixture
def served_app(studio):
    from studio.ui.app import CSS, build_app

    app = build_app()
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, css=CSS)
    yield f"http://127.0.0.1:{port}/"
    app.close()


def test_page_and_models_endpoint(served_app: str, tiny_model: str) -> None:
    page = urllib.request.urlopen(served_app, timeout=30).read().decode()
    assert "CLIR Studio" in page
    rows = Client(served_app, verbose=False).predict(api_name="/list_models")
    assert {row["name"] for row in rows} == {"bundled/multilingual-e5-small", tiny_model}


def test_footer_shows_data_home_and_counts(studio, tiny_model: str) -> None:
    from studio.ui.footer import footer_text

    text = footer_text()
    assert str(studio.paths.home) in text
    assert "2 models" in text
