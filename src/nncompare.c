/* nncompare: one table for any number of results files -- the spec keys that
 * differ between the runs, final and best metrics, the test result, time and
 * status -- as aligned text, CSV or Markdown.  It reads files and prints; it
 * never writes a file.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "results.h"
#include "spec.h"

static const char *prog = "nncompare";

static void usage(FILE *f) {
  fprintf(f,
          "Usage: nncompare [OPTIONS] RESULT.h5 ...\n"
          "Print one table comparing results files: the run name, every spec key whose\n"
          "value differs between the runs (by dotted path), the final train and dev loss\n"
          "and accuracy, the best dev accuracy and its epoch, the test loss and accuracy,\n"
          "the time and the status.\n"
          "\n"
          "Options:\n"
          "  -f, --format FORMAT  text (default: aligned columns), csv (RFC 4180, one\n"
          "                       header row, full precision) or markdown (a pipe table)\n"
          "  -h, --help           show this help\n"
          "  -V, --version        show the version\n"
          "\n"
          "The run is the spec's name (the file's path when two runs share a name).\n"
          "time is in seconds: the sum of /metrics/seconds, that is the epochs with\n"
          "their evaluation, without data loading and the final test.  A run that is\n"
          "still going is shown as it stands, with a note on stderr.  '-' (text and\n"
          "markdown) or an empty field (csv) marks a value the file does not have yet.\n"
          "\n"
          "Exit status: 0 success, 1 an I/O error, 2 bad command line or a file that is\n"
          "not a readable results file (the others are still shown).\n");
}

enum format { FMT_TEXT, FMT_CSV, FMT_MARKDOWN };

/* What the table needs of one results file; the rest of it is freed at once. */
typedef struct run {
  const char *file;
  const char *label;          /* spec name, or file when names collide */
  spec spec;
  char status[32];
  size_t epochs_done;
  results_epoch last;         /* valid when epochs_done > 0 */
  double best_dev_accuracy;   /* valid when epochs_done > 0 */
  long best_epoch;
  double seconds;             /* sum of /metrics/seconds */
  int has_test;
  double test_loss, test_accuracy;
} run;

static int load_run(run *u, const char *file, nn_error *err) {
  results r;
  int rc = results_read(&r, file, err);
  if (rc) return rc;
  memset(u, 0, sizeof *u);
  u->file = u->label = file;
  u->spec = r.spec;
  snprintf(u->status, sizeof u->status, "%s", r.status);
  u->epochs_done = r.epochs_done;
  for (size_t e = 0; e < r.epochs_done; e++) {
    const results_epoch *row = &r.metrics[e];
    u->seconds += row->seconds;
    if (e == 0 || row->dev_accuracy > u->best_dev_accuracy) {
      u->best_dev_accuracy = row->dev_accuracy;
      u->best_epoch = row->epoch;
    }
  }
  if (r.epochs_done) u->last = r.metrics[r.epochs_done - 1];
  u->has_test = r.has_test;
  u->test_loss = r.test_loss;
  u->test_accuracy = r.test_accuracy;
  results_free(&r);
  return NN_OK;
}

/* ------------------------------------------------------------------ columns */

enum col_kind {
  COL_RUN, COL_FILE, COL_KEY, COL_TRAIN_LOSS, COL_TRAIN_ACC, COL_DEV_LOSS, COL_DEV_ACC,
  COL_BEST_ACC, COL_BEST_EPOCH, COL_TEST_LOSS, COL_TEST_ACC, COL_SECONDS, COL_STATUS
};

typedef struct column {
  enum col_kind kind;
  size_t key;            /* COL_KEY: index into the spec key table */
  const char *csv;       /* csv header; NULL = not in csv */
  const char *group;     /* text: the label over a group of columns ("" = none) */
  const char *head;      /* text: the header under it; NULL = only in csv */
  const char *md;        /* markdown header */
  int right;             /* right-aligned (numbers) */
} column;

/* The fixed columns, in order; the differing keys go after COL_FILE. */
static const column fixed_before[] = {
    {COL_RUN, 0, "run", "", "run", "run", 0},
    {COL_FILE, 0, "file", "", NULL, NULL, 0},
};
static const column fixed_after[] = {
    {COL_TRAIN_LOSS, 0, "train_loss", "train", "loss", "train loss", 1},
    {COL_TRAIN_ACC, 0, "train_accuracy", "train", "acc", "train acc", 1},
    {COL_DEV_LOSS, 0, "dev_loss", "dev", "loss", "dev loss", 1},
    {COL_DEV_ACC, 0, "dev_accuracy", "dev", "acc", "dev acc", 1},
    {COL_BEST_ACC, 0, "best_dev_accuracy", "best dev", "acc", "best dev acc", 1},
    {COL_BEST_EPOCH, 0, "best_dev_epoch", "best dev", "epoch", "best epoch", 1},
    {COL_TEST_LOSS, 0, "test_loss", "test", "loss", "test loss", 1},
    {COL_TEST_ACC, 0, "test_accuracy", "test", "acc", "test acc", 1},
    {COL_SECONDS, 0, "seconds", "", "time", "time (s)", 1},
    {COL_STATUS, 0, "status", "", "status", "status", 0},
};

#define NFIXED (sizeof fixed_before / sizeof fixed_before[0] + \
                sizeof fixed_after / sizeof fixed_after[0])
#define TEXT_CELL_MAX 28  /* text: longer names and values are cut in the middle */

/* The columns of the table: the fixed ones and one per key that differs
 * between the runs (name excluded: it is the run column).  cols has room for
 * NFIXED + SPEC_NKEYS. */
static size_t make_columns(const run *runs, size_t nruns, column *cols) {
  size_t n = 0;
  for (size_t i = 0; i < sizeof fixed_before / sizeof fixed_before[0]; i++)
    cols[n++] = fixed_before[i];
  for (size_t k = 0; k < spec_nkeys(); k++) {
    if (strcmp(spec_key_path(k), "name") == 0) continue;
    char first[SPEC_PATH_MAX], other[SPEC_PATH_MAX];
    spec_key_text(&runs[0].spec, k, first, sizeof first);
    int differs = 0;
    for (size_t j = 1; j < nruns && !differs; j++) {
      spec_key_text(&runs[j].spec, k, other, sizeof other);
      differs = strcmp(first, other) != 0;
    }
    if (!differs) continue;
    enum spec_type t = spec_key_type(k);
    const char *path = spec_key_path(k);
    cols[n++] = (column){COL_KEY, k, path, "", path, path, t == SPEC_INT || t == SPEC_REAL};
  }
  for (size_t i = 0; i < sizeof fixed_after / sizeof fixed_after[0]; i++)
    cols[n++] = fixed_after[i];
  return n;
}

/* x with the fewest significant digits that read back to exactly x. */
static void shortest(double x, char *buf, size_t n) {
  char tmp[64];
  for (int p = 1; p <= 17; p++) {
    snprintf(tmp, sizeof tmp, "%.*g", p, x);
    if (strtod(tmp, NULL) == x) break;
  }
  snprintf(buf, n, "%s", tmp);
}

/* The text of one cell.  csv: full precision, "" when missing; otherwise
 * rounded for reading, "-" when missing. */
static void cell(const run *u, const column *c, enum format fmt, char *buf, size_t n) {
  const char *missing = fmt == FMT_CSV ? "" : "-";
  int have = u->epochs_done > 0;
  double v = 0;
  switch (c->kind) {
  case COL_RUN: snprintf(buf, n, "%s", u->label); return;
  case COL_FILE: snprintf(buf, n, "%s", u->file); return;
  case COL_KEY: spec_key_text(&u->spec, c->key, buf, n); return;
  case COL_TRAIN_LOSS: v = u->last.train_loss; break;
  case COL_TRAIN_ACC: v = u->last.train_accuracy; break;
  case COL_DEV_LOSS: v = u->last.dev_loss; break;
  case COL_DEV_ACC: v = u->last.dev_accuracy; break;
  case COL_BEST_ACC: v = u->best_dev_accuracy; break;
  case COL_BEST_EPOCH:
    if (have) snprintf(buf, n, "%ld", u->best_epoch);
    else snprintf(buf, n, "%s", missing);
    return;
  case COL_TEST_LOSS: have = u->has_test; v = u->test_loss; break;
  case COL_TEST_ACC: have = u->has_test; v = u->test_accuracy; break;
  case COL_SECONDS:
    if (fmt == FMT_CSV) shortest(u->seconds, buf, n);
    else snprintf(buf, n, "%.1f", u->seconds);
    return;
  case COL_STATUS:
    if (fmt != FMT_CSV && strcmp(u->status, "running") == 0)
      snprintf(buf, n, "running %zu/%ld", u->epochs_done, u->spec.train.epochs);
    else snprintf(buf, n, "%s", u->status);
    return;
  }
  if (!have) snprintf(buf, n, "%s", missing);
  else if (fmt == FMT_CSV) shortest(v, buf, n);
  else snprintf(buf, n, "%.4f", v);
}

/* ------------------------------------------------------------------ output */

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

static void print_csv(const run *runs, size_t nruns, const column *cols, size_t ncols) {
  char buf[SPEC_PATH_MAX];
  const char *sep = "";
  for (size_t c = 0; c < ncols; c++, sep = ",") {
    fputs(sep, stdout);
    put_csv_field(cols[c].csv);
  }
  putchar('\n');
  for (size_t i = 0; i < nruns; i++) {
    sep = "";
    for (size_t c = 0; c < ncols; c++, sep = ",") {
      cell(&runs[i], &cols[c], FMT_CSV, buf, sizeof buf);
      fputs(sep, stdout);
      put_csv_field(buf);
    }
    putchar('\n');
  }
}

static void put_md_cell(const char *s) {
  for (; *s; s++) {
    if (*s == '|') putchar('\\');
    putchar(*s);
  }
}

static void print_markdown(const run *runs, size_t nruns, const column *cols, size_t ncols) {
  char buf[SPEC_PATH_MAX];
  for (size_t c = 0; c < ncols; c++) {
    if (!cols[c].md) continue;
    fputs("| ", stdout);
    put_md_cell(cols[c].md);
    putchar(' ');
  }
  puts("|");
  for (size_t c = 0; c < ncols; c++)
    if (cols[c].md) fputs(cols[c].right ? "|---:" : "|---", stdout);
  puts("|");
  for (size_t i = 0; i < nruns; i++) {
    for (size_t c = 0; c < ncols; c++) {
      if (!cols[c].md) continue;
      cell(&runs[i], &cols[c], FMT_MARKDOWN, buf, sizeof buf);
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

static void text_cell(const run *u, const column *c, char *buf, size_t n) {
  cell(u, c, FMT_TEXT, buf, n);
  elide(buf, TEXT_CELL_MAX);
}

/* Spaces before column c (c > 0) in the text table: one between the metric
 * columns (their groups are named on the line above), two elsewhere. */
static int text_gap(const column *cols, size_t c) {
  return cols[c].group[0] && cols[c - 1].group[0] ? 1 : 2;
}

static void print_padded(const char *s, size_t width, int right) {
  size_t len = strlen(s);
  if (right) printf("%*s%s", (int)(width - len), "", s);
  else printf("%s%*s", s, (int)(width - len), "");
}

/* Prints line (a buffer of the table's width) without trailing spaces. */
static void put_trimmed(char *line) {
  size_t len = strlen(line);
  while (len > 0 && line[len - 1] == ' ') line[--len] = '\0';
  puts(line);
}

static int print_text(const run *runs, size_t nruns, const column *all, size_t nall) {
  char buf[SPEC_PATH_MAX];
  column cols[NFIXED + SPEC_NKEYS];
  size_t width[NFIXED + SPEC_NKEYS], ncols = 0;
  for (size_t c = 0; c < nall; c++)
    if (all[c].head) cols[ncols++] = all[c];
  for (size_t c = 0; c < ncols; c++) {
    /* Losses and accuracies keep the width of "0.0000" even when missing. */
    width[c] = cols[c].group[0] && cols[c].kind != COL_BEST_EPOCH ? 6 : strlen(cols[c].head);
    for (size_t i = 0; i < nruns; i++) {
      text_cell(&runs[i], &cols[c], buf, sizeof buf);
      if (strlen(buf) > width[c]) width[c] = strlen(buf);
    }
  }
  /* A group's label, with a space and a dash each side, must fit over its
   * columns: widen the last one if not. */
  for (size_t c = 0; c < ncols;) {
    size_t end = c + 1, span = width[c];
    while (end < ncols && cols[c].group[0] && strcmp(cols[end].group, cols[c].group) == 0)
      span += 1 + width[end], end++;
    size_t need = cols[c].group[0] ? strlen(cols[c].group) + 4 : 0;
    if (need > span) width[end - 1] += need - span;
    c = end;
  }
  size_t total = 0;
  for (size_t c = 0; c < ncols; c++) total += (c ? (size_t)text_gap(cols, c) : 0) + width[c];
  char *line = malloc(total + 1);
  if (!line) return NN_FAIL;

  /* The group labels, centred over their columns in a rule: "--- train ---". */
  memset(line, ' ', total);
  line[total] = '\0';
  for (size_t c = 0, x = 0; c < ncols;) {
    size_t start = x, end = c + 1;
    x += width[c];
    while (end < ncols && cols[c].group[0] && strcmp(cols[end].group, cols[c].group) == 0)
      x += (size_t)text_gap(cols, end) + width[end], end++;
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

  for (size_t c = 0; c < ncols; c++) {
    if (c) printf("%*s", text_gap(cols, c), "");
    if (c == ncols - 1 && !cols[c].right) fputs(cols[c].head, stdout);
    else print_padded(cols[c].head, width[c], cols[c].right);
  }
  putchar('\n');
  for (size_t i = 0; i < nruns; i++) {
    for (size_t c = 0; c < ncols; c++) {
      text_cell(&runs[i], &cols[c], buf, sizeof buf);
      if (c) printf("%*s", text_gap(cols, c), "");
      if (c == ncols - 1 && !cols[c].right) fputs(buf, stdout);
      else print_padded(buf, width[c], cols[c].right);
    }
    putchar('\n');
  }
  return NN_OK;
}

/* ------------------------------------------------------------------ main */

/* Runs that share a spec name are labelled by their file instead. */
static void label_runs(run *runs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    runs[i].label = runs[i].spec.name;
    for (size_t j = 0; j < n; j++)
      if (j != i && strcmp(runs[i].spec.name, runs[j].spec.name) == 0) {
        runs[i].label = runs[i].file;
        break;
      }
  }
}

int main(int argc, char **argv) {
  static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                           {"help", no_argument, NULL, 'h'},
                                           {"version", no_argument, NULL, 'V'},
                                           {NULL, 0, NULL, 0}};
  enum format fmt = FMT_TEXT;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":f:hV", longopts, NULL)) != -1) {
    switch (c) {
    case 'f':
      if (strcmp(optarg, "text") == 0) fmt = FMT_TEXT;
      else if (strcmp(optarg, "csv") == 0) fmt = FMT_CSV;
      else if (strcmp(optarg, "markdown") == 0) fmt = FMT_MARKDOWN;
      else {
        fprintf(stderr, "%s: --format: expected text, csv or markdown, got '%s'\n", prog,
                optarg);
        return NN_BADINPUT;
      }
      break;
    case 'h': usage(stdout); return NN_OK;
    case 'V': printf("nncompare %s\n", PACKAGE_VERSION); return NN_OK;
    case ':':
      fprintf(stderr, "%s: %s needs an argument; see nncompare --help\n", prog,
              argv[optind - 1]);
      return NN_BADINPUT;
    default:
      fprintf(stderr, "%s: unknown option '%s'; see nncompare --help\n", prog,
              argv[optind - 1]);
      return NN_BADINPUT;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "%s: no results file given; usage: nncompare [OPTIONS] RESULT.h5 ...\n",
            prog);
    return NN_BADINPUT;
  }
  results_quiet_hdf5();

  int worst = NN_OK;
  size_t nruns = 0;
  run *runs = malloc((size_t)(argc - optind) * sizeof *runs);
  if (!runs) {
    fprintf(stderr, "%s: out of memory\n", prog);
    return NN_FAIL;
  }
  /* Every file is tried; a bad one is named and left out of the table. */
  for (int i = optind; i < argc; i++) {
    nn_error err = {0};
    int rc = load_run(&runs[nruns], argv[i], &err);
    if (rc) {
      cli_error(prog, &err);
      if (rc > worst) worst = rc;
      continue;
    }
    const run *u = &runs[nruns++];
    if (strcmp(u->status, "running") == 0)
      fprintf(stderr, "%s: %s: still running (%zu of %ld epochs done); shown as it stands\n",
              prog, u->file, u->epochs_done, u->spec.train.epochs);
  }
  if (nruns > 0) {
    column cols[NFIXED + SPEC_NKEYS];
    label_runs(runs, nruns);
    size_t ncols = make_columns(runs, nruns, cols);
    if (fmt == FMT_CSV) print_csv(runs, nruns, cols, ncols);
    else if (fmt == FMT_MARKDOWN) print_markdown(runs, nruns, cols, ncols);
    else if (print_text(runs, nruns, cols, ncols)) {
      fprintf(stderr, "%s: out of memory\n", prog);
      worst = NN_FAIL;
    }
  }
  free(runs);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "%s: error writing to standard output\n", prog);
    if (worst == NN_OK) worst = NN_FAIL;
  }
  return worst;
}
