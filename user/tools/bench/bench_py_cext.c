// SPDX-License-Identifier: GPL-2.0
/*
 * py-cext: two Python threads hashing buffers of growing size
 * (user/python/cext.py).  hashlib releases the GIL for 2 KiB and more, so
 * the speedup of two threads over one climbs with the size: Beazley's
 * slide 104 on a real C extension.  The figures are cext's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/bench_py.h"
#include "support/progress.h"
#include "support/result.h"

static const long long py_cext_sizes[] = { 256, 1024, 4096, 16384, 65536, 262144 };
#define PY_CEXT_NSIZES (sizeof(py_cext_sizes) / sizeof(py_cext_sizes[0]))
#define PY_CEXT_DEFAULT_BYTES (16ULL << 20)

int bench_py_cext(const struct bench_opts *o, struct res *out)
{
	char sizes[128] = "", bytes[32];
	char *args[] = { "--sizes", sizes, "--bytes", bytes, NULL };
	struct res *points;
	double best = 0, at_1_8x = -1;
	struct py_out r;
	int ret = py_describe(o, out);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < PY_CEXT_NSIZES; i++)
		snprintf(sizes + strlen(sizes), sizeof(sizes) - strlen(sizes), "%s%lld",
			 i ? "," : "", py_cext_sizes[i]);
	snprintf(bytes, sizeof(bytes), "%llu",
		 (unsigned long long)(o->work ? o->work : PY_CEXT_DEFAULT_BYTES));
	progress(false, "py-cext: sha256 over %s bytes", sizes);
	ret = py_run(o, "cext.py", args, &r);
	if (ret < 0)
		return ret;
	res_int(out, "threads", 2);
	points = res_arr(out, "points");
	for (size_t i = 0; i < PY_CEXT_NSIZES; i++) {
		long long size = py_cext_sizes[i];
		struct res *pt;
		double seq, thr;

		if (py_get(&r, "seq_s", size, &seq) || py_get(&r, "thr_s", size, &thr))
			return -EPROTO;
		pt = res_obj(points, NULL);
		res_int(pt, "buffer_bytes", size);
		res_num(pt, "sequential_s", seq);
		res_num(pt, "threaded_s", thr);
		res_num(pt, "speedup", seq / thr);
		if (seq / thr > best)
			best = seq / thr;
		if (at_1_8x < 0 && seq / thr >= 1.8)
			at_1_8x = (double)size;
	}
	res_num(out, "max_speedup", best);
	py_put_stats(out, "", &r);
	if (at_1_8x >= 0)
		res_int(out, "buffer_bytes_at_1_8x", (int64_t)at_1_8x);
	else
		res_null(out, "buffer_bytes_at_1_8x");
	return 0;
}
