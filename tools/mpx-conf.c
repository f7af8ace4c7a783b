// SPDX-License-Identifier: GPL-2.0
/*
 * nvme-mpx.conf parser and resolver; see mpx-conf.h and nvme-mpx(8).
 *
 * The file is a list of blocks, one statement a line:
 *
 *   # comment
 *   defaults {
 *           iopolicy queue-depth
 *   }
 *   head {
 *           uuid  4f6b37a4-6b4d-4c6e-9a43-0f4ac1d0b7e2
 *           alias "db-log"
 *   }
 *
 * A line is "NAME {", "}" or "KEY VALUE"; VALUE is a word or a string in
 * double quotes (\" and \\ inside); "#" starts a comment where a token
 * could start.  Every error is reported with its line and parsing goes on,
 * so that one run of "config check" lists them all.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mpx-conf.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

const struct mpx_knob_def mpx_knobs[MPX_K_NR] = {
	[MPX_K_IOPOLICY]	= { "iopolicy", "mpx_iopolicy", MPX_KT_POLICY },
	[MPX_K_FAILBACK]	= { "failback", "mpx_failback", MPX_KT_UINT,
				    1, 86400, "immediate manual followover" },
	[MPX_K_PREFERRED]	= { "preferred", "mpx_preferred", MPX_KT_PATHSEL },
	[MPX_K_QNP]		= { "queue_if_no_path", "mpx_queue_if_no_path",
				    MPX_KT_UINT, 1, 86400, "auto fail forever" },
	[MPX_K_WQ]		= { "write_quiesce_ms", "mpx_write_quiesce_ms",
				    MPX_KT_UINT, 0, 600000, "auto" },
	[MPX_K_STALL_MULT]	= { "stall_mult", "mpx_stall_mult", MPX_KT_UINT,
				    1, 1000 },
	[MPX_K_STALL_MIN]	= { "stall_min_ms", "mpx_stall_min_ms",
				    MPX_KT_UINT, 10, 600000 },
	[MPX_K_STALL_MAX]	= { "stall_max_ms", "mpx_stall_max_ms",
				    MPX_KT_UINT, 0, 600000 },
	[MPX_K_FLAP_LIMIT]	= { "flap_limit", "mpx_flap_limit", MPX_KT_UINT,
				    0, 1000 },
	[MPX_K_FLAP_WINDOW]	= { "flap_window_secs", "mpx_flap_window_secs",
				    MPX_KT_UINT, 1, 86400 },
	[MPX_K_FLAP_HOLD]	= { "flap_hold_secs", "mpx_flap_hold_secs",
				    MPX_KT_UINT, 1, 86400 },
	[MPX_K_MULTIPLEX]	= { "multiplex", "mpx_multiplex", MPX_KT_WORD },
	[MPX_K_MULTIPLEX_RT]	= { "multiplex_rt", "mpx_multiplex_rt",
				    MPX_KT_UINT, 0, 1 },
	[MPX_K_HEDGE]		= { "hedge", "mpx_hedge", MPX_KT_UINT,
				    1, 10000000, "off auto" },
	[MPX_K_FO_MAX]		= { "failover_max", "mpx_failover_max",
				    MPX_KT_UINT, 0, 1000 },
	[MPX_K_FO_INTERVAL]	= { "failover_interval_ms",
				    "mpx_failover_interval_ms", MPX_KT_UINT,
				    0, 600000 },
	[MPX_K_PRIORITY]	= { "priority", "mpx_priority", MPX_KT_UINT,
				    0, 255 },
	[MPX_K_WEIGHT]		= { "weight", "mpx_weight", MPX_KT_UINT,
				    1, 1000 },
};

static const char * const policies[] = {
	"numa", "round-robin", "queue-depth", "active-standby",
	"service-time", "weighted",
};

static const char * const sect_names[MPX_S_NR] = {
	[MPX_S_DEFAULTS] = "defaults",
	[MPX_S_BLACKLIST] = "blacklist",
	[MPX_S_EXCEPTIONS] = "blacklist_exceptions",
	[MPX_S_ARRAY] = "array",
	[MPX_S_HEAD] = "head",
	[MPX_S_PATH] = "path",
};

static const char * const match_names[MPX_M_NR] = {
	[MPX_M_NQN] = "nqn",
	[MPX_M_MODEL] = "model",
	[MPX_M_SERIAL] = "serial",
	[MPX_M_VENDOR] = "vendor",
	[MPX_M_NGUID] = "nguid",
	[MPX_M_EUI64] = "eui64",
	[MPX_M_UUID] = "uuid",
	[MPX_M_TRANSPORT] = "transport",
	[MPX_M_TRADDR] = "traddr",
	[MPX_M_TRSVCID] = "trsvcid",
	[MPX_M_HOST_TRADDR] = "host_traddr",
	[MPX_M_HOST_IFACE] = "host_iface",
};

/* Which match keys each section takes (bit per enum mpx_match). */
#define MB(m)	(1u << (m))
static const unsigned int sect_matches[MPX_S_NR] = {
	[MPX_S_BLACKLIST] = MB(MPX_M_NQN) | MB(MPX_M_MODEL) | MB(MPX_M_SERIAL),
	[MPX_S_EXCEPTIONS] = MB(MPX_M_NQN) | MB(MPX_M_MODEL) | MB(MPX_M_SERIAL),
	[MPX_S_ARRAY] = MB(MPX_M_VENDOR) | MB(MPX_M_MODEL) | MB(MPX_M_NQN) |
			MB(MPX_M_SERIAL),
	[MPX_S_HEAD] = MB(MPX_M_NGUID) | MB(MPX_M_EUI64) | MB(MPX_M_UUID),
	[MPX_S_PATH] = MB(MPX_M_TRANSPORT) | MB(MPX_M_TRADDR) |
		       MB(MPX_M_TRSVCID) | MB(MPX_M_HOST_TRADDR) |
		       MB(MPX_M_HOST_IFACE) | MB(MPX_M_NQN),
};

/*
 * The built-in array table: what the array vendors recommend for native
 * NVMe multipath today, as the udev rules nvme-cli ships set it
 * (nvmf-autoconnect/udev-rules/71-nvmf-*.rules.in in
 * github.com/linux-nvme/nvme-cli).  Matched on the subsystem's model.
 * Below every level of the file: a defaults section overrides it too.
 */
#define BUILTIN(_model, _pol, _src)					\
	{ .sect = MPX_S_ARRAY, .source = _src,				\
	  .match = { [MPX_M_MODEL] = (char *)_model },			\
	  .val = { [MPX_K_IOPOLICY] = (char *)_pol } }

static const struct mpx_conf_block builtin_arrays[] = {
	/* nvme-cli 71-nvmf-netapp.rules: ONTAP moved from round-robin */
	BUILTIN("NetApp ONTAP Controller", "queue-depth",
		"nvme-cli 71-nvmf-netapp.rules, NetApp ONTAP"),
	/* nvme-cli 71-nvmf-netapp.rules, 71-nvmf-iopolicy-netapp.rules */
	BUILTIN("NetApp E-Series", "round-robin",
		"nvme-cli 71-nvmf-netapp.rules, NetApp E-Series"),
	/* nvme-cli 71-nvmf-hpe.rules */
	BUILTIN("HPE Alletra", "round-robin",
		"nvme-cli 71-nvmf-hpe.rules, HPE Alletra Storage MP"),
	/* nvme-cli 71-nvmf-vastdata.rules */
	BUILTIN("VASTData", "round-robin",
		"nvme-cli 71-nvmf-vastdata.rules, VAST Data"),
};

const struct mpx_conf_block *mpx_builtin_arrays = builtin_arrays;
const int mpx_nr_builtin_arrays = ARRAY_SIZE(builtin_arrays);

const char *mpx_origin_name(enum mpx_origin o)
{
	static const char * const names[] = {
		[MPX_O_NONE] = "kernel", [MPX_O_BUILTIN] = "built-in",
		[MPX_O_DEFAULTS] = "defaults", [MPX_O_ARRAY] = "array",
		[MPX_O_HEAD] = "head", [MPX_O_PATH] = "path",
		[MPX_O_MANUAL] = "manual",
	};

	return o < ARRAY_SIZE(names) ? names[o] : "?";
}

static const char *sect_name(enum mpx_sect s)
{
	return s < MPX_S_NR ? sect_names[s] : "(unknown)";
}

/* ---- parser state ------------------------------------------------------ */

struct parser {
	const char *fname;
	FILE *errs;
	struct mpx_conf *c;
	struct mpx_conf_block *cur;	/* the open block, or NULL */
	int skip;			/* nested blocks being skipped */
	char pending[64];		/* "NAME" alone on the previous line */
	int line;
	bool oom;
};

static void perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (++p->c->nr_errors > MPX_CONF_ERR_MAX || !p->errs)
		return;
	fprintf(p->errs, "%s:%d: ", p->fname, p->line);
	va_start(ap, fmt);
	vfprintf(p->errs, fmt, ap);
	va_end(ap);
	fputc('\n', p->errs);
}

static char *xstrdup(struct parser *p, const char *s)
{
	char *d = strdup(s);

	if (!d)
		p->oom = true;
	return d;
}

/* ---- tokens ------------------------------------------------------------ */

enum tok_type { T_WORD, T_STRING, T_OPEN, T_CLOSE };

struct tok {
	enum tok_type type;
	char *s;	/* words and strings, NUL-terminated in the line copy */
};

#define MAX_TOKS	4

/*
 * Split @line (modified in place) into at most MAX_TOKS tokens.  Returns
 * the number of tokens, MAX_TOKS + 1 for more than that, or -1 after
 * reporting an error.
 */
static int tokenize(struct parser *p, char *line, struct tok *t)
{
	char *s = line, *d;
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			return n;
		if (n == MAX_TOKS)
			return MAX_TOKS + 1;
		if (*s == '{' || *s == '}') {
			t[n].type = *s == '{' ? T_OPEN : T_CLOSE;
			t[n++].s = NULL;
			*s++ = '\0';
			continue;
		}
		if (*s == '"') {
			t[n].type = T_STRING;
			d = ++s;
			t[n].s = d;
			while (*s && *s != '"') {
				if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
					s++;
				*d++ = *s++;
			}
			if (*s != '"') {
				perr(p, "unterminated string (a '\"' is missing)");
				return -1;
			}
			s++;
			*d = '\0';
			if (*s && *s != ' ' && *s != '\t' && *s != '#') {
				perr(p,
				     "a string must be followed by a space or the end of the line");
				return -1;
			}
			n++;
			continue;
		}
		t[n].type = T_WORD;
		t[n].s = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '{' &&
		       *s != '}' && *s != '"')
			s++;
		if (*s == '"') {
			perr(p, "a '\"' inside a word (quote the whole value)");
			return -1;
		}
		n++;
		if (*s == '{' || *s == '}') {
			/* A brace ends the word and is a token of its own. */
			if (n == MAX_TOKS)
				return MAX_TOKS + 1;
			t[n].type = *s == '{' ? T_OPEN : T_CLOSE;
			t[n++].s = NULL;
			*s++ = '\0';
		} else if (*s) {
			*s++ = '\0';
		}
	}
}

/* ---- values ------------------------------------------------------------ */

static bool has_word(const char *words, const char *w)
{
	size_t n = strlen(w);
	const char *s = words;

	while (s && *s) {
		if (!strncmp(s, w, n) && (s[n] == ' ' || !s[n]))
			return true;
		s = strchr(s, ' ');
		if (s)
			s++;
	}
	return false;
}

/* A decimal number in [lo, hi], nothing else (no sign, no spaces). */
bool mpx_parse_range(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s) || strlen(s) > 9)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* "none", "all", or up to 64 comma-separated START-END decimal ranges. */
static bool multiplex_ok(const char *s)
{
	int n = 0;

	if (!strcmp(s, "none") || !strcmp(s, "all"))
		return true;
	while (*s) {
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
		if (*s++ != '-' || !isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
		if (++n > 64)
			return false;
		if (*s == ',' && s[1])
			s++;
		else if (*s)
			return false;
	}
	return n > 0;
}

static const char * const pathsel_keys[] = {
	"transport", "traddr", "trsvcid", "host_traddr", "host_iface",
};

/* "none" or KEY=GLOB[,KEY=GLOB...] with keys from pathsel_keys. */
static bool pathsel_ok(const char *s, char *why, size_t len)
{
	const char *e, *eq;
	size_t i, k;

	if (!strcmp(s, "none"))
		return true;
	while (*s) {
		e = strchrnul(s, ',');
		eq = memchr(s, '=', e - s);
		if (!eq || eq == s || eq + 1 == e) {
			snprintf(why, len, "'%.*s' is not KEY=VALUE", (int)(e - s), s);
			return false;
		}
		k = eq - s;
		for (i = 0; i < ARRAY_SIZE(pathsel_keys); i++)
			if (strlen(pathsel_keys[i]) == k &&
			    !strncmp(pathsel_keys[i], s, k))
				break;
		if (i == ARRAY_SIZE(pathsel_keys)) {
			snprintf(why, len,
				 "unknown key '%.*s' (transport, traddr, trsvcid, host_traddr, host_iface)",
				 (int)k, s);
			return false;
		}
		s = *e ? e + 1 : e;
		if (!*s && *e) {
			snprintf(why, len, "a trailing ','");
			return false;
		}
	}
	return true;
}

/*
 * Check value @v of knob @k in section @sect; on success store a
 * canonical copy (failback 0 is "immediate", queue_if_no_path 0 "fail").
 */
static char *knob_value(struct parser *p, enum mpx_knob k, enum mpx_sect sect,
			const char *v)
{
	const struct mpx_knob_def *d = &mpx_knobs[k];
	char why[160];
	size_t i;
	long n;

	switch (d->type) {
	case MPX_KT_POLICY:
		for (i = 0; i < ARRAY_SIZE(policies); i++)
			if (!strcmp(v, policies[i]))
				return xstrdup(p, v);
		if (sect == MPX_S_HEAD && !strcmp(v, "inherit"))
			return xstrdup(p, v);
		perr(p,
		     "iopolicy: unknown policy '%.64s' (numa, round-robin, queue-depth, active-standby, service-time, weighted%s)",
		     v, sect == MPX_S_HEAD ? ", inherit" : "");
		return NULL;
	case MPX_KT_WORD:
		if (multiplex_ok(v))
			return xstrdup(p, v);
		perr(p, "%s: '%.64s%s' is not none, all or up to 64 ranges START-END,...",
		     d->name, v, strlen(v) > 64 ? "..." : "");
		return NULL;
	case MPX_KT_PATHSEL:
		if (pathsel_ok(v, why, sizeof(why)))
			return xstrdup(p, v);
		perr(p, "%s: %s (want none or KEY=VALUE,... such as traddr=10.0.0.1,trsvcid=4420)",
		     d->name, why);
		return NULL;
	case MPX_KT_UINT:
		if (d->words && has_word(d->words, v))
			return xstrdup(p, v);
		if (k == MPX_K_FAILBACK && !strcmp(v, "0"))
			return xstrdup(p, "immediate");
		if (k == MPX_K_QNP && !strcmp(v, "0"))
			return xstrdup(p, "fail");
		if (mpx_parse_range(v, d->lo, d->hi, &n)) {
			snprintf(why, sizeof(why), "%ld", n);
			return xstrdup(p, why);
		}
		perr(p, "%s: '%.64s' is not %s%s%sa number from %ld to %ld",
		     d->name, v, d->words ? "one of " : "",
		     d->words ? d->words : "", d->words ? " or " : "",
		     d->lo, d->hi);
		return NULL;
	}
	return NULL;
}

static bool hexid_ok(const char *v, size_t digits)
{
	size_t n = 0;

	for (; *v; v++) {
		if (isxdigit((unsigned char)*v))
			n++;
		else if (*v != '-' && *v != ':' && *v != ' ')
			return false;
	}
	return n == digits;
}

void mpx_conf_hexid(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; in && *in && n + 1 < len; in++)
		if (isxdigit((unsigned char)*in))
			out[n++] = tolower((unsigned char)*in);
	out[n] = '\0';
}

/* ---- statements ---------------------------------------------------------- */

static int find_name(const char * const *names, int nr, const char *s)
{
	int i;

	for (i = 0; i < nr; i++)
		if (names[i] && !strcmp(names[i], s))
			return i;
	return -1;
}

static int find_knob(const char *s)
{
	int i;

	if (!strncmp(s, "mpx_", 4))
		s += 4;
	for (i = 0; i < MPX_K_NR; i++)
		if (!strcmp(mpx_knobs[i].name, s))
			return i;
	return -1;
}

static void open_block(struct parser *p, const char *name)
{
	struct mpx_conf *c = p->c;
	struct mpx_conf_block *b;
	int s;

	if (p->cur) {
		perr(p, "'%.64s {' inside section '%s' (opened on line %d): sections do not nest",
		     name, sect_name(p->cur->sect), p->cur->line);
		p->skip++;	/* its '}' closes it, not the outer one */
		return;
	}
	s = find_name(sect_names, MPX_S_NR, name);
	if (s < 0 && *name)
		perr(p,
		     "unknown section '%.64s' (defaults, blacklist, blacklist_exceptions, array, head, path)",
		     name);
	/* An unknown one's body is swallowed as a block of no kind. */
	if (s < 0)
		s = MPX_S_NR;
	b = realloc(c->blocks, (c->nr_blocks + 1) * sizeof(*b));
	if (!b) {
		p->oom = true;
		return;
	}
	c->blocks = b;
	b = &c->blocks[c->nr_blocks++];
	memset(b, 0, sizeof(*b));
	b->sect = s;
	b->line = p->line;
	p->cur = b;
}

static void close_block(struct parser *p)
{
	struct mpx_conf_block *b = p->cur;
	int m, save = p->line;

	if (!b) {
		perr(p, "'}' without an open section");
		return;
	}
	if (p->skip) {
		p->skip--;
		return;
	}
	p->cur = NULL;
	if (b->sect == MPX_S_NR)
		return;
	if (b->sect == MPX_S_ARRAY || b->sect == MPX_S_HEAD ||
	    b->sect == MPX_S_PATH) {
		for (m = 0; m < MPX_M_NR; m++)
			if (b->match[m])
				break;
		if (m == MPX_M_NR && !b->match_seen) {
			p->line = b->line;
			perr(p, "section '%s' has nothing to match (%s)",
			     sect_names[b->sect],
			     b->sect == MPX_S_ARRAY ? "vendor, model, nqn or serial" :
			     b->sect == MPX_S_HEAD ? "nguid, eui64 or uuid" :
			     "transport, traddr, trsvcid, host_traddr, host_iface or nqn");
			p->line = save;
		}
	}
}

static void statement(struct parser *p, const char *key, const char *val)
{
	struct mpx_conf_block *b = p->cur;
	struct mpx_conf_pat *pats;
	bool path_knob, in_path;
	int k, m;

	if (!b) {
		perr(p, "'%.64s' outside of a section", key);
		return;
	}
	if (b->sect == MPX_S_NR)
		return;		/* in an unknown section: already reported */
	if (!*val) {
		perr(p, "%.64s: empty value", key);
		return;
	}
	m = find_name(match_names, MPX_M_NR, key);
	if (m >= 0 && (sect_matches[b->sect] & MB(m))) {
		if (b->sect == MPX_S_BLACKLIST || b->sect == MPX_S_EXCEPTIONS) {
			pats = realloc(b->pats, (b->nr_pats + 1) * sizeof(*pats));
			if (!pats) {
				p->oom = true;
				return;
			}
			b->pats = pats;
			pats[b->nr_pats].key = m;
			pats[b->nr_pats].line = p->line;
			pats[b->nr_pats].pat = xstrdup(p, val);
			b->nr_pats++;
			return;
		}
		if (b->match[m]) {
			perr(p, "%s given twice in this section", key);
			return;
		}
		b->match_seen = true;
		if ((m == MPX_M_NGUID || m == MPX_M_UUID) && !hexid_ok(val, 32)) {
			perr(p, "%s: '%.64s' is not 32 hex digits", key, val);
			return;
		}
		if (m == MPX_M_EUI64 && !hexid_ok(val, 16)) {
			perr(p, "%s: '%.64s' is not 16 hex digits", key, val);
			return;
		}
		b->match[m] = xstrdup(p, val);
		return;
	}
	if (!strcmp(key, "alias") && b->sect == MPX_S_HEAD) {
		const char *s;

		for (s = val; *s; s++)
			if (!isgraph((unsigned char)*s))
				break;
		if (*s || strlen(val) > 63) {
			perr(p, "alias: '%.64s' is not one printable word of at most 63 characters",
			     val);
			return;
		}
		if (b->alias) {
			perr(p, "alias given twice in this section");
			return;
		}
		b->alias = xstrdup(p, val);
		return;
	}
	k = find_knob(key);
	if (k < 0 && m < 0) {
		perr(p, "unknown keyword '%.64s' in section '%s'", key,
		     sect_names[b->sect]);
		return;
	}
	path_knob = k >= MPX_K_HEAD_NR;
	in_path = b->sect == MPX_S_PATH;
	if (k < 0 || b->sect == MPX_S_BLACKLIST || b->sect == MPX_S_EXCEPTIONS ||
	    path_knob != in_path) {
		perr(p, "'%.64s' does not belong in section '%s'%s", key,
		     sect_names[b->sect],
		     k >= MPX_K_HEAD_NR ? " (path knobs go in path sections)" :
		     k >= 0 && b->sect == MPX_S_PATH ?
		     " (head knobs go in defaults, array or head sections)" : "");
		return;
	}
	if (b->val[k]) {
		perr(p, "%s given twice in this section (first on line %d)",
		     mpx_knobs[k].name, b->val_line[k]);
		return;
	}
	b->val[k] = knob_value(p, k, b->sect, val);
	b->val_line[k] = p->line;
}

static void parse_line(struct parser *p, char *line, size_t len)
{
	struct tok t[MAX_TOKS];
	char name[64];
	bool pending;
	size_t i;
	int n;

	for (i = 0; i < len; i++) {
		unsigned char ch = line[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			perr(p, "control character 0x%02x (at column %zu)", ch,
			     i + 1);
			return;
		}
	}
	pending = p->pending[0] != '\0';
	if (pending)
		memcpy(name, p->pending, sizeof(name));
	p->pending[0] = '\0';
	n = tokenize(p, line, t);
	if (n <= 0)
		return;
	/* Inside an unknown section only its end matters. */
	if (p->cur && p->cur->sect == MPX_S_NR && !p->skip &&
	    !(n == 1 && t[0].type == T_CLOSE))
		return;
	if (n > 3) {
		perr(p, "too much on one line (one statement a line: NAME {, } or KEY VALUE)");
		return;
	}
	for (i = 1; i < (size_t)n; i++) {
		if (t[i].type != T_CLOSE)
			continue;
		/* "key value }": say so, and close as meant. */
		perr(p, "'}' must stand alone on its line");
		close_block(p);
		return;
	}
	if (t[0].type == T_CLOSE) {
		if (n > 1)
			perr(p, "'}' must stand alone on its line");
		close_block(p);
		return;
	}
	if (t[0].type == T_OPEN) {
		if (n == 1 && pending) {
			open_block(p, name);	/* reported on the line before */
			return;
		}
		perr(p, "'{' without a section name");
		open_block(p, "");
		return;
	}
	if (t[0].type == T_STRING) {
		perr(p, "a keyword or section name cannot be quoted");
		return;
	}
	if (n == 1) {
		if (find_name(sect_names, MPX_S_NR, t[0].s) >= 0) {
			perr(p, "'%s': the '{' must be on the same line", t[0].s);
			snprintf(p->pending, sizeof(p->pending), "%s", t[0].s);
		} else {
			perr(p, "'%.64s' has no value", t[0].s);
		}
		return;
	}
	if (t[1].type == T_OPEN) {
		if (n > 2)
			perr(p, "nothing may follow '{' on its line");
		open_block(p, t[0].s);
		return;
	}
	if (n > 2) {
		perr(p, "%.64s: only one value (quote a value with spaces)",
		     t[0].s);
		return;
	}
	statement(p, t[0].s, t[1].s);
}

int mpx_conf_parse(const char *text, size_t len, const char *fname,
		   struct mpx_conf *c, FILE *errs)
{
	struct parser p = { .fname = fname, .errs = errs, .c = c };
	char *buf;
	size_t i = 0, e, l;

	memset(c, 0, sizeof(*c));
	buf = malloc(MPX_CONF_LINE_MAX + 2);
	if (!buf) {
		p.oom = true;
		goto out;
	}
	while (i < len && !p.oom) {
		p.line++;
		for (e = i; e < len && text[e] != '\n'; e++)
			;
		l = e - i;
		if (l > MPX_CONF_LINE_MAX) {
			perr(&p, "line longer than %d characters",
			     MPX_CONF_LINE_MAX);
		} else {
			memcpy(buf, text + i, l);
			/* A DOS line end is one character too many, not an error. */
			if (l && buf[l - 1] == '\r')
				l--;
			buf[l] = '\0';
			parse_line(&p, buf, l);
		}
		i = e + 1;
	}
	if (p.cur && !p.oom) {
		p.line = p.cur->line;
		perr(&p, "section '%s' is not closed (a '}' is missing)",
		     sect_name(p.cur->sect));
	}
out:
	free(buf);
	if (p.oom) {
		p.line = 0;
		perr(&p, "out of memory");
	}
	return c->nr_errors;
}

int mpx_conf_load(const char *path, struct mpx_conf *c, FILE *errs)
{
	size_t len = 0, cap = 0;
	char *text = NULL, *t;
	ssize_t n;
	int fd, ret;

	memset(c, 0, sizeof(*c));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16384;
			if (cap > MPX_CONF_SIZE_MAX + 1)
				cap = MPX_CONF_SIZE_MAX + 1;
			t = realloc(text, cap);
			if (!t) {
				ret = -ENOMEM;
				goto out;
			}
			text = t;
		}
		n = read(fd, text + len, cap - len);
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (!n)
			break;
		len += n;
		if (len > MPX_CONF_SIZE_MAX) {
			if (errs)
				fprintf(errs, "%s:0: larger than %d bytes\n",
					path, MPX_CONF_SIZE_MAX);
			c->nr_errors = 1;
			ret = 1;
			goto out;
		}
	}
	ret = mpx_conf_parse(text, len, path, c, errs);
out:
	free(text);
	close(fd);
	return ret;
}

void mpx_conf_free(struct mpx_conf *c)
{
	struct mpx_conf_block *b;
	int i, j;

	for (i = 0; i < c->nr_blocks; i++) {
		b = &c->blocks[i];
		for (j = 0; j < MPX_K_NR; j++)
			free(b->val[j]);
		for (j = 0; j < MPX_M_NR; j++)
			free(b->match[j]);
		for (j = 0; j < b->nr_pats; j++)
			free(b->pats[j].pat);
		free(b->pats);
		free(b->alias);
	}
	free(c->blocks);
	memset(c, 0, sizeof(*c));
}

/* ---- resolution ------------------------------------------------------------ */

static bool glob(const char *pat, const char *s)
{
	return s && fnmatch(pat, s, 0) == 0;
}

/* The naming authority of an NQN: "com.netapp" of "nqn.1992-08.com.netapp:x". */
static void nqn_vendor(const char *nqn, char *out, size_t len)
{
	const char *s, *e;

	out[0] = '\0';
	if (!nqn || strncmp(nqn, "nqn.", 4))
		return;
	s = strchr(nqn + 4, '.');
	if (!s)
		return;
	s++;
	e = strchrnul(s, ':');
	snprintf(out, len, "%.*s", (int)(e - s), s);
}

static bool array_match(const struct mpx_conf_block *b,
			const struct mpx_subsys_id *s)
{
	char vendor[256];

	if (b->match[MPX_M_VENDOR]) {
		nqn_vendor(s->nqn, vendor, sizeof(vendor));
		if (!glob(b->match[MPX_M_VENDOR], vendor))
			return false;
	}
	if (b->match[MPX_M_MODEL] && !glob(b->match[MPX_M_MODEL], s->model))
		return false;
	if (b->match[MPX_M_NQN] && !glob(b->match[MPX_M_NQN], s->nqn))
		return false;
	if (b->match[MPX_M_SERIAL] && !glob(b->match[MPX_M_SERIAL], s->serial))
		return false;
	return true;
}

static bool id_match(const char *want, const char *have)
{
	char a[64], b[64];

	if (!want)
		return true;
	if (!have)
		return false;
	mpx_conf_hexid(want, a, sizeof(a));
	mpx_conf_hexid(have, b, sizeof(b));
	return !strcmp(a, b);
}

static bool head_match(const struct mpx_conf_block *b,
		       const struct mpx_head_id *h)
{
	return id_match(b->match[MPX_M_NGUID], h->nguid) &&
	       id_match(b->match[MPX_M_EUI64], h->eui64) &&
	       id_match(b->match[MPX_M_UUID], h->uuid);
}

/* Value of KEY in a controller address "k1=v1,k2=v2" into @out. */
static bool addr_field(const char *addr, const char *key, char *out,
		       size_t len)
{
	size_t k = strlen(key);
	const char *s = addr, *e;

	while (s && *s) {
		e = strchrnul(s, ',');
		if (!strncmp(s, key, k) && s[k] == '=') {
			snprintf(out, len, "%.*s", (int)(e - s - k - 1), s + k + 1);
			return true;
		}
		s = *e ? e + 1 : NULL;
	}
	return false;
}

static bool path_field_match(const char *key, const char *pat,
			     const struct mpx_path_id *p)
{
	char v[256];

	if (!strcmp(key, "transport"))
		return glob(pat, p->transport);
	return addr_field(p->address, key, v, sizeof(v)) && glob(pat, v);
}

bool mpx_conf_pathsel_match(const char *sel, const struct mpx_path_id *p)
{
	char key[32], pat[256];
	const char *s = sel, *e, *eq;

	if (!strcmp(sel, "none"))
		return false;
	while (*s) {
		e = strchrnul(s, ',');
		eq = memchr(s, '=', e - s);
		if (!eq || eq - s >= (long)sizeof(key))
			return false;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - s), s);
		snprintf(pat, sizeof(pat), "%.*s", (int)(e - eq - 1), eq + 1);
		if (!path_field_match(key, pat, p))
			return false;
		s = *e ? e + 1 : e;
	}
	return true;
}

static void take(struct mpx_eff *e, const struct mpx_conf_block *b,
		 enum mpx_origin o, int from, int to)
{
	int k;

	for (k = from; k < to; k++) {
		if (!b->val[k])
			continue;
		e->val[k] = b->val[k];
		e->origin[k] = o;
		e->line[k] = b->val_line[k];
		e->source[k] = b->source;
	}
}

void mpx_conf_resolve(const struct mpx_conf *c, const struct mpx_subsys_id *s,
		      const struct mpx_head_id *h, struct mpx_eff *e)
{
	const struct mpx_conf_block *b;
	int i;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < mpx_nr_builtin_arrays; i++)
		if (array_match(&builtin_arrays[i], s))
			take(e, &builtin_arrays[i], MPX_O_BUILTIN, 0,
			     MPX_K_HEAD_NR);
	for (i = 0; c && i < c->nr_blocks; i++)
		if (c->blocks[i].sect == MPX_S_DEFAULTS)
			take(e, &c->blocks[i], MPX_O_DEFAULTS, 0, MPX_K_HEAD_NR);
	for (i = 0; c && i < c->nr_blocks; i++)
		if (c->blocks[i].sect == MPX_S_ARRAY &&
		    array_match(&c->blocks[i], s))
			take(e, &c->blocks[i], MPX_O_ARRAY, 0, MPX_K_HEAD_NR);
	/* Up to here iopolicy is the subsystem's. */
	e->subsys_iopolicy = e->val[MPX_K_IOPOLICY];
	e->subsys_iopolicy_origin = e->origin[MPX_K_IOPOLICY];
	e->subsys_iopolicy_line = e->line[MPX_K_IOPOLICY];
	if (!h)
		return;
	for (i = 0; c && i < c->nr_blocks; i++) {
		b = &c->blocks[i];
		if (b->sect != MPX_S_HEAD || !head_match(b, h))
			continue;
		take(e, b, MPX_O_HEAD, 0, MPX_K_HEAD_NR);
		if (b->alias)
			e->alias = b->alias;
	}
}

void mpx_conf_resolve_path(const struct mpx_conf *c,
			   const struct mpx_subsys_id *s,
			   const struct mpx_path_id *p, struct mpx_eff *e)
{
	const struct mpx_conf_block *b;
	int i, m;

	memset(e, 0, sizeof(*e));
	for (i = 0; c && i < c->nr_blocks; i++) {
		b = &c->blocks[i];
		if (b->sect != MPX_S_PATH)
			continue;
		for (m = 0; m < MPX_M_NR; m++) {
			if (!b->match[m])
				continue;
			if (m == MPX_M_NQN ? !glob(b->match[m], s->nqn) :
			    !path_field_match(match_names[m], b->match[m], p))
				break;
		}
		if (m == MPX_M_NR)
			take(e, b, MPX_O_PATH, MPX_K_HEAD_NR, MPX_K_NR);
	}
}

static bool pats_match(const struct mpx_conf *c, enum mpx_sect sect,
		       const struct mpx_subsys_id *s)
{
	const struct mpx_conf_block *b;
	const char *v;
	int i, j;

	for (i = 0; i < c->nr_blocks; i++) {
		b = &c->blocks[i];
		if (b->sect != sect)
			continue;
		for (j = 0; j < b->nr_pats; j++) {
			v = b->pats[j].key == MPX_M_NQN ? s->nqn :
			    b->pats[j].key == MPX_M_MODEL ? s->model : s->serial;
			if (glob(b->pats[j].pat, v))
				return true;
		}
	}
	return false;
}

bool mpx_conf_blacklisted(const struct mpx_conf *c,
			  const struct mpx_subsys_id *s)
{
	return c && pats_match(c, MPX_S_BLACKLIST, s) &&
	       !pats_match(c, MPX_S_EXCEPTIONS, s);
}
