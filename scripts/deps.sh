#!/bin/sh
# deps.sh [build|test|fuzz]: make sure what tmtmock needs is installed.
#
# Missing Debian packages are installed with apt-get when running as root;
# otherwise this prints the exact command to run and exits 1. "build" needs
# the compiler and the libraries; "test" also needs CUnit, Python with pytest,
# Node.js and npm, and the official Node SDK (npm ci, from the lock file);
# "fuzz" needs clang with its libFuzzer and sanitizer runtimes.
set -eu

what=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
missing=""

need_pkg() {	# need_pkg PACKAGE TEST...: add PACKAGE unless TEST succeeds
	pkg=$1; shift
	if ! "$@" >/dev/null 2>&1; then
		missing="$missing $pkg"
	fi
}

need_pkg gcc command -v cc
need_pkg make command -v make
need_pkg pkg-config command -v pkg-config
need_pkg libevent-dev pkg-config --exists libevent libevent_openssl
need_pkg libjansson-dev pkg-config --exists jansson
need_pkg libssl-dev pkg-config --exists libcrypto libssl
need_pkg ca-certificates test -e /etc/ssl/certs/ca-certificates.crt
if [ "$what" = test ]; then
	need_pkg libcunit1-dev pkg-config --exists cunit
	need_pkg python3-pytest /usr/bin/python3 -c 'import pytest'
	need_pkg python3-jsonschema /usr/bin/python3 -c 'import jsonschema'
	# The HTML compatibility matrix is checked in a real browser.
	need_pkg chromium command -v chromium
	# test_install.py renders the installed man page with `man -l`.
	need_pkg man-db command -v man
	need_pkg groff-base command -v groff
	# test_valgrind.py: a start -> load -> SIGTERM cycle under valgrind.
	need_pkg valgrind command -v valgrind
	# The Go SDK adapter is compiled against a stub of the SDK's API.
	need_pkg golang-go command -v go
	need_pkg nodejs command -v node
	# nodesource's nodejs bundles npm; Debian's does not.
	need_pkg npm command -v npm
fi

# make fuzz: clang and its sanitizer and libFuzzer runtimes.
if [ "$what" = fuzz ]; then
	need_pkg clang command -v clang
	need_pkg libclang-rt-14-dev sh -c 'echo "int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }" |
	    clang -x c -fsanitize=fuzzer,address,undefined -o /dev/null -'
fi

if [ -n "$missing" ]; then
	cmd="apt-get install -y --no-install-recommends$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "tmtmock needs these Debian packages:$missing" >&2
		echo "run:  sudo apt-get update && sudo $cmd" >&2
		exit 1
	fi
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	$cmd >/dev/null
fi

if [ "$what" = test ]; then
	# Every npm client of the suite (node-sdk and the other pinned folders), from its lock file.
	for lock in "$here"/conformance/clients/*/package-lock.json; do
		dir=$(dirname "$lock")
		if [ ! -d "$dir/node_modules" ] || [ "$lock" -nt "$dir/node_modules/.package-lock.json" ]; then
			echo "deps: installing the $(basename "$dir") client (npm ci)" >&2
			(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
		fi
	done
fi
