#!/bin/sh
# compatibility.sh [OUT] : regenerate the published compatibility matrix (docs/compatibility/).
#
# Every client that can call TMT, each against a fresh mock: its report.jsonl and
# summary.md in OUT/<label>/, then one matrix.html and summary.md over all of them in OUT.
# A client whose code is not present is skipped, and the script says so:
#
#   npm clients       conformance/clients/<name>/node_modules (npm ci in that folder;
#                     NPM_CI=1 runs it for the folders that lack it)
#   python-sdk-<v>    $TMT_SDKS/python-<v>   a tencentcloud-sdk-python source tree
#   go-sdk-<v>        $TMT_SDKS/go-<v>       a tencentcloud-sdk-go checkout (tencentcloud/common, tmt)
#   tccli-<v>         $TMT_SDKS/tccli-<v>    a tencentcloud-cli source tree (run with python-3.1.53)
#
# TMT_SDKS defaults to /work/sdks. The source trees are the public repositories at the
# graded commits (docs/compatibility/README.md says how to fetch them); nothing of them is
# committed here, only the reports.
#
# Exit status: 0 when every client ran and each matched its known failures, 1 when a
# verdict changed, 3 when no client could run.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/docs/compatibility}
sdks=${TMT_SDKS:-/work/sdks}
py=$("$here/scripts/python.sh") || exit 2
export TMTMOCK_BIN="${TMTMOCK_BIN:-$here/mock_server/build/tmtmock}"
[ -x "$TMTMOCK_BIN" ] || { echo "compatibility: $TMTMOCK_BIN is missing: make bin" >&2; exit 2; }
mkdir -p "$out"
ran=0 changed=0 skipped="" reports=""

# grade LABEL CLIENT [VAR=VALUE ...]: one client into $out/LABEL.
grade() {
	label=$1 client=$2
	shift 2
	dir="$out/$label"
	rm -rf "$dir"
	echo "== $label ($client)"
	env "$@" PYTHONPATH="$here/conformance${EXTRA_PYTHONPATH:+:$EXTRA_PYTHONPATH}" \
		"$py" -m suite run --client "$client" --reports "$dir" --workers "${WORKERS:-4}"
	rc=$?
	# Published: the report and its summary; the matrix is drawn over all of them below.
	rm -f "$dir/junit.xml" "$dir/matrix.html"
	[ -f "$dir/report.jsonl" ] && reports="$reports $dir/report.jsonl"
	case $rc in
	0) ran=$((ran + 1)) ;;
	3) skipped="$skipped $label(all SKIP)" ;;
	*) ran=$((ran + 1)); changed=$((changed + 1)) ;;
	esac
	EXTRA_PYTHONPATH=
}

skip() {
	echo "== $1: skipped: $2"
	skipped="$skipped $1"
}

npm_client() {
	label=$1 client=$2
	folder="$here/conformance/clients/$client"
	if [ ! -d "$folder/node_modules" ] && [ "${NPM_CI:-0}" = 1 ] && command -v npm >/dev/null; then
		(cd "$folder" && npm ci --no-audit --no-fund --ignore-scripts >/dev/null 2>&1)
	fi
	if ! command -v node >/dev/null; then
		skip "$label" "node is not installed"
	elif [ ! -d "$folder/node_modules" ]; then
		skip "$label" "not installed: cd $folder && npm ci (or NPM_CI=1)"
	else
		grade "$label" "$client"
	fi
}

EXTRA_PYTHONPATH=
grade reference reference
npm_client node-sdk-4.1.207 node-sdk
npm_client node-sdk-4.1.248 node-sdk-4.1.248
npm_client node-sdk-4.1.313 node-sdk-4.1-newest
npm_client node-sdk-4.0.1035 node-sdk-4.0
npm_client node-sdk-3.0.270 node-sdk-v3
npm_client node-sdk-common-4.1.220 node-sdk-common
npm_client node-sdk-intl-en-3.0.1335 node-sdk-intl-en
npm_client tencent-sdk-capi-2.0.3 tencent-sdk-capi

for v in 3.1.53 3.1.162; do
	if [ -d "$sdks/python-$v/tencentcloud/tmt" ]; then
		EXTRA_PYTHONPATH="$sdks/python-$v"
		grade "python-sdk-$v" python-sdk
	else
		skip "python-sdk-$v" "no source tree at $sdks/python-$v"
	fi
done
for v in 1.3.54 1.3.166; do
	if [ -d "$sdks/go-$v/tencentcloud/common" ] && command -v go >/dev/null; then
		grade "go-sdk-$v" go-sdk TMT_GO_SDK="$sdks/go-$v"
	else
		skip "go-sdk-$v" "no checkout at $sdks/go-$v (or no go)"
	fi
done
if [ -d "$sdks/tccli-3.1.49.1/tccli" ] && [ -d "$sdks/python-3.1.53/tencentcloud" ]; then
	EXTRA_PYTHONPATH="$sdks/tccli-3.1.49.1:$sdks/python-3.1.53"
	grade tccli-3.1.49.1 tccli "TCCLI=$py -m tccli.main"
else
	skip tccli-3.1.49.1 "no source tree at $sdks/tccli-3.1.49.1 (with python-3.1.53)"
fi

if [ -z "$reports" ]; then
	echo "compatibility: no client could run" >&2
	exit 3
fi
# shellcheck disable=SC2086
PYTHONPATH="$here/conformance" "$py" -m suite render $reports --out "$out" >/dev/null || exit 2
echo "compatibility: $ran clients graded, $changed with a changed verdict; matrix: $out/matrix.html"
[ -n "$skipped" ] && echo "compatibility: skipped:$skipped"
[ "$changed" -eq 0 ] || exit 1
exit 0
