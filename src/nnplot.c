/* nnplot: loss-vs-epoch and accuracy-vs-epoch plots of results files, train
 * and dev for every run, as PNG and SVG through gnuplot.  It writes a gnuplot
 * script (data inline) and runs gnuplot on it; it draws nothing itself.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "results.h"
#include "spec.h"

static const char *prog = "nnplot";

#define GNUPLOT_PACKAGE "gnuplot-nox"
#define SIZE_LO 100
#define SIZE_HI 10000
#define PLOT_PATH_MAX 4096
#define STDERR_MAX 8192   /* bytes of gnuplot's messages kept for the report */

static void usage(FILE *f) {
  fprintf(f,
          "Usage: nnplot [OPTIONS] RESULT.h5 ...\n"
          "Plot loss and accuracy against the epoch, train (solid) and dev (dashed) for\n"
          "every run, one colour per run, through gnuplot.  Writes PREFIX-loss.png,\n"
          "PREFIX-loss.svg, PREFIX-accuracy.png and PREFIX-accuracy.svg, where PREFIX\n"
          "is the run's name for one file and 'compare' for several.\n"
          "\n"
          "Options:\n"
          "  -o, --output DIR     write into DIR, created when missing (default: the\n"
          "                       folder of the first results file)\n"
          "  -n, --name PREFIX    the file name prefix instead of the run name/'compare'\n"
          "  -m, --metric WHICH   loss, accuracy or both (default both)\n"
          "  -l, --log            log scale for the loss axis\n"
          "  -s, --size WxH       image size in pixels, each %d..%d (default 800x600)\n"
          "  -k, --keep-script    keep the gnuplot script as DIR/PREFIX.gp (rerun it with\n"
          "                       `gnuplot DIR/PREFIX.gp`) and print its path\n"
          "  -q, --quiet          do not list the files written\n"
          "  -h, --help           show this help\n"
          "  -V, --version        show the version\n"
          "\n"
          "gnuplot (pngcairo and svg terminals) must be on PATH: apt-get install %s.\n"
          "The legend names each run (by its file when runs share a name).  A run\n"
          "still going is plotted as it stands, with a note on stderr.\n"
          "\n"
          "Exit status: 0 success, 1 gnuplot missing or failed, or an I/O error, 2 bad\n"
          "command line or a file that is not a readable results file (the others are\n"
          "still plotted).\n",
          SIZE_LO, SIZE_HI, GNUPLOT_PACKAGE);
}

enum { METRIC_LOSS = 1, METRIC_ACCURACY = 2, METRIC_BOTH = 3 };

typedef struct options {
  const char *dir, *name;
  int metrics, log, keep, quiet;
  long width, height;
} options;

/* What a plot needs of one results file. */
typedef struct run {
  const char *file;
  char name[SPEC_NAME_MAX];
  const char *label;        /* name, or file when runs share a name */
  char status[32];
  long epochs;              /* spec.train.epochs */
  size_t n;                 /* rows of metrics */
  results_epoch *metrics;   /* (n) owned */
} run;

static int load_run(run *u, const char *file, nn_error *err) {
  results r;
  int rc = results_read(&r, file, err);
  if (rc) return rc;
  memset(u, 0, sizeof *u);
  u->file = file;
  snprintf(u->name, sizeof u->name, "%s", r.spec.name);
  snprintf(u->status, sizeof u->status, "%s", r.status);
  u->epochs = r.spec.train.epochs;
  u->n = r.epochs_done;
  u->metrics = r.metrics;   /* taken over */
  r.metrics = NULL;
  r.epochs_done = r.epochs_cap = 0;
  results_free(&r);
  return NN_OK;
}

/* --------------------------------------------------------------- options */

/* "800x600" -> 800, 600, each in [SIZE_LO, SIZE_HI]. */
static int parse_size(const char *text, long *w, long *h) {
  const char *x = strchr(text, 'x');
  char wtext[32];
  if (!x || (size_t)(x - text) >= sizeof wtext) return -1;
  memcpy(wtext, text, (size_t)(x - text));
  wtext[x - text] = '\0';
  return cli_parse_long(wtext, SIZE_LO, SIZE_HI, w) ||
                 cli_parse_long(x + 1, SIZE_LO, SIZE_HI, h)
             ? -1
             : 0;
}

/* A prefix is used as a file name: not empty, no '/', not starting with '.'
 * or '-'. */
static int plain_prefix(const char *s) {
  return s[0] && s[0] != '.' && s[0] != '-' && !strchr(s, '/') && strlen(s) < 200;
}

/* ------------------------------------------------------------- the script */

/* gnuplot single-quoted string: '' stands for one quote. */
static void put_quoted(FILE *f, const char *s) {
  fputc('\'', f);
  for (; *s; s++) {
    if (*s == '\'') fputc('\'', f);
    fputc(*s, f);
  }
  fputc('\'', f);
}

/* One colour per run (a palette readable on white), cycled past ten runs. */
static const char *palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
#define NPALETTE (sizeof palette / sizeof palette[0])

typedef struct plot {
  const char *what;      /* "loss" / "accuracy": file names */
  const char *title;     /* "Loss" */
  const char *ylabel;
  int train_col, dev_col;  /* columns of the data blocks */
  const char *key;       /* legend position */
  int loss;              /* the loss plot: --log applies, never below 0 */
} plot;

static const plot plots[] = {
    {"loss", "Loss", "loss (mean cross-entropy)", 2, 3, "top right", 1},
    {"accuracy", "Accuracy", "accuracy", 4, 5, "bottom right", 0},
};

static void output_path(char *buf, size_t n, const options *opt, const char *prefix,
                        const char *what, const char *ext) {
  snprintf(buf, n, "%s/%s-%s.%s", opt->dir, prefix, what, ext);
}

/* The title: "Loss per epoch: a", "... a vs b", "... a, b and c", "... 5 runs". */
static void put_title(FILE *f, const plot *p, const run *runs, size_t nruns) {
  char t[1024];
  size_t o = (size_t)snprintf(t, sizeof t, "%s per epoch: ", p->title);
  if (nruns > 4) {
    snprintf(t + o, sizeof t - o, "%zu runs", nruns);
  } else {
    for (size_t i = 0; i < nruns && o < sizeof t; i++) {
      const char *sep = i == 0 ? "" : nruns == 2 ? " vs " : i == nruns - 1 ? " and " : ", ";
      o += (size_t)snprintf(t + o, sizeof t - o, "%s%s", sep, runs[i].label);
    }
  }
  fputs("set title ", f);
  put_quoted(f, t);
  fputc('\n', f);
}

static void put_terminal(FILE *f, const options *opt, int svg, double font) {
  if (svg)
    fprintf(f, "set terminal svg size %ld,%ld dynamic noenhanced font 'sans,%.0f' "
            "background rgb 'white'\n", opt->width, opt->height, font);
  else
    fprintf(f, "set terminal pngcairo size %ld,%ld noenhanced font 'sans,%.0f' "
            "background rgb 'white'\n", opt->width, opt->height, font);
}

/* Tics for a log loss axis: 1, 2, 5 times powers of ten within the data's
 * range, or 1..9 times them when that gives fewer than three, or else five
 * evenly spaced values (a range too narrow for a log axis to show). */
static void put_log_tics(FILE *f, const run *runs, size_t nruns) {
  double lo = HUGE_VAL, hi = 0;
  for (size_t i = 0; i < nruns; i++)
    for (size_t e = 0; e < runs[i].n; e++) {
      double v[2] = {runs[i].metrics[e].train_loss, runs[i].metrics[e].dev_loss};
      for (int j = 0; j < 2; j++)
        if (v[j] > 0 && isfinite(v[j])) lo = fmin(lo, v[j]), hi = fmax(hi, v[j]);
    }
  if (!(hi > 0)) return;
  double tics[64];
  size_t n = 0;
  static const double steps[2][9] = {{1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
  static const int nsteps[2] = {3, 9};
  for (int s = 0; s < 2 && n < 3; s++) {
    n = 0;
    for (int k = (int)floor(log10(lo)); k <= (int)ceil(log10(hi)) && n < 60; k++)
      for (int m = 0; m < nsteps[s] && n < 60; m++) {
        double t = steps[s][m] * pow(10, k);
        if (t >= lo * 0.98 && t <= hi * 1.02) tics[n++] = t;
      }
  }
  if (n < 2) {
    n = 5;
    for (size_t i = 0; i < n; i++) {
      char text[32];
      snprintf(text, sizeof text, "%.2g", lo + (hi - lo) * (double)i / (double)(n - 1));
      tics[i] = strtod(text, NULL);
    }
  }
  fputs("set ytics (", f);
  for (size_t i = 0; i < n; i++) fprintf(f, "%s%g", i ? ", " : "", tics[i]);
  fputs(")\n", f);
}

static void put_plot(FILE *f, const plot *p, const run *runs, size_t nruns, const options *opt,
                     const char *prefix, long max_epoch, double font) {
  char path[PLOT_PATH_MAX];
  int scaled = p->loss && opt->log;
  fprintf(f, "\n# ---- %s\n", p->what);
  put_title(f, p, runs, nruns);
  fprintf(f, "set ylabel '%s%s'\n", p->ylabel, scaled ? ", log scale" : "");
  if (scaled) {
    /* A log axis would otherwise grow to whole decades, labelled only there. */
    fputs("set logscale y\nset autoscale yfix\nset yrange [*:*]\n"
          "set offsets 0, 0, graph 0.05, graph 0.05\n", f);
    put_log_tics(f, runs, nruns);
  } else {
    /* A loss is never below 0, an accuracy never above 1: no axis beyond. */
    fprintf(f, "unset logscale y\nset autoscale y\nset yrange [%s]\nset ytics autofreq\n",
            p->loss ? "0:*" : "*:1");
    fprintf(f, "set offsets 0, 0, %s\n", p->loss ? "graph 0.05, 0" : "0, graph 0.05");
  }
  fprintf(f, "set key %s\n", p->key);
  for (int svg = 0; svg <= 1; svg++) {
    put_terminal(f, opt, svg, font);
    output_path(path, sizeof path, opt, prefix, p->what, svg ? "svg" : "png");
    fputs("set output ", f);
    put_quoted(f, path);
    fputc('\n', f);
    if (svg) {
      fputs("replot\n", f);
      continue;
    }
    fputs("plot ", f);
    int first = 1;
    for (size_t i = 0; i < nruns; i++) {
      if (runs[i].n == 0) continue;
      const char *style = max_epoch == 1 ? "linespoints pt 7" : "lines";
      char label[PLOT_PATH_MAX + 32];
      for (int dev = 0; dev <= 1; dev++) {
        snprintf(label, sizeof label, "%s%s %s", runs[i].label,
                 strcmp(runs[i].status, "running") == 0 ? " (running)" : "",
                 dev ? "dev" : "train");
        fprintf(f, "%s$run%zu using 1:%d with %s lw line_width lc rgb '%s' dt %d title ",
                first ? "" : ", \\\n     ", i + 1, dev ? p->dev_col : p->train_col, style,
                palette[i % NPALETTE], dev ? 2 : 1);
        put_quoted(f, label);
        first = 0;
      }
    }
    fputc('\n', f);
  }
  fputs("unset output\n", f);
}

/* " x" with the fewest significant digits that read back to exactly x. */
static void put_number(FILE *f, double x) {
  char tmp[64];
  for (int p = 1; p <= 17; p++) {
    snprintf(tmp, sizeof tmp, "%.*g", p, x);
    if (strtod(tmp, NULL) == x) break;
  }
  fprintf(f, " %s", tmp);
}

/* The whole script: the data of every run inline, then one plot per metric,
 * each to PNG then SVG. */
static void put_script(FILE *f, const run *runs, size_t nruns, const options *opt,
                       const char *prefix) {
  long max_epoch = 0;
  for (size_t i = 0; i < nruns; i++)
    if (runs[i].n && runs[i].metrics[runs[i].n - 1].epoch > max_epoch)
      max_epoch = runs[i].metrics[runs[i].n - 1].epoch;
  /* Text and lines grow with the picture, so a large one reads the same. */
  double scale = fmin((double)opt->width / 800, (double)opt->height / 600);
  double font = fmax(7, fmin(60, round(11 * scale)));

  fprintf(f, "# Written by nnplot %s: the plots of", PACKAGE_VERSION);
  for (size_t i = 0; i < nruns; i++) fprintf(f, " %s", runs[i].file);
  fputs(".\n# Rerun with: gnuplot THIS_FILE\n", f);
  for (size_t i = 0; i < nruns; i++) {
    fprintf(f, "\n# %s (%s, %zu of %ld epochs)\n", runs[i].name, runs[i].status, runs[i].n,
            runs[i].epochs);
    fprintf(f, "$run%zu << EOD\n# epoch train_loss dev_loss train_accuracy dev_accuracy\n",
            i + 1);
    for (size_t e = 0; e < runs[i].n; e++) {
      const results_epoch *m = &runs[i].metrics[e];
      fprintf(f, "%ld", m->epoch);
      put_number(f, m->train_loss);
      put_number(f, m->dev_loss);
      put_number(f, m->train_accuracy);
      put_number(f, m->dev_accuracy);
      fputc('\n', f);
    }
    fputs("EOD\n", f);
  }
  fprintf(f, "\nline_width = %.1f\n", fmax(1, round(4 * scale) / 2));
  /* The border behind the lines, which may run along it (accuracy 1). */
  fputs("set xlabel 'epoch'\nset grid\nset border back\n"
        "set key noenhanced box opaque Left reverse\n", f);
  if (max_epoch <= 1) fputs("set xrange [0.5:1.5]\nset xtics 1\n", f);
  else fprintf(f, "set xrange [1:%ld]\n%s", max_epoch, max_epoch <= 20 ? "set xtics 1\n" : "");
  for (size_t k = 0; k < sizeof plots / sizeof plots[0]; k++)
    if (opt->metrics & (1 << k)) put_plot(f, &plots[k], runs, nruns, opt, prefix, max_epoch, font);
}

/* -------------------------------------------------------------- gnuplot */

/* The gnuplot program on PATH, into buf; -1 when there is none. */
static int find_gnuplot(char *buf, size_t n) {
  const char *path = getenv("PATH");
  if (!path || !*path) return -1;
  for (const char *p = path;;) {
    const char *end = strchr(p, ':');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == 0) snprintf(buf, n, "./gnuplot");
    else snprintf(buf, n, "%.*s/gnuplot", (int)len, p);
    struct stat st;
    if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0) return 0;
    if (!end) return -1;
    p = end + 1;
  }
}

/* Prints each line of gnuplot's output as "nnplot: gnuplot: LINE". */
static void report_lines(const char *text) {
  while (*text) {
    size_t len = strcspn(text, "\n");
    const char *line = text;
    text += len + (text[len] == '\n');
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' ')) len--;
    size_t skip = strspn(line, " \t^");  /* gnuplot's caret lines add nothing here */
    if (skip < len) fprintf(stderr, "%s: gnuplot: %.*s\n", prog, (int)len, line);
  }
}

/* Runs gnuplot with script as its standard input; its output and messages
 * are collected and reported.  NN_FAIL with a message when it fails. */
static int run_gnuplot(const char *gnuplot, FILE *script, nn_error *err) {
  int fds[2];
  if (fflush(script) != 0 || fseek(script, 0, SEEK_SET) != 0)
    return nn_error_set(err, NN_FAIL, "cannot write the gnuplot script: %s", strerror(errno));
  if (pipe(fds) != 0)
    return nn_error_set(err, NN_FAIL, "cannot start gnuplot: %s", strerror(errno));
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return nn_error_set(err, NN_FAIL, "cannot start gnuplot: %s", strerror(errno));
  }
  if (pid == 0) {
    if (dup2(fileno(script), 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0) _exit(127);
    close(fds[0]);
    close(fds[1]);
    execl(gnuplot, "gnuplot", (char *)NULL);
    const char msg[] = "cannot run gnuplot\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(127);
  }
  close(fds[1]);
  char out[STDERR_MAX + 1];
  size_t used = 0;
  for (;;) {
    char chunk[1024];
    ssize_t got = read(fds[0], chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    size_t keep = (size_t)got < STDERR_MAX - used ? (size_t)got : STDERR_MAX - used;
    memcpy(out + used, chunk, keep);
    used += keep;
  }
  out[used] = '\0';
  close(fds[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return nn_error_set(err, NN_FAIL, "waiting for gnuplot: %s", strerror(errno));
  report_lines(out);
  if (WIFSIGNALED(status))
    return nn_error_set(err, NN_FAIL, "gnuplot was killed by signal %d", WTERMSIG(status));
  if (WEXITSTATUS(status) != 0)
    return nn_error_set(err, NN_FAIL, "gnuplot failed (exit status %d)%s", WEXITSTATUS(status),
                        used ? "; its messages are above" : "");
  return NN_OK;
}

/* ----------------------------------------------------------------- files */

/* mkdir -p: creates dir and its missing parents. */
static int make_dir(const char *dir, nn_error *err) {
  char path[PLOT_PATH_MAX];
  if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
    return nn_error_set(err, NN_BADINPUT, "%s: path too long", dir);
  for (char *p = path + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char c = *p;
    *p = '\0';
    struct stat st;
    if (stat(path, &st) != 0) {
      if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return nn_error_set(err, NN_FAIL, "cannot create %s: %s", path, strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
      return nn_error_set(err, NN_BADINPUT, "%s is not a folder", path);
    }
    *p = c;
    if (c == '\0') return NN_OK;
  }
}

/* The folder of path ("." when it has none). */
static void dir_of(const char *path, char *buf, size_t n) {
  const char *slash = strrchr(path, '/');
  if (!slash) snprintf(buf, n, ".");
  else if (slash == path) snprintf(buf, n, "/");
  else snprintf(buf, n, "%.*s", (int)(slash - path), path);
}

/* The output files of the plots asked for, in the order they are written. */
static size_t outputs(const options *opt, const char *prefix, char paths[][PLOT_PATH_MAX]) {
  size_t n = 0;
  for (size_t k = 0; k < sizeof plots / sizeof plots[0]; k++) {
    if (!(opt->metrics & (1 << k))) continue;
    output_path(paths[n++], PLOT_PATH_MAX, opt, prefix, plots[k].what, "png");
    output_path(paths[n++], PLOT_PATH_MAX, opt, prefix, plots[k].what, "svg");
  }
  return n;
}

static int plot_runs(const run *runs, size_t nruns, const options *opt, nn_error *err) {
  char gnuplot[PLOT_PATH_MAX], script_path[PLOT_PATH_MAX], paths[4][PLOT_PATH_MAX];
  const char *prefix = opt->name ? opt->name : nruns == 1 ? runs[0].name : "compare";
  size_t plotted = 0;
  for (size_t i = 0; i < nruns; i++) plotted += runs[i].n > 0;
  if (plotted == 0)
    return nn_error_set(err, NN_BADINPUT, "%s%s: no completed epoch to plot",
                        runs[0].file, nruns > 1 ? " and the others" : "");
  if (find_gnuplot(gnuplot, sizeof gnuplot))
    return nn_error_set(err, NN_FAIL, "gnuplot not found; install it with: apt-get install %s",
                        GNUPLOT_PACKAGE);
  int rc = make_dir(opt->dir, err);
  if (rc) return rc;

  FILE *script;
  if (opt->keep) {
    snprintf(script_path, sizeof script_path, "%s/%s.gp", opt->dir, prefix);
    script = fopen(script_path, "w+");
  } else {
    script = tmpfile();
  }
  if (!script)
    return nn_error_set(err, NN_FAIL, "cannot create the gnuplot script %s: %s",
                        opt->keep ? script_path : "(temporary file)", strerror(errno));
  put_script(script, runs, nruns, opt, prefix);
  if (ferror(script))
    rc = nn_error_set(err, NN_FAIL, "cannot write the gnuplot script %s",
                      opt->keep ? script_path : "(temporary file)");
  else rc = run_gnuplot(gnuplot, script, err);
  if (fclose(script) != 0 && !rc)
    rc = nn_error_set(err, NN_FAIL, "cannot write the gnuplot script %s: %s",
                      opt->keep ? script_path : "(temporary file)", strerror(errno));

  size_t n = outputs(opt, prefix, paths);
  for (size_t i = 0; i < n && !rc; i++) {
    struct stat st;
    if (stat(paths[i], &st) != 0 || st.st_size == 0)
      rc = nn_error_set(err, NN_FAIL, "gnuplot did not write %s", paths[i]);
  }
  if (rc) {
    /* Nothing half-drawn stays where a plot is expected. */
    for (size_t i = 0; i < n; i++) unlink(paths[i]);
    return rc;
  }
  if (!opt->quiet) {
    for (size_t i = 0; i < n; i++) printf("wrote %s\n", paths[i]);
    if (opt->keep) printf("wrote %s (gnuplot script)\n", script_path);
  }
  return NN_OK;
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv) {
  static const struct option longopts[] = {
      {"output", required_argument, NULL, 'o'}, {"name", required_argument, NULL, 'n'},
      {"metric", required_argument, NULL, 'm'}, {"log", no_argument, NULL, 'l'},
      {"size", required_argument, NULL, 's'},   {"keep-script", no_argument, NULL, 'k'},
      {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0}};
  options opt = {.metrics = METRIC_BOTH, .width = 800, .height = 600};
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:n:m:ls:kqhV", longopts, NULL)) != -1) {
    switch (c) {
    case 'o':
      if (!*optarg) {
        fprintf(stderr, "%s: --output: expected a folder, got ''\n", prog);
        return NN_BADINPUT;
      }
      opt.dir = optarg;
      break;
    case 'n':
      if (!plain_prefix(optarg)) {
        fprintf(stderr, "%s: --name: expected a plain file name prefix (no '/', not starting "
                "with '.' or '-'), got '%s'\n", prog, optarg);
        return NN_BADINPUT;
      }
      opt.name = optarg;
      break;
    case 'm':
      if (strcmp(optarg, "loss") == 0) opt.metrics = METRIC_LOSS;
      else if (strcmp(optarg, "accuracy") == 0) opt.metrics = METRIC_ACCURACY;
      else if (strcmp(optarg, "both") == 0) opt.metrics = METRIC_BOTH;
      else {
        fprintf(stderr, "%s: --metric: expected loss, accuracy or both, got '%s'\n", prog,
                optarg);
        return NN_BADINPUT;
      }
      break;
    case 'l': opt.log = 1; break;
    case 's':
      if (parse_size(optarg, &opt.width, &opt.height)) {
        fprintf(stderr, "%s: --size: expected WIDTHxHEIGHT in pixels, each %d..%d "
                "(e.g. 800x600), got '%s'\n", prog, SIZE_LO, SIZE_HI, optarg);
        return NN_BADINPUT;
      }
      break;
    case 'k': opt.keep = 1; break;
    case 'q': opt.quiet = 1; break;
    case 'h': usage(stdout); return NN_OK;
    case 'V': printf("nnplot %s\n", PACKAGE_VERSION); return NN_OK;
    case ':':
      fprintf(stderr, "%s: %s needs an argument; see nnplot --help\n", prog, argv[optind - 1]);
      return NN_BADINPUT;
    default:
      fprintf(stderr, "%s: unknown option '%s'; see nnplot --help\n", prog, argv[optind - 1]);
      return NN_BADINPUT;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "%s: no results file given; usage: nnplot [OPTIONS] RESULT.h5 ...\n",
            prog);
    return NN_BADINPUT;
  }
  results_quiet_hdf5();

  int worst = NN_OK;
  size_t nruns = 0;
  char dir[PLOT_PATH_MAX];
  run *runs = calloc((size_t)(argc - optind), sizeof *runs);
  if (!runs) {
    fprintf(stderr, "%s: out of memory\n", prog);
    return NN_FAIL;
  }
  /* Every file is tried; a bad one is named and left out of the plots. */
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
      fprintf(stderr, "%s: %s: still running (%zu of %ld epochs done); plotted as it stands\n",
              prog, u->file, u->n, u->epochs);
  }
  for (size_t i = 0; i < nruns; i++) {
    runs[i].label = runs[i].name;
    for (size_t j = 0; j < nruns; j++)
      if (j != i && strcmp(runs[i].name, runs[j].name) == 0) runs[i].label = runs[i].file;
  }
  for (size_t i = 0; i < nruns; i++)
    if (runs[i].n == 0 && nruns > 1)
      fprintf(stderr, "%s: %s: no completed epoch; left out of the plots\n", prog, runs[i].file);
  if (nruns > 0) {
    nn_error err = {0};
    if (!opt.dir) {
      dir_of(runs[0].file, dir, sizeof dir);
      opt.dir = dir;
    }
    int rc = plot_runs(runs, nruns, &opt, &err);
    if (rc) {
      cli_error(prog, &err);
      if (rc > worst) worst = rc;
    }
  }
  for (size_t i = 0; i < nruns; i++) free(runs[i].metrics);
  free(runs);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "%s: error writing to standard output\n", prog);
    if (worst == NN_OK) worst = NN_FAIL;
  }
  return worst;
}
