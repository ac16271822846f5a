"""English and Korean interface text.

Tabs are written with English strings; after the app is built, ``translate_blocks`` swaps every
label, button text, placeholder and info line found in ``KOREAN`` for a ``gr.I18n`` key. The
browser then shows the language of its locale, and Gradio's Settings panel (footer) switches it.
Strings missing from the table stay English.
"""

from __future__ import annotations

from collections.abc import Iterator

import gradio as gr
from studio.ui.i18n_ko import KOREAN

TRANSLATED_ATTRIBUTES = ("label", "value", "placeholder", "info")
TEXT_VALUED = (gr.Button, gr.Markdown)  # components whose value is interface text


def build_i18n() -> gr.I18n:
    """The translation tables handed to ``launch(i18n=...)``: English keys, Korean values."""
    return gr.I18n(en={key: key for key in KOREAN}, ko=KOREAN)


def interface_strings(app: gr.Blocks) -> Iterator[tuple[object, str, str]]:
    """(component, attribute, text) for every translatable English string in ``app``."""
    for block in app.blocks.values():
        for attribute in TRANSLATED_ATTRIBUTES:
            if attribute == "value" and not isinstance(block, TEXT_VALUED):
                continue  # a component's value is user data, not interface text
            text = getattr(block, attribute, None)
            if isinstance(text, str) and text.strip():
                yield block, attribute, text


def translate_blocks(app: gr.Blocks, i18n: gr.I18n) -> int:
    """Replace known interface strings by translation keys; returns how many were replaced."""
    replaced = 0
    for block, attribute, text in list(interface_strings(app)):
        if text in KOREAN:
            setattr(block, attribute, i18n(text))
            replaced += 1
    return replaced


def needs_translation(text: str) -> bool:
    """English interface text: has Latin letters, no Hangul (Korean examples stay as they are)."""
    return any("a" <= ch.lower() <= "z" for ch in text) and not any("\uac00" <= ch <= "\ud7a3" for ch in text)


def untranslated(app: gr.Blocks) -> list[str]:
    """Interface strings without a Korean translation (a test keeps this list empty)."""
    return sorted({text for _, _, text in interface_strings(app) if text not in KOREAN and needs_translation(text)})
