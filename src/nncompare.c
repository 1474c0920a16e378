/* nncompare: one table for any number of results files and folders -- the
 * spec keys that differ between the runs, final and best metrics, the test
 * result, time and status, one row a run or a group of seeds (mean ± sd, 95%
 * intervals) -- as aligned text, CSV or Markdown.  It reads files and prints;
 * it never writes a file.  Reading and statistics: summary.c.
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "results.h"
#include "spec.h"
#include "summary.h"
#include "text.h"

static const char *prog = "nncompare";

static void usage(FILE *f) {
  fprintf(f,
          "Usage: nncompare [OPTIONS] RESULT.h5|FOLDER ...\n"
          "Print one table comparing results files: the run name, every spec key whose\n"
          "value differs between the runs (by dotted path), the final train and dev loss\n"
          "and accuracy, the best dev accuracy and its epoch, the test loss and accuracy,\n"
          "the time and the status.  A FOLDER means every *.h5 file directly in it.\n"
          "\n"
          "Runs that differ only in seed form a group, one row with n and the mean and\n"
          "sample standard deviation of every column (text: mean ± sd).  A group's\n"
          "numbers are over its complete runs (over all of them when none is); runs\n"
          "with the same seed are never grouped (the same run twice is not a sample).\n"
          "\n"
          "Options:\n"
          "  -f, --format FORMAT  text (default: aligned columns), csv (RFC 4180, one\n"
          "                       header row, full precision) or markdown (a pipe table)\n"
          "      --ci             the 95%% Student-t interval of the mean,\n"
          "                       t(0.975, n-1) * sd / sqrt(n): text cells read\n"
          "                       mean [lo, hi]; csv and markdown get X_ci95 columns\n"
          "                       (the half-width) after X_mean and X_sd\n"
          "      --by KEY,...     group by these spec keys only (e.g. train.lambda)\n"
          "      --no-group       one row per run\n"
          "      --sort COLUMN    order the rows by a column as the header names it: run,\n"
          "                       n, train_loss, train_acc, dev_loss, dev_acc, best_acc,\n"
          "                       best_epoch, test_loss, test_acc, time, status or a spec\n"
          "                       key; best first: accuracies and n descending, the rest\n"
          "                       ascending; missing values last, ties in input order\n"
          "  -h, --help           show this help\n"
          "  -V, --version        show the version\n"
          "\n"
          "When every group holds one run (and neither --by nor --ci is given) the table\n"
          "lists runs, with a file column in csv.  Otherwise rows are groups: an n\n"
          "column, and in csv and markdown X_mean and X_sd columns for every metric X.\n"
          "A group of one shows its values alone: no sd, no interval ('-' in markdown,\n"
          "empty in csv).  The run is the spec's name (the file's path when two rows\n"
          "have the same keys).  time is in seconds: the sum of /metrics/seconds, that\n"
          "is the epochs with their evaluation, without data loading and the final\n"
          "test.  A run still going, or killed (status running, no process holding its\n"
          "lock), is shown as it stands with a note on stderr.  '-' (text and markdown)\n"
          "or an empty field (csv) marks a value the file does not have yet.\n"
          "\n"
          "Exit status: 0 success, 1 an I/O error, 2 bad command line or a file that is\n"
          "not a readable results file (the others are still shown).\n");
}

enum format { FMT_TEXT, FMT_CSV, FMT_MARKDOWN };

typedef struct options {
  enum format fmt;
  int ci;                 /* --ci */
  enum summary_by by;
  const char *sort;       /* --sort COLUMN, or NULL */
} options;

/* ------------------------------------------------------------------ columns */

enum col_kind { COL_RUN, COL_FILE, COL_N, COL_KEY, COL_METRIC, COL_STATUS };
/* Which number of a metric a column shows: the value (one run a row, or the
 * text cell "mean ± sd"), or in csv and markdown the mean, sd or half-width. */
enum col_part { PART_VALUE, PART_MEAN, PART_SD, PART_CI };

typedef struct column {
  enum col_kind kind;
  size_t index;          /* COL_KEY: the key table; COL_METRIC: enum summary_metric */
  enum col_part part;
  char csv[48];          /* csv header; "" = not in csv */
  const char *group;     /* text: the label over a group of columns ("" = none) */
  const char *head;      /* text: the header under it; NULL = only in csv */
  char md[48];           /* markdown header; "" = not in markdown */
  int right;             /* right-aligned (numbers) */
} column;

/* The metrics: text group and header, markdown header, short name for --sort. */
static const struct {
  const char *group, *head, *md, *sort;
} metric_cols[SUMMARY_NMETRICS] = {
    {"train", "loss", "train loss", "train_loss"},
    {"train", "acc", "train acc", "train_acc"},
    {"dev", "loss", "dev loss", "dev_loss"},
    {"dev", "acc", "dev acc", "dev_acc"},
    {"best dev", "acc", "best dev acc", "best_acc"},
    {"best dev", "epoch", "best epoch", "best_epoch"},
    {"test", "loss", "test loss", "test_loss"},
    {"test", "acc", "test acc", "test_acc"},
    {"", "time", "time (s)", "time"},
};

#define MAXCOLS (4 + SPEC_NKEYS + 3 * SUMMARY_NMETRICS)
#define TEXT_CELL_MAX 28  /* text: longer names and values are cut in the middle */

/* A table: the groups (one a row) and how they are shown. */
typedef struct table {
  const summary *s;
  const options *opt;
  int aggregated;        /* rows are groups: n, mean ± sd (else one run a row) */
  size_t ncols;
  column cols[MAXCOLS];
} table;

static void add_column(table *t, column c) { t->cols[t->ncols++] = c; }

static void add_key_column(table *t, size_t k) {
  enum spec_type type = spec_key_type(k);
  column c = {COL_KEY, k, PART_VALUE, "", "", spec_key_path(k), "", type == SPEC_INT ||
              type == SPEC_REAL || type == SPEC_INT_LIST};
  snprintf(c.csv, sizeof c.csv, "%s", spec_key_path(k));
  snprintf(c.md, sizeof c.md, "%s", spec_key_path(k));
  add_column(t, c);
}

/* The columns of a metric: one, or in aggregated csv and markdown one per
 * part (mean, sd, and with --ci the half-width). */
static void add_metric_columns(table *t, enum summary_metric m) {
  int split = t->aggregated && t->opt->fmt != FMT_TEXT;
  enum col_part last = !split ? PART_VALUE : t->opt->ci ? PART_CI : PART_SD;
  static const char *suffix[] = {"", "_mean", "_sd", "_ci95"}, *md_suffix[] = {"", "", " sd",
                                                                                 " ci95"};
  for (enum col_part p = split ? PART_MEAN : PART_VALUE; p <= last; p++) {
    column c = {COL_METRIC, m, p, "", metric_cols[m].group, metric_cols[m].head, "", 1};
    snprintf(c.csv, sizeof c.csv, "%s%s", summary_metric_name(m), split ? suffix[p] : "");
    snprintf(c.md, sizeof c.md, "%s%s", metric_cols[m].md, md_suffix[p]);
    add_column(t, c);
  }
}

/* The columns: run (and file, csv only, one run a row), n when aggregated,
 * the keys (--by's, or those that differ between the rows but not within
 * one; name excluded: it is the run column), the metrics and the status. */
static void make_columns(table *t) {
  const summary *s = t->s;
  t->ncols = 0;
  add_column(t, (column){COL_RUN, 0, PART_VALUE, "run", "", "run", "run", 0});
  if (!t->aggregated) add_column(t, (column){COL_FILE, 0, PART_VALUE, "file", "", NULL, "", 0});
  else add_column(t, (column){COL_N, 0, PART_VALUE, "n", "", "n", "n", 1});
  if (s->by == SUMMARY_BY_KEYS) {
    for (size_t i = 0; i < s->nby; i++) add_key_column(t, s->by_key[i]);
  } else {
    for (size_t k = 0; k < spec_nkeys(); k++)
      if (strcmp(spec_key_path(k), "name") != 0 && summary_key_differs(s, k))
        add_key_column(t, k);
  }
  for (int m = 0; m < SUMMARY_NMETRICS; m++) add_metric_columns(t, (enum summary_metric)m);
  add_column(t, (column){COL_STATUS, 0, PART_VALUE, "status", "", "status", "status", 0});
}


/* A number for reading: seconds and (averaged) epochs with one decimal,
 * single epochs whole, the rest with four. */
static void rounded(enum summary_metric m, double x, int whole, char *buf, size_t n) {
  /* a diverged run's loss (1.9e78) in %.4f is 79 digits that a column cuts
   * or that read as a smaller number: 4 significant digits and the exponent */
  if (isfinite(x) && fabs(x) >= 1e6) snprintf(buf, n, "%.4g", x);
  else if (m == SUMMARY_BEST_EPOCH && whole) snprintf(buf, n, "%.0f", x);
  else if (m == SUMMARY_SECONDS || m == SUMMARY_BEST_EPOCH) snprintf(buf, n, "%.1f", x);
  else snprintf(buf, n, "%.4f", x);
}

/* A metric's cell: main is the value or the mean; spread (text, aggregated,
 * n > 1 only) "± sd" or with --ci "[lo, hi]", else "".  csv: full
 * precision, "" when missing; otherwise rounded, "-" when missing. */
static void metric_cell(const table *t, const summary_group *g, const column *c, char *main,
                        char *spread, size_t n) {
  enum summary_metric m = (enum summary_metric)c->index;
  const summary_stat *st = &g->stat[m];
  enum format fmt = t->opt->fmt;
  double v = c->part == PART_SD ? st->sd : c->part == PART_CI ? st->half : st->mean;
  spread[0] = '\0';
  if (st->n == 0 || isnan(v)) {
    snprintf(main, n, "%s", fmt == FMT_CSV ? "" : "-");
    return;
  }
  if (fmt == FMT_CSV) {
    text_number(v, main, n);
    return;
  }
  rounded(m, v, g->n == 1, main, n);
  if (fmt != FMT_TEXT || c->part != PART_VALUE || st->n < 2) return;
  char a[64], b[64];
  if (t->opt->ci) {
    rounded(m, st->mean - st->half, 0, a, sizeof a);
    rounded(m, st->mean + st->half, 0, b, sizeof b);
    snprintf(spread, n, "[%s, %s]", a, b);
  } else {
    rounded(m, st->sd, 0, a, sizeof a);
    snprintf(spread, n, "± %s", a);
  }
}

/* The text of one cell (spread: see metric_cell; "" for other columns). */
static void cell(const table *t, size_t row, const column *c, char *buf, char *spread,
                 size_t n) {
  const summary *s = t->s;
  const summary_group *g = &s->groups[row];
  const summary_run *first = &s->runs[g->run[0]];
  spread[0] = '\0';
  switch (c->kind) {
  /* a name may be a file's, with any bytes: escaped, so that a row stays
   * one line and nothing reaches the terminal raw */
  case COL_RUN: {
    const char *name = summary_group_name(s, row);
    text_escape(name, strlen(name), 1, buf, n);
    return;
  }
  case COL_FILE: text_escape(first->file, strlen(first->file), 1, buf, n); return;
  case COL_N: snprintf(buf, n, "%zu", g->used); return;
  case COL_KEY:
    /* a key the run's optimizer does not read: missing, like a metric */
    if (!spec_key_used(&first->spec, c->index))
      snprintf(buf, n, "%s", t->opt->fmt == FMT_CSV ? "" : "-");
    else
      spec_key_text(&first->spec, c->index, buf, n);
    return;
  case COL_METRIC: metric_cell(t, g, c, buf, spread, n); return;
  case COL_STATUS:
    /* csv: the status word, "killed" for a run that stopped running unsaved */
    if (t->opt->fmt == FMT_CSV && g->n == 1)
      snprintf(buf, n, "%s", first->state == SUMMARY_KILLED ? "killed" : first->status);
    else summary_group_status(s, row, buf, n);
    return;
  }
}

/* ------------------------------------------------------------------ sorting */

/* --sort: the column and its direction. */
typedef struct sorting {
  enum col_kind kind;   /* COL_RUN, COL_N, COL_KEY, COL_METRIC or COL_STATUS */
  size_t index;
  int descending;       /* accuracies and n: the best first */
} sorting;

static const char sort_names[] =
    "run, n, train_loss, train_acc, dev_loss, dev_acc, best_acc, best_epoch, test_loss, "
    "test_acc, time, status or a spec key such as train.lambda";

/* A column name as the text header shows it ("test_acc", "train.lambda"), or
 * as the csv header does ("test_accuracy", "seconds"). */
static int parse_sort(const char *name, sorting *so, nn_error *err) {
  memset(so, 0, sizeof *so);
  if (strcmp(name, "run") == 0) return so->kind = COL_RUN, NN_OK;
  if (strcmp(name, "n") == 0) return so->kind = COL_N, so->descending = 1, NN_OK;
  if (strcmp(name, "status") == 0) return so->kind = COL_STATUS, NN_OK;
  for (int m = 0; m < SUMMARY_NMETRICS; m++)
    if (strcmp(name, metric_cols[m].sort) == 0 || strcmp(name, summary_metric_name(m)) == 0) {
      so->kind = COL_METRIC, so->index = (size_t)m;
      so->descending = strcmp(metric_cols[m].head, "acc") == 0;
      return NN_OK;
    }
  if (!strchr(name, '.') && strcmp(name, "seed") != 0 && strcmp(name, "name") != 0)
    return nn_error_set(err, NN_BADINPUT, "unknown column '%s'; expected %s", name,
                        sort_names);
  int k = summary_find_key(name, strlen(name), err);
  if (k < 0) return NN_BADINPUT;
  so->kind = COL_KEY, so->index = (size_t)k;
  return NN_OK;
}

static const summary *sort_summary;  /* qsort has no context argument */
static sorting sort_by;

/* Missing values last, then ascending or descending, then input order. */
static int compare_groups(const void *a, const void *b) {
  const summary_group *x = a, *y = b;
  const summary *s = sort_summary;
  int c = 0;
  if (sort_by.kind == COL_METRIC) {
    double u = x->stat[sort_by.index].mean, v = y->stat[sort_by.index].mean;
    if (isnan(u) || isnan(v)) c = isnan(u) - isnan(v);
    else c = sort_by.descending ? (u < v) - (u > v) : (u > v) - (u < v);
  } else if (sort_by.kind == COL_N) {
    c = (x->used < y->used) - (x->used > y->used);
  } else if (sort_by.kind == COL_KEY) {
    const spec *p = &s->runs[x->run[0]].spec, *q = &s->runs[y->run[0]].spec;
    enum spec_type type = spec_key_type(sort_by.index);
    if (type == SPEC_REAL) {
      double u = spec_key_double(p, sort_by.index), v = spec_key_double(q, sort_by.index);
      c = (u > v) - (u < v);
    } else if (type == SPEC_INT) {
      long u = spec_key_long(p, sort_by.index), v = spec_key_long(q, sort_by.index);
      c = (u > v) - (u < v);
    } else if (type == SPEC_INT_LIST) { /* width by width, then the shorter first */
      const long *u, *v;
      size_t nu = spec_key_list(p, sort_by.index, &u), nv = spec_key_list(q, sort_by.index, &v);
      for (size_t i = 0; i < nu && i < nv && !c; i++) c = (u[i] > v[i]) - (u[i] < v[i]);
      if (!c) c = (nu > nv) - (nu < nv);
    } else {
      char u[SPEC_PATH_MAX], v[SPEC_PATH_MAX];
      spec_key_text(p, sort_by.index, u, sizeof u);
      spec_key_text(q, sort_by.index, v, sizeof v);
      c = strcmp(u, v);
    }
  } else if (sort_by.kind == COL_RUN) {
    c = strcmp(s->runs[x->run[0]].spec.name, s->runs[y->run[0]].spec.name);
  } else {
    c = strcmp(s->runs[x->run[0]].status, s->runs[y->run[0]].status);
  }
  return c ? c : (x->run[0] > y->run[0]) - (x->run[0] < y->run[0]);
}

static void sort_groups(summary *s, const sorting *so) {
  sort_summary = s;
  sort_by = *so;
  qsort(s->groups, s->ngroups, sizeof *s->groups, compare_groups);
}

/* ------------------------------------------------------------------ output */

#define CELL_MAX SPEC_PATH_MAX

static void put_csv_field(const char *s) {
  if (strpbrk(s, ",\"\r\n") == NULL) {
    fputs(s, stdout);
    return;
  }
  putchar('"');
  for (; *s; s++) {
    if (*s == '"') putchar('"');
    putchar(*s);
  }
  putchar('"');
}

static void print_csv(const table *t) {
  char buf[CELL_MAX], spread[CELL_MAX];
  const char *sep = "";
  for (size_t c = 0; c < t->ncols; c++, sep = ",") {
    fputs(sep, stdout);
    put_csv_field(t->cols[c].csv);
  }
  putchar('\n');
  for (size_t i = 0; i < t->s->ngroups; i++) {
    sep = "";
    for (size_t c = 0; c < t->ncols; c++, sep = ",") {
      cell(t, i, &t->cols[c], buf, spread, sizeof buf);
      fputs(sep, stdout);
      put_csv_field(buf);
    }
    putchar('\n');
  }
}

/* A markdown cell: '|' escaped, line breaks as spaces. */
static void put_md_cell(const char *s) {
  for (; *s; s++) {
    if (*s == '|') putchar('\\');
    putchar(*s == '\n' || *s == '\r' ? ' ' : *s);
  }
}

static void print_markdown(const table *t) {
  char buf[CELL_MAX], spread[CELL_MAX];
  for (size_t c = 0; c < t->ncols; c++) {
    if (!t->cols[c].md[0]) continue;
    fputs("| ", stdout);
    put_md_cell(t->cols[c].md);
    putchar(' ');
  }
  puts("|");
  for (size_t c = 0; c < t->ncols; c++)
    if (t->cols[c].md[0]) fputs(t->cols[c].right ? "|---:" : "|---", stdout);
  puts("|");
  for (size_t i = 0; i < t->s->ngroups; i++) {
    for (size_t c = 0; c < t->ncols; c++) {
      if (!t->cols[c].md[0]) continue;
      cell(t, i, &t->cols[c], buf, spread, sizeof buf);
      fputs("| ", stdout);
      put_md_cell(buf);
      putchar(' ');
    }
    puts("|");
  }
}

/* Cuts s to at most max characters by replacing its middle with "...". */
static void elide(char *s, size_t max) {
  size_t len = strlen(s);
  if (len <= max) return;
  size_t head = (max - 3) / 2, tail = max - 3 - head;
  memmove(s + head + 3, s + len - tail, tail + 1);
  memcpy(s + head, "...", 3);
}

/* Columns a string takes on a terminal: UTF-8 continuation bytes take none. */
static size_t text_width(const char *s) {
  size_t w = 0;
  for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
  return w;
}

/* A text cell: control characters (none left in names, escaped by cell()) shown
 * as '?', long ones cut. */
static void text_cell(const table *t, size_t row, const column *c, char *buf, char *spread,
                      size_t n) {
  cell(t, row, c, buf, spread, n);
  for (char *p = buf; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
  elide(buf, TEXT_CELL_MAX);
}

/* The widths of the text columns: the main part and the spread ("± sd") of
 * each, 0 for no spread in the column. */
typedef struct widths {
  size_t main[MAXCOLS], spread[MAXCOLS];
} widths;

static size_t full_width(const widths *w, size_t c) {
  return w->main[c] + (w->spread[c] ? 1 + w->spread[c] : 0);
}

/* Spaces before column c (c > 0) in the text table: one between the metric
 * columns (their groups are named on the line above), two elsewhere. */
static int text_gap(const column *cols, size_t c) {
  return cols[c].group[0] && cols[c - 1].group[0] ? 1 : 2;
}

static void print_padded(const char *s, size_t width, int right) {
  size_t len = text_width(s);
  if (right) printf("%*s%s", (int)(width - len), "", s);
  else printf("%s%*s", s, (int)(width - len), "");
}

/* Prints line (a buffer of the table's width) without trailing spaces. */
static void put_trimmed(char *line) {
  size_t len = strlen(line);
  while (len > 0 && line[len - 1] == ' ') line[--len] = '\0';
  puts(line);
}

static void measure(const table *t, const column *cols, size_t ncols, widths *w) {
  char buf[CELL_MAX], spread[CELL_MAX];
  for (size_t c = 0; c < ncols; c++) {
    /* Losses and accuracies keep the width of "0.0000" even when missing. */
    int metric = cols[c].group[0] && !(cols[c].kind == COL_METRIC &&
                                        cols[c].index == SUMMARY_BEST_EPOCH);
    w->main[c] = metric ? 6 : strlen(cols[c].head);
    w->spread[c] = 0;
    for (size_t i = 0; i < t->s->ngroups; i++) {
      text_cell(t, i, &cols[c], buf, spread, sizeof buf);
      if (text_width(buf) > w->main[c]) w->main[c] = text_width(buf);
      if (text_width(spread) > w->spread[c]) w->spread[c] = text_width(spread);
    }
    /* The header is right-aligned over the whole cell. */
    if (w->main[c] + (w->spread[c] ? 1 + w->spread[c] : 0) < strlen(cols[c].head))
      w->main[c] = strlen(cols[c].head) - (w->spread[c] ? 1 + w->spread[c] : 0);
  }
  /* A group's label, with a space and a dash each side, must fit over its
   * columns: widen the last one if not. */
  for (size_t c = 0; c < ncols;) {
    size_t end = c + 1, span = full_width(w, c);
    while (end < ncols && cols[c].group[0] && strcmp(cols[end].group, cols[c].group) == 0)
      span += 1 + full_width(w, end), end++;
    size_t need = cols[c].group[0] ? strlen(cols[c].group) + 4 : 0;
    if (need > span) w->main[end - 1] += need - span;
    c = end;
  }
}

/* The group labels, centred over their columns in a rule: "--- train ---". */
static int print_groups(const column *cols, size_t ncols, const widths *w) {
  size_t total = 0;
  for (size_t c = 0; c < ncols; c++)
    total += (c ? (size_t)text_gap(cols, c) : 0) + full_width(w, c);
  char *line = malloc(total + 1);
  if (!line) return NN_FAIL;
  memset(line, ' ', total);
  line[total] = '\0';
  for (size_t c = 0, x = 0; c < ncols;) {
    size_t start = x, end = c + 1;
    x += full_width(w, c);
    while (end < ncols && cols[c].group[0] && strcmp(cols[end].group, cols[c].group) == 0)
      x += (size_t)text_gap(cols, end) + full_width(w, end), end++;
    size_t len = strlen(cols[c].group), span = x - start;
    if (len > 0) {
      memset(line + start, '-', span);
      line[start + (span - len) / 2 - 1] = ' ';
      memcpy(line + start + (span - len) / 2, cols[c].group, len);
      line[start + (span - len) / 2 + len] = ' ';
    }
    c = end;
    if (c < ncols) x += (size_t)text_gap(cols, c);
  }
  put_trimmed(line);
  free(line);
  return NN_OK;
}

/* One text cell: the main part right-aligned (left for text columns), then
 * the spread left-aligned, or blanks when the cell has none. */
static void print_text_cell(const column *cols, size_t c, size_t ncols, const widths *w,
                            const char *main, const char *spread) {
  if (c) printf("%*s", text_gap(cols, c), "");
  int last = c == ncols - 1 && !cols[c].right;
  if (last) fputs(main, stdout);
  else print_padded(main, w->main[c], cols[c].right);
  if (w->spread[c]) {
    putchar(' ');
    print_padded(spread, w->spread[c], 0);
  }
}

static int print_text(const table *t) {
  char buf[CELL_MAX], spread[CELL_MAX];
  column cols[MAXCOLS];
  widths w;
  size_t ncols = 0;
  for (size_t c = 0; c < t->ncols; c++)
    if (t->cols[c].head) cols[ncols++] = t->cols[c];
  measure(t, cols, ncols, &w);
  if (print_groups(cols, ncols, &w)) return NN_FAIL;
  for (size_t c = 0; c < ncols; c++) {
    if (c) printf("%*s", text_gap(cols, c), "");
    if (c == ncols - 1 && !cols[c].right) fputs(cols[c].head, stdout);
    else print_padded(cols[c].head, full_width(&w, c), cols[c].right);
  }
  putchar('\n');
  for (size_t i = 0; i < t->s->ngroups; i++) {
    for (size_t c = 0; c < ncols; c++) {
      text_cell(t, i, &cols[c], buf, spread, sizeof buf);
      print_text_cell(cols, c, ncols, &w, buf, spread);
    }
    putchar('\n');
  }
  return NN_OK;
}

/* ------------------------------------------------------------------ main */

static void report(void *ctx, const nn_error *err) {
  (void)ctx;
  cli_error(prog, err);
}

/* Rows are groups (n, mean ± sd) unless every group holds one run and
 * neither --by nor --ci asks for the aggregated layout. */
static int aggregated(const summary *s, const options *opt) {
  if (s->by == SUMMARY_BY_RUN) return 0;
  if (s->by == SUMMARY_BY_KEYS || opt->ci) return 1;
  for (size_t g = 0; g < s->ngroups; g++)
    if (s->groups[g].n > 1) return 1;
  return 0;
}

/* Parses the options into opt and s (--by); returns -1 to go on, else the
 * exit status. */
static int parse_options(int argc, char **argv, options *opt, summary *s) {
  static const struct option longopts[] = {
      {"format", required_argument, NULL, 'f'}, {"ci", no_argument, NULL, 'c'},
      {"by", required_argument, NULL, 'b'},     {"no-group", no_argument, NULL, 'G'},
      {"sort", required_argument, NULL, 's'},   {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0}};
  int c, by = 0, nogroup = 0;
  nn_error err = {0};
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":f:hV", longopts, NULL)) != -1) {
    switch (c) {
    case 'f':
      if (strcmp(optarg, "text") == 0) opt->fmt = FMT_TEXT;
      else if (strcmp(optarg, "csv") == 0) opt->fmt = FMT_CSV;
      else if (strcmp(optarg, "markdown") == 0) opt->fmt = FMT_MARKDOWN;
      else {
        cli_printf(stderr, "%s: --format: expected text, csv or markdown, got '%s'\n", prog,
                   optarg);
        return NN_BADINPUT;
      }
      break;
    case 'c': opt->ci = 1; break;
    case 'b':
      if (summary_parse_by(s, optarg, &err)) {
        cli_printf(stderr, "%s: --by: %s\n", prog, err.msg);
        return NN_BADINPUT;
      }
      by = 1;
      break;
    case 'G': nogroup = 1; break;
    case 's': opt->sort = optarg; break;
    case 'h': usage(stdout); return NN_OK;
    case 'V': printf("nncompare %s\n", PACKAGE_VERSION); return NN_OK;
    case ':':
      cli_printf(stderr, "%s: %s needs an argument; see nncompare --help\n", prog,
                 argv[optind - 1]);
      return NN_BADINPUT;
    default:
      cli_printf(stderr, "%s: unknown option '%s'; see nncompare --help\n", prog,
                 argv[optind - 1]);
      return NN_BADINPUT;
    }
  }
  if (by && nogroup) {
    cli_printf(stderr, "%s: --by and --no-group exclude each other\n", prog);
    return NN_BADINPUT;
  }
  opt->by = nogroup ? SUMMARY_BY_RUN : by ? SUMMARY_BY_KEYS : SUMMARY_BY_SEED;
  return -1;
}

/* Groups, sorts and prints the table; notes unfinished runs on stderr. */
static int print_table(summary *s, const options *opt, const sorting *so) {
  nn_error err = {0};
  if (summary_make_groups(s, opt->by, &err)) {
    cli_error(prog, &err);
    return NN_FAIL;
  }
  char note[2 * SPEC_PATH_MAX];
  for (size_t r = 0; r < s->nruns; r++)
    if (summary_note(s, r, "shown", note, sizeof note)) cli_printf(stderr, "%s: %s\n", prog, note);
  if (so) sort_groups(s, so);
  static table t;  /* large: keep it off the stack */
  t.s = s, t.opt = opt, t.aggregated = aggregated(s, opt);
  make_columns(&t);
  if (opt->fmt == FMT_CSV) print_csv(&t);
  else if (opt->fmt == FMT_MARKDOWN) print_markdown(&t);
  else if (print_text(&t)) {
    cli_printf(stderr, "%s: out of memory\n", prog);
    return NN_FAIL;
  }
  return NN_OK;
}

int main(int argc, char **argv) {
  options opt = {FMT_TEXT, 0, SUMMARY_BY_SEED, NULL};
  summary s;
  sorting so;
  nn_error err = {0};
  summary_init(&s);
  int rc = parse_options(argc, argv, &opt, &s);
  if (rc >= 0) return rc;
  if (opt.sort && parse_sort(opt.sort, &so, &err)) {
    cli_printf(stderr, "%s: --sort: %s\n", prog, err.msg);
    return NN_BADINPUT;
  }
  if (optind >= argc) {
    cli_printf(stderr, "%s: no results file given; usage: nncompare [OPTIONS] RESULT.h5 ...\n",
               prog);
    return NN_BADINPUT;
  }
  results_quiet_hdf5();
  /* Every file is tried; a bad one is named and left out of the table. */
  int worst = summary_read(&s, argv + optind, (size_t)(argc - optind), report, NULL);
  if (s.nruns > 0) {
    rc = print_table(&s, &opt, opt.sort ? &so : NULL);
    if (rc > worst) worst = rc;
  }
  summary_free(&s);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_printf(stderr, "%s: error writing to standard output\n", prog);
    if (worst == NN_OK) worst = NN_FAIL;
  }
  return worst;
}
