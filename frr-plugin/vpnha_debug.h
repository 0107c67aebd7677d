// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad debugging.
 */
#ifndef _FRR_VPNHA_DEBUG_H
#define _FRR_VPNHA_DEBUG_H

#include "lib/debug.h"

extern struct debug vpnha_dbg_events;
extern struct debug vpnha_dbg_probe;
extern struct debug vpnha_dbg_zebra;
extern struct debug vpnha_dbg_nb;
extern struct debug vpnha_dbg_ipsec;

#define VPNHA_DEBUG(what) DEBUG_MODE_CHECK(&vpnha_dbg_##what, DEBUG_MODE_ALL)

extern void vpnha_debug_init(void);

#endif /* _FRR_VPNHA_DEBUG_H */
