// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the nvme-mpx.conf parser and resolver (mpx-conf.c), with
 * no sysfs: valid files and what they resolve to, every class of error
 * with its line number, and fuzzed input (random bytes, mutations of a
 * valid file, very long lines) that must neither crash nor leak; tests/
 * tools.sh runs it built with AddressSanitizer (SANITIZE=1).
 * Prints "conf: N passed, M failed"; exits 1 on any failure.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mpx-conf.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int passed, failed;

static void ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		passed++;
		return;
	}
	failed++;
	fputs("FAILED: conf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Parse @text; its error output in *@out (caller frees). */
static int parse(const char *text, size_t len, struct mpx_conf *c, char **out)
{
	size_t n;
	FILE *f = open_memstream(out, &n);
	int ret;

	ret = mpx_conf_parse(text, len, "t.conf", c, f);
	fclose(f);
	return ret;
}

static const char good[] =
	"# a comment\n"
	"defaults {\n"					/* 2 */
	"\tiopolicy round-robin\n"
	"\tfailback 0   # immediate\n"
	"\tmpx_stall_mult 20\n"				/* 5 */
	"\tqueue_if_no_path 0\n"
	"\tfailover_max 3\n"
	"\tfailover_interval_ms 500\n"
	"}\n"
	"blacklist {\n"					/* 10 */
	"\tnqn \"nqn.2014-08.org.nvmexpress.discovery\"\n"
	"\tmodel \"Skip*\"\n"
	"}\n"
	"blacklist_exceptions {\n"
	"\tserial KEEP*\n"				/* 15 */
	"}\n"
	"array {\n"
	"\tvendor com.example\n"
	"\tmodel \"Example \\\"Box\\\"*\"\n"
	"\tqueue_if_no_path 30\n"			/* 20 */
	"\thedge auto\n"
	"\tpreferred traddr=10.0.0.*,trsvcid=4420\n"
	"}\n"
	"head {\n"
	"\tuuid 4F6B37A4-6B4D-4C6E-9A43-0F4AC1D0B7E2\n"	/* 25 */
	"\talias db-log\n"
	"\tiopolicy inherit\n"
	"\tmultiplex 0-7,100-199\n"
	"}\n"
	"path {\n"					/* 30 */
	"\ttransport tcp\n"
	"\ttrsvcid 4421\n"
	"\tpriority 200\n"
	"\tweight 7\n"
	"}\n"						/* 35 */
	"path{\n"
	"\tnqn nqn.2026-01.com.example:*\n"
	"\ttraddr 10.0.0.2\n"
	"\tweight 9\n"
	"}\r\n";

static void test_good(void)
{
	struct mpx_subsys_id ex = { "nqn.2026-01.com.example:box1",
				    "Example \"Box\" 9000", "S1" };
	struct mpx_subsys_id netapp = { "nqn.1992-08.com.netapp:sn.1",
					"NetApp ONTAP Controller", "S2" };
	struct mpx_head_id h = { NULL, NULL,
				 "4f6b37a4-6b4d-4c6e-9a43-0f4ac1d0b7e2" };
	struct mpx_head_id other = { NULL, "00 11 22 33 44 55 66 77", NULL };
	struct mpx_path_id p1 = { "tcp", "traddr=10.0.0.2,trsvcid=4421" };
	struct mpx_path_id p2 = { "rdma", "traddr=10.0.0.2,trsvcid=4420,src_addr=1.2.3.4" };
	struct mpx_conf c, empty = { 0 };
	struct mpx_eff e;
	char *out;
	int n;

	n = parse(good, sizeof(good) - 1, &c, &out);
	ok(n == 0, "the good file parses without errors (%d: %s)", n, out);
	free(out);

	mpx_conf_resolve(&c, &ex, &h, &e);
	ok(e.val[MPX_K_FAILBACK] && !strcmp(e.val[MPX_K_FAILBACK], "immediate"),
	   "failback 0 reads as immediate");
	ok(e.origin[MPX_K_FAILBACK] == MPX_O_DEFAULTS && e.line[MPX_K_FAILBACK] == 4,
	   "failback from defaults, line 4");
	ok(!strcmp(e.val[MPX_K_QNP], "30") && e.origin[MPX_K_QNP] == MPX_O_ARRAY &&
	   e.line[MPX_K_QNP] == 20, "array (vendor + quoted model glob) beats defaults");
	ok(!strcmp(e.val[MPX_K_STALL_MULT], "20"), "mpx_stall_mult is stall_mult");
	ok(!strcmp(e.val[MPX_K_FO_MAX], "3") && !strcmp(e.val[MPX_K_FO_INTERVAL], "500"),
	   "failover budget knobs");
	ok(!strcmp(e.val[MPX_K_IOPOLICY], "inherit") && e.origin[MPX_K_IOPOLICY] == MPX_O_HEAD,
	   "head iopolicy wins over defaults");
	ok(!strcmp(e.subsys_iopolicy, "round-robin") &&
	   e.subsys_iopolicy_origin == MPX_O_DEFAULTS, "subsystem iopolicy from defaults");
	ok(e.alias && !strcmp(e.alias, "db-log"), "alias by uuid, case and dashes ignored");
	ok(!strcmp(e.val[MPX_K_MULTIPLEX], "0-7,100-199"), "multiplex ranges");

	mpx_conf_resolve(&c, &ex, &other, &e);
	ok(!e.alias && e.origin[MPX_K_IOPOLICY] == MPX_O_DEFAULTS,
	   "another head gets no head settings");

	mpx_conf_resolve(&empty, &netapp, NULL, &e);
	ok(e.subsys_iopolicy && !strcmp(e.subsys_iopolicy, "queue-depth") &&
	   e.subsys_iopolicy_origin == MPX_O_BUILTIN && e.source[MPX_K_IOPOLICY],
	   "built-in table: NetApp ONTAP queue-depth, with its source");
	mpx_conf_resolve(&c, &netapp, NULL, &e);
	ok(!strcmp(e.subsys_iopolicy, "round-robin") &&
	   e.subsys_iopolicy_origin == MPX_O_DEFAULTS, "defaults override the built-in table");
	ok(e.origin[MPX_K_QNP] == MPX_O_DEFAULTS, "the example array does not match NetApp");

	mpx_conf_resolve_path(&c, &ex, &p1, &e);
	ok(!strcmp(e.val[MPX_K_PRIORITY], "200") && !strcmp(e.val[MPX_K_WEIGHT], "9") &&
	   e.line[MPX_K_WEIGHT] == 39, "path knobs: the later matching block wins");
	mpx_conf_resolve_path(&c, &ex, &p2, &e);
	ok(!e.val[MPX_K_PRIORITY] && !strcmp(e.val[MPX_K_WEIGHT], "9"),
	   "path block with nqn and traddr only");
	mpx_conf_resolve_path(&c, &netapp, &p2, &e);
	ok(!e.val[MPX_K_WEIGHT], "path block's nqn glob");

	ok(mpx_conf_pathsel_match("traddr=10.0.0.*,trsvcid=4420", &p2),
	   "path selector glob matches");
	ok(!mpx_conf_pathsel_match("traddr=10.0.0.*,trsvcid=4420", &p1),
	   "path selector: all keys must match");
	ok(mpx_conf_pathsel_match("transport=rdma", &p2), "path selector by transport");
	ok(!mpx_conf_pathsel_match("none", &p2), "none matches nothing");

	{
		struct mpx_subsys_id d = { "nqn.2014-08.org.nvmexpress.discovery", "X", "Y" };
		struct mpx_subsys_id s1 = { "nqn.x:1", "Skip me", "NO" };
		struct mpx_subsys_id s2 = { "nqn.x:2", "Skip me", "KEEP1" };

		ok(mpx_conf_blacklisted(&c, &d), "blacklisted by nqn");
		ok(mpx_conf_blacklisted(&c, &s1), "blacklisted by model glob");
		ok(!mpx_conf_blacklisted(&c, &s2), "exception by serial");
		ok(!mpx_conf_blacklisted(&c, &ex), "not blacklisted");
		ok(!mpx_conf_blacklisted(&empty, &d), "empty file blacklists nothing");
	}
	mpx_conf_free(&c);

	n = parse("", 0, &c, &out);
	ok(n == 0 && c.nr_blocks == 0, "an empty file is valid");
	mpx_conf_free(&c);
	free(out);
	n = parse("# only\n\n   \t\n", 13, &c, &out);
	ok(n == 0, "comments and blank lines");
	mpx_conf_free(&c);
	free(out);
}

/* Each: a file, the line of its one error and a word of the message. */
static const struct {
	const char *text, *what;
	int line;
} bad[] = {
	{ "defaults {\n\tfailback \"30\n}\n", "unterminated", 2 },
	{ "defaults {\n\tfailback 30 40\n}\n", "only one value", 2 },
	{ "defaults {\n\tfailback 30 40 50 60\n}\n", "too much", 2 },
	{ "default {\n}\n", "unknown section", 1 },
	{ "defaults {\nhead {\n}\n}\n", "do not nest", 2 },
	{ "}\n", "without an open section", 1 },
	{ "\n\ndefaults {\n\tfailback 30\n", "not closed", 3 },
	{ "failback 30\n", "outside of a section", 1 },
	{ "defaults {\n\tfailbak 30\n}\n", "unknown keyword", 2 },
	{ "defaults {\n\tfailback\n}\n", "no value", 2 },
	{ "defaults\n{\n}\n", "same line", 1 },
	{ "defaults {\n\tfailback 86401\n}\n", "failback", 2 },
	{ "defaults {\n\tfailback -1\n}\n", "failback", 2 },
	{ "defaults {\n\tstall_min_ms 9\n}\n", "10 to 600000", 2 },
	{ "defaults {\n\tstall_mult 0x10\n}\n", "stall_mult", 2 },
	{ "defaults {\n\tweight 5\n}\n", "path sections", 2 },
	{ "path {\n\ttraddr 1.2.3.4\n\tfailback 5\n}\n", "head knobs go", 3 },
	{ "defaults {\n\tiopolicy fastest\n}\n", "unknown policy", 2 },
	{ "defaults {\n\tiopolicy inherit\n}\n", "unknown policy", 2 },
	{ "defaults {\n\tmultiplex 5-\n}\n", "multiplex", 2 },
	{ "defaults {\n\thedge 0\n}\n", "hedge", 2 },
	{ "defaults {\n\tmultiplex_rt 2\n}\n", "multiplex_rt", 2 },
	{ "defaults {\n\tfailover_max 1001\n}\n", "failover_max", 2 },
	{ "defaults {\n\tfailover_interval_ms 600001\n}\n", "failover_interval_ms", 2 },
	{ "defaults {\n\tpreferred nvme0c1n1\n}\n", "KEY=VALUE", 2 },
	{ "defaults {\n\tpreferred port=1\n}\n", "unknown key", 2 },
	{ "defaults {\n\tfailback 30\n\tfailback 40\n}\n", "twice", 3 },
	{ "array {\n\thedge auto\n}\n", "nothing to match", 1 },
	{ "head {\n\tuuid 1234\n}\n", "32 hex digits", 2 },
	{ "head {\n\teui64 00112233445566778899\n}\n", "16 hex digits", 2 },
	{ "head {\n\tnguid 0011223344556677889900112233445g\n}\n", "32 hex", 2 },
	{ "head {\n\tuuid 4f6b37a46b4d4c6e9a430f4ac1d0b7e2\n\talias \"two words\"\n}\n",
	  "alias", 3 },
	{ "blacklist {\n\tvendor x\n}\n", "does not belong", 2 },
	{ "defaults {\n\tmodel x\n}\n", "does not belong", 2 },
	{ "{\n}\n", "without a section name", 1 },
	{ "defaults {\n\t\"failback\" 30\n}\n", "cannot be quoted", 2 },
	{ "defaults {\n\tfailback 3\"0\"\n}\n", "inside a word", 2 },
	{ "defaults {\n\tfailback \"30\"x\n}\n", "followed by a space", 2 },
	{ "defaults { x\n}\n", "nothing may follow", 1 },
	{ "defaults {\n\tfailback 30 }\n", "stand alone", 2 },
	{ "defaults {\n\tfailback \"\"\n}\n", "empty value", 2 },
	{ "defaults {\n\tfail\001back 30\n}\n", "control character", 2 },
	{ "defaults {\n}\n}\n", "without an open section", 3 },
	{ "unknown {\n\tanything goes 1 2\n}\n", "unknown section", 1 },
};

static void test_errors(void)
{
	char want[32], *out;
	struct mpx_conf c;
	size_t i;
	int n;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		n = parse(bad[i].text, strlen(bad[i].text), &c, &out);
		snprintf(want, sizeof(want), "t.conf:%d: ", bad[i].line);
		ok(n == 1 && !strncmp(out, want, strlen(want)) &&
		   strstr(out, bad[i].what),
		   "error %zu: want one error '%s%s', got %d: %s", i, want,
		   bad[i].what, n, out);
		mpx_conf_free(&c);
		free(out);
	}

	/* A NUL byte is an error on its line, not the end of the file. */
	static const char nul[] = "defaults {\n\tfail\0back 30\n}\n";
	static const char several[] =
		"defaults {\n\tbogus 1\n\tfailback x\n}\nhead {\n\talias a\n}\n}\n";

	n = parse(nul, sizeof(nul) - 1, &c, &out);
	ok(n == 1 && strstr(out, "t.conf:2: control character 0x00"),
	   "NUL byte on line 2: %s", out);
	mpx_conf_free(&c);
	free(out);

	/* Several errors: each reported on its own line, parsing goes on. */
	n = parse(several, sizeof(several) - 1, &c, &out);
	ok(n == 4 && strstr(out, "t.conf:2: ") && strstr(out, "t.conf:3: ") &&
	   strstr(out, "t.conf:5: ") && strstr(out, "t.conf:8: "),
	   "four errors on lines 2, 3, 5, 8: %d: %s", n, out);
	mpx_conf_free(&c);
	free(out);
}

static void test_long_lines(void)
{
	size_t len = MPX_CONF_LINE_MAX * 3;
	char *buf = malloc(len + 64), *out;
	struct mpx_conf c;
	int n;

	/* A line of exactly the maximum is fine (a comment). */
	memset(buf, ' ', MPX_CONF_LINE_MAX);
	buf[MPX_CONF_LINE_MAX - 2] = '#';
	buf[MPX_CONF_LINE_MAX - 1] = 'x';
	n = parse(buf, MPX_CONF_LINE_MAX, &c, &out);
	ok(n == 0, "a line of %d characters is taken: %s", MPX_CONF_LINE_MAX, out);
	mpx_conf_free(&c);
	free(out);

	memset(buf, 'a', len);
	memcpy(buf + len, "\ndefaults {\n}\n", 14);
	n = parse(buf, len + 14, &c, &out);
	ok(n == 1 && strstr(out, "t.conf:1: line longer") && c.nr_blocks == 1,
	   "a very long line is one error on line 1 and parsing goes on: %s", out);
	mpx_conf_free(&c);
	free(out);

	/* A value of 4000 characters (multiplex ranges) on one line. */
	n = snprintf(buf, len, "defaults {\n\tmultiplex ");
	while (n < 4000) {
		n += sprintf(buf + n, "%d-%d,", n * 10, n * 10 + 1);
		if (n > 3900)
			break;
	}
	buf[n - 1] = '\n';
	memcpy(buf + n, "}\n", 3);
	n = parse(buf, strlen(buf), &c, &out);
	ok(n == 1 && strstr(out, "multiplex"), "more than 64 ranges refused: %s", out);
	mpx_conf_free(&c);
	free(out);
	free(buf);
}

static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Parse and resolve against a few identities; only crashes and leaks fail. */
static void fuzz_one(const char *buf, size_t len)
{
	struct mpx_subsys_id s = { "nqn.2026-01.com.example:box1", "Example Box", "KEEP" };
	struct mpx_head_id h = { "4f6b37a4-6b4d-4c6e-9a43-0f4ac1d0b7e2", NULL, NULL };
	struct mpx_path_id p = { "tcp", "traddr=10.0.0.2,trsvcid=4421" };
	struct mpx_conf c;
	struct mpx_eff e;
	int k;

	mpx_conf_parse(buf, len, "fuzz", &c, NULL);
	mpx_conf_blacklisted(&c, &s);
	mpx_conf_resolve(&c, &s, &h, &e);
	for (k = 0; k < MPX_K_HEAD_NR; k++)
		if (e.val[k])
			(void)strlen(e.val[k]);
	if (e.val[MPX_K_PREFERRED])
		mpx_conf_pathsel_match(e.val[MPX_K_PREFERRED], &p);
	mpx_conf_resolve_path(&c, &s, &p, &e);
	mpx_conf_free(&c);
}

static void test_fuzz(int rounds)
{
	static const char alphabet[] = "{}\"\\# \t\n\r=,-*?[]abcxyz0129_\x01\xff";
	size_t glen = sizeof(good) - 1, len, i, j;
	char *buf = malloc(65536);
	int r;

	for (r = 0; r < rounds; r++) {
		/* Random bytes, then random picks from the syntax's characters. */
		len = rnd() % 4096;
		for (i = 0; i < len; i++)
			buf[i] = r & 1 ? alphabet[rnd() % (sizeof(alphabet) - 1)] :
				 (char)rnd();
		fuzz_one(buf, len);

		/* The good file with bytes flipped, inserted, deleted, cut. */
		memcpy(buf, good, glen);
		len = glen;
		for (j = rnd() % 8 + 1; j; j--) {
			i = rnd() % len;
			switch (rnd() % 4) {
			case 0:
				buf[i] = alphabet[rnd() % (sizeof(alphabet) - 1)];
				break;
			case 1:
				if (len < 65000) {
					memmove(buf + i + 1, buf + i, len - i);
					buf[i] = (char)rnd();
					len++;
				}
				break;
			case 2:
				memmove(buf + i, buf + i + 1, len - i - 1);
				len--;
				break;
			default:
				len = i + 1;
				break;
			}
			if (!len)
				break;
		}
		fuzz_one(buf, len);
		if (!len)
			memcpy(buf, good, (len = glen));
	}
	free(buf);
	ok(true, "%d fuzz rounds without a crash", rounds);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3000;

	test_good();
	test_errors();
	test_long_lines();
	test_fuzz(rounds);
	printf("conf: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
