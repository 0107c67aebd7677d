// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad IPsec adapter, shared by its files only:
 *
 *   vpnha_ipsec_io.c       the common adapter: the core's ipsec ops,
 *                          dispatch to the backend, re-initiation with
 *                          backoff, show helpers
 *   vpnha_libreswan_io.c   libreswan backend: files, whack/addconn jobs,
 *                          SA poll, XFRM netlink watch
 *   vpnha_strongswan_io.c  strongSwan backend: VICI connection pool,
 *                          loads, SA events
 *   vpnha_job_io.c         child-process job queue (whack, addconn)
 *
 * The backends differ only through struct vpnha_ipsec_io_backend.
 */
#ifndef _FRR_VPNHA_IPSEC_IO_PRIVATE_H
#define _FRR_VPNHA_IPSEC_IO_PRIVATE_H

#include "lib/memory.h"

#include "vpnha_compat.h"
#include "vpnha.h"

DECLARE_MTYPE(VPNHA_IPSEC_IO);

struct vpnha_ipsec_io_backend;
struct vref;

/* Adapter state of one managed tunnel (t->ipsec_io). */
struct itun {
	struct vpnha_tunnel *t;
	const struct vpnha_ipsec_io_backend *be;
	char conn[VPNHA_CONN_MAX + 1];		 /* "" until generated */
	char file[2][VPNHA_IPSEC_PATH_MAX + 80]; /* libreswan conf, secrets */
	struct vpnha_text applied;		 /* what is loaded */
	char psk[VPNHA_PSK_OBSCURED_MAX + 1];	 /* its key, obscured */
	bool loaded;
	struct vref *vr; /* strongSwan */
	vpnha_event_t *t_init;
	uint32_t backoff_ms;
	uint32_t child_id; /* libreswan serial / strongSwan SPI: rekeys */
	bool seen;	   /* in the current SA dump */
	bool initiated;	   /* strongSwan: this vpnhad initiated the conn */
	bool adopting;	   /* strongSwan: SA from before the restart, */
	struct timeval adopt_tv; /* its config still arriving since then */
	struct timeval init_tv;	 /* strongSwan: last initiate sent */
	bool file_error;	 /* libreswan: files could not be written */
	bool load_failed;	 /* libreswan: addconn refused the conn */
	uint32_t if_id;		 /* of the loaded connection */
};

/* What differs between the IPsec daemons. */
struct vpnha_ipsec_io_backend {
	enum vpnha_ipsec_backend kind;
	/* (Re)load the resolved connection if it changed, bring it up. */
	void (*apply)(struct itun *it, const struct vpnha_ipsec_params *p);
	/* Take the connection down and remove what vpnhad loaded. */
	void (*remove)(struct itun *it);
	/* Initiate the loaded connection again (its SA is down). */
	void (*initiate)(struct itun *it);
	/* The connection as the daemon gets it, key hidden (for show). */
	void (*render)(struct vpnha_text *out,
		       const struct vpnha_ipsec_params *p);
	/* Global settings changed: stop what runs for every tunnel. */
	void (*stop)(void);
	/* vpnhad exits: free everything, leave the daemon's state alone. */
	void (*fini)(void);
};

extern const struct vpnha_ipsec_io_backend vpnha_libreswan_backend;
extern const struct vpnha_ipsec_io_backend vpnha_strongswan_backend;

static inline struct itun *itun_of(const struct vpnha_tunnel *t)
{
	return t->ipsec_io;
}

/* Set the tunnel's SA state (core setter), re-initiating a down SA. */
extern void vpnha_ipsec_io_sa(struct itun *it, enum vpnha_sa_state state,
			      const char *fmt, ...) PRINTFRR(3, 4);

/* Generate and load the tunnel's connection again (daemon back, file
 * error to retry). */
extern void vpnha_ipsec_io_reapply(struct vpnha_tunnel *t);

/* Is the loaded text/key already this one? */
extern bool vpnha_ipsec_io_same(const struct itun *it,
				const struct vpnha_text *text,
				const struct vpnha_ipsec_params *p);
/* Remember text (taken over) and the key as loaded. */
extern void vpnha_ipsec_io_applied(struct itun *it, struct vpnha_text *text,
				   const struct vpnha_ipsec_params *p);

/* The first line of a command's output, for messages. */
extern void vpnha_ipsec_io_first_line(char *dst, size_t len, const char *out);

#endif /* _FRR_VPNHA_IPSEC_IO_PRIVATE_H */
