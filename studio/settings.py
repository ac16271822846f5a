"""Where CLIR Studio keeps its state: the data home and its layout.

Everything the app writes lives under one directory, ``STUDIO_HOME``:

    studio.db      SQLite database (datasets, models, jobs, evaluations)
    models/        model directories (converted base model, trained and merged models)
    datasets/      imported datasets as Parquet, one folder per dataset
    jobs/<id>/     one folder per background job: payload, log, checkpoints
    cache/         embedding cache, search indexes, Gradio's upload files
    runs/<id>/     per-query rankings (TREC run format) of stored evaluations
    reports/<name>/ study reports (HTML, Markdown, JSON)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from studio.errors import StudioError

APP_NAME = "clir-studio"
SPACE_PERSISTENT_DIR = Path("/data")
REPO_ROOT = Path(__file__).resolve().parents[1]
ASSETS_DIR = REPO_ROOT / "assets"


class StudioHomeError(StudioError):
    """The data home cannot be used (missing permissions, a file in the way, ...)."""


def default_home() -> Path:
    """Return the data home used when ``STUDIO_HOME`` is not set.

    On a Hugging Face Space with persistent storage that is ``/data/clir-studio``;
    elsewhere the per-user data directory (e.g. ``~/.local/share/clir-studio``).
    """
    if os.environ.get("SPACE_ID") and SPACE_PERSISTENT_DIR.is_dir() and os.access(SPACE_PERSISTENT_DIR, os.W_OK):
        return SPACE_PERSISTENT_DIR / APP_NAME
    return Path(user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class StudioPaths:
    """The layout of one data home."""

    home: Path

    @property
    def db(self) -> Path:
        return self.home / "studio.db"

    @property
    def models(self) -> Path:
        return self.home / "models"

    @property
    def datasets(self) -> Path:
        return self.home / "datasets"

    @property
    def jobs(self) -> Path:
        return self.home / "jobs"

    @property
    def cache(self) -> Path:
        return self.home / "cache"

    def job_dir(self, job_id: int) -> Path:
        """Folder of one job (log, payload, checkpoints)."""
        return self.jobs / str(job_id)

    def ensure(self) -> StudioPaths:
        """Create the layout, or raise StudioHomeError saying what to do."""
        try:
            for folder in (self.home, self.models, self.datasets, self.jobs, self.cache):
                folder.mkdir(parents=True, exist_ok=True)
            probe = self.home / ".write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise StudioHomeError(
                f"The data home {self.home} is not writable ({exc.strerror or exc}); "
                "set STUDIO_HOME to a folder you can write to."
            ) from exc
        return self


def studio_paths() -> StudioPaths:
    """The data home of this process: ``$STUDIO_HOME`` or the default."""
    raw = os.environ.get("STUDIO_HOME")
    home = Path(raw).expanduser() if raw else default_home()
    return StudioPaths(home.resolve())
