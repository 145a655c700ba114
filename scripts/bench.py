#!/usr/bin/env python3
"""bench.py: tmtmock against nginx, on this machine, in one run (`make bench`).

Measures, with wrk (keep-alive, --latency):
  - the mock answering signed TC3 TextTranslate requests (signature verified,
    parameters validated, journal on at its default size, --no-rate-limit), at
    64 connections and at 1 connection;
  - nginx, one worker, answering a fixed JSON body of the same length to the
    same request, at 64 and at 1 connection: the ceiling;
and prints requests/s, p50/p99 latency, the ratio mock/nginx, the mock's CPU
time per request (utime+stime of /proc/PID/stat around the 64-connection
load), its start-up time (exec -> first successful answer, median of 5) and
its resident memory (VmRSS) after the load, ending with one line:

  bench: mock_rps=N nginx_rps=N ratio=R cpu_us=C p50_us_c1=L p99_ms=X start_ms=Y rss_mib=Z

wrk sends one fixed request, so it is signed with a timestamp taken at the
start of each run (valid for 300 s; a run lasts BENCH_SECONDS). A mock run
counts only if /_mock/metrics shows every TextTranslate of it answered OK.

Environment: BENCH_SECONDS (default 10), BENCH_THREADS (wrk threads, default
1: the machine has 2 cores and wrk competes with the server for them),
BUILD (default mock_server/build), MAKE (default make), BENCH_BIN (measure that
binary instead of building one).
Standard library only.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
BODY = json.dumps({"SourceText": "hello world", "Source": "en", "Target": "zh", "ProjectId": 0},
                  separators=(",", ":"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
BUILD = os.environ.get("BUILD", "mock_server/build")
WARMUP_SECONDS = 2
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The targets of the issue of the HTTP front (docs/performance.md):
# (label, key, compare, bound).
TARGETS = [
    ("throughput >= 0.8 x nginx", "ratio", ">=", 0.8),
    ("CPU <= 10 us/request", "cpu_us", "<=", 10.0),
    ("p50 at 1 conn <= 1.1 x nginx's", "p50_ratio", "<=", 1.1),
    ("p99 at 64 conns <= 2 ms", "p99_ms", "<=", 2.0),
    ("start-up <= 10 ms", "start_ms", "<=", 10.0),
    ("RSS after the load <= 10 MiB", "rss_mib", "<=", 10.0),
]


def log(msg: str) -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------- setup


def ensure_tools() -> None:
    missing = [pkg for tool, pkg in (("wrk", "wrk"), ("nginx", "nginx"))
               if shutil.which(tool) is None and not Path("/usr/sbin/" + tool).exists()]
    if not missing:
        return
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() != 0:
        sys.exit("bench needs: " + " ".join(missing) + "\nrun:  sudo apt-get update && sudo " + " ".join(cmd))
    log("bench: installing " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)


def build() -> Path:
    if os.environ.get("BENCH_BIN"):		# a binary built elsewhere, as is
        return Path(os.environ["BENCH_BIN"]).resolve()
    make = os.environ.get("MAKE", "make")
    subprocess.run([make, "-s", "--no-print-directory", "-C", str(ROOT), "BUILD=" + BUILD, "bin"], check=True)
    return ROOT / BUILD / "tmtmock"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_bin() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


# ---------------------------------------------------------------- signing


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signed_headers(host: str, ts: int) -> dict[str, str]:
    """The TC3 headers of BODY sent to host, signed at ts."""
    date = time.strftime("%Y-%m-%d", time.gmtime(ts))
    canonical = ("POST\n/\n\ncontent-type:application/json\nhost:" + host + "\n\ncontent-type;host\n"
                 + hashlib.sha256(BODY.encode()).hexdigest())
    scope = date + "/tmt/tc3_request"
    sts = "TC3-HMAC-SHA256\n%d\n%s\n%s" % (ts, scope, hashlib.sha256(canonical.encode()).hexdigest())
    key = _hmac(_hmac(_hmac(("TC3" + SECRET_KEY).encode(), date), "tmt"), "tc3_request")
    sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    return {
        "Host": host,
        "Content-Type": "application/json",
        "X-TC-Action": "TextTranslate",
        "X-TC-Version": "2018-03-21",
        "X-TC-Region": "ap-guangzhou",
        "X-TC-Timestamp": str(ts),
        "Authorization": "TC3-HMAC-SHA256 Credential=%s/%s, SignedHeaders=content-type;host, Signature=%s"
                         % (SECRET_ID, scope, sig),
    }


def lua_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCHJSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"p50\\":%d,\\"p90\\":%d,\\"p99\\":%d,\\"max\\":%d,"
    .. "\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,\\"status\\":%d,\\"timeout\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def wrk_script(path: Path, host: str) -> None:
    """The wrk script of one run, signed now."""
    lines = ['wrk.method = "POST"', "wrk.body = " + lua_quote(BODY)]
    for k, v in signed_headers(host, int(time.time())).items():
        lines.append("wrk.headers[%s] = %s" % (lua_quote(k), lua_quote(v)))
    path.write_text("\n".join(lines) + "\n" + WRK_DONE)


def wrk(port: int, conns: int, seconds: int, script: Path) -> dict:
    out = subprocess.run(
        ["wrk", "-t", str(min(THREADS, conns)), "-c", str(conns), "-d", "%ds" % seconds, "--latency",
         "-s", str(script), "http://127.0.0.1:%d/" % port],
        check=True, capture_output=True, text=True).stdout
    m = re.search(r"^BENCHJSON (.*)$", out, re.M)
    if m is None:
        sys.exit("bench: cannot read wrk's output:\n" + out)
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] * 1e6 / r["duration_us"]
    r["socket_errors"] = r["connect"] + r["read"] + r["write"] + r["timeout"]
    return r


# ---------------------------------------------------------------- /proc


def cpu_times(pid: int) -> tuple[int, int]:
    """utime and stime (fields 14 and 15 of /proc/PID/stat), in clock ticks."""
    stat = Path("/proc/%d/stat" % pid).read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]), int(fields[12])


def cpu_ticks(pid: int) -> int:
    return sum(cpu_times(pid))


def rss_kib(pid: int) -> int:
    m = re.search(r"^VmRSS:\s+(\d+) kB", Path("/proc/%d/status" % pid).read_text(), re.M)
    return int(m.group(1)) if m else 0


def children(pid: int) -> list[int]:
    out = []
    for task in Path("/proc/%d/task" % pid).iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


# ---------------------------------------------------------------- the mock


def http(port: int, method: str, path: str, headers: dict[str, str] | None = None,
         body: bytes = b"", timeout: float = 5.0) -> tuple[int, bytes]:
    """One request on a fresh connection; raises OSError when nothing listens."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        hdrs = dict(headers or {"Host": "127.0.0.1:%d" % port})
        hdrs["Content-Length"] = str(len(body))
        hdrs["Connection"] = "close"
        s.sendall(("%s %s HTTP/1.1\r\n" % (method, path)
                   + "".join("%s: %s\r\n" % kv for kv in hdrs.items()) + "\r\n").encode() + body)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), rest


def translate(port: int) -> bytes | None:
    """A signed TextTranslate; its body when it succeeded, else None."""
    host = "127.0.0.1:%d" % port
    status, body = http(port, "POST", "/", signed_headers(host, int(time.time())), BODY.encode())
    if status == 200 and b'"TargetText"' in body and b'"Error"' not in body:
        return body
    return None


def start_mock(binary: Path, port: int, outdir: Path) -> tuple[subprocess.Popen, float, bytes]:
    """Starts the mock; returns it, ms from exec to its first successful answer, that answer."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(binary), "--listen", "127.0.0.1:%d" % port, "--fixtures", str(ROOT / "fixtures"),
         "--no-rate-limit"],
        stdout=subprocess.DEVNULL, stderr=open(outdir / "mock.stderr", "ab"))
    while True:
        try:
            body = translate(port)
        except (ConnectionRefusedError, ConnectionResetError):
            if proc.poll() is not None:
                sys.exit("bench: the mock exited with status %d (see %s)" % (proc.returncode, outdir / "mock.stderr"))
            if time.perf_counter() - t0 > 10:
                sys.exit("bench: the mock did not answer within 10 s")
            time.sleep(0.0002)
            continue
        ms = (time.perf_counter() - t0) * 1000
        if body is None:
            sys.exit("bench: the mock's first answer was an error")
        return proc, ms, body


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def text_translate_counts(port: int) -> dict[str, int]:
    status, body = http(port, "GET", "/_mock/metrics")
    if status != 200:
        sys.exit("bench: GET /_mock/metrics answered %d" % status)
    counts = {}
    for m in re.finditer(r'^tmtmock_requests_total\{action="TextTranslate",code="([^"]*)"\} (\d+)$',
                         body.decode(), re.M):
        counts[m.group(1)] = int(m.group(2))
    return counts


def mock_run(port: int, pid: int, conns: int, seconds: int, script: Path) -> dict:
    """One wrk run against the mock, valid only if every TextTranslate was OK."""
    before = text_translate_counts(port)
    wrk_script(script, "127.0.0.1:%d" % port)
    u0, s0 = cpu_times(pid)
    r = wrk(port, conns, seconds, script)
    u1, s1 = cpu_times(pid)
    c0, c1 = u0 + s0, u1 + s1
    after = text_translate_counts(port)
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)}
    bad = {k: n for k, n in delta.items() if k != "OK" and n > 0}
    if bad or delta.get("OK", 0) < r["requests"] or r["status"] > 0:
        sys.exit("bench: run at %d connection(s) does not count: the mock answered %s (wrk: %d requests, %d non-2xx)"
                 % (conns, delta, r["requests"], r["status"]))
    r["answered"] = delta.get("OK", 0)
    r["cpu_us"] = (c1 - c0) * 1e6 / CLK_TCK / max(r["answered"], 1)
    r["sys_us"] = (s1 - s0) * 1e6 / CLK_TCK / max(r["answered"], 1)
    return r


# ---------------------------------------------------------------- nginx


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/nginx.error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 65;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            default_type application/json;
            return 200 '{body}';
        }}
    }}
}}
"""


def start_nginx(port: int, body: bytes, outdir: Path) -> tuple[subprocess.Popen, int]:
    text = body.decode()
    if "$" in text or "'" in text or "\\" in text:
        sys.exit("bench: the answer cannot be put in nginx's return directive as is")
    conf = outdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=outdir, port=port, body=text))
    proc = subprocess.Popen([nginx_bin(), "-p", str(outdir), "-e", str(outdir / "nginx.error.log"),
                             "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while True:
        try:
            status, got = http(port, "POST", "/", {"Host": "127.0.0.1:%d" % port}, BODY.encode())
            if status == 200 and len(got) == len(body):
                break
            sys.exit("bench: nginx answered %d with %d bytes" % (status, len(got)))
        except (ConnectionRefusedError, ConnectionResetError):
            if proc.poll() is not None or time.time() - t0 > 10:
                sys.exit("bench: nginx did not start (see %s)" % (outdir / "nginx.error.log"))
            time.sleep(0.01)
    workers = children(proc.pid)
    return proc, workers[0] if workers else proc.pid


def nginx_run(port: int, pid: int, conns: int, seconds: int, script: Path) -> dict:
    wrk_script(script, "127.0.0.1:%d" % port)
    u0, s0 = cpu_times(pid)
    r = wrk(port, conns, seconds, script)
    u1, s1 = cpu_times(pid)
    if r["status"] > 0:
        sys.exit("bench: nginx answered %d non-2xx" % r["status"])
    r["cpu_us"] = (u1 + s1 - u0 - s0) * 1e6 / CLK_TCK / max(r["requests"], 1)
    r["sys_us"] = (s1 - s0) * 1e6 / CLK_TCK / max(r["requests"], 1)
    return r


# ---------------------------------------------------------------- main


def row(name: str, r: dict) -> str:
    return "%-22s %10.0f %9d %9.2f %9.2f %8.1f %9d" % (
        name, r["rps"], r["p50"], r["p99"] / 1000, r["max"] / 1000, r["cpu_us"], r["socket_errors"])


def main() -> int:
    ensure_tools()
    binary = build()
    outdir = Path(tempfile.mkdtemp(prefix="tmtmock-bench-"))
    script = outdir / "request.lua"
    wrk_ver = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    log("bench: %s, %s, %d cores (load average %.2f), wrk -t%d, %d s per run; scratch in %s"
        % (binary, wrk_ver.split(" Copyright")[0].strip() or "wrk", os.cpu_count() or 0, os.getloadavg()[0],
           THREADS, SECONDS, outdir))

    # Start-up: exec -> first successful (signed, verified) answer, 5 times.
    starts = []
    for _ in range(5):
        port = free_port()
        proc, ms, answer = start_mock(binary, port, outdir)
        starts.append(ms)
        stop(proc)
    start_ms = statistics.median(starts)
    log("start-up (exec -> first answer): median %.1f ms (%s)" % (start_ms, ", ".join("%.1f" % s for s in starts)))

    port = free_port()
    proc, _, answer = start_mock(binary, port, outdir)
    try:
        rss0 = rss_kib(proc.pid)
        mock_run(port, proc.pid, 64, WARMUP_SECONDS, script)	# fills the journal's ring
        rss_warm = rss_kib(proc.pid)
        m64 = mock_run(port, proc.pid, 64, SECONDS, script)
        rss_64 = rss_kib(proc.pid)
        m1 = mock_run(port, proc.pid, 1, SECONDS, script)
        rss_end = rss_kib(proc.pid)
        total = sum(text_translate_counts(port).values())
    finally:
        stop(proc)
    log("mock RSS: %.1f MiB idle, %.1f after the warm-up, %.1f after 64 conns, %.1f after 1 conn (%d requests in all)"
        % (rss0 / 1024, rss_warm / 1024, rss_64 / 1024, rss_end / 1024, total))

    nport = free_port()
    nproc, npid = start_nginx(nport, answer, outdir)
    try:
        n64 = nginx_run(nport, npid, 64, SECONDS, script)
        n1 = nginx_run(nport, npid, 1, SECONDS, script)
    finally:
        nproc.send_signal(signal.SIGQUIT)
        try:
            nproc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nproc.kill()
            nproc.wait()

    log("")
    log("%-22s %10s %9s %9s %9s %8s %9s" % ("", "req/s", "p50 us", "p99 ms", "max ms", "CPU us", "sock err"))
    log(row("mock, 64 connections", m64))
    log(row("nginx, 64 connections", n64))
    log(row("mock, 1 connection", m1))
    log(row("nginx, 1 connection", n1))
    log("(answer %d bytes; CPU: the server's utime+stime per request, nginx's of its one worker;"
        " of it in the kernel (stime) at 64 connections: mock %.1f us, nginx %.1f us)"
        % (len(answer), m64["sys_us"], n64["sys_us"]))

    fig = {
        "ratio": m64["rps"] / n64["rps"],
        "cpu_us": m64["cpu_us"],
        "p50_ratio": m1["p50"] / max(n1["p50"], 1),
        "p99_ms": m64["p99"] / 1000,
        "start_ms": start_ms,
        "rss_mib": rss_end / 1024,
    }
    log("")
    for label, key, op, bound in TARGETS:
        ok = fig[key] >= bound if op == ">=" else fig[key] <= bound
        log("%-34s %8.2f  %s" % (label, fig[key], "met" if ok else "NOT met"))
    log("")
    log("bench: mock_rps=%d nginx_rps=%d ratio=%.2f cpu_us=%.1f p50_us_c1=%d p99_ms=%.2f start_ms=%.1f rss_mib=%.1f"
        % (round(m64["rps"]), round(n64["rps"]), fig["ratio"], fig["cpu_us"], m1["p50"], fig["p99_ms"],
           start_ms, fig["rss_mib"]))
    shutil.rmtree(outdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
