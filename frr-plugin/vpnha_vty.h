// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad show commands.
 */
#ifndef _FRR_VPNHA_VTY_H
#define _FRR_VPNHA_VTY_H

/* vpnhad's vty TCP port (FRR's own daemons use 2600-2623). */
#define VPNHA_VTY_PORT 2640

extern void vpnha_vty_init(void);
extern void vpnha_cli_init(void);

#endif /* _FRR_VPNHA_VTY_H */
