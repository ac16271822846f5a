"""Bilingual interface: every English label has Korean text, and the served config carries both."""

from __future__ import annotations

import json
import urllib.request

from studio.ui.app import build_app
from studio.ui.i18n import build_i18n, untranslated
from studio.ui.i18n_ko import KOREAN
from tests.net import free_port


def test_every_interface_string_has_korean_text(studio) -> None:
    assert untranslated(build_app()) == []


def test_korean_table_is_korean() -> None:
    for english, korean in KOREAN.items():
        assert korean.strip(), english
        if any(ch.isalpha() and ch.isascii() for ch in english.replace("nDCG", "").replace("CLIR", "")):
            assert any("\uac00" <= ch <= "\ud7a3" for ch in korean) or english.startswith(("e.g.", "owner")), english


def test_served_config_has_translation_keys_and_tables(studio) -> None:
    app, port = build_app(), free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, i18n=build_i18n())
    try:
        config = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=30).read())
    finally:
        app.close()
    labels = json.dumps([c["props"].get("label") for c in config["components"]], ensure_ascii=False)
    assert '"key": "Query (Korean or English)"' in labels.replace('\\"', '"')
    tables = config["i18n_translations"]
    assert tables["ko"]["Search"] == "검색" and tables["en"]["Search"] == "Search"
