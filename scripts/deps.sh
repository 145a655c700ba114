#!/bin/sh
# deps.sh [--list] [build|grade|test|fuzz] [CLIENT]: make sure what tmtmock needs for that
# use is installed (--list: print every Debian package of that use, installed or not, and
# stop). CLIENT, with grade: the conformance client to be graded, whose own needs are added.
#
#   build   the compiler with the C library's headers, make, pkg-config, and the
#           three libraries (libevent, jansson, OpenSSL): enough for `make run`
#   grade   build, plus Debian's Python with jsonschema, Node.js and npm, and the
#           official Node SDK (npm ci, from its lock file): enough for
#           `make conformance`, grading a client; with CLIENT, that client's
#           needs too (its npm folder; Go for go-sdk; requests, jmespath, six
#           for the Python SDK and tccli)
#   test    grade, plus everything the test suites use: CUnit, pytest, curl and
#           openssl (the README's recipes), Chromium (the HTML matrix), valgrind,
#           Go (the Go SDK adapter), man (the man page), clang with libFuzzer (the
#           fuzz pass), and every npm client folder: enough for `make test`
#   fuzz    clang with its libFuzzer and sanitizer runtimes
#
# A fresh Debian 12 with only git and make is the starting point (scripts/fresh-check.sh
# proves it). Missing Debian packages are installed with apt-get when running as root;
# otherwise this prints the exact command to run and exits 1.
set -eu

list=""
if [ "${1:-}" = --list ]; then
	list=1
	shift
fi
what=${1:-build}
client=${2:-}
case $what in
build|grade|test|fuzz) ;;
*)	echo "deps.sh: unknown use '$what' (build, grade, test or fuzz)" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")/.." && pwd)
missing=""

need_pkg() {	# need_pkg PACKAGE TEST...: add PACKAGE unless TEST succeeds
	pkg=$1; shift
	if [ -n "$list" ] || ! "$@" >/dev/null 2>&1; then
		missing="$missing $pkg"
	fi
}

# Does the C compiler find libc's headers? `gcc` without its recommends has none
# (libc6-dev), and every source file includes <stdlib.h>.
have_libc_headers() {
	printf '#include <stdlib.h>\nint main(void) { return 0; }\n' |
	    cc -x c -o /dev/null - >/dev/null 2>&1
}

# Is a Debian package installed? (For those no command or import reveals:
# Debian's ensurepip imports without python3-venv, and then a venv fails.)
installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Does clang build a libFuzzer target with the sanitizers?
have_libfuzzer() {
	echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
	    clang -x c -fsanitize=fuzzer,address,undefined -o /dev/null - >/dev/null 2>&1
}

level_build() {
	need_pkg gcc command -v cc
	need_pkg libc6-dev have_libc_headers
	need_pkg make command -v make
	need_pkg pkg-config command -v pkg-config
	need_pkg libevent-dev pkg-config --exists libevent libevent_openssl
	need_pkg libjansson-dev pkg-config --exists jansson
	need_pkg libssl-dev pkg-config --exists libcrypto libssl
}

level_grade() {
	level_build
	# The suite runs under Debian's Python (`python3` on PATH may be another install).
	need_pkg python3-jsonschema /usr/bin/python3 -c 'import jsonschema'
	need_pkg nodejs command -v node
	# nodesource's nodejs bundles npm; Debian's does not.
	need_pkg npm command -v npm
	# npm reaches its registry over HTTPS.
	need_pkg ca-certificates test -e /etc/ssl/certs/ca-certificates.crt
	# The official SDKs run from their source trees need what they import.
	case $client in
	go-sdk)	need_pkg golang-go command -v go ;;
	python-sdk|tccli)
		need_pkg python3-requests /usr/bin/python3 -c 'import requests'
		if [ "$client" = tccli ]; then
			need_pkg python3-jmespath /usr/bin/python3 -c 'import jmespath'
			need_pkg python3-six /usr/bin/python3 -c 'import six'
		fi ;;
	esac
}

level_fuzz() {
	need_pkg clang command -v clang
	need_pkg libclang-rt-14-dev have_libfuzzer
}

level_test() {
	level_grade
	need_pkg libcunit1-dev pkg-config --exists cunit
	need_pkg python3-pytest /usr/bin/python3 -c 'import pytest'
	# The README's recipes and tour: curl, and openssl to sign TC3 in the shell.
	need_pkg curl command -v curl
	need_pkg openssl command -v openssl
	# The HTML compatibility matrix is checked in a real browser.
	need_pkg chromium command -v chromium
	# test_install.py renders the installed man page with `man -l`.
	need_pkg man-db command -v man
	need_pkg groff-base command -v groff
	# test_valgrind.py: a start -> load -> SIGTERM cycle under valgrind.
	need_pkg valgrind command -v valgrind
	# The Go SDK adapter is compiled against a stub of the SDK's API, and the Go
	# helper (go/tmtmocktest) is tested with `go test`.
	need_pkg golang-go command -v go
	# The pytest plugin (python/pytest-tmtmock) is installed offline into a venv;
	# the CI recipe's workflow and action are read as YAML.
	need_pkg python3-venv installed python3-venv
	need_pkg python3-setuptools /usr/bin/python3 -c 'import setuptools'
	need_pkg python3-wheel /usr/bin/python3 -c 'import wheel'
	need_pkg python3-yaml /usr/bin/python3 -c 'import yaml'

	# `make test` ends with a short fuzz pass.
	level_fuzz
}

"level_$what"
if [ -n "$list" ]; then
	echo $missing
	exit 0
fi

if [ -n "$missing" ]; then
	cmd="apt-get install -y --no-install-recommends$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "tmtmock ($what) needs these Debian packages:$missing" >&2
		echo "run:  sudo apt-get update && sudo $cmd" >&2
		exit 1
	fi
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	if ! $cmd >/dev/null; then
		echo "deps: apt-get could not install:$missing" >&2
		exit 1
	fi
	# The compiler came with the packages above: check what it needed did too.
	missing=""
	"level_$what"
	if [ -n "$missing" ]; then
		echo "deps: still missing after apt-get:$missing" >&2
		exit 1
	fi
fi

if [ "$what" = grade ] || [ "$what" = test ]; then
	# Debian's npm trusts Node's bundled CAs only; a machine whose registry
	# access needs a local CA (update-ca-certificates) has it in the system
	# bundle.
	if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -e /etc/ssl/certs/ca-certificates.crt ]; then
		NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
		export NODE_EXTRA_CA_CERTS
	fi
	# The npm clients of the suite, each from its lock file: grading, the
	# client graded (the official Node SDK by default); testing, every one.
	for lock in "$here"/conformance/clients/*/package-lock.json; do
		dir=$(dirname "$lock")
		name=$(basename "$dir")
		if [ "$what" = grade ] && [ "$name" != "${client:-node-sdk}" ] && [ "$name" != node-sdk ]; then
			continue
		fi
		if [ ! -d "$dir/node_modules" ] || [ "$lock" -nt "$dir/node_modules/.package-lock.json" ]; then
			echo "deps: installing the $name client (npm ci)" >&2
			(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
		fi
	done
fi
