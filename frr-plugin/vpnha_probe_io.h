// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad probe I/O: ICMP echo sockets bound to tunnel interfaces,
 * probe and tick timers; feeds the health checker.
 */
#ifndef _FRR_VPNHA_PROBE_IO_H
#define _FRR_VPNHA_PROBE_IO_H

#include "vpnha.h"

extern const struct vpnha_io_ops vpnha_io_ops;

extern void vpnha_io_init(void);
extern void vpnha_io_fini(void);
/* Send the probes due (and read their replies) in a long command. */
extern void vpnha_io_yield(void);

/*
 * Is the health-check source address on the tunnel interface (so the
 * peer's probes are answered through the tunnel)?  "present", "added by
 * vpnhad", "on another interface" (left alone) or "missing".
 */
extern const char *vpnha_io_source_status(const struct vpnha_tunnel *t);

/*
 * An address went from an interface (zebra's event, already removed
 * from libfrr's list): a tunnel whose health-check source it was puts
 * it back, as at start (someone else removed it).
 */
extern void vpnha_io_address_deleted(ifindex_t ifindex,
				     const struct prefix *addr);

/* The probe engine's counters (shared sockets, send lateness). */
struct json_object;
extern struct json_object *vpnha_io_json(void);
/* Probes leaving late for lack of CPU (probeEngine "overloaded"). */
extern bool vpnha_io_overloaded(void);

/* BFD session state of a type-bfd health check, or NULL. */
extern const char *vpnha_io_bfd_state(const struct vpnha_tunnel *t);

#endif /* _FRR_VPNHA_PROBE_IO_H */
