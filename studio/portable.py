"""Portable results: a model with its lineage and evaluations as one ``.tar.gz``, importable elsewhere.

Archive layout (everything under one top folder)::

    clir-model/model/...          the model folder (sentence-transformers files)
    clir-model/lineage.json       the model record, its base, parents and ancestors, dataset and mix, app version
    clir-model/evaluations.json   the stored evaluations of the model
    clir-model/manifest.json      format version and the size and sha256 of every other file

Import refuses absolute paths, ``..`` members, links and special files, members or totals over a size limit,
and files missing from or differing from the manifest. Values of secret environment variables (HF_TOKEN, ...)
and secret-named config keys never enter an archive: metadata is redacted and model files that contain a
secret value are refused.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Optional

from studio import __version__
from studio.access import redact, require_write, secret_values
from studio.context import Studio, get_studio
from studio.errors import StudioError
from storage.records import ModelRecord

FORMAT = "clir-studio-model"
FORMAT_VERSION = 1
ROOT = "clir-model"
MANIFEST, LINEAGE, EVALUATIONS, MODEL_DIR = "manifest.json", "lineage.json", "evaluations.json", "model"
SUFFIXES = (".tar.gz", ".tgz")
IMPORT_DIR = "imported"  # under the data home's models/
MAX_MEMBER_BYTES = 8 * 1024**3
MAX_TOTAL_BYTES = 16 * 1024**3
MAX_MEMBERS = 5000
SKIPPED_DIRS = {".git", "__pycache__", ".cache"}
CHUNK = 1024 * 1024


class PortableError(StudioError):
    """A model cannot be exported or an archive cannot be imported."""


class UnsafeArchiveError(PortableError):
    """An archive has a member that could write outside its folder, or that is too large."""


@dataclass(frozen=True)
class ExportResult:
    """What ``export_model`` wrote."""

    path: Path
    model_name: str
    files: int
    size_bytes: int
    evaluations: int


@dataclass(frozen=True)
class ImportResult:
    """What ``import_model`` registered."""

    model: ModelRecord
    original_name: str
    files: int
    evaluations: int
    path: Path


# ------------------------------------------------------------------------------------------ metadata
def _when(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat(timespec="seconds") if value else None


def _model_summary(studio: Studio, record: ModelRecord) -> dict[str, Any]:
    base = studio.store.get_model(record.base_model_id).name if record.base_model_id else None
    return {
        "name": record.name, "kind": record.kind, "description": record.description, "config": record.config,
        "app_version": record.app_version, "created": _when(record.created_at), "base_model": base,
        "parents": [{"name": p.parent_name, "weight": p.weight} for p in record.parents],
    }


def _ancestors(studio: Studio, record: ModelRecord, limit: int = 100) -> dict[str, Any]:
    """Every registered ancestor (parents and bases, transitively) by name."""
    found: dict[str, Any] = {}
    pending = [p.parent_name for p in record.parents]
    if record.base_model_id:
        pending.append(studio.store.get_model(record.base_model_id).name)
    while pending and len(found) < limit:
        name = pending.pop()
        ancestor = studio.store.find_model(name)
        if name in found or ancestor is None:
            continue
        found[name] = _model_summary(studio, ancestor)
        pending += [p["name"] for p in found[name]["parents"]]
        pending += [found[name]["base_model"]] if found[name]["base_model"] else []
    return found


def _data_summary(studio: Studio, record: ModelRecord) -> tuple[Optional[dict], Optional[dict]]:
    dataset = mix = None
    if record.dataset_id is not None:
        row = studio.store.get_dataset(record.dataset_id)
        dataset = {"name": row.name, "kind": row.kind, "n_records": row.n_records, "content_hash": row.content_hash,
                   "licence": row.licence, "split_seed": row.split_seed, "split_counts": row.split_counts}
    if record.mix_id is not None:
        row = studio.store.get_mix(record.mix_id)
        mix = {"name": row.name, "dataset": row.dataset_name, "split": row.split, "weights": row.weights,
               "budget": row.budget, "seed": row.seed, "counts": row.counts}
    return dataset, mix


def model_lineage(name: str, studio: Optional[Studio] = None) -> dict[str, Any]:
    """The lineage document of a model: record, base, parents, ancestors, dataset, mix, app version."""
    studio = studio or get_studio()
    record = studio.store.get_model(name)
    dataset, mix = _data_summary(studio, record)
    return {
        "format": FORMAT, "app_version": __version__, "exported_at": _when(datetime.now(timezone.utc)),
        "model": _model_summary(studio, record), "ancestors": _ancestors(studio, record),
        "dataset": dataset, "mix": mix,
    }


def model_evaluations(name: str, studio: Optional[Studio] = None) -> list[dict[str, Any]]:
    """The stored evaluations of a model, oldest first, without local ids and paths."""
    studio = studio or get_studio()
    return [
        {"dataset_name": ev.dataset_name, "split": ev.split, "metrics": ev.metrics, "summary": ev.summary,
         "config": ev.config, "n_queries": ev.n_queries, "created": _when(ev.created_at)}
        for ev in reversed(studio.store.list_evaluations(model_name=name))
    ]


# -------------------------------------------------------------------------------------------- export
class _Scanner:
    """Hashes a file while tarfile reads it, refusing it if a secret value appears in it."""

    def __init__(self, handle: BinaryIO, relpath: str, secrets: list[bytes]) -> None:
        self.handle, self.relpath, self.secrets = handle, relpath, secrets
        self.sha256 = hashlib.sha256()
        self.size = 0
        self._tail = b""
        self._keep = max((len(s) for s in secrets), default=1) - 1

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        window = self._tail + data
        if any(secret in window for secret in self.secrets):
            raise PortableError(
                f"{self.relpath} in the model folder contains the value of a secret environment variable "
                "(a token or password); remove it from the file before exporting."
            )
        self._tail = window[-self._keep:] if self._keep else b""
        self.sha256.update(data)
        self.size += len(data)
        return data


def _model_files(folder: Path) -> list[tuple[Path, str]]:
    """(file, archive-relative path) of the model folder, links followed, in a stable order."""
    files = []
    for current, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(names):
            path = Path(current) / name
            if path.is_file():
                files.append((path, f"{MODEL_DIR}/{path.relative_to(folder).as_posix()}"))
    return files


def _check_out_path(out: Path, folder: Path, force: bool) -> Path:
    out = out.expanduser().resolve()
    if not out.name.endswith(SUFFIXES):
        raise PortableError(f"{out.name} does not end in .tar.gz; name the archive e.g. model.tar.gz.")
    if out == folder or folder in out.parents:
        raise PortableError(f"{out} is inside the model folder {folder}; write the archive somewhere else.")
    if out.exists() and not force:
        raise PortableError(f"{out} already exists; choose another file name or pass --force to replace it.")
    if out.is_dir():
        raise PortableError(f"{out} is a folder; give a file name ending in .tar.gz.")
    return out


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(f"{ROOT}/{name}")
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
    tar.addfile(info, fileobj=io.BytesIO(data))


def export_model(name: str, out: str | Path, *, force: bool = False, studio: Optional[Studio] = None) -> ExportResult:
    """Write model ``name`` with its lineage and evaluations to ``out`` (``.tar.gz``).

    Raises:
        PortableError: a bad output path, or a model file that contains a secret value.
        NotFoundError: no model of that name.
    """
    from studio.modelref import resolve_model

    studio = studio or get_studio()
    studio.store.get_model(name)  # NotFoundError with the name
    folder = Path(resolve_model(name, studio).location).resolve()
    out = _check_out_path(Path(out), folder, force)
    secrets = secret_values()
    documents = {
        LINEAGE: json.dumps(redact(model_lineage(name, studio), secrets), ensure_ascii=False, indent=2).encode(),
        EVALUATIONS: json.dumps(redact(model_evaluations(name, studio), secrets), ensure_ascii=False,
                                indent=2).encode(),
    }
    entries = [{"path": key, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
               for key, data in documents.items()]
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{out.name}.partial-", dir=out.parent)
    os.close(handle)
    try:
        with tarfile.open(partial, "w:gz", compresslevel=1, format=tarfile.PAX_FORMAT) as tar:
            for key, data in documents.items():
                _add_bytes(tar, key, data)
            for path, relpath in _model_files(folder):
                with path.open("rb") as source:
                    scanner = _Scanner(source, relpath, [s.encode() for s in secrets])
                    info = tarfile.TarInfo(f"{ROOT}/{relpath}")
                    info.size, info.mtime, info.mode = path.stat().st_size, int(path.stat().st_mtime), 0o644
                    tar.addfile(info, fileobj=scanner)
                entries.append({"path": relpath, "size": scanner.size, "sha256": scanner.sha256.hexdigest()})
            manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "app_version": __version__,
                        "model_name": name, "files": entries}
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
        os.replace(partial, out)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    evaluations = len(json.loads(documents[EVALUATIONS]))
    return ExportResult(out, name, len(entries), out.stat().st_size, evaluations)


# -------------------------------------------------------------------------------------------- import
def _member_path(member: tarfile.TarInfo) -> PurePosixPath:
    """The member's path below ROOT, or UnsafeArchiveError."""
    name = member.name
    if "\\" in name or "\x00" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(f"The archive member {name!r} has an absolute or malformed path; it was refused.")
    parts = PurePosixPath(name).parts
    if ".." in parts:
        raise UnsafeArchiveError(f"The archive member {name!r} points outside its folder ('..'); it was refused.")
    if not member.isfile() and not member.isdir():
        raise UnsafeArchiveError(
            f"The archive member {name!r} is a link or special file; it was refused (model archives hold only "
            "files and folders)."
        )
    if not parts or parts[0] != ROOT:
        raise UnsafeArchiveError(f"The archive member {name!r} is not under {ROOT}/; this is not a model archive.")
    return PurePosixPath(*parts[1:]) if len(parts) > 1 else PurePosixPath(".")


def _extract(archive: Path, staging: Path, max_member: int, max_total: int, max_members: int) -> dict[str, dict]:
    """Extract the archive's files into ``staging`` safely; returns {relpath: {size, sha256}}."""
    extracted: dict[str, dict] = {}
    total = count = 0
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            count += 1
            if count > max_members:
                raise UnsafeArchiveError(f"The archive has more than {max_members} members; it was refused.")
            relpath = _member_path(member)
            if member.isdir() or str(relpath) == ".":
                continue
            if member.size > max_member:
                raise UnsafeArchiveError(f"The archive member {member.name!r} is {member.size / 1e6:.0f} MB, over "
                                         f"the {max_member / 1e6:.0f} MB limit; it was refused.")
            total += member.size
            if total > max_total:
                raise UnsafeArchiveError(f"The archive unpacks to more than {max_total / 1e6:.0f} MB; it was refused.")
            if str(relpath) in extracted:
                raise UnsafeArchiveError(f"The archive has {member.name!r} twice; it was refused.")
            target = staging.joinpath(*relpath.parts)
            if staging not in target.resolve().parents:
                raise UnsafeArchiveError(f"The archive member {member.name!r} points outside its folder; refused.")
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            source = tar.extractfile(member)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
            with os.fdopen(fd, "wb") as sink:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    sink.write(chunk)
            extracted[str(relpath)] = {"size": target.stat().st_size, "sha256": digest.hexdigest()}
    return extracted


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PortableError(f"The archive has no {what}; it is not a CLIR Studio model archive.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise PortableError(f"The archive's {what} is not valid JSON ({exc}); the archive is damaged.") from None


def _verify(manifest: Any, extracted: dict[str, dict]) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PortableError("The archive's manifest is not a CLIR Studio model manifest.")
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise PortableError(f"The archive was made by a newer CLIR Studio ({manifest.get('app_version')}); "
                            "upgrade CLIR Studio to import it.")
    listed = {entry["path"]: entry for entry in manifest.get("files", [])}
    present = {path: info for path, info in extracted.items() if path != MANIFEST}
    missing, extra = sorted(set(listed) - set(present)), sorted(set(present) - set(listed))
    if missing or extra:
        raise PortableError(f"The archive's files do not match its manifest (missing: {missing[:3]}, "
                            f"unlisted: {extra[:3]}); the archive is damaged or was altered.")
    for path, info in present.items():
        if (info["size"], info["sha256"]) != (listed[path].get("size"), listed[path].get("sha256")):
            raise PortableError(f"The checksum of {path} does not match the archive's manifest; "
                                "the archive is damaged or was altered.")


def _unique_folder(studio: Studio, name: str) -> Path:
    base = studio.paths.models / IMPORT_DIR / name.replace("/", "--")
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def _matching_data(studio: Studio, lineage: dict) -> tuple[Optional[int], Optional[int]]:
    """Local dataset and mix ids when ones with the same names (and dataset content) exist here."""
    dataset_id = mix_id = None
    dataset, mix = lineage.get("dataset") or {}, lineage.get("mix") or {}
    local = {d.name: d for d in studio.store.list_datasets()}
    if dataset.get("name") in local and local[dataset["name"]].content_hash == dataset.get("content_hash"):
        dataset_id = local[dataset["name"]].id
        mixes = {m.name: m for m in studio.store.list_mixes(dataset_id)}
        mix_id = mixes[mix["name"]].id if mix.get("name") in mixes else None
    return dataset_id, mix_id


def _register(studio: Studio, name: str, folder: Path, lineage: dict, archive: Path) -> ModelRecord:
    model = lineage.get("model") or {}
    base = model.get("base_model")
    dataset_id, mix_id = _matching_data(studio, lineage)
    config = dict(model.get("config") or {})
    config["imported"] = {"original_name": model.get("name"), "original_kind": model.get("kind"),
                          "original_base_model": base, "archive": archive.name,
                          "archive_app_version": lineage.get("app_version"), "exported_at": lineage.get("exported_at"),
                          "ancestors": lineage.get("ancestors") or {}, "dataset": lineage.get("dataset"),
                          "mix": lineage.get("mix")}
    return studio.store.add_model(
        name, "imported", folder.relative_to(studio.paths.models).as_posix(),
        parents=[(p["name"], p.get("weight")) for p in model.get("parents") or []],
        base_model=base if base and studio.store.find_model(base) else None,
        dataset_id=dataset_id, mix_id=mix_id, config=config, app_version=__version__,
        description=model.get("description") or f"imported from {archive.name}",
    )


def _restore_evaluations(studio: Studio, record: ModelRecord, evaluations: list[dict]) -> int:
    datasets = {d.name: d.id for d in studio.store.list_datasets()}
    for ev in evaluations:
        created = ev.get("created")
        studio.store.add_evaluation(
            model_id=record.id, model_name=record.name, dataset_id=datasets.get(ev.get("dataset_name")),
            dataset_name=str(ev.get("dataset_name", "")), split=str(ev.get("split", "test")),
            metrics=ev.get("metrics") or {}, summary=ev.get("summary") or {},
            config=dict(ev.get("config") or {}, imported=True), n_queries=int(ev.get("n_queries") or 0),
            **({"created_at": datetime.fromisoformat(created).replace(tzinfo=None)} if created else {}),
        )
    return len(evaluations)


def import_model(
    archive: str | Path,
    *,
    name: Optional[str] = None,
    studio: Optional[Studio] = None,
    max_member_bytes: int = MAX_MEMBER_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_members: int = MAX_MEMBERS,
) -> ImportResult:
    """Import a model archive: verify it, copy the model under ``models/imported/``, register it, restore evaluations.

    Args:
        archive: a ``.tar.gz`` written by ``export_model``.
        name: register under this name instead of the archived one.

    Raises:
        UnsafeArchiveError: absolute or ``..`` paths, links, special files, or sizes over the limits.
        PortableError: not a model archive, damaged, or a checksum mismatch.
        DuplicateNameError: a model of that name exists (pass ``name``).
        ReadOnlyDemoError: the app is a read-only demo.
    """
    from studio.models import validate_name

    require_write("importing models")
    studio = studio or get_studio()
    archive = Path(archive).expanduser()
    if not archive.is_file():
        raise PortableError(f"{archive} does not exist or is not a file; give the path of a model .tar.gz.")
    if name:
        validate_name(name)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=studio.paths.models))
    try:
        try:
            extracted = _extract(archive, staging, max_member_bytes, max_total_bytes, max_members)
        except (tarfile.TarError, EOFError, zlib.error) as exc:
            raise PortableError(f"{archive.name} is not a readable .tar.gz model archive ({exc}).") from None
        except OSError as exc:  # e.g. a file and a folder of the same name, or a full disk
            raise PortableError(f"Could not unpack {archive.name}: {exc.strerror or exc}.") from None
        _verify(_read_json(staging / MANIFEST, MANIFEST), extracted)
        lineage = _read_json(staging / LINEAGE, LINEAGE)
        evaluations = _read_json(staging / EVALUATIONS, EVALUATIONS)
        original = str((lineage.get("model") or {}).get("name") or "")
        target_name = validate_name(name or original)
        if studio.store.find_model(target_name) is not None:
            raise PortableError(f"A model named {target_name!r} already exists; import it under another name "
                                "(--name, or the name box in the Models tab).")
        model_folder = staging / MODEL_DIR
        if not ((model_folder / "modules.json").is_file() or (model_folder / "config.json").is_file()):
            raise PortableError("The archive's model folder has no modules.json or config.json; it is not a model.")
        folder = _unique_folder(studio, target_name)
        folder.parent.mkdir(parents=True, exist_ok=True)
        model_folder.rename(folder)
        try:
            record = _register(studio, target_name, folder, lineage, archive)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        restored = _restore_evaluations(studio, record, evaluations if isinstance(evaluations, list) else [])
        files = sum(1 for path in extracted if path.startswith(f"{MODEL_DIR}/"))
        return ImportResult(record, original, files, restored, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
