// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad strongSwan VICI client: one connection to a charon VICI unix
 * socket on the daemon's event loop.
 *
 * Connects without blocking and keeps reconnecting every second while
 * charon is away.  On connect it registers for ike-updown,
 * child-updown, ike-rekey, child-rekey and list-sa, calls
 * ops->connected, then dumps all SAs (list-sas).  SA snapshots
 * (list-sa, also after every rekey) and up/down events go to
 * ops->sa_event.  Requests are sent one at a time (VICI has no request
 * ids); a request pending when the connection drops gets its callback
 * with ok = false and msg = NULL.  Request bytes are zeroed once done.
 *
 * Callbacks may queue requests, but must not free the connection.
 */
#ifndef _FRR_VPNHA_VICI_IO_H
#define _FRR_VPNHA_VICI_IO_H

#include "vpnha_vici.h"

struct vpnha_vici;

struct vpnha_vici_ops {
	/* Registered for events; requests may be queued now. */
	void (*connected)(struct vpnha_vici *vc, void *arg);
	/* A connection that had been up is gone (reconnecting). */
	void (*disconnected)(struct vpnha_vici *vc, void *arg, const char *why);
	/*
	 * One IKE SA.  updown_event false: a list-sa snapshot with all
	 * its child SAs; true: an ike-updown or child-updown event (see
	 * sa->up_event) with the affected child SA only.
	 */
	void (*sa_event)(struct vpnha_vici *vc, void *arg,
			 const struct vpnha_vici_sa *sa, bool updown_event);
};

/*
 * Response to a request.  ok: CMD_RESPONSE without "success = no" (or
 * EVENT_CONFIRM); errmsg: charon's errmsg, "unknown command",
 * "disconnected", ... ("" if none); msg/len: the response message
 * (parse with vpnha_vici_parse()), NULL/0 when the connection dropped.
 */
typedef void (*vpnha_vici_cb)(void *arg, bool ok, const char *errmsg,
			      const uint8_t *msg, size_t len);

extern struct vpnha_vici *
vpnha_vici_new(const char *path, const struct vpnha_vici_ops *ops, void *arg);
/* Pending request callbacks are not called. */
extern void vpnha_vici_free(struct vpnha_vici *vc);
/* Connected and registered for events. */
extern bool vpnha_vici_connected(const struct vpnha_vici *vc);
/*
 * Why the last connection attempt failed or the connection dropped, for
 * show output ("connect: No such file or directory", "closed by
 * charon", ...; "" if none yet).  Kept after reconnecting.
 */
extern const char *vpnha_vici_last_error(const struct vpnha_vici *vc);

/*
 * Queue a request (a CMD_REQUEST built with vpnha_vici_begin() etc.;
 * vpnha_vici_end() is applied here).  Takes the buffer's bytes in any
 * case (req is left empty).  -1 without calling cb if not connected or
 * the buffer is not a valid request.  cb may be NULL.
 */
extern int vpnha_vici_request(struct vpnha_vici *vc, struct vpnha_vici_buf *req,
			      vpnha_vici_cb cb, void *arg);
/* Stream all SAs into ops->sa_event (coalesced with a queued dump). */
extern void vpnha_vici_list_sas(struct vpnha_vici *vc);

#endif /* _FRR_VPNHA_VICI_IO_H */
