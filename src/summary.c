/* summary.c: the one reader of many results files behind nncompare and nnplot
 * -- files and folders to runs, runs to groups, groups to statistics (see
 * summary.h).  Not here: any printing; tables and plots are the programs'.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include "lock.h"
#include "summary.h"
#include "text.h"

#define KEY_SEP '\x1f'  /* between the values of a group's key: never in a value */

static const char *metric_names[SUMMARY_NMETRICS] = {
    "train_loss",        "train_accuracy", "dev_loss",       "dev_accuracy", "best_dev_accuracy",
    "best_dev_epoch",    "test_loss",      "test_accuracy",  "seconds"};

const char *summary_metric_name(enum summary_metric m) {
  return (unsigned)m < SUMMARY_NMETRICS ? metric_names[m] : "?";
}

void summary_init(summary *s) { memset(s, 0, sizeof *s); }

static void free_groups(summary *s) {
  for (size_t g = 0; g < s->ngroups; g++) {
    free(s->groups[g].run);
    free(s->groups[g].curve);
    free(s->groups[g].key);
  }
  free(s->groups);
  s->groups = NULL;
  s->ngroups = 0;
}

void summary_free(summary *s) {
  if (!s) return;
  free_groups(s);
  for (size_t i = 0; i < s->nruns; i++) {
    free(s->runs[i].file);
    free(s->runs[i].metrics);
  }
  free(s->runs);
  summary_init(s);
}

/* ------------------------------------------------------------- one run */

static enum summary_state state_of(const char *status, const char *file) {
  if (strcmp(status, "complete") == 0) return SUMMARY_COMPLETE;
  if (strcmp(status, "interrupted") == 0) return SUMMARY_INTERRUPTED;
  if (strcmp(status, "diverged") == 0) return SUMMARY_DIVERGED;
  if (strcmp(status, "running") != 0) return SUMMARY_OTHER;
  /* A lock we cannot read (-1) is not taken for a dead writer. */
  return lock_held(file, NULL) == 0 ? SUMMARY_KILLED : SUMMARY_RUNNING;
}

static void set_value(summary_run *u, enum summary_metric m, double v) {
  u->have[m] = isfinite(v);
  u->value[m] = v;
}

/* The final metrics of u from its /metrics rows and /test. */
static void final_values(summary_run *u, const results *r) {
  double seconds = 0, best = NAN;
  long best_epoch = 0;
  for (size_t e = 0; e < u->epochs_done; e++) {
    const results_epoch *row = &u->metrics[e];
    seconds += row->seconds;
    /* no dev split: NaN dev metrics, no best dev epoch */
    if (isfinite(row->dev_accuracy) && (best_epoch == 0 || row->dev_accuracy > best))
      best = row->dev_accuracy, best_epoch = row->epoch;
  }
  set_value(u, SUMMARY_SECONDS, seconds);
  if (u->epochs_done > 0) {
    const results_epoch *last = &u->metrics[u->epochs_done - 1];
    set_value(u, SUMMARY_TRAIN_LOSS, last->train_loss);
    set_value(u, SUMMARY_TRAIN_ACC, last->train_accuracy);
    set_value(u, SUMMARY_DEV_LOSS, last->dev_loss);
    set_value(u, SUMMARY_DEV_ACC, last->dev_accuracy);
    set_value(u, SUMMARY_BEST_ACC, best);
    set_value(u, SUMMARY_BEST_EPOCH, best_epoch ? (double)best_epoch : NAN);
  }
  if (r->has_test) {
    set_value(u, SUMMARY_TEST_LOSS, r->test_loss);
    set_value(u, SUMMARY_TEST_ACC, r->test_accuracy);
  }
}

/* Reads one results file into a new run at the end of s->runs. */
static int add_file(summary *s, const char *file, nn_error *err) {
  if (s->nruns == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 16;
    summary_run *runs = realloc(s->runs, cap * sizeof *runs);
    if (!runs) return nn_error_set(err, NN_FAIL, "%s: out of memory", file);
    s->runs = runs, s->cap = cap;
  }
  results r;
  int rc = results_read_summary(&r, file, err);
  if (rc) return rc;
  summary_run *u = &s->runs[s->nruns];
  memset(u, 0, sizeof *u);
  if (!(u->file = strdup(file))) {
    results_free(&r);
    return nn_error_set(err, NN_FAIL, "%s: out of memory", file);
  }
  u->spec = r.spec;
  snprintf(u->status, sizeof u->status, "%s", r.status);
  u->state = state_of(r.status, file);
  u->epochs_done = r.epochs_done;
  u->metrics = r.metrics;  /* taken over */
  r.metrics = NULL;
  r.epochs_done = r.epochs_cap = 0;
  final_values(u, &r);
  results_free(&r);
  s->nruns++;
  return NN_OK;
}

/* --------------------------------------------------------------- folders */

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_results_name(const char *name) {
  size_t len = strlen(name);
  return name[0] != '.' && len > 3 && strcmp(name + len - 3, ".h5") == 0;
}

/* A growing list of malloc'd strings. */
typedef struct names {
  char **v;  /* (n) owned, each owned */
  size_t n, cap;
} names;

static void names_free(names *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
}

/* Appends "DIR/NAME" (taken over by l); -1 when out of memory. */
static int names_add(names *l, char *path) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 64;
    char **v = realloc(l->v, cap * sizeof *v);
    if (!v) return -1;
    l->v = v, l->cap = cap;
  }
  l->v[l->n++] = path;
  return 0;
}

/* "dir/name" when it is a regular file (lstat: links are not followed),
 * else NULL; *oom set when out of memory. */
static char *regular_file(const char *dir, const char *name, int *oom) {
  size_t len = strlen(dir) + strlen(name) + 2;
  char *path = malloc(len);
  struct stat st;
  if (!path) {
    *oom = 1;
    return NULL;
  }
  snprintf(path, len, "%s/%s", dir, name);
  if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) return path;
  free(path);  /* a link, a folder, a device, or gone meanwhile */
  return NULL;
}

/* The regular *.h5 files directly in dir, as "DIR/NAME", sorted by name. */
static int list_folder(const char *dir, names *out, nn_error *err) {
  DIR *d = opendir(dir);
  if (!d)
    return nn_error_set(err, NN_BADINPUT, "%s: cannot read the folder: %s", dir,
                        strerror(errno));
  int oom = 0;
  struct dirent *e;
  while (!oom && (e = readdir(d)) != NULL) {
    if (!is_results_name(e->d_name)) continue;
    char *path = regular_file(dir, e->d_name, &oom);
    if (path && names_add(out, path)) free(path), oom = 1;
  }
  closedir(d);
  if (oom) return nn_error_set(err, NN_FAIL, "%s: out of memory", dir);
  if (out->n == 0)
    return nn_error_set(err, NN_BADINPUT, "%s: no results files (*.h5) in this folder", dir);
  qsort(out->v, out->n, sizeof *out->v, by_name);
  return NN_OK;
}

/* Reads one argument: a folder's files, or the argument as a file. */
static int read_arg(summary *s, const char *arg, summary_report_fn report, void *ctx) {
  struct stat st;
  nn_error err = {0};
  if (stat(arg, &st) != 0 || !S_ISDIR(st.st_mode)) {
    int rc = add_file(s, arg, &err);
    if (rc && report) report(ctx, &err);
    return rc;
  }
  names files = {0};
  int worst = list_folder(arg, &files, &err);
  if (worst && report) report(ctx, &err);
  for (size_t i = 0; i < files.n; i++) {
    nn_error ferr = {0};
    int rc = add_file(s, files.v[i], &ferr);
    if (rc && report) report(ctx, &ferr);
    if (rc > worst) worst = rc;
  }
  names_free(&files);
  return worst;
}

int summary_read(summary *s, char *const *args, size_t nargs, summary_report_fn report,
                 void *ctx) {
  int worst = NN_OK;
  for (size_t i = 0; i < nargs; i++) {
    int rc = read_arg(s, args[i], report, ctx);
    if (rc > worst) worst = rc;
  }
  return worst;
}

/* ------------------------------------------------------------ the keys */


/* The spec module's own "did you mean" for an unknown key, from the message
 * of an override that names it: "KEY: unknown key; did you mean 'x'?". */
static int unknown_key(const char *key, size_t len, nn_error *err) {
  char assignment[128];
  spec tmp;
  spec_defaults(&tmp);
  snprintf(assignment, sizeof assignment, "%.*s=0", (int)(len < 100 ? len : 100), key);
  nn_error why = {0};
  spec_override(&tmp, assignment, &why);
  const char *hint = strstr(why.msg, "did you mean");
  if (hint)
    return nn_error_set(err, NN_BADINPUT, "%.*s: unknown key; %s", (int)len, key, hint);
  return nn_error_set(err, NN_BADINPUT, "%.*s: unknown key; nnrun --help lists the keys",
                      (int)len, key);
}

int summary_find_key(const char *key, size_t len, nn_error *err) {
  for (size_t k = 0; k < spec_nkeys(); k++)
    if (strlen(spec_key_path(k)) == len && strncmp(spec_key_path(k), key, len) == 0)
      return (int)k;
  unknown_key(key, len, err);
  return -1;
}

int summary_parse_by(summary *s, const char *list, nn_error *err) {
  s->nby = 0;
  for (const char *p = list;;) {
    size_t len = strcspn(p, ",");
    if (len == 0) return nn_error_set(err, NN_BADINPUT, "expected KEY,KEY,... got '%s'", list);
    int k = summary_find_key(p, len, err);
    if (k < 0) return NN_BADINPUT;
    if (s->nby == SPEC_NKEYS)
      return nn_error_set(err, NN_BADINPUT, "too many keys in '%s'", list);
    s->by_key[s->nby++] = (size_t)k;
    if (!p[len]) return NN_OK;
    p += len + 1;
  }
}

/* Whether key k takes part in the grouping. */
static int grouping_key(const summary *s, size_t k) {
  const char *path = spec_key_path(k);
  switch (s->by) {
  case SUMMARY_BY_KEYS:
    for (size_t i = 0; i < s->nby; i++)
      if (s->by_key[i] == k) return 1;
    return 0;
  case SUMMARY_BY_SEED:
    if (strcmp(path, "seed") == 0) return 0;
    /* fall through */
  case SUMMARY_BY_RUN:
    return strcmp(path, "train.threads") != 0 && strcmp(path, "output.dir") != 0;
  }
  return 0;
}

/* The values of the grouping keys of u, each followed by KEY_SEP; malloc'd. */
static char *group_key(const summary *s, const summary_run *u) {
  size_t len = 0, cap = 256;
  char *key = malloc(cap), text[SPEC_PATH_MAX];
  for (size_t k = 0; key && k < spec_nkeys(); k++) {
    if (!grouping_key(s, k)) continue;
    spec_key_text(&u->spec, k, text, sizeof text);
    size_t tl = strlen(text);
    if (len + tl + 2 > cap) {
      char *grown = realloc(key, cap = 2 * (len + tl + 2));
      if (!grown) free(key);
      key = grown;
      if (!key) break;
    }
    memcpy(key + len, text, tl);
    len += tl;
    key[len++] = KEY_SEP;
  }
  if (key) key[len] = '\0';
  return key;
}

/* ------------------------------------------------------------ statistics */

static void stat_of(double *v, size_t n, summary_stat *st) {
  st->n = n;
  st->mean = st->sd = st->half = st->min = st->max = NAN;
  if (n == 0) return;
  st->mean = gsl_stats_mean(v, 1, n);
  gsl_stats_minmax(&st->min, &st->max, v, 1, n);
  if (n < 2) return;
  st->sd = gsl_stats_sd_m(v, 1, n, st->mean);
  st->half = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * st->sd / sqrt((double)n);
}

static double series_value(const results_epoch *row, int series) {
  switch (series) {
  case SUMMARY_CURVE_TRAIN_LOSS: return row->train_loss;
  case SUMMARY_CURVE_DEV_LOSS: return row->dev_loss;
  case SUMMARY_CURVE_TRAIN_ACC: return row->train_accuracy;
  default: return row->dev_accuracy;
  }
}

/* The runs of g the statistics are over: the complete ones, or all when none
 * is.  use has room for g->n; returns how many. */
static size_t used_runs(const summary *s, const summary_group *g, size_t *use) {
  size_t n = 0;
  for (size_t i = 0; i < g->n; i++)
    if (s->runs[g->run[i]].state == SUMMARY_COMPLETE) use[n++] = g->run[i];
  if (n > 0) return n;
  for (size_t i = 0; i < g->n; i++) use[n++] = g->run[i];
  return n;
}

/* The statistics of g over the runs use (n of them); v has room for n. */
static int group_stats(const summary *s, summary_group *g, const size_t *use, size_t n,
                       double *v) {
  g->used = n;
  for (int m = 0; m < SUMMARY_NMETRICS; m++) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (s->runs[use[i]].have[m]) v[k++] = s->runs[use[i]].value[m];
    stat_of(v, k, &g->stat[m]);
  }
  size_t rows = 0;
  for (size_t i = 0; i < n; i++)
    if (s->runs[use[i]].epochs_done > rows) rows = s->runs[use[i]].epochs_done;
  g->npoints = 0;
  if (rows == 0) return 0;
  if (!(g->curve = calloc(rows, sizeof *g->curve))) return -1;
  for (size_t e = 0; e < rows; e++) {
    summary_point *p = &g->curve[e];
    for (int c = 0; c < SUMMARY_NSERIES; c++) {
      size_t k = 0;
      for (size_t i = 0; i < n; i++) {
        const summary_run *u = &s->runs[use[i]];
        if (e >= u->epochs_done) continue;
        p->epoch = u->metrics[e].epoch;
        double x = series_value(&u->metrics[e], c);
        if (isfinite(x)) v[k++] = x;
      }
      stat_of(v, k, &p->s[c]);
    }
  }
  g->npoints = rows;
  return 0;
}

/* ------------------------------------------------------------ grouping */

typedef struct keyed {
  const char *key;  /* borrowed */
  size_t run;
} keyed;

static int by_key_then_run(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : (x->run > y->run) - (x->run < y->run);
}

static int by_first_run(const void *a, const void *b) {
  const summary_group *x = a, *y = b;
  return (x->run[0] > y->run[0]) - (x->run[0] < y->run[0]);
}

/* Whether run r may join group g: same key; under the default grouping, a
 * seed not yet in it; without grouping, never. */
static int joins(const summary *s, const summary_group *g, const char *key, size_t r) {
  if (s->by == SUMMARY_BY_RUN || strcmp(g->key, key) != 0) return 0;
  if (s->by == SUMMARY_BY_KEYS) return 1;
  for (size_t i = 0; i < g->n; i++)
    if (s->runs[g->run[i]].spec.seed == s->runs[r].spec.seed) return 0;
  return 1;
}

/* Puts run r (key owned by the caller) into the first group of the block
 * groups[from..ngroups) it may join, or into a new one. */
static int place(summary *s, size_t from, const char *key, size_t r) {
  for (size_t g = from; g < s->ngroups; g++)
    if (joins(s, &s->groups[g], key, r)) {
      s->groups[g].run[s->groups[g].n++] = r;
      return 0;
    }
  summary_group *g = &s->groups[s->ngroups];
  memset(g, 0, sizeof *g);
  if (!(g->key = strdup(key)) || !(g->run = malloc(s->nruns * sizeof *g->run))) return -1;
  s->ngroups++;
  g->run[g->n++] = r;
  return 0;
}

/* Sorts the runs by key and places each; runs of one key are adjacent. */
static int form_groups(summary *s, keyed *order) {
  qsort(order, s->nruns, sizeof *order, by_key_then_run);
  size_t block = 0;
  for (size_t i = 0; i < s->nruns; i++) {
    if (i > 0 && strcmp(order[i].key, order[i - 1].key) != 0) block = s->ngroups;
    if (place(s, block, order[i].key, order[i].run)) return -1;
  }
  qsort(s->groups, s->ngroups, sizeof *s->groups, by_first_run);
  return 0;
}

int summary_make_groups(summary *s, enum summary_by by, nn_error *err) {
  free_groups(s);
  s->by = by;
  if (s->nruns == 0) return NN_OK;
  keyed *order = calloc(s->nruns, sizeof *order);
  size_t *use = malloc(s->nruns * sizeof *use);
  double *v = malloc(s->nruns * sizeof *v);
  s->groups = calloc(s->nruns, sizeof *s->groups);
  int ok = order && use && v && s->groups;
  for (size_t i = 0; ok && i < s->nruns; i++)
    ok = (order[i].key = group_key(s, &s->runs[i])) != NULL, order[i].run = i;
  ok = ok && form_groups(s, order) == 0;
  /* Each group's runs back in input order (the sort kept it within a key). */
  for (size_t g = 0; ok && g < s->ngroups; g++) {
    summary_group *gr = &s->groups[g];
    ok = group_stats(s, gr, use, used_runs(s, gr, use), v) == 0;
  }
  for (size_t i = 0; order && i < s->nruns; i++) free((char *)order[i].key);
  free(order);
  free(use);
  free(v);
  if (!ok) {
    free_groups(s);
    return nn_error_set(err, NN_FAIL, "out of memory grouping %zu runs", s->nruns);
  }
  return NN_OK;
}

/* ------------------------------------------------------------ showing */

int summary_key_differs(const summary *s, size_t k) {
  char first[SPEC_PATH_MAX], other[SPEC_PATH_MAX];
  int differs = 0;
  for (size_t g = 0; g < s->ngroups; g++) {
    const summary_group *gr = &s->groups[g];
    spec_key_text(&s->runs[gr->run[0]].spec, k, other, sizeof other);
    if (g == 0) memcpy(first, other, sizeof first);
    else differs |= strcmp(first, other) != 0;
    char own[SPEC_PATH_MAX];
    for (size_t i = 1; i < gr->n; i++) {
      spec_key_text(&s->runs[gr->run[i]].spec, k, own, sizeof own);
      if (strcmp(own, other) != 0) return 0;  /* varies within a group */
    }
  }
  return differs;
}

/* Whether another group has the same grouping key as g. */
static int twin(const summary *s, size_t g) {
  for (size_t h = 0; h < s->ngroups; h++)
    if (h != g && strcmp(s->groups[h].key, s->groups[g].key) == 0) return 1;
  return 0;
}

const char *summary_group_name(const summary *s, size_t g) {
  const summary_group *gr = &s->groups[g];
  const summary_run *first = &s->runs[gr->run[0]];
  if (twin(s, g)) return first->file;
  for (size_t i = 1; i < gr->n; i++)
    if (strcmp(s->runs[gr->run[i]].spec.name, first->spec.name) != 0) return "*";
  return first->spec.name;
}

static int names_distinct(const summary *s) {
  for (size_t g = 0; g < s->ngroups; g++)
    for (size_t h = g + 1; h < s->ngroups; h++)
      if (strcmp(summary_group_name(s, g), summary_group_name(s, h)) == 0) return 0;
  return 1;
}

void summary_legend(const summary *s, size_t g, char *buf, size_t n) {
  const char *name = summary_group_name(s, g);
  if (n == 0) return;
  buf[0] = '\0';
  if (names_distinct(s) || twin(s, g)) {
    snprintf(buf, n, "%s", name);
    return;
  }
  const spec *sp = &s->runs[s->groups[g].run[0]].spec;
  size_t o = 0;
  for (size_t k = 0; k < spec_nkeys() && o < n; k++) {
    if (!summary_key_differs(s, k) || !spec_key_used(sp, k)) continue;
    /* with --by, the keys asked for and no others (a key that varies along
     * with them, such as model.init with model.activation, is noise) */
    if (s->by == SUMMARY_BY_KEYS && !grouping_key(s, k)) continue;
    char text[SPEC_PATH_MAX];
    spec_key_text(sp, k, text, sizeof text);
    int name_key = strcmp(spec_key_path(k), "name") == 0;
    o += (size_t)snprintf(buf + o, n - o, "%s%s%s%s", o ? ", " : "",
                          name_key ? "" : spec_key_path(k), name_key ? "" : "=", text);
  }
  if (!buf[0]) snprintf(buf, n, "%s", name);
}

void summary_run_state(const summary_run *u, char *buf, size_t n) {
  switch (u->state) {
  case SUMMARY_RUNNING:
    snprintf(buf, n, "running %zu/%ld", u->epochs_done, u->spec.train.epochs);
    break;
  case SUMMARY_KILLED: snprintf(buf, n, "killed after epoch %zu", u->epochs_done); break;
  case SUMMARY_INTERRUPTED:
    snprintf(buf, n, "interrupted after epoch %zu", u->epochs_done);
    break;
  default: snprintf(buf, n, "%s", u->status); break;
  }
}

static const char *state_word(enum summary_state st) {
  static const char *words[] = {"complete", "running", "killed", "interrupted", "diverged",
                                "other"};
  return words[st];
}

void summary_group_status(const summary *s, size_t g, char *buf, size_t n) {
  const summary_group *gr = &s->groups[g];
  if (gr->n == 1) {
    summary_run_state(&s->runs[gr->run[0]], buf, n);
    return;
  }
  size_t count[SUMMARY_OTHER + 1] = {0}, o = 0;
  for (size_t i = 0; i < gr->n; i++) count[s->runs[gr->run[i]].state]++;
  if (count[SUMMARY_COMPLETE] == gr->n) {
    snprintf(buf, n, "complete");
    return;
  }
  buf[0] = '\0';
  for (int st = 0; st <= SUMMARY_OTHER && o < n; st++)
    if (count[st])
      o += (size_t)snprintf(buf + o, n - o, "%s%zu %s", o ? ", " : "", count[st],
                            state_word((enum summary_state)st));
}

/* The group of run r. */
static const summary_group *group_of(const summary *s, size_t r) {
  for (size_t g = 0; g < s->ngroups; g++)
    for (size_t i = 0; i < s->groups[g].n; i++)
      if (s->groups[g].run[i] == r) return &s->groups[g];
  return NULL;
}

int summary_note(const summary *s, size_t r, const char *verb, char *buf, size_t n) {
  const summary_run *u = &s->runs[r];
  const summary_group *g = group_of(s, r);
  int left_out = g && g->used < g->n;
  size_t o;
  buf[0] = '\0';
  if (u->state == SUMMARY_RUNNING)
    o = (size_t)snprintf(buf, n, "%s: still running (%zu of %ld epoch%s done)", u->file,
                         u->epochs_done, u->spec.train.epochs,
                         text_s((unsigned long long)u->spec.train.epochs));
  else if (u->state == SUMMARY_KILLED)
    o = (size_t)snprintf(buf, n, "%s: killed after epoch %zu (no process holds its lock; "
                         "rerun it to resume)", u->file, u->epochs_done);
  else return 0;
  if (o < n) snprintf(buf + o, n - o, left_out ? "; left out of its group's statistics"
                                               : "; %s as it stands", verb);
  return 1;
}
