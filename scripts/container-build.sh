#!/bin/sh
# container-build.sh STAGE: the Dockerfile's build stage, as one script, so the
# test suite runs exactly what an image build runs (test_container.py).
#
# Builds tmtmock from this tree in a scratch directory and installs it with
# `make install` under STAGE/usr/local (DESTDIR=STAGE PREFIX=/usr/local): the
# runtime stage copies bin/tmtmock and share/tmtmock/fixtures from there. The
# build dependencies must be installed already (the Dockerfile's apt-get line).
set -eu
stage=${1:?usage: container-build.sh STAGE}
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cd "$here"
# deps.sh only checks here (everything is installed): it is make install's first step.
make --no-print-directory BUILD="$build" install DESTDIR="$stage" PREFIX=/usr/local
"$stage/usr/local/bin/tmtmock" --version
