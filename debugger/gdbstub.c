/*
 * debugger/gdbstub.c: the GDB remote serial protocol (GDB manual, appendix
 * "Remote Protocol": packets, 'g' for i386, Z/z, stop replies) over one TCP
 * connection, on the shared debug core. Single-threaded: while the guest
 * runs, the core polls the socket between slices for gdb's 0x03.
 */
#include "debugger/gdbstub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "debugger/core.h"
#include "machine/info.h"
#include "replay/replayer.h"

enum { RX_IDLE, RX_DATA, RX_ESCAPE, RX_SUM1, RX_SUM2 };

void gdb_rx_init(struct gdb_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum gdb_rx_event gdb_rx_feed(struct gdb_rx *rx, uint8_t c)
{
	switch (rx->state) {
	case RX_IDLE:
		if (c == '$') {
			rx->state = RX_DATA;
			rx->len = 0;
			rx->sum = 0;
			rx->overflow = 0;
		} else if (c == 0x03) {
			return GDB_RX_INTERRUPT;
		}
		return GDB_RX_NONE;   /* acks and noise */
	case RX_DATA:
	case RX_ESCAPE:
		if (c == '#' && rx->state == RX_DATA) {
			rx->state = RX_SUM1;
			return GDB_RX_NONE;
		}
		if (c == '$' && rx->state == RX_DATA) {   /* restart: the old packet was cut */
			rx->len = 0;
			rx->sum = 0;
			rx->overflow = 0;
			return GDB_RX_NONE;
		}
		rx->sum = (uint8_t)(rx->sum + c);
		if (rx->state == RX_DATA && c == '}') {
			rx->state = RX_ESCAPE;
			return GDB_RX_NONE;
		}
		if (rx->state == RX_ESCAPE) {
			c ^= 0x20;
			rx->state = RX_DATA;
		}
		if (rx->len < GDB_PACKET_MAX)
			rx->buf[rx->len++] = (char)c;
		else
			rx->overflow = 1;
		return GDB_RX_NONE;
	case RX_SUM1:
		if (hexval(c) < 0) {
			rx->state = RX_IDLE;
			return GDB_RX_BAD;
		}
		rx->want = (uint8_t)(hexval(c) << 4);
		rx->state = RX_SUM2;
		return GDB_RX_NONE;
	default:
		rx->state = RX_IDLE;
		if (hexval(c) < 0 || (uint8_t)(rx->want | hexval(c)) != rx->sum || rx->overflow)
			return GDB_RX_BAD;
		rx->buf[rx->len] = 0;
		return GDB_RX_PACKET;
	}
}

size_t gdb_frame(const char *payload, char *out, size_t cap)
{
	uint8_t sum = 0;
	size_t n = strlen(payload);

	if (cap < n + 5)
		n = cap - 5;
	out[0] = '$';
	for (size_t i = 0; i < n; i++) {
		out[1 + i] = payload[i];
		sum = (uint8_t)(sum + (uint8_t)payload[i]);
	}
	snprintf(out + 1 + n, 4, "#%02x", sum);
	return n + 4;
}

/* ---- packet helpers ---- */

/* Parse hex digits at *p (at least one, at most 16); advances *p. */
static int parse_hex(const char **p, uint64_t *v)
{
	int n = 0;

	*v = 0;
	while (hexval(**p) >= 0) {
		if (++n > 16)
			return -1;
		*v = *v << 4 | (uint64_t)hexval(**p);
		(*p)++;
	}
	return n ? 0 : -1;
}

static void put_le32_hex(char *out, uint32_t v)
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 4; i++) {
		uint8_t b = (uint8_t)(v >> (8 * i));
		out[2 * i] = hx[b >> 4];
		out[2 * i + 1] = hx[b & 15];
	}
}

static int get_le32_hex(const char *in, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(in[2 * i]), l = hexval(in[2 * i + 1]);
		if (h < 0 || l < 0)
			return -1;
		*v |= (uint32_t)(h << 4 | l) << (8 * i);
	}
	return 0;
}

#define GDB_NREGS 16
static const int gdb_segs[6] = { CPU_CS, CPU_SS, CPU_DS, CPU_ES, CPU_FS, CPU_GS };

static uint32_t reg_get(struct dbg *d, int n)
{
	struct cpu *c = machine_cpu(dbg_machine(d));
	struct cpu_segment s;

	if (n < 10)
		return cpu_get_reg(c, (enum cpu_reg)n);   /* eax..edi, eip, eflags: same order */
	cpu_get_seg(c, (enum cpu_seg)gdb_segs[n - 10], &s);
	return s.selector;
}

/* Write register n if it changes (a rewritten segment would reload its base). */
static int reg_set(struct dbg *d, int n, uint32_t v)
{
	char err[128];
	struct dbg_write w;

	if (reg_get(d, n) == v)
		return 0;
	memset(&w, 0, sizeof(w));
	if (n < 10) {
		w.kind = DBG_WRITE_REG;
		w.reg = n;
	} else {
		if (v > 0xffff)
			return -1;
		w.kind = DBG_WRITE_SEG;
		w.reg = gdb_segs[n - 10];
	}
	w.value = v;
	return dbg_apply_write(d, &w, err, sizeof(err));
}

/* Write linear memory page by page through the choke point. All pages are
 * checked before anything is written. */
static int write_lin(struct dbg *d, uint32_t lin, const uint8_t *buf, size_t len)
{
	struct machine *m = dbg_machine(d);
	char err[128];

	for (size_t off = 0; off < len;) {
		uint64_t pa;
		size_t n = 4096 - ((lin + off) & 4095);
		if (n > len - off)
			n = len - off;
		if (machine_debug_translate(m, (uint32_t)(lin + off), &pa))
			return -1;
		uint8_t tmp[1];
		if (machine_debug_read_phys(m, pa, tmp, 1))
			return -1;
		off += n;
	}
	for (size_t off = 0; off < len;) {
		uint64_t pa;
		size_t n = 4096 - ((lin + off) & 4095);
		if (n > len - off)
			n = len - off;
		machine_debug_translate(m, (uint32_t)(lin + off), &pa);
		struct dbg_write w = { .kind = DBG_WRITE_MEM, .addr = pa, .len = (uint32_t)n,
				       .data = buf + off };
		if (dbg_apply_write(d, &w, err, sizeof(err)))
			return -1;
		off += n;
	}
	return 0;
}

static enum gdb_action reply_str(char *reply, size_t cap, const char *s)
{
	snprintf(reply, cap, "%s", s);
	return GDB_REPLY;
}

/* Z/z type,addr,kind */
static enum gdb_action handle_z(struct gdb_session *s, const char *p, int insert, char *reply,
				size_t cap)
{
	uint64_t type, addr, kind;
	struct dbg_bp bp, *old;
	enum dbg_bp_kind k;
	int access = 0;

	if (parse_hex(&p, &type) || *p++ != ',' || parse_hex(&p, &addr) || *p++ != ',' ||
	    parse_hex(&p, &kind) || (*p && *p != ';'))
		return reply_str(reply, cap, "E01");
	if (addr > 0xffffffffull)
		return reply_str(reply, cap, "E01");
	if (type == 0 || type == 1) {
		k = DBG_BP_LINEAR;
	} else if (type >= 2 && type <= 4) {
		/* Z2 write, Z3 read, Z4 access watchpoints, on the physical
		 * bytes the linear address maps to now. */
		uint64_t pa;
		if (!kind || kind > 4096 ||
		    machine_debug_translate(dbg_machine(s->d), (uint32_t)addr, &pa))
			return reply_str(reply, cap, "E01");
		k = DBG_BP_WATCH;
		addr = pa;
		access = type == 2 ? DBG_ACC_W : type == 3 ? DBG_ACC_R : DBG_ACC_R | DBG_ACC_W;
	} else {
		return reply_str(reply, cap, "");
	}
	old = dbg_bp_find_gdb(s->d, k, addr, k == DBG_BP_WATCH ? access : 0);
	if (!insert) {
		if (old)
			dbg_bp_delete(s->d, old->id);
		return reply_str(reply, cap, "OK");
	}
	if (old)
		return reply_str(reply, cap, "OK");
	memset(&bp, 0, sizeof(bp));
	bp.kind = k;
	bp.addr = addr;
	bp.owner = 1;
	bp.enabled = 1;
	bp.vector = (int)type;   /* remembered for the stop reply (sw/hw break) */
	if (k == DBG_BP_WATCH) {
		bp.len = (uint32_t)kind;
		bp.access = access;
	}
	return reply_str(reply, cap, dbg_bp_add(s->d, &bp) > 0 ? "OK" : "E02");
}

enum gdb_action gdb_handle_packet(struct gdb_session *s, const char *pkt, size_t len, char *reply,
				  size_t cap)
{
	const char *p = pkt + 1;
	uint64_t addr, n;

	if (!cap)
		return GDB_REPLY;
	reply[0] = 0;
	if (!len)
		return GDB_REPLY;
	switch (pkt[0]) {
	case '?':
		return reply_str(reply, cap, s->last_stop[0] ? s->last_stop : "S05");
	case 'g':
		if (cap < GDB_NREGS * 8 + 1)
			return reply_str(reply, cap, "E01");
		for (int i = 0; i < GDB_NREGS; i++)
			put_le32_hex(reply + 8 * i, reg_get(s->d, i));
		reply[GDB_NREGS * 8] = 0;
		return GDB_REPLY;
	case 'G': {
		uint32_t v[GDB_NREGS];
		if (len - 1 < GDB_NREGS * 8)
			return reply_str(reply, cap, "E01");
		for (int i = 0; i < GDB_NREGS; i++)
			if (get_le32_hex(p + 8 * i, &v[i]) || (i >= 10 && v[i] > 0xffff))
				return reply_str(reply, cap, "E01");
		for (int i = 0; i < GDB_NREGS; i++)
			if (reg_set(s->d, i, v[i]))
				return reply_str(reply, cap, "E02");
		return reply_str(reply, cap, "OK");
	}
	case 'p':
		if (parse_hex(&p, &n) || *p)
			return reply_str(reply, cap, "E01");
		if (n >= GDB_NREGS)
			return GDB_REPLY;   /* FPU and others: not provided */
		if (cap < 9)
			return reply_str(reply, cap, "E01");
		put_le32_hex(reply, reg_get(s->d, (int)n));
		reply[8] = 0;
		return GDB_REPLY;
	case 'P': {
		uint32_t v;
		if (parse_hex(&p, &n) || *p++ != '=' || strlen(p) != 8 || get_le32_hex(p, &v))
			return reply_str(reply, cap, "E01");
		if (n >= GDB_NREGS)
			return reply_str(reply, cap, "OK");   /* ignore writes to absent registers */
		if (n >= 10 && v > 0xffff)
			return reply_str(reply, cap, "E01");
		return reply_str(reply, cap, reg_set(s->d, (int)n, v) ? "E02" : "OK");
	}
	case 'm': {
		uint8_t buf[GDB_PACKET_MAX / 2];
		if (parse_hex(&p, &addr) || *p++ != ',' || parse_hex(&p, &n) || *p)
			return reply_str(reply, cap, "E01");
		if (n > sizeof(buf) || n * 2 + 1 > cap || addr > 0xffffffffull ||
		    addr + n > 0x100000000ull)
			return reply_str(reply, cap, "E01");
		if (machine_debug_read_lin(dbg_machine(s->d), (uint32_t)addr, buf, (size_t)n))
			return reply_str(reply, cap, "E14");
		for (uint64_t i = 0; i < n; i++)
			snprintf(reply + 2 * i, 3, "%02x", buf[i]);
		reply[2 * n] = 0;
		return GDB_REPLY;
	}
	case 'M': {
		uint8_t buf[GDB_PACKET_MAX / 2];
		if (parse_hex(&p, &addr) || *p++ != ',' || parse_hex(&p, &n) || *p++ != ':')
			return reply_str(reply, cap, "E01");
		if (n > sizeof(buf) || strlen(p) != n * 2 || addr > 0xffffffffull ||
		    addr + n > 0x100000000ull)
			return reply_str(reply, cap, "E01");
		for (uint64_t i = 0; i < n; i++) {
			int h = hexval(p[2 * i]), l = hexval(p[2 * i + 1]);
			if (h < 0 || l < 0)
				return reply_str(reply, cap, "E01");
			buf[i] = (uint8_t)(h << 4 | l);
		}
		return reply_str(reply, cap, write_lin(s->d, (uint32_t)addr, buf, (size_t)n) ? "E14" : "OK");
	}
	case 'c':
	case 's':
		if (*p) {
			if (parse_hex(&p, &addr) || *p || addr > 0xffffffffull)
				return reply_str(reply, cap, "E01");
			struct cpu_segment cs;
			cpu_get_seg(machine_cpu(dbg_machine(s->d)), CPU_CS, &cs);
			if (reg_set(s->d, 8, (uint32_t)addr - cs.base))
				return reply_str(reply, cap, "E02");
		}
		return pkt[0] == 'c' ? GDB_CONTINUE : GDB_STEP;
	case 'Z':
	case 'z':
		return handle_z(s, p, pkt[0] == 'Z', reply, cap);
	case 'H':
	case 'T':
		return reply_str(reply, cap, "OK");
	case 'D':
		reply_str(reply, cap, "OK");
		return GDB_DETACH;
	case 'k':
		return GDB_KILL;
	case 'b':
		if (!s->reverse || len != 2 || (pkt[1] != 's' && pkt[1] != 'c'))
			return GDB_REPLY;   /* empty: not supported */
		return pkt[1] == 's' ? GDB_REVERSE_STEP : GDB_REVERSE_CONTINUE;
	case 'q':
		if (!strncmp(pkt, "qSupported", 10))
			return reply_str(reply, cap, s->reverse ? "PacketSize=1000;swbreak+;hwbreak+;"
							  "ReverseStep+;ReverseContinue+"
							: "PacketSize=1000;swbreak+;hwbreak+");
		if (!strcmp(pkt, "qAttached"))
			return reply_str(reply, cap, "1");
		if (!strcmp(pkt, "qC"))
			return reply_str(reply, cap, "QC1");
		if (!strcmp(pkt, "qfThreadInfo"))
			return reply_str(reply, cap, "m1");
		if (!strcmp(pkt, "qsThreadInfo"))
			return reply_str(reply, cap, "l");
		if (!strncmp(pkt, "qSymbol", 7))
			return reply_str(reply, cap, "OK");
		return GDB_REPLY;
	default:
		return GDB_REPLY;   /* empty: not supported */
	}
}

/* The stop reply for a finished resume. */
static void stop_reply(struct gdb_session *s, const struct dbg_stop *st, char *out, size_t cap)
{
	struct dbg_bp *bp;

	switch (st->kind) {
	case DBG_STOP_BREAK:
		bp = dbg_bp_find(s->d, st->bp_id);
		if (st->bp_kind == DBG_BP_WATCH)
			snprintf(out, cap, "T05%s:%" PRIx64 ";",
				 !bp || bp->access == DBG_ACC_W ? "watch" :
				 bp->access == DBG_ACC_R ? "rwatch" : "awatch", st->watch_addr);
		else if (bp && bp->owner == 1 && bp->kind == DBG_BP_LINEAR)
			snprintf(out, cap, "T05%s:;", bp->vector == 1 ? "hwbreak" : "swbreak");
		else
			snprintf(out, cap, "S05");
		break;
	case DBG_STOP_INTERRUPTED:
		snprintf(out, cap, "S02");
		break;
	case DBG_STOP_REPLAY: {
		/* The edges of the recorded history. */
		uint64_t ic = cpu_icount(machine_cpu(dbg_machine(s->d)));
		if (dbg_replay(s->d) && ic >= replay_session_end(dbg_replay(s->d)))
			snprintf(out, cap, "T05replaylog:end;");
		else if (ic == 0)
			snprintf(out, cap, "T05replaylog:begin;");
		else
			snprintf(out, cap, "S05");
		break;
	}
	case DBG_STOP_MACHINE:
		if (st->mstop == MACHINE_STOP_EXIT)
			snprintf(out, cap, "W%02x", machine_exit_value(dbg_machine(s->d)) & 0xff);
		else if (st->mstop == MACHINE_STOP_POWEROFF)
			snprintf(out, cap, "W00");
		else
			snprintf(out, cap, "S05");
		break;
	default:
		snprintf(out, cap, "S05");
		break;
	}
	snprintf(s->last_stop, sizeof(s->last_stop), "%s", out[0] == 'W' ? "S05" : out);
}

/* ---- the server ---- */

int gdb_parse_address(const char *spec, char *host, size_t hostlen, uint16_t *port, char *err,
		      size_t errlen)
{
	const char *p = spec, *colon;
	char *end;
	unsigned long v;

	if (!strncmp(p, "tcp:", 4))
		p += 4;
	colon = strrchr(p, ':');
	if (colon && colon > p) {
		size_t n = (size_t)(colon - p);
		if (n >= hostlen) {
			snprintf(err, errlen, "--gdb %s: host name too long", spec);
			return -1;
		}
		memcpy(host, p, n);
		host[n] = 0;
	} else {
		snprintf(host, hostlen, "127.0.0.1");
	}
	if (colon)
		p = colon + 1;
	v = strtoul(p, &end, 10);
	if (!*p || *end || v > 65535) {
		snprintf(err, errlen, "--gdb %s: expected tcp:HOST:PORT (port 0-65535)", spec);
		return -1;
	}
	if (!strcmp(host, "localhost"))
		snprintf(host, hostlen, "127.0.0.1");
	*port = (uint16_t)v;
	return 0;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_packet(int fd, const char *payload)
{
	char frame[2 * GDB_PACKET_MAX + 8];
	size_t n = gdb_frame(payload, frame, sizeof(frame));
	return send_all(fd, frame, n);
}

struct conn {
	int fd;
	int interrupted;
};

/* Between slices of a running guest: any 0x03 from gdb stops it. */
static int poll_conn(void *opaque)
{
	struct conn *c = opaque;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	uint8_t buf[64];

	while (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return c->interrupted = 1;   /* gdb went away: stop the guest */
		if (memchr(buf, 0x03, (size_t)n))
			return c->interrupted = 1;
	}
	return 0;
}

static int serve_conn(struct dbg *d, int fd)
{
	struct gdb_session s = { .d = d, .reverse = dbg_replay(d) != NULL };
	struct gdb_rx rx;
	struct conn c = { .fd = fd };
	static const size_t reply_cap = 2 * GDB_PACKET_MAX + 1;
	char *reply = malloc(reply_cap);
	uint8_t buf[512];
	int result = 0;

	if (!reply)
		return 0;
	gdb_rx_init(&rx);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			enum gdb_rx_event ev = gdb_rx_feed(&rx, buf[i]);
			enum gdb_action act;
			struct dbg_stop st;

			if (ev == GDB_RX_BAD) {
				send_all(fd, "-", 1);
				continue;
			}
			if (ev == GDB_RX_INTERRUPT) {
				send_packet(fd, "S02");
				continue;
			}
			if (ev != GDB_RX_PACKET)
				continue;
			send_all(fd, "+", 1);
			act = gdb_handle_packet(&s, rx.buf, rx.len, reply, reply_cap);
			switch (act) {
			case GDB_REPLY:
				send_packet(fd, reply);
				break;
			case GDB_CONTINUE:
			case GDB_STEP:
				c.interrupted = 0;
				dbg_set_poll(d, poll_conn, &c);
				dbg_resume(d, act == GDB_STEP ? cpu_icount(machine_cpu(dbg_machine(d))) + 1
							    : UINT64_MAX, UINT64_MAX, 0, &st);
				dbg_set_poll(d, NULL, NULL);
				stop_reply(&s, &st, reply, reply_cap);
				send_packet(fd, reply);
				break;
			case GDB_REVERSE_STEP:
			case GDB_REVERSE_CONTINUE:
				if (act == GDB_REVERSE_STEP ? dbg_reverse_step(d, 1, &st)
							    : dbg_reverse_continue(d, &st)) {
					send_packet(fd, "E01");
					break;
				}
				stop_reply(&s, &st, reply, reply_cap);
				send_packet(fd, reply);
				break;
			case GDB_DETACH:
				send_packet(fd, reply);
				result = 0;
				goto out;
			case GDB_KILL:
				result = 1;
				goto out;
			}
		}
	}
out:
	dbg_bp_delete_all(d, 1);
	free(reply);
	return result;
}

int gdbstub_serve(struct dbg *d, const char *spec, FILE *out)
{
	char host[256], err[300];
	uint16_t port;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int lfd, fd, one = 1, r;

	if (gdb_parse_address(spec, host, sizeof(host), &port, err, sizeof(err))) {
		fprintf(stderr, "lockstep monitor: %s\n", err);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "lockstep monitor: --gdb %s: %s is not an IPv4 address\n", spec, host);
		return -1;
	}
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		fprintf(stderr, "lockstep monitor: socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen)) {
		fprintf(stderr, "lockstep monitor: --gdb %s: %s\n", spec, strerror(errno));
		close(lfd);
		return -1;
	}
	fprintf(out, "gdb: listening on %s:%u\n", host, ntohs(sa.sin_port));
	fflush(out);
	do
		fd = accept(lfd, NULL, NULL);
	while (fd < 0 && errno == EINTR);
	close(lfd);
	if (fd < 0) {
		fprintf(stderr, "lockstep monitor: accept: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fprintf(out, "gdb: connected\n");
	fflush(out);
	r = serve_conn(d, fd);
	close(fd);
	fprintf(out, "gdb: %s\n", r ? "killed" : "detached");
	fflush(out);
	return r;
}
