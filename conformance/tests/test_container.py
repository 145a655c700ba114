"""The Dockerfile, checked without a container engine: its build stage's instructions are
carried out here as written (COPY of the tree as .dockerignore filters it, WORKDIR, ARG,
RUN scripts/container-build.sh), the runtime stage's COPY lines are applied to a scratch
root, and the binary there must serve, pass the HEALTHCHECK command (with the options a user
adds after the image name), and need no library beyond the runtime stage's packages."""
from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.helpersdoc import snippet
from harness.launch import clean_env, free_port, launch
from harness.mockproc import ROOT
from harness.wire import assert_translated, build, call

DOCKERFILE = ROOT / "Dockerfile"
DPKG = shutil.which("dpkg-query")


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)


def parse_dockerfile(path: Path = DOCKERFILE) -> list[Stage]:
    """Stages of instructions (keyword, arguments), continuation lines joined, comments dropped."""
    logical: list[str] = []
    cur = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not cur and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            cur += line.rstrip()[:-1] + " "
            continue
        logical.append(cur + line)
        cur = ""
    stages: list[Stage] = []
    for text in logical:
        kw, _, rest = text.strip().partition(" ")
        kw = kw.upper()
        if kw == "FROM":
            m = re.match(r"^(\S+)(?:\s+AS\s+(\S+))?$", rest.strip(), re.I)
            assert m, text
            stages.append(Stage(m.group(1), m.group(2)))
        else:
            assert stages, f"{text!r} before FROM"
            stages[-1].instructions.append((kw, " ".join(rest.split())))
    return stages


def apt_packages(run: str) -> list[str]:
    m = re.search(r"apt-get install -y --no-install-recommends (.*?)(?:&&|$)", run)
    assert m, run
    return m.group(1).split()


def deps_build_packages() -> list[str]:
    """The packages scripts/deps.sh wants for a build (before its test-only part)."""
    text = (ROOT / "scripts/deps.sh").read_text(encoding="utf-8")
    build_part = text.split('if [ "$what" = test ]')[0]
    return re.findall(r"^need_pkg (\S+)", build_part, re.M)


def ignored(rel: str, patterns: list[str]) -> bool:
    parts = rel.split("/")
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i])
        for pat in patterns:
            if pat.startswith("**/"):
                if fnmatch.fnmatch(parts[i - 1], pat[3:]):
                    return True
            elif fnmatch.fnmatch(prefix, pat.rstrip("/")):
                return True
    return False


def copy_context(dest: Path) -> None:
    """`COPY . /src`: the tree less what .dockerignore names."""
    pats = [ln.strip() for ln in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.startswith("#")]
    for dirpath, dirnames, filenames in os.walk(ROOT):
        rel_dir = Path(dirpath).relative_to(ROOT).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = [d for d in dirnames if not ignored(rel_dir + d, pats)]
        for f in filenames:
            if ignored(rel_dir + f, pats):
                continue
            target = dest / (rel_dir + f)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(dirpath) / f, target, follow_symlinks=False)


@dataclass
class Built:
    root: Path                 # stands for the container's /
    runtime: Path              # the runtime stage's filesystem (its COPY results)
    stages: list[Stage]


def mapped(root: Path, container_path: str) -> Path:
    assert container_path.startswith("/"), container_path
    return root / container_path.lstrip("/")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Carry out the build stage here, then the runtime stage's COPY --from lines."""
    root = tmp_path_factory.mktemp("container")
    stages = parse_dockerfile()
    assert len(stages) == 2, [s.base for s in stages]
    build_stage = stages[0]
    # A container build starts from a clean environment: nothing of the make that runs
    # these tests (`make test-asan` passes its sanitizer flags down through MAKEFLAGS).
    env = {k: v for k, v in clean_env().items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES", "MAKELEVEL", "CFLAGS", "LDFLAGS",
                        "CPPFLAGS", "BUILD")}
    cwd = root
    for kw, args in build_stage.instructions:
        if kw == "RUN" and args.startswith("apt-get"):
            continue          # the packages: checked by test_build_stage_packages
        if kw == "COPY":
            assert args == ". /src", f"COPY {args}: teach this test what it means"
            copy_context(mapped(root, "/src"))
        elif kw == "WORKDIR":
            cwd = mapped(root, args)
        elif kw == "ARG":
            name, _, value = args.partition("=")
            env[name] = str(mapped(root, value)) if value.startswith("/") else value
        elif kw == "RUN":
            r = subprocess.run(["sh", "-c", args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
            assert r.returncode == 0, f"RUN {args}\n{r.stdout}\n{r.stderr}"
        else:
            pytest.fail(f"build stage: {kw} {args}: teach this test what it means")
    runtime = root / "runtime"
    for kw, args in stages[1].instructions:
        if kw != "COPY":
            continue
        words = args.split()
        assert words[0] == f"--from={build_stage.name}", args
        src, dst = mapped(root, words[1]), mapped(runtime, words[2])
        assert src.exists(), f"COPY {args}: {src} was not built"
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    return Built(root, runtime, stages)


def runtime_instruction(b: Built, kw: str) -> list[str]:
    return [a for k, a in b.stages[1].instructions if k == kw]


def test_dockerfile_shape() -> None:
    stages = parse_dockerfile()
    assert all(s.base.startswith("debian:12") for s in stages), [s.base for s in stages]
    final = stages[-1]
    kws = dict(final.instructions)
    assert kws.get("USER") not in (None, "root", "0"), "the runtime runs as a non-root user"
    assert kws.get("EXPOSE") == "9000"
    assert "TMTMOCK_LISTEN=0.0.0.0:9000" in kws.get("ENV", "")
    # Beyond loopback without a token needs --admin-open (test_hostile.py).
    assert "TMTMOCK_ADMIN_OPEN=1" in kws.get("ENV", "")
    # The health check is the binary's own probe: no curl, no token in the image.
    assert kws.get("HEALTHCHECK", "").endswith('CMD ["tmtmock", "--health"]'), kws.get("HEALTHCHECK")
    assert "TMTMOCK_READY_FILE=/" in kws.get("ENV", "")
    assert kws.get("ENTRYPOINT") == '["tmtmock"]'


def test_build_stage_packages() -> None:
    """The build stage installs what deps.sh checks for a build, and each is a real package
    (installed here, where the same build ran)."""
    runs = [a for k, a in parse_dockerfile()[0].instructions if k == "RUN" and a.startswith("apt-get")]
    assert len(runs) == 1
    pkgs = apt_packages(runs[0])
    missing = set(deps_build_packages()) - set(pkgs)
    assert not missing, f"the build stage lacks {missing} (scripts/deps.sh build needs them)"
    if DPKG:
        for p in pkgs:
            r = subprocess.run([DPKG, "-W", "-f=${Status}", p], capture_output=True, text=True)
            assert "install ok installed" in r.stdout, f"{p}: {r.stdout or r.stderr}"


def test_built_binary_serves_with_its_fixtures(built: Built, tmp_path: Path) -> None:
    exe = built.runtime / "usr/local/bin/tmtmock"
    r = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and r.stdout.startswith("tmtmock "), r
    # As the image runs it: no arguments, the address from ENV (here a free loopback port).
    env = clean_env({"TMTMOCK_LISTEN": f"127.0.0.1:{free_port()}"})
    with launch([], exe=exe, env=env, cwd=tmp_path) as m:
        assert_translated(call(m, build(m, "tc3-post")), "hello")


def test_image_env_starts_beyond_loopback(built: Built, tmp_path: Path) -> None:
    """The runtime stage's ENV as the image sets it (on a free port): 0.0.0.0 with
    TMTMOCK_ADMIN_OPEN starts and serves; without it the binary refuses to start."""
    env_line = runtime_instruction(built, "ENV")[0]
    image_env = dict(kv.split("=", 1) for kv in env_line.split())
    port = free_port()
    image_env["TMTMOCK_LISTEN"] = image_env["TMTMOCK_LISTEN"].rsplit(":", 1)[0] + f":{port}"
    # The image's /tmp is its own; here the ready file goes to the test's folder.
    image_env["TMTMOCK_READY_FILE"] = str(tmp_path / "tmtmock.url")
    exe = built.runtime / "usr/local/bin/tmtmock"
    with launch([], exe=exe, env=clean_env(image_env), cwd=tmp_path) as m:
        assert_translated(call(SimpleNamespace(host="127.0.0.1", port=m.port), build(
            SimpleNamespace(host="127.0.0.1", port=m.port), "tc3-post")), "hello")
    del image_env["TMTMOCK_ADMIN_OPEN"]
    r = subprocess.run([str(exe)], env=clean_env(image_env), capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "--admin-open" in r.stderr, r


def healthcheck_argv(b: Built) -> list[str]:
    """The HEALTHCHECK's exec-form command, its program the runtime stage's binary (on the
    image's PATH as /usr/local/bin/tmtmock)."""
    hc = runtime_instruction(b, "HEALTHCHECK")[0]
    argv = json.loads(hc.split(" CMD ", 1)[1])
    assert argv[0] == "tmtmock", argv
    return [str(b.runtime / "usr/local/bin/tmtmock"), *argv[1:]]


def image_env(b: Built, tmp_path: Path, port: int, extra: dict[str, str]) -> dict[str, str]:
    """The runtime stage's ENV as `docker run -e ...` sees it: the listening port made free,
    the ready file in a scratch /tmp, then the user's -e variables."""
    env = dict(kv.split("=", 1) for kv in runtime_instruction(b, "ENV")[0].split())
    env["TMTMOCK_LISTEN"] = env["TMTMOCK_LISTEN"].rsplit(":", 1)[0] + f":{port}"
    ready = env["TMTMOCK_READY_FILE"]
    assert ready.startswith("/tmp/"), ready     # writable by the image's user
    env["TMTMOCK_READY_FILE"] = str(tmp_path / Path(ready).name)
    env.update(extra)
    return clean_env(env)


def wait_for_file(path: Path, timeout: float = 5.0) -> None:
    """The ready file is written just after the `listening on` lines (as Docker's
    --start-period allows for)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} was not written"
        time.sleep(0.02)


# `docker run ... tmtmock [ARGS]` as the README and docs/options.md show it: the image's
# address, a token by -e, options after the image name moving the address or adding a token.
RUN_VARIANTS = {
    "as built": ([], {}),
    "-e TMTMOCK_ADMIN_TOKEN": ([], {"TMTMOCK_ADMIN_TOKEN": "secret"}),
    "--admin-token": (["--admin-token", "secret"], {}),
    "--listen elsewhere": (["--listen", "0.0.0.0:{other}"], {}),
    "--listen and --admin-token": (["--listen", "127.0.0.1:{other}", "--admin-token", "secret"], {}),
    "--seed": (["--seed", "1"], {"TMTMOCK_SEED": "2"}),
}


def docs_run_variants() -> dict[str, tuple[list[str], dict[str, str]]]:
    """The `docker run` lines of docs/helpers.md (Container) as (arguments after the image
    name, -e variables); a port an argument names becomes {other}."""
    variants: dict[str, tuple[list[str], dict[str, str]]] = {}
    for line in snippet("docker-run", "sh").splitlines():
        words = shlex.split(line)
        assert words[:2] == ["docker", "run"] and "tmtmock" in words, line
        at = words.index("tmtmock")
        env = dict(words[i + 1].split("=", 1) for i in range(2, at) if words[i] == "-e")
        args = [re.sub(r":\d+$", ":{other}", a) for a in words[at + 1:]]
        variants[line] = (args, env)
    return variants


@pytest.mark.parametrize("variant", list(RUN_VARIANTS) + [f"docs: {v}" for v in docs_run_variants()])
def test_healthcheck_command(built: Built, tmp_path: Path, variant: str) -> None:
    """The HEALTHCHECK's command, run with the container's environment only (it never sees
    the arguments after the image name), succeeds against the running server however it was
    started (each `docker run` of the docs among them), and fails once it is gone."""
    args, extra = RUN_VARIANTS[variant] if variant in RUN_VARIANTS else \
        docs_run_variants()[variant.removeprefix("docs: ")]
    port, other = free_port(), free_port()
    args = [a.replace("{other}", str(other)) for a in args]
    env = image_env(built, tmp_path, port, extra)
    probe = healthcheck_argv(built)
    with launch(args, exe=built.runtime / "usr/local/bin/tmtmock", env=env, cwd=tmp_path) as m:
        assert m.port == (other if "--listen" in args else port), (m.port, args)
        wait_for_file(Path(env["TMTMOCK_READY_FILE"]))
        r = subprocess.run(probe, env=env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["status"] == "ok", r.stdout
    r = subprocess.run(probe, env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert not Path(env["TMTMOCK_READY_FILE"]).exists(), "the ready file outlived the mock"


def test_health_probe_reports_what_is_wrong(built: Built, tmp_path: Path) -> None:
    """`tmtmock --health URL` fails on an answer that is not 200 and on a bad URL."""
    exe = built.runtime / "usr/local/bin/tmtmock"
    env = clean_env({"TMTMOCK_LISTEN": f"127.0.0.1:{free_port()}", "TMTMOCK_ADMIN_TOKEN": "secret"})
    with launch([], exe=exe, env=env, cwd=tmp_path) as m:
        r = subprocess.run([str(exe), "--health", f"http://127.0.0.1:{m.port}/_mock/clock"], env=env,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 1 and "401" in r.stderr, r
        r = subprocess.run([str(exe), "--health", f"127.0.0.1:{m.port}"], env=env, capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 0, r
    for bad in ("https://127.0.0.1:1", "http://nohost", "a b c"):
        r = subprocess.run([str(exe), "--health", *bad.split(" ", 1)], capture_output=True, text=True, timeout=30)
        assert r.returncode == 2, (bad, r)


def test_runtime_image_has_no_curl() -> None:
    runs = [a for k, a in parse_dockerfile()[1].instructions if k == "RUN" and "apt-get install" in a]
    assert "curl" not in apt_packages(runs[0])


@pytest.mark.skipif(DPKG is None, reason="not a Debian system (dpkg-query)")
def test_runtime_packages_cover_the_binary(built: Built) -> None:
    """Every shared library the binary loads comes from a runtime-stage package, one of
    their dependencies, or libc6 (in the base image)."""
    runs = [a for a in runtime_instruction(built, "RUN") if "apt-get install" in a]
    pkgs = set(apt_packages(runs[0]))
    allowed = set(pkgs) | {"libc6"}
    for p in pkgs:
        r = subprocess.run([DPKG, "-W", "-f=${Depends}", p], capture_output=True, text=True)
        assert r.returncode == 0, f"{p} is not a package installed here: {r.stderr}"
        allowed |= {re.split(r"[\s(:]", d.strip())[0] for alt in r.stdout.split(",") for d in alt.split("|")}
    out = subprocess.run(["ldd", str(built.runtime / "usr/local/bin/tmtmock")], capture_output=True,
                         text=True, check=True).stdout
    libs = re.findall(r"=> (/\S+)", out)
    assert libs
    for lib in libs:
        real = os.path.realpath(lib)
        owner = None
        for candidate in (lib, real, real.replace("/lib/", "/usr/lib/", 1)):
            r = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if r.returncode == 0:
                owner = r.stdout.split(":")[0]
                break
        assert owner is not None, f"no package owns {lib}"
        assert owner in allowed, f"{lib} comes from {owner}, which the runtime stage does not install"


def test_readme_docker_run_line() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docker build -t tmtmock ." in readme
    assert re.search(r"docker run [^\n]*-p 9000:9000[^\n]* tmtmock", readme)
    assert "TMTMOCK_ADMIN_TOKEN" in readme
