// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad: VPN high availability for route-based IPsec tunnels.
 */
#include <zebra.h>

#include <lib/version.h>
#include "lib/command.h"
#include "lib/filter.h"
#include "lib/if.h"
#include "lib/libfrr.h"
#include "lib/log.h"
#include "lib/memory.h"
#include "lib/privs.h"
#include "lib/sigevent.h"
#include "lib/vrf.h"

#include "vpnha_compat.h"
#include "vpnha.h"
#include "vpnha_debug.h"
#include "vpnha_probe_io.h"
#include "vpnha_ipsec_io.h"
#include "vpnha_nb.h"
#include "vpnha_vty.h"
#include "vpnha_zebra_io.h"

/*
 * NET_RAW: raw ICMP probe sockets bound to tunnel interfaces;
 * NET_ADMIN: adding a missing health-check address to a tunnel.
 */
static zebra_capabilities_t vpnha_caps_p[] = {
	ZCAP_NET_RAW,
	ZCAP_NET_ADMIN,
};

struct zebra_privs_t vpnha_privs = {
#if defined(FRR_USER) && defined(FRR_GROUP)
	.user = FRR_USER,
	.group = FRR_GROUP,
#endif
#if defined(VTY_GROUP)
	.vty_group = VTY_GROUP,
#endif
	.caps_p = vpnha_caps_p,
	.cap_num_p = array_size(vpnha_caps_p),
	.cap_num_i = 0,
};

static const struct option vpnha_longopts[] = {{0}};

vpnha_loop_t *master;

static struct frr_daemon_info vpnhad_di;

static void vpnha_sighup(void)
{
	zlog_info(
		"SIGHUP received, ignored (configuration is applied through vtysh)");
}

static void vpnha_sigint(void)
{
	zlog_notice(
		"Terminating on signal: routes left to zebra's graceful restart");
	/* IPsec connections stay up: a restart must not cut the tunnels. */
	vpnha_ipsec_io_fini();
	/*
	 * Routes stay too: zebra keeps them (graceful restart, at most
	 * VPNHA_ZEBRA_GR_STALE_S) until the next vpnhad has its first
	 * verdicts, so a restart never leaves a prefix without a route.
	 */
	vpnha_rib_disconnected(vpnha);
	vpnha_free(vpnha);
	vpnha_io_fini();
	vpnha_zebra_stop();
	frr_fini();
	exit(0);
}

static void vpnha_sigusr1(void)
{
	zlog_rotate();
}

/*
 * Stop for good (package removal): withdraw every route, give zebra a
 * moment to read the deletes (it drops what a client sent just before
 * it disconnected, and keeps the rest for the graceful restart), exit.
 */
#define VPNHA_STOP_FLUSH_MS 500

static void vpnha_stop_for_good(vpnha_event_t *e)
{
	vpnha_free(vpnha);
	vpnha_io_fini();
	vpnha_zebra_stop();
	frr_fini();
	exit(0);
}

static void vpnha_sigusr2(void)
{
	static vpnha_event_t *t_stop;

	if (t_stop)
		return;
	zlog_notice("Terminating on SIGUSR2: withdrawing all routes");
	/* IPsec connections stay, as on SIGTERM: they are not ours to cut. */
	vpnha_ipsec_io_fini();
	vpnha_withdraw_all(vpnha);
	vpnha_add_timer_msec(master, vpnha_stop_for_good, NULL,
			     VPNHA_STOP_FLUSH_MS, &t_stop);
}

static struct frr_signal_t vpnha_signals[] = {
	{.signal = SIGHUP, .handler = &vpnha_sighup},
	{.signal = SIGUSR1, .handler = &vpnha_sigusr1},
	{.signal = SIGUSR2, .handler = &vpnha_sigusr2},
	{.signal = SIGINT, .handler = &vpnha_sigint},
	{.signal = SIGTERM, .handler = &vpnha_sigint},
};

static const struct frr_yang_module_info *const vpnha_yang_modules[] = {
	&frr_filter_info,
	&frr_interface_info,
	&frr_vrf_info,
	&frr_vpnhad_info,
};

/* clang-format off */
FRR_DAEMON_INFO(vpnhad, VPNHA,
	.vty_port = VPNHA_VTY_PORT,
	.proghelp = "VPN high availability for route-based IPsec tunnels:\n"
		    "health-checks each tunnel and moves its routes in zebra.",
	.signals = vpnha_signals,
	.n_signals = array_size(vpnha_signals),
	.privs = &vpnha_privs,
	.yang_modules = vpnha_yang_modules,
	.n_yang_modules = array_size(vpnha_yang_modules),
);
/* clang-format on */

int main(int argc, char **argv, char **envp)
{
	frr_preinit(&vpnhad_di, argc, argv);
	frr_opt_add("", vpnha_longopts, "");

	while (1) {
		int opt = frr_getopt(argc, argv, NULL);

		if (opt == EOF)
			break;
		switch (opt) {
		case 0:
			break;
		default:
			frr_help_exit(1);
		}
	}

	master = frr_init();

	vpnha_debug_init();
	vpnha_new(&vpnha_zebra_rib_ops, &vpnha_io_ops, &vpnha_ipsec_io_ops,
		  NULL);
	vpnha_zebra_vrf_init();
	vpnha_io_init();
	vpnha_zebra_init();
	vpnha_vty_init();

	frr_config_fork();
	frr_run(master);

	/* Not reached. */
	return 0;
}
