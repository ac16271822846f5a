"""Real CLIR Studio servers for the fault, load, bad-input and browser end-to-end tests.

Each ``ServedApp`` is ``python -m studio ui`` in a child process, on a free port, with its own data home
(``STUDIO_HOME``). Homes are seeded before the app starts so that no test waits for the bundled model:

- the bundled multilingual-e5-small is converted once per machine into a cache next to pytest's temporary
  folders and *hard-linked* into each home (the app's warm-up then finds it complete);
- the tiny random test model (``tests/tiny_model.py``) is copied in and registered as ``test/tiny``.

Reads from tests go straight to the home's ``studio.db`` (``store_of(home)``), never through ``STUDIO_HOME`` of
the test process. Nothing here imports gradio or torch at import time.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional
from tests.net import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY_NAME = "test/tiny"
TINY_FOLDER = "test-tiny"
BUNDLED_FOLDER = Path("bundled") / "multilingual-e5-small"
START_TIMEOUT = 240.0
# Variables the test process may carry that must not leak into a served app unless a test asks for them.
SCRUBBED_PREFIXES = ("STUDIO_", "GRADIO_")
SCRUBBED = {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "SPACE_ID", "PYTEST_CURRENT_TEST"}


def wait_until(predicate: Callable[[], Any], timeout: float = 60.0, interval: float = 0.25,
               what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not met within {timeout:.0f} s")
        time.sleep(interval)


# --------------------------------------------------------------------------------------------- the home
def bundled_cache(base: Path) -> Path:
    """The converted bundled model, made once under ``base`` (safe across processes: a file lock inside)."""
    from studio.bundled import ensure_bundled_model

    return ensure_bundled_model(base / "clir-studio-bundled-cache" / "multilingual-e5-small")


def _hardlink_tree(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` with hard links (no data copied; falls back to a copy across devices)."""
    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link)


def store_of(home: Path) -> Any:
    """A ``storage.Store`` on ``home/studio.db`` (created and migrated if new)."""
    from storage import Store, open_database

    return Store(open_database(home / "studio.db"))


def seed_home(home: Path, tiny_model_dir: Optional[Path], bundled_dir: Optional[Path]) -> Path:
    """Create data home ``home`` with the built-ins registered, the bundled model in place and ``test/tiny``.

    Uses the library in this process with ``STUDIO_HOME`` pointed at ``home`` for the duration only.
    """
    from studio.context import forget_studios, get_studio

    home.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get("STUDIO_HOME")
    os.environ["STUDIO_HOME"] = str(home)
    forget_studios()
    try:
        studio = get_studio()  # creates the layout, migrates, registers the demo dataset and the bundled model
        target = studio.paths.models / BUNDLED_FOLDER
        if bundled_dir is not None and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            _hardlink_tree(bundled_dir, target)
        if tiny_model_dir is not None and studio.store.find_model(TINY_NAME) is None:
            folder = studio.paths.models / TINY_FOLDER
            shutil.copytree(tiny_model_dir, folder)
            studio.store.add_model(TINY_NAME, "imported", str(folder), description="tiny random test model")
    finally:
        forget_studios()
        if previous is None:
            os.environ.pop("STUDIO_HOME", None)
        else:
            os.environ["STUDIO_HOME"] = previous
    return home


def integrity(home: Path) -> str:
    """``PRAGMA integrity_check`` of the home's database (``"ok"`` when sound)."""
    with sqlite3.connect(home / "studio.db", timeout=30) as connection:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(str(row[0]) for row in rows)


def tree(root: Path, exclude: tuple[Path, ...] = ()) -> set[str]:
    """Every file and folder under ``root`` (relative POSIX paths), skipping ``exclude`` and what is below."""
    excluded = {p.resolve() for p in exclude}
    found: set[str] = set()
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = [d for d in dirs if (here / d).resolve() not in excluded]
        for name in [*dirs, *files]:
            found.add((here / name).relative_to(root).as_posix())
    return found


# ------------------------------------------------------------------------------------------ the server
@dataclass
class ServedApp:
    """One ``python -m studio ui`` child process."""

    home: Path
    port: int
    log: Path
    env: dict[str, str]
    cwd: Path
    process: Optional[subprocess.Popen] = None
    clients: list[Any] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> ServedApp:
        with self.log.open("a") as handle:
            handle.write(f"\n===== starting the app on port {self.port} =====\n")
            handle.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "studio", "ui", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=self.cwd, env=self.env, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        return self

    def wait_serving(self, timeout: float = START_TIMEOUT) -> ServedApp:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"the app exited early:\n{self.log_text()[-3000:]}")
            try:
                urllib.request.urlopen(self.url, timeout=5).close()
                return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the app did not answer within {timeout:.0f} s:\n{self.log_text()[-3000:]}")

    def serving(self) -> bool:
        try:
            urllib.request.urlopen(self.url, timeout=10).close()
            return True
        except OSError:
            return False

    def client(self, fresh: bool = False) -> Any:
        """A ``gradio_client.Client`` on this app: the shared one, or a new one with ``fresh``."""
        from gradio_client import Client

        if self.clients and not fresh and self.clients[0].src.rstrip("/") == self.url.rstrip("/"):
            return self.clients[0]
        client = Client(self.url, verbose=False)
        self.clients.append(client)
        return client

    def close_clients(self) -> None:
        """Stop the clients' heartbeat threads (all at once: each may take a second to notice)."""
        from concurrent.futures import ThreadPoolExecutor

        for client in self.clients:
            kill = getattr(client, "_kill_heartbeat", None)
            if kill is not None:
                kill.set()
        with ThreadPoolExecutor(max_workers=max(1, len(self.clients))) as pool:
            list(pool.map(lambda c: c.close(), self.clients))
        self.clients.clear()

    def kill9(self) -> None:
        """``kill -9`` the app process (its job workers live in their own sessions and survive)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        try:
            self.close_clients()
        except Exception:  # noqa: BLE001 - best effort
            self.clients.clear()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)

    def restart(self) -> ServedApp:
        """A new process on the same home and port."""
        self.stop()
        return self.start().wait_serving()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def app_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a served app: the test's, minus studio/gradio settings and tokens, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_PREFIXES) and k not in SCRUBBED}
    env.update(STUDIO_HOME=str(home), HF_HUB_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1",
               GRADIO_ANALYTICS_ENABLED="False", TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1",
               PYTHONPATH=str(REPO_ROOT))
    env.update(extra)
    return env


def make_app(home: Path, log: Path, *, cwd: Optional[Path] = None, port: Optional[int] = None,
             **extra_env: str) -> ServedApp:
    """A (not yet started) app on ``home``; ``extra_env`` adds or overrides variables."""
    return ServedApp(home=home, port=port or free_port(), log=log, env=app_env(home, **extra_env),
                     cwd=cwd or REPO_ROOT)


def kill_job_group(pid: Optional[int]) -> None:
    """SIGKILL a job worker's process group (cleanup; never our own group)."""
    if not pid:
        return
    try:
        group = os.getpgid(pid)
        if group != os.getpgrp():
            os.killpg(group, signal.SIGKILL)
    except OSError:
        pass


def kill_running_workers(home: Path) -> None:
    """Cleanup: kill the workers of jobs still marked running in ``home``."""
    if not (home / "studio.db").exists():
        return
    try:
        for job in store_of(home).list_jobs(["running"]):
            kill_job_group(job.pid)
    except Exception:  # noqa: BLE001 - cleanup must not mask the test's outcome
        pass


# ------------------------------------------------------------------------------------------- shortcuts
TRAIN_FIELDS = ("loss", "learning_rate", "epochs", "max_steps", "batch_size", "mini_batch_size", "warmup_ratio",
                "max_seq_length", "seed", "freeze_embeddings", "save_steps", "save_total_limit", "eval_steps",
                "dev_limit", "precision")
FAST_TRAIN = {"loss": "mnrl", "learning_rate": 1e-3, "epochs": 1, "max_steps": 8, "batch_size": 8,
              "mini_batch_size": 8, "warmup_ratio": 0.0, "max_seq_length": 48, "seed": 0,
              "freeze_embeddings": False, "save_steps": 4, "save_total_limit": 2, "eval_steps": 0, "dev_limit": 0,
              "precision": "fp32"}


def train_via_api(client: Any, base: str, mix: str, name: str, **overrides: Any) -> str:
    """Call the public ``train`` endpoint (the Train tab's button); returns its status line."""
    values = {**FAST_TRAIN, **overrides}
    return client.predict(base, mix, name, *(values[f] for f in TRAIN_FIELDS), api_name="/train")


def job_id_from_status(status: str) -> int:
    """The job number in the Train tab's status line ("Job **7** running now: ...")."""
    import re

    match = re.search(r"Job \*\*(\d+)\*\*", status)
    assert match, f"no job id in {status!r}"
    return int(match.group(1))


# ------------------------------------------------------------------------------------------ the sandbox
# Variables that would send caches or temporary files to fixed places outside the sandbox's root.
SANDBOX_SCRUBBED = ("HF_HOME", "HF_HUB_CACHE", "HF_DATASETS_CACHE", "TRANSFORMERS_CACHE", "SENTENCE_TRANSFORMERS_HOME",
                    "TORCH_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
                    "MPLCONFIGDIR", "TMP", "TEMP", "TMPDIR", "NLTK_DATA")
FULL_DISK_BYTES = 256 * 1024  # the tiny model's weights alone are larger
UPLOAD_LIMIT_MB = 1


@dataclass
class Sandbox:
    """One served app whose every writable place lies under ``root``.

    ``root/home`` is STUDIO_HOME; ``root/tmp`` is TMPDIR, ``root/user`` is HOME (caches), ``root/cwd`` the
    working directory, ``root/exports`` where tests ask the CLI to write exports. Anything the app writes outside
    STUDIO_HOME therefore shows up in ``outside_home()``. The app and CLI runs carry a fake ``HF_TOKEN``
    (``marker``), an upload limit of 1 MB, and a full disk for trained models: a real 256 KB tmpfs mounted on
    ``home/models/trained`` when this machine allows mounts (root), else the ``enospc_on_save`` fault hook
    (``full_disk`` says which). So every training in the sandbox fails for lack of space, by design.
    """

    root: Path
    app: ServedApp
    marker: str
    full_disk: str
    mounted: Optional[Path] = None

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    def outside_home(self) -> set[str]:
        """Files and folders under the root, except STUDIO_HOME and the exports folder the tests chose."""
        return tree(self.root, exclude=(self.home, self.exports))

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """``clir-studio ARGS`` with the app's environment (same home, token, limits), from ``root/cwd``."""
        return subprocess.run([sys.executable, "-m", "studio", *args], cwd=self.root / "cwd", env=self.app.env,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def cli_many(self, *commands: tuple[str, ...], timeout: float = 600) -> list[subprocess.CompletedProcess]:
        """Several ``clir-studio`` commands in one interpreter (each through ``studio.cli.main``, stdout and stderr
        captured apart), with the same environment and working directory as ``cli``: one start-up for many."""
        import json as _json

        script = (
            "import contextlib, io, json, sys\n"
            "from studio.cli import main\n"
            "results = []\n"
            "for argv in json.loads(sys.stdin.read()):\n"
            "    out, err = io.StringIO(), io.StringIO()\n"
            "    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):\n"
            "        try:\n"
            "            code = main(argv)\n"
            "        except SystemExit as exc:\n"
            "            code = exc.code if isinstance(exc.code, int) else 2\n"
            "    results.append([code, out.getvalue(), err.getvalue()])\n"
            "print('\\n@@RESULTS@@' + json.dumps(results))\n"
        )
        done = subprocess.run([sys.executable, "-c", script], cwd=self.root / "cwd", env=self.app.env,
                              input=_json.dumps([list(c) for c in commands]), capture_output=True, text=True,
                              timeout=timeout)
        assert "@@RESULTS@@" in done.stdout, done.stdout[-2000:] + done.stderr[-3000:]
        results = _json.loads(done.stdout.rsplit("@@RESULTS@@", 1)[1])
        return [subprocess.CompletedProcess(list(argv), code, out, err) for argv, (code, out, err) in
                zip(commands, results)]

    def close(self) -> None:
        self.app.stop()
        kill_running_workers(self.home)
        if self.mounted is not None:
            subprocess.run(["umount", "-l", str(self.mounted)], capture_output=True)
            self.mounted = None


def _try_mount_tmpfs(target: Path, size: int) -> bool:
    """Mount a ``size``-byte tmpfs on ``target``; False where mounting is not allowed (not root, CI)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
                          capture_output=True, text=True)
    return done.returncode == 0


_sandboxes: dict[str, Sandbox] = {}


def get_sandbox(base: Path, tiny_model_dir: Path) -> Sandbox:
    """The session's sandbox app (built on first use; later calls return the same one)."""
    if "sandbox" in _sandboxes:
        return _sandboxes["sandbox"]
    import secrets
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="sandbox-", dir=base))
    for name in ("tmp", "user", "cwd", "exports"):
        (root / name).mkdir()
    home = seed_home(root / "home", tiny_model_dir, bundled_cache(base.parent))
    marker = "hf_marker" + secrets.token_hex(12)
    trained = home / "models" / "trained"
    # CLIR_TEST_FULL_DISK=hook forces the fault hook (to test the path CI runners without mount rights take).
    mounted = os.environ.get("CLIR_TEST_FULL_DISK") != "hook" and _try_mount_tmpfs(trained, FULL_DISK_BYTES)
    extra = {"TMPDIR": str(root / "tmp"), "HOME": str(root / "user"), "HF_TOKEN": marker,
             "STUDIO_MAX_UPLOAD_MB": str(UPLOAD_LIMIT_MB), "STUDIO_MAX_JOBS_PER_USER": "20"}
    if not mounted:
        extra["STUDIO_FAULTS"] = "enospc_on_save"
    app = make_app(home, root / "app.log", cwd=root / "cwd", **extra)
    for name in SANDBOX_SCRUBBED:
        if name not in extra:
            app.env.pop(name, None)
    sandbox = Sandbox(root=root, app=app, marker=marker, full_disk="tmpfs" if mounted else "fault-hook",
                      mounted=trained if mounted else None)
    _sandboxes["sandbox"] = sandbox
    try:
        app.start().wait_serving()
    except BaseException:
        sandbox.close()
        raise
    return sandbox


def close_sandboxes() -> None:
    for sandbox in _sandboxes.values():
        sandbox.close()
    _sandboxes.clear()
