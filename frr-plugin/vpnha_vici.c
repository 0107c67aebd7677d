// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * strongSwan VICI wire format: builder, framing, parser, SA extraction.
 * See vpnha_vici.h.
 */
#include <zebra.h>

#include "lib/memory.h"

#include "vpnha_memory.h"
#include "vpnha_vici.h"

DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_VICI_BUF, "VPN HA VICI message");

static bool type_named(unsigned int type)
{
	return type == VPNHA_VICI_CMD_REQUEST ||
	       type == VPNHA_VICI_EVENT_REGISTER ||
	       type == VPNHA_VICI_EVENT_UNREGISTER || type == VPNHA_VICI_EVENT;
}

static bool type_has_msg(unsigned int type)
{
	return type == VPNHA_VICI_CMD_REQUEST ||
	       type == VPNHA_VICI_CMD_RESPONSE || type == VPNHA_VICI_EVENT;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* --- Builder --- */

static int fail(struct vpnha_vici_buf *b)
{
	b->err = true;
	return -1;
}

/* Room for more bytes; never leaves a copy of the old bytes behind. */
static bool grow(struct vpnha_vici_buf *b, size_t more)
{
	size_t need = b->len + more, cap = b->cap ? b->cap : 256;
	uint8_t *n;

	if (need > 4 + VPNHA_VICI_MAX_LEN)
		return false;
	if (need <= b->cap)
		return true;
	while (cap < need)
		cap *= 2;
	n = XMALLOC(MTYPE_VPNHA_VICI_BUF, cap);
	if (b->data) {
		memcpy(n, b->data, b->len);
		explicit_bzero(b->data, b->cap);
		XFREE(MTYPE_VPNHA_VICI_BUF, b->data);
	}
	b->data = n;
	b->cap = cap;
	return true;
}

static void put_name(struct vpnha_vici_buf *b, const char *name, size_t nlen)
{
	b->data[b->len++] = nlen;
	memcpy(b->data + b->len, name, nlen);
	b->len += nlen;
}

/* One element: type, then name if name, then value if has_val. */
static int put_elem(struct vpnha_vici_buf *b, uint8_t type, const char *name,
		    bool has_val, const void *val, size_t vlen)
{
	size_t nlen = name ? strlen(name) : 0;

	if (b->err || b->ended || !b->has_msg || nlen > VPNHA_VICI_MAX_NAME ||
	    vlen > VPNHA_VICI_MAX_VALUE || (vlen && !val))
		return fail(b);
	if (!grow(b, 1 + (name ? 1 + nlen : 0) + (has_val ? 2 + vlen : 0)))
		return fail(b);
	b->data[b->len++] = type;
	if (name)
		put_name(b, name, nlen);
	if (has_val) {
		b->data[b->len++] = vlen >> 8;
		b->data[b->len++] = vlen & 0xff;
		if (vlen)
			memcpy(b->data + b->len, val, vlen);
		b->len += vlen;
	}
	return 0;
}

int vpnha_vici_begin(struct vpnha_vici_buf *b, enum vpnha_vici_pkt_type type,
		     const char *name)
{
	bool named = type_named(type);
	size_t nlen = named && name ? strlen(name) : 0;

	memset(b, 0, sizeof(*b));
	b->has_msg = type_has_msg(type);
	if ((unsigned int)type > VPNHA_VICI_EVENT || (named && !name) ||
	    nlen > VPNHA_VICI_MAX_NAME || !grow(b, 5 + (named ? 1 + nlen : 0)))
		return fail(b);
	memset(b->data, 0, 4); /* length, patched by vpnha_vici_end() */
	b->data[4] = type;
	b->len = 5;
	if (named)
		put_name(b, name, nlen);
	return 0;
}

int vpnha_vici_section_start(struct vpnha_vici_buf *b, const char *name)
{
	if (b->in_list || !name ||
	    put_elem(b, VPNHA_VICI_SECTION_START, name, false, NULL, 0))
		return fail(b);
	b->depth++;
	return 0;
}

int vpnha_vici_section_end(struct vpnha_vici_buf *b)
{
	if (b->in_list || !b->depth ||
	    put_elem(b, VPNHA_VICI_SECTION_END, NULL, false, NULL, 0))
		return fail(b);
	b->depth--;
	return 0;
}

int vpnha_vici_kv_bin(struct vpnha_vici_buf *b, const char *key,
		      const void *data, size_t len)
{
	if (b->in_list || !key ||
	    put_elem(b, VPNHA_VICI_KEY_VALUE, key, true, data, len))
		return fail(b);
	return 0;
}

int vpnha_vici_kv(struct vpnha_vici_buf *b, const char *key, const char *value)
{
	if (!value)
		return fail(b);
	return vpnha_vici_kv_bin(b, key, value, strlen(value));
}

int vpnha_vici_list_start(struct vpnha_vici_buf *b, const char *name)
{
	if (b->in_list || !name ||
	    put_elem(b, VPNHA_VICI_LIST_START, name, false, NULL, 0))
		return fail(b);
	b->in_list = true;
	return 0;
}

int vpnha_vici_list_item(struct vpnha_vici_buf *b, const char *value)
{
	if (!b->in_list || !value ||
	    put_elem(b, VPNHA_VICI_LIST_ITEM, NULL, true, value, strlen(value)))
		return fail(b);
	return 0;
}

int vpnha_vici_list_end(struct vpnha_vici_buf *b)
{
	if (!b->in_list ||
	    put_elem(b, VPNHA_VICI_LIST_END, NULL, false, NULL, 0))
		return fail(b);
	b->in_list = false;
	return 0;
}

const uint8_t *vpnha_vici_end(struct vpnha_vici_buf *b, size_t *len)
{
	size_t n;

	if (b->err || !b->data || b->depth || b->in_list) {
		b->err = true;
		return NULL;
	}
	n = b->len - 4;
	b->data[0] = n >> 24;
	b->data[1] = n >> 16;
	b->data[2] = n >> 8;
	b->data[3] = n;
	b->ended = true;
	*len = b->len;
	return b->data;
}

void vpnha_vici_buf_free(struct vpnha_vici_buf *b)
{
	if (b->data) {
		explicit_bzero(b->data, b->cap);
		XFREE(MTYPE_VPNHA_VICI_BUF, b->data);
	}
	memset(b, 0, sizeof(*b));
}

/* --- Framing and packets --- */

int vpnha_vici_frame(const uint8_t *buf, size_t len, size_t *pkt_len)
{
	uint32_t n;

	if (len < 4)
		return 0;
	n = get_be32(buf);
	if (n == 0 || n > VPNHA_VICI_MAX_LEN)
		return -1;
	if (len - 4 < n)
		return 0;
	*pkt_len = 4 + (size_t)n;
	return 1;
}

int vpnha_vici_packet(const uint8_t *pkt, size_t len, struct vpnha_vici_pkt *p)
{
	size_t off = 5, nlen = 0;

	memset(p, 0, sizeof(*p));
	if (len < 5 || get_be32(pkt) != len - 4 || pkt[4] > VPNHA_VICI_EVENT)
		return -1;
	p->type = pkt[4];
	if (type_named(p->type)) {
		if (off >= len || len - off - 1 < pkt[off])
			return -1;
		nlen = pkt[off++];
		memcpy(p->name, pkt + off, nlen);
		off += nlen;
	}
	p->msg = pkt + off;
	p->msg_len = len - off;
	return 0;
}

/* --- Parser --- */

int vpnha_vici_parse(const uint8_t *msg, size_t len, vpnha_vici_walk_cb cb,
		     void *arg)
{
	size_t off = 0, vlen, nlen;
	unsigned int depth = 0;
	bool in_list = false;
	char name[VPNHA_VICI_MAX_NAME + 1];
	const uint8_t *val;
	uint8_t t;
	int ret;

	while (off < len) {
		t = msg[off++];
		name[0] = '\0';
		val = NULL;
		vlen = 0;
		switch (t) {
		case VPNHA_VICI_SECTION_START:
		case VPNHA_VICI_KEY_VALUE:
		case VPNHA_VICI_LIST_START:
			if (in_list || off >= len || len - off - 1 < msg[off])
				return -1;
			nlen = msg[off++];
			memcpy(name, msg + off, nlen);
			name[nlen] = '\0';
			off += nlen;
			break;
		case VPNHA_VICI_LIST_ITEM:
		case VPNHA_VICI_LIST_END:
			if (!in_list)
				return -1;
			break;
		case VPNHA_VICI_SECTION_END:
			if (in_list || !depth)
				return -1;
			depth--;
			break;
		default:
			return -1;
		}
		if (t == VPNHA_VICI_KEY_VALUE || t == VPNHA_VICI_LIST_ITEM) {
			if (len - off < 2)
				return -1;
			vlen = (size_t)msg[off] << 8 | msg[off + 1];
			off += 2;
			if (len - off < vlen)
				return -1;
			val = msg + off;
			off += vlen;
		}
		ret = cb(arg, t, depth, name, val, vlen);
		if (ret)
			return ret;
		if (t == VPNHA_VICI_SECTION_START)
			depth++;
		else if (t == VPNHA_VICI_LIST_START)
			in_list = true;
		else if (t == VPNHA_VICI_LIST_END)
			in_list = false;
	}
	return depth || in_list ? -1 : 0;
}

/* --- What vpnhad reads --- */

static void copy_str(char *dst, size_t dsz, const uint8_t *v, size_t n)
{
	if (n >= dsz)
		n = dsz - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static uint64_t get_num(const uint8_t *v, size_t n, int base)
{
	char tmp[32];

	if (n >= sizeof(tmp))
		return 0;
	copy_str(tmp, sizeof(tmp), v, n);
	return strtoull(tmp, NULL, base);
}

static bool val_is(const uint8_t *v, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(v, s, n) == 0;
}

enum sa_sect { S_OTHER, S_IKE, S_CHILD_SAS, S_CHILD };

struct sa_ctx {
	struct vpnha_vici_sa *sa;
	enum sa_sect sect[3];		/* kind of open section per depth */
	struct vpnha_vici_child *child; /* current one, NULL beyond max */
};

static const struct {
	const char *key;
	size_t off;
} child_u64[] = {
	{"bytes-in", offsetof(struct vpnha_vici_child, bytes_in)},
	{"bytes-out", offsetof(struct vpnha_vici_child, bytes_out)},
	{"packets-in", offsetof(struct vpnha_vici_child, packets_in)},
	{"packets-out", offsetof(struct vpnha_vici_child, packets_out)},
	{"install-time", offsetof(struct vpnha_vici_child, install_time_s)},
};

static void sa_child_kv(struct vpnha_vici_child *c, const char *k,
			const uint8_t *v, size_t n)
{
	size_t i;

	if (!strcmp(k, "name"))
		copy_str(c->name, sizeof(c->name), v, n);
	else if (!strcmp(k, "state"))
		copy_str(c->state, sizeof(c->state), v, n);
	else if (!strcmp(k, "spi-in"))
		c->spi_in = get_num(v, n, 16);
	else if (!strcmp(k, "spi-out"))
		c->spi_out = get_num(v, n, 16);
	for (i = 0; i < array_size(child_u64); i++)
		if (!strcmp(k, child_u64[i].key))
			*(uint64_t *)((char *)c + child_u64[i].off) =
				get_num(v, n, 10);
}

static void sa_ike_kv(struct vpnha_vici_sa *sa, const char *k, const uint8_t *v,
		      size_t n)
{
	if (!strcmp(k, "state"))
		copy_str(sa->ike_state, sizeof(sa->ike_state), v, n);
	else if (!strcmp(k, "uniqueid"))
		sa->ike_id = get_num(v, n, 10);
	else if (!strcmp(k, "established"))
		sa->established_s = get_num(v, n, 10);
	else if (!strcmp(k, "rekey-time"))
		sa->rekey_time_s = get_num(v, n, 10);
	else if (!strcmp(k, "reauth-time"))
		sa->reauth_time_s = get_num(v, n, 10);
}

static int sa_walk(void *arg, enum vpnha_vici_elem type, unsigned int depth,
		   const char *name, const uint8_t *v, size_t n)
{
	struct sa_ctx *ctx = arg;
	struct vpnha_vici_sa *sa = ctx->sa;
	enum sa_sect parent, kind = S_OTHER;

	if (depth > array_size(ctx->sect))
		return 0; /* deeper than anything we read */
	parent = depth ? ctx->sect[depth - 1] : S_OTHER;
	if (type == VPNHA_VICI_SECTION_START && depth < array_size(ctx->sect)) {
		if (depth == 0 && !sa->ike_name[0]) {
			kind = S_IKE;
			copy_str(sa->ike_name, sizeof(sa->ike_name),
				 (const uint8_t *)name, strlen(name));
		} else if (parent == S_IKE && !strcmp(name, "child-sas")) {
			kind = S_CHILD_SAS;
		} else if (parent == S_CHILD_SAS) {
			kind = S_CHILD;
			ctx->child = sa->n_child < VPNHA_VICI_MAX_CHILD
					     ? &sa->child[sa->n_child++]
					     : NULL;
			sa->n_child_all++;
			if (ctx->child)
				copy_str(ctx->child->name,
					 sizeof(ctx->child->name),
					 (const uint8_t *)name, strlen(name));
		}
		ctx->sect[depth] = kind;
	} else if (type == VPNHA_VICI_KEY_VALUE) {
		if (depth == 0 && !strcmp(name, "up"))
			sa->up_event = val_is(v, n, "yes");
		else if (parent == S_IKE)
			sa_ike_kv(sa, name, v, n);
		else if (parent == S_CHILD && ctx->child)
			sa_child_kv(ctx->child, name, v, n);
	}
	return 0;
}

int vpnha_vici_parse_sa(const uint8_t *msg, size_t len,
			struct vpnha_vici_sa *sa)
{
	struct sa_ctx ctx = {.sa = sa};

	memset(sa, 0, sizeof(*sa));
	if (vpnha_vici_parse(msg, len, sa_walk, &ctx) || !sa->ike_name[0])
		return -1;
	return 0;
}

struct result_ctx {
	int success; /* -1 no key, 0 no, 1 yes */
	char *errmsg;
	size_t errsz;
};

static int result_walk(void *arg, enum vpnha_vici_elem type, unsigned int depth,
		       const char *name, const uint8_t *v, size_t n)
{
	struct result_ctx *ctx = arg;

	if (type != VPNHA_VICI_KEY_VALUE || depth)
		return 0;
	if (!strcmp(name, "success"))
		ctx->success = val_is(v, n, "yes");
	else if (!strcmp(name, "errmsg") && ctx->errsz)
		copy_str(ctx->errmsg, ctx->errsz, v, n);
	return 0;
}

int vpnha_vici_result(const uint8_t *msg, size_t len, char *errmsg,
		      size_t errsz)
{
	struct result_ctx ctx = {
		.success = -1, .errmsg = errmsg, .errsz = errsz};

	if (errsz)
		errmsg[0] = '\0';
	if (vpnha_vici_parse(msg, len, result_walk, &ctx))
		return -1;
	return ctx.success != 0;
}
