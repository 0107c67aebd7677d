// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad <-> zebra (ZAPI) adapter.
 */
#ifndef _FRR_VPNHA_ZEBRA_IO_H
#define _FRR_VPNHA_ZEBRA_IO_H

#include "vpnha.h"

/* zebra route instance of vpnhad's routes: shown as S[5]. */
#define VPNHA_ZEBRA_INSTANCE 5

/*
 * Graceful restart: how long zebra keeps our routes after we disconnect
 * (restart, crash) before deleting them; longer than the start-up hold
 * (at most 30 s, vpnha.c).
 */
#define VPNHA_ZEBRA_GR_STALE_S 60

extern const struct vpnha_rib_ops vpnha_zebra_rib_ops;

extern void vpnha_zebra_init(void);
extern void vpnha_zebra_stop(void);
/* Start the zebra client that carries BFD sessions (idempotent). */
extern void vpnha_zebra_bfd_enable(void);

/* VRF callbacks (libfrr's vrf_init()), after vpnha_new(). */
extern void vpnha_zebra_vrf_init(void);
/* The id of the VRF named name, VRF_UNKNOWN when zebra has none. */
extern vrf_id_t vpnha_zebra_vrf_id(const char *name);

/*
 * Interface ifname as zebra reported it: in VRF vrf if there, else in
 * whichever VRF has it (NULL: none).
 */
extern struct interface *vpnha_zebra_if_lookup(const char *ifname,
					       const char *vrf);

/* Connected to zebra right now. */
extern bool vpnha_zebra_connected(void);

#endif /* _FRR_VPNHA_ZEBRA_IO_H */
