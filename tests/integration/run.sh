#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Namespace integration tests (make check). Needs root: exit 77 = skipped.
# Env (exported by make check): VPNHA_BUILDDIR, VPNHA_SRCDIR, FRR_KIT;
# optional VPNHA_DAEMON, VPNHA_VTYSH. Extra arguments go to pytest,
# e.g. tests/integration/run.sh -k shutdown -x
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the namespace integration tests need root" >&2
	exit 77
fi
VPNHA_SRCDIR=${VPNHA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export VPNHA_SRCDIR
if ! /usr/bin/python3 -c 'import pytest' 2>/dev/null; then
	echo "FAIL: /usr/bin/python3 has no pytest (apt-get install -y python3-pytest)" >&2
	exit 99
fi
exec /usr/bin/python3 -m pytest -v -rfEsx -p no:cacheprovider "$VPNHA_SRCDIR/tests/integration" "$@"
