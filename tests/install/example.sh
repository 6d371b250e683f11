#!/bin/bash
# Install libkgil into a scratch root (make install DESTDIR=...) with a
# PREFIX other than the build's, build docs/example.c against the
# installed copy with nothing but `pkg-config --cflags --libs kgil`, and
# run it on the userspace backends: the header, the UAPI header it
# includes, the library and a kgil.pc naming the install's own PREFIX must
# all be installed and agree.  Native; needs no module.
set -euo pipefail
cd "$(dirname "$0")/../.."
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# The build's kgil.pc names the build's PREFIX (the default); the install
# must write one for its own, as `make && make install PREFIX=/usr` does.
PREFIX=/opt/kgil-install-test
rm -f build/kgil.pc
make -s build/kgil.pc
[ "$(sed -n 's/^prefix=//p' build/kgil.pc)" != "$PREFIX" ] ||
	{ echo "install: pick a PREFIX unlike the build's" >&2; exit 1; }
make -s install DESTDIR="$T" PREFIX="$PREFIX" UDEVRULESDIR=/etc/udev/rules.d >/dev/null
grep -qx "prefix=$PREFIX" "$T$PREFIX/lib/pkgconfig/kgil.pc" ||
	{ echo "install: kgil.pc does not name PREFIX $PREFIX" >&2; exit 1; }
[ -f "$T/etc/udev/rules.d/60-kgil.rules" ] ||
	{ echo "install: the udev rule was not installed" >&2; exit 1; }
export PKG_CONFIG_PATH="$T$PREFIX/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$T"
flags=$(pkg-config --cflags --libs kgil)
echo "install: pkg-config --cflags --libs kgil: $flags"
# shellcheck disable=SC2086
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$T/example" docs/example.c $flags
for backend in user-legacy user-newgil; do
	out=$(KGIL_BACKEND=$backend LD_LIBRARY_PATH="$T$PREFIX/lib" "$T/example")
	echo "install: $out"
	case $out in
	"$backend: "*" ticks"*) ;;
	*) echo "install: unexpected output from the example" >&2; exit 1 ;;
	esac
done
# The example really used the installed shared library.
# (ldd's output is read whole first: grep -q under pipefail would make a
# SIGPIPE'd ldd fail the check at random.)
libs=$(LD_LIBRARY_PATH="$T$PREFIX/lib" ldd "$T/example")
grep -q "$T$PREFIX/lib/libkgil.so" <<< "$libs" ||
	{ echo "install: example not linked against the installed libkgil.so" >&2; exit 1; }
echo "install: ok"
