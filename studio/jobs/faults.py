"""Fault injection for reliability tests, off unless ``STUDIO_FAULTS`` is set.

``STUDIO_FAULTS`` is a comma-separated list of ``name`` or ``name=value``. Known faults:

- ``enospc_on_save``: saving a checkpoint raises ``OSError(ENOSPC)`` after the weights were written
  and before the optimizer and trainer state (a half-written checkpoint, as a full disk leaves it).
- ``pause_on_save=N``: after the checkpoint of step N is complete, the worker sleeps (so a test can
  ``kill -9`` it mid-run at a known point).

Real runs never set it; the hooks cost one dictionary lookup.
"""

from __future__ import annotations

import os
from typing import Optional

FAULTS_ENV = "STUDIO_FAULTS"


def fault(name: str) -> Optional[str]:
    """The value of fault ``name`` (``""`` when given without a value), or None when it is off."""
    for item in os.environ.get(FAULTS_ENV, "").split(","):
        key, _, value = item.strip().partition("=")
        if key == name:
            return value
    return None
