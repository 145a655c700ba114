#!/bin/sh
# pytest.sh ARGS: run pytest with a Python that has it. `python3` on PATH may
# be a separate install without pytest; Debian's lives under /usr/bin/python3.
for py in "${PYTHON:-}" /usr/bin/python3 python3; do
	[ -n "$py" ] || continue
	if "$py" -c 'import pytest' >/dev/null 2>&1; then
		exec "$py" -m pytest "$@"
	fi
done
echo "pytest.sh: no Python with pytest found; run: make deps-test" >&2
exit 1
