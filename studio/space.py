"""Host CLIR Studio as a Hugging Face Space: export a ready-to-push folder and apply its defaults.

``export_space(DIR)`` writes the app source (``studio/``, ``storage/``, ``assets/``, ``launch.py``), a
``README.md`` with the Space front matter, a ``requirements.txt`` with CPU-only torch, ``space.env`` (the
defaults of a free CPU Space, read at start-up by ``apply_space_defaults``) and a ``.gitattributes`` that
stores binary files with Git LFS/Xet as the Hub requires. The package is not pip-installed on a Space:
``python launch.py`` imports it from the folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Optional

from studio import __version__
from studio.errors import StudioError
from studio.settings import REPO_ROOT, studio_paths

SOURCE_ENTRIES = ("studio", "storage", "assets", "launch.py")
DEFAULTS_FILE = "space.env"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PYTHON_VERSION = "3.11"
IGNORED = ("__pycache__", "*.pyc", "*.pyo", "*.egg-info", ".DS_Store", ".pytest_cache", ".git",
           "*.db", "*.db-journal", "*.db-wal", "*.db-shm", ".env")

# Defaults that fit a free CPU Space (2 vCPU, 16 GB); Space variables set in its settings win.
SPACE_DEFAULTS = {
    "STUDIO_DEMO_MODE": "1",
    "STUDIO_MAX_JOBS_PER_USER": "1",
    "STUDIO_MAX_UPLOAD_MB": "64",
    "STUDIO_CONCURRENCY": "2",
    "STUDIO_MAX_QUEUE": "32",
    "OMP_NUM_THREADS": "2",
    "TOKENIZERS_PARALLELISM": "false",
}

GITATTRIBUTES = "".join(
    f"*.{ext} filter=lfs diff=lfs merge=lfs -text\n"
    for ext in ("png", "jpg", "jpeg", "gif", "webp", "ico", "gz", "tgz", "zip", "parquet", "arrow",
                "safetensors", "bin", "pt", "pth", "onnx", "npy", "npz", "faiss", "sqlite", "db")
)


class SpaceExportError(StudioError):
    """The Space folder cannot be written where asked."""


@dataclass(frozen=True)
class SpaceExport:
    """What ``export_space`` wrote."""

    folder: Path
    files: int
    size_bytes: int
    gradio_version: str
    torch_version: str
    demo_mode: bool


# ------------------------------------------------------------------------------------- start-up side
def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of an env file (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def apply_space_defaults(folder: Path = REPO_ROOT) -> dict[str, str]:
    """Set the variables of ``folder/space.env`` that the environment does not set; returns those applied.

    Only an exported Space folder has the file, so a source checkout is unaffected.
    """
    path = folder / DEFAULTS_FILE
    if not path.is_file():
        return {}
    applied = {}
    for key, value in read_env_file(path).items():
        if key not in os.environ:
            os.environ[key] = value
            applied[key] = value
    return applied


# ---------------------------------------------------------------------------------------- export side
def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_target(target: Path, force: bool = False) -> Path:
    """Resolve the export folder, refusing the data home, the source tree, files and non-empty folders."""
    folder = target.expanduser().resolve()
    for protected, what in ((studio_paths().home, "the data home (STUDIO_HOME)"), (REPO_ROOT, "the source tree")):
        if _within(folder, protected) or _within(protected, folder):
            raise SpaceExportError(
                f"{folder} overlaps {what} {protected}; export the Space to a folder outside it."
            )
    if folder.exists() and not folder.is_dir():
        raise SpaceExportError(f"{folder} is a file; give a folder to write the Space into.")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise SpaceExportError(
            f"{folder} is not empty; choose a new folder, or pass --force to replace the Space files in it "
            "(other files, such as .git, are kept)."
        )
    return folder


def _requirement_name(spec: str) -> str:
    name = spec.split(";")[0]
    for stop in "[<>=!~ ":
        name = name.split(stop)[0]
    return name.strip().lower().replace("_", "-")


def project_dependencies() -> list[str]:
    """The runtime dependencies declared in pyproject.toml (or the installed metadata)."""
    pyproject = REPO_ROOT / "pyproject.toml"
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10 reads the installed metadata instead
        tomllib = None
    if pyproject.is_file() and tomllib is not None:
        return list(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"])
    try:
        return [req for req in metadata.requires("clir-studio") or [] if "extra ==" not in req]
    except metadata.PackageNotFoundError:
        raise SpaceExportError("Cannot find the project's dependencies (no pyproject.toml); "
                               "run export-space from a CLIR Studio source checkout.") from None


def installed_version(package: str) -> str:
    """The installed version of ``package`` without a local label (``2.13.0+cpu`` -> ``2.13.0``)."""
    try:
        return metadata.version(package).split("+")[0]
    except metadata.PackageNotFoundError:
        raise SpaceExportError(f"{package} is not installed; install the app's dependencies first.") from None


def requirements_text(torch_version: str, gradio_version: str) -> str:
    """requirements.txt of the Space: CPU torch pinned, gradio matching sdk_version, the rest as declared."""
    lines = [
        f"# CLIR Studio {__version__} Space requirements (written by `clir-studio export-space`).",
        "# CPU-only torch from PyTorch's CPU index: the default PyPI wheel pulls ~20 CUDA packages.",
        f"--extra-index-url {TORCH_CPU_INDEX}",
        f"torch=={torch_version}",
    ]
    for spec in project_dependencies():
        name = _requirement_name(spec)
        if name == "torch":
            continue
        lines.append(f"gradio=={gradio_version}" if name == "gradio" else spec)
    return "\n".join(lines) + "\n"


def env_text(demo: bool) -> str:
    """space.env: the defaults of a free CPU Space."""
    values = dict(SPACE_DEFAULTS, STUDIO_DEMO_MODE="1" if demo else "0")
    lines = [
        "# Defaults of the CLIR Studio Space, applied at start-up when the variable is not set.",
        "# Override any of them with a Space variable (Settings -> Variables and secrets).",
        "# Put STUDIO_AUTH=user:password in a Space *secret*, never in this file.",
    ]
    return "\n".join(lines + [f"{key}={value}" for key, value in values.items()]) + "\n"


def readme_text(title: str, emoji: str, gradio_version: str, demo: bool) -> str:
    """README.md with the Space front matter and a short hosting guide."""
    front = {
        "title": title, "emoji": emoji, "colorFrom": "blue", "colorTo": "indigo", "sdk": "gradio",
        "sdk_version": gradio_version, "python_version": PYTHON_VERSION, "app_file": "launch.py",
        "pinned": False, "license": "apache-2.0",
        "short_description": "Korean-English cross-lingual retrieval studio",
        "tags": ["cross-lingual-retrieval", "korean", "sentence-transformers", "model-merging"],
    }
    header = "\n".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items())
    defaults = "\n".join(
        f"| `{key}` | `{value}` |" for key, value in dict(SPACE_DEFAULTS, STUDIO_DEMO_MODE=str(int(demo))).items()
    )
    return f"""---
{header}
---

# {title}

Build and study Korean–English cross-lingual retrievers: compose language mixes, train, evaluate in four
directions (ko-ko, en-en, ko-en, en-ko), merge and search side by side. It ships a bundled
multilingual-e5-small base model (MIT) and a small demo dataset, so it works without the Hub.

## Demo mode and limits

{"This Space runs as a **read-only demo**: search, compare and merge previews work; importing data, training and saving are refused." if demo else "This Space runs with writes allowed."}
Defaults come from `space.env`; a Space variable of the same name overrides them.

| Variable | Default here |
|---|---|
{defaults}

`STUDIO_AUTH` (`user:password[,user2:password2]`, set it as a **secret**) requires a login.
A login works best on the Space's direct address (`https://USER-NAME.hf.space`): browsers may block its
cookie inside the Hub page's frame. `STUDIO_MAX_JOBS_PER_USER` caps queued plus running jobs per user;
`STUDIO_MAX_UPLOAD_MB` caps uploads.

## Duplicate and host it yourself

1. *Duplicate this Space* (menu ⋮ → Duplicate), keep it private if you like.
2. In *Settings → Variables and secrets* set `STUDIO_DEMO_MODE=0` to allow imports, training and saving,
   and a secret `STUDIO_AUTH` to require a login.
3. Add *persistent storage*: the app then keeps its data in `/data/clir-studio` across restarts
   (without it, everything is lost when the Space restarts). `STUDIO_HOME` picks another folder.
4. Training on the free CPU hardware is slow; choose a larger CPU or a GPU for real runs.

Run the same folder locally with `pip install -r requirements.txt && python launch.py`.
"""


def _copy_sources(staging: Path) -> None:
    for entry in SOURCE_ENTRIES:
        source = REPO_ROOT / entry
        if source.is_dir():
            shutil.copytree(source, staging / entry, ignore=shutil.ignore_patterns(*IGNORED))
        elif source.is_file():
            shutil.copy2(source, staging / entry)
        elif entry != "assets":
            raise SpaceExportError(f"{source} is missing; run export-space from a CLIR Studio source checkout.")


def _move_into(staging: Path, folder: Path) -> None:
    """Move the staged entries into ``folder``, replacing same-named entries only."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in staging.iterdir():
        existing = folder / entry.name
        if existing.is_dir() and not existing.is_symlink():
            shutil.rmtree(existing)
        elif existing.exists() or existing.is_symlink():
            existing.unlink()
        entry.rename(existing)


def export_space(
    target: str | Path,
    *,
    force: bool = False,
    title: str = "CLIR Studio",
    emoji: str = "🔎",
    demo: bool = True,
) -> SpaceExport:
    """Write a ready-to-push Hugging Face Space folder.

    Args:
        target: the folder to write; it must be new or empty (``force`` replaces the Space's own files and
            keeps others such as ``.git``), and outside the data home and the source tree.
        title, emoji: shown on the Space card.
        demo: start as a read-only demo (``STUDIO_DEMO_MODE=1``), the right default for a public Space.

    Raises:
        SpaceExportError: the target is unsafe or the source tree is incomplete.
    """
    folder = check_target(Path(target), force)
    if not (REPO_ROOT / "launch.py").is_file():
        raise SpaceExportError(f"No launch.py in {REPO_ROOT}; run export-space from a CLIR Studio source checkout.")
    torch_version, gradio_version = installed_version("torch"), installed_version("gradio")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    try:
        _copy_sources(staging)
        (staging / "requirements.txt").write_text(requirements_text(torch_version, gradio_version), encoding="utf-8")
        (staging / "README.md").write_text(readme_text(title, emoji, gradio_version, demo), encoding="utf-8")
        (staging / DEFAULTS_FILE).write_text(env_text(demo), encoding="utf-8")
        (staging / ".gitattributes").write_text(GITATTRIBUTES, encoding="utf-8")
        files = [p for p in staging.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        _move_into(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return SpaceExport(folder, len(files), size, gradio_version, torch_version, demo)


def space_summary(result: SpaceExport, push_hint: Optional[str] = None) -> str:
    """A few lines describing an export, for the CLI."""
    lines = [
        f"wrote {result.files} files ({result.size_bytes / 1e6:.1f} MB) to {result.folder}",
        f"gradio {result.gradio_version}, torch {result.torch_version} (CPU), python {PYTHON_VERSION}, "
        f"demo mode {'on' if result.demo_mode else 'off'}",
        push_hint or "push it: cd into the folder, `git init`, add the Space as remote "
        "(https://huggingface.co/spaces/USER/NAME), commit and push; or `hf upload USER/NAME . --repo-type space`",
    ]
    return "\n".join(lines)
