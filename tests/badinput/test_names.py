"""Hostile names for everything a user names — datasets, mixes, trained models, merged models, registered and
imported models — and hostile model archives. Each is refused with a clear sentence before anything is written;
nothing appears outside STUDIO_HOME (the autouse ``nothing_outside_home`` fixture checks every test)."""

from __future__ import annotations

import io
import re
import tarfile
from pathlib import Path

import pytest

from tests.faults.served import TRAIN_FIELDS, FAST_TRAIN, TINY_FOLDER, Sandbox, store_of
from tests.tiny_model import DEMO_FILE

HOSTILE = {
    "parent": "../../x",
    "nested-parent": "x/../../y",
    "absolute": "/tmp/abs-x",
    "home": "~/x",
    "hidden": ".hidden",
    "backslash": "a\\..\\b",
    "nul": "nul\x00byte",
    "newline": "new\nline",
    "too-long": "a" * 300,
    "too-long-path": "x/" * 70 + "y",
    "blank": "   ",
    "double-slash": "a//b",  # would share a folder with "a/b" (pathlib collapses it)
    "dot-part": "a/./b",
    "trailing-slash": "a/",
}
MESSAGE = re.compile(r"is not a usable \w+ name|keep it under 120|Give the \w+ a name")


def good_file(folder: Path) -> Path:
    path = folder / "good.jsonl"
    path.write_text("".join(DEMO_FILE.read_text(encoding="utf-8").splitlines(keepends=True)[:20]), encoding="utf-8")
    return path


def refused(sandbox: Sandbox, api: str, *args) -> str:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as caught:
        sandbox.app.client().predict(*args, api_name=api)
    return str(caught.value)


def assert_clear(message: str) -> None:
    assert MESSAGE.search(message), message
    assert "Traceback" not in message and len(message) < 500, message


def snapshot(sandbox: Sandbox) -> dict:
    store = store_of(sandbox.home)
    return {"datasets": sorted(d.name for d in store.list_datasets()), "mixes": sorted(m.name for m in store.list_mixes()),
            "models": sorted(m.name for m in store.list_models()), "jobs": len(store.list_jobs()),
            "model folders": sorted(p.relative_to(sandbox.home).as_posix() for p in (sandbox.home / "models").rglob("*")
                                    if p.is_dir() and "bundled" not in p.parts and TINY_FOLDER not in p.parts)}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_names_are_refused_everywhere(sandbox: Sandbox, tmp_path: Path, kind: str) -> None:
    from gradio_client import handle_file

    name = HOSTILE[kind]
    mix = existing_mix(sandbox)
    before = snapshot(sandbox)
    source = good_file(tmp_path)
    # dataset, mix, trained model, merged model: through the app's public endpoints
    assert_clear(refused(sandbox, "/import_dataset", [handle_file(str(source))], "", "auto", "auto", "", name,
                         "0.8,0.1,0.1", 0))
    assert_clear(refused(sandbox, "/compose_mix", name, "demo/ko-en-qa", "train", "all-four", 1, 1, 1, 1, 40, 0))
    values = {**FAST_TRAIN, "max_steps": 2}
    assert_clear(refused(sandbox, "/train", "test/tiny", mix, name,
                         *(values[f] for f in TRAIN_FIELDS)))
    assert_clear(refused(sandbox, "/merge_save", name, ["test/tiny", "test/tiny"], [0.5, 0.5], "linear", "", None,
                         None))
    assert snapshot(sandbox) == before


def test_hostile_names_are_refused_by_the_cli(sandbox: Sandbox) -> None:
    """Registering a folder and importing an archive under each hostile name (one interpreter for all)."""
    archive = str(tiny_archive(sandbox))
    before = snapshot(sandbox)
    commands = [command for name in HOSTILE.values()
                for command in (("models", "add", name, str(sandbox.home / "models" / TINY_FOLDER)),
                                ("models", "import", archive, "--name", name))]
    for done in sandbox.cli_many(*commands):
        assert done.returncode == 2, (done.args, done.stdout, done.stderr)
        assert done.stderr.startswith("error: ") and MESSAGE.search(done.stderr), (done.args, done.stderr)
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert snapshot(sandbox) == before


_MIX: dict[str, str] = {}


def existing_mix(sandbox: Sandbox) -> str:
    """A saved mix, so that /train gets as far as checking the model name."""
    if not _MIX:
        text = sandbox.app.client().predict("names-mix", "demo/ko-en-qa", "train", "all-four", 1, 1, 1, 1, 40, 0,
                                            api_name="/compose_mix")[0]
        assert "Saved mix" in text
        _MIX["name"] = "names-mix"
    return _MIX["name"]


def tiny_archive(sandbox: Sandbox) -> Path:
    """``clir-studio models export test/tiny`` into the sandbox's exports folder (once)."""
    out = sandbox.exports / "tiny.tar.gz"
    if not out.exists():
        done = sandbox.cli("models", "export", "test/tiny", str(out))
        assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("name", ["-rf", "=cmd|' /C calc'!A0", "@SUM(1+1)", "+1-2", "ko/한국어-모델.v2"])
def test_odd_but_valid_names_stay_inside_the_home(sandbox: Sandbox, tmp_path: Path, name: str) -> None:
    """Names that are legal (argv-like, formula-like, non-ASCII) are stored as given, inside the data home."""
    from gradio_client import handle_file

    text = sandbox.app.client().predict([handle_file(str(good_file(tmp_path)))], "", "auto", "auto", "", name,
                                        "0.8,0.1,0.1", 0, api_name="/import_dataset")[0]
    assert f"Imported {name}: 20 records" in text, text
    record = store_of(sandbox.home).get_dataset(name)
    folder = (sandbox.home / record.path).resolve()
    assert folder.is_relative_to((sandbox.home / "datasets").resolve()) and folder.exists()


# ---------------------------------------------------------------------------------------- hostile archives
def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), data


def _link(name: str, target: str, kind: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, b""


ARCHIVES = {
    "dot-dot": ([_file("clir-model/../../escaped.txt")], "points outside its folder"),
    "absolute": ([_file("/tmp/clir-absolute-escape.txt")], "absolute or malformed path"),
    "symlink": ([_file("clir-model/manifest.json", b"{}"), _link("clir-model/model/evil", "/etc/passwd",
                                                                  tarfile.SYMTYPE)], "link or special file"),
    "hardlink": ([_link("clir-model/model/evil", "/etc/passwd", tarfile.LNKTYPE)], "link or special file"),
    "outside-root": ([_file("elsewhere/file.txt")], "not under clir-model/"),
    "no-manifest": ([_file("clir-model/model/config.json", b"{}")], "manifest.json"),
}


def test_hostile_model_archives_are_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    """Path traversal, absolute paths, links, foreign layouts, garbage and truncated gzip: each refused clearly."""
    good = tiny_archive(sandbox).read_bytes()
    cases = {kind: (_tar(tmp_path / f"{kind}.tar.gz", members), fragment)
             for kind, (members, fragment) in ARCHIVES.items()}
    for kind, data, fragment in (("garbage", b"\x1f\x8b" + bytes(range(256)) * 4, "not a readable .tar.gz"),
                                 ("truncated", good[: len(good) // 2], "")):
        (tmp_path / f"{kind}.tar.gz").write_bytes(data)
        cases[kind] = (tmp_path / f"{kind}.tar.gz", fragment)
    before = snapshot(sandbox)
    results = sandbox.cli_many(*(("models", "import", str(path), "--name", f"hostile/{kind}")
                                 for kind, (path, _) in cases.items()))
    for (kind, (_, fragment)), done in zip(cases.items(), results):
        assert done.returncode == 2, (kind, done.stdout, done.stderr)
        assert done.stderr.startswith("error: ") and fragment in done.stderr, (kind, done.stderr)
        assert "Traceback" not in done.stderr
    assert snapshot(sandbox) == before
    assert not list((sandbox.home / "models").glob(".import-*"))  # the staging folders are gone
    assert not Path("/tmp/clir-absolute-escape.txt").exists()


def test_export_refuses_unsafe_destinations(sandbox: Sandbox) -> None:
    """The CLI writes an export where the user says, but not over a file, into the model, or without .tar.gz."""
    tiny = sandbox.home / "models" / TINY_FOLDER
    cases = ((str(sandbox.exports / "tiny.zip"), "does not end in .tar.gz"),
             (str(tiny / "inside.tar.gz"), "is inside the model folder"),
             (str(tiny_archive(sandbox)), "already exists"))
    results = sandbox.cli_many(*(("models", "export", "test/tiny", out) for out, _ in cases))
    for (out, fragment), done in zip(cases, results):
        assert done.returncode == 2 and fragment in done.stderr, (out, done.stderr)
    assert not (tiny / "inside.tar.gz").exists()
