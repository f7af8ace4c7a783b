// SPDX-License-Identifier: GPL-2.0
/*
 * nvme-mpx: administer the nvme-mpx native NVMe multipath layer.
 *
 * Topology (subsystems, heads, paths, controllers) comes from libnvme and is
 * completed from sysfs for anything libnvme 1.3 does not list (a head whose
 * namespace it could not open, a path without a live controller).  The
 * multipath attributes are read and written directly in sysfs:
 *
 *   /sys/class/nvme-subsystem/nvme-subsysN/iopolicy
 *   /sys/block/nvmeXnY/{mpx_*,multipath/,diag/}      (head)
 *   /sys/block/nvmeXcZnY/{ana_*,mpx_*,diag/,stat}     (path)
 *
 * An attribute the running kernel does not offer is left out of the output
 * (null in JSON); writing one exits with MPX_EXIT_NOTSUP.  Arguments are
 * checked before anything is written, so a bad one changes nothing.
 *
 * See nvme-mpx(8).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <libnvme.h>
#include "mpx-conf.h"

#define MPX_VERSION	"0.1"

enum {
	MPX_EXIT_OK = 0,
	MPX_EXIT_INTERNAL = 1,
	MPX_EXIT_USAGE = 2,
	MPX_EXIT_NOTFOUND = 3,
	MPX_EXIT_REFUSED = 4,
	MPX_EXIT_NOTSUP = 5,
	MPX_EXIT_CONFIG = 6,
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NAME_LEN	64
#define VAL_LEN		512
/* 64 ranges of 20-digit LBAs fit; sysfs takes at most a page. */
#define WORD_LEN	4000

static const char *sysfs_root = "/sys";
static bool verbose;
/* -c FILE, else $NVME_MPX_CONF, else this; conf_given: not the default. */
static const char *conf_path = "/etc/nvme-mpx.conf";
static bool conf_given;
/* What apply wrote, per object, to tell hand-made changes (show --config). */
static const char *run_dir = "/run/nvme-mpx";
/* The configuration show reads aliases from (NULL: none). */
static struct mpx_conf *show_conf;

static int show_config(const char *subsys, const char *head, bool json);
static const char *head_alias(const struct mpx_conf *c, const char *head);

static const char * const policies[] = {
	"numa", "round-robin", "queue-depth",
	"active-standby", "service-time", "weighted", NULL,
};

/* Head tunables of the failure handling: nvme-mpx tune <head> <knob> <value>. */
struct head_knob {
	const char *name;	/* on the command line */
	const char *attr;	/* in /sys/block/<head>/ */
	const char *key;	/* in show --json */
	long lo, hi;
	const char *word;	/* a word accepted besides numbers, or NULL */
};

static const struct head_knob head_knobs[] = {
	{ "write-quiesce-ms", "mpx_write_quiesce_ms", "write_quiesce_ms",
	  0, 600000, "auto" },
	{ "stall-mult", "mpx_stall_mult", "stall_mult", 1, 1000, NULL },
	{ "stall-min-ms", "mpx_stall_min_ms", "stall_min_ms", 10, 600000, NULL },
	{ "stall-max-ms", "mpx_stall_max_ms", "stall_max_ms", 0, 600000, NULL },
	{ "flap-limit", "mpx_flap_limit", "flap_limit", 0, 1000, NULL },
	{ "flap-window-secs", "mpx_flap_window_secs", "flap_window_secs",
	  1, 86400, NULL },
	{ "flap-hold-secs", "mpx_flap_hold_secs", "flap_hold_secs",
	  1, 86400, NULL },
	{ "multiplex-rt", "mpx_multiplex_rt", "multiplex_rt", 0, 1, NULL },
	{ NULL },
};

static int err(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("nvme-mpx: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* ---- sysfs ------------------------------------------------------------ */

/*
 * Read attribute @path into @buf without the trailing newline.
 * Returns 0, or -errno (-ENOENT: the attribute does not exist).
 */
static int attr_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int attr_readf(char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return attr_read(path, buf, len);
}

static bool path_exists(const char *fmt, ...)
{
	char path[PATH_MAX];
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return stat(path, &st) == 0;
}

/*
 * Write @val to attribute @attr of object @obj (both for messages) at
 * @path.  Returns an exit code and prints why it failed.
 */
static int attr_write(const char *path, const char *obj, const char *attr,
		      const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, e;

	/* O_TRUNC as a shell's ">" does: sysfs ignores it, a test tree needs it. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			return err(MPX_EXIT_NOTSUP,
				   "%s: %s is not supported by the loaded nvme-mpx module (no %s)",
				   obj, attr, path);
		if (e == EACCES || e == EPERM)
			return err(MPX_EXIT_INTERNAL,
				   "%s: cannot write %s: %s (run as root)",
				   obj, attr, strerror(e));
		return err(MPX_EXIT_INTERNAL, "%s: cannot open %s: %s",
			   obj, path, strerror(e));
	}
	n = write(fd, val, len);
	e = errno;
	close(fd);
	if (n == (ssize_t)len)
		return MPX_EXIT_OK;
	if (n >= 0)
		return err(MPX_EXIT_INTERNAL, "%s: short write to %s", obj, path);
	if (e == EINVAL || e == ERANGE || e == EOPNOTSUPP)
		return err(MPX_EXIT_REFUSED,
			   "%s: the kernel refused %s '%s': %s (see dmesg)",
			   obj, attr, val, strerror(e));
	return err(MPX_EXIT_INTERNAL, "%s: writing %s '%s' failed: %s",
		   obj, attr, val, strerror(e));
}

/* Bounded string copy that always terminates (and takes NULL as ""). */
static void copy(char *dst, const char *src, size_t len)
{
	size_t n = src ? strnlen(src, len - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- names ------------------------------------------------------------ */

/* "nvmeXnY": a head.  Sets *subsys and *nsid. */
static bool parse_head(const char *s, int *subsys, int *ns)
{
	int n = 0;

	if (sscanf(s, "nvme%un%u%n", subsys, ns, &n) != 2)
		return false;
	return n > 0 && s[n] == '\0' && isdigit((unsigned char)s[4]);
}

/* "nvmeXcZnY": a path. */
static bool parse_path(const char *s, int *subsys, int *ctrl, int *ns)
{
	int n = 0;

	if (sscanf(s, "nvme%uc%un%u%n", subsys, ctrl, ns, &n) != 3)
		return false;
	return n > 0 && s[n] == '\0' && isdigit((unsigned char)s[4]);
}

static const char *strip_dev(const char *s)
{
	return strncmp(s, "/dev/", 5) ? s : s + 5;
}

static bool name_ok(const char *s)
{
	return strlen(s) < NAME_LEN;
}

/* Resolve a head argument: exit code, name in @out. */
static int get_head(const char *arg, char *out)
{
	const char *s = strip_dev(arg);
	int a, b;

	if (!name_ok(s) || !parse_head(s, &a, &b))
		return err(MPX_EXIT_USAGE,
			   "'%s' is not a head device name (like nvme0n1 or /dev/nvme0n1)",
			   arg);
	if (!path_exists("%s/block/%s", sysfs_root, s))
		return err(MPX_EXIT_NOTFOUND, "%s: no such head", s);
	copy(out, s, NAME_LEN);
	return MPX_EXIT_OK;
}

static int get_path(const char *arg, char *out)
{
	const char *s = strip_dev(arg);
	int a, b, c;

	if (!name_ok(s) || !parse_path(s, &a, &b, &c))
		return err(MPX_EXIT_USAGE,
			   "'%s' is not a path device name (like nvme0c1n1)",
			   arg);
	if (!path_exists("%s/block/%s", sysfs_root, s))
		return err(MPX_EXIT_NOTFOUND, "%s: no such path", s);
	copy(out, s, NAME_LEN);
	return MPX_EXIT_OK;
}

/* A subsystem by its sysfs name (nvme-subsysN) or by its NQN. */
static bool subsys_syntax(const char *s)
{
	int n = 0, i;

	if (sscanf(s, "nvme-subsys%u%n", &i, &n) == 1 && s[n] == '\0')
		return true;
	return strncmp(s, "nqn.", 4) == 0;
}

static int get_subsys(const char *arg, char *out)
{
	char dir[PATH_MAX], nqn[VAL_LEN];
	struct dirent *d;
	DIR *dp;

	if (!subsys_syntax(arg) || strlen(arg) >= VAL_LEN)
		return err(MPX_EXIT_USAGE,
			   "'%s' is not a subsystem (nvme-subsysN or its NQN)",
			   arg);
	if (strncmp(arg, "nqn.", 4)) {
		if (!path_exists("%s/class/nvme-subsystem/%s", sysfs_root, arg))
			return err(MPX_EXIT_NOTFOUND, "%s: no such subsystem",
				   arg);
		copy(out, arg, NAME_LEN);
		return MPX_EXIT_OK;
	}
	snprintf(dir, sizeof(dir), "%s/class/nvme-subsystem", sysfs_root);
	dp = opendir(dir);
	while (dp && (d = readdir(dp))) {
		if (d->d_name[0] == '.' || strlen(d->d_name) >= NAME_LEN)
			continue;
		if (attr_readf(nqn, sizeof(nqn), "%s/%s/subsysnqn", dir,
			       d->d_name) == 0 && !strcmp(nqn, arg)) {
			copy(out, d->d_name, NAME_LEN);
			closedir(dp);
			return MPX_EXIT_OK;
		}
	}
	if (dp)
		closedir(dp);
	return err(MPX_EXIT_NOTFOUND, "%s: no such subsystem", arg);
}

/* ---- topology ---------------------------------------------------------- */

struct mpx_path {
	char name[NAME_LEN];
	char ctrl[NAME_LEN];
	char transport[NAME_LEN];
	char address[VAL_LEN];
	char state[NAME_LEN];
};

struct mpx_head {
	char name[NAME_LEN];
	struct mpx_path *paths;
	int nr_paths;
};

struct mpx_subsys {
	char name[NAME_LEN];
	char nqn[VAL_LEN];
	struct mpx_head *heads;
	int nr_heads;
};

struct mpx_topo {
	struct mpx_subsys *subsys;
	int nr_subsys;
};

static void *grow(void *arr, int nr, size_t size)
{
	void *p = realloc(arr, (nr + 1) * size);

	if (!p) {
		err(MPX_EXIT_INTERNAL, "out of memory");
		exit(MPX_EXIT_INTERNAL);
	}
	memset((char *)p + nr * size, 0, size);
	return p;
}

static struct mpx_subsys *topo_subsys(struct mpx_topo *t, const char *name)
{
	struct mpx_subsys *s;
	int i;

	for (i = 0; i < t->nr_subsys; i++)
		if (!strcmp(t->subsys[i].name, name))
			return &t->subsys[i];
	t->subsys = grow(t->subsys, t->nr_subsys, sizeof(*t->subsys));
	s = &t->subsys[t->nr_subsys++];
	copy(s->name, name, sizeof(s->name));
	attr_readf(s->nqn, sizeof(s->nqn), "%s/class/nvme-subsystem/%s/subsysnqn",
		   sysfs_root, name);
	return s;
}

static struct mpx_head *topo_head(struct mpx_subsys *s, const char *name)
{
	struct mpx_head *h;
	int i;

	for (i = 0; i < s->nr_heads; i++)
		if (!strcmp(s->heads[i].name, name))
			return &s->heads[i];
	s->heads = grow(s->heads, s->nr_heads, sizeof(*s->heads));
	h = &s->heads[s->nr_heads++];
	copy(h->name, name, sizeof(h->name));
	return h;
}

/* Controller facts from sysfs, for paths libnvme did not report. */
static void path_ctrl_sysfs(struct mpx_path *p)
{
	int a, c, n;

	if (!parse_path(p->name, &a, &c, &n))
		return;
	snprintf(p->ctrl, sizeof(p->ctrl), "nvme%d", c);
	attr_readf(p->transport, sizeof(p->transport),
		   "%s/class/nvme/%s/transport", sysfs_root, p->ctrl);
	attr_readf(p->address, sizeof(p->address), "%s/class/nvme/%s/address",
		   sysfs_root, p->ctrl);
	attr_readf(p->state, sizeof(p->state), "%s/class/nvme/%s/state",
		   sysfs_root, p->ctrl);
}

static struct mpx_path *topo_path(struct mpx_head *h, const char *name,
				  bool *added)
{
	struct mpx_path *p;
	int i;

	*added = false;
	for (i = 0; i < h->nr_paths; i++)
		if (!strcmp(h->paths[i].name, name))
			return &h->paths[i];
	h->paths = grow(h->paths, h->nr_paths, sizeof(*h->paths));
	p = &h->paths[h->nr_paths++];
	copy(p->name, name, sizeof(p->name));
	*added = true;
	return p;
}

static int cmp_name(const char *a, const char *b)
{
	/* nvme10 after nvme9: compare digit runs as numbers. */
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			unsigned long x = strtoul(a, (char **)&a, 10);
			unsigned long y = strtoul(b, (char **)&b, 10);

			if (x != y)
				return x < y ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

/* qsort() with an empty (NULL) array is undefined: a host with no paths has one. */
static void sort(void *base, size_t n, size_t size,
		 int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static int cmp_subsys(const void *a, const void *b)
{
	return cmp_name(((const struct mpx_subsys *)a)->name,
			((const struct mpx_subsys *)b)->name);
}

static int cmp_head(const void *a, const void *b)
{
	return cmp_name(((const struct mpx_head *)a)->name,
			((const struct mpx_head *)b)->name);
}

static int cmp_path(const void *a, const void *b)
{
	return cmp_name(((const struct mpx_path *)a)->name,
			((const struct mpx_path *)b)->name);
}

/* Paths of head @h (nvmeXnY) from sysfs: nvmeXc*nY block devices. */
static void head_paths_sysfs(struct mpx_head *h)
{
	char dir[PATH_MAX];
	int hs, hn, s, c, n;
	struct dirent *d;
	bool added;
	DIR *dp;

	if (!parse_head(h->name, &hs, &hn))
		return;
	snprintf(dir, sizeof(dir), "%s/block", sysfs_root);
	dp = opendir(dir);
	if (!dp)
		return;
	while ((d = readdir(dp))) {
		if (!parse_path(d->d_name, &s, &c, &n) || s != hs || n != hn ||
		    strlen(d->d_name) >= NAME_LEN)
			continue;
		topo_path(h, d->d_name, &added);
		if (added)
			path_ctrl_sysfs(&h->paths[h->nr_paths - 1]);
	}
	closedir(dp);
}

static void topo_from_libnvme(struct mpx_topo *t)
{
	nvme_subsystem_t ns_s;
	struct mpx_subsys *s;
	struct mpx_head *h;
	struct mpx_path *p;
	nvme_root_t r;
	nvme_host_t host;
	nvme_path_t np;
	nvme_ctrl_t c;
	nvme_ns_t n;
	bool added;

	r = nvme_create_root(stderr, verbose ? LOG_INFO : LOG_CRIT);
	if (!r)
		return;
	if (nvme_scan_topology(r, NULL, NULL) < 0 && verbose)
		err(0, "libnvme topology scan incomplete: %s", strerror(errno));
	nvme_for_each_host(r, host) {
		nvme_for_each_subsystem(host, ns_s) {
			s = topo_subsys(t, nvme_subsystem_get_name(ns_s));
			nvme_subsystem_for_each_ns(ns_s, n) {
				h = topo_head(s, nvme_ns_get_name(n));
				nvme_namespace_for_each_path(n, np) {
					p = topo_path(h, nvme_path_get_name(np),
						      &added);
					c = nvme_path_get_ctrl(np);
					if (!c) {
						path_ctrl_sysfs(p);
						continue;
					}
					copy(p->ctrl, nvme_ctrl_get_name(c),
					     sizeof(p->ctrl));
					copy(p->transport,
					     nvme_ctrl_get_transport(c),
					     sizeof(p->transport));
					copy(p->address,
					     nvme_ctrl_get_address(c),
					     sizeof(p->address));
					copy(p->state, nvme_ctrl_get_state(c),
					     sizeof(p->state));
				}
			}
		}
	}
	nvme_free_tree(r);
}

/* Whatever libnvme left out, from /sys/class/nvme-subsystem. */
static void topo_from_sysfs(struct mpx_topo *t)
{
	char dir[PATH_MAX];
	struct dirent *d, *e;
	struct mpx_subsys *s;
	DIR *dp, *sp;
	int a, b, i, j;

	snprintf(dir, sizeof(dir), "%s/class/nvme-subsystem", sysfs_root);
	dp = opendir(dir);
	while (dp && (d = readdir(dp))) {
		if (strncmp(d->d_name, "nvme-subsys", 11) ||
		    strlen(d->d_name) >= NAME_LEN)
			continue;
		s = topo_subsys(t, d->d_name);
		snprintf(dir, sizeof(dir), "%s/class/nvme-subsystem/%s",
			 sysfs_root, d->d_name);
		sp = opendir(dir);
		while (sp && (e = readdir(sp)))
			if (parse_head(e->d_name, &a, &b) &&
			    strlen(e->d_name) < NAME_LEN)
				topo_head(s, e->d_name);
		if (sp)
			closedir(sp);
	}
	if (dp)
		closedir(dp);

	sort(t->subsys, t->nr_subsys, sizeof(*t->subsys), cmp_subsys);
	for (i = 0; i < t->nr_subsys; i++) {
		s = &t->subsys[i];
		sort(s->heads, s->nr_heads, sizeof(*s->heads), cmp_head);
		for (j = 0; j < s->nr_heads; j++) {
			head_paths_sysfs(&s->heads[j]);
			sort(s->heads[j].paths, s->heads[j].nr_paths,
			     sizeof(struct mpx_path), cmp_path);
		}
	}
}

static void topo_free(struct mpx_topo *t)
{
	int i, j;

	for (i = 0; i < t->nr_subsys; i++) {
		for (j = 0; j < t->subsys[i].nr_heads; j++)
			free(t->subsys[i].heads[j].paths);
		free(t->subsys[i].heads);
	}
	free(t->subsys);
}

/* ---- output helpers ----------------------------------------------------- */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static bool is_uint(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/*
 * One JSON member: "key": value.  @val NULL is null; a string of digits
 * is a number when @num, anything else a string.
 */
static void json_kv(int ind, const char *key, const char *val, bool num,
		    bool last)
{
	printf("%*s\"%s\": ", ind, "", key);
	if (!val)
		fputs("null", stdout);
	else if (num && is_uint(val))
		fputs(val, stdout);
	else if (num)
		fputs("null", stdout);
	else
		json_str(val);
	puts(last ? "" : ",");
}

/* Read an optional attribute: its value, or NULL when it does not exist. */
static const char *opt_attr(char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return attr_read(path, buf, len) ? NULL : buf;
}

/* Attribute @attr of block device @obj, or NULL when it does not exist. */
static const char *blk_attr(char *buf, size_t len, const char *obj,
			    const char *attr)
{
	return opt_attr(buf, len, "%s/block/%s/%s", sysfs_root, obj, attr);
}

/* Split a line of unsigned numbers; returns how many were found. */
static int split_u64(const char *s, unsigned long long *v, int max)
{
	char *end;
	int n = 0;

	while (n < max) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!isdigit((unsigned char)*s))
			break;
		errno = 0;
		v[n] = strtoull(s, &end, 10);
		if (errno)
			break;
		n++;
		s = end;
	}
	return n;
}

/* ---- per-path and per-head attribute sets ------------------------------- */

enum { PS_IOS, PS_BYTES, PS_ERRORS, PS_FAILOVERS, PS_INFLIGHT, PS_LAT,
	PS_NR };

struct path_stat {
	bool have_mpx;			/* mpx_stat exists */
	bool have_more;			/* ... with stalls, quarantines */
	unsigned long long more[2];
	unsigned long long v[PS_NR];	/* mpx_stat, or what block stat has */
	bool have[PS_NR];
};

/*
 * Per-path counters: mpx_stat when the kernel has it; otherwise I/Os,
 * bytes and in-flight from the path disk's block stat, errors and
 * failovers from the mainline-named diag/ counters when those exist.
 */
static void path_stat(const char *path, struct path_stat *ps)
{
	unsigned long long v[11];
	char buf[VAL_LEN];
	int i;

	memset(ps, 0, sizeof(*ps));
	if (opt_attr(buf, sizeof(buf), "%s/block/%s/mpx_stat", sysfs_root,
		     path) && split_u64(buf, v, PS_NR + 2) >= PS_NR) {
		memcpy(ps->v, v, sizeof(ps->v));
		ps->have_mpx = true;
		if (split_u64(buf, v, PS_NR + 2) == PS_NR + 2) {
			ps->have_more = true;
			ps->more[0] = v[PS_NR];
			ps->more[1] = v[PS_NR + 1];
		}
		for (i = 0; i < PS_NR; i++)
			ps->have[i] = true;
		return;
	}
	if (opt_attr(buf, sizeof(buf), "%s/block/%s/stat", sysfs_root, path) &&
	    split_u64(buf, v, 11) == 11) {
		ps->v[PS_IOS] = v[0] + v[4];
		ps->v[PS_BYTES] = (v[2] + v[6]) * 512;
		ps->v[PS_INFLIGHT] = v[8];
		ps->have[PS_IOS] = true;
		ps->have[PS_BYTES] = true;
		ps->have[PS_INFLIGHT] = true;
	}
	if (opt_attr(buf, sizeof(buf), "%s/block/%s/diag/command_error_count",
		     sysfs_root, path) && split_u64(buf, v, 1) == 1) {
		ps->v[PS_ERRORS] = v[0];
		ps->have[PS_ERRORS] = true;
	}
	if (opt_attr(buf, sizeof(buf),
		     "%s/block/%s/diag/multipath_failover_count", sysfs_root,
		     path) && split_u64(buf, v, 1) == 1) {
		ps->v[PS_FAILOVERS] = v[0];
		ps->have[PS_FAILOVERS] = true;
	}
}

static const char * const path_diag[] = {
	"multipath_failover_count", "command_retry_count",
	"command_error_count", NULL,
};

static const char * const head_diag[] = {
	"io_requeue_no_usable_path_count", "io_fail_no_available_path_count",
	NULL,
};

/* ---- show --------------------------------------------------------------- */

struct head_attrs {
	char pol[VAL_LEN], fb[VAL_LEN], pref[VAL_LEN], act[VAL_LEN];
	char qnp[VAL_LEN], mux[WORD_LEN + 2], stat[VAL_LEN], hdg[VAL_LEN];
	char mstat[VAL_LEN];
	const char *policy, *failback, *preferred, *active;
	const char *queue, *multiplex, *mpx_stat, *hedge, *mux_stat;
	bool inherited;
};

static void head_attrs(const char *h, struct head_attrs *a)
{
	char *p;

	a->policy = blk_attr(a->pol, sizeof(a->pol), h, "mpx_iopolicy");
	a->failback = blk_attr(a->fb, sizeof(a->fb), h, "mpx_failback");
	a->preferred = blk_attr(a->pref, sizeof(a->pref), h, "mpx_preferred");
	a->active = blk_attr(a->act, sizeof(a->act), h, "mpx_active");
	a->queue = blk_attr(a->qnp, sizeof(a->qnp), h, "mpx_queue_if_no_path");
	a->multiplex = blk_attr(a->mux, sizeof(a->mux), h, "mpx_multiplex");
	a->mpx_stat = blk_attr(a->stat, sizeof(a->stat), h, "mpx_stat");
	a->hedge = blk_attr(a->hdg, sizeof(a->hdg), h, "mpx_hedge");
	a->mux_stat = blk_attr(a->mstat, sizeof(a->mstat), h, "mpx_mux_stat");
	a->inherited = false;
	if (a->policy) {
		p = strstr(a->pol, " (inherited)");
		if (p) {
			*p = '\0';
			a->inherited = true;
		}
	}
}

struct path_attrs {
	char ana[NAME_LEN], grp[NAME_LEN], st[NAME_LEN], prio[NAME_LEN];
	char wt[NAME_LEN], qd[NAME_LEN], nodes[VAL_LEN];
	const char *ana_state, *ana_grpid, *state, *priority, *weight;
	const char *queue_depth, *numa_nodes;
};

static void path_attrs(const char *p, struct path_attrs *a)
{
	a->ana_state = blk_attr(a->ana, sizeof(a->ana), p, "ana_state");
	a->ana_grpid = blk_attr(a->grp, sizeof(a->grp), p, "ana_grpid");
	a->state = blk_attr(a->st, sizeof(a->st), p, "mpx_state");
	a->priority = blk_attr(a->prio, sizeof(a->prio), p, "mpx_priority");
	a->weight = blk_attr(a->wt, sizeof(a->wt), p, "mpx_weight");
	a->queue_depth = blk_attr(a->qd, sizeof(a->qd), p, "queue_depth");
	a->numa_nodes = blk_attr(a->nodes, sizeof(a->nodes), p, "numa_nodes");
	/* Empty means "not meaningful under this policy". */
	if (a->queue_depth && !*a->queue_depth)
		a->queue_depth = NULL;
	if (a->numa_nodes && !*a->numa_nodes)
		a->numa_nodes = NULL;
}

static void show_text_path(const struct mpx_path *p)
{
	struct path_attrs a;
	struct path_stat ps;
	char buf[VAL_LEN];

	path_attrs(p->name, &a);
	path_stat(p->name, &ps);
	printf("    %s %s %s %s %s", p->name, p->ctrl[0] ? p->ctrl : "-",
	       p->transport[0] ? p->transport : "-",
	       p->address[0] ? p->address : "-",
	       p->state[0] ? p->state : "-");
	if (a.ana_state)
		printf(" ana=%s", a.ana_state);
	if (a.ana_grpid)
		printf(" grpid=%s", a.ana_grpid);
	if (a.state)
		printf(" state=%s", a.state);
	if (a.priority)
		printf(" priority=%s", a.priority);
	if (a.weight)
		printf(" weight=%s", a.weight);
	if (a.queue_depth)
		printf(" queue_depth=%s", a.queue_depth);
	if (a.numa_nodes)
		printf(" numa_nodes=%s", a.numa_nodes);
	printf("\n      ios=%llu bytes=%llu inflight=%llu", ps.v[PS_IOS],
	       ps.v[PS_BYTES], ps.v[PS_INFLIGHT]);
	if (ps.have[PS_ERRORS])
		printf(" errors=%llu", ps.v[PS_ERRORS]);
	if (ps.have[PS_FAILOVERS])
		printf(" failovers=%llu", ps.v[PS_FAILOVERS]);
	if (ps.have[PS_LAT])
		printf(" lat_ewma_us=%.1f", ps.v[PS_LAT] / 1000.0);
	if (ps.have_more)
		printf(" stalls=%llu quarantines=%llu", ps.more[0], ps.more[1]);
	if (opt_attr(buf, sizeof(buf), "%s/block/%s/diag/command_retry_count",
		     sysfs_root, p->name))
		printf(" retries=%s", buf);
	putchar('\n');
}

static void show_text_head(const struct mpx_head *h)
{
	struct head_attrs a;
	char buf[VAL_LEN];
	int i, n;

	head_attrs(h->name, &a);
	printf("  %s", h->name);
	if (a.policy)
		printf(" policy=%s%s", a.policy,
		       a.inherited ? " (inherited)" : "");
	if (a.failback)
		printf(" failback=%s", a.failback);
	if (a.preferred)
		printf(" preferred=%s", a.preferred);
	if (a.active)
		printf(" active=%s", a.active);
	if (a.queue)
		printf(" queue_if_no_path=%s", a.queue);
	if (a.multiplex)
		printf(" multiplex=%s", a.multiplex);
	if (a.hedge)
		printf(" hedge=%s", a.hedge);
	if (show_conf && head_alias(show_conf, h->name))
		printf(" alias=%s", head_alias(show_conf, h->name));
	putchar('\n');
	for (i = 0, n = 0; head_knobs[i].name; i++) {
		if (!blk_attr(buf, sizeof(buf), h->name, head_knobs[i].attr))
			continue;
		printf("%s%s=%s", n++ ? " " : "    ", head_knobs[i].key, buf);
	}
	if (n)
		putchar('\n');
	if (a.mpx_stat) {
		unsigned long long v[5];
		int k = split_u64(a.mpx_stat, v, 5);

		if (k >= 3)
			printf("    failovers=%llu requeued=%llu failed_no_path=%llu",
			       v[0], v[1], v[2]);
		if (k >= 4)
			printf(" quiesced=%llu", v[3]);
		if (k >= 5)
			printf(" fo_exhausted=%llu", v[4]);
		if (k >= 3)
			putchar('\n');
	}
	if (a.mux_stat) {
		unsigned long long v[4];

		if (split_u64(a.mux_stat, v, 4) == 4) {
			printf("    multiplexed=%llu mux_degraded=%llu",
			       v[0], v[1]);
			printf(" hedged=%llu hedge_won=%llu\n", v[2], v[3]);
		}
	}
	for (i = 0; head_diag[i]; i++)
		if (opt_attr(buf, sizeof(buf), "%s/block/%s/diag/%s",
			     sysfs_root, h->name, head_diag[i]))
			printf("    %s=%s\n", head_diag[i], buf);
	for (i = 0; i < h->nr_paths; i++)
		show_text_path(&h->paths[i]);
}

static void show_text_subsys(const struct mpx_subsys *s, const char *only_head)
{
	char pol[VAL_LEN];
	int i;

	printf("%s %s\n", s->name, s->nqn);
	if (opt_attr(pol, sizeof(pol), "%s/class/nvme-subsystem/%s/iopolicy",
		     sysfs_root, s->name))
		printf("  iopolicy=%s\n", pol);
	for (i = 0; i < s->nr_heads; i++)
		if (!only_head || !strcmp(only_head, s->heads[i].name))
			show_text_head(&s->heads[i]);
}

/*
 * "key": { name: number, ... } from a line of numbers.  The first @min
 * fields must be there, else the object is null; fields a module does not
 * print yet (it appends new ones at the end) are null.
 */
static void json_stat_obj(int ind, const char *key, const char *line,
			  const char * const *names, int nr, int min, bool last)
{
	unsigned long long v[16];
	int i, n;

	n = line ? split_u64(line, v, nr) : 0;
	if (n < min) {
		json_kv(ind, key, NULL, false, last);
		return;
	}
	printf("%*s\"%s\": {\n", ind, "", key);
	for (i = 0; i < nr; i++) {
		printf("%*s\"%s\": ", ind + 2, "", names[i]);
		if (i < n)
			printf("%llu", v[i]);
		else
			fputs("null", stdout);
		puts(i == nr - 1 ? "" : ",");
	}
	printf("%*s}%s\n", ind, "", last ? "" : ",");
}

static void json_diag(int ind, const char *obj, const char * const *names)
{
	char buf[VAL_LEN];
	int i;

	printf("%*s\"diag\": {\n", ind, "");
	for (i = 0; names[i]; i++)
		json_kv(ind + 2, names[i],
			opt_attr(buf, sizeof(buf), "%s/block/%s/diag/%s",
				 sysfs_root, obj, names[i]),
			true, !names[i + 1]);
	printf("%*s},\n", ind, "");
}

static const char * const path_stat_names[] = {
	"ios", "bytes", "errors", "failovers", "inflight", "lat_ewma_ns",
	"stalls", "quarantines",
};

static const char * const head_stat_names[] = {
	"failovers", "requeued", "failed_no_path", "quiesced", "fo_exhausted",
};

static const char * const mux_stat_names[] = {
	"multiplexed", "degraded", "hedged", "hedge_won",
};

static void show_json_path(const struct mpx_path *p, bool last)
{
	struct path_attrs a;
	struct path_stat ps;
	char buf[VAL_LEN];
	const int i = 10;

	path_attrs(p->name, &a);
	path_stat(p->name, &ps);
	printf("%*s{\n", i - 2, "");
	json_kv(i, "name", p->name, false, false);
	json_kv(i, "controller", p->ctrl[0] ? p->ctrl : NULL, false, false);
	json_kv(i, "transport", p->transport[0] ? p->transport : NULL, false,
		false);
	json_kv(i, "address", p->address[0] ? p->address : NULL, false, false);
	json_kv(i, "ctrl_state", p->state[0] ? p->state : NULL, false, false);
	json_kv(i, "ana_state", a.ana_state, false, false);
	json_kv(i, "ana_grpid", a.ana_grpid, true, false);
	json_kv(i, "state", a.state, false, false);
	json_kv(i, "priority", a.priority, true, false);
	json_kv(i, "weight", a.weight, true, false);
	json_kv(i, "queue_depth", a.queue_depth, true, false);
	json_kv(i, "numa_nodes", a.numa_nodes, false, false);
	printf("%*s\"io\": { \"ios\": %llu, \"bytes\": %llu, \"inflight\": %llu },\n",
	       i, "", ps.v[PS_IOS], ps.v[PS_BYTES], ps.v[PS_INFLIGHT]);
	json_diag(i, p->name, path_diag);
	json_stat_obj(i, "mpx_stat",
		      opt_attr(buf, sizeof(buf), "%s/block/%s/mpx_stat",
			       sysfs_root, p->name),
		      path_stat_names, ARRAY_SIZE(path_stat_names), PS_NR, true);
	printf("%*s}%s\n", i - 2, "", last ? "" : ",");
}

static void show_json_head(const struct mpx_head *h, bool last)
{
	char buf[VAL_LEN];
	struct head_attrs a;
	const int i = 6;
	int j;

	head_attrs(h->name, &a);
	printf("%*s{\n", i - 2, "");
	json_kv(i, "name", h->name, false, false);
	json_kv(i, "alias", show_conf ? head_alias(show_conf, h->name) : NULL,
		false, false);
	json_kv(i, "iopolicy", a.policy, false, false);
	printf("%*s\"iopolicy_inherited\": %s,\n", i, "",
	       a.policy ? (a.inherited ? "true" : "false") : "null");
	json_kv(i, "failback", a.failback, false, false);
	json_kv(i, "preferred", a.preferred, false, false);
	json_kv(i, "active", a.active, false, false);
	json_kv(i, "queue_if_no_path", a.queue, false, false);
	json_kv(i, "multiplex", a.multiplex, false, false);
	json_kv(i, "hedge", a.hedge, false, false);
	for (j = 0; head_knobs[j].name; j++)
		json_kv(i, head_knobs[j].key,
			blk_attr(buf, sizeof(buf), h->name, head_knobs[j].attr),
			!head_knobs[j].word, false);
	json_diag(i, h->name, head_diag);
	json_stat_obj(i, "mpx_stat", a.mpx_stat, head_stat_names,
		      ARRAY_SIZE(head_stat_names), 3, false);
	json_stat_obj(i, "mux_stat", a.mux_stat, mux_stat_names,
		      ARRAY_SIZE(mux_stat_names), 4, false);
	printf("%*s\"paths\": [\n", i, "");
	for (j = 0; j < h->nr_paths; j++)
		show_json_path(&h->paths[j], j == h->nr_paths - 1);
	printf("%*s]\n", i, "");
	printf("%*s}%s\n", i - 2, "", last ? "" : ",");
}

static void show_json_subsys(const struct mpx_subsys *s, const char *only_head,
			     bool last)
{
	char pol[VAL_LEN];
	int j, n = 0, k = 0;

	for (j = 0; j < s->nr_heads; j++)
		if (!only_head || !strcmp(only_head, s->heads[j].name))
			n++;
	printf("    {\n");
	json_kv(6, "name", s->name, false, false);
	json_kv(6, "nqn", s->nqn, false, false);
	json_kv(6, "iopolicy",
		opt_attr(pol, sizeof(pol), "%s/class/nvme-subsystem/%s/iopolicy",
			 sysfs_root, s->name), false, false);
	printf("      \"heads\": [\n");
	for (j = 0; j < s->nr_heads; j++)
		if (!only_head || !strcmp(only_head, s->heads[j].name))
			show_json_head(&s->heads[j], ++k == n);
	printf("      ]\n    }%s\n", last ? "" : ",");
}

static int cmd_show(int argc, char **argv)
{
	const char *obj = NULL, *only_head = NULL, *only_subsys = NULL;
	char name[VAL_LEN];
	struct mpx_topo t = { 0 };
	struct mpx_conf conf;
	bool json = false, config = false;
	int i, n, k, ret, hs, hn;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			json = true;
		else if (!strcmp(argv[i], "--config"))
			config = true;
		else if (argv[i][0] == '-')
			return err(MPX_EXIT_USAGE, "show: unknown option '%s'",
				   argv[i]);
		else if (obj)
			return err(MPX_EXIT_USAGE,
				   "show: one object at most (a head or a subsystem)");
		else
			obj = argv[i];
	}
	if (obj) {
		if (parse_head(strip_dev(obj), &hs, &hn)) {
			ret = get_head(obj, name);
			if (ret)
				return ret;
			only_head = strip_dev(obj);
			snprintf(name, sizeof(name), "nvme-subsys%d", hs);
			only_subsys = name;
		} else {
			ret = get_subsys(obj, name);
			if (ret)
				return ret;
			only_subsys = name;
		}
	}
	if (config)
		return show_config(only_subsys, only_head, json);
	/* Aliases: from a valid file only; show works without one. */
	ret = mpx_conf_load(conf_path, &conf, NULL);
	if (ret == 0)
		show_conf = &conf;
	else if (ret > 0)
		err(0, "warning: %s has errors, aliases not shown (nvme-mpx config check)",
		    conf_path);
	if (ret > 0)
		mpx_conf_free(&conf);

	topo_from_libnvme(&t);
	topo_from_sysfs(&t);

	for (i = 0, n = 0; i < t.nr_subsys; i++)
		if (!only_subsys || !strcmp(only_subsys, t.subsys[i].name))
			n++;
	if (json)
		printf("{\n  \"version\": 1,\n  \"subsystems\": [\n");
	for (i = 0, k = 0; i < t.nr_subsys; i++) {
		if (only_subsys && strcmp(only_subsys, t.subsys[i].name))
			continue;
		if (json)
			show_json_subsys(&t.subsys[i], only_head, ++k == n);
		else
			show_text_subsys(&t.subsys[i], only_head);
	}
	if (json)
		printf("  ]\n}\n");
	topo_free(&t);
	if (show_conf)
		mpx_conf_free(show_conf);
	show_conf = NULL;
	return fflush(stdout) ? MPX_EXIT_INTERNAL : MPX_EXIT_OK;
}

/* ---- setters ------------------------------------------------------------- */

static int write_block_attr(const char *obj, const char *attr, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/block/%s/%s", sysfs_root, obj, attr);
	return attr_write(path, obj, attr, val);
}

static bool known_policy(const char *s)
{
	int i;

	for (i = 0; policies[i]; i++)
		if (!strcmp(s, policies[i]))
			return true;
	return false;
}

static int need_args(int argc, int n, const char *usage)
{
	if (argc - 1 == n)
		return MPX_EXIT_OK;
	return err(MPX_EXIT_USAGE, "usage: nvme-mpx %s", usage);
}

static int cmd_policy(int argc, char **argv)
{
	const char *pol = argv[2];
	char obj[VAL_LEN], path[PATH_MAX];
	bool head;
	int ret, a, b;

	ret = need_args(argc, 2, "policy <subsystem|head> <policy>");
	if (ret)
		return ret;
	head = parse_head(strip_dev(argv[1]), &a, &b);
	if (!head && !subsys_syntax(argv[1]))
		return err(MPX_EXIT_USAGE,
			   "policy: '%s' is neither a head (nvme0n1) nor a subsystem (nvme-subsys0 or NQN)",
			   argv[1]);
	if (!known_policy(pol) && !(head && !strcmp(pol, "inherit")))
		return err(MPX_EXIT_USAGE,
			   "policy: unknown policy '%s' (numa, round-robin, queue-depth, active-standby, service-time, weighted%s)",
			   pol, head ? ", inherit" : "");
	ret = head ? get_head(argv[1], obj) : get_subsys(argv[1], obj);
	if (ret)
		return ret;
	if (head)
		return write_block_attr(obj, "mpx_iopolicy", pol);
	snprintf(path, sizeof(path), "%s/class/nvme-subsystem/%s/iopolicy",
		 sysfs_root, obj);
	return attr_write(path, obj, "iopolicy", pol);
}

/* Is path @p (nvmeXcZnY) one of head @h's (nvmeXnY)? */
static bool path_of_head(const char *p, const char *h)
{
	int ps, pc, pn, hs, hn;

	return parse_path(p, &ps, &pc, &pn) && parse_head(h, &hs, &hn) &&
	       ps == hs && pn == hn;
}

static int cmd_prefer(int argc, char **argv)
{
	char head[VAL_LEN], path[VAL_LEN];
	int ret, a, b, c;

	ret = need_args(argc, 2, "prefer <head> <path|none>");
	if (ret)
		return ret;
	if (strcmp(argv[2], "none") &&
	    !parse_path(strip_dev(argv[2]), &a, &b, &c))
		return err(MPX_EXIT_USAGE,
			   "prefer: '%s' is not a path (like nvme0c1n1) or 'none'",
			   argv[2]);
	ret = get_head(argv[1], head);
	if (ret)
		return ret;
	if (!strcmp(argv[2], "none")) {
		copy(path, "none", NAME_LEN);
	} else {
		if (!path_of_head(strip_dev(argv[2]), head))
			return err(MPX_EXIT_USAGE,
				   "prefer: %s is not a path of %s",
				   strip_dev(argv[2]), head);
		ret = get_path(argv[2], path);
		if (ret)
			return ret;
	}
	return write_block_attr(head, "mpx_preferred", path);
}

static int cmd_state(int argc, char **argv)
{
	char path[VAL_LEN], usage[64];
	int ret;

	snprintf(usage, sizeof(usage), "%s <path>", argv[0]);
	ret = need_args(argc, 1, usage);
	if (ret)
		return ret;
	ret = get_path(argv[1], path);
	if (ret)
		return ret;
	return write_block_attr(path, "mpx_state", argv[0]);
}

static int cmd_number(int argc, char **argv, const char *attr, long lo,
		      long hi)
{
	char path[VAL_LEN], usage[64], val[16];
	long v;
	int ret;

	snprintf(usage, sizeof(usage), "%s <path> <%ld-%ld>", argv[0], lo, hi);
	ret = need_args(argc, 2, usage);
	if (ret)
		return ret;
	if (!mpx_parse_range(argv[2], lo, hi, &v))
		return err(MPX_EXIT_USAGE, "%s: '%s' is not a number from %ld to %ld",
			   argv[0], argv[2], lo, hi);
	ret = get_path(argv[1], path);
	if (ret)
		return ret;
	snprintf(val, sizeof(val), "%ld", v);
	return write_block_attr(path, attr, val);
}

static int cmd_failback(int argc, char **argv)
{
	char head[VAL_LEN];
	long v;
	int ret;

	ret = need_args(argc, 2,
			"failback <head> immediate|manual|followover|<seconds 1-86400>");
	if (ret)
		return ret;
	if (strcmp(argv[2], "immediate") && strcmp(argv[2], "manual") &&
	    strcmp(argv[2], "followover") &&
	    !mpx_parse_range(argv[2], 1, 86400, &v))
		return err(MPX_EXIT_USAGE,
			   "failback: '%s' is not immediate, manual, followover or seconds from 1 to 86400",
			   argv[2]);
	ret = get_head(argv[1], head);
	if (ret)
		return ret;
	return write_block_attr(head, "mpx_failback", argv[2]);
}

static int cmd_qnp(int argc, char **argv)
{
	char head[VAL_LEN];
	long v;
	int ret;

	ret = need_args(argc, 2,
			"queue-if-no-path <head> auto|fail|forever|<seconds 0-86400>");
	if (ret)
		return ret;
	if (strcmp(argv[2], "auto") && strcmp(argv[2], "fail") &&
	    strcmp(argv[2], "forever") && !mpx_parse_range(argv[2], 0, 86400, &v))
		return err(MPX_EXIT_USAGE,
			   "queue-if-no-path: '%s' is not auto, fail, forever or seconds from 0 to 86400",
			   argv[2]);
	ret = get_head(argv[1], head);
	if (ret)
		return ret;
	return write_block_attr(head, "mpx_queue_if_no_path", argv[2]);
}

static int cmd_tune(int argc, char **argv)
{
	const struct head_knob *k;
	char head[VAL_LEN];
	long v;
	int ret;

	ret = need_args(argc, 3, "tune <head> <knob> <value>");
	if (ret)
		return ret;
	for (k = head_knobs; k->name; k++)
		if (!strcmp(k->name, argv[2]))
			break;
	if (!k->name)
		return err(MPX_EXIT_USAGE,
			   "tune: unknown knob '%s' (write-quiesce-ms, stall-mult, stall-min-ms, stall-max-ms, flap-limit, flap-window-secs, flap-hold-secs)",
			   argv[2]);
	if (!(k->word && !strcmp(argv[3], k->word)) &&
	    !mpx_parse_range(argv[3], k->lo, k->hi, &v))
		return err(MPX_EXIT_USAGE, "tune: %s takes %s%s%ld to %ld, not '%s'",
			   k->name, k->word ? k->word : "",
			   k->word ? " or " : "", k->lo, k->hi, argv[3]);
	ret = get_head(argv[1], head);
	if (ret)
		return ret;
	return write_block_attr(head, k->attr, argv[3]);
}

/*
 * multiplex writes mpx_multiplex: "none", "all" or comma-separated LBA
 * ranges START-END, which the kernel parses, sorts and checks against the
 * namespace: accept one printable word and let the kernel judge it.
 */
static int cmd_word(int argc, char **argv, const char *attr)
{
	char head[VAL_LEN], usage[64];
	const char *s;
	int ret;

	snprintf(usage, sizeof(usage), "%s <head> <value>", argv[0]);
	ret = need_args(argc, 2, usage);
	if (ret)
		return ret;
	for (s = argv[2]; *s; s++)
		if (!isgraph((unsigned char)*s))
			break;
	if (!argv[2][0] || *s || strlen(argv[2]) > WORD_LEN)
		return err(MPX_EXIT_USAGE,
			   "%s: '%.64s%s' is not a single word of at most %d characters",
			   argv[0], argv[2], strlen(argv[2]) > 64 ? "..." : "",
			   WORD_LEN);
	ret = get_head(argv[1], head);
	if (ret)
		return ret;
	return write_block_attr(head, attr, argv[2]);
}

/* Write 0 to each counter @names of @obj that exists; *found counts them. */
static int reset_diag(const char *obj, const char * const *names, int *found)
{
	char attr[NAME_LEN * 2];
	int i, ret, worst = MPX_EXIT_OK;

	for (i = 0; names[i]; i++) {
		snprintf(attr, sizeof(attr), "diag/%s", names[i]);
		if (!path_exists("%s/block/%s/%s", sysfs_root, obj, attr))
			continue;
		(*found)++;
		ret = write_block_attr(obj, attr, "0");
		if (ret && !worst)
			worst = ret;
	}
	return worst;
}

static int cmd_reset_stats(int argc, char **argv)
{
	struct mpx_head h = { 0 };
	char obj[VAL_LEN];
	int ret, a, b, i, found = 0, worst;

	ret = need_args(argc, 1, "reset-stats <path|head>");
	if (ret)
		return ret;
	if (parse_head(strip_dev(argv[1]), &a, &b)) {
		ret = get_head(argv[1], obj);
		if (ret)
			return ret;
		worst = reset_diag(obj, head_diag, &found);
		copy(h.name, obj, sizeof(h.name));
		head_paths_sysfs(&h);
		for (i = 0; i < h.nr_paths; i++) {
			ret = reset_diag(h.paths[i].name, path_diag, &found);
			if (ret && !worst)
				worst = ret;
		}
		free(h.paths);
	} else {
		ret = get_path(argv[1], obj);
		if (ret)
			return ret;
		worst = reset_diag(obj, path_diag, &found);
	}
	if (!found)
		return err(MPX_EXIT_NOTSUP,
			   "%s: resettable counters (diag/) are not supported by the loaded nvme-mpx module",
			   obj);
	return worst;
}

/* ---- stats --------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void stats_header(bool rate)
{
	printf("%-14s %-8s %10s %10s %8s %10s %8s %9s\n", "path", "state",
	       rate ? "io/s" : "ios", rate ? "MiB/s" : "MiB", "inflight",
	       "lat_us", "errors", "failovers");
}

static void col_u(int w, bool have, unsigned long long v)
{
	if (have)
		printf(" %*llu", w, v);
	else
		printf(" %*s", w, "-");
}

static void stats_row(const struct mpx_path *p, const struct path_stat *now,
		      const struct path_stat *prev, double dt)
{
	char state[NAME_LEN];
	double ios, mib;

	if (attr_readf(state, sizeof(state), "%s/block/%s/mpx_state",
		       sysfs_root, p->name))
		copy(state, p->state[0] ? p->state : "-", sizeof(state));
	printf("%-14s %-8s", p->name, state);
	if (prev) {
		ios = (now->v[PS_IOS] - prev->v[PS_IOS]) / dt;
		mib = (now->v[PS_BYTES] - prev->v[PS_BYTES]) / dt / 1048576.0;
		printf(" %10.1f %10.2f", ios, mib);
	} else {
		printf(" %10llu %10.1f", now->v[PS_IOS],
		       now->v[PS_BYTES] / 1048576.0);
	}
	col_u(8, now->have[PS_INFLIGHT], now->v[PS_INFLIGHT]);
	if (now->have[PS_LAT])
		printf(" %10.1f", now->v[PS_LAT] / 1000.0);
	else
		printf(" %10s", "-");
	col_u(8, now->have[PS_ERRORS], now->v[PS_ERRORS] -
	      (prev ? prev->v[PS_ERRORS] : 0));
	col_u(9, now->have[PS_FAILOVERS], now->v[PS_FAILOVERS] -
	      (prev ? prev->v[PS_FAILOVERS] : 0));
	putchar('\n');
}

static int cmd_stats(int argc, char **argv)
{
	struct path_stat *prev = NULL, *cur = NULL;
	struct mpx_head h = { 0 };
	const char *obj = NULL;
	char head[VAL_LEN];
	bool watch = false;
	long secs = 1, count = 0, n = 0;
	double t0, t1;
	sigset_t sigs;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--watch") || !strcmp(argv[i], "-w")) {
			watch = true;
			/* An optional interval: a head name never starts with a digit. */
			if (i + 1 < argc && isdigit((unsigned char)argv[i + 1][0])) {
				if (!mpx_parse_range(argv[i + 1], 1, 3600, &secs))
					return err(MPX_EXIT_USAGE,
						   "stats: --watch takes seconds from 1 to 3600, not '%s'",
						   argv[i + 1]);
				i++;
			}
		} else if (!strcmp(argv[i], "--count") ||
			   !strcmp(argv[i], "-c")) {
			if (i + 1 >= argc || !mpx_parse_range(argv[i + 1], 1,
							      1000000, &count))
				return err(MPX_EXIT_USAGE,
					   "stats: --count takes a number of reports");
			i++;
		} else if (argv[i][0] == '-') {
			return err(MPX_EXIT_USAGE, "stats: unknown option '%s'",
				   argv[i]);
		} else if (obj) {
			return err(MPX_EXIT_USAGE,
				   "usage: nvme-mpx stats [--watch [secs]] [--count N] <head>");
		} else {
			obj = argv[i];
		}
	}
	if (!obj)
		return err(MPX_EXIT_USAGE,
			   "usage: nvme-mpx stats [--watch [secs]] [--count N] <head>");
	if (count && !watch)
		return err(MPX_EXIT_USAGE, "stats: --count needs --watch");
	ret = get_head(obj, head);
	if (ret)
		return ret;
	copy(h.name, head, sizeof(h.name));
	head_paths_sysfs(&h);
	ret = MPX_EXIT_OK;
	sort(h.paths, h.nr_paths, sizeof(*h.paths), cmp_path);
	if (!h.nr_paths) {
		free(h.paths);
		return err(MPX_EXIT_NOTFOUND, "%s: has no paths", head);
	}
	prev = calloc(h.nr_paths, sizeof(*prev));
	cur = calloc(h.nr_paths, sizeof(*cur));
	if (!prev || !cur) {
		ret = err(MPX_EXIT_INTERNAL, "out of memory");
		goto out;
	}
	for (i = 0; i < h.nr_paths; i++)
		path_stat(h.paths[i].name, &prev[i]);
	if (!watch) {
		printf("%s: totals since the paths appeared (ios, MiB)\n",
		       head);
		stats_header(false);
		for (i = 0; i < h.nr_paths; i++)
			stats_row(&h.paths[i], &prev[i], NULL, 1);
		goto out;
	}
	/* Interrupted by a signal, stop after the last complete report. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	t0 = now_s();
	while (!count || n < count) {
		struct timespec ts = { .tv_sec = secs };

		if (sigtimedwait(&sigs, NULL, &ts) > 0)
			break;
		t1 = now_s();
		for (i = 0; i < h.nr_paths; i++)
			path_stat(h.paths[i].name, &cur[i]);
		printf("%s: rates over %.1f s; errors, failovers: in the interval\n",
		       head, t1 - t0);
		stats_header(true);
		for (i = 0; i < h.nr_paths; i++)
			stats_row(&h.paths[i], &cur[i], &prev[i], t1 - t0);
		putchar('\n');
		fflush(stdout);
		memcpy(prev, cur, h.nr_paths * sizeof(*cur));
		t0 = t1;
		n++;
	}
out:
	free(prev);
	free(cur);
	free(h.paths);
	return ret;
}

/* ---- configuration -------------------------------------------------------- */

/*
 * Load the configuration into @c.  A missing default file is an empty
 * configuration (the built-in table still applies); a file named with -c
 * or $NVME_MPX_CONF must exist.  Returns an exit code; on errors @c is
 * freed and nothing may be applied.
 */
static int conf_load(struct mpx_conf *c, const char *path, bool must_exist)
{
	int ret = mpx_conf_load(path, c, stderr);

	if (ret == -ENOENT && !must_exist)
		return MPX_EXIT_OK;
	if (ret == -ENOENT)
		return err(MPX_EXIT_NOTFOUND, "%s: no such file", path);
	if (ret < 0)
		return err(MPX_EXIT_INTERNAL, "%s: cannot read: %s", path,
			   strerror(-ret));
	if (ret > 0) {
		mpx_conf_free(c);
		return err(MPX_EXIT_CONFIG, "%s: %d error%s", path, ret,
			   ret > 1 ? "s" : "");
	}
	return MPX_EXIT_OK;
}

struct subsys_facts {
	char nqn[VAL_LEN], model[VAL_LEN], serial[VAL_LEN];
	struct mpx_subsys_id id;
};

static void subsys_facts(const char *name, struct subsys_facts *f)
{
	const char *d = "class/nvme-subsystem";

	f->id.nqn = opt_attr(f->nqn, sizeof(f->nqn), "%s/%s/%s/subsysnqn",
			     sysfs_root, d, name);
	f->id.model = opt_attr(f->model, sizeof(f->model), "%s/%s/%s/model",
			       sysfs_root, d, name);
	f->id.serial = opt_attr(f->serial, sizeof(f->serial),
				"%s/%s/%s/serial", sysfs_root, d, name);
}

struct head_facts {
	char nguid[VAL_LEN], eui[VAL_LEN], uuid[VAL_LEN];
	struct mpx_head_id id;
};

static void head_facts(const char *head, struct head_facts *f)
{
	f->id.nguid = blk_attr(f->nguid, sizeof(f->nguid), head, "nguid");
	f->id.eui64 = blk_attr(f->eui, sizeof(f->eui), head, "eui");
	f->id.uuid = blk_attr(f->uuid, sizeof(f->uuid), head, "uuid");
}

/* The configured alias of @head, or NULL. */
static const char *head_alias(const struct mpx_conf *c, const char *head)
{
	char subsys[NAME_LEN];
	struct subsys_facts sf;
	struct head_facts hf;
	struct mpx_eff e;
	int a, b;

	if (!parse_head(head, &a, &b))
		return NULL;
	snprintf(subsys, sizeof(subsys), "nvme-subsys%d", a);
	subsys_facts(subsys, &sf);
	head_facts(head, &hf);
	mpx_conf_resolve(c, &sf.id, &hf.id, &e);
	return e.alias;
}

/*
 * What apply wrote: RUN_DIR/OBJ holds "ATTR\tWANTED\tREAD_BACK" lines for
 * the knobs the configuration set on object OBJ at the last apply.
 */
struct rec_ent {
	char attr[NAME_LEN];
	char want[WORD_LEN + 2];
	char got[WORD_LEN + 2];
};

struct rec {
	struct rec_ent *e;
	int nr;
};

static void rec_add(struct rec *r, const char *attr, const char *want,
		    const char *got)
{
	struct rec_ent *e;

	r->e = grow(r->e, r->nr, sizeof(*r->e));
	e = &r->e[r->nr++];
	copy(e->attr, attr, sizeof(e->attr));
	copy(e->want, want, sizeof(e->want));
	copy(e->got, got, sizeof(e->got));
}

static void rec_load(const char *obj, struct rec *r)
{
	char path[PATH_MAX], *line = NULL, *a, *w, *g;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/%s", run_dir, obj);
	f = fopen(path, "re");
	if (!f)
		return;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		a = line;
		w = strchr(a, '\t');
		if (!w)
			continue;
		*w++ = '\0';
		g = strchr(w, '\t');
		if (!g)
			continue;
		*g++ = '\0';
		rec_add(r, a, w, g);
	}
	free(line);
	fclose(f);
}

static const struct rec_ent *rec_find(const struct rec *r, const char *attr)
{
	int i;

	for (i = 0; i < r->nr; i++)
		if (!strcmp(r->e[i].attr, attr))
			return &r->e[i];
	return NULL;
}

/* Replace RUN_DIR/OBJ with @r; a failure only costs the manual detection. */
static void rec_save(const char *obj, const struct rec *r)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	FILE *f;
	int i;

	if (mkdir(run_dir, 0755) && errno != EEXIST)
		goto fail;
	snprintf(path, sizeof(path), "%s/%s", run_dir, obj);
	/* udev runs apply for a head and its subsystem at once: own names. */
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	f = fopen(tmp, "we");
	if (!f)
		goto fail;
	for (i = 0; i < r->nr; i++)
		fprintf(f, "%s\t%s\t%s\n", r->e[i].attr, r->e[i].want,
			r->e[i].got);
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		goto fail;
	}
	return;
fail:
	err(0,
	    "warning: cannot record what was applied in %s: %s (show --config cannot tell manual changes)",
	    run_dir, strerror(errno));
}

/* Does sysfs value @cur already say @want? */
static bool same_value(const char *cur, const char *want)
{
	size_t n = strlen(cur), k = strlen(" (inherited)");

	if (!strcmp(cur, want))
		return true;
	return !strcmp(want, "inherit") && n > k &&
	       !strcmp(cur + n - k, " (inherited)");
}

/* Is @cur what the last apply left for @want? */
static bool rec_says(const struct rec_ent *re, const char *want,
		     const char *cur)
{
	return re && !strcmp(re->want, want) && !strcmp(re->got, cur);
}

/* The first path of @h whose controller matches selector @sel. */
static const struct mpx_path *pathsel_find(const struct mpx_head *h,
					   const char *sel)
{
	struct mpx_path_id id;
	int i;

	for (i = 0; i < h->nr_paths; i++) {
		id.transport = h->paths[i].transport;
		id.address = h->paths[i].address;
		if (mpx_conf_pathsel_match(sel, &id))
			return &h->paths[i];
	}
	return NULL;
}

/* ---- apply -------------------------------------------------------------------- */

struct apply {
	int written, unchanged, failed, skipped;
	int worst;
};

static void apply_fail(struct apply *a, int code)
{
	a->failed++;
	if (!a->worst)
		a->worst = code;
}

/*
 * Set attribute @attr of @obj (at @path) to @want unless it already is;
 * record what it reads back in @nw.
 */
static void apply_knob(struct apply *a, const char *obj, const char *path,
		       const char *attr, const char *want,
		       const struct rec *old, struct rec *nw)
{
	static char cur[WORD_LEN + 2], got[WORD_LEN + 2];
	int ret;

	ret = attr_read(path, cur, sizeof(cur));
	if (ret == -ENOENT) {
		apply_fail(a, err(MPX_EXIT_NOTSUP,
				  "%s: %s is not supported by the loaded nvme-mpx module (no %s)",
				  obj, attr, path));
		return;
	}
	if (ret) {
		apply_fail(a, err(MPX_EXIT_INTERNAL, "%s: cannot read %s: %s",
				  obj, path, strerror(-ret)));
		return;
	}
	if (same_value(cur, want) || rec_says(rec_find(old, attr), want, cur)) {
		a->unchanged++;
		rec_add(nw, attr, want, cur);
		return;
	}
	ret = attr_write(path, obj, attr, want);
	if (ret) {
		apply_fail(a, ret);
		return;
	}
	if (attr_read(path, got, sizeof(got)))
		copy(got, want, sizeof(got));
	printf("%s: %s %s (was %s)\n", obj, attr, want, cur);
	a->written++;
	rec_add(nw, attr, want, got);
}

/*
 * The order head knobs are written in: the kernel checks the stall floor
 * against the ceiling, so a rising pair writes the ceiling first.
 */
static void head_knob_order(const struct mpx_eff *e, const char *head,
			    int *order)
{
	char buf[NAME_LEN];
	long mn = 0, mx;
	int i, n = 0;

	for (i = 0; i < MPX_K_HEAD_NR; i++)
		order[n++] = i;
	if (!e->val[MPX_K_STALL_MIN] || !e->val[MPX_K_STALL_MAX])
		return;
	mx = atol(e->val[MPX_K_STALL_MAX]);
	if (blk_attr(buf, sizeof(buf), head, "mpx_stall_min_ms"))
		mn = atol(buf);
	if (!mx || mx >= mn) {
		order[MPX_K_STALL_MIN] = MPX_K_STALL_MAX;
		order[MPX_K_STALL_MAX] = MPX_K_STALL_MIN;
	}
}

static void apply_head(struct apply *a, const struct mpx_conf *c,
		       const struct subsys_facts *sf, const struct mpx_head *h)
{
	int order[MPX_K_HEAD_NR], i, j, k;
	const struct mpx_path *p;
	struct head_facts hf;
	struct mpx_path_id pid;
	struct mpx_eff e, pe;
	struct rec old, nw;
	char path[PATH_MAX];
	const char *want;

	/* A namespace that is not shared has no head of ours: nothing to set. */
	if (!path_exists("%s/block/%s/mpx_iopolicy", sysfs_root, h->name)) {
		if (verbose)
			err(0, "%s: not an nvme-mpx head, skipped", h->name);
		a->skipped++;
		return;
	}
	head_facts(h->name, &hf);
	mpx_conf_resolve(c, &sf->id, &hf.id, &e);
	head_knob_order(&e, h->name, order);
	rec_load(h->name, &old);
	memset(&nw, 0, sizeof(nw));
	for (i = 0; i < MPX_K_HEAD_NR; i++) {
		k = order[i];
		want = e.val[k];
		if (!want)
			continue;
		/* Above the head level iopolicy is the subsystem's. */
		if (k == MPX_K_IOPOLICY && e.origin[k] != MPX_O_HEAD)
			continue;
		if (k == MPX_K_PREFERRED && strcmp(want, "none")) {
			p = pathsel_find(h, want);
			if (!p) {
				printf("%s: preferred: no path matches %s (yet)\n",
				       h->name, want);
				a->skipped++;
				continue;
			}
			want = p->name;
		}
		snprintf(path, sizeof(path), "%s/block/%s/%s", sysfs_root,
			 h->name, mpx_knobs[k].attr);
		apply_knob(a, h->name, path, mpx_knobs[k].attr, want, &old,
			   &nw);
	}
	rec_save(h->name, &nw);
	free(old.e);
	free(nw.e);

	for (j = 0; j < h->nr_paths; j++) {
		p = &h->paths[j];
		pid.transport = p->transport;
		pid.address = p->address;
		mpx_conf_resolve_path(c, &sf->id, &pid, &pe);
		rec_load(p->name, &old);
		memset(&nw, 0, sizeof(nw));
		for (k = MPX_K_HEAD_NR; k < MPX_K_NR; k++) {
			if (!pe.val[k])
				continue;
			snprintf(path, sizeof(path), "%s/block/%s/%s",
				 sysfs_root, p->name, mpx_knobs[k].attr);
			apply_knob(a, p->name, path, mpx_knobs[k].attr,
				   pe.val[k], &old, &nw);
		}
		rec_save(p->name, &nw);
		free(old.e);
		free(nw.e);
	}
}

/* Heads of @s to apply: all, one (@head), or those through @ctrl. */
static bool head_wanted(const struct mpx_head *h, const char *head,
			const char *ctrl)
{
	int i;

	if (head)
		return !strcmp(h->name, head);
	if (!ctrl)
		return true;
	for (i = 0; i < h->nr_paths; i++)
		if (!strcmp(h->paths[i].ctrl, ctrl))
			return true;
	return false;
}

static void apply_subsys(struct apply *a, const struct mpx_conf *c,
			 const struct mpx_subsys *s, const char *head,
			 const char *ctrl)
{
	struct subsys_facts sf;
	struct rec old, nw;
	char path[PATH_MAX];
	struct mpx_eff e;
	int i;

	if (ctrl) {
		for (i = 0; i < s->nr_heads; i++)
			if (head_wanted(&s->heads[i], NULL, ctrl))
				break;
		if (i == s->nr_heads)
			return;
	}
	subsys_facts(s->name, &sf);
	if (mpx_conf_blacklisted(c, &sf.id)) {
		printf("%s: blacklisted, left alone\n", s->name);
		a->skipped++;
		return;
	}
	mpx_conf_resolve(c, &sf.id, NULL, &e);
	rec_load(s->name, &old);
	memset(&nw, 0, sizeof(nw));
	if (e.subsys_iopolicy) {
		snprintf(path, sizeof(path), "%s/class/nvme-subsystem/%s/iopolicy",
			 sysfs_root, s->name);
		apply_knob(a, s->name, path, "iopolicy", e.subsys_iopolicy,
			   &old, &nw);
	}
	rec_save(s->name, &nw);
	free(old.e);
	free(nw.e);
	for (i = 0; i < s->nr_heads; i++)
		if (head_wanted(&s->heads[i], head, ctrl))
			apply_head(a, c, &sf, &s->heads[i]);
}

/* "nvmeN": a controller. */
static bool parse_ctrl(const char *s)
{
	int n = 0, i;

	return sscanf(s, "nvme%u%n", &i, &n) == 1 && n > 4 && !s[n] &&
	       isdigit((unsigned char)s[4]);
}

/*
 * Resolve the object argument of apply / show --config: a subsystem, a
 * head, a path (its head) or a controller (apply only).  Fills the
 * subsystem (or "" for all), head and controller names.
 */
static int conf_target(const char *arg, bool ctrl_ok, char *subsys,
		       char *head, char *ctrl)
{
	const char *s = strip_dev(arg);
	int a, b, c, ret;

	subsys[0] = '\0';
	head[0] = '\0';
	ctrl[0] = '\0';
	if (parse_head(s, &a, &b)) {
		ret = get_head(arg, head);
		if (ret)
			return ret;
		snprintf(subsys, NAME_LEN, "nvme-subsys%d", a);
		return MPX_EXIT_OK;
	}
	if (parse_path(s, &a, &b, &c)) {
		ret = get_path(arg, head);
		if (ret)
			return ret;
		snprintf(head, NAME_LEN, "nvme%dn%d", a, c);
		snprintf(subsys, NAME_LEN, "nvme-subsys%d", a);
		return MPX_EXIT_OK;
	}
	if (ctrl_ok && name_ok(s) && parse_ctrl(s)) {
		if (!path_exists("%s/class/nvme/%s", sysfs_root, s))
			return err(MPX_EXIT_NOTFOUND, "%s: no such controller",
				   s);
		copy(ctrl, s, NAME_LEN);
		return MPX_EXIT_OK;
	}
	if (subsys_syntax(arg))
		return get_subsys(arg, subsys);
	return err(MPX_EXIT_USAGE,
		   "'%s' is not a head, path, subsystem%s", arg,
		   ctrl_ok ? " or controller (nvme0)" : "");
}

static int cmd_apply(int argc, char **argv)
{
	char subsys[VAL_LEN], head[NAME_LEN], ctrl[NAME_LEN];
	struct mpx_topo t = { 0 };
	struct apply a = { 0 };
	struct mpx_conf c;
	int i, ret;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return err(MPX_EXIT_USAGE,
			   "usage: nvme-mpx apply [head|path|subsystem|controller]");
	subsys[0] = '\0';
	head[0] = '\0';
	ctrl[0] = '\0';
	if (argc == 2) {
		ret = conf_target(argv[1], true, subsys, head, ctrl);
		if (ret)
			return ret;
	}
	ret = conf_load(&c, conf_path, conf_given);
	if (ret)
		return ret == MPX_EXIT_CONFIG ?
		       err(ret, "nothing applied: fix the file ('nvme-mpx config check')") :
		       ret;
	topo_from_sysfs(&t);
	for (i = 0; i < t.nr_subsys; i++)
		if (!subsys[0] || !strcmp(subsys, t.subsys[i].name))
			apply_subsys(&a, &c, &t.subsys[i], head[0] ? head : NULL,
				     ctrl[0] ? ctrl : NULL);
	topo_free(&t);
	mpx_conf_free(&c);
	printf("apply: %d written, %d unchanged, %d failed, %d skipped\n",
	       a.written, a.unchanged, a.failed, a.skipped);
	if (fflush(stdout))
		return MPX_EXIT_INTERNAL;
	return a.worst;
}

/* ---- config check, show --config ----------------------------------------- */

static int cmd_config(int argc, char **argv)
{
	const char *file = conf_path;
	struct mpx_conf c;
	int ret, i, n[MPX_S_NR + 1] = { 0 };

	if (argc < 2 || strcmp(argv[1], "check") || argc > 3)
		return err(MPX_EXIT_USAGE, "usage: nvme-mpx config check [FILE]");
	if (argc == 3)
		file = argv[2];
	ret = conf_load(&c, file, true);
	if (ret)
		return ret;
	for (i = 0; i < c.nr_blocks; i++)
		n[c.blocks[i].sect]++;
	printf("%s: OK: %d defaults, %d blacklist, %d blacklist_exceptions,",
	       file, n[MPX_S_DEFAULTS], n[MPX_S_BLACKLIST], n[MPX_S_EXCEPTIONS]);
	printf(" %d array, %d head, %d path", n[MPX_S_ARRAY], n[MPX_S_HEAD],
	       n[MPX_S_PATH]);
	printf(" sections; %d built-in array entries\n", mpx_nr_builtin_arrays);
	mpx_conf_free(&c);
	return MPX_EXIT_OK;
}

/* One knob's effective state as show --config reports it. */
struct kstat {
	const char *value;		/* in sysfs, NULL: absent */
	enum mpx_origin origin;		/* MANUAL when changed by hand */
	enum mpx_origin level;		/* where the configured value is from */
	const char *configured;		/* NULL: not configured */
	int line;
	const char *source;
	bool pending;			/* configured, not applied yet */
};

/* @want is what apply would write (the preferred path's name). */
static void knob_status(struct kstat *k, const char *cur, const char *want,
			const struct rec_ent *re)
{
	k->value = cur;
	k->origin = k->configured ? k->level : MPX_O_NONE;
	if (cur && re && strcmp(re->got, cur))
		k->origin = MPX_O_MANUAL;
	k->pending = want && cur && k->origin != MPX_O_MANUAL &&
		     !same_value(cur, want) && !rec_says(re, want, cur);
}

static void kstat_text(const char *name, const struct kstat *k)
{
	printf("    %-22s %-20s %s", name, k->value ? k->value : "-",
	       mpx_origin_name(k->origin));
	if (k->origin == MPX_O_MANUAL && k->configured)
		printf(" (configured: %s, %s", k->configured,
		       mpx_origin_name(k->level));
	else if (k->origin == MPX_O_MANUAL)
		printf(" (not configured");
	else if (k->configured)
		printf(" (");
	if (k->configured && k->line)
		printf("%sline %d", k->origin == MPX_O_MANUAL ? " " : "",
		       k->line);
	else if (k->configured && k->source)
		printf("%s%s", k->origin == MPX_O_MANUAL ? ", " : "",
		       k->source);
	if (k->configured || k->origin == MPX_O_MANUAL)
		putchar(')');
	if (!k->value && k->configured)
		printf(" not supported by the loaded module");
	else if (k->pending)
		printf(" not applied: %s wanted", k->configured);
	putchar('\n');
}

static void kstat_json(int ind, const char *name, const struct kstat *k,
		       bool last)
{
	printf("%*s\"%s\": { \"value\": ", ind, "", name);
	if (k->value)
		json_str(k->value);
	else
		fputs("null", stdout);
	printf(", \"origin\": \"%s\", \"configured\": ",
	       mpx_origin_name(k->origin));
	if (k->configured)
		json_str(k->configured);
	else
		fputs("null", stdout);
	printf(", \"level\": ");
	if (k->configured)
		printf("\"%s\"", mpx_origin_name(k->level));
	else
		fputs("null", stdout);
	if (k->configured && k->line)
		printf(", \"line\": %d", k->line);
	else
		printf(", \"line\": null");
	printf(", \"source\": ");
	if (k->configured && k->source)
		json_str(k->source);
	else
		fputs("null", stdout);
	printf(", \"pending\": %s }%s\n", k->pending ? "true" : "false",
	       last ? "" : ",");
}

static void kstat_out(bool json, int ind, const char *name,
		      const struct kstat *k, bool last)
{
	if (json)
		kstat_json(ind, name, k, last);
	else
		kstat_text(name, k);
}

/* The state of head knob @k of @h under resolution @e. */
static void head_kstat(const struct mpx_head *h, const struct mpx_eff *e,
		       const struct kstat *subsys_pol, const struct rec *rec,
		       int k, struct kstat *ks, char *buf, size_t len)
{
	const char *cur, *want = e->val[k];
	const struct mpx_path *p;
	size_t n;

	memset(ks, 0, sizeof(*ks));
	cur = blk_attr(buf, len, h->name, mpx_knobs[k].attr);
	if (k == MPX_K_IOPOLICY && e->origin[k] != MPX_O_HEAD) {
		/* Inherited from the subsystem, or set on the head by hand. */
		n = cur ? strlen(cur) : 0;
		*ks = *subsys_pol;
		ks->value = cur;
		if (n > 12 && !strcmp(cur + n - 12, " (inherited)"))
			return;
		if (cur) {
			ks->origin = MPX_O_MANUAL;
			ks->pending = false;
		}
		return;
	}
	ks->configured = want;
	ks->level = e->origin[k];
	ks->line = e->line[k];
	ks->source = e->source[k];
	if (k == MPX_K_PREFERRED && want && strcmp(want, "none")) {
		p = pathsel_find(h, want);
		want = p ? p->name : NULL;
	}
	knob_status(ks, cur, want, rec_find(rec, mpx_knobs[k].attr));
}

static void show_config_head(const struct mpx_conf *c,
			     const struct subsys_facts *sf,
			     const struct mpx_head *h,
			     const struct kstat *subsys_pol, bool json,
			     bool last)
{
	static char buf[WORD_LEN + 2];
	const struct mpx_path *p;
	struct mpx_path_id pid;
	struct head_facts hf;
	struct mpx_eff e, pe;
	struct kstat ks;
	struct rec rec;
	int k, j;

	head_facts(h->name, &hf);
	mpx_conf_resolve(c, &sf->id, &hf.id, &e);
	rec_load(h->name, &rec);
	if (json) {
		printf("      {\n        \"name\": \"%s\",\n        \"alias\": ",
		       h->name);
		if (e.alias)
			json_str(e.alias);
		else
			fputs("null", stdout);
		printf(",\n        \"knobs\": {\n");
	} else {
		printf("  %s%s%s\n", h->name, e.alias ? " alias=" : "",
		       e.alias ? e.alias : "");
	}
	for (k = 0; k < MPX_K_HEAD_NR; k++) {
		head_kstat(h, &e, subsys_pol, &rec, k, &ks, buf, sizeof(buf));
		kstat_out(json, 10, mpx_knobs[k].name, &ks,
			  k == MPX_K_HEAD_NR - 1);
	}
	free(rec.e);
	if (json)
		printf("        },\n        \"paths\": [\n");
	for (j = 0; j < h->nr_paths; j++) {
		p = &h->paths[j];
		pid.transport = p->transport;
		pid.address = p->address;
		mpx_conf_resolve_path(c, &sf->id, &pid, &pe);
		rec_load(p->name, &rec);
		if (json)
			printf("          { \"name\": \"%s\", \"knobs\": {\n",
			       p->name);
		else
			printf("   path %s\n", p->name);
		for (k = MPX_K_HEAD_NR; k < MPX_K_NR; k++) {
			memset(&ks, 0, sizeof(ks));
			ks.configured = pe.val[k];
			ks.level = pe.origin[k];
			ks.line = pe.line[k];
			knob_status(&ks, blk_attr(buf, sizeof(buf), p->name,
						  mpx_knobs[k].attr),
				    pe.val[k], rec_find(&rec, mpx_knobs[k].attr));
			kstat_out(json, 14, mpx_knobs[k].name, &ks,
				  k == MPX_K_NR - 1);
		}
		free(rec.e);
		if (json)
			printf("          } }%s\n",
			       j == h->nr_paths - 1 ? "" : ",");
	}
	if (json)
		printf("        ]\n      }%s\n", last ? "" : ",");
}

static void show_config_subsys(const struct mpx_conf *c,
			       const struct mpx_subsys *s, const char *head,
			       bool json, bool last)
{
	char cur[VAL_LEN];
	struct subsys_facts sf;
	struct kstat pol = { 0 };
	struct mpx_eff e;
	struct rec rec;
	bool bl;
	int i, n = 0, m = 0;

	subsys_facts(s->name, &sf);
	bl = mpx_conf_blacklisted(c, &sf.id);
	mpx_conf_resolve(c, &sf.id, NULL, &e);
	rec_load(s->name, &rec);
	pol.configured = e.subsys_iopolicy;
	pol.level = e.subsys_iopolicy_origin;
	pol.line = e.subsys_iopolicy_line;
	pol.source = e.source[MPX_K_IOPOLICY];
	knob_status(&pol, opt_attr(cur, sizeof(cur),
				   "%s/class/nvme-subsystem/%s/iopolicy",
				   sysfs_root, s->name),
		    e.subsys_iopolicy, rec_find(&rec, "iopolicy"));
	free(rec.e);
	for (i = 0; i < s->nr_heads; i++)
		if (!head || !strcmp(head, s->heads[i].name))
			n++;
	if (json) {
		printf("    {\n      \"name\": \"%s\",\n      \"nqn\": ", s->name);
		json_str(s->nqn);
		printf(",\n      \"model\": ");
		if (sf.id.model)
			json_str(sf.id.model);
		else
			fputs("null", stdout);
		printf(",\n      \"blacklisted\": %s,\n", bl ? "true" : "false");
		kstat_json(6, "iopolicy", &pol, false);
		printf("      \"heads\": [\n");
	} else {
		printf("%s %s%s\n", s->name, s->nqn,
		       bl ? " blacklisted (apply leaves it alone)" : "");
		printf("  subsystem\n");
		kstat_text("iopolicy", &pol);
	}
	for (i = 0; i < s->nr_heads; i++)
		if (!head || !strcmp(head, s->heads[i].name))
			show_config_head(c, &sf, &s->heads[i], &pol, json,
					 ++m == n);
	if (json)
		printf("      ]\n    }%s\n", last ? "" : ",");
}

static int show_config(const char *subsys, const char *head, bool json)
{
	struct mpx_topo t = { 0 };
	struct mpx_conf c;
	int i, n = 0, k = 0, ret;

	ret = conf_load(&c, conf_path, conf_given);
	if (ret)
		return ret;
	topo_from_sysfs(&t);
	for (i = 0; i < t.nr_subsys; i++)
		if (!subsys || !strcmp(subsys, t.subsys[i].name))
			n++;
	if (json) {
		printf("{\n  \"version\": 1,\n  \"config\": ");
		json_str(conf_path);
		printf(",\n  \"subsystems\": [\n");
	}
	for (i = 0; i < t.nr_subsys; i++)
		if (!subsys || !strcmp(subsys, t.subsys[i].name))
			show_config_subsys(&c, &t.subsys[i], head, json,
					   ++k == n);
	if (json)
		printf("  ]\n}\n");
	topo_free(&t);
	mpx_conf_free(&c);
	return fflush(stdout) ? MPX_EXIT_INTERNAL : MPX_EXIT_OK;
}

/* ---- monitor ------------------------------------------------------------------ */

struct uev {
	const char *action, *subsystem, *devname, *event, *path, *from;
	const char *reason, *seqnum;
};

static void uev_key(const char *field, const char *key, const char **val)
{
	size_t n = strlen(key);

	if (!strncmp(field, key, n))
		*val = field + n;
}

/*
 * One kernel uevent as the netlink socket delivers it:
 * "ACTION@DEVPATH\0KEY=VALUE\0...".  Returns true for ours: a change of a
 * block device with NVME_MPX_EVENT.
 */
static bool uevent_parse(const char *buf, size_t len, struct uev *u)
{
	const char *s = buf, *end = buf + len, *e;

	memset(u, 0, sizeof(*u));
	e = memchr(s, '\0', end - s);
	if (!e || !memchr(s, '@', e - s) || !strncmp(s, "libudev", 7))
		return false;
	for (s = e + 1; s < end; s = e + 1) {
		e = memchr(s, '\0', end - s);
		if (!e)
			break;		/* an unterminated last field */
		uev_key(s, "ACTION=", &u->action);
		uev_key(s, "SUBSYSTEM=", &u->subsystem);
		uev_key(s, "DEVNAME=", &u->devname);
		uev_key(s, "NVME_MPX_EVENT=", &u->event);
		uev_key(s, "NVME_MPX_PATH=", &u->path);
		uev_key(s, "NVME_MPX_FROM=", &u->from);
		uev_key(s, "NVME_MPX_REASON=", &u->reason);
		uev_key(s, "SEQNUM=", &u->seqnum);
	}
	return u->event && u->action && !strcmp(u->action, "change") &&
	       u->subsystem && !strcmp(u->subsystem, "block") && u->devname;
}

/* A value for the text line: one word of printable characters. */
static void text_word(const char *s)
{
	for (; *s; s++)
		putchar(isgraph((unsigned char)*s) ? *s : '?');
}

static void uevent_print(const struct uev *u, bool json)
{
	const char *head = strip_dev(u->devname);
	static const char * const keys[] = { "path", "from", "reason" };
	const char * const vals[] = { u->path, u->from, u->reason };
	char stamp[40];
	struct timespec ts;
	struct tm tm;
	size_t i;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	if (json) {
		printf("{\"time\": \"%s.%06ldZ\", \"head\": ", stamp,
		       ts.tv_nsec / 1000);
		json_str(head);
		printf(", \"event\": ");
		json_str(u->event);
		for (i = 0; i < ARRAY_SIZE(keys); i++) {
			printf(", \"%s\": ", keys[i]);
			if (vals[i])
				json_str(vals[i]);
			else
				fputs("null", stdout);
		}
		printf(", \"seqnum\": %s}\n",
		       u->seqnum && is_uint(u->seqnum) ? u->seqnum : "null");
	} else {
		printf("%s.%06ldZ ", stamp, ts.tv_nsec / 1000);
		text_word(head);
		putchar(' ');
		text_word(u->event);
		for (i = 0; i < ARRAY_SIZE(keys); i++) {
			if (!vals[i])
				continue;
			printf(" %s=", keys[i]);
			text_word(vals[i]);
		}
		putchar('\n');
	}
	fflush(stdout);
}

/*
 * --replay FILE: uevents from a file ("-": stdin) in the netlink layout,
 * one after another; a field with '@' and no '=' starts the next one.
 * For tests without a kernel that sends them.
 */
static int monitor_replay(const char *file, bool json, long count)
{
	size_t len = 0, cap = 1 << 16, i = 0, fl, start = (size_t)-1;
	struct uev u;
	long n = 0;
	char *buf, *nb, *f;
	ssize_t r;
	bool hdr;
	int fd;

	fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		return err(MPX_EXIT_NOTFOUND, "%s: %s", file, strerror(errno));
	buf = malloc(cap);
	while (buf && (r = read(fd, buf + len, cap - len)) > 0) {
		len += r;
		if (len < cap)
			continue;
		nb = cap < (64 << 20) ? realloc(buf, cap * 2) : NULL;
		if (!nb)
			break;
		buf = nb;
		cap *= 2;
	}
	if (fd)
		close(fd);
	if (!buf)
		return err(MPX_EXIT_INTERNAL, "out of memory");
	for (;;) {
		hdr = false;
		if (i < len) {
			f = buf + i;
			fl = strnlen(f, len - i);
			hdr = (memchr(f, '@', fl) && !memchr(f, '=', fl)) ||
			      !strcmp(f, "libudev");
		}
		if ((hdr || i >= len) && start != (size_t)-1 &&
		    uevent_parse(buf + start, (i < len ? i : len) - start, &u)) {
			uevent_print(&u, json);
			if (count && ++n >= count)
				break;
		}
		if (i >= len)
			break;
		if (hdr)
			start = i;
		i += fl + 1;
	}
	free(buf);
	return MPX_EXIT_OK;
}

static sig_atomic_t monitor_stop;

static void monitor_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

static int cmd_monitor(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	const char *replay = NULL;
	struct sigaction act = { .sa_handler = monitor_signal };
	static char buf[16384];
	bool json = false;
	long count = 0, n = 0;
	int fd, i, sz = 4 << 20;
	struct uev u;
	ssize_t r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			json = true;
		} else if (!strcmp(argv[i], "--count") || !strcmp(argv[i], "-c")) {
			if (i + 1 >= argc ||
			    !mpx_parse_range(argv[i + 1], 1, 1000000, &count))
				return err(MPX_EXIT_USAGE,
					   "monitor: --count takes a number of events from 1 to 1000000");
			i++;
		} else if (!strcmp(argv[i], "--replay") && i + 1 < argc) {
			replay = argv[++i];
		} else {
			return err(MPX_EXIT_USAGE,
				   "usage: nvme-mpx monitor [--json] [--count N]");
		}
	}
	if (replay)
		return monitor_replay(replay, json, count);
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		    NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return err(MPX_EXIT_INTERNAL, "monitor: netlink socket: %s",
			   strerror(errno));
	/* Bursts of events (many heads losing a path at once) fit. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		i = errno;
		close(fd);
		return err(MPX_EXIT_INTERNAL, "monitor: cannot listen to kernel uevents: %s",
			   strerror(i));
	}
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	if (verbose)
		err(0, "monitor: listening to kernel uevents");
	while (!monitor_stop) {
		r = recv(fd, buf, sizeof(buf) - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ENOBUFS) {
			err(0, "monitor: events were lost (receive buffer overrun)");
			continue;
		}
		if (r < 0) {
			i = errno;
			close(fd);
			return err(MPX_EXIT_INTERNAL, "monitor: %s", strerror(i));
		}
		buf[r] = '\0';
		if (!uevent_parse(buf, r, &u))
			continue;
		uevent_print(&u, json);
		if (count && ++n >= count)
			break;
	}
	close(fd);
	return MPX_EXIT_OK;
}

/* ---- main ---------------------------------------------------------------- */

static void print_usage(FILE *f)
{
	fputs("usage: nvme-mpx [-v] [-c FILE] <command> [arguments]\n"
	      "\n"
	      "  show [head|subsystem] [--json]   topology, policies, path states and counters\n"
	      "  show --config [head|subsystem] [--json]\n"
	      "                                   every knob's value and where it comes from\n"
	      "  config check [FILE]              validate the configuration file\n"
	      "  apply [head|path|subsystem|controller]\n"
	      "                                   apply the configuration to what exists now\n"
	      "  monitor [--json] [--count N]     path events of the kernel, live\n"
	      "  stats [--watch [secs]] [--count N] <head>\n"
	      "                                   per-path I/O rates, latency, errors, failovers\n"
	      "  policy <subsystem|head> <policy> numa round-robin queue-depth active-standby\n"
	      "                                   service-time weighted; heads also: inherit\n"
	      "  prefer <head> <path|none>        preferred path (active-standby)\n"
	      "  fail|reinstate|activate <path>   take a path out of service, back, or make it active\n"
	      "  priority <path> <0-255>          path priority (higher is preferred)\n"
	      "  weight <path> <1-1000>           path weight (weighted policy)\n"
	      "  failback <head> immediate|manual|followover|<seconds>\n"
	      "  queue-if-no-path <head> auto|fail|forever|<seconds>\n"
	      "                                   queueing while no path is usable\n"
	      "  tune <head> <knob> <value>       write-quiesce-ms stall-mult stall-min-ms\n"
	      "                                   stall-max-ms flap-limit flap-window-secs\n"
	      "                                   flap-hold-secs multiplex-rt\n"
	      "  multiplex <head> <ranges|all|none>\n"
	      "                                   multiplexed I/O by LBA range\n"
	      "  hedge <head> off|auto|<us>       hedged reads\n"
	      "  reset-stats <path|head>          zero the diag/ counters\n"
	      "\n"
	      "Heads: nvme0n1 or /dev/nvme0n1; paths: nvme0c1n1; subsystems: nvme-subsys0 or NQN.\n"
	      "Configuration: -c FILE, else $NVME_MPX_CONF, else /etc/nvme-mpx.conf.\n"
	      "Exit: 0 ok, 1 internal error, 2 bad argument, 3 not found, 4 refused by the\n"
	      "kernel, 5 not supported by the loaded module, 6 invalid configuration file.\n"
	      "See nvme-mpx(8).\n", f);
}

int main(int argc, char **argv)
{
	const char *env = getenv("NVME_MPX_SYSFS");
	const char *cmd;

	if (env && *env)
		sysfs_root = env;	/* for tests against a fake tree */
	env = getenv("NVME_MPX_RUNDIR");
	if (env && *env)
		run_dir = env;
	env = getenv("NVME_MPX_CONF");
	if (env && *env) {
		conf_path = env;
		conf_given = true;
	}
	for (; argc > 1 && argv[1][0] == '-'; argc--, argv++) {
		if (!strcmp(argv[1], "-c") || !strcmp(argv[1], "--config")) {
			if (argc < 3 || !argv[2][0])
				return err(MPX_EXIT_USAGE, "%s needs a file",
					   argv[1]);
			conf_path = argv[2];
			conf_given = true;
			argc--;
			argv++;
			continue;
		}
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			print_usage(stdout);
			return MPX_EXIT_OK;
		}
		if (!strcmp(argv[1], "--version")) {
			puts("nvme-mpx " MPX_VERSION);
			return MPX_EXIT_OK;
		}
		if (strcmp(argv[1], "-v") && strcmp(argv[1], "--verbose"))
			break;
		verbose = true;
	}
	if (argc < 2) {
		print_usage(stderr);
		return MPX_EXIT_USAGE;
	}
	cmd = argv[1];
	argc--;
	argv++;
	if (!strcmp(cmd, "show"))
		return cmd_show(argc, argv);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(argc, argv);
	if (!strcmp(cmd, "policy"))
		return cmd_policy(argc, argv);
	if (!strcmp(cmd, "prefer"))
		return cmd_prefer(argc, argv);
	if (!strcmp(cmd, "fail") || !strcmp(cmd, "reinstate") ||
	    !strcmp(cmd, "activate"))
		return cmd_state(argc, argv);
	if (!strcmp(cmd, "priority"))
		return cmd_number(argc, argv, "mpx_priority", 0, 255);
	if (!strcmp(cmd, "weight"))
		return cmd_number(argc, argv, "mpx_weight", 1, 1000);
	if (!strcmp(cmd, "failback"))
		return cmd_failback(argc, argv);
	if (!strcmp(cmd, "queue-if-no-path"))
		return cmd_qnp(argc, argv);
	if (!strcmp(cmd, "tune"))
		return cmd_tune(argc, argv);
	if (!strcmp(cmd, "multiplex"))
		return cmd_word(argc, argv, "mpx_multiplex");
	if (!strcmp(cmd, "hedge"))
		return cmd_word(argc, argv, "mpx_hedge");
	if (!strcmp(cmd, "reset-stats"))
		return cmd_reset_stats(argc, argv);
	if (!strcmp(cmd, "config"))
		return cmd_config(argc, argv);
	if (!strcmp(cmd, "apply"))
		return cmd_apply(argc, argv);
	if (!strcmp(cmd, "monitor"))
		return cmd_monitor(argc, argv);
	if (!strcmp(cmd, "help")) {
		print_usage(stdout);
		return MPX_EXIT_OK;
	}
	err(MPX_EXIT_USAGE, "unknown command '%s'", cmd);
	print_usage(stderr);
	return MPX_EXIT_USAGE;
}
