// SPDX-License-Identifier: LGPL-2.1
/*
 * Loading a BPF policy: open the object, check that it holds one
 * struct_ops map of the module's type kgil_bpf_policy and read the name
 * it will register under, load it (the verifier runs here) and attach
 * the map, which registers the policy; pin its link to keep it past
 * the process.  libbpf >= 1.4 (KGIL_HAVE_LIBBPF): it resolves a
 * struct_ops type defined by a module; without it every call but
 * kgil_bpf_unpin() is -EOPNOTSUPP.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef KGIL_HAVE_LIBBPF
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#endif

#include "libkgil.h"

#define KGIL_BPF_TYPE	"kgil_bpf_policy"
/* BPF_F_LINK (Linux 6.4), which Debian 12's 6.1 UAPI headers lack. */
#define KGIL_BPF_F_LINK	(1U << 13)

/* An unlink in bpffs: the kernel drops the link when nothing else holds it. */
int kgil_bpf_unpin(const char *path)
{
	if (!path || !*path)
		return -EINVAL;
	return unlink(path) < 0 ? -errno : 0;
}

#ifdef KGIL_HAVE_LIBBPF

struct kgil_bpf {
	struct bpf_object *obj;
	struct bpf_link *link;
	bool pinned;
	char name[KGIL_POLICY_NAME_LEN];
};

/*
 * libbpf's own codes (LIBBPF_ERRNO__*, 4000 and up) as the errno a
 * caller can print: the verifier's refusal is -EACCES, as the kernel says it.
 */
static int bpf_errno(int err)
{
	if (err > -__LIBBPF_ERRNO__START)
		return err;
	switch (-err) {
	case LIBBPF_ERRNO__VERIFY:
		return -EACCES;
	case LIBBPF_ERRNO__PROG2BIG:
		return -E2BIG;
	default:
		return -EINVAL;
	}
}

/* The byte offset of member name in struct type t, -1 if none. */
static long member_offset(const struct btf *btf, const struct btf_type *t,
			  const char *name)
{
	const struct btf_member *m = btf_members(t);

	for (unsigned short i = 0; i < btf_vlen(t); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);

		if (n && !strcmp(n, name))
			return (long)(btf_member_bit_offset(t, i) / 8);
	}
	return -1;
}

/*
 * The one struct_ops map, of type kgil_bpf_policy, and its name: the
 * map's initial value is the struct as the object defines it.
 */
static int find_policy(struct kgil_bpf_log *log, const char *path,
		       struct bpf_object *obj, struct bpf_map **out,
		       char name[KGIL_POLICY_NAME_LEN])
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *t;
	struct bpf_map *m, *found = NULL;
	const char *tname, *data;
	size_t size;
	long off;
	int n = 0;

	bpf_object__for_each_map(m, obj) {
		if (bpf_map__type(m) != BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		found = m;
		n++;
	}
	if (n != 1) {
		kgil__bpf_log_say(log, "%s: %d struct_ops maps; a kgil policy has "
				  "exactly one, of type struct %s\n", path, n,
				  KGIL_BPF_TYPE);
		return -EINVAL;
	}
	t = btf ? btf__type_by_id(btf, bpf_map__btf_value_type_id(found)) : NULL;
	tname = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	if (!t || !btf_is_struct(t) || !tname || strcmp(tname, KGIL_BPF_TYPE)) {
		kgil__bpf_log_say(log, "%s: map '%s' is a struct %s, not a struct %s\n",
				  path, bpf_map__name(found), tname ? tname : "?",
				  KGIL_BPF_TYPE);
		return -EINVAL;
	}
	off = member_offset(btf, t, "name");
	data = bpf_map__initial_value(found, &size);
	if (off < 0 || !data || (size_t)off + KGIL_POLICY_NAME_LEN > size ||
	    !memchr(data + off, '\0', KGIL_POLICY_NAME_LEN) || !data[off]) {
		kgil__bpf_log_say(log, "%s: map '%s' has no name (a NUL-terminated "
				  "string of at most %d bytes)\n", path,
				  bpf_map__name(found), KGIL_POLICY_NAME_LEN - 1);
		return -EINVAL;
	}
	/*
	 * The module refuses a map registered without a link: nothing would
	 * own it, and it would outlive its loader (and block rmmod).
	 */
	if (!(bpf_map__map_flags(found) & KGIL_BPF_F_LINK)) {
		kgil__bpf_log_say(log, "%s: map '%s' is in SEC(\".struct_ops\"): a kgil "
				  "policy is registered through a link, put it in "
				  "SEC(\".struct_ops.link\")\n", path,
				  bpf_map__name(found));
		return -EINVAL;
	}
	memcpy(name, data + off, KGIL_POLICY_NAME_LEN);
	*out = found;
	return 0;
}

/* Only the module can define the type: say so rather than libbpf's BTF error. */
static int check_module(struct kgil_bpf_log *log)
{
	struct kgil_features f;
	int ret = kgil_query_features(-1, &f);

	if (ret == -ENOENT) {
		kgil__bpf_log_say(log, "%s: no such device: is the kgil module loaded?\n",
				  KGIL_DEVICE_PATH);
		return -ENODEV;
	}
	if (ret) {
		kgil__bpf_log_say(log, "%s: %s\n", KGIL_DEVICE_PATH, strerror(-ret));
		return ret;
	}
	if (!(f.features & KGIL_FEAT_BPF)) {
		kgil__bpf_log_say(log, "the kgil module has no BPF policies here: "
				  "they need Linux 6.12 or later (KGIL_FEAT_BPF)\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

static int load(struct kgil_bpf_log *log, const char *path, struct kgil_bpf *bp)
{
	struct bpf_map *map;
	int ret;

	bp->obj = bpf_object__open_file(path, NULL);
	if (!bp->obj) {
		ret = bpf_errno(-errno);
		kgil__bpf_log_say(log, "%s: cannot open as a BPF object: %s\n", path,
				  strerror(-ret));
		return ret;
	}
	ret = find_policy(log, path, bp->obj, &map, bp->name);
	if (!ret)
		ret = check_module(log);
	if (ret)
		return ret;
	ret = bpf_object__load(bp->obj);
	if (ret) {
		ret = bpf_errno(ret);
		kgil__bpf_log_say(log, "%s: load failed: %s\n", path, strerror(-ret));
		if (kgil__bpf_log_has(log, "attach to unsupported member"))
			kgil__bpf_log_say(log, "%s: kgil refuses a hook that may sleep or "
					  "run without a small bound (global functions: "
					  "make them static; kfuncs other than kgil's, "
					  "such as bpf_for's iterators; may_goto; maps "
					  "other than arrays, hashes, queues, stacks, "
					  "ring buffers and bloom filters, or with values "
					  "over 1024 bytes): the kernel log says which "
					  "(docs/bpf.md, Bounds on time)\n", path);
		return ret;
	}
	bp->link = bpf_map__attach_struct_ops(map);
	if (!bp->link) {
		ret = bpf_errno(-errno);
		kgil__bpf_log_say(log, "%s: cannot register policy '%s': %s%s\n", path,
				  bp->name, strerror(-ret),
				  ret == -EEXIST ? " (a policy of that name is registered)" : "");
		return ret;
	}
	return 0;
}

int kgil_bpf_load(const char *path, char *log, size_t log_size,
		  struct kgil_bpf **out)
{
	struct kgil_bpf_log *l;
	struct kgil_bpf *bp;
	int ret;

	if (log && log_size)
		log[0] = '\0';
	if (!path || !out)
		return -EINVAL;
	bp = calloc(1, sizeof(*bp));
	if (!bp)
		return -ENOMEM;
	l = kgil__bpf_log_begin(log, log_size);
	ret = load(l, path, bp);
	kgil__bpf_log_end(l);
	if (ret) {
		kgil_bpf_unload(bp);
		return ret;
	}
	*out = bp;
	return 0;
}

const char *kgil_bpf_name(const struct kgil_bpf *bp)
{
	return bp ? bp->name : NULL;
}

int kgil_bpf_map_fd(const struct kgil_bpf *bp, const char *map)
{
	struct bpf_map *m;
	int fd;

	if (!bp || !map)
		return -EINVAL;
	m = bpf_object__find_map_by_name(bp->obj, map);
	if (!m)
		return -ENOENT;
	fd = bpf_map__fd(m);
	return fd < 0 ? -EBADF : fd;
}

/* mkdir -p of path's parent directories. */
static int make_parents(const char *path)
{
	char dir[4096];

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	for (char *c = dir + 1; (c = strchr(c, '/')); c++) {
		*c = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*c = '/';
	}
	return 0;
}

int kgil_bpf_pin(struct kgil_bpf *bp, const char *path)
{
	int ret;

	if (!bp || !bp->link || !path || !*path)
		return -EINVAL;
	if (bp->pinned)
		return -EBUSY;
	ret = make_parents(path);
	if (ret)
		return ret;
	if (access(path, F_OK) == 0)
		return -EEXIST;
	ret = bpf_link__pin(bp->link, path);
	if (ret)
		return bpf_errno(ret);
	bp->pinned = true;
	return 0;
}

void kgil_bpf_unload(struct kgil_bpf *bp)
{
	if (!bp)
		return;
	if (bp->link) {
		/* Pinned: the pin keeps the link; only our descriptor goes. */
		if (bp->pinned)
			bpf_link__disconnect(bp->link);
		bpf_link__destroy(bp->link);
	}
	bpf_object__close(bp->obj);
	free(bp);
}

#else /* !KGIL_HAVE_LIBBPF */

int kgil_bpf_load(const char *path, char *log, size_t log_size,
		  struct kgil_bpf **out)
{
	struct kgil_bpf_log *l;

	if (log && log_size)
		log[0] = '\0';
	if (!path || !out)
		return -EINVAL;
	l = kgil__bpf_log_begin(log, log_size);
	kgil__bpf_log_say(l, "libkgil was built without libbpf >= 1.4: no BPF policies\n");
	kgil__bpf_log_end(l);
	return -EOPNOTSUPP;
}

const char *kgil_bpf_name(const struct kgil_bpf *bp)
{
	(void)bp;
	return NULL;
}

int kgil_bpf_map_fd(const struct kgil_bpf *bp, const char *map)
{
	(void)bp;
	(void)map;
	return -EOPNOTSUPP;
}

int kgil_bpf_pin(struct kgil_bpf *bp, const char *path)
{
	(void)bp;
	(void)path;
	return -EOPNOTSUPP;
}

void kgil_bpf_unload(struct kgil_bpf *bp)
{
	(void)bp;
}

#endif /* KGIL_HAVE_LIBBPF */
