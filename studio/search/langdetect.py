"""Tell Korean from English queries by the share of Hangul among the letters."""

from __future__ import annotations

KO_THRESHOLD = 0.6  # at least this share of Hangul letters: Korean
EN_THRESHOLD = 0.15  # at most this share: English; in between: mixed


def _is_hangul(char: str) -> bool:
    code = ord(char)
    return (
        0xAC00 <= code <= 0xD7A3  # syllables
        or 0x1100 <= code <= 0x11FF  # jamo
        or 0x3130 <= code <= 0x318F  # compatibility jamo
        or 0xA960 <= code <= 0xA97F
        or 0xD7B0 <= code <= 0xD7FF
    )


def hangul_share(text: str) -> float:
    """Share of Hangul among the letters of ``text`` (0.0 when it has no letters)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(_is_hangul(c) for c in letters) / len(letters)


def detect_language(text: str) -> str:
    """``ko``, ``en`` or ``mixed`` by Hangul share; ``""`` for text without letters.

    Example:
        >>> detect_language("조선 시대에 한글을 만든 왕은 누구인가?"), detect_language("Who made Hangul?")
        ('ko', 'en')
    """
    if not any(c.isalpha() for c in text):
        return ""
    share = hangul_share(text)
    if share >= KO_THRESHOLD:
        return "ko"
    if share <= EN_THRESHOLD:
        return "en"
    return "mixed"
