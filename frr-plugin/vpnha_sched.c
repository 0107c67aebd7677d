// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad scheduler: a 4-ary min-heap of timed items.  See vpnha_sched.h.
 *
 * The heap array holds each item's time beside its pointer, so sifting
 * compares within the array and never dereferences the items: at
 * thousands of tunnels every item is in a different tunnel, and
 * libfrr's typesafe heap (pointers only, the time read through each)
 * spent most of its time in those cache misses (perf at 1 000 tunnels:
 * its compare function alone 4 % of vpnhad's CPU).  Only an item that
 * moves is written (its index).
 */
#include <zebra.h>

#include "lib/memory.h"

#include "vpnha_memory.h"
#include "vpnha_sched.h"

DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_SCHED, "VPN HA scheduler heap");

#define VPNHA_SCHED_ARY 4

static inline void vpnha_sched_place(struct vpnha_sched *s, uint32_t i,
				     struct vpnha_sched_ent e)
{
	s->a[i] = e;
	e.it->idx = i;
}

static void vpnha_sched_up(struct vpnha_sched *s, uint32_t i)
{
	struct vpnha_sched_ent e = s->a[i];

	while (i) {
		uint32_t p = (i - 1) / VPNHA_SCHED_ARY;

		if (s->a[p].when <= e.when)
			break;
		vpnha_sched_place(s, i, s->a[p]);
		i = p;
	}
	vpnha_sched_place(s, i, e);
}

static void vpnha_sched_down(struct vpnha_sched *s, uint32_t i)
{
	struct vpnha_sched_ent e = s->a[i];

	for (;;) {
		uint32_t c = i * VPNHA_SCHED_ARY + 1, best = c, k, end;

		if (c >= s->n)
			break;
		end = MIN(c + VPNHA_SCHED_ARY, s->n);
		for (k = c + 1; k < end; k++)
			if (s->a[k].when < s->a[best].when)
				best = k;
		if (s->a[best].when >= e.when)
			break;
		vpnha_sched_place(s, i, s->a[best]);
		i = best;
	}
	vpnha_sched_place(s, i, e);
}

/* Take out the entry at i: the last one fills the hole. */
static void vpnha_sched_remove(struct vpnha_sched *s, uint32_t i)
{
	if (i != --s->n) {
		s->a[i] = s->a[s->n];
		if (i && s->a[i].when < s->a[(i - 1) / VPNHA_SCHED_ARY].when)
			vpnha_sched_up(s, i);
		else
			vpnha_sched_down(s, i);
	}
}

void vpnha_sched_init(struct vpnha_sched *s)
{
	memset(s, 0, sizeof(*s));
}

void vpnha_sched_fini(struct vpnha_sched *s)
{
	uint32_t i;

	for (i = 0; i < s->n; i++)
		s->a[i].it->when = 0;
	XFREE(MTYPE_VPNHA_SCHED, s->a);
	memset(s, 0, sizeof(*s));
}

void vpnha_sched_set(struct vpnha_sched *s, struct vpnha_sched_item *it,
		     int64_t when)
{
	int64_t old = it->when;

	/* Unchanged (a reply that leaves the next probe the earliest
	 * event, nearly every reply): no heap work. */
	if (old == when)
		return;
	it->when = when;
	if (!when) {
		vpnha_sched_remove(s, it->idx);
		return;
	}
	if (!old) {
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 64;
			s->a = XREALLOC(MTYPE_VPNHA_SCHED, s->a,
					s->cap * sizeof(*s->a));
		}
		s->a[s->n] = (struct vpnha_sched_ent){.when = when, .it = it};
		vpnha_sched_up(s, s->n++);
		return;
	}
	s->a[it->idx].when = when;
	if (when < old)
		vpnha_sched_up(s, it->idx);
	else
		vpnha_sched_down(s, it->idx);
}

int64_t vpnha_sched_next(const struct vpnha_sched *s)
{
	return s->n ? s->a[0].when : 0;
}

struct vpnha_sched_item *vpnha_sched_pop_due(struct vpnha_sched *s, int64_t now)
{
	struct vpnha_sched_item *it;

	if (!s->n || s->a[0].when > now)
		return NULL;
	it = s->a[0].it;
	vpnha_sched_remove(s, 0);
	it->when = 0;
	return it;
}

unsigned int vpnha_sched_count(const struct vpnha_sched *s)
{
	return s->n;
}
