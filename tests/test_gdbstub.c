/*
 * tests/test_gdbstub.c: the gdb remote protocol: packet framing, the
 * packet handler on a real machine (registers, memory, breakpoints;
 * malformed packets change nothing), and Debian's gdb in batch mode
 * against the stub over loopback.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "debugger/core.h"
#include "debugger/gdbstub.h"
#include "machine/machine.h"
#include "mem/mem.h"
#include "tests/testutil.h"

#define SEABIOS "/usr/share/seabios/bios.bin"

static enum gdb_rx_event feed(struct gdb_rx *rx, const char *s, size_t n)
{
	enum gdb_rx_event ev = GDB_RX_NONE;
	for (size_t i = 0; i < n; i++) {
		ev = gdb_rx_feed(rx, (uint8_t)s[i]);
		if (ev != GDB_RX_NONE && i + 1 < n)
			cr_assert_fail("event %d before the end of \"%s\"", ev, s);
	}
	return ev;
}

Test(gdbstub, frames_and_checksums)
{
	struct gdb_rx rx;
	char out[64];

	gdb_rx_init(&rx);
	cr_expect_eq(feed(&rx, "+$g#67", 6), GDB_RX_PACKET);
	cr_expect_str_eq(rx.buf, "g");
	cr_expect_eq(feed(&rx, "$g#68", 5), GDB_RX_BAD);
	cr_expect_eq(feed(&rx, "$m0,4#z", 7), GDB_RX_BAD);
	/* '}' escapes the next byte (XOR 0x20); the checksum covers the raw bytes. */
	cr_expect_eq(feed(&rx, "$X}]#32", 7), GDB_RX_PACKET);
	cr_expect_eq(rx.len, 2);
	cr_expect_eq(rx.buf[1], '}');
	cr_expect_eq(gdb_rx_feed(&rx, 0x03), GDB_RX_INTERRUPT);
	cr_expect_eq(gdb_frame("OK", out, sizeof(out)), 6);
	cr_expect_str_eq(out, "$OK#9a");
	cr_expect_eq(gdb_frame("", out, sizeof(out)), 4);
	cr_expect_str_eq(out, "$#00");
}

Test(gdbstub, oversized_packet_is_refused)
{
	struct gdb_rx rx;
	enum gdb_rx_event ev = GDB_RX_NONE;

	gdb_rx_init(&rx);
	gdb_rx_feed(&rx, '$');
	for (int i = 0; i < GDB_PACKET_MAX + 100; i++)
		cr_assert_eq(gdb_rx_feed(&rx, 'a'), GDB_RX_NONE);
	gdb_rx_feed(&rx, '#');
	gdb_rx_feed(&rx, '0');
	ev = gdb_rx_feed(&rx, '0');
	cr_expect_eq(ev, GDB_RX_BAD);
	cr_expect_eq(feed(&rx, "$?#3f", 5), GDB_RX_PACKET, "the stream recovers");
}

Test(gdbstub, parses_listen_addresses)
{
	char host[64], err[128];
	uint16_t port;

	cr_expect_eq(gdb_parse_address("tcp:127.0.0.1:1234", host, sizeof(host), &port, err, sizeof(err)), 0);
	cr_expect_str_eq(host, "127.0.0.1");
	cr_expect_eq(port, 1234);
	cr_expect_eq(gdb_parse_address("tcp::5555", host, sizeof(host), &port, err, sizeof(err)), 0);
	cr_expect_str_eq(host, "127.0.0.1", "loopback by default");
	cr_expect_eq(port, 5555);
	cr_expect_eq(gdb_parse_address("4321", host, sizeof(host), &port, err, sizeof(err)), 0);
	cr_expect_eq(port, 4321);
	cr_expect_eq(gdb_parse_address("tcp:0.0.0.0:1", host, sizeof(host), &port, err, sizeof(err)), 0);
	cr_expect_str_eq(host, "0.0.0.0");
	cr_expect_eq(gdb_parse_address("tcp:host:99999", host, sizeof(host), &port, err, sizeof(err)), -1);
	cr_expect_eq(gdb_parse_address("tcp:host:", host, sizeof(host), &port, err, sizeof(err)), -1);
	cr_expect_eq(gdb_parse_address("tcp:host:12x", host, sizeof(host), &port, err, sizeof(err)), -1);
}

static struct machine *seabios_machine(void)
{
	struct machine_config cfg;
	char err[512];
	struct machine *m;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed (scripts/setup installs it)");
	config_init(&cfg);
	cfg.bios = SEABIOS;
	cfg.serial = "none";
	m = machine_new(&cfg, NULL, err, sizeof(err));
	cr_assert(m, "%s", err);
	return m;
}

static const char *ask(struct gdb_session *s, const char *pkt, enum gdb_action *act)
{
	static char reply[2 * GDB_PACKET_MAX + 1];
	enum gdb_action a = gdb_handle_packet(s, pkt, strlen(pkt), reply, sizeof(reply));
	if (act)
		*act = a;
	return reply;
}

Test(gdbstub, registers_memory_and_breakpoints, .timeout = 60)
{
	struct machine *m = seabios_machine();
	struct dbg *d = dbg_new(m);
	struct gdb_session s = { .d = d };
	enum gdb_action act;

	/* eax ecx edx ebx esp ebp esi edi eip eflags cs ss ds es fs gs */
	cr_expect_str_eq(ask(&s, "g", NULL),
			 "00000000" "00000000" "33060000" "00000000" "00000000" "00000000" "00000000"
			 "00000000" "f0ff0000" "02000000" "00f00000" "00000000" "00000000" "00000000"
			 "00000000" "00000000");
	cr_expect_str_eq(ask(&s, "p8", NULL), "f0ff0000");
	cr_expect_str_eq(ask(&s, "p2a", NULL), "", "registers past gs are not provided");
	/* Linear memory: the reset vector's far jump through the high alias. */
	cr_expect_str_eq(ask(&s, "mfffffff0,5", NULL), "ea5be000f0");
	cr_expect_str_eq(ask(&s, "M500,4:78563412", NULL), "OK");
	cr_expect_eq(mem_read(machine_mem(m), 0x500, 4), 0x12345678);
	cr_expect_str_eq(ask(&s, "P0=efbeadde", NULL), "OK");
	cr_expect_eq(cpu_get_reg(machine_cpu(m), CPU_EAX), 0xdeadbeef);
	cr_expect_str_eq(ask(&s, "qSupported:multiprocess+;swbreak+", NULL),
			 "PacketSize=1000;swbreak+;hwbreak+");
	cr_expect_str_eq(ask(&s, "vMustReplyEmpty", NULL), "");

	/* A breakpoint on the far jump's target, then continue and step. */
	cr_expect_str_eq(ask(&s, "Z0,fe05b,1", NULL), "OK");
	ask(&s, "c", &act);
	cr_assert_eq(act, GDB_CONTINUE);
	struct dbg_stop st;
	dbg_resume(d, UINT64_MAX, UINT64_MAX, 0, &st);
	cr_expect_eq(st.kind, DBG_STOP_BREAK);
	cr_expect_eq(cpu_get_reg(machine_cpu(m), CPU_EIP), 0xe05b);
	cr_expect_eq(cpu_icount(machine_cpu(m)), 1);
	cr_expect_str_eq(ask(&s, "z0,fe05b,1", NULL), "OK");
	cr_expect_null(dbg_bp_first(d), "z0 removed the only breakpoint");
	/* Z3: a read watchpoint on HaveRunPost, which the next instruction
	 * (cmpl $0, %cs:HaveRunPost) reads (tests/monitor/watch_read.cmd). */
	cr_expect_str_eq(ask(&s, "Z3,f6f28,4", NULL), "OK");
	cr_expect_str_eq(ask(&s, "Z3,f6f28,4", NULL), "OK", "inserting it twice is one watchpoint");
	dbg_resume(d, UINT64_MAX, UINT64_MAX, 0, &st);
	cr_expect_eq(st.kind, DBG_STOP_BREAK);
	cr_expect_eq(st.bp_kind, DBG_BP_WATCH);
	cr_expect_eq(st.watch_addr, 0xf6f28);
	cr_expect_eq(cpu_icount(machine_cpu(m)), 2, "stopped after the reading instruction");
	cr_assert_not_null(dbg_bp_first(d));
	cr_expect_eq(dbg_bp_first(d)->access, DBG_ACC_R);
	cr_expect_str_eq(ask(&s, "z3,f6f28,4", NULL), "OK");
	cr_expect_null(dbg_bp_first(d), "z3 removed it");
	cr_expect_not_null(mem_page_read_ptr(machine_mem(m), 0xf6000), "and its mem/ watch");
	/* Instruction fetches are not data reads: a read watch on the code of
	 * the next instructions (decoded again through the watched page) stays
	 * silent while they run. */
	cr_expect_str_eq(ask(&s, "Z3,fe062,8", NULL), "OK");
	dbg_resume(d, cpu_icount(machine_cpu(m)) + 3, UINT64_MAX, 0, &st);
	cr_expect_eq(st.kind, DBG_STOP_DONE, "stopped for %d: %s", st.kind, st.detail);
	cr_expect_eq(cpu_icount(machine_cpu(m)), 5);
	cr_expect_str_eq(ask(&s, "z3,fe062,8", NULL), "OK");
	ask(&s, "s", &act);
	cr_expect_eq(act, GDB_STEP);
	ask(&s, "k", &act);
	cr_expect_eq(act, GDB_KILL);
	dbg_free(d);
	machine_free(m);
}

/* Whatever arrives, a malformed packet answers an error or nothing and
 * leaves the CPU and RAM as they were. */
Test(gdbstub, malformed_packets_change_nothing, .timeout = 60)
{
	static const char *const bad[] = {
		"G", "G00", "Gzz", "P", "P0", "P0=", "P0=zz", "Pa=123", "Pffffffffffffffffff=00000000",
		"m", "m500", "m500,", "m,4", "mzz,4", "m500,ffffffff", "mffffffff,2", "M500,4",
		"M500,4:", "M500,4:1234", "M500,2:zzzz", "M500,1:123", "Mfffffffff,1:00", "Z0",
		"Z0,", "Z0,500", "Z9,500,1", "Z2,500,0", "Z2,500,99999", "z", "czz", "c1,2", "sq",
		"p", "pzz", "H", "q", "qSupported", "v", "X500,1:a", "\x01\x02\x03", "",
	};
	struct machine *m = seabios_machine();
	struct dbg *d = dbg_new(m);
	struct gdb_session s = { .d = d };
	uint8_t before[CPU_STATE_SIZE], after[CPU_STATE_SIZE];
	uint8_t *ram = mem_ram_ptr(machine_mem(m));
	uint64_t ram_size = mem_ram_size(machine_mem(m));
	uint8_t *ram_copy = malloc(ram_size);

	cr_assert(ram_copy);
	memcpy(ram_copy, ram, ram_size);
	cpu_state_save(machine_cpu(m), before, sizeof(before));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum gdb_action act;
		const char *r = ask(&s, bad[i], &act);
		if (act == GDB_CONTINUE || act == GDB_STEP)
			continue;   /* "c"/"s" with an address parse as resumes: not malformed */
		cr_expect(act == GDB_REPLY, "'%s' -> action %d", bad[i], act);
		cr_expect(!strcmp(r, "") || r[0] == 'E' || !strcmp(r, "OK") ||
			  !strncmp(r, "PacketSize", 10), "'%s' -> '%s'", bad[i], r);
	}
	cpu_state_save(machine_cpu(m), after, sizeof(after));
	cr_expect_eq(memcmp(before, after, sizeof(before)), 0, "CPU state changed");
	cr_expect_eq(memcmp(ram, ram_copy, ram_size), 0, "RAM changed");
	cr_expect_null(dbg_bp_first(d), "no breakpoint was created");
	free(ram_copy);
	dbg_free(d);
	machine_free(m);
}

/* ---- Debian's gdb against the stub ---- */

static pid_t spawn(const char *const *argv, int out_fd)
{
	pid_t pid = fork();
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		dup2(in, 0);
		dup2(out_fd, 1);
		dup2(out_fd, 2);
		setpgid(0, 0);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Wait up to ms for pid; kill it (and its group) if it is still running. */
static int wait_or_kill(pid_t pid, int ms)
{
	int st;
	for (int t = 0; t < ms; t += 10) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(10000);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void skip_without_seabios_and_gdb(void)
{
	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	if (system("gdb --version >/dev/null 2>&1"))
		cr_skip_test("gdb is not installed (Debian package gdb)");
}

/* A stub started from argv prints "gdb: listening on 127.0.0.1:PORT" on the
 * pipe read end fd: returns the port, or 0 if none came in tries polls of
 * 20 ms. */
static int read_port(int fd, char *buf, size_t cap, int tries)
{
	size_t len = 0;

	buf[0] = 0;
	for (int t = 0; t < tries; t++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 20) > 0) {
			ssize_t n = read(fd, buf + len, cap - 1 - len);
			if (n <= 0)
				break;
			len += (size_t)n;
			buf[len] = 0;
			char *at = strstr(buf, "listening on 127.0.0.1:");
			if (at && strchr(at, '\n'))
				return atoi(at + strlen("listening on 127.0.0.1:"));
		}
	}
	return 0;
}

/* Start the stub sargv (it listens on port 0: a free one) and wait for the
 * port it reports (read_port); *out_fd is the read end of its output.
 * Writes gdb's "target remote" command for it into target. */
static pid_t start_stub(const char *const *sargv, int tries, int *out_fd, char *target,
			size_t target_len)
{
	char buf[4096];
	int p[2], port;
	pid_t stub;

	cr_assert_eq(pipe(p), 0);
	stub = spawn(sargv, p[1]);
	close(p[1]);
	port = read_port(p[0], buf, sizeof(buf), tries);
	if (!port) {
		wait_or_kill(stub, 0);
		cr_assert_fail("the stub did not report its port: %s", buf);
	}
	snprintf(target, target_len, "target remote 127.0.0.1:%d", port);
	*out_fd = p[0];
	return stub;
}

/* Run gdb with gargv against the stub (pid stub, output on stub_fd) to its
 * end: gdb's output into gbuf; both must exit with status 0 (the script
 * ends with gdb's kill). */
static void run_gdb(const char *const *gargv, pid_t stub, int stub_fd, char *gbuf, size_t cap)
{
	int gout[2];
	size_t glen = 0;
	ssize_t n;

	cr_assert_eq(pipe(gout), 0);
	pid_t gdb = spawn(gargv, gout[1]);
	close(gout[1]);
	int gst = wait_or_kill(gdb, 90000);
	while (glen < cap - 1 && (n = read(gout[0], gbuf + glen, cap - 1 - glen)) > 0)
		glen += (size_t)n;
	gbuf[glen] = 0;
	close(gout[0]);
	int sst = wait_or_kill(stub, 10000);
	close(stub_fd);
	cr_expect_eq(gst, 0, "gdb: %s", gbuf);
	cr_expect_eq(sst, 0, "the stub ends with gdb's kill");
}

Test(gdbstub, debian_gdb_breaks_continues_and_reads_registers, .timeout = 120)
{
	char *drv = tu_build_path("tests/monitor_driver"), *img = tu_build_path("pc-bios/demo.img");
	char target[64], gbuf[16384];
	int stub_fd;
	pid_t stub;

	skip_without_seabios_and_gdb();
	const char *sargv[] = { drv, "--disk", img, "--gdb", "tcp:127.0.0.1:0", "--batch", NULL };
	stub = start_stub(sargv, 500, &stub_fd, target, sizeof(target));
	const char *gargv[] = { "gdb", "-nx", "-batch", "-ex", "set architecture i8086", "-ex", target,
				"-ex", "break *0x7c00", "-ex", "continue", "-ex", "info registers",
				"-ex", "x/2xb 0x7c00", "-ex", "kill", NULL };
	run_gdb(gargv, stub, stub_fd, gbuf, sizeof(gbuf));
	cr_expect(strstr(gbuf, "Breakpoint 1, 0x00007c00"), "%s", gbuf);
	cr_expect(strstr(gbuf, "eip            0x7c00"), "%s", gbuf);
	cr_expect(strstr(gbuf, "cs             0x0 "), "%s", gbuf);
	cr_expect(strstr(gbuf, "edx            0x80 "), "the BIOS passes the boot drive: %s", gbuf);
	cr_expect(strstr(gbuf, "0x7c00:\t0xfa\t0x31"), "the demo MBR starts cli; xor: %s", gbuf);
	free(drv);
	free(img);
}

/* Reverse execution is offered only on a replay. */
Test(gdbstub, reverse_packets_only_on_a_replay, .timeout = 60)
{
	struct machine *m = seabios_machine();
	struct dbg *d = dbg_new(m);
	struct gdb_session s = { .d = d };
	enum gdb_action act;

	cr_expect_str_eq(ask(&s, "bs", &act), "");
	cr_expect_eq(act, GDB_REPLY, "bs is unsupported outside a replay");
	cr_expect_str_eq(ask(&s, "bc", &act), "");
	cr_expect_eq(act, GDB_REPLY);
	s.reverse = 1;
	cr_expect_str_eq(ask(&s, "qSupported:multiprocess+", NULL),
			 "PacketSize=1000;swbreak+;hwbreak+;ReverseStep+;ReverseContinue+");
	ask(&s, "bs", &act);
	cr_expect_eq(act, GDB_REVERSE_STEP);
	ask(&s, "bc", &act);
	cr_expect_eq(act, GDB_REVERSE_CONTINUE);
	ask(&s, "bx", &act);
	cr_expect_eq(act, GDB_REPLY);
	dbg_free(d);
	machine_free(m);
}

/* gdb's reverse-stepi and reverse-continue against lockstep replay --monitor:
 * one instruction back is the state the forward step left; reverse-continue
 * with no breakpoint ends at the start of the recorded history. */
Test(gdbstub, debian_gdb_steps_backwards_on_a_replay, .timeout = 120)
{
	char *ls = tu_build_path("lockstep"), *img = tu_build_path("pc-bios/demo.img");
	char dir[] = "/tmp/ls-gdb-rev-XXXXXX", trace[300], cmd[600], target[64], gbuf[16384];
	int stub_fd;
	pid_t stub;

	skip_without_seabios_and_gdb();
	cr_assert(mkdtemp(dir));
	snprintf(trace, sizeof(trace), "%s/t.trace", dir);
	snprintf(cmd, sizeof(cmd), "'%s' run --bios %s --disk '%s' --serial none --record '%s' "
		 "--until icount=20000 2>/dev/null", ls, SEABIOS, img, trace);
	cr_assert_eq(system(cmd), 0);
	const char *sargv[] = { ls, "replay", trace, "--monitor", "--gdb", "tcp:127.0.0.1:0", "--batch",
				NULL };
	stub = start_stub(sargv, 1500, &stub_fd, target, sizeof(target));
	const char *gargv[] = { "gdb", "-nx", "-batch", "-ex", "set architecture i8086", "-ex", target,
				"-ex", "stepi 4", "-ex", "p/x $eip", "-ex", "p/x $esp", "-ex", "stepi",
				"-ex", "p/x $eip", "-ex", "reverse-stepi", "-ex", "p/x $eip",
				"-ex", "p/x $esp", "-ex", "reverse-continue", "-ex", "p/x $eip",
				"-ex", "kill", NULL };
	run_gdb(gargv, stub, stub_fd, gbuf, sizeof(gbuf));
	/* $1/$2 after 4 steps; $4/$5 after one more and one back. */
	char v1[32] = "", v2[32] = "", v4[32] = "", v5[32] = "", v6[32] = "";
	const char *q;
	if ((q = strstr(gbuf, "$1 = ")))
		sscanf(q + 5, "%31s", v1);
	if ((q = strstr(gbuf, "$2 = ")))
		sscanf(q + 5, "%31s", v2);
	if ((q = strstr(gbuf, "$4 = ")))
		sscanf(q + 5, "%31s", v4);
	if ((q = strstr(gbuf, "$5 = ")))
		sscanf(q + 5, "%31s", v5);
	if ((q = strstr(gbuf, "$6 = ")))
		sscanf(q + 5, "%31s", v6);
	cr_expect(v1[0] && !strcmp(v1, v4), "eip after reverse-stepi: %s", gbuf);
	cr_expect(v2[0] && !strcmp(v2, v5), "esp after reverse-stepi: %s", gbuf);
	cr_expect(strstr(gbuf, "No more reverse-execution history"), "%s", gbuf);
	cr_expect_str_eq(v6, "0xfff0", "reverse-continue ends at the reset vector: %s", gbuf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
	free(ls);
	free(img);
}

/* The tests run one at a time: they spawn processes of their own. */
int main(int argc, char *argv[])
{
	return tu_main_one_at_a_time(argc, argv);
}
