// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad scheduler: a heap of timed items.  See vpnha_sched.h.
 */
#include <zebra.h>

#include "vpnha_sched.h"

static int vpnha_sched_cmp(const struct vpnha_sched_item *a,
			   const struct vpnha_sched_item *b)
{
	return numcmp(a->when, b->when);
}
DECLARE_HEAP(vpnha_sched_heap, struct vpnha_sched_item, hitm, vpnha_sched_cmp);

void vpnha_sched_init(struct vpnha_sched *s)
{
	vpnha_sched_heap_init(&s->heap);
}

void vpnha_sched_fini(struct vpnha_sched *s)
{
	struct vpnha_sched_item *it;

	while ((it = vpnha_sched_heap_pop(&s->heap)))
		it->when = 0;
	vpnha_sched_heap_fini(&s->heap);
}

void vpnha_sched_set(struct vpnha_sched *s, struct vpnha_sched_item *it,
		     int64_t when)
{
	/* Unchanged (a reply that leaves the next probe the earliest
	 * event, nearly every reply): no heap work. */
	if (it->when == when)
		return;
	if (it->when)
		vpnha_sched_heap_del(&s->heap, it);
	it->when = when;
	if (when)
		vpnha_sched_heap_add(&s->heap, it);
}

int64_t vpnha_sched_next(const struct vpnha_sched *s)
{
	const struct vpnha_sched_item *first =
		vpnha_sched_heap_const_first(&s->heap);

	return first ? first->when : 0;
}

struct vpnha_sched_item *vpnha_sched_pop_due(struct vpnha_sched *s, int64_t now)
{
	struct vpnha_sched_item *first = vpnha_sched_heap_first(&s->heap);

	if (!first || first->when > now)
		return NULL;
	vpnha_sched_heap_pop(&s->heap);
	first->when = 0;
	return first;
}

unsigned int vpnha_sched_count(const struct vpnha_sched *s)
{
	return vpnha_sched_heap_count(&s->heap);
}
