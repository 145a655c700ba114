#!/usr/bin/env python3
"""stress.py: the hostile-load attacks of docs/hardening.md against tmtmock, each bounded in time.

    scripts/stress.py            # every attack, full size (under a minute)
    scripts/stress.py --short    # every attack, small (about 20 s; what `make test` runs)
    scripts/stress.py --only slow-readers,smuggling
    scripts/stress.py --no-rss-check   # a sanitizer build: its quarantine grows RSS by design

Each attack starts its own mock (--binary, default $TMTMOCK_BIN or mock_server/build/tmtmock)
on a free loopback port, with the options the attack is about, while "other clients" (two
keep-alive connections sending signed TextTranslate requests) measure what the attack does
to everyone else. The mock's resident memory and descriptors are sampled every 50 ms. One
line per attack:

    stress: ATTACK  held|NOT HELD  peak_rss=MiB fds=max others_p99=ms others_failed=N  what was seen

"held" means the mock did what docs/hardening.md says for that attack (and the other
clients were answered). Exit status 0 when every attack held, 1 otherwise. Traffic goes to
loopback only. Standard library only (and the harness's reference signer).
"""
from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "conformance"))

from harness.signer import Tc3Signer  # noqa: E402
from harness.wire import DEFAULT, read_until_close  # noqa: E402

READY = re.compile(r"^listening on http://(\S+):(\d+)")
BASE = ["--fixtures", str(ROOT / "fixtures"), "--no-rate-limit", "--seed", "1"]
RSS_CHECK = True    # --no-rss-check: memory is reported, not judged


# ---------------------------------------------------------------- the mock and its samples

@dataclass
class Mock:
    proc: subprocess.Popen[bytes]
    port: int
    stderr: bytearray = field(default_factory=bytearray)
    peak_rss_kib: int = 0
    peak_fds: int = 0
    base_rss_kib: int = 0
    _stop: bool = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_kib(self) -> int:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def fds(self) -> int:
        try:
            return len(os.listdir(f"/proc/{self.pid}/fd"))
        except OSError:
            return 0

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def sample(self) -> None:
        while not self._stop and self.proc.poll() is None:
            self.peak_rss_kib = max(self.peak_rss_kib, self.rss_kib())
            self.peak_fds = max(self.peak_fds, self.fds())
            time.sleep(0.05)

    def metric(self, name: str) -> float:
        status, text = admin(self, "GET", "/_mock/metrics")
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return float("nan")

    def stop(self, timeout: float = 15) -> int | None:
        self._stop = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


def start(binary: str, *args: str, read_stderr: bool = True,
          preexec: Callable[[], None] | None = None) -> Mock:
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", *BASE, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=preexec)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    got = READY.match(line)
    if not got:
        proc.kill()
        raise RuntimeError(f"tmtmock did not start: {line!r} {proc.stderr.read()!r}")  # type: ignore[union-attr]
    m = Mock(proc, int(got.group(2)))
    if read_stderr:
        def drain() -> None:
            while True:
                chunk = proc.stderr.read1(65536)  # type: ignore[union-attr]
                if not chunk:
                    return
                m.stderr += chunk
        threading.Thread(target=drain, daemon=True).start()
    m.base_rss_kib = m.rss_kib()
    threading.Thread(target=m.sample, daemon=True).start()
    return m


def admin(m: Mock, method: str, path: str, body: Any = None) -> tuple[int, str]:
    c = http.client.HTTPConnection("127.0.0.1", m.port, timeout=10)
    try:
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def signed(m: Mock, action: str, params: dict[str, Any], timestamp: int | None = None) -> tuple[str, str, dict[str, str], bytes]:
    s = Tc3Signer(DEFAULT, host=f"127.0.0.1:{m.port}", action=action, timestamp=timestamp).post(params).request
    return s.method, s.target, dict(s.headers), s.body


def api(m: Mock, action: str, params: dict[str, Any], timestamp: int | None = None, timeout: float = 30) -> dict[str, Any]:
    """One signed request on a new connection; a connection refused over --max-connections
    (the last one not yet closed on the mock's side) is tried again."""
    for attempt in range(5):
        method, target, headers, body = signed(m, action, params, timestamp)
        c = http.client.HTTPConnection("127.0.0.1", m.port, timeout=timeout)
        try:
            c.request(method, target, body=body, headers=headers)
            return json.loads(c.getresponse().read())["Response"]
        except (ConnectionError, http.client.RemoteDisconnected):
            if attempt == 4:
                raise
            time.sleep(0.2)
        finally:
            c.close()
    raise AssertionError("unreachable")


def mock_now(m: Mock) -> int:
    return int(json.loads(admin(m, "GET", "/_mock/clock")[1])["now"])


def wire(method: str, target: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    if body and not any(k.lower() == "content-length" for k in headers):
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body




# ---------------------------------------------------------------- the other clients

class Others:
    """Two keep-alive connections of signed TextTranslate requests, as long as the attack lasts."""

    def __init__(self, m: Mock, n: int = 2) -> None:
        self.m = m
        self.lat: list[float] = []
        self.failed = 0
        self.stop = False
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(n)]
        for t in self.threads:
            t.start()

    def run(self) -> None:
        conn: http.client.HTTPConnection | None = None
        params = {"SourceText": "hello", "Source": "en", "Target": "zh", "ProjectId": 0}
        while not self.stop:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.m.port, timeout=10)
                method, target, headers, body = signed(self.m, "TextTranslate", params,
                                                       int(time.time()) + self.skew())
                t0 = time.monotonic()
                conn.request(method, target, body=body, headers=headers)
                doc = json.loads(conn.getresponse().read())
                self.lat.append(time.monotonic() - t0)
                if "Error" in doc["Response"]:
                    self.failed += 1
            except (OSError, http.client.HTTPException, ValueError):
                if self.stop:
                    return
                self.failed += 1
                conn = None
                time.sleep(0.05)
            time.sleep(0.01)

    skew_s = 0

    def skew(self) -> int:
        return self.skew_s

    def finish(self) -> tuple[float, int]:
        self.stop = True
        for t in self.threads:
            t.join(15)
        lat = sorted(self.lat)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan")
        return p99, self.failed


# ---------------------------------------------------------------- the attacks

@dataclass
class Result:
    held: bool
    seen: str


class BlackHole:
    """A loopback listener that takes connections and never answers (a slow callback target)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()


def big_params(items: int) -> bytes:
    return json.dumps({"SourceText": "x", "Source": "en", "Target": "zh", "ProjectId": 0,
                       "Pad": ["%08d-padding-padding-padding-padding" % i for i in range(items)],
                       "Obj": {"k%07d" % i: i for i in range(items // 4)}}).encode()


def attack_journal_bloat(binary: str, short: bool) -> tuple[Mock, Result, Others]:
    m = start(binary)
    others = Others(m)
    body = big_params(100_000)
    n = 20 if short else 50
    hdrs = {"Host": "x", "Content-Type": "application/json", "X-TC-Action": "TextTranslate"}
    hdrs.update({f"X-TC-Pad{i}": "h" * 2000 for i in range(100)})
    for _ in range(n):
        with socket.create_connection(("127.0.0.1", m.port), timeout=30) as s:
            s.sendall(wire("POST", "/", hdrs, body))
            s.shutdown(socket.SHUT_WR)
            read_until_close(s, 30)
    grown = (m.rss_kib() - m.base_rss_kib) / 1024
    jb = m.metric("tmtmock_journal_bytes") / 2**20
    # Kept whole, each entry held the whole body (20 of them: ~90 MiB); the parse of one
    # body costs some 30 MiB that the allocator keeps.
    held = (grown < 48 or not RSS_CHECK) and jb <= 64
    return m, Result(held, f"{n} unsigned {len(body) / 2**20:.1f} MiB requests: RSS +{grown:.0f} MiB, "
                           f"journal holds {jb:.1f} MiB"), others


def attack_task_bloat(binary: str, short: bool) -> tuple[Mock, Result, Others]:
    m = start(binary, "--file-max-bytes", str(32 * 2**20))
    others = Others(m)
    doc = base64.b64encode(b"\x00" * 4_500_000).decode()
    n, refused = (12 if short else 40), 0
    for _ in range(n):
        r = api(m, "FileTranslate", {"Source": "en", "Target": "zh", "DocumentType": "pdf",
                                     "SourceType": 1, "Data": doc})
        if r.get("Error", {}).get("Code") == "FailedOperation.TooManyWaitProcess":
            refused += 1
    grown = (m.rss_kib() - m.base_rss_kib) / 1024
    # 32 MiB of documents kept, and the parse and decode of a 6 MB request the
    # allocator keeps: some 70 MiB. Kept whole, 40 tasks were 180 MiB.
    held = refused > 0 and (grown < 96 or not RSS_CHECK)
    return m, Result(held, f"{n} FileTranslate of 4.3 MiB with --file-max-bytes 32 MiB: {refused} refused "
                           f"(TooManyWaitProcess), RSS +{grown:.0f} MiB"), others


def attack_callback_ssrf(binary: str, short: bool) -> tuple[Mock, Result, Others]:
    m = start(binary)
    others = Others(m)
    admin(m, "POST", "/_mock/faults", {"error": "InternalError", "match": {"action": "LanguageDetect"}})
    for host in ("127.0.0.1", "localhost", "127.0.0.2", "[::1]"):
        api(m, "FileTranslate", {"Source": "en", "Target": "zh", "DocumentType": "txt", "SourceType": 1,
                                 "Data": base64.b64encode(b"hi").decode(),
                                 "CallbackUrl": f"http://{host}:{m.port}/_mock/reset"})
    admin(m, "POST", "/_mock/clock", {"advance_s": 10})
    others.skew_s = 10
    time.sleep(1.0)
    rules = json.loads(admin(m, "GET", "/_mock/faults")[1])["faults"]
    held = len(rules) == 1
    return m, Result(held, f"CallbackUrl to the mock's own /_mock/reset (4 forms of loopback): "
                           f"{'rules kept' if held else 'the mock was reset'}"), others


def big_answer(m: Mock) -> bytes:
    """A GetFileTranslate request whose answer is about 6 MB."""
    doc = base64.b64encode(b"\x00" * 4_500_000).decode()
    task = api(m, "FileTranslate", {"Source": "en", "Target": "zh", "DocumentType": "pdf", "SourceType": 1,
                                    "Data": doc})["Data"]["TaskId"]
    admin(m, "POST", "/_mock/clock", {"advance_s": 5})
    method, target, headers, body = signed(m, "GetFileTranslate", {"TaskId": task}, mock_now(m))
    return wire(method, target, headers, body)


def non_reader(m: Mock, req: bytes) -> socket.socket:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", m.port))
    s.sendall(req)
    return s


def attack_slow_readers(binary: str, short: bool) -> tuple[Mock, Result, Others]:
    wt = 2 if short else 3
    m = start(binary, "--write-timeout", str(wt))
    req = big_answer(m)
    others = Others(m)
    others.skew_s = 5
    base_fds = m.fds()
    n = 20 if short else 40
    clients = [non_reader(m, req) for _ in range(n)]
    t0 = time.monotonic()
    cut = 0.0
    while time.monotonic() - t0 < wt + 8:
        cut = m.metric("tmtmock_write_timeouts_total")
        if cut >= n:
            break
        time.sleep(0.2)
    took = time.monotonic() - t0
    time.sleep(0.2)
    left = m.fds() - base_fds
    for s in clients:
        s.close()
    held = left <= 2 and cut >= n
    return m, Result(held, f"{n} clients never reading a 6 MB answer, --write-timeout {wt}: "
                           f"{cut:.0f} closed within {took:.1f} s, {max(left, 0)} descriptors left"), others


def attack_slowloris(binary: str, short: bool) -> tuple[Mock, Result, Others]:
    rt = 2
    m = start(binary, "--read-timeout", str(rt))
    others = Others(m)
    n = 100 if short else 300
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", m.port), timeout=5)
        s.sendall(b"POST / HTTP/1.1\r\n")
        socks.append(s)
    t0 = time.monotonic()
    closed = 0
    while time.monotonic() - t0 < rt + 6 and closed < n:
        closed = 0
        for s in socks:
            try:
                s.sendall(b"X")
            except OSError:
                closed += 1
        time.sleep(0.5)
    for s in socks:
        s.close()
    return m, Result(closed == n, f"{n} clients sending a byte each 0.5 s, --read-timeout {rt}: "
                                  f"{closed} cut off within {time.monotonic() - t0:.1f} s"), others


def attack_idle_flood(binary: str, short: bool) -> tuple[Mock, Result, Others]:
    m = start(binary)
    others = Others(m)
    n = 2000 if short else 10000
    socks = []
    for _ in range(n):
        try:
            socks.append(socket.create_connection(("127.0.0.1", m.port), timeout=5))
        except OSError:
            break
    time.sleep(1.0)
    rss = (m.rss_kib() - m.base_rss_kib) / 1024
    for s in socks:
        s.close()
    return m, Result(len(socks) == n and (rss < 200 or not RSS_CHECK), f"{len(socks)} idle connections held: RSS +{rss:.0f} MiB"), others


def attack_fd_exhaustion(binary: str, short: bool) -> tuple[Mock, Result, Others]:
    hole = BlackHole()

    # 70 descriptors: 6 connections past the reserve of 64, which 60 callbacks used to
    # overrun (they did not count against it).
    def low() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (70, 70))

    m = start(binary, preexec=low)
    try:
        for _ in range(60):
            api(m, "FileTranslate", {"Source": "en", "Target": "zh", "DocumentType": "txt", "SourceType": 1,
                                     "Data": "aGk=", "CallbackUrl": f"http://127.0.0.1:{hole.port}/cb"})
        others = Others(m, 1)
        admin(m, "POST", "/_mock/clock", {"advance_s": 10})
        others.skew_s = 10
        time.sleep(1.0)
        held_socks = []
        for _ in range(60):
            try:
                held_socks.append(socket.create_connection(("127.0.0.1", m.port), timeout=1))
            except OSError:
                break
        c0, t0, e0 = m.cpu_s(), time.monotonic(), len(m.stderr)
        time.sleep(2.0 if short else 4.0)
        busy = (m.cpu_s() - c0) / (time.monotonic() - t0)
        logged = len(m.stderr) - e0
        for s in held_socks:
            s.close()
        time.sleep(0.5)
        ok = admin(m, "GET", "/_mock/health")[0] == 200
    finally:
        hole.close()
    held = busy < 0.3 and logged < 20000 and ok
    return m, Result(held, f"RLIMIT_NOFILE 70, 60 callbacks to a silent listener, {len(held_socks)} connections: "
                           f"CPU {busy:.0%}, {logged} bytes of log, health {'answers' if ok else 'does not'}"), others


def attack_smuggling(binary: str, short: bool) -> tuple[Mock, Result, Others]:
    m = start(binary)
    others = Others(m)
    smuggled = b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", m.port), timeout=5) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                  b"Content-Length: %d\r\n\r\n{}" % (2 + len(smuggled)) + smuggled)
        data = read_until_close(s, 5)
    held = data.startswith(b"HTTP/1.1 400") and data.count(b"HTTP/1.1 ") == 1
    return m, Result(held, f"two Content-Length headers with a request behind: {data.count(b'HTTP/1.1 ')} "
                           f"answer(s), first {data[:12].decode(errors='replace')!r}"), others


def attack_head_desync(binary: str, short: bool) -> tuple[Mock, Result, Others]:
    m = start(binary)
    others = Others(m)
    with socket.create_connection(("127.0.0.1", m.port), timeout=5) as s:
        s.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.3)
        s.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = read_until_close(s, 5)
    head, _, rest = data.partition(b"\r\n\r\n")
    held = b"Content-Length:" in head and rest.startswith(b"HTTP/1.1 200")
    return m, Result(held, "HEAD then GET on one connection: the second answer "
                           + ("starts where it should" if held else f"is misread: {rest[:40]!r}")), others


def attack_unread_stderr(binary: str, short: bool) -> tuple[Mock, Result, Others]:
    m = start(binary, "-v", read_stderr=False)
    others = Others(m)
    n = 1500 if short else 5000
    req = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    done, t0 = 0, time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", m.port), timeout=10) as s:
            for done in range(n):
                s.sendall(req)
                got = b""
                while not got.endswith(b"}"):
                    chunk = s.recv(65536)
                    if not chunk:
                        raise OSError("closed")
                    got += chunk
            done = n
    except OSError:
        pass
    took = time.monotonic() - t0
    return m, Result(done == n, f"-v with a stderr pipe nobody reads: {done} of {n} requests answered in "
                                f"{took:.1f} s, {m.metric('tmtmock_log_lines_dropped_total'):.0f} lines dropped"), others


def attack_sigterm_non_reader(binary: str, short: bool) -> tuple[Mock, Result, Others]:
    m = start(binary, "--write-timeout", "0", "--shutdown-grace", "2")
    req = big_answer(m)
    others = Others(m, 1)
    others.skew_s = 5
    s = non_reader(m, req)
    delayed: dict[str, Any] = {}

    def slow() -> None:
        method, target, headers, body = signed(m, "TextTranslate", {"SourceText": "slow @mock:delay=1000",
                                                                    "Source": "en", "Target": "zh",
                                                                    "ProjectId": 0}, mock_now(m))
        c = http.client.HTTPConnection("127.0.0.1", m.port, timeout=10)
        c.request(method, target, body=body, headers=headers)
        r = c.getresponse()
        delayed["connection"] = r.getheader("Connection")
        r.read()

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.5)
    others.stop = True
    t0 = time.monotonic()
    m.proc.send_signal(signal.SIGTERM)
    try:
        code = m.proc.wait(12)
    except subprocess.TimeoutExpired:
        code = None
    took = time.monotonic() - t0
    t.join(5)
    s.close()
    held = code == 0 and took < 7 and (delayed.get("connection") or "").lower() == "close"
    return m, Result(held, f"SIGTERM with an unread 6 MB answer, --shutdown-grace 2: exit {code} after "
                           f"{took:.1f} s; the delayed answer said Connection: {delayed.get('connection')}"), others


def attack_full_disk(binary: str, short: bool) -> tuple[Mock, Result, Others]:
    import tempfile
    d = tempfile.mkdtemp(prefix="tmtmock-stress-")
    path = Path(d) / "journal.jsonl"

    def small() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))

    m = start(binary, "--journal", str(path), preexec=small)
    others = Others(m)
    time.sleep(1.0 if short else 3.0)
    lost = m.metric("tmtmock_journal_file_lost_total")
    p99, failed = others.finish()
    code = m.stop()
    lines = path.read_text().splitlines()
    whole = all(_json_ok(x) for x in lines)
    warned = m.stderr.count(b"--journal")
    mode = path.stat().st_mode & 0o777
    held = whole and lost > 0 and warned == 1 and code == 0 and mode == 0o600
    return m, Result(held, f"a journal file that cannot grow past 20 kB: {len(lines)} whole lines, "
                           f"{lost:.0f} entries counted lost, {warned} warning(s), mode {mode:o}, exit {code}"), \
        _Finished(p99, failed)


def _json_ok(line: str) -> bool:
    try:
        json.loads(line)
        return True
    except ValueError:
        return False


class _Finished(Others):
    def __init__(self, p99: float, failed: int) -> None:  # noqa: D401 - a finished Others
        self._p99, self._failed = p99, failed

    def finish(self) -> tuple[float, int]:
        return self._p99, self._failed


def attack_log_forgery(binary: str, short: bool) -> tuple[Mock, Result, Others]:
    m = start(binary)
    others = Others(m)
    api(m, "FileTranslate", {"Source": "en", "Target": "zh", "DocumentType": "txt", "SourceType": 1,
                             "Data": "aGk=", "CallbackUrl": "http://example.com/\r\ntmtmock: warning: forged"})
    m.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    alive = m.proc.poll() is None
    forged = any(line.startswith(b"tmtmock: warning: forged") for line in m.stderr.splitlines())
    return m, Result(alive and not forged, f"CR/LF in a CallbackUrl: {'a forged line' if forged else 'no forged line'}; "
                                           f"SIGHUP: {'still serving' if alive else 'killed the mock'}"), others


ATTACKS: dict[str, Callable[[str, bool], tuple[Mock, Result, Others]]] = {
    "journal-bloat": attack_journal_bloat,
    "task-bloat": attack_task_bloat,
    "callback-ssrf": attack_callback_ssrf,
    "slow-readers": attack_slow_readers,
    "slowloris": attack_slowloris,
    "idle-flood": attack_idle_flood,
    "fd-exhaustion": attack_fd_exhaustion,
    "smuggling": attack_smuggling,
    "head-desync": attack_head_desync,
    "unread-stderr": attack_unread_stderr,
    "sigterm-non-reader": attack_sigterm_non_reader,
    "full-disk": attack_full_disk,
    "log-forgery": attack_log_forgery,
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.environ.get("TMTMOCK_BIN", str(ROOT / "mock_server/build/tmtmock")))
    ap.add_argument("--short", action="store_true", help="small attacks, under a minute in all")
    ap.add_argument("--only", default="", help="comma-separated attack names")
    ap.add_argument("--no-rss-check", action="store_true", help="report memory, do not judge by it (ASan)")
    args = ap.parse_args()
    global RSS_CHECK
    RSS_CHECK = not args.no_rss_check
    names = [n for n in args.only.split(",") if n] or list(ATTACKS)
    unknown = set(names) - set(ATTACKS)
    if unknown:
        ap.error(f"unknown attacks {sorted(unknown)}; known: {', '.join(ATTACKS)}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(65536, resource.getrlimit(resource.RLIMIT_NOFILE)[1]),) * 2)
    failed: list[str] = []
    t_all = time.monotonic()
    for name in names:
        t0 = time.monotonic()
        try:
            m, res, others = ATTACKS[name](args.binary, args.short)
        except Exception as e:  # an attack that breaks the script is not held
            print(f"stress: {name:<19} NOT HELD  the attack failed: {e!r}", flush=True)
            failed.append(name)
            continue
        p99, others_failed = others.finish()
        code = m.stop()
        # The other clients must have been answered, and the mock must stop cleanly.
        held = res.held and others_failed == 0 and code == 0
        if code != 0:
            res.seen += f"; exit {code}"
        if others_failed:
            res.seen += f"; {others_failed} other requests failed"
        print(f"stress: {name:<19} {'held    ' if held else 'NOT HELD'}  peak_rss={m.peak_rss_kib / 1024:.0f}MiB "
              f"fds={m.peak_fds} others_p99={p99:.1f}ms others_failed={others_failed} "
              f"({time.monotonic() - t0:.1f}s)  {res.seen}", flush=True)
        if not held:
            failed.append(name)
    print(f"stress: {len(names) - len(failed)} of {len(names)} attacks held in {time.monotonic() - t_all:.0f} s"
          + (f"; not held: {', '.join(failed)}" if failed else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
