#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# check-doc.sh: keep the documentation true (make check, any machine).
#  - every command of README.md's command table is in vpnhad(8);
#  - every option "vpnhad --help" lists is in vpnhad(8);
#  - doc/vpnhad.conf, README.md's configuration example and vpnhad(8)'s
#    EXAMPLE are the same configuration.
# Env (exported by make check): VPNHA_SRCDIR, VPNHA_BUILDDIR.

set -eu
src=${VPNHA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${VPNHA_BUILDDIR:-$src}
man=$src/doc/vpnhad.8
readme=$src/README.md
example=$src/doc/vpnhad.conf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

bad() {
	echo "FAIL: $*" >&2
	fail=1
}

# The man page as plain text lines: no comments, macros or font escapes.
sed -e '/^\.\\"/d' -e 's/^\.[A-Za-z]\{1,3\}\( \|$\)//' \
	-e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\(bu//g' -e 's/\\&//g' \
	-e 's/\\e/\\/g' "$man" >"$tmp/man.txt"

# 1. README's command table, second column: each `...` span.
awk '/^### Commands/ { on = 1; next } on && /^#/ { exit }
	on && /^\| [a-z\/-]+ \|/ {
		gsub(/\\\|/, "\001")
		n = split($0, col, "|")
		c = col[3]
		while (match(c, /`[^`]+`/)) {
			s = substr(c, RSTART + 1, RLENGTH - 2)
			gsub("\001", "|", s)
			print s
			c = substr(c, RSTART + RLENGTH)
		}
	}' "$readme" >"$tmp/commands"
[ -s "$tmp/commands" ] || bad "no commands found in README.md's command table"
while IFS= read -r cmd; do
	grep -qF -- "$cmd" "$tmp/man.txt" ||
		bad "README command '$cmd' is not in doc/vpnhad.8"
done <"$tmp/commands"

# 2. The daemon's options.
vpnhad=$bld/frr-plugin/vpnhad
if [ -x "$vpnhad" ] && "$vpnhad" --help >"$tmp/help" 2>&1; then
	grep -o -- '--[a-z_-]*' "$tmp/help" | sort -u >"$tmp/longopts"
	[ -s "$tmp/longopts" ] || bad "no options in vpnhad --help"
	while IFS= read -r opt; do
		grep -qe "\\(^\\|[ \"]\\)$opt\\([ \"]\\|$\\)" "$tmp/man.txt" ||
			bad "option $opt (vpnhad --help) is not in doc/vpnhad.8"
	done <"$tmp/longopts"
	# short options: on the same line as their long one
	sed -n 's/^ *\(-[A-Za-z]\), \(--[a-z_-]*\).*/\1 \2/p' "$tmp/help" |
		while read -r short long; do
			grep -e "$long" "$tmp/man.txt" | grep -qe "\\(^\\|[ \"]\\)$short\\([ \",]\\|$\\)" ||
				{ echo "FAIL: option $short, $long (vpnhad --help) is not in doc/vpnhad.8" >&2; echo x; }
		done >"$tmp/shortbad"
	[ ! -s "$tmp/shortbad" ] || fail=1
else
	echo "note: $vpnhad --help does not run here; options not checked" >&2
fi

# 3. One example configuration everywhere.
grep -v '^!' "$example" >"$tmp/example"
awk '/^## Configuration example/ { on = 1 } on && /^```/ { if (in_) exit; in_ = 1; next }
	in_ { print }' "$readme" >"$tmp/readme-example"
awk '/^\.SH EXAMPLE/ { on = 1 } on && /^\.nf/ { in_ = 1; next } in_ && /^\.fi/ { exit }
	in_ && !/^\./ { print }' "$man" | sed -e 's/\\-/-/g' >"$tmp/man-example"
cmp -s "$tmp/example" "$tmp/readme-example" ||
	bad "doc/vpnhad.conf differs from README.md's configuration example: $(diff "$tmp/example" "$tmp/readme-example" | head -5)"
cmp -s "$tmp/example" "$tmp/man-example" ||
	bad "doc/vpnhad.conf differs from vpnhad(8)'s EXAMPLE: $(diff "$tmp/example" "$tmp/man-example" | head -5)"

[ $fail = 0 ] && echo "PASS: README commands ($(wc -l <"$tmp/commands")), options and example agree with vpnhad(8)"
exit $fail
