// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad strongSwan VICI client connection, see vpnha_vici_io.h.  The
 * wire format is vpnha_vici.c; this file only moves bytes.
 */
#include <zebra.h>

#include <sys/un.h>

#include "lib/log.h"
#include "lib/memory.h"

#include "vpnha_memory.h"
#include "vpnha_compat.h"
#include "vpnha_debug.h"
#include "vpnha_vici_io.h"

DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_VICI, "VPN HA VICI connection");
DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_VICI_REQ, "VPN HA VICI request");
DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_VICI_IBUF, "VPN HA VICI input");

#define VICI_RETRY_MS 1000
#define VICI_IBUF_MIN 4096

static const char *const vici_events[] = {
	"ike-updown", "child-updown", "ike-rekey", "child-rekey", "list-sa",
};

enum vici_state { VC_DOWN, VC_CONNECTING, VC_REGISTERING, VC_UP };

struct vici_req {
	struct vici_req *next;
	struct vpnha_vici_buf buf; /* zeroed and freed once sent */
	size_t off;		   /* bytes sent */
	bool sent;
	bool is_list; /* the list-sas dump */
	uint8_t type;
	char name[32]; /* for messages */
	vpnha_vici_cb cb;
	void *arg;
};

struct vpnha_vici {
	char *path;
	const struct vpnha_vici_ops *ops;
	void *arg;
	int fd;
	enum vici_state state;
	vpnha_event_t *t_connect, *t_read, *t_write;
	uint8_t *ibuf;
	size_t ilen, icap;
	struct vici_req *head, *tail; /* head: in flight once sent */
	unsigned int reg_pending;     /* event registrations unanswered */
	bool list_queued;	      /* a list-sas not yet sent */
	bool fail_logged;	      /* connect failure logged at warning */
	char err[160];
};

static void vc_connect(vpnha_event_t *e);
static void vc_write(vpnha_event_t *e);
static void vc_read(vpnha_event_t *e);

static void req_free(struct vici_req *r)
{
	vpnha_vici_buf_free(&r->buf);
	XFREE(MTYPE_VPNHA_VICI_REQ, r);
}

static void vc_kick(struct vpnha_vici *vc)
{
	if (vc->fd >= 0 && vc->head && !vc->head->sent)
		vpnha_add_write(master, vc_write, vc, vc->fd, &vc->t_write);
}

/* Queue a finished packet; takes b's bytes. */
static void vc_queue(struct vpnha_vici *vc, struct vpnha_vici_buf *b,
		     vpnha_vici_cb cb, void *arg, bool is_list)
{
	struct vici_req *r = XCALLOC(MTYPE_VPNHA_VICI_REQ, sizeof(*r));

	r->buf = *b;
	memset(b, 0, sizeof(*b));
	r->type = r->buf.data[4];
	if (r->buf.len > 5)
		snprintf(r->name, sizeof(r->name), "%.*s",
			 (int)MIN(r->buf.data[5], r->buf.len - 6),
			 (const char *)r->buf.data + 6);
	r->cb = cb;
	r->arg = arg;
	r->is_list = is_list;
	if (vc->tail)
		vc->tail->next = r;
	else
		vc->head = r;
	vc->tail = r;
	vc_kick(vc);
}

/* Log a failure to connect or stay connected: once at warning. */
static void vc_log_fail(struct vpnha_vici *vc)
{
	if (!vc->fail_logged)
		zlog_warn("VICI %s: %s (retrying every %d s)", vc->path,
			  vc->err, VICI_RETRY_MS / 1000);
	else if (VPNHA_DEBUG(events))
		zlog_debug("VICI %s: %s", vc->path, vc->err);
	vc->fail_logged = true;
}

/*
 * Close, fail the queued requests, tell the owner, retry in a second.
 * Called from event handlers only (never from inside a user call).
 */
static void PRINTFRR(2, 3) vc_drop(struct vpnha_vici *vc, const char *fmt, ...)
{
	struct vici_req *r, *q = vc->head;
	bool was_up = vc->state == VC_UP;
	va_list ap;

	va_start(ap, fmt);
	vsnprintfrr(vc->err, sizeof(vc->err), fmt, ap);
	va_end(ap);
	VPNHA_EVENT_OFF(vc->t_read);
	VPNHA_EVENT_OFF(vc->t_write);
	VPNHA_EVENT_OFF(vc->t_connect);
	if (vc->fd >= 0)
		close(vc->fd);
	vc->fd = -1;
	vc->state = VC_DOWN;
	XFREE(MTYPE_VPNHA_VICI_IBUF, vc->ibuf); /* up to 512 KiB */
	vc->ilen = vc->icap = 0;
	vc->head = vc->tail = NULL;
	vc->reg_pending = 0;
	vc->list_queued = false;
	vpnha_add_timer_msec(master, vc_connect, vc, VICI_RETRY_MS,
			     &vc->t_connect);
	if (was_up)
		zlog_warn("VICI %s: connection lost: %s", vc->path, vc->err);
	else
		vc_log_fail(vc);

	while ((r = q)) {
		q = r->next;
		if (r->cb)
			r->cb(r->arg, false, "disconnected", NULL, 0);
		req_free(r);
	}
	if (was_up && vc->ops->disconnected)
		vc->ops->disconnected(vc, vc->arg, vc->err);
}

/* --- Connection setup --- */

static void reg_done(void *arg, bool ok, const char *errmsg, const uint8_t *msg,
		     size_t len)
{
	struct vpnha_vici *vc = arg;

	if (!msg)
		return; /* disconnected */
	if (!ok)
		zlog_warn("VICI %s: %s", vc->path, errmsg);
	if (--vc->reg_pending)
		return;
	vc->state = VC_UP;
	vc->fail_logged = false;
	zlog_info("VICI %s: connected", vc->path);
	if (vc->ops->connected)
		vc->ops->connected(vc, vc->arg);
	vpnha_vici_list_sas(vc);
}

static void vc_established(struct vpnha_vici *vc)
{
	struct vpnha_vici_buf b;
	size_t i, len;

	vc->state = VC_REGISTERING;
	vpnha_add_read(master, vc_read, vc, vc->fd, &vc->t_read);
	for (i = 0; i < array_size(vici_events); i++) {
		vpnha_vici_begin(&b, VPNHA_VICI_EVENT_REGISTER, vici_events[i]);
		vpnha_vici_end(&b, &len);
		vc->reg_pending++;
		vc_queue(vc, &b, reg_done, vc, false);
	}
}

static void vc_connect_done(vpnha_event_t *e)
{
	struct vpnha_vici *vc = VPNHA_EVENT_ARG(e);
	int err = 0;
	socklen_t sl = sizeof(err);

	if (getsockopt(vc->fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
		err = errno;
	if (err)
		vc_drop(vc, "connect: %s", safe_strerror(err));
	else
		vc_established(vc);
}

static void vc_connect(vpnha_event_t *e)
{
	struct vpnha_vici *vc = VPNHA_EVENT_ARG(e);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (strlen(vc->path) >= sizeof(sun.sun_path)) {
		vc_drop(vc, "socket path too long");
		return;
	}
	strlcpy(sun.sun_path, vc->path, sizeof(sun.sun_path));
	vc->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (vc->fd < 0) {
		vc_drop(vc, "socket: %s", safe_strerror(errno));
		return;
	}
	if (connect(vc->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		vc_established(vc);
	} else if (errno == EINPROGRESS) {
		vc->state = VC_CONNECTING;
		vpnha_add_write(master, vc_connect_done, vc, vc->fd,
				&vc->t_write);
	} else {
		vc_drop(vc, "connect: %s", safe_strerror(errno));
	}
}

/* --- I/O --- */

static void vc_write(vpnha_event_t *e)
{
	struct vpnha_vici *vc = VPNHA_EVENT_ARG(e);
	struct vici_req *r = vc->head;
	ssize_t n;

	if (!r || r->sent)
		return;
	n = send(vc->fd, r->buf.data + r->off, r->buf.len - r->off,
		 MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		vc_drop(vc, "write: %s", safe_strerror(errno));
		return;
	}
	if (n > 0)
		r->off += n;
	if (r->off < r->buf.len) {
		vc_kick(vc);
		return;
	}
	r->sent = true;
	vpnha_vici_buf_free(&r->buf); /* may hold secrets */
	if (r->is_list)
		vc->list_queued = false;
	if (VPNHA_DEBUG(events))
		zlog_debug("VICI %s: sent %s", vc->path, r->name);
}

static void vc_event(struct vpnha_vici *vc, const struct vpnha_vici_pkt *p)
{
	struct vpnha_vici_sa sa;
	bool updown = !strcmp(p->name, "ike-updown") ||
		      !strcmp(p->name, "child-updown");

	if (VPNHA_DEBUG(events))
		zlog_debug("VICI %s: event %s", vc->path, p->name);
	if (!strcmp(p->name, "ike-rekey") || !strcmp(p->name, "child-rekey")) {
		vpnha_vici_list_sas(vc); /* new SPIs and counters */
		return;
	}
	if (!updown && strcmp(p->name, "list-sa"))
		return;
	if (vpnha_vici_parse_sa(p->msg, p->msg_len, &sa) < 0) {
		zlog_warn("VICI %s: malformed %s event ignored", vc->path,
			  p->name);
		return;
	}
	if (vc->ops->sa_event)
		vc->ops->sa_event(vc, vc->arg, &sa, updown);
}

/* One packet from charon; -1 if the connection was dropped. */
static int vc_packet(struct vpnha_vici *vc, const uint8_t *pkt, size_t len)
{
	struct vici_req *r = vc->head;
	struct vpnha_vici_pkt p;
	char errmsg[256] = "";
	bool cmd, ok = true;
	int res;

	if (vpnha_vici_packet(pkt, len, &p) < 0) {
		vc_drop(vc, "malformed packet from charon");
		return -1;
	}
	if (p.type == VPNHA_VICI_EVENT) {
		vc_event(vc, &p);
		return 0;
	}
	cmd = p.type == VPNHA_VICI_CMD_RESPONSE ||
	      p.type == VPNHA_VICI_CMD_UNKNOWN;
	if (!r || !r->sent ||
	    (p.type != VPNHA_VICI_EVENT_CONFIRM &&
	     p.type != VPNHA_VICI_EVENT_UNKNOWN && !cmd) ||
	    cmd != (r->type == VPNHA_VICI_CMD_REQUEST)) {
		vc_drop(vc, "unexpected packet type %u from charon", p.type);
		return -1;
	}
	if (p.type == VPNHA_VICI_CMD_RESPONSE) {
		res = vpnha_vici_result(p.msg, p.msg_len, errmsg,
					sizeof(errmsg));
		if (res < 0) {
			vc_drop(vc, "malformed %s response", r->name);
			return -1;
		}
		ok = res;
	} else if (p.type != VPNHA_VICI_EVENT_CONFIRM) {
		ok = false;
		snprintf(errmsg, sizeof(errmsg), "unknown %s %s",
			 cmd ? "command" : "event", r->name);
	}
	if (VPNHA_DEBUG(events))
		zlog_debug("VICI %s: %s: %s%s%s", vc->path, r->name,
			   ok ? "ok" : "failed", errmsg[0] ? ": " : "", errmsg);
	vc->head = r->next;
	if (!vc->head)
		vc->tail = NULL;
	if (r->cb)
		r->cb(r->arg, ok, errmsg, p.msg, p.msg_len);
	req_free(r);
	vc_kick(vc);
	return 0;
}

static void vc_read(vpnha_event_t *e)
{
	struct vpnha_vici *vc = VPNHA_EVENT_ARG(e);
	size_t off = 0, plen, need;
	ssize_t n;
	int fr;

	/* Room for the packet being received (its length is known). */
	need = VICI_IBUF_MIN;
	if (vc->ilen >= 4 && vpnha_vici_frame(vc->ibuf, vc->ilen, &plen) == 0)
		need = MAX(need,
			   4 + ((size_t)vc->ibuf[0] << 24 | vc->ibuf[1] << 16 |
				vc->ibuf[2] << 8 | vc->ibuf[3]));
	if (vc->icap < need) {
		vc->ibuf = XREALLOC(MTYPE_VPNHA_VICI_IBUF, vc->ibuf, need);
		vc->icap = need;
	}
	n = read(vc->fd, vc->ibuf + vc->ilen, vc->icap - vc->ilen);
	if (n == 0) {
		vc_drop(vc, "closed by charon");
		return;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			vpnha_add_read(master, vc_read, vc, vc->fd,
				       &vc->t_read);
		else
			vc_drop(vc, "read: %s", safe_strerror(errno));
		return;
	}
	vc->ilen += n;
	while ((fr = vpnha_vici_frame(vc->ibuf + off, vc->ilen - off, &plen)) ==
	       1) {
		if (vc_packet(vc, vc->ibuf + off, plen) < 0)
			return;
		off += plen;
	}
	if (fr < 0) {
		vc_drop(vc, "invalid packet length from charon");
		return;
	}
	memmove(vc->ibuf, vc->ibuf + off, vc->ilen - off);
	vc->ilen -= off;
	vpnha_add_read(master, vc_read, vc, vc->fd, &vc->t_read);
}

/* --- API --- */

struct vpnha_vici *vpnha_vici_new(const char *path,
				  const struct vpnha_vici_ops *ops, void *arg)
{
	struct vpnha_vici *vc = XCALLOC(MTYPE_VPNHA_VICI, sizeof(*vc));

	vc->path = XSTRDUP(MTYPE_VPNHA_VICI, path);
	vc->ops = ops;
	vc->arg = arg;
	vc->fd = -1;
	vpnha_add_timer_msec(master, vc_connect, vc, 0, &vc->t_connect);
	return vc;
}

void vpnha_vici_free(struct vpnha_vici *vc)
{
	struct vici_req *r;

	VPNHA_EVENT_OFF(vc->t_connect);
	VPNHA_EVENT_OFF(vc->t_read);
	VPNHA_EVENT_OFF(vc->t_write);
	if (vc->fd >= 0)
		close(vc->fd);
	while ((r = vc->head)) {
		vc->head = r->next;
		req_free(r);
	}
	XFREE(MTYPE_VPNHA_VICI_IBUF, vc->ibuf);
	XFREE(MTYPE_VPNHA_VICI, vc->path);
	XFREE(MTYPE_VPNHA_VICI, vc);
}

bool vpnha_vici_connected(const struct vpnha_vici *vc)
{
	return vc->state == VC_UP;
}

const char *vpnha_vici_last_error(const struct vpnha_vici *vc)
{
	return vc->err;
}

int vpnha_vici_request(struct vpnha_vici *vc, struct vpnha_vici_buf *req,
		       vpnha_vici_cb cb, void *arg)
{
	size_t len;
	const uint8_t *pkt = vpnha_vici_end(req, &len);

	if (!pkt || pkt[4] != VPNHA_VICI_CMD_REQUEST || vc->state != VC_UP) {
		vpnha_vici_buf_free(req);
		return -1;
	}
	vc_queue(vc, req, cb, arg, false);
	return 0;
}

static void list_done(void *arg, bool ok, const char *errmsg,
		      const uint8_t *msg, size_t len)
{
	struct vpnha_vici *vc = arg;

	if (msg && !ok)
		zlog_warn("VICI %s: list-sas: %s", vc->path, errmsg);
}

void vpnha_vici_list_sas(struct vpnha_vici *vc)
{
	struct vpnha_vici_buf b;
	size_t len;

	if (vc->state != VC_UP || vc->list_queued)
		return;
	/* Not noblock: that skips IKE SAs busy at the moment (e.g. the
	 * one just rekeyed); charon waits for them instead. */
	vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, "list-sas");
	vpnha_vici_end(&b, &len);
	vc->list_queued = true;
	vc_queue(vc, &b, list_done, vc, true);
}
