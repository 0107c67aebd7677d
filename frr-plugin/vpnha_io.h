// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad probe I/O: ICMP echo sockets bound to tunnel interfaces,
 * probe and tick timers; feeds the health checker.
 */
#ifndef _FRR_VPNHA_IO_H
#define _FRR_VPNHA_IO_H

#include "vpnha.h"

extern const struct vpnha_io_ops vpnha_io_ops;

extern void vpnha_io_init(void);
extern void vpnha_io_fini(void);

#endif /* _FRR_VPNHA_IO_H */
