#!/bin/bash
#
# /usr/lib/frr/frrcommon.sh as installed by frr-vpnha.
#
# FRR's start scripts source this file: frrinit.sh (frr.service,
# /etc/init.d/frr) and watchfrr.sh (watchfrr's start/restart/stop jobs).
# frr-vpnha diverted FRR's own frrcommon.sh to frrcommon.sh.distrib; this
# file loads it unchanged and only adds vpnhad to its fixed daemon list,
# so that "vpnhad=yes" in /etc/frr/daemons makes watchfrr start, supervise
# and stop vpnhad like any other FRR daemon.  Removing frr-vpnha removes
# the diversion and puts FRR's file back.  See vpnhad(8).

if [ -r /usr/lib/frr/frrcommon.sh.distrib ]; then
	. /usr/lib/frr/frrcommon.sh.distrib
else
	echo "frrcommon.sh: /usr/lib/frr/frrcommon.sh.distrib missing (frr-vpnha half-installed?)" >&2
	exit 1
fi

# Last in the list: watchfrr starts it after zebra, and frrinit.sh stops
# it before zebra, so it withdraws its routes while zebra still runs.
case " $DAEMONS " in
*" vpnhad "*) ;;
*) DAEMONS="$DAEMONS vpnhad" ;;
esac

# Like the other daemons' defaults in /etc/frr/daemons: vty on localhost.
# A vpnhad_options line in /etc/frr/daemons takes precedence.
[ -n "${vpnhad_options+set}" ] || vpnhad_options="-A 127.0.0.1"

# While frr-vpnha is being removed, its prerm stops vpnhad and creates
# /run/frr-vpnha.removing: watchfrr must not start vpnhad again before
# dpkg has removed it.
eval "frr_vpnha_$(declare -f daemon_prep)"
daemon_prep() {
	if [ "$1" = vpnhad ] && [ -e /run/frr-vpnha.removing ]; then
		log_warning_msg "not starting vpnhad: the frr-vpnha package is being removed"
		return 1
	fi
	frr_vpnha_daemon_prep "$@"
}
