// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The libfrr calls that differ between FRR 8.4 (Debian 12) and FRR 10.x
 * (Debian 13), in one place.  Select on the event loop header: 10.x has
 * lib/frrevent.h, 8.4 has lib/thread.h.  Typedefs, not "#define event
 * thread": that would break xref macros and nb callback args.
 */
#ifndef _FRR_VPNHA_COMPAT_H
#define _FRR_VPNHA_COMPAT_H

#if __has_include("lib/frrevent.h")
#include "lib/frrevent.h"
/* lib/zebra.h no longer pulls these in (gcc 14: implicit declarations). */
#include <fcntl.h>
#include <string.h>
#define VPNHA_FRR_10 1

typedef struct event vpnha_event_t;
typedef struct event_loop vpnha_loop_t;
#define VPNHA_EVENT_ARGS EVENT_ARGS
#define VPNHA_EVENT_ARG(e) EVENT_ARG(e)
#define VPNHA_EVENT_FD(e) EVENT_FD(e)
#define VPNHA_EVENT_OFF(e) EVENT_OFF(e)
#define vpnha_add_timer_msec(loop, cb, arg, ms, ref)                           \
	event_add_timer_msec(loop, cb, arg, ms, ref)
#define vpnha_add_read(loop, cb, arg, fd, ref)                                 \
	event_add_read(loop, cb, arg, fd, ref)
#define vpnha_add_write(loop, cb, arg, fd, ref)                                \
	event_add_write(loop, cb, arg, fd, ref)
#define vpnha_add_event(loop, cb, arg, val, ref)                               \
	event_add_event(loop, cb, arg, val, ref)
#define vpnha_timer_remain_msec(e) event_timer_remain_msec(e)

/*
 * zebra: install notifications are requested after connecting
 * (receive_notify is gone in 10.0); interface events are hooks.
 */
#define vpnha_zclient_new(handlers, n)                                         \
	zclient_new(master, &zclient_options_default, handlers, n)
#define vpnha_zclient_notify_request(zc)                                       \
	zebra_route_notify_send(ZEBRA_ROUTE_NOTIFY_REQUEST, zc, true)
/*
 * if_real: an interface zebra adds, also one moving to another VRF
 * (10.x sends "down, delete" in the old VRF and "add" in the new one,
 * no up: ZEBRA_INTERFACE_VRF_UPDATE is gone).
 */
#define vpnha_if_hooks(update, destroy)                                        \
	do {                                                                   \
		hook_register_prio(if_real, 0, update);                        \
		hook_register_prio(if_up, 0, update);                          \
		hook_register_prio(if_down, 0, update);                        \
		hook_register_prio(if_unreal, 0, destroy);                     \
	} while (0)
/* zebra >= 8.5 forwards BFD status to static clients (zebra_ptm.h). */
#define VPNHA_BFD_OWN_ZCLIENT 0
/*
 * lib/debug.h: libfrr calls debug_init() itself; debug_install()ed
 * records are written to the config ("conf") and switched by "debug
 * all" by libfrr.
 */
#define VPNHA_DEBUG_LIB_WRITES 1
#define VPNHA_DEBUG_INIT(conf_, desc_)                                         \
	{                                                                      \
		.conf = conf_, .desc = desc_                                   \
	}

#else /* FRR 8.4 */
#include "lib/thread.h"

typedef struct thread vpnha_event_t;
typedef struct thread_master vpnha_loop_t;
#define VPNHA_EVENT_ARGS THREAD_ARGS
#define VPNHA_EVENT_ARG(e) THREAD_ARG(e)
#define VPNHA_EVENT_FD(e) THREAD_FD(e)
#define VPNHA_EVENT_OFF(e) THREAD_OFF(e)
#define vpnha_add_timer_msec(loop, cb, arg, ms, ref)                           \
	thread_add_timer_msec(loop, cb, arg, ms, ref)
#define vpnha_add_read(loop, cb, arg, fd, ref)                                 \
	thread_add_read(loop, cb, arg, fd, ref)
#define vpnha_add_write(loop, cb, arg, fd, ref)                                \
	thread_add_write(loop, cb, arg, fd, ref)
#define vpnha_add_event(loop, cb, arg, val, ref)                               \
	thread_add_event(loop, cb, arg, val, ref)
#define vpnha_timer_remain_msec(e) thread_timer_remain_msec(e)

/* zebra: install notifications are asked for in the HELLO. */
#define vpnha_zclient_new(handlers, n)                                         \
	zclient_new(master, &(struct zclient_options){.receive_notify = true}, \
		    handlers, n)
#define vpnha_zclient_notify_request(zc) ((void)(zc))
#define vpnha_if_hooks(update, destroy)                                        \
	if_zapi_callbacks(update, update, update, destroy)
/* zebra 8.4 sends BFD status only to routing protocols: own client. */
#define VPNHA_BFD_OWN_ZCLIENT 1
/* lib/debug.h: the daemon writes its debug lines and handles "debug all". */
#define VPNHA_DEBUG_LIB_WRITES 0
#define VPNHA_DEBUG_INIT(conf_, desc_)                                         \
	{                                                                      \
		.desc = desc_                                                  \
	}
#endif

/*
 * Graceful restart for zebra clients (vpnha_zebra_io.c): the same API in
 * 8.4 and 10.3 -- zclient_capabilities_send(ZEBRA_CLIENT_CAPABILITIES,
 * ...) with ZEBRA_CLIENT_GR_CAPABILITIES and
 * ZEBRA_CLIENT_ROUTE_UPDATE_COMPLETE.  Behaviour differs: 10.3 drops
 * capabilities whose safi is not SAFI_UNICAST and cleans stale routes
 * per AFI on each ROUTE_UPDATE_COMPLETE, 8.4 cleans every AFI on the
 * first; vpnhad sets safi and sends one per AFI, which suits both.
 */

/*
 * Commit a candidate through the northbound (recorded in the transaction
 * log): 8.4 takes the context by pointer, 10.x by value.
 */
#ifdef VPNHA_FRR_10
#define vpnha_nb_commit(ctx, cfg, comment, errmsg, len)                        \
	nb_candidate_commit(*(ctx), cfg, true, comment, NULL, errmsg, len)
#else
#define vpnha_nb_commit(ctx, cfg, comment, errmsg, len)                        \
	nb_candidate_commit(ctx, cfg, true, comment, NULL, errmsg, len)
#endif

/* Walk operational state, calling cb for each node (FRR 10: "legacy"). */
#ifdef VPNHA_FRR_10
#define vpnha_nb_oper_iterate(xpath, cb, arg)                                  \
	nb_oper_iterate_legacy(xpath, NULL, 0, cb, arg, NULL)
#else
#define vpnha_nb_oper_iterate(xpath, cb, arg)                                  \
	nb_oper_data_iterate(xpath, NULL, 0, cb, arg)
#endif

/* An oper-iterate callback is done with its yang_data: it frees it in
 * 8.4; in 10.x the walk frees it after the callback. */
#ifdef VPNHA_FRR_10
#define vpnha_nb_oper_data_done(data) ((void)(data))
#else
#define vpnha_nb_oper_data_done(data) yang_data_free(data)
#endif

/*
 * A configuration file (vtysh -f, vtysh -b at boot) is sent between
 * XFRR_start_configuration and XFRR_end_configuration: libfrr groups
 * its YANG commands into one pending commit, and commits what is
 * pending before any non-YANG command.  In 10.x "exit" and "quit" are
 * YANG commands (DEFUN_YANG in lib/command.c); in 8.4 they are not, so
 * the " exit" closing each tunnel and peer block committed, one commit
 * per block, each validating and diffing the whole tree: O(N^2).
 * VPNHA_EXIT_IS_YANG 0: vpnha_cli.c gives its nodes YANG exit/quit.
 */
#ifdef VPNHA_FRR_10
#define VPNHA_EXIT_IS_YANG 1
#else
#define VPNHA_EXIT_IS_YANG 0
#endif

/*
 * In a configuration file, libfrr appends each YANG command to
 * vty->pending_cmds_buf (listed if the grouped commit fails) with
 * strlcat(), which measures the whole buffer first: O(N^2) in the
 * file's length (8.4, 10 000 tunnels: 3 s of 11).  vpnha_cli.c appends
 * vpnhad's commands itself, at the known end (same content).
 *
 * 10.x bounds that buffer by committing every NB_CMD_BATCH_SIZE (5000)
 * commands; each commit validates and diffs the whole tree, so a file
 * of 10 000 tunnels (80 000 lines) costs 16 commits: emulated on 8.4,
 * 17 s instead of 6 s.  With the buffer appended in O(1) the bound is
 * not needed: VPNHA_PENDING_BATCH 1 keeps vty->buffer_cmd_count from
 * reaching it for vpnhad's commands, so a file is one transaction on
 * both versions (and one that fails is refused whole, not after the
 * batches before it were applied).
 */
#define VPNHA_PENDING_BUF_SCAN 1
#ifdef VPNHA_FRR_10
#define VPNHA_PENDING_BATCH 1
#else
#define VPNHA_PENDING_BATCH 0
#endif

/* Each connected address c of interface ifp: a typesafe list in 10.x,
 * a struct list in 8.4. */
#ifdef VPNHA_FRR_10
#define vpnha_if_connected_each(ifp, c)                                        \
	frr_each (if_connected, (ifp)->connected, c)
#else
#define vpnha_if_connected_each(ifp, c)                                        \
	for (struct listnode *vpnha_cn_ = listhead((ifp)->connected);          \
	     vpnha_cn_ && ((c) = listgetdata(vpnha_cn_), true);                \
	     vpnha_cn_ = listnextnode(vpnha_cn_))
#endif

/* The daemon's event loop (vpnha_main.c). */
extern vpnha_loop_t *master;

#endif /* _FRR_VPNHA_COMPAT_H */
