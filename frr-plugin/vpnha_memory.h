// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad's memory group: every vpnhad MTYPE belongs to it.  Include this,
 * not the whole model (vpnha.h), where only an MTYPE is needed.
 */
#ifndef _FRR_VPNHA_MEMORY_H
#define _FRR_VPNHA_MEMORY_H

#include "lib/memory.h"

DECLARE_MGROUP(VPNHAD);

#endif /* _FRR_VPNHA_MEMORY_H */
