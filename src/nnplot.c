/* nnplot: loss-vs-epoch and accuracy-vs-epoch plots of results files and
 * folders, train and dev for every run or group of seeds (the mean with a
 * shaded band), as PNG and SVG through gnuplot.  It writes a gnuplot script
 * (data inline, names only inside quoted strings) and runs gnuplot on it; it
 * draws nothing itself.  Reading and statistics: summary.c.
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
#include "fsutil.h"
#include "summary.h"
#include "text.h"

static const char *prog = "nnplot";

#define GNUPLOT_PACKAGE "gnuplot-nox"
#define SIZE_LO 100
#define SIZE_HI 10000
#define PLOT_PATH_MAX 4096
#define STDERR_MAX 8192   /* bytes of gnuplot's messages kept for the report */
#define LEGEND_MAX 64     /* characters of a legend; longer ones are cut in the middle */
#define KEY_INSIDE_MAX 2  /* more groups than this: the legend goes right of the plot */

static void usage(FILE *f) {
  fprintf(f,
          "Usage: nnplot [OPTIONS] RESULT.h5|FOLDER ...\n"
          "Plot loss and accuracy against the epoch, train (solid) and dev (dashed) for\n"
          "every run, one colour per run, through gnuplot.  Writes PREFIX-loss.png,\n"
          "PREFIX-loss.svg, PREFIX-accuracy.png and PREFIX-accuracy.svg, where PREFIX\n"
          "is the run's name for one file and 'compare' for several.  A FOLDER means\n"
          "every *.h5 file directly in it.\n"
          "\n"
          "Runs that differ only in seed form a group, drawn as one curve: the mean over\n"
          "its complete runs (all of them when none is), with a shaded band.\n"
          "\n"
          "Options:\n"
          "  -o, --output DIR     write into DIR, created when missing (default: the\n"
          "                       folder of the first results file)\n"
          "  -n, --name PREFIX    the file name prefix instead of the run name/'compare'\n"
          "                       (at most 199 bytes, no '/' or control character)\n"
          "  -m, --metric WHICH   loss, accuracy or both (default both)\n"
          "  -b, --band BAND      the band around a group's mean: sd (default: +-1\n"
          "                       sample standard deviation), ci (95%% Student-t interval\n"
          "                       of the mean), minmax (the runs' range) or none\n"
          "      --by KEY,...     group by these spec keys only (e.g. train.lambda)\n"
          "      --no-group       one curve per run\n"
          "  -l, --log            log scale for the loss axis\n"
          "  -s, --size WxH       image size in pixels, each %d..%d (default 800x600)\n"
          "  -k, --keep-script    keep the gnuplot script as DIR/PREFIX.gp (rerun it with\n"
          "                       `gnuplot DIR/PREFIX.gp`) and print its path\n"
          "  -q, --quiet          do not list the files written\n"
          "  -h, --help           show this help\n"
          "  -V, --version        show the version\n"
          "\n"
          "gnuplot (pngcairo and svg terminals) must be on PATH: apt-get install %s.\n"
          "The legend names each curve by its run name when those differ, else by the\n"
          "spec keys that differ (train.lambda=0.001), never by a file unless nothing\n"
          "else tells two curves apart; a group says (n=3).  With more than %d curves,\n"
          "or with bands, it stands right of the plot.  A run still going or killed is plotted as it\n"
          "stands, with a note on stderr.\n"
          "\n"
          "Exit status: 0 success, 1 gnuplot missing or failed, or an I/O error, 2 bad\n"
          "command line or a file that is not a readable results file (the others are\n"
          "still plotted).\n",
          SIZE_LO, SIZE_HI, GNUPLOT_PACKAGE, KEY_INSIDE_MAX);
}

enum { METRIC_LOSS = 1, METRIC_ACCURACY = 2, METRIC_BOTH = 3 };

enum band { BAND_SD, BAND_CI, BAND_MINMAX, BAND_NONE };

typedef struct options {
  const char *dir, *name;
  int metrics, log, keep, quiet;
  long width, height;
  enum band band;
  enum summary_by by;
} options;

/* What the plots show: the groups of the runs, each a curve with a legend. */
typedef struct curves {
  const summary *s;
  char (*legend)[LEGEND_MAX + 1];  /* (s->ngroups) owned */
  int aggregated;                  /* some group has more than one run */
} curves;

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
 * or '-' (its length and control characters are checked apart, with their
 * own messages). */
static int plain_prefix(const char *s) {
  return s[0] && s[0] != '.' && s[0] != '-' && !strchr(s, '/');
}

/* Bytes of a --name prefix, the end excluded: with "-accuracy.svg" well inside
 * a file name (NAME_MAX). */
#define PREFIX_MAX 199

/* ------------------------------------------------------------- the script */

/* gnuplot single-quoted string: '' stands for one quote; nothing else is
 * special inside one (no backslash escapes, no `command` or @macro
 * substitution), and a line break, which would end the command, is shown as
 * '?' like every control character. */
static void put_quoted(FILE *f, const char *s) {
  fputc('\'', f);
  for (; *s; s++) {
    if (*s == '\'') fputc('\'', f);
    fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
  }
  fputc('\'', f);
}

/* Whether s has a character that cannot go into a gnuplot string as it is. */
static int has_control(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
  return 0;
}

/* One colour per run (a palette readable on white), cycled past ten runs. */
static const char *palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
#define NPALETTE (sizeof palette / sizeof palette[0])

typedef struct plot {
  const char *what;      /* "loss" / "accuracy": file names */
  const char *title;     /* "Loss" */
  const char *ylabel;
  int train, dev;         /* enum summary_series of the two curves */
  const char *key;       /* legend position */
  int loss;              /* the loss plot: --log applies, never below 0 */
} plot;

static const plot plots[] = {
    {"loss", "Loss", "loss (mean cross-entropy)", SUMMARY_CURVE_TRAIN_LOSS,
     SUMMARY_CURVE_DEV_LOSS, "top right", 1},
    {"accuracy", "Accuracy", "accuracy", SUMMARY_CURVE_TRAIN_ACC, SUMMARY_CURVE_DEV_ACC,
     "bottom right", 0},
};

static void output_path(char *buf, size_t n, const options *opt, const char *prefix,
                        const char *what, const char *ext) {
  /* gnuplot reads an output starting with '|' as a command to pipe to, and
   * one starting with '~' as in the home folder: './' keeps them plain */
  const int special = opt->dir[0] == '|' || opt->dir[0] == '~';
  snprintf(buf, n, "%s%s/%s-%s.%s", special ? "./" : "", opt->dir, prefix, what, ext);
}

/* The data blocks' columns: 1 epoch, 2 runs, then for each enum
 * summary_series its mean, band low and band high. */
static int mean_col(int series) { return 3 + 3 * series; }

static const char *band_text[] = {"band: mean +- 1 sd", "band: 95% interval of the mean",
                                  "band: min to max", ""};

/* The title: "Loss per epoch: a", "... a vs b", "... a, b and c", "... 5 runs";
 * for groups "... 2 groups of 6 runs; band: ...". */
static void put_title(FILE *f, const plot *p, const curves *cv, const options *opt) {
  const summary *s = cv->s;
  char t[1024];
  size_t o = (size_t)snprintf(t, sizeof t, "%s per epoch: ", p->title);
  if (cv->aggregated) {
    snprintf(t + o, sizeof t - o, "%zu group%s of %zu run%s%s%s", s->ngroups,
             text_s(s->ngroups), s->nruns, text_s(s->nruns), opt->band == BAND_NONE ? "" : "; ",
             band_text[opt->band]);
  } else if (s->ngroups > 4) {
    snprintf(t + o, sizeof t - o, "%zu runs", s->ngroups); /* more than 4 */
  } else {
    for (size_t i = 0; i < s->ngroups && o < sizeof t; i++) {
      size_t n = s->ngroups;
      const char *sep = i == 0 ? "" : n == 2 ? " vs " : i == n - 1 ? " and " : ", ";
      o += (size_t)snprintf(t + o, sizeof t - o, "%s%s", sep, cv->legend[i]);
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

/* The band around the mean of one series at one epoch, by --band. */
static void band_of(const summary_stat *st, enum band band, int loss, double *lo,
                    double *hi) {
  double half = band == BAND_SD ? st->sd : band == BAND_CI ? st->half : 0;
  if (band == BAND_MINMAX) {
    *lo = st->min, *hi = st->max;
    return;
  }
  if (isnan(half)) half = 0;
  *lo = st->mean - half, *hi = st->mean + half;
  /* A loss is never below 0: a band that would go there stops at the lowest run. */
  if (loss && *lo <= 0) *lo = st->min;
}

/* Tics for a log loss axis: 1, 2, 5 times powers of ten within the data's
 * range, or 1..9 times them when that gives fewer than three, or else five
 * evenly spaced values (a range too narrow for a log axis to show). */
static void put_log_tics(FILE *f, const curves *cv, const options *opt) {
  double lo = HUGE_VAL, hi = 0;
  for (size_t g = 0; g < cv->s->ngroups; g++) {
    const summary_group *gr = &cv->s->groups[g];
    for (size_t e = 0; e < gr->npoints; e++)
      for (int c = SUMMARY_CURVE_TRAIN_LOSS; c <= SUMMARY_CURVE_DEV_LOSS; c++) {
        double v[3] = {gr->curve[e].s[c].mean, 0, 0};
        band_of(&gr->curve[e].s[c], opt->band, 1, &v[1], &v[2]);
        for (int j = 0; j < (opt->band == BAND_NONE ? 1 : 3); j++)
          if (v[j] > 0 && isfinite(v[j])) lo = fmin(lo, v[j]), hi = fmax(hi, v[j]);
      }
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

static void put_axes(FILE *f, const plot *p, const curves *cv, const options *opt) {
  int scaled = p->loss && opt->log;
  fprintf(f, "set ylabel '%s%s'\n", p->ylabel, scaled ? ", log scale" : "");
  if (scaled) {
    /* A log axis would otherwise grow to whole decades, labelled only there. */
    fputs("set logscale y\nset autoscale yfix\nset yrange [*:*]\n"
          "set offsets 0, 0, graph 0.05, graph 0.05\n", f);
    put_log_tics(f, cv, opt);
  } else {
    /* A loss is never below 0, an accuracy never above 1: no axis beyond. */
    fprintf(f, "unset logscale y\nset autoscale y\nset yrange [%s]\nset ytics autofreq\n",
            p->loss ? "0:*" : "*:1");
    fprintf(f, "set offsets 0, 0, %s\n", p->loss ? "graph 0.05, 0" : "0, graph 0.05");
  }
  /* Many curves, or bands that may reach any corner: the legend right of
   * the plot, where it covers none. */
  int banded = 0;
  for (size_t g = 0; g < cv->s->ngroups; g++)
    if (cv->s->groups[g].n > 1 && opt->band != BAND_NONE) banded = 1;
  if (cv->s->ngroups > KEY_INSIDE_MAX || banded) {
    /* under the plot: a train and a dev line per group, in two columns when
     * two of the longest entries fit the width (a sans character is about
     * 0.8 of the font size wide, the sample line and gaps about 8), else in
     * one; the margin makes room for the tics, the axis label and every row */
    size_t longest = 0;
    for (size_t g = 0; g < cv->s->ngroups; g++)
      if (strlen(cv->legend[g]) > longest) longest = strlen(cv->legend[g]);
    const double scale = fmin((double)opt->width / 800, (double)opt->height / 600);
    const double font = fmax(7, fmin(60, round(11 * scale)));
    const double entry = (double)(longest + strlen(" train") + 8) * 0.8 * font;
    const size_t cols = 2 * entry <= (double)opt->width ? 2 : 1;
    const size_t rows = (2 * cv->s->ngroups + cols - 1) / cols;
    fprintf(f, "set bmargin %zu\nset key at screen 0.5, screen 0.01 center bottom horizontal "
               "maxcols %zu\n", rows + 4, cols);
  }
  else fprintf(f, "set key inside %s\n", p->key);
}

/* Whether group gr has a finite value of series at some epoch: runs
 * without a dev split (dev_size 0) have NaN dev metrics, and no dev curve. */
static int has_series(const summary_group *gr, int series) {
  for (size_t e = 0; e < gr->npoints; e++)
    if (gr->curve[e].s[series].n > 0) return 1;
  return 0;
}

/* The shaded bands of every group of more than one run, under the lines. */
static int put_bands(FILE *f, const plot *p, const curves *cv, const options *opt, int first) {
  if (opt->band == BAND_NONE) return first;
  for (size_t g = 0; g < cv->s->ngroups; g++) {
    const summary_group *gr = &cv->s->groups[g];
    if (gr->npoints == 0 || gr->used < 2) continue;
    for (int dev = 0; dev <= 1; dev++) {
      if (!has_series(gr, dev ? p->dev : p->train)) continue;
      int col = mean_col(dev ? p->dev : p->train);
      fprintf(f, "%s$group%zu using 1:%d:%d with filledcurves fs transparent solid %s "
              "noborder lc rgb '%s' notitle", first ? "" : ", \\\n     ", g + 1, col + 1,
              col + 2, dev ? "0.12" : "0.2", palette[g % NPALETTE]);
      first = 0;
    }
  }
  return first;
}

static void put_lines(FILE *f, const plot *p, const curves *cv, long max_epoch, int first) {
  for (size_t g = 0; g < cv->s->ngroups; g++) {
    if (cv->s->groups[g].npoints == 0) continue;
    const char *style = max_epoch == 1 ? "linespoints pt 7" : "lines";
    char label[LEGEND_MAX + 16];
    for (int dev = 0; dev <= 1; dev++) {
      if (dev && !has_series(&cv->s->groups[g], p->dev)) continue;
      snprintf(label, sizeof label, "%s %s", cv->legend[g], dev ? "dev" : "train");
      fprintf(f, "%s$group%zu using 1:%d with %s lw line_width lc rgb '%s' dt %d title ",
              first ? "" : ", \\\n     ", g + 1, mean_col(dev ? p->dev : p->train), style,
              palette[g % NPALETTE], dev ? 2 : 1);
      put_quoted(f, label);
      first = 0;
    }
  }
}

static void put_plot(FILE *f, const plot *p, const curves *cv, const options *opt,
                     const char *prefix, long max_epoch, double font) {
  char path[PLOT_PATH_MAX];
  fprintf(f, "\n# ---- %s\n", p->what);
  put_title(f, p, cv, opt);
  put_axes(f, p, cv, opt);
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
    put_lines(f, p, cv, max_epoch, put_bands(f, p, cv, opt, 1));
    fputc('\n', f);
  }
  fputs("unset output\n", f);
}

/* " x" with the fewest significant digits that read back to exactly x. */
static void put_number(FILE *f, double x) {
  char tmp[400];
  text_number(x, tmp, sizeof tmp);
  fprintf(f, " %s", tmp);
}

/* Group g's curves as a data block of numbers only ("NaN" where no run has
 * a finite value): epoch, runs, then mean, low, high of each series. */
static void put_data(FILE *f, const curves *cv, size_t g, const options *opt) {
  const summary_group *gr = &cv->s->groups[g];
  fprintf(f, "\n# group %zu: %zu run%s, %zu in the mean, %zu epoch%s\n", g + 1, gr->n,
          text_s(gr->n), gr->used, gr->npoints, text_s(gr->npoints));
  fprintf(f, "$group%zu << EOD\n# epoch runs", g + 1);
  static const char *names[] = {"train_loss", "dev_loss", "train_accuracy", "dev_accuracy"};
  for (int c = 0; c < SUMMARY_NSERIES; c++)
    fprintf(f, " %s %s_lo %s_hi", names[c], names[c], names[c]);
  fputc('\n', f);
  for (size_t e = 0; e < gr->npoints; e++) {
    const summary_point *pt = &gr->curve[e];
    fprintf(f, "%ld %zu", pt->epoch, pt->s[0].n);
    for (int c = 0; c < SUMMARY_NSERIES; c++) {
      double lo, hi;
      band_of(&pt->s[c], opt->band, c <= SUMMARY_CURVE_DEV_LOSS, &lo, &hi);
      double v[3] = {pt->s[c].mean, lo, hi};
      for (int j = 0; j < 3; j++)
        if (isfinite(v[j])) put_number(f, v[j]);
        else fputs(" NaN", f);
    }
    fputc('\n', f);
  }
  fputs("EOD\n", f);
}

/* The whole script: the data of every group inline, then one plot per
 * metric, each to PNG then SVG.  Names appear only in quoted strings. */
static void put_script(FILE *f, const curves *cv, const options *opt, const char *prefix) {
  const summary *s = cv->s;
  long max_epoch = 0;
  for (size_t g = 0; g < s->ngroups; g++) {
    const summary_group *gr = &s->groups[g];
    if (gr->npoints && gr->curve[gr->npoints - 1].epoch > max_epoch)
      max_epoch = gr->curve[gr->npoints - 1].epoch;
  }
  /* Text and lines grow with the picture, so a large one reads the same. */
  double scale = fmin((double)opt->width / 800, (double)opt->height / 600);
  double font = fmax(7, fmin(60, round(11 * scale)));

  fprintf(f, "# Written by nnplot %s: the plots of %zu run%s in %zu curve%s.\n"
          "# Rerun with: gnuplot THIS_FILE\n", PACKAGE_VERSION, s->nruns, text_s(s->nruns),
          s->ngroups, text_s(s->ngroups));
  for (size_t g = 0; g < s->ngroups; g++) put_data(f, cv, g, opt);
  fprintf(f, "\nline_width = %.1f\n", fmax(1, round(4 * scale) / 2));
  /* The border behind the lines, which may run along it (accuracy 1). */
  fputs("set xlabel 'epoch'\nset grid\nset border back\n"
        "set key noenhanced box opaque Left reverse\n", f);
  if (max_epoch <= 1) fputs("set xrange [0.5:1.5]\nset xtics 1\n", f);
  else fprintf(f, "set xrange [1:%ld]\n%s", max_epoch, max_epoch <= 20 ? "set xtics 1\n" : "");
  for (size_t k = 0; k < sizeof plots / sizeof plots[0]; k++)
    if (opt->metrics & (1 << k)) put_plot(f, &plots[k], cv, opt, prefix, max_epoch, font);
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

/* Prints each line of gnuplot's output (used bytes of text) as "nnplot:
 * gnuplot: LINE", control characters escaped.  A line that is not text (a
 * NUL byte, invalid UTF-8 or mostly control bytes: a PNG that gnuplot wrote to
 * its standard output when it could not open its output file) is never
 * relayed, only counted. */
static void report_lines(const char *text, size_t used) {
  size_t binary = 0;
  for (const char *end = text + used; text < end;) {
    const char *nl = memchr(text, '\n', (size_t)(end - text));
    size_t len = nl ? (size_t)(nl - text) : (size_t)(end - text);
    const char *line = text;
    text += len + (nl != NULL);
    size_t controls = 0;
    for (size_t i = 0; i < len; i++)
      controls += (unsigned char)line[i] < 0x20 && line[i] != '\t' && line[i] != '\r';
    if (memchr(line, '\0', len) || !text_is_utf8(line, len) || 2 * controls > len) {
      binary += len + (nl != NULL);
      continue;
    }
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' ')) len--;
    size_t skip = strspn(line, " \t^");  /* gnuplot's caret lines add nothing here */
    if (skip >= len) continue;
    char shown[1024];
    text_escape(line, len, 1, shown, sizeof shown);
    cli_printf(stderr, "%s: gnuplot: %s\n", prog, shown);
  }
  if (binary)
    cli_printf(stderr, "%s: gnuplot: %zu byte%s of binary output left out (a plot written to its "
               "standard output?)\n", prog, binary, text_s(binary));
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
  report_lines(out, used);
  if (WIFSIGNALED(status))
    return nn_error_set(err, NN_FAIL, "gnuplot was killed by signal %d", WTERMSIG(status));
  if (WEXITSTATUS(status) != 0)
    return nn_error_set(err, NN_FAIL, "gnuplot failed (exit status %d)%s", WEXITSTATUS(status),
                        used ? "; its messages are above" : "");
  return NN_OK;
}

/* ----------------------------------------------------------------- files */

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

static int plot_curves(const curves *cv, const options *opt, nn_error *err) {
  char gnuplot[PLOT_PATH_MAX], script_path[PLOT_PATH_MAX], paths[4][PLOT_PATH_MAX];
  const summary *s = cv->s;
  const char *prefix = opt->name ? opt->name
                       : s->ngroups == 1 ? s->runs[s->groups[0].run[0]].spec.name
                                         : "compare";
  size_t plotted = 0;
  for (size_t g = 0; g < s->ngroups; g++) plotted += s->groups[g].npoints > 0;
  if (plotted == 0)
    return nn_error_set(err, NN_BADINPUT, "%s%s: no completed epoch to plot",
                        s->runs[0].file, s->nruns > 1 ? " and the others" : "");
  if (has_control(opt->dir))
    return nn_error_set(err, NN_BADINPUT, "output folder '%s': a control character in the "
                        "name; choose another with -o", opt->dir);
  /* the longest path drawn into: [./]FOLDER/.nnplot-XXXXXX/PREFIX-accuracy.svg
   * (gnuplot got it cut, and said only "set output '...'") */
  const size_t more = (opt->dir[0] == '|' || opt->dir[0] == '~' ? 2 : 0) +
                      strlen("/.nnplot-XXXXXX/") + strlen(prefix) + strlen("-accuracy.svg");
  if (strlen(opt->dir) + more >= PLOT_PATH_MAX)
    return nn_error_set(err, NN_BADINPUT,
                        "-o %.200s%s: a folder of %zu bytes is too long: with the plots' names "
                        "(/.nnplot-XXXXXX/%s-accuracy.svg, %zu bytes more) a path must fit in "
                        "%d bytes (PATH_MAX, the end included): at most %zu bytes",
                        opt->dir, strlen(opt->dir) > 200 ? "..." : "", strlen(opt->dir), prefix,
                        more, PLOT_PATH_MAX, PLOT_PATH_MAX - 1 - more);
  if (find_gnuplot(gnuplot, sizeof gnuplot))
    return nn_error_set(err, NN_FAIL, "gnuplot not found; install it with: apt-get install %s",
                        GNUPLOT_PACKAGE);
  int rc = fs_make_dirs(opt->dir, "-o", err);
  if (rc) return rc;

  /* gnuplot draws into a private new folder beside the plots; each plot is
   * then renamed into place: nothing is written through a planted link, and
   * nothing half-drawn stays where a plot is expected. */
  char tmpdir[PLOT_PATH_MAX], tmppaths[4][PLOT_PATH_MAX];
  snprintf(tmpdir, sizeof tmpdir, "%s/.nnplot-XXXXXX", opt->dir);
  if (!mkdtemp(tmpdir))
    return nn_error_set(err, NN_FAIL, "cannot create a folder in %s: %s", opt->dir,
                        strerror(errno));
  options drawing = *opt;
  drawing.dir = tmpdir;
  FILE *script = tmpfile();
  if (!script)
    rc = nn_error_set(err, NN_FAIL, "cannot create the gnuplot script: %s", strerror(errno));
  else {
    put_script(script, cv, &drawing, prefix);
    if (ferror(script)) rc = nn_error_set(err, NN_FAIL, "cannot write the gnuplot script");
    else rc = run_gnuplot(gnuplot, script, err);
    fclose(script);
  }
  size_t n = outputs(opt, prefix, paths);
  outputs(&drawing, prefix, tmppaths);
  for (size_t i = 0; i < n && !rc; i++) {
    struct stat st;
    if (lstat(tmppaths[i], &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
      rc = nn_error_set(err, NN_FAIL, "gnuplot did not write %s", paths[i]);
  }
  /* the script that redraws the plots in place, for the user: a new file in
   * the private folder too, renamed with the plots */
  char tmpscript[PLOT_PATH_MAX];
  if ((size_t)snprintf(tmpscript, sizeof tmpscript, "%s/%s.gp", tmpdir, prefix) >=
          sizeof tmpscript ||
      (size_t)snprintf(script_path, sizeof script_path, "%s/%s.gp", opt->dir, prefix) >=
          sizeof script_path)
    rc = rc ? rc : nn_error_set(err, NN_BADINPUT, "%s: path too long", opt->dir);
  if (!rc && opt->keep) {
    int fd = open(tmpscript, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    FILE *kept = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!kept) {
      if (fd >= 0) close(fd);
      rc = nn_error_set(err, NN_FAIL, "cannot create the gnuplot script %s: %s", script_path,
                        strerror(errno));
    } else {
      put_script(kept, cv, opt, prefix);
      if (ferror(kept) | (fclose(kept) != 0))
        rc = nn_error_set(err, NN_FAIL, "cannot write the gnuplot script %s", script_path);
    }
  }
  size_t renamed = 0;
  for (; renamed < n && !rc; renamed++)
    if (rename(tmppaths[renamed], paths[renamed]) != 0) {
      rc = nn_error_set(err, NN_FAIL, "cannot write %s: %s", paths[renamed], strerror(errno));
      break;
    }
  if (!rc && opt->keep && rename(tmpscript, script_path) != 0)
    rc = nn_error_set(err, NN_FAIL, "cannot write %s: %s", script_path, strerror(errno));
  for (size_t i = 0; i < n; i++) unlink(tmppaths[i]);
  unlink(tmpscript);
  rmdir(tmpdir);
  if (rc) {
    /* none of a failed set: the plots of this call only, never older ones */
    for (size_t i = 0; i < renamed; i++) unlink(paths[i]);
    return rc;
  }
  if (!opt->quiet) {
    for (size_t i = 0; i < n; i++) cli_printf(stdout, "wrote %s\n", paths[i]);
    if (opt->keep) cli_printf(stdout, "wrote %s (gnuplot script)\n", script_path);
  }
  return NN_OK;
}

/* ------------------------------------------------------------------ main */

/* Cuts s to at most max characters by replacing its middle with "...". */
static void elide(char *s, size_t max) {
  size_t len = strlen(s);
  if (len <= max) return;
  size_t head = (max - 3) / 2, tail = max - 3 - head;
  memmove(s + head + 3, s + len - tail, tail + 1);
  memcpy(s + head, "...", 3);
}

/* The legend of every group: summary_legend(), and "(n=3)" for a group, or
 * the state of a lone run that is not finished. */
static int make_legends(curves *cv) {
  const summary *s = cv->s;
  if (!(cv->legend = calloc(s->ngroups ? s->ngroups : 1, sizeof *cv->legend))) return -1;
  for (size_t g = 0; g < s->ngroups; g++) {
    const summary_group *gr = &s->groups[g];
    const summary_run *u = &s->runs[gr->run[0]];
    char text[2 * SPEC_PATH_MAX], note[32] = "";
    summary_legend(s, g, text, sizeof text);
    if (gr->n > 1) snprintf(note, sizeof note, " (n=%zu)", gr->used);
    else if (u->state == SUMMARY_RUNNING) snprintf(note, sizeof note, " (running)");
    else if (u->state == SUMMARY_KILLED) snprintf(note, sizeof note, " (killed)");
    elide(text, LEGEND_MAX - strlen(note));
    snprintf(cv->legend[g], sizeof cv->legend[g], "%s%s", text, note);
    cv->aggregated |= gr->n > 1;
  }
  return 0;
}

static void report(void *ctx, const nn_error *err) {
  (void)ctx;
  cli_error(prog, err);
}

/* Groups the runs, notes what is left out, and plots. */
static int plot_summary(summary *s, options *opt) {
  nn_error err = {0};
  char note[2 * SPEC_PATH_MAX], dir[PLOT_PATH_MAX];
  curves cv = {s, NULL, 0};
  int rc = summary_make_groups(s, opt->by, &err);
  if (!rc && make_legends(&cv)) rc = nn_error_set(&err, NN_FAIL, "out of memory");
  for (size_t r = 0; !rc && r < s->nruns; r++) {
    if (summary_note(s, r, "plotted", note, sizeof note)) cli_printf(stderr, "%s: %s\n", prog, note);
    if (s->runs[r].epochs_done == 0 && s->nruns > 1)
      cli_printf(stderr, "%s: %s: no completed epoch; left out of the plots\n", prog,
                 s->runs[r].file);
  }
  if (!rc && !opt->dir) {
    fs_dirname(s->runs[0].file, dir, sizeof dir);
    opt->dir = dir;
  }
  if (!rc) rc = plot_curves(&cv, opt, &err);
  if (rc) cli_error(prog, &err);
  free(cv.legend);
  return rc;
}

/* Parses the options into opt and s (--by); returns -1 to go on, else the
 * exit status. */
static int parse_options(int argc, char **argv, options *opt, summary *s) {
  static const struct option longopts[] = {
      {"output", required_argument, NULL, 'o'}, {"name", required_argument, NULL, 'n'},
      {"metric", required_argument, NULL, 'm'}, {"log", no_argument, NULL, 'l'},
      {"size", required_argument, NULL, 's'},   {"keep-script", no_argument, NULL, 'k'},
      {"band", required_argument, NULL, 'b'},   {"by", required_argument, NULL, 'B'},
      {"no-group", no_argument, NULL, 'G'},     {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0}};
  int c, by = 0, nogroup = 0;
  nn_error err = {0};
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:n:m:b:ls:kqhV", longopts, NULL)) != -1) {
    switch (c) {
    case 'o':
      if (!*optarg) {
        cli_printf(stderr, "%s: --output: expected a folder, got ''\n", prog);
        return NN_BADINPUT;
      }
      opt->dir = optarg;
      break;
    case 'n':
      if (strlen(optarg) > PREFIX_MAX) {
        cli_printf(stderr, "%s: --name: a prefix of %zu bytes is too long: at most %d bytes\n",
                   prog, strlen(optarg), PREFIX_MAX);
        return NN_BADINPUT;
      }
      if (has_control(optarg)) {
        cli_printf(stderr, "%s: --name: a control character in '%s'; choose a prefix without "
                   "one\n", prog, optarg);
        return NN_BADINPUT;
      }
      if (!plain_prefix(optarg)) {
        cli_printf(stderr, "%s: --name: expected a plain file name prefix (no '/', not starting "
                   "with '.' or '-'), got '%s'\n", prog, optarg);
        return NN_BADINPUT;
      }
      opt->name = optarg;
      break;
    case 'm':
      if (strcmp(optarg, "loss") == 0) opt->metrics = METRIC_LOSS;
      else if (strcmp(optarg, "accuracy") == 0) opt->metrics = METRIC_ACCURACY;
      else if (strcmp(optarg, "both") == 0) opt->metrics = METRIC_BOTH;
      else {
        cli_printf(stderr, "%s: --metric: expected loss, accuracy or both, got '%s'\n", prog,
                   optarg);
        return NN_BADINPUT;
      }
      break;
    case 'b':
      if (strcmp(optarg, "sd") == 0) opt->band = BAND_SD;
      else if (strcmp(optarg, "ci") == 0) opt->band = BAND_CI;
      else if (strcmp(optarg, "minmax") == 0) opt->band = BAND_MINMAX;
      else if (strcmp(optarg, "none") == 0) opt->band = BAND_NONE;
      else {
        cli_printf(stderr, "%s: --band: expected sd, ci, minmax or none, got '%s'\n", prog,
                   optarg);
        return NN_BADINPUT;
      }
      break;
    case 'B':
      if (summary_parse_by(s, optarg, &err)) {
        cli_printf(stderr, "%s: --by: %s\n", prog, err.msg);
        return NN_BADINPUT;
      }
      by = 1;
      break;
    case 'G': nogroup = 1; break;
    case 'l': opt->log = 1; break;
    case 's':
      if (parse_size(optarg, &opt->width, &opt->height)) {
        cli_printf(stderr, "%s: --size: expected WIDTHxHEIGHT in pixels, each %d..%d "
                   "(e.g. 800x600), got '%s'\n", prog, SIZE_LO, SIZE_HI, optarg);
        return NN_BADINPUT;
      }
      break;
    case 'k': opt->keep = 1; break;
    case 'q': opt->quiet = 1; break;
    case 'h': usage(stdout); return NN_OK;
    case 'V': printf("nnplot %s\n", PACKAGE_VERSION); return NN_OK;
    case ':':
      cli_printf(stderr, "%s: %s needs an argument; see nnplot --help\n", prog, argv[optind - 1]);
      return NN_BADINPUT;
    default:
      cli_printf(stderr, "%s: unknown option '%s'; see nnplot --help\n", prog, argv[optind - 1]);
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

int main(int argc, char **argv) {
  options opt = {.metrics = METRIC_BOTH, .width = 800, .height = 600, .band = BAND_SD};
  summary s;
  summary_init(&s);
  int rc = parse_options(argc, argv, &opt, &s);
  if (rc >= 0) return rc;
  if (optind >= argc) {
    cli_printf(stderr, "%s: no results file given; usage: nnplot [OPTIONS] RESULT.h5 ...\n",
               prog);
    return NN_BADINPUT;
  }
  results_quiet_hdf5();
  /* Every file is tried; a bad one is named and left out of the plots. */
  int worst = summary_read(&s, argv + optind, (size_t)(argc - optind), report, NULL);
  if (s.nruns > 0) {
    rc = plot_summary(&s, &opt);
    if (rc > worst) worst = rc;
  }
  summary_free(&s);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_printf(stderr, "%s: error writing to standard output\n", prog);
    if (worst == NN_OK) worst = NN_FAIL;
  }
  return worst;
}
