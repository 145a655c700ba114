#!/bin/sh
# install.sh install BINARY | uninstall: what `make install` and `make uninstall` run.
#
# PREFIX (default /usr/local) and DESTDIR (default empty, for staging) come from
# the environment. Installed under $DESTDIR$PREFIX:
#
#   bin/tmtmock                       the server
#   bin/tmtmock-conformance           the conformance suite's entry point
#   share/man/man1/tmtmock.1          the manual
#   share/tmtmock/fixtures/           the default fixtures (tmtmock finds them
#                                     from its own path: ../share/tmtmock/fixtures)
#   share/tmtmock/conformance/        the suite (harness, suite, scenarios, schemas,
#                                     client adapters; no node_modules)
#   share/tmtmock/install-manifest.txt  every file and every directory created,
#                                     one per line, relative to PREFIX (directories
#                                     end in /), so uninstall removes exactly those
#
# Installing over an earlier install first removes what its manifest lists.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
prefix=${PREFIX:-/usr/local}
root="${DESTDIR:-}$prefix"
manifest_rel=share/tmtmock/install-manifest.txt
manifest="$root/$manifest_rel"

# Removes what the manifest lists: files first, then the directories install
# created, deepest first; a directory someone put other files in stays.
remove_installed() {
	[ -f "$manifest" ] || return 0
	dirs=$(grep '/$' "$manifest" | sort -r || true)
	grep -v '/$' "$manifest" | while IFS= read -r f; do
		rm -f "$root/$f"
		# Python caches the bytecode of the suite's modules beside them
		# when it runs them (unless PYTHONDONTWRITEBYTECODE is set): derived
		# from what was installed, so removed with it.
		case $f in
		*.py)	rm -f "$root/$(dirname "$f")/__pycache__/$(basename "$f" .py)".*.pyc
			rmdir "$root/$(dirname "$f")/__pycache__" 2>/dev/null || true ;;
		esac
	done
	for d in $dirs; do
		rmdir "$root/$d" 2>/dev/null ||
		    echo "install.sh: kept $root/$d (not empty)" >&2
	done
}

list=""	# the new manifest, built in a temporary file

mkd() {	# mkd REL: make $root/REL and its missing parents, noting each
	[ -d "$root/$1" ] && return 0
	mkd "$(dirname "$1")"
	mkdir "$root/$1"
	echo "$1/" >>"$list"
}

put() {	# put SRC REL MODE
	mkd "$(dirname "$2")"
	cp "$1" "$root/$2"
	chmod "$3" "$root/$2"
	echo "$2" >>"$list"
}

put_tree() {	# put_tree SRCDIR RELDIR: regular files, no caches or node_modules
	(cd "$1" && find . \( -name node_modules -o -name __pycache__ -o \
	    -name '.*' ! -name . \) -prune -o -type f ! -name '*.pyc' -print) |
	    sed 's|^\./||' | sort | while IFS= read -r f; do
		mode=644
		[ -x "$1/$f" ] && mode=755
		put "$1/$f" "$2/$f" "$mode"
	done
}

install_all() {
	bin=$1
	if [ ! -x "$bin" ]; then
		echo "install.sh: $bin is missing: build it first (make build)" >&2
		exit 1
	fi
	remove_installed
	mkdir -p "$root"
	list=$(mktemp)
	put "$bin" bin/tmtmock 755
	put "$here/scripts/tmtmock-conformance" bin/tmtmock-conformance 755
	put "$here/man/tmtmock.1" share/man/man1/tmtmock.1 644
	put_tree "$here/fixtures" share/tmtmock/fixtures
	for d in "$here"/conformance/*; do
		name=$(basename "$d")
		# conformance/tests are the project's own tests, not the suite.
		[ "$name" = tests ] && continue
		if [ -d "$d" ]; then
			put_tree "$d" "share/tmtmock/conformance/$name"
		elif [ -f "$d" ]; then
			put "$d" "share/tmtmock/conformance/$name" 644
		fi
	done
	mkd share/tmtmock
	echo "$manifest_rel" >>"$list"
	cp "$list" "$manifest"
	chmod 644 "$manifest"
	rm -f "$list"
	echo "installed tmtmock under $root ($(wc -l <"$manifest") entries in $manifest)"
}

case "${1:-}" in
install)
	[ $# -eq 2 ] || { echo "usage: install.sh install BINARY" >&2; exit 2; }
	install_all "$2"
	;;
uninstall)
	if [ ! -f "$manifest" ]; then
		echo "install.sh: nothing to uninstall: $manifest is missing" >&2
		exit 0
	fi
	remove_installed
	echo "uninstalled tmtmock from $root"
	;;
*)
	echo "usage: install.sh install BINARY | uninstall" >&2
	exit 2
	;;
esac
