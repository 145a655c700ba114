"""Client adapters: load a manifest, run its program, speak the NDJSON protocol
(docs/conformance.md, Adapter protocol) in both modes.

    manifest = load_manifest("reference")
    ad = AdapterProcess(manifest)
    info = ad.start()                      # ClientInfo from the `start` answer (oneshot: asked, else the manifest's)
    ans = ad.run({"endpoint": ..., "region": ..., "credentials": {...}, "action": ..., "params": {...},
                  "options": {...}}, budget_s=8.0)   # -> AdapterAnswer (result / skipped / errored / broken)
    ad.stop()

ndjson: one long-lived process; `start` once, then one `run` per scenario, each answered by
one line within the scenario's budget. A crash, EOF, a hang past the budget or a line that
is not protocol JSON answers AdapterAnswer(broken=...) and the process is killed; the next
run starts a new one. oneshot: one process per run, fed the single message, read for one
answer. Replies are validated against schemas/adapter-reply.schema.json, messages sent
against adapter-request.schema.json. stderr is collected per run (AdapterAnswer.stderr).
"""
from __future__ import annotations

import dataclasses
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from . import schema
from .model import AdapterAnswer, ClientInfo, Manifest

CLIENTS_DIR = Path(__file__).resolve().parents[1] / "clients"
PROTOCOL = 1
START_TIMEOUT_S = 20.0
STDERR_KEEP = 64 * 1024          # bytes of stderr kept per answer
_EOF = object()


class AdapterError(RuntimeError):
    """A manifest is wrong, or an adapter did not answer `start`."""


# ---------------------------------------------------------------- manifests


def load_manifest(name: str, clients_dir: Path | str = CLIENTS_DIR) -> Manifest:
    """clients/<name>/manifest.json (``name`` may also be a path to a client folder),
    validated, with its known-failures file read (absent file: no known failures)."""
    folder = Path(name)
    if not (folder.is_dir() and (folder / "manifest.json").exists()):
        folder = Path(clients_dir) / name
    path = folder / "manifest.json"
    if not path.exists():
        known = sorted(p.parent.name for p in Path(clients_dir).glob("*/manifest.json"))
        raise AdapterError(f"no client {name!r}: {path} is missing (clients: {', '.join(known) or 'none'})")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise AdapterError(f"{path}: not JSON: {e}") from None
    try:
        schema.validate("manifest", doc, str(path))
    except schema.SchemaError as e:
        raise AdapterError(str(e)) from None
    known_failures: dict[str, dict[str, Any]] = {}
    kf_name = doc.get("known_failures")
    if kf_name:
        known_failures = read_known_failures(folder / kf_name)
    return Manifest(
        name=doc["name"],
        command=list(doc["command"]),
        mode=doc.get("mode", "ndjson"),
        capabilities=list(doc.get("capabilities", [])),
        known_failures=known_failures,
        folder=str(folder.resolve()),
        description=doc.get("description", ""),
        requires_env=(doc.get("requires") or {}).get("env"),
        known_failures_file=str((folder / kf_name).resolve()) if kf_name else "",
    )


def read_known_failures(path: Path) -> dict[str, dict[str, Any]]:
    """A known-failures file, validated; {} when it does not exist."""
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise AdapterError(f"{path}: not JSON: {e}") from None
    try:
        schema.validate("known-failures", doc, str(path))
    except schema.SchemaError as e:
        raise AdapterError(str(e)) from None
    return doc


def known_failures_path(manifest: Manifest, version: str | None) -> Path:
    """The known failures of the client at ``version``: known_failures-<version>.json when the
    folder has one (one client folder, several releases graded: the Go SDK's typed and
    generic generations differ), else known_failures.json."""
    folder = Path(manifest.folder)
    if version:
        specific = folder / f"known_failures-{version}.json"
        if specific.exists():
            return specific
    return folder / "known_failures.json"


def for_version(manifest: Manifest, version: str | None) -> Manifest:
    """``manifest`` with the known failures of that client version (known_failures_path)."""
    path = known_failures_path(manifest, version)
    if path.name == "known_failures.json":
        return manifest
    return dataclasses.replace(manifest, known_failures=read_known_failures(path), known_failures_file=str(path))


def list_clients(clients_dir: Path | str = CLIENTS_DIR) -> list[str]:
    return sorted(p.parent.name for p in Path(clients_dir).glob("*/manifest.json"))


def adapter_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment an adapter runs with: ours without proxies (the mock is on loopback)."""
    env = dict(os.environ if base is None else base)
    for name in list(env):
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            del env[name]
    return env


def resolve_command(manifest: Manifest) -> list[str]:
    """The manifest's argv, a first word `python3` (or `python`) meaning sys.executable."""
    cmd = list(manifest.command)
    if cmd and cmd[0] in ("python3", "python"):
        cmd[0] = sys.executable
    return cmd


def manifest_info(manifest: Manifest) -> ClientInfo:
    """What the manifest says, for when the adapter cannot be asked."""
    return ClientInfo(name=manifest.name, capabilities=list(manifest.capabilities))


# ---------------------------------------------------------------- one process


class _Proc:
    """A running adapter program: stdout lines in a queue, stderr collected."""

    def __init__(self, cmd: list[str], cwd: str, env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.lines: queue.Queue[Any] = queue.Queue()
        self.err_chunks: list[str] = []
        self.err_lock = threading.Lock()
        self.t_out = threading.Thread(target=self._read_out, daemon=True)
        self.t_err = threading.Thread(target=self._read_err, daemon=True)
        self.t_out.start()
        self.t_err.start()

    def _read_out(self) -> None:
        assert self.popen.stdout
        try:
            for raw in self.popen.stdout:
                self.lines.put(raw)
        except (OSError, ValueError):
            pass
        self.lines.put(_EOF)

    def _read_err(self) -> None:
        assert self.popen.stderr
        try:
            for raw in self.popen.stderr:
                with self.err_lock:
                    self.err_chunks.append(raw.decode("utf-8", "replace"))
        except (OSError, ValueError):
            pass

    def stderr_mark(self) -> int:
        with self.err_lock:
            return len(self.err_chunks)

    def stderr_since(self, mark: int) -> str:
        with self.err_lock:
            text = "".join(self.err_chunks[mark:])
        if len(text) > STDERR_KEEP:
            text = "…" + text[-STDERR_KEEP:]
        return text

    def note(self, text: str) -> None:
        with self.err_lock:
            self.err_chunks.append(f"[suite] {text}\n")

    def send(self, msg: dict[str, Any], close: bool = False) -> None:
        assert self.popen.stdin
        data = (json.dumps(msg, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        self.popen.stdin.write(data)
        self.popen.stdin.flush()
        if close:
            self.popen.stdin.close()

    def get(self, timeout: float) -> Any:
        """The next stdout line (bytes), _EOF, or None on timeout."""
        try:
            return self.lines.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None

    def alive(self) -> bool:
        return self.popen.poll() is None

    def exit_status(self, wait: float = 1.0) -> int | None:
        try:
            return self.popen.wait(wait)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """Ends the adapter and whatever it started (its own session)."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.popen.kill()
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            try:
                if f:
                    f.close()
            except OSError:
                pass
        self.t_err.join(1)

    def stop(self, grace: float = 2.0) -> None:
        """`stop`, EOF, then a kill after ``grace`` seconds."""
        if self.popen.poll() is None:
            try:
                self.send({"cmd": "stop"}, close=True)
            except (OSError, ValueError):
                pass
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        self.kill()


def _describe_exit(proc: _Proc) -> str:
    status = proc.exit_status(1.0)
    if status is None:
        return "closed its stdout"
    if status < 0:
        try:
            return f"was killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"was killed by signal {-status}"
    return f"exited with status {status}"


def _short(raw: bytes, n: int = 200) -> str:
    text = raw.decode("utf-8", "replace").rstrip("\n")
    return text if len(text) <= n else text[:n] + "…"


# ---------------------------------------------------------------- the adapter


class AdapterProcess:
    """The adapter of one client, for one worker (not thread-safe: one run at a time)."""

    def __init__(self, manifest: Manifest, env: dict[str, str] | None = None,
                 start_timeout: float = START_TIMEOUT_S) -> None:
        self.manifest = manifest
        self.env = adapter_env(env)
        self.start_timeout = start_timeout
        self.info: ClientInfo | None = None
        self.start_error: str | None = None
        self.starts = 0                 # processes started in ndjson mode (restarts = starts - 1)
        self.seq = 0
        self._proc: _Proc | None = None
        self._start_stderr = ""

    @property
    def oneshot(self) -> bool:
        return self.manifest.mode == "oneshot"

    def _spawn(self) -> _Proc:
        cmd = resolve_command(self.manifest)
        try:
            return _Proc(cmd, self.manifest.folder, self.env)
        except OSError as e:
            raise AdapterError(f"cannot run {' '.join(cmd)} in {self.manifest.folder}: {e}") from None

    # ------------------------------------------------------------ start

    def start(self) -> ClientInfo:
        """ndjson: start the program and do the `start` handshake (AdapterError if it fails).
        oneshot: run the program once with the `start` message; if it does not answer with
        a client, the manifest's name and capabilities stand in (start_error says why)."""
        if self.oneshot:
            try:
                self.info = self._oneshot_start()
                self.start_error = None
            except AdapterError as e:
                self.start_error = str(e)
                self.info = manifest_info(self.manifest)
            return self.info
        if self._proc is not None and self._proc.alive():
            assert self.info is not None
            return self.info
        self._kill()
        proc = self._spawn()
        self.starts += 1
        try:
            info = self._handshake(proc)
        except AdapterError as e:
            self._start_stderr = proc.stderr_since(0)
            proc.kill()
            self._start_stderr = proc.stderr_since(0) or self._start_stderr
            self.start_error = str(e)
            raise
        self._proc = proc
        self.info = info
        self.start_error = None
        return info

    def _handshake(self, proc: _Proc) -> ClientInfo:
        msg = {"cmd": "start", "protocol": PROTOCOL}
        schema.validate("adapter-request", msg, "start message")
        try:
            proc.send(msg, close=self.oneshot)
        except (OSError, ValueError):
            raise AdapterError(f"adapter {_describe_exit(proc)} before `start`") from None
        deadline = time.monotonic() + self.start_timeout
        while True:
            raw = proc.get(deadline - time.monotonic())
            if raw is None:
                raise AdapterError(f"no answer to `start` within {self.start_timeout:g} s")
            if raw is _EOF:
                raise AdapterError(f"adapter {_describe_exit(proc)} without answering `start`")
            if not raw.strip():
                continue
            try:
                doc = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise AdapterError(f"answer to `start` is not JSON: {_short(raw)!r}") from None
            found = schema.problems("adapter-reply", doc)
            if found or not isinstance(doc, dict) or "client" not in doc:
                raise AdapterError("answer to `start` breaks the protocol: "
                                   + ("; ".join(found) or f"no client in {_short(raw)!r}"))
            c = doc["client"]
            # Other fields of the start answer (how each action is called, which SDK build)
            # go into the report's header as they are.
            extra = {k: v for k, v in c.items() if k not in ("name", "version", "language", "capabilities")}
            return ClientInfo(name=c["name"], version=c.get("version") or "", language=c.get("language") or "",
                              capabilities=list(c.get("capabilities", [])), extra=extra)

    def _oneshot_start(self) -> ClientInfo:
        proc = self._spawn()
        try:
            return self._handshake(proc)
        finally:
            proc.kill()

    # ------------------------------------------------------------ run

    def run(self, message: dict[str, Any], budget_s: float) -> AdapterAnswer:
        """Send one `run` (cmd and seq are added) and wait up to ``budget_s`` for its answer."""
        self.seq += 1
        msg = {"cmd": "run", "seq": self.seq, **{k: v for k, v in message.items() if k not in ("cmd", "seq")}}
        schema.validate("adapter-request", msg, "run message")   # a harness bug if it fails
        if self.oneshot:
            return self._run_oneshot(msg, budget_s)
        if self._proc is None or not self._proc.alive():
            self._kill()
            try:
                self.start()
            except AdapterError as e:
                return AdapterAnswer(broken=f"adapter did not start: {e}", stderr=self._start_stderr)
        proc = self._proc
        assert proc is not None
        answer = self._exchange(proc, msg, budget_s, close=False)
        if answer.broken is not None:
            self._kill()
        return answer

    def _run_oneshot(self, msg: dict[str, Any], budget_s: float) -> AdapterAnswer:
        try:
            proc = self._spawn()
        except AdapterError as e:
            return AdapterAnswer(broken=str(e))
        try:
            answer = self._exchange(proc, msg, budget_s, close=True)
            if answer.broken is None and proc.exit_status(2.0) is None:
                proc.note("one-shot adapter still running 2 s after its answer: killed")
        finally:
            proc.kill()
        answer.stderr = proc.stderr_since(0)
        return answer

    def _exchange(self, proc: _Proc, msg: dict[str, Any], budget_s: float, close: bool) -> AdapterAnswer:
        seq = msg["seq"]
        mark = 0 if close else proc.stderr_mark()
        t0 = time.monotonic()

        def done(**kw: Any) -> AdapterAnswer:
            elapsed = int((time.monotonic() - t0) * 1000)
            if kw.get("broken") is not None:
                proc.t_err.join(0.5 if proc.alive() else 1.0)
            return AdapterAnswer(elapsed_ms=elapsed, stderr=proc.stderr_since(mark), **kw)

        try:
            proc.send(msg, close=close)
        except (OSError, ValueError):
            return done(broken=f"adapter {_describe_exit(proc)} before the run message could be sent")
        deadline = t0 + budget_s
        while True:
            raw = proc.get(deadline - time.monotonic())
            if raw is None:
                return done(broken=f"no answer within {budget_s * 1000:.0f} ms (the scenario's budget): hung")
            if raw is _EOF:
                return done(broken=f"adapter {_describe_exit(proc)} without answering (crashed)")
            if not raw.strip():
                continue
            try:
                doc = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return done(broken=f"answer is not JSON: {_short(raw)!r}")
            if not isinstance(doc, dict):
                return done(broken=f"answer is not a JSON object: {_short(raw)!r}")
            got_seq = doc.get("seq")
            if isinstance(got_seq, int) and not isinstance(got_seq, bool) and got_seq < seq:
                proc.note(f"ignored a late answer to seq {got_seq}: {_short(raw, 100)}")
                continue
            found = schema.problems("adapter-reply", doc)
            if found:
                return done(broken="answer breaks the protocol: " + "; ".join(found))
            if "client" in doc:
                return done(broken="answered a `run` with a client (a `start` answer)")
            if got_seq != seq and not ("errored" in doc and got_seq is None):
                return done(broken=f"answer carries seq {got_seq!r}, not {seq}")
            if "result" in doc:
                return done(result=doc["result"])
            if "skipped" in doc:
                return done(skipped=doc["skipped"])
            return done(errored=doc["errored"])

    # ------------------------------------------------------------ stop

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc = None

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.stop()
            self._proc = None

    def __enter__(self) -> "AdapterProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = [
    "CLIENTS_DIR", "AdapterError", "AdapterProcess", "adapter_env", "for_version", "known_failures_path",
    "list_clients", "load_manifest", "read_known_failures",
    "manifest_info", "resolve_command",
]
