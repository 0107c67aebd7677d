// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad health checker: probe bookkeeping, window figures and verdict.
 * See vpnha_health.h for the semantics.
 */
#include <zebra.h>

#include "vpnha_health.h"

#define US_PER_MS 1000

static const char *const vpnha_hc_verdict_names[] = {
	[VPNHA_HC_UNKNOWN] = "unknown",
	[VPNHA_HC_ALIVE] = "alive",
	[VPNHA_HC_DEAD] = "dead",
	[VPNHA_HC_RECOVERING] = "recovering",
};

static const char *const vpnha_hc_cause_names[] = {
	[VPNHA_HC_CAUSE_NONE] = "none",
	[VPNHA_HC_CAUSE_MISS] = "miss-count",
	[VPNHA_HC_CAUSE_LOSS] = "loss-threshold",
	[VPNHA_HC_CAUSE_LATENCY] = "latency-threshold",
	[VPNHA_HC_CAUSE_HOLD_DOWN] = "loss-in-hold-down",
	[VPNHA_HC_CAUSE_EXTERNAL] = "external-down",
	[VPNHA_HC_CAUSE_SA] = "ipsec-sa-down",
	[VPNHA_HC_CAUSE_INTERFACE] = "interface-down",
};

static const char *const vpnha_hc_reply_names[] = {
	[VPNHA_HC_REPLY_OK] = "ok",
	[VPNHA_HC_REPLY_LATE] = "late",
	[VPNHA_HC_REPLY_UNKNOWN] = "unknown",
	[VPNHA_HC_REPLY_DUPLICATE] = "duplicate",
};

const char *vpnha_hc_verdict_name(enum vpnha_hc_verdict v)
{
	if ((unsigned int)v >= array_size(vpnha_hc_verdict_names))
		return "invalid";
	return vpnha_hc_verdict_names[v];
}

const char *vpnha_hc_cause_name(enum vpnha_hc_cause c)
{
	if ((unsigned int)c >= array_size(vpnha_hc_cause_names))
		return "invalid";
	return vpnha_hc_cause_names[c];
}

const char *vpnha_hc_reply_name(enum vpnha_hc_reply r)
{
	if ((unsigned int)r >= array_size(vpnha_hc_reply_names))
		return "invalid";
	return vpnha_hc_reply_names[r];
}

void vpnha_hc_config_default(struct vpnha_hc_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->source.ipa_type = IPADDR_NONE;
	cfg->destination.ipa_type = IPADDR_NONE;
	cfg->interval_ms = VPNHA_HC_INTERVAL_DEFAULT;
	cfg->timeout_ms = VPNHA_HC_TIMEOUT_DEFAULT;
	cfg->miss_count = VPNHA_HC_MISS_DEFAULT;
	cfg->recovery_count = VPNHA_HC_RECOVERY_DEFAULT;
	cfg->hold_down_ms = VPNHA_HC_HOLD_DOWN_DEFAULT;
	cfg->preempt = true;
	cfg->loss_threshold = 0;
	cfg->latency_threshold_ms = 0;
	cfg->window = VPNHA_HC_WINDOW_DEFAULT;
}

int vpnha_hc_config_check(const struct vpnha_hc_config *cfg, char *err,
			  size_t errlen)
{
	uint64_t max = (uint64_t)VPNHA_HC_INFLIGHT * cfg->interval_ms;

	if (cfg->timeout_ms <= max)
		return 0;
	snprintf(
		err, errlen,
		"health-check timeout %u ms needs more than %u probes in flight at interval %u ms: allowed up to %u x interval (%llu ms)",
		cfg->timeout_ms, VPNHA_HC_INFLIGHT, cfg->interval_ms,
		VPNHA_HC_INFLIGHT, (unsigned long long)max);
	return -1;
}

/* --- Probe ring --- */

/* The ring must map 2^16 sequences onto its slots without a seam. */
_Static_assert((VPNHA_HC_INFLIGHT & (VPNHA_HC_INFLIGHT - 1)) == 0 &&
		       VPNHA_HC_INFLIGHT <= 256,
	       "VPNHA_HC_INFLIGHT: a power of two, at most 256");
_Static_assert(VPNHA_HC_WINDOW_MAX <= 255 * VPNHA_HC_BUCKETS,
	       "a window bucket counts at most 255 probes");
_Static_assert(sizeof(struct vpnha_health) <= VPNHA_HC_SIZE_MAX,
	       "struct vpnha_health over its budget");

/*
 * The slot of sequence seq, or NULL when seq is not one of the last
 * ring_count probes.  O(1): seq was sent (next_seq - 1 - seq) probes
 * ago, modulo 2^16.
 */
static struct vpnha_hc_slot *vpnha_hc_slot_get(struct vpnha_health *h,
					       uint16_t seq)
{
	uint16_t ago = (uint16_t)(h->next_seq - 1 - seq);

	if (ago >= h->ring_count)
		return NULL;
	return &h->ring[seq % VPNHA_HC_INFLIGHT];
}

struct vpnha_hc_slot *vpnha_health_slot_find(struct vpnha_health *h,
					     uint16_t seq)
{
	struct vpnha_hc_slot *s = vpnha_hc_slot_get(h, seq);

	if (!s || s->status == VPNHA_HC_SLOT_EMPTY)
		return NULL;
	return s;
}

/*
 * The oldest probe in flight, or NULL.  Every change of a slot's status
 * is followed by vpnha_hc_scan_advance(), so scan_seq is that probe (or
 * next_seq): O(1).
 */
static const struct vpnha_hc_slot *
vpnha_hc_oldest_inflight(const struct vpnha_health *h)
{
	if (h->scan_seq == h->next_seq)
		return NULL;
	return vpnha_hc_slot_get((struct vpnha_health *)h, h->scan_seq);
}

/* --- Detection --- */

int64_t vpnha_health_detect_us(const struct vpnha_health *h)
{
	int64_t timeout = (int64_t)h->cfg.timeout_ms * US_PER_MS;
	int64_t var = (int64_t)h->rttvar_us * 4, d;

	if (h->rtt_samples < VPNHA_HC_DETECT_SAMPLES ||
	    h->cfg.detection != VPNHA_HC_DETECT_ADAPTIVE)
		return timeout;
	if (var < VPNHA_HC_DETECT_SLACK_MS * US_PER_MS)
		var = VPNHA_HC_DETECT_SLACK_MS * US_PER_MS;
	d = (int64_t)h->srtt_us + var;
	return d < timeout ? d : timeout;
}

static int64_t vpnha_hc_confirm_us(const struct vpnha_health *h)
{
	int64_t c =
		(int64_t)h->cfg.interval_ms * US_PER_MS / VPNHA_HC_CONFIRM_DIV;

	return c < US_PER_MS ? US_PER_MS : c;
}

int64_t vpnha_health_detect_bound_us(const struct vpnha_health *h)
{
	int64_t d = vpnha_health_detect_us(h);
	int64_t b = (int64_t)h->cfg.interval_ms * US_PER_MS + d;

	if (h->cfg.detection != VPNHA_HC_DETECT_ADAPTIVE)
		/* The failure just after a probe, miss_count probes, the
		 * last one's timeout. */
		return (int64_t)h->cfg.miss_count * h->cfg.interval_ms *
			       US_PER_MS +
		       d;
	if (h->cfg.miss_count >= 2)
		b += d + (h->cfg.miss_count - 2) * vpnha_hc_confirm_us(h);
	return b;
}

/* RFC 6298's estimator (alpha 1/8, beta 1/4), on every answer. */
static void vpnha_hc_rtt_sample(struct vpnha_health *h, uint32_t rtt)
{
	uint32_t diff;

	if (rtt == 0)
		rtt = 1; /* srtt 0 means "no sample" */
	if (h->rtt_samples < VPNHA_HC_DETECT_SAMPLES)
		h->rtt_samples++;
	if (!h->srtt_us) {
		h->srtt_us = rtt;
		h->rttvar_us = rtt / 2;
		return;
	}
	diff = rtt > h->srtt_us ? rtt - h->srtt_us : h->srtt_us - rtt;
	h->rttvar_us = h->rttvar_us - h->rttvar_us / 4 + diff / 4;
	h->srtt_us = h->srtt_us - h->srtt_us / 8 + rtt / 8;
	if (!h->srtt_us)
		h->srtt_us = 1;
}

/* Probe seq (found in the ring) was answered: shorten the tail. */
static void vpnha_hc_tail_answered(struct vpnha_health *h, uint16_t seq)
{
	uint16_t ago = (uint16_t)(h->next_seq - 1 - seq);

	if (ago < h->tail_count)
		h->tail_count = ago;
}

/*
 * The send time of the k-th probe of the tail (1 <= k <= tail_count).
 * A probe that has left the ring is older than the ring's oldest: that
 * one's (later) time is used then, which can only delay a verdict.
 */
static int64_t vpnha_hc_tail_sent(const struct vpnha_health *h, uint16_t k)
{
	uint16_t ago = h->tail_count - k;

	if (ago >= h->ring_count)
		ago = h->ring_count - 1;
	return h->ring[(uint16_t)(h->next_seq - 1 - ago) % VPNHA_HC_INFLIGHT]
		.sent;
}

/* When the tail makes the verdict DEAD, INT64_MAX if it cannot. */
static int64_t vpnha_hc_tail_dead_at(const struct vpnha_health *h)
{
	if (h->verdict != VPNHA_HC_UNKNOWN && h->verdict != VPNHA_HC_ALIVE)
		return INT64_MAX;
	if (h->cfg.detection != VPNHA_HC_DETECT_ADAPTIVE ||
	    h->cfg.type != VPNHA_HC_TYPE_ICMP)
		return INT64_MAX;
	if (h->tail_count < h->cfg.miss_count)
		return INT64_MAX;
	return vpnha_hc_tail_sent(h, h->cfg.miss_count) +
	       vpnha_health_detect_us(h);
}

int64_t vpnha_health_confirm_at(const struct vpnha_health *h)
{
	const struct vpnha_hc_slot *last;
	int64_t at;

	if (h->cfg.detection != VPNHA_HC_DETECT_ADAPTIVE ||
	    h->cfg.type != VPNHA_HC_TYPE_ICMP || h->verdict != VPNHA_HC_ALIVE ||
	    !h->tail_count || h->tail_count >= h->cfg.miss_count ||
	    !h->ring_count)
		return 0;
	/* The first confirmation when the tail's first probe is overdue,
	 * the next ones C after the last probe sent. */
	at = vpnha_hc_tail_sent(h, 1) + vpnha_health_detect_us(h);
	if (h->tail_count == 1)
		return at;
	last = &h->ring[(uint16_t)(h->next_seq - 1) % VPNHA_HC_INFLIGHT];
	if (last->sent + vpnha_hc_confirm_us(h) > at)
		at = last->sent + vpnha_hc_confirm_us(h);
	return at;
}

/* --- Window --- */

/* Empty the window and size its buckets for cfg.window. */
static void vpnha_hc_win_reset(struct vpnha_health *h)
{
	unsigned int w = h->cfg.window;
	unsigned int bs = (w + VPNHA_HC_BUCKETS - 1) / VPNHA_HC_BUCKETS;

	memset(h->bucket, 0, sizeof(h->bucket));
	h->win_bs = bs;
	h->win_nb = (w + bs - 1) / bs;
	h->win_cur = 0;
	h->win_cur_n = 0;
	h->win_prev_ok = false;
	h->win_prev_rtt = 0;
	h->win_entered = 0;
	h->win_ok = 0;
	h->win_lost = 0;
	h->win_rtt_sum = 0;
}

static uint32_t vpnha_hc_add_sat(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* A probe enters the window, in send order: answered (rtt) or lost. */
static void vpnha_hc_win_add(struct vpnha_health *h, bool ok, uint32_t rtt)
{
	struct vpnha_hc_bucket *b;
	uint32_t sum;

	if (h->win_cur_n == h->win_bs) {
		/* Next bucket: its old probes leave the window at once. */
		h->win_cur = (h->win_cur + 1) % h->win_nb;
		h->win_cur_n = 0;
		b = &h->bucket[h->win_cur];
		h->win_ok -= b->ok;
		h->win_lost -= b->lost;
		h->win_rtt_sum -= b->rtt_sum;
		memset(b, 0, sizeof(*b));
	}
	b = &h->bucket[h->win_cur];
	h->win_cur_n++;
	if (h->win_entered < h->cfg.window)
		h->win_entered++;

	if (!ok) {
		b->lost++;
		h->win_lost++;
		return;
	}
	if (b->ok == 0 || rtt < b->rtt_min)
		b->rtt_min = rtt;
	if (rtt > b->rtt_max)
		b->rtt_max = rtt;
	/* Cannot saturate within the YANG ranges (63 x 60 s < 2^32 us);
	 * if it did, the window total would still match its buckets. */
	sum = vpnha_hc_add_sat(b->rtt_sum, rtt);
	h->win_rtt_sum += sum - b->rtt_sum;
	b->rtt_sum = sum;
	b->ok++;
	h->win_ok++;
	if (h->win_prev_ok) {
		b->jit_sum = vpnha_hc_add_sat(b->jit_sum,
					      rtt > h->win_prev_rtt
						      ? rtt - h->win_prev_rtt
						      : h->win_prev_rtt - rtt);
		b->jit_n++;
	}
	h->win_prev_ok = true;
	h->win_prev_rtt = rtt;
}

/* --- Verdict --- */

void vpnha_health_reason(const struct vpnha_health *h, char *buf, size_t len)
{
	int64_t late_ms = h->late_rtt_us / US_PER_MS;
	/* A late reply to one of the probes of the failure. */
	bool late =
		h->late_sent && h->first_miss && h->late_sent >= h->first_miss;

	if (!len)
		return;
	buf[0] = '\0';
	if (h->verdict != VPNHA_HC_DEAD)
		return;
	switch (h->cause) {
	case VPNHA_HC_CAUSE_MISS:
	case VPNHA_HC_CAUSE_HOLD_DOWN:
		if (h->cause == VPNHA_HC_CAUSE_MISS)
			snprintf(buf, len, "%u consecutive misses",
				 h->cause_value);
		else
			snprintf(buf, len,
				 "probe lost in the failback hold-down");
		if (late)
			snprintf(buf + strlen(buf), len - strlen(buf),
				 ": replies late, rtt %lld ms > timeout %u ms",
				 (long long)late_ms, h->cfg.timeout_ms);
		else if (h->last_good && h->dead_at >= h->last_good)
			snprintf(buf + strlen(buf), len - strlen(buf),
				 ", last reply %lld ms before",
				 (long long)(h->dead_at - h->last_good) /
					 US_PER_MS);
		else
			snprintf(buf + strlen(buf), len - strlen(buf),
				 ", no reply yet");
		break;
	case VPNHA_HC_CAUSE_LOSS:
		snprintf(buf, len, "loss %u%% >= threshold %u%% over %u probes",
			 h->cause_value, h->cfg.loss_threshold, h->cfg.window);
		break;
	case VPNHA_HC_CAUSE_LATENCY:
		snprintf(
			buf, len,
			"average rtt %u.%03u ms >= threshold %u ms over %u probes",
			h->cause_value / US_PER_MS, h->cause_value % US_PER_MS,
			h->cfg.latency_threshold_ms, h->cfg.window);
		break;
	case VPNHA_HC_CAUSE_EXTERNAL:
		snprintf(buf, len, "BFD session down");
		break;
	case VPNHA_HC_CAUSE_SA:
		snprintf(buf, len, "IPsec SA was lost: waiting for the probes");
		break;
	case VPNHA_HC_CAUSE_INTERFACE:
		snprintf(buf, len,
			 "interface went away or down: waiting for the probes");
		break;
	case VPNHA_HC_CAUSE_NONE:
		break;
	}
}

uint64_t vpnha_health_hold_down_ms(const struct vpnha_health *h)
{
	return (uint64_t)h->cfg.hold_down_ms << h->damp_shift;
}

/* Damping period in us: VPNHA_HC_DAMP_PERIODS effective hold-downs. */
static int64_t vpnha_hc_damp_period(const struct vpnha_health *h)
{
	return (int64_t)(vpnha_health_hold_down_ms(h) * VPNHA_HC_DAMP_PERIODS *
			 US_PER_MS);
}

/* Is a threshold crossed?  Returns the cause, or CAUSE_NONE. */
static enum vpnha_hc_cause vpnha_hc_threshold(const struct vpnha_health *h)
{
	uint64_t completed = (uint64_t)h->win_ok + h->win_lost;

	/* Only once window probes have entered it. */
	if (h->win_entered < h->cfg.window)
		return VPNHA_HC_CAUSE_NONE;

	if (h->cfg.loss_threshold && completed &&
	    (uint64_t)h->win_lost * 100 >=
		    (uint64_t)h->cfg.loss_threshold * completed)
		return VPNHA_HC_CAUSE_LOSS;

	if (h->cfg.latency_threshold_ms && h->win_ok &&
	    h->win_rtt_sum >= (uint64_t)h->cfg.latency_threshold_ms *
				      US_PER_MS * h->win_ok)
		return VPNHA_HC_CAUSE_LATENCY;

	return VPNHA_HC_CAUSE_NONE;
}

static void vpnha_hc_go_dead(struct vpnha_health *h, enum vpnha_hc_cause cause,
			     int64_t at, int64_t first_miss)
{
	uint64_t completed = (uint64_t)h->win_ok + h->win_lost;

	/* Flap damping: only for failures of a tunnel that failed back. */
	if (h->verdict == VPNHA_HC_ALIVE && h->last_restore) {
		int64_t period = vpnha_hc_damp_period(h);

		if (period > 0 && at - h->last_restore < period) {
			if (h->damp_shift < VPNHA_HC_DAMP_MAX_SHIFT)
				h->damp_shift++;
		} else
			h->damp_shift = 0;
	}

	h->verdict = VPNHA_HC_DEAD;
	h->cause = cause;
	h->dead_at = at;
	h->cause_value = 0;
	if (cause == VPNHA_HC_CAUSE_LOSS && completed)
		h->cause_value = (uint32_t)(h->win_lost * 100 / completed);
	else if (cause == VPNHA_HC_CAUSE_LATENCY && h->win_ok)
		h->cause_value = (uint32_t)(h->win_rtt_sum / h->win_ok);
	else if (cause == VPNHA_HC_CAUSE_MISS)
		h->cause_value = h->consec_miss;
	h->first_miss = first_miss;
	h->consec_ok = 0;
	h->hold_until = 0;
	h->preempt_block = false;
}

static void vpnha_hc_go_alive(struct vpnha_health *h, int64_t at)
{
	if (h->verdict == VPNHA_HC_DEAD || h->verdict == VPNHA_HC_RECOVERING)
		h->last_restore = at;
	h->verdict = VPNHA_HC_ALIVE;
	h->cause = VPNHA_HC_CAUSE_NONE;
	h->hold_until = 0;
	h->preempt_block = false;
}

/* DEAD and a good reply at `at`: start the failback if allowed. */
static void vpnha_hc_try_recover(struct vpnha_health *h, int64_t at)
{
	uint64_t hold_us;

	if (h->consec_ok < h->cfg.recovery_count)
		return;
	if (vpnha_hc_threshold(h) != VPNHA_HC_CAUSE_NONE)
		return;

	hold_us = vpnha_health_hold_down_ms(h) * US_PER_MS;
	if (hold_us == 0 && h->cfg.preempt) {
		vpnha_hc_go_alive(h, at);
		return;
	}
	h->verdict = VPNHA_HC_RECOVERING;
	h->hold_until = at + (int64_t)hold_us;
	h->preempt_block = !h->cfg.preempt;
}

/* After a completed probe: a crossed threshold sends to DEAD. */
static void vpnha_hc_check_threshold(struct vpnha_health *h, int64_t at,
				     int64_t probe_sent)
{
	enum vpnha_hc_cause cause;

	if (h->verdict == VPNHA_HC_DEAD)
		return;
	cause = vpnha_hc_threshold(h);
	if (cause == VPNHA_HC_CAUSE_NONE)
		return;
	vpnha_hc_go_dead(h, cause, at,
			 h->consec_miss ? h->miss_run_start : probe_sent);
}

/*
 * The send-order cursor passes the completed probe s at `at`: this is
 * where the consecutive counts and their verdicts live.
 */
static void vpnha_hc_pass(struct vpnha_health *h, const struct vpnha_hc_slot *s,
			  int64_t at)
{
	vpnha_hc_win_add(h, s->status == VPNHA_HC_SLOT_RECEIVED, s->rtt_us);

	if (s->status == VPNHA_HC_SLOT_RECEIVED) {
		h->consec_miss = 0;
		if (h->consec_ok < UINT16_MAX)
			h->consec_ok++;
		if (h->verdict == VPNHA_HC_DEAD)
			vpnha_hc_try_recover(h, at);
		vpnha_hc_check_threshold(h, at, s->sent);
		return;
	}

	/* Lost (or lost, then late). */
	if (h->consec_miss == 0)
		h->miss_run_start = s->sent;
	if (h->consec_miss < UINT16_MAX)
		h->consec_miss++;
	h->consec_ok = 0;

	switch (h->verdict) {
	case VPNHA_HC_RECOVERING:
		vpnha_hc_go_dead(h, VPNHA_HC_CAUSE_HOLD_DOWN, at,
				 h->miss_run_start);
		break;
	case VPNHA_HC_UNKNOWN:
	case VPNHA_HC_ALIVE:
		if (h->consec_miss >= h->cfg.miss_count)
			vpnha_hc_go_dead(h, VPNHA_HC_CAUSE_MISS, at,
					 h->miss_run_start);
		break;
	case VPNHA_HC_DEAD:
		break;
	}
	vpnha_hc_check_threshold(h, at, s->sent);
}

/*
 * Move scan_seq over every completed probe up to the oldest one still in
 * flight (or next_seq), counting each in send order.  Amortised O(1):
 * each probe is passed once.
 */
static void vpnha_hc_scan_advance(struct vpnha_health *h, int64_t at)
{
	while (h->scan_seq != h->next_seq) {
		const struct vpnha_hc_slot *s =
			vpnha_hc_slot_get(h, h->scan_seq);

		if (s) {
			if (s->status == VPNHA_HC_SLOT_SENT)
				break;
			if (s->status != VPNHA_HC_SLOT_EMPTY)
				vpnha_hc_pass(h, s, at);
		}
		h->scan_seq++;
	}
}

/*
 * Probe s, the oldest in flight, is lost, detected at `at`.
 */
static void vpnha_hc_lose(struct vpnha_health *h, struct vpnha_hc_slot *s,
			  int64_t at)
{
	s->status = VPNHA_HC_SLOT_LOST;
	h->stats.lost++;
	vpnha_hc_scan_advance(h, at);
}

/* --- API --- */

void vpnha_health_init(struct vpnha_health *h,
		       const struct vpnha_hc_config *cfg, bool reset_stats)
{
	uint16_t seq = h->next_seq;
	typeof(h->stats) stats = h->stats;

	/* The YANG module bounds every value (vpnha_check.h has the
	 * table); a bucket holds at most 255 probes. */
	assert(cfg->window >= VPNHA_HC_WINDOW_MIN &&
	       cfg->window <= VPNHA_HC_WINDOW_MAX);
	assert(cfg->miss_count >= 1 && cfg->recovery_count >= 1);
	memset(h, 0, sizeof(*h));
	h->cfg = *cfg;

	h->verdict = VPNHA_HC_UNKNOWN;
	h->next_seq = seq;
	h->scan_seq = seq;
	vpnha_hc_win_reset(h);
	if (!reset_stats)
		h->stats = stats;
}

void vpnha_health_reconfigure(struct vpnha_health *h,
			      const struct vpnha_hc_config *cfg)
{
	struct vpnha_health old = *h;

	vpnha_health_init(h, cfg, false);
	/*
	 * The probe history stays: a change in the middle of a run of
	 * misses must not restart the count (a few changes in a row would
	 * keep traffic in a dead tunnel), nor reset the flap damping.  The
	 * probes in flight stay; the window too if its size does.
	 */
	h->consec_miss = old.consec_miss;
	h->consec_ok = old.consec_ok;
	h->miss_run_start = old.miss_run_start;
	h->srtt_us = old.srtt_us;
	h->rttvar_us = old.rttvar_us;
	h->rtt_samples = old.rtt_samples;
	h->tail_count = old.tail_count;
	h->last_good = old.last_good;
	h->last_restore = old.last_restore;
	h->damp_shift = old.damp_shift;
	h->late_sent = old.late_sent;
	h->late_rtt_us = old.late_rtt_us;
	memcpy(h->ring, old.ring, sizeof(h->ring));
	h->ring_count = old.ring_count;
	h->scan_seq = old.scan_seq;
	if (h->cfg.window == old.cfg.window) {
		memcpy(h->bucket, old.bucket, sizeof(h->bucket));
		h->win_cur = old.win_cur;
		h->win_cur_n = old.win_cur_n;
		h->win_prev_ok = old.win_prev_ok;
		h->win_prev_rtt = old.win_prev_rtt;
		h->win_entered = old.win_entered;
		h->win_ok = old.win_ok;
		h->win_lost = old.win_lost;
		h->win_rtt_sum = old.win_rtt_sum;
	}
	switch (old.verdict) {
	case VPNHA_HC_UNKNOWN:
		break;
	case VPNHA_HC_ALIVE:
		h->verdict = VPNHA_HC_ALIVE;
		break;
	case VPNHA_HC_DEAD:
	case VPNHA_HC_RECOVERING:
		h->verdict = old.verdict;
		h->cause = old.cause;
		h->dead_at = old.dead_at;
		h->cause_value = old.cause_value;
		h->first_miss = old.first_miss;
		h->last_good = old.last_good;
		h->last_restore = old.last_restore;
		h->damp_shift = old.damp_shift;
		h->late_sent = old.late_sent;
		h->late_rtt_us = old.late_rtt_us;
		h->hold_until = old.hold_until;
		h->preempt_block = old.preempt_block && !h->cfg.preempt;
		break;
	}
}

uint16_t vpnha_health_probe_sent(struct vpnha_health *h, int64_t now)
{
	struct vpnha_hc_slot *s;
	uint16_t seq;

	vpnha_health_tick(h, now);

	seq = h->next_seq;
	s = &h->ring[seq % VPNHA_HC_INFLIGHT];
	if (h->ring_count == VPNHA_HC_INFLIGHT) {
		/* Reusing the slot of the probe sent VPNHA_HC_INFLIGHT ago:
		 * still in flight (more in flight than the ring holds,
		 * which the configuration check rules out at the nominal
		 * rate), it is lost now, and so the oldest in flight. */
		if (s->status == VPNHA_HC_SLOT_SENT)
			vpnha_hc_lose(h, s, now);
	} else
		h->ring_count++;

	h->next_seq++;
	s->status = VPNHA_HC_SLOT_SENT;
	s->sent = now;
	s->nonce = 0;
	s->rtt_us = 0;
	h->stats.sent++;

	if (h->tail_count < UINT16_MAX)
		h->tail_count++;

	vpnha_hc_scan_advance(h, now);
	return seq;
}

enum vpnha_hc_reply vpnha_health_reply(struct vpnha_health *h, uint16_t seq,
				       int64_t now)
{
	struct vpnha_hc_slot *s;
	int64_t rtt;

	vpnha_health_tick(h, now);

	s = vpnha_health_slot_find(h, seq);
	if (!s) {
		h->stats.invalid++;
		return VPNHA_HC_REPLY_UNKNOWN;
	}

	switch (s->status) {
	case VPNHA_HC_SLOT_RECEIVED:
	case VPNHA_HC_SLOT_LATE:
		h->stats.duplicate++;
		return VPNHA_HC_REPLY_DUPLICATE;
	case VPNHA_HC_SLOT_LOST:
		s->status = VPNHA_HC_SLOT_LATE;
		h->stats.late++;
		h->late_sent = s->sent;
		rtt = now - s->sent;
		h->late_rtt_us = rtt > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt;
		/* Too late to count, but the path works, this slowly. */
		vpnha_hc_rtt_sample(h, h->late_rtt_us);
		vpnha_hc_tail_answered(h, seq);
		return VPNHA_HC_REPLY_LATE;
	default:
		break;
	}

	/* In flight: a good reply. */
	rtt = now - s->sent;
	if (rtt < 0)
		rtt = 0;
	if (rtt > UINT32_MAX)
		rtt = UINT32_MAX;
	s->status = VPNHA_HC_SLOT_RECEIVED;
	s->rtt_us = (uint32_t)rtt;
	h->stats.received++;
	h->last_good = now;
	vpnha_hc_rtt_sample(h, s->rtt_us);
	vpnha_hc_tail_answered(h, seq);

	/* Optimistic start: the first good reply, whatever its order. */
	if (h->verdict == VPNHA_HC_UNKNOWN)
		vpnha_hc_go_alive(h, now);

	/* Window, consecutive counts, thresholds, in send order. */
	vpnha_hc_scan_advance(h, now);
	return VPNHA_HC_REPLY_OK;
}

void vpnha_health_invalid(struct vpnha_health *h)
{
	h->stats.invalid++;
}

void vpnha_health_tick(struct vpnha_health *h, int64_t now)
{
	int64_t timeout_us = (int64_t)h->cfg.timeout_ms * US_PER_MS;

	/* Expiries in time order; on a tie: loss, overdue tail, hold-down. */
	for (;;) {
		struct vpnha_hc_slot *s =
			(struct vpnha_hc_slot *)vpnha_hc_oldest_inflight(h);
		int64_t loss_at = s ? s->sent + timeout_us : INT64_MAX;
		int64_t tail_at = vpnha_hc_tail_dead_at(h);
		int64_t hold_at = INT64_MAX;

		if (h->verdict == VPNHA_HC_RECOVERING && !h->preempt_block)
			hold_at = h->hold_until;

		if (s && loss_at <= now && loss_at <= hold_at &&
		    loss_at <= tail_at) {
			vpnha_hc_lose(h, s, loss_at);
			continue;
		}
		if (tail_at <= now && tail_at <= hold_at) {
			vpnha_hc_go_dead(h, VPNHA_HC_CAUSE_MISS, tail_at,
					 vpnha_hc_tail_sent(h, 1));
			h->cause_value = h->cfg.miss_count;
			continue;
		}
		if (hold_at <= now) {
			vpnha_hc_go_alive(h, hold_at);
			continue;
		}
		break;
	}

	/* Damping decays after a stable period. */
	if (h->verdict == VPNHA_HC_ALIVE && h->damp_shift && h->last_restore &&
	    now - h->last_restore >= vpnha_hc_damp_period(h))
		h->damp_shift = 0;
}

void vpnha_health_release(struct vpnha_health *h, int64_t now)
{
	if (h->verdict != VPNHA_HC_RECOVERING || !h->preempt_block)
		return;

	h->preempt_block = false;
	/* Blocked past the hold-down: failback happens now. */
	if (h->hold_until < now)
		h->hold_until = now;
	vpnha_health_tick(h, now);
}

void vpnha_health_external(struct vpnha_health *h, bool up, int64_t now)
{
	if (!up) {
		/* The last good BFD packet is bfdd's knowledge, not ours. */
		h->last_good = 0;
		if (h->verdict != VPNHA_HC_DEAD)
			vpnha_hc_go_dead(h, VPNHA_HC_CAUSE_EXTERNAL, now, 0);
		return;
	}
	h->last_good = now;
	switch (h->verdict) {
	case VPNHA_HC_UNKNOWN:
		vpnha_hc_go_alive(h, now);
		break;
	case VPNHA_HC_DEAD:
		h->consec_ok = h->cfg.recovery_count;
		vpnha_hc_try_recover(h, now);
		break;
	case VPNHA_HC_RECOVERING:
	case VPNHA_HC_ALIVE:
		break;
	}
}

void vpnha_health_force_dead(struct vpnha_health *h, int64_t now,
			     enum vpnha_hc_cause cause)
{
	if (h->verdict != VPNHA_HC_DEAD)
		vpnha_hc_go_dead(h, cause, now, 0);
	else
		h->consec_ok = 0;
}

int64_t vpnha_health_next_deadline(const struct vpnha_health *h)
{
	const struct vpnha_hc_slot *s = vpnha_hc_oldest_inflight(h);
	int64_t next = INT64_MAX, tail, confirm;

	if (s)
		next = s->sent + (int64_t)h->cfg.timeout_ms * US_PER_MS;
	if (h->verdict == VPNHA_HC_RECOVERING && !h->preempt_block &&
	    h->hold_until < next)
		next = h->hold_until;
	if (h->verdict == VPNHA_HC_ALIVE && h->damp_shift && h->last_restore &&
	    h->last_restore + vpnha_hc_damp_period(h) < next)
		next = h->last_restore + vpnha_hc_damp_period(h);
	tail = vpnha_hc_tail_dead_at(h);
	if (tail < next)
		next = tail;
	confirm = vpnha_health_confirm_at(h);
	if (confirm && confirm < next)
		next = confirm;

	return next == INT64_MAX ? 0 : next;
}

void vpnha_health_figures(const struct vpnha_health *h,
			  struct vpnha_hc_figures *f)
{
	uint64_t jsum = 0;
	unsigned int i, jn = 0;
	bool any = false;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < h->win_nb && i < VPNHA_HC_BUCKETS; i++) {
		const struct vpnha_hc_bucket *b = &h->bucket[i];

		jsum += b->jit_sum;
		jn += b->jit_n;
		if (!b->ok)
			continue;
		if (!any || b->rtt_min < f->rtt_min_us)
			f->rtt_min_us = b->rtt_min;
		if (b->rtt_max > f->rtt_max_us)
			f->rtt_max_us = b->rtt_max;
		any = true;
	}

	f->probes = h->win_ok + h->win_lost;
	if (f->probes)
		f->loss_pct = (uint8_t)(h->win_lost * 100 / f->probes);
	if (h->win_ok)
		f->rtt_avg_us = (uint32_t)(h->win_rtt_sum / h->win_ok);
	if (jn)
		f->jitter_us = (uint32_t)(jsum / jn);
}
