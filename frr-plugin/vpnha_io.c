// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad probe I/O (placeholder until the health-check engine lands):
 * tunnels without probes are judged by interface state alone.
 */
#include <zebra.h>

#include "vpnha_io.h"

const struct vpnha_io_ops vpnha_io_ops = {};

void vpnha_io_init(void)
{
}

void vpnha_io_fini(void)
{
}
