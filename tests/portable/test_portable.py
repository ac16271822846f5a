"""Portable results: export a model with lineage and evaluations, import it elsewhere, refuse hostile archives."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest

from studio.cli import main
from studio.portable import PortableError, UnsafeArchiveError, export_model, import_model

MARKER = "hf_SECRET_marker_7f3a9c"
MERGED = "test/merged"
BUNDLED = "bundled/multilingual-e5-small"


@pytest.fixture
def merged_model(studio, tiny_model: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A merged model with parents, a base, a secret-bearing config and one evaluation."""
    monkeypatch.setenv("HF_TOKEN", MARKER)
    tiny = studio.store.get_model(tiny_model)
    record = studio.store.add_model(
        MERGED, "merged", tiny.path, parents=[(tiny_model, 0.6), (BUNDLED, 0.4)], base_model=BUNDLED,
        config={"method": "linear", "hub_token": MARKER, "note": f"pushed with {MARKER}"},
        description="tiny merge", app_version="0.1.0",
    )
    studio.store.add_evaluation(
        model_id=record.id, model_name=MERGED, dataset_name="demo/ko-en-qa", split="test",
        metrics={"ko-en": {"ndcg@10": 0.5}, "en-ko": {"ndcg@10": 0.25}}, summary={"clir": 0.375},
        config={"k": 10, "token": MARKER}, n_queries=32,
    )
    return MERGED


def switch_home(path: Path, monkeypatch: pytest.MonkeyPatch):
    from studio.context import forget_studios, get_studio

    monkeypatch.setenv("STUDIO_HOME", str(path))
    forget_studios()
    return get_studio()


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def write_tar(path: Path, entries: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in entries:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def test_round_trip_keeps_model_lineage_and_evaluations(merged_model, tmp_path, monkeypatch) -> None:
    from studio.models import embed

    archive = export_model(merged_model, tmp_path / "merged.tar.gz")
    assert archive.evaluations == 1 and archive.path.is_file()
    names = set(members(archive.path))
    assert {"clir-model/manifest.json", "clir-model/lineage.json", "clir-model/evaluations.json",
            "clir-model/model/modules.json", "clir-model/model/model.safetensors"} <= names
    lineage = json.loads(members(archive.path)["clir-model/lineage.json"])
    assert lineage["model"]["parents"] == [{"name": "test/tiny", "weight": 0.6}, {"name": BUNDLED, "weight": 0.4}]
    assert lineage["model"]["base_model"] == BUNDLED and set(lineage["ancestors"]) == {"test/tiny", BUNDLED}
    before = embed(merged_model, ["안녕하세요", "hello"])

    other = switch_home(tmp_path / "elsewhere", monkeypatch)
    result = import_model(archive.path)
    record = other.store.get_model(MERGED)
    assert (result.model.name, record.kind) == (MERGED, "imported")
    assert [(p.parent_name, p.weight) for p in record.parents] == [("test/tiny", 0.6), (BUNDLED, 0.4)]
    assert other.store.get_model(record.base_model_id).name == BUNDLED
    assert record.config["method"] == "linear" and record.config["imported"]["original_kind"] == "merged"
    assert result.path.parent == other.paths.models / "imported"
    [evaluation] = other.store.list_evaluations(model_name=MERGED)
    assert evaluation.summary == {"clir": 0.375} and evaluation.metrics["en-ko"] == {"ndcg@10": 0.25}
    assert evaluation.n_queries == 32 and evaluation.model_id == record.id
    np.testing.assert_allclose(embed(MERGED, ["안녕하세요", "hello"]), before, atol=1e-6)
    assert not list(other.paths.models.glob(".import-*"))


def test_secrets_never_enter_the_archive(merged_model, tmp_path) -> None:
    archive = export_model(merged_model, tmp_path / "merged.tar.gz").path
    assert MARKER.encode() not in archive.read_bytes()
    assert MARKER.encode() not in gzip.decompress(archive.read_bytes())
    lineage = json.loads(members(archive)["clir-model/lineage.json"])
    assert lineage["model"]["config"]["hub_token"] == "<redacted>"


def test_model_file_with_a_secret_is_refused(merged_model, studio, tmp_path) -> None:
    folder = studio.paths.models / "test-tiny"
    (folder / "README.md").write_text(f"trained with token {MARKER}\n", encoding="utf-8")
    with pytest.raises(PortableError, match="README.md in the model folder contains the value of a secret"):
        export_model(merged_model, tmp_path / "merged.tar.gz")
    assert list(tmp_path.glob("*.tar.gz*")) == [] and not list(tmp_path.glob(".merged*"))


def test_import_under_another_name_and_duplicate_refused(merged_model, tmp_path) -> None:
    archive = export_model(merged_model, tmp_path / "merged.tar.gz").path
    with pytest.raises(PortableError, match="already exists; import it under another name"):
        import_model(archive)
    assert import_model(archive, name="copy/of-merged").model.name == "copy/of-merged"
    with pytest.raises(Exception, match="not a usable model name"):
        import_model(archive, name="../../x")


def test_export_refuses_bad_out_paths(merged_model, studio, tmp_path) -> None:
    with pytest.raises(PortableError, match="does not end in .tar.gz"):
        export_model(merged_model, tmp_path / "merged.zip")
    with pytest.raises(PortableError, match="inside the model folder"):
        export_model(merged_model, studio.paths.models / "test-tiny" / "x.tar.gz")
    (tmp_path / "exists.tar.gz").write_text("x")
    with pytest.raises(PortableError, match="already exists"):
        export_model(merged_model, tmp_path / "exists.tar.gz")
    assert export_model(merged_model, tmp_path / "exists.tar.gz", force=True).size_bytes > 1000


def _file(name: str) -> tarfile.TarInfo:
    return tarfile.TarInfo(name)


def _link(name: str, target: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


@pytest.mark.parametrize("case", ["absolute", "dotdot", "symlink", "hardlink", "outside-root", "fifo"])
def test_hostile_members_are_refused(studio, tmp_path: Path, case: str) -> None:
    victim = tmp_path / "victim.txt"
    entries = {
        "absolute": [(_file(str(victim)), b"pwned")],
        "dotdot": [(_file("clir-model/../../victim.txt"), b"pwned")],
        "symlink": [(_link("clir-model/model/link", str(victim), tarfile.SYMTYPE), None),
                    (_file("clir-model/model/link"), b"pwned")],
        "hardlink": [(_link("clir-model/model/link", str(victim), tarfile.LNKTYPE), None)],
        "outside-root": [(_file("victim.txt"), b"pwned")],
        "fifo": [(_link("clir-model/model/pipe", "", tarfile.FIFOTYPE), None)],
    }[case]
    archive = write_tar(tmp_path / "hostile.tar.gz", entries)
    with pytest.raises(UnsafeArchiveError, match="refused|not under"):
        import_model(archive)
    assert not victim.exists()
    assert [m.name for m in studio.store.list_models()] == [BUNDLED]
    assert not list(studio.paths.models.glob(".import-*"))


def test_oversized_members_and_totals_are_refused(merged_model, tmp_path) -> None:
    archive = export_model(merged_model, tmp_path / "merged.tar.gz").path
    with pytest.raises(UnsafeArchiveError, match="over the .* MB limit"):
        import_model(archive, name="x", max_member_bytes=100_000)
    with pytest.raises(UnsafeArchiveError, match="unpacks to more than"):
        import_model(archive, name="x", max_total_bytes=400_000)
    with pytest.raises(UnsafeArchiveError, match="more than 3 members"):
        import_model(archive, name="x", max_members=3)


def test_tampered_or_damaged_archives_are_refused(merged_model, tmp_path) -> None:
    archive = export_model(merged_model, tmp_path / "merged.tar.gz").path
    files = members(archive)

    def repack(name: str, changes: dict[str, bytes | None]) -> Path:
        merged = {**files, **changes}
        return write_tar(tmp_path / name, [(_file(k), v) for k, v in merged.items() if v is not None])

    tampered = repack("tampered.tar.gz", {"clir-model/model/config.json": b'{"evil": true}'})
    with pytest.raises(PortableError, match="checksum of model/config.json does not match"):
        import_model(tampered, name="x")
    extra = repack("extra.tar.gz", {"clir-model/model/extra.py": b"print('hi')"})
    with pytest.raises(PortableError, match="do not match its manifest"):
        import_model(extra, name="x")
    with pytest.raises(PortableError, match="no manifest.json"):
        import_model(repack("bare.tar.gz", {"clir-model/manifest.json": None}), name="x")
    (tmp_path / "noise.tar.gz").write_bytes(b"\x1f\x8b not really gzip" * 10)
    with pytest.raises(PortableError, match="not a readable .tar.gz"):
        import_model(tmp_path / "noise.tar.gz")
    (tmp_path / "cut.tar.gz").write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(PortableError, match="not a readable|does not match"):
        import_model(tmp_path / "cut.tar.gz", name="x")


def test_cli_export_import_and_demo_mode(merged_model, tmp_path, monkeypatch, capsys) -> None:
    out = tmp_path / "cli.tar.gz"
    assert main(["models", "export", MERGED, str(out)]) == 0
    assert "1 evaluations" in capsys.readouterr().out
    assert main(["models", "export", MERGED, str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    switch_home(tmp_path / "cli-home", monkeypatch)
    monkeypatch.setenv("STUDIO_DEMO_MODE", "1")
    assert main(["models", "import", str(out)]) == 2
    assert "read-only demo: importing models is turned off" in capsys.readouterr().err
    monkeypatch.setenv("STUDIO_DEMO_MODE", "0")
    assert main(["models", "import", str(out), "--name", "cli/merged"]) == 0
    assert "imported cli/merged (exported as test/merged)" in capsys.readouterr().out


def test_models_tab_export_and_import_handlers(merged_model, tmp_path, monkeypatch) -> None:
    import gradio as gr

    from studio.ui.models_tab import export_archive, import_archive

    path = Path(export_archive(MERGED))
    assert path.name == "test--merged.tar.gz" and path.is_file()
    status, table, _ = import_archive(str(path), "ui/copy")
    assert "ui/copy" in status and "1 evaluations" in status and "ui/copy" in set(table["name"])
    with pytest.raises(gr.Error, match="Pick a model"):
        export_archive("")
    monkeypatch.setenv("STUDIO_DEMO_MODE", "1")
    with pytest.raises(gr.Error, match="read-only demo"):
        import_archive(str(path), "ui/other")
