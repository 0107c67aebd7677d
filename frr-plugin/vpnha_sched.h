// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad scheduler: a heap of timed items, earliest first, on the
 * core's monotonic microsecond clock.  No event loop and no timerfd:
 * the probe adapter (vpnha_probe_io.c) arms one timerfd at vpnha_sched_next()
 * and, when it fires, pops the due items with vpnha_sched_pop_due().
 */
#ifndef _FRR_VPNHA_SCHED_H
#define _FRR_VPNHA_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Embed in whatever is scheduled; zero it before first use. */
struct vpnha_sched_item {
	int64_t when; /* monotonic us; 0 = not queued */
	uint32_t idx; /* in the heap array, while queued */
};

struct vpnha_sched_ent {
	int64_t when;
	struct vpnha_sched_item *it;
};

struct vpnha_sched {
	struct vpnha_sched_ent *a; /* 4-ary min-heap on when */
	uint32_t n, cap;
};

void vpnha_sched_init(struct vpnha_sched *s);
void vpnha_sched_fini(struct vpnha_sched *s);

/* (Re)queue it at when; when = 0 removes it.  O(log n); O(1) when
 * when is the time it is already queued at. */
void vpnha_sched_set(struct vpnha_sched *s, struct vpnha_sched_item *it,
		     int64_t when);

/* The earliest queued time, 0 when nothing is queued. */
int64_t vpnha_sched_next(const struct vpnha_sched *s);

/* Remove and return the earliest item due at now (when <= now), or NULL. */
struct vpnha_sched_item *vpnha_sched_pop_due(struct vpnha_sched *s,
					     int64_t now);

/* The earlier of two times where 0 means "none". */
static inline int64_t vpnha_sched_min(int64_t a, int64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

unsigned int vpnha_sched_count(const struct vpnha_sched *s);

#ifdef __cplusplus
}
#endif

#endif /* _FRR_VPNHA_SCHED_H */
