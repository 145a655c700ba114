#!/bin/sh
# fresh-check.sh: prove the README's two commands on a fresh, minimal Debian 12.
#
# Builds (once, then reuses) a `debootstrap --variant=minbase bookworm` root,
# copies it, gives the copy what a real machine has and nothing more (git, make,
# ca-certificates, this machine's local CA certificates, Debian's standard
# /etc/hosts with localhost on both 127.0.0.1 and ::1), clones this checkout's
# HEAD inside it with the root's own git, and runs, in order:
#
#   1. `make run`: waits for its "listening on" lines, then sends one signed
#      TextTranslate to every address it printed and expects a translation;
#      SIGTERM must end it with status 0;
#   2. `make test`: every test, with its exit status and closing lines.
#
# Needs root, the network to Debian's archive and the npm registry, and a few
# minutes (the first run also bootstraps the base root). Not part of `make test`.
#
#   scripts/fresh-check.sh            (or: make fresh-check)
#
# Environment: FRESH_DIR (default /var/tmp/tmtmock-fresh) holds base/ and root/;
# FRESH_MIRROR (default http://deb.debian.org/debian); FRESH_KEEP=1 keeps root/
# afterwards for a look; FRESH_SKIP_TEST=1 stops after step 1.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
dir=${FRESH_DIR:-/var/tmp/tmtmock-fresh}
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
base=$dir/base
root=$dir/root
log=$dir/log
port=9000

say() { printf 'fresh-check: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mounts); run: sudo $0"
command -v python3 >/dev/null || die "needs python3 on this machine to send the probe request"
command -v pkill >/dev/null || die "needs pkill (procps) on this machine"

in_root() {	# in_root COMMAND: run a shell command inside the root, with a clean environment
	# The environment of a fresh login: no variables of this session leak in,
	# but for the CA bundle Node is told to trust, as on these machines.
	chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    HOME=/root LANG=C.UTF-8 TERM=dumb \
	    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
	    /bin/sh -c "$1"
}

mounted=""
cleanup() {
	if [ -n "${run_pid:-}" ]; then
		kill -TERM "$run_pid" 2>/dev/null || true
	fi
	for m in $mounted; do
		umount -l "$m" 2>/dev/null || true
	done
	if [ "${FRESH_KEEP:-0}" != 1 ] && [ -d "$root" ]; then
		rm -rf "$root"
	fi
}
trap cleanup EXIT INT TERM

if ! command -v debootstrap >/dev/null; then
	say "installing debootstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
fi
mkdir -p "$dir"
if [ ! -x "$base/bin/sh" ]; then
	say "bootstrapping a minimal Debian 12 in $base (once)"
	rm -rf "$base"
	debootstrap --variant=minbase bookworm "$base" "$mirror" >"$dir/debootstrap.log" 2>&1 ||
	    die "debootstrap failed; see $dir/debootstrap.log"
fi

say "copying the base root to $root"
rm -rf "$root"
cp -a "$base" "$root"
: >"$log"

# What a real Debian machine has and a debootstrapped root lacks.
cat >"$root/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
if [ -d /usr/local/share/ca-certificates ]; then
	mkdir -p "$root/usr/local/share/ca-certificates"
	cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi
printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$mirror" "$mirror" \
    >"$root/etc/apt/sources.list"

# The root is a mount point of its own, as a real machine's / is: tests that
# give a process its own /etc/hosts (unshare -m) need / to be one.
mount --bind "$root" "$root" && mounted="$root"
for m in proc sys dev dev/pts dev/shm; do
	mkdir -p "$root/$m"
done
mount -t proc proc "$root/proc" && mounted="$root/proc $mounted"
mount -t sysfs sys "$root/sys" 2>/dev/null && mounted="$root/sys $mounted" || true
mount --bind /dev "$root/dev" && mounted="$root/dev $mounted"
mount --bind /dev/pts "$root/dev/pts" 2>/dev/null && mounted="$root/dev/pts $mounted" || true
mount -t tmpfs shm "$root/dev/shm" 2>/dev/null && mounted="$root/dev/shm $mounted" || true

say "installing git, make and ca-certificates in the root (the fresh machine's starting point)"
in_root 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git make ca-certificates' \
    >>"$log" 2>&1 || die "could not install git, make, ca-certificates; see $log"

# A bundle of HEAD, cloned by the root's own git: exactly what a clone has.
git -C "$here" bundle create "$root/tmp/tmtmock.bundle" HEAD >/dev/null 2>&1 ||
    die "git bundle of $here failed"
in_root 'git clone -q /tmp/tmtmock.bundle /root/tmtmock' >>"$log" 2>&1 ||
    die "git clone inside the root failed; see $log"
say "cloned $(git -C "$here" rev-parse --short HEAD) into $root/root/tmtmock"

# ---- 1. make run ----
if python3 - "$port" <<'EOF'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)
EOF
then
	die "port $port is in use on this machine; stop what listens there first"
fi
run_log=$dir/make-run.log
say "step 1: make run (installs the build dependencies, then serves)"
start=$(date +%s)
chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM=dumb NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    /bin/sh -c 'cd /root/tmtmock && exec make run' >"$run_log" 2>&1 &
run_pid=$!
i=0
while ! grep -q '^listening on ' "$run_log" 2>/dev/null; do
	if ! kill -0 "$run_pid" 2>/dev/null; then
		tail -20 "$run_log" >&2
		die "step 1: make run ended before it listened; see $run_log"
	fi
	i=$((i + 1))
	[ "$i" -lt 1800 ] || die "step 1: make run did not listen within 30 minutes; see $run_log"
	sleep 1
done
sleep 1
urls=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$run_log")
say "step 1: listening after $(( $(date +%s) - start )) s on: $(echo $urls)"
run_ok=1
for url in $urls localhost; do
	[ "$url" = localhost ] && url="http://localhost:$port"
	# One signed TextTranslate, as a client sends it (conformance/harness/listenprobe.py).
	if out=$(cd "$here/conformance" && python3 -m harness.listenprobe --url "$url" 2>&1); then
		say "step 1: $url answered: $out"
	else
		say "step 1: $url FAILED: $out"
		run_ok=0
	fi
done
# SIGTERM to the server, make's child (its recipe exec's it): the server
# drains and exits 0, and so does make. (A signal to make itself would end
# make with 143 whatever the server did.)
pkill -TERM -P "$run_pid" || say "step 1: no server process under make run"
run_rc=0
wait "$run_pid" || run_rc=$?
run_pid=""
if [ "$run_rc" -ne 0 ]; then
	say "step 1: make run exited $run_rc after SIGTERM to the server (expected 0)"
	run_ok=0
fi

# ---- 2. make test ----
test_rc=skipped
if [ "${FRESH_SKIP_TEST:-0}" != 1 ]; then
	test_log=$dir/make-test.log
	say "step 2: make test (installs the test dependencies, then runs every test; log: $test_log)"
	start=$(date +%s)
	test_rc=0
	in_root 'cd /root/tmtmock && make test' >"$test_log" 2>&1 || test_rc=$?
	say "step 2: make test exited $test_rc after $(( $(date +%s) - start )) s; its closing lines:"
	grep -E '^(Run Summary|  *(suites|tests|asserts) )|[0-9]+ passed|[0-9]+ failed|^FAILED |fuzz-smoke|^make: \*\*\*' \
	    "$test_log" | tail -30 >&2 || true
fi

echo "fresh-check: make run: $([ "$run_ok" = 1 ] && echo ok || echo FAILED); make test: exit $test_rc"
[ "$run_ok" = 1 ] && { [ "$test_rc" = 0 ] || [ "$test_rc" = skipped ]; }
