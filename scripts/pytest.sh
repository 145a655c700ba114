#!/bin/sh
# pytest.sh ARGS: run pytest with a Python that has it (scripts/python.sh finds it: `python3`
# on PATH may be a separate install without pytest; Debian's lives under /usr/bin/python3).
py=$("$(dirname "$0")/python.sh") || exit 1
exec "$py" -m pytest "$@"
