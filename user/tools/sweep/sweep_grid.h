/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kgil sweep`'s grid: the values one swept option takes, written as a
 * comma list of items, each a value or a range (docs/bench.md):
 *   5ms            one value (times take ns, us, ms, s; bare = seconds)
 *   1..8           integers 1 to 8, step 1 (counts only)
 *   1..8:2         1, 3, 5, 7: additive step, in the option's unit
 *   1us..10ms*10   1us, 10us, ..., 10ms: geometric, factor > 1
 * A range includes its end when a step lands on it and never passes it.
 */
#ifndef KGIL_TOOLS_SWEEP_GRID_H
#define KGIL_TOOLS_SWEEP_GRID_H

#include <stddef.h>
#include <stdint.h>

/* More values than this in one option is a typo, not a sweep. */
#define SWEEP_MAX_VALUES 1000

enum sweep_unit { SWEEP_COUNT, SWEEP_TIME };

/*
 * Parse spec into *vals (malloc'd, *n of them; free it), in the order
 * written.  Returns 0; -EINVAL for a bad item (unknown unit, empty item,
 * reversed range, a step or factor that cannot advance, a time range
 * without a step); -E2BIG for more than SWEEP_MAX_VALUES.  On error err
 * says why in one line, naming the item, and *vals is NULL.
 */
int sweep_grid_parse(const char *spec, enum sweep_unit unit, uint64_t **vals,
		     int *n, char *err, size_t errlen);

/* v as the option would take it back: "250us", "5ms", "1500ns", "4". */
void sweep_fmt_value(char *buf, size_t len, enum sweep_unit unit, uint64_t v);

#endif
