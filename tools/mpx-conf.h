/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nvme-mpx.conf: the parser and the resolution of effective settings.
 *
 * Nothing here touches sysfs: the CLI hands in the identities of what it
 * found (subsystem NQN, model, serial; head NGUID, EUI-64, UUID; a path's
 * transport and address) and gets back the value of each knob with the
 * level it came from.  That keeps it testable on its own (tests/conf-test.c).
 */
#ifndef MPX_CONF_H
#define MPX_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Longest line; a multiplex range list of 64 ranges fits. */
#define MPX_CONF_LINE_MAX	8192
/* A file larger than this is refused (a configuration is a few KiB). */
#define MPX_CONF_SIZE_MAX	(4 << 20)
/* Errors after this many are counted, not printed. */
#define MPX_CONF_ERR_MAX	100

/* Every knob the configuration can set. */
enum mpx_knob {
	MPX_K_IOPOLICY,
	MPX_K_FAILBACK,
	MPX_K_PREFERRED,
	MPX_K_QNP,
	MPX_K_WQ,
	MPX_K_STALL_MULT,
	MPX_K_STALL_MIN,
	MPX_K_STALL_MAX,
	MPX_K_FLAP_LIMIT,
	MPX_K_FLAP_WINDOW,
	MPX_K_FLAP_HOLD,
	MPX_K_MULTIPLEX,
	MPX_K_MULTIPLEX_RT,
	MPX_K_HEDGE,
	MPX_K_FO_MAX,
	MPX_K_FO_INTERVAL,
	MPX_K_HEAD_NR,		/* the head knobs end here */
	MPX_K_PRIORITY = MPX_K_HEAD_NR,
	MPX_K_WEIGHT,
	MPX_K_NR,
};

enum mpx_knob_type {
	MPX_KT_UINT,		/* lo..hi, or one of @words */
	MPX_KT_POLICY,		/* a selector name */
	MPX_KT_WORD,		/* one printable word, judged by the kernel */
	MPX_KT_PATHSEL,		/* none, or key=value,... matched on a path */
};

struct mpx_knob_def {
	const char *name;	/* in the file */
	const char *attr;	/* in sysfs (iopolicy: see mpx_conf.c) */
	enum mpx_knob_type type;
	long lo, hi;
	const char *words;	/* space-separated words taken besides numbers */
};

extern const struct mpx_knob_def mpx_knobs[MPX_K_NR];

/* Where an effective value came from, lowest first. */
enum mpx_origin {
	MPX_O_NONE,		/* not configured: the kernel's value stands */
	MPX_O_BUILTIN,		/* the built-in array table */
	MPX_O_DEFAULTS,
	MPX_O_ARRAY,
	MPX_O_HEAD,
	MPX_O_PATH,
	MPX_O_MANUAL,		/* changed by hand since the last apply */
};

const char *mpx_origin_name(enum mpx_origin o);

enum mpx_sect {
	MPX_S_DEFAULTS,
	MPX_S_BLACKLIST,
	MPX_S_EXCEPTIONS,
	MPX_S_ARRAY,
	MPX_S_HEAD,
	MPX_S_PATH,
	MPX_S_NR,
};

/* Match keys. */
enum mpx_match {
	MPX_M_NQN,
	MPX_M_MODEL,
	MPX_M_SERIAL,
	MPX_M_VENDOR,
	MPX_M_NGUID,
	MPX_M_EUI64,
	MPX_M_UUID,
	MPX_M_TRANSPORT,
	MPX_M_TRADDR,
	MPX_M_TRSVCID,
	MPX_M_HOST_TRADDR,
	MPX_M_HOST_IFACE,
	MPX_M_NR,
};

struct mpx_conf_block {
	enum mpx_sect sect;
	int line;			/* of its opening line */
	const char *source;		/* built-in entries: where it comes from */
	char *val[MPX_K_NR];		/* NULL: not set here */
	int val_line[MPX_K_NR];
	char *match[MPX_M_NR];		/* globs (heads: hex, exact) */
	char *alias;			/* heads */
	bool match_seen;		/* a match key, valid or not */
	/* blacklist sections: one pattern per line, any may match */
	struct mpx_conf_pat {
		enum mpx_match key;
		char *pat;
		int line;
	} *pats;
	int nr_pats;
};

struct mpx_conf {
	struct mpx_conf_block *blocks;
	int nr_blocks;
	int nr_errors;
};

/* What the CLI knows of the objects a setting is resolved for. */
struct mpx_subsys_id {
	const char *nqn, *model, *serial;
};

struct mpx_head_id {
	const char *nguid, *eui64, *uuid;	/* as sysfs prints them, or NULL */
};

struct mpx_path_id {
	const char *transport;
	const char *address;	/* the controller's "traddr=...,trsvcid=..." */
};

struct mpx_eff {
	const char *val[MPX_K_NR];
	enum mpx_origin origin[MPX_K_NR];
	int line[MPX_K_NR];		/* 0 for built-in */
	const char *source[MPX_K_NR];	/* built-in: the entry's source */
	const char *alias;
	/* the subsystem's iopolicy (defaults, array, built-in only) */
	const char *subsys_iopolicy;
	enum mpx_origin subsys_iopolicy_origin;
	int subsys_iopolicy_line;
};

/*
 * Parse @len bytes of @text (need not be NUL-terminated).  Errors go to
 * @errs as "FILE:LINE: message", one a line (NULL: not printed).  Returns
 * the number of errors; on errors @c is still valid and freed by
 * mpx_conf_free(), but must not be applied.
 */
int mpx_conf_parse(const char *text, size_t len, const char *fname,
		   struct mpx_conf *c, FILE *errs);
/*
 * Read and parse @path.  Returns the number of errors, or -errno when the
 * file cannot be read (-ENOENT: there is none; @c is then empty and valid).
 */
int mpx_conf_load(const char *path, struct mpx_conf *c, FILE *errs);
void mpx_conf_free(struct mpx_conf *c);
/* A decimal number in [lo, hi], nothing else (no sign, no spaces). */
bool mpx_parse_range(const char *s, long lo, long hi, long *out);

/* The built-in array table (source of each entry in ->source). */
extern const struct mpx_conf_block *mpx_builtin_arrays;
extern const int mpx_nr_builtin_arrays;

/* Is a subsystem blacklisted (and not excepted)? */
bool mpx_conf_blacklisted(const struct mpx_conf *c,
			  const struct mpx_subsys_id *s);
/* The effective head settings (and subsystem iopolicy) for one head. */
void mpx_conf_resolve(const struct mpx_conf *c, const struct mpx_subsys_id *s,
		      const struct mpx_head_id *h, struct mpx_eff *e);
/* The effective path knobs (priority, weight) for one path. */
void mpx_conf_resolve_path(const struct mpx_conf *c,
			   const struct mpx_subsys_id *s,
			   const struct mpx_path_id *p, struct mpx_eff *e);
/* Does path address @p match selector @sel ("traddr=a,trsvcid=b")? */
bool mpx_conf_pathsel_match(const char *sel, const struct mpx_path_id *p);
/* Hex digits of an identifier, lower case, no separators (max @len). */
void mpx_conf_hexid(const char *in, char *out, size_t len);

#endif
