"""CLIR Studio: build and study Korean-English cross-lingual retrievers.

The public Python API; heavy modules (torch, gradio) are imported lazily.
"""

from __future__ import annotations

__version__ = "0.1.0"
