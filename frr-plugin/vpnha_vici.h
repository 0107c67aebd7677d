// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * strongSwan VICI wire format (src/libcharon/plugins/vici/README.md):
 * message builder, framing, a bounds-checked parser, and the few
 * things vpnhad reads from SA events and command responses.
 *
 * Pure code: no sockets, no event loop.  The connection adapter is
 * vpnha_vici_io.c.
 *
 * A transport segment is a 4-byte big-endian length (of what follows,
 * at most VPNHA_VICI_MAX_LEN), then a packet: a type byte, for named
 * types a name (1-byte length, no NUL), then for types with a message
 * the message: a sequence of elements (type byte; SECTION_START,
 * KEY_VALUE and LIST_START then a 1-byte-length name; KEY_VALUE and
 * LIST_ITEM then a 2-byte big-endian-length value).
 */
#ifndef _FRR_VPNHA_VICI_H
#define _FRR_VPNHA_VICI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VPNHA_VICI_MAX_LEN (512 * 1024) /* packet, without length field */
#define VPNHA_VICI_MAX_NAME 255
#define VPNHA_VICI_MAX_VALUE 65535

enum vpnha_vici_pkt_type {
	VPNHA_VICI_CMD_REQUEST = 0,
	VPNHA_VICI_CMD_RESPONSE = 1,
	VPNHA_VICI_CMD_UNKNOWN = 2,
	VPNHA_VICI_EVENT_REGISTER = 3,
	VPNHA_VICI_EVENT_UNREGISTER = 4,
	VPNHA_VICI_EVENT_CONFIRM = 5,
	VPNHA_VICI_EVENT_UNKNOWN = 6,
	VPNHA_VICI_EVENT = 7,
};

enum vpnha_vici_elem {
	VPNHA_VICI_SECTION_START = 1,
	VPNHA_VICI_SECTION_END = 2,
	VPNHA_VICI_KEY_VALUE = 3,
	VPNHA_VICI_LIST_START = 4,
	VPNHA_VICI_LIST_ITEM = 5,
	VPNHA_VICI_LIST_END = 6,
};

/* --- Builder --- */

/*
 * One packet under construction.  Errors are sticky: after any failed
 * call (name > 255 or value > 65535 bytes, element not allowed here,
 * packet > VPNHA_VICI_MAX_LEN) every later call fails too and
 * vpnha_vici_end() returns NULL.  Growing and freeing zero the old
 * memory (requests may carry secrets, e.g. load-shared).
 */
struct vpnha_vici_buf {
	uint8_t *data;
	size_t len, cap;
	unsigned int depth; /* open sections */
	bool has_msg;	    /* the packet type carries a message */
	bool in_list;
	bool ended;
	bool err;
};

/* Start a packet; name is ignored for unnamed types.  0 or -1. */
extern int vpnha_vici_begin(struct vpnha_vici_buf *b,
			    enum vpnha_vici_pkt_type type, const char *name);
extern int vpnha_vici_section_start(struct vpnha_vici_buf *b, const char *name);
extern int vpnha_vici_section_end(struct vpnha_vici_buf *b);
extern int vpnha_vici_kv(struct vpnha_vici_buf *b, const char *key,
			 const char *value);
extern int vpnha_vici_kv_bin(struct vpnha_vici_buf *b, const char *key,
			     const void *data, size_t len);
extern int vpnha_vici_list_start(struct vpnha_vici_buf *b, const char *name);
extern int vpnha_vici_list_item(struct vpnha_vici_buf *b, const char *value);
extern int vpnha_vici_list_end(struct vpnha_vici_buf *b);
/*
 * Finish: check balance, patch the length.  Returns the packet (with
 * its length field; *len its size) or NULL on any error.  Idempotent;
 * the bytes stay owned by b.
 */
extern const uint8_t *vpnha_vici_end(struct vpnha_vici_buf *b, size_t *len);
/* Zero and free; b may be reused with vpnha_vici_begin(). */
extern void vpnha_vici_buf_free(struct vpnha_vici_buf *b);

/* --- Framing and packets --- */

/*
 * Is there a complete packet at the start of buf?  0: need more bytes;
 * 1: yes, *pkt_len = its size including the 4-byte length; -1: invalid
 * (empty packet or longer than VPNHA_VICI_MAX_LEN): drop the connection.
 */
extern int vpnha_vici_frame(const uint8_t *buf, size_t len, size_t *pkt_len);

struct vpnha_vici_pkt {
	uint8_t type;
	char name[VPNHA_VICI_MAX_NAME + 1]; /* "" for unnamed types */
	const uint8_t *msg; /* message, points into the packet */
	size_t msg_len;
};

/* Split one framed packet (as found by vpnha_vici_frame()).  0 or -1. */
extern int vpnha_vici_packet(const uint8_t *pkt, size_t len,
			     struct vpnha_vici_pkt *p);

/* --- Parser --- */

/*
 * Called for each element in order.  depth = sections enclosing the
 * element (SECTION_END reports the depth of its SECTION_START; list
 * items that of their list).  name is NUL-terminated ("" for elements
 * without one); value/value_len are the raw bytes of KEY_VALUE and
 * LIST_ITEM (not NUL-terminated), else NULL/0.  Return 0 to go on, any
 * other value stops the walk and is returned.
 */
typedef int (*vpnha_vici_walk_cb)(void *arg, enum vpnha_vici_elem type,
				  unsigned int depth, const char *name,
				  const uint8_t *value, size_t value_len);

/*
 * Walk a message.  -1 on malformed input (truncated element, unknown
 * element type, unbalanced sections or lists, element not allowed in a
 * list); elements before the fault have been reported already.
 */
extern int vpnha_vici_parse(const uint8_t *msg, size_t len,
			    vpnha_vici_walk_cb cb, void *arg);

/* --- What vpnhad reads --- */

#define VPNHA_VICI_MAX_CHILD 4

struct vpnha_vici_child {
	char name[64];	/* the "name" key, else the section name */
	char state[24]; /* INSTALLED, REKEYING, DELETING, ... */
	uint32_t spi_in, spi_out;
	uint64_t bytes_in, bytes_out, packets_in, packets_out;
	uint64_t install_time_s;
};

struct vpnha_vici_sa {
	char ike_name[64];  /* the IKE SA's (connection) name */
	char ike_state[24]; /* ESTABLISHED, CONNECTING, DELETING, ... */
	uint32_t ike_id;    /* uniqueid */
	uint64_t established_s, rekey_time_s, reauth_time_s;
	bool up_event;		  /* "up = yes" (ike-/child-updown) */
	unsigned int n_child;	  /* entries in child[] */
	unsigned int n_child_all; /* child SAs in the message */
	struct vpnha_vici_child child[VPNHA_VICI_MAX_CHILD];
};

/*
 * From the message of a list-sa, ike-updown or child-updown event: the
 * first top-level section is the IKE SA; its child-sas subsections the
 * child SAs (the first VPNHA_VICI_MAX_CHILD of them).  Longer strings
 * are truncated.  0, or -1 if malformed or without an IKE SA section.
 */
extern int vpnha_vici_parse_sa(const uint8_t *msg, size_t len,
			       struct vpnha_vici_sa *sa);

/*
 * A command response: 1 if successful ("success = yes", or no success
 * key, as in version or list-sas), 0 if not, -1 if malformed.  The
 * "errmsg" value, if any, goes to errmsg (else "").
 */
extern int vpnha_vici_result(const uint8_t *msg, size_t len, char *errmsg,
			     size_t errsz);

#endif /* _FRR_VPNHA_VICI_H */
