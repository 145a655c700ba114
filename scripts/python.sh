#!/bin/sh
# python.sh [--grade] [MODULE...]: print the Python interpreter that has pytest and
# jsonschema (with --grade, grading a client: jsonschema only), and every MODULE named.
# `python3` on PATH may be a separate install without them; Debian's lives under
# /usr/bin/python3. $PYTHON, when set, is tried first.
level=test
if [ "${1:-}" = --grade ]; then
	level=grade
	shift
	mods="jsonschema $*"
else
	mods="pytest jsonschema $*"
fi
check=""
for m in $mods; do
	check="${check}import $m;"
done
for py in "${PYTHON:-}" /usr/bin/python3 python3; do
	[ -n "$py" ] || continue
	if "$py" -c "$check" >/dev/null 2>&1; then
		command -v "$py"
		exit 0
	fi
done
echo "python.sh: no Python with $mods found; run: make deps-$level" >&2
exit 1
