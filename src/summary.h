/* summary.h: many results files at once, for nncompare and nnplot -- the runs
 * named by files and folders, read without their weights, the state of each
 * (complete, running, killed after epoch k, ...), and their groups: n, mean,
 * sample standard deviation, min, max and the 95% Student-t half-width of
 * every final metric and of every epoch's curve.
 *
 *   read:  summary_read()   files and folders -> runs (bad files reported, skipped)
 *   group: summary_make_groups()  runs -> groups (by default: runs that differ only in seed)
 *   show:  summary_group_name(), summary_legend(), summary_key_differs(),
 *          summary_group_status(), summary_run_state()
 *
 * Statistics of a group are over its complete runs, or over all of its runs
 * (as they stand) when none is complete.  A group holds at most one run per
 * seed under the default grouping: the same spec and seed twice is the same
 * run twice (a copy, a rerun), not a second sample.
 *
 * Not here: tables and plots (nncompare.c, nnplot.c), the file format
 * (results.c), locks (lock.c).
 */
#ifndef NN_SUMMARY_H
#define NN_SUMMARY_H

#include <stddef.h>

#include "error.h"
#include "results.h"
#include "spec.h"

/* The final metrics of a run, one value each. */
enum summary_metric {
  SUMMARY_TRAIN_LOSS, SUMMARY_TRAIN_ACC, SUMMARY_DEV_LOSS, SUMMARY_DEV_ACC,
  SUMMARY_BEST_ACC,    /* best dev accuracy over the epochs */
  SUMMARY_BEST_EPOCH,  /* its epoch (the first one when tied) */
  SUMMARY_TEST_LOSS, SUMMARY_TEST_ACC,
  SUMMARY_SECONDS,     /* sum of /metrics/seconds */
  SUMMARY_NMETRICS
};

/* The per-epoch curves of a run. */
enum summary_series {
  SUMMARY_CURVE_TRAIN_LOSS, SUMMARY_CURVE_DEV_LOSS, SUMMARY_CURVE_TRAIN_ACC,
  SUMMARY_CURVE_DEV_ACC, SUMMARY_NSERIES
};

enum summary_state {
  SUMMARY_COMPLETE, SUMMARY_RUNNING, SUMMARY_KILLED, SUMMARY_INTERRUPTED,
  SUMMARY_DIVERGED, SUMMARY_OTHER  /* a status this version does not know */
};

/* How runs form groups. */
enum summary_by {
  SUMMARY_BY_SEED,  /* runs that differ only in seed (train.threads, output.dir ignored) */
  SUMMARY_BY_KEYS,  /* runs with the same values of the chosen keys */
  SUMMARY_BY_RUN,   /* every run alone (--no-group) */
};

/* Statistics of n values; sd and half are NAN when n < 2, the rest when n = 0. */
typedef struct summary_stat {
  size_t n;
  double mean, sd;  /* sd: sample standard deviation (n - 1) */
  double half;      /* t_{0.975, n-1} * sd / sqrt(n): the 95% interval is mean +- half */
  double min, max;
} summary_stat;

typedef struct summary_run {
  char *file;                         /* owned: the argument, or FOLDER/NAME */
  spec spec;
  char status[32];                    /* as in the file */
  enum summary_state state;           /* running with its lock free: killed */
  size_t epochs_done;
  results_epoch *metrics;             /* (epochs_done) owned */
  int have[SUMMARY_NMETRICS];         /* whether value[m] is known and finite */
  double value[SUMMARY_NMETRICS];
} summary_run;

typedef struct summary_point {
  long epoch;
  summary_stat s[SUMMARY_NSERIES];
} summary_point;

typedef struct summary_group {
  size_t n;                           /* runs in the group */
  size_t *run;                        /* (n) owned: indexes into runs, input order */
  size_t used;                        /* runs the statistics are over */
  summary_stat stat[SUMMARY_NMETRICS];
  size_t npoints;
  summary_point *curve;               /* (npoints) owned: epoch by epoch */
  char *key;                          /* owned: the grouping keys' values, joined */
} summary_group;

typedef struct summary {
  size_t nruns, ngroups;
  summary_run *runs;                  /* (nruns) owned */
  summary_group *groups;              /* (ngroups) owned, in order of their first run */
  enum summary_by by;
  size_t nby;
  size_t by_key[SPEC_NKEYS];          /* SUMMARY_BY_KEYS: key table indexes, as given */
  size_t cap;                         /* allocated runs */
} summary;

/* Called once for every argument or file that cannot be read. */
typedef void (*summary_report_fn)(void *ctx, const nn_error *err);

void summary_init(summary *s);
void summary_free(summary *s);  /* accepts NULL and a zeroed or freed summary */

/* Reads every argument: a folder means every regular *.h5 file directly in
 * it, sorted by name (links and anything else skipped, never followed); any
 * other argument is read as a results file.  Reads root attributes, /spec,
 * /metrics and /test only.  Each bad argument or file is passed to report
 * (which may be NULL) and left out; returns the worst status (NN_OK when all
 * were read). */
int summary_read(summary *s, char *const *args, size_t nargs, summary_report_fn report,
                 void *ctx);

/* Parses "KEY,KEY,..." (dotted spec keys) into s->by_key for SUMMARY_BY_KEYS.
 * NN_BADINPUT with "KEY: unknown key; did you mean 'train.lambda'?". */
int summary_parse_by(summary *s, const char *list, nn_error *err);

/* The key table index of the dotted key (len bytes of it), or -1 with
 * NN_BADINPUT "KEY: unknown key; did you mean 'train.lambda'?" in err. */
int summary_find_key(const char *key, size_t len, nn_error *err);

/* Forms the groups (replacing any) and their statistics.  NN_FAIL when out
 * of memory. */
int summary_make_groups(summary *s, enum summary_by by, nn_error *err);

/* Whether spec key k differs between groups while it is the same within
 * every group: the keys a table or a legend should name. */
int summary_key_differs(const summary *s, size_t k);

/* A group's name: the spec name of its runs ("*" when they differ), or its
 * first run's file when another group has the very same keys. */
const char *summary_group_name(const summary *s, size_t g);

/* A legend for group g: its name when every group's name differs; otherwise
 * the name (when names differ) and "key=value" of each key that differs
 * (with SUMMARY_BY_KEYS: of each grouping key that differs),
 * separated by ", "; the first run's file when nothing tells it apart. */
void summary_legend(const summary *s, size_t g, char *buf, size_t n);

/* "complete", "running 2/30", "killed after epoch 2", "interrupted after
 * epoch 2", "diverged", or the file's own status. */
void summary_run_state(const summary_run *u, char *buf, size_t n);

/* One run: summary_run_state(); several: "complete" when all are, else the
 * counts, "2 complete, 1 killed". */
void summary_group_status(const summary *s, size_t g, char *buf, size_t n);

/* A note on run r when it is not finished: "FILE: still running (2 of 30
 * epochs done); VERB as it stands" or "FILE: killed after epoch 2 (no
 * process holds its lock; rerun it to resume); VERB as it stands", or "...;
 * left out of its group's statistics" when its group has complete runs.
 * Returns 0 (buf empty) for other runs.  Needs the groups. */
int summary_note(const summary *s, size_t r, const char *verb, char *buf, size_t n);

/* The name of a metric as tables show it in CSV: "train_loss", ... */
const char *summary_metric_name(enum summary_metric m);

#endif
