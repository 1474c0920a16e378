/* sweep.h: sweep files -- the base spec and the values to try (set, grid,
 * zip, range/logspace, random with a seed, output.dir) -- validated like
 * specs, and expanded into points, each checked as a spec.
 *
 * Points: the dimensions are each grid key (its values), the zip section
 * (its rows) and the random section (its n draws), crossed in the order they
 * appear in the file, the first varying slowest.  Without grid, zip and
 * random there is one point, named after the sweep.  Random draws come from
 * gsl_rng_mt19937 seeded with random.seed (default 1): point by point, and
 * within a point one draw per key in file order (uniform, loguniform: one
 * gsl_rng_uniform; randint, choice: one gsl_rng_uniform_int).
 *
 * Not here: running the points (nnsweep.c), the run's life (run.c).
 */
#ifndef NN_SWEEP_H
#define NN_SWEEP_H

#include <stddef.h>

#include "error.h"
#include "run.h"
#include "spec.h"

#define SWEEP_FILE_MAX (1024L * 1024L)  /* bytes of a sweep file */
#define SWEEP_POINTS_MAX 100000         /* points of a sweep */

/* One assignment of a spec key, with where the sweep file gave it. */
typedef struct sweep_value {
  const char *key;           /* dotted spec key from the spec's key table: "train.lambda" */
  char *text;                /* canonical value text (spec_key_text of the resolved
                                spec): "0.0001"; owned by the sweep */
  int line, col;             /* 1-based place in the sweep file */
} sweep_value;

typedef struct sweep_point {
  size_t index;              /* 0-based, in expansion order */
  char name[RUN_NAME_MAX];   /* run_name_join("", its values): "seed=3,train.lambda=0.0001";
                                the sweep's name when the sweep has one point without values */
  char *path;                /* OUTPUT.DIR/NAME.h5; owned */
  size_t nvalues;
  const sweep_value **values;/* (nvalues) the point's own values, sorted by key; the array
                                is owned, the values are the sweep's */
} sweep_point;

typedef struct sweep {
  char file[SPEC_PATH_MAX];        /* the sweep file as given */
  char name[SPEC_NAME_MAX];        /* name:, default the file's base name */
  char spec_file[SPEC_PATH_MAX];   /* spec:, resolved against the sweep file's folder */
  char output_dir[SPEC_PATH_MAX];  /* output.dir:, default runs/NAME (relative to the
                                      working directory, like a spec's output.dir) */
  long threads;                    /* set: train.threads when given, else -1 */
  spec base;                       /* the base spec with set applied */
  size_t nset;
  const sweep_value *set;          /* (nset) set: overrides for every point, in file
                                      order; the first nset of values */
  size_t nvalues;
  sweep_value *values;             /* (nvalues) every value of the file; owned */
  size_t npoints;
  sweep_point *points;             /* (npoints) owned */
} sweep;

/* Loads, validates and expands the sweep file at path.  Every point's spec
 * (base + set + point) is checked with spec_override before this returns.
 * On bad input returns NN_BADINPUT; err holds the first error and *errors
 * (when errors is not NULL) a malloc'd text with all of them, each line
 * "FILE:LINE:COL: KEY: what was expected, what was found\n", deduplicated,
 * in the order of their places in the file (the first 100 found, then
 * "FILE: N more errors\n"); the caller frees it.  Errors about the whole
 * file ("FILE: cannot open: ...", "FILE: not a regular file", too large)
 * and NN_FAIL (out of memory, I/O) give one line without a place.  On
 * success *errors is NULL.  sw is zeroed first and left zeroed on failure. */
int sweep_load(sweep *sw, const char *path, char **errors, nn_error *err);

/* Frees what sweep_load filled; accepts NULL and a zeroed sweep. */
void sweep_free(sweep *sw);

/* The spec of point i: base spec, set, then the point's values, resolved;
 * NN_BADINPUT when it does not check (cannot happen after sweep_load). */
int sweep_point_spec(const sweep *sw, size_t i, spec *s, nn_error *err);

/* The override arguments of point i, "key=value": set first, then the
 * point's values.  *argv is malloc'd, each string too; *argc of them.
 * sweep_args_free() releases them. */
int sweep_point_args(const sweep *sw, size_t i, char ***argv, size_t *argc, nn_error *err);
void sweep_args_free(char **argv, size_t argc);

#endif
