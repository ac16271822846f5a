"""The app starts light: building every tab imports neither torch nor sentence-transformers."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
from studio.ui.app import build_app
build_app()
heavy = sorted(m for m in ("torch", "sentence_transformers", "transformers", "faiss", "kiwipiepy") if m in sys.modules)
print("heavy modules:", ",".join(heavy))
"""


def test_building_the_app_imports_no_model_libraries(studio) -> None:
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "heavy modules:"
