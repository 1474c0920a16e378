/* nnrun: train the model of one experiment spec, test it, and save
 * everything in an HDF5 results file.  Argument handling and printing only;
 * the work is in libnn (spec, data, train, results).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "data.h"
#include "results.h"
#include "spec.h"
#include "train.h"

static const char *prog = "nnrun";

static void usage(FILE *f) {
  fprintf(f,
          "Usage: nnrun [OPTIONS] SPEC.yaml [KEY=VALUE ...]\n"
          "Train the one-hidden-layer network that SPEC.yaml describes, test it, and\n"
          "write everything to an HDF5 results file (default: OUTPUT.DIR/NAME.h5).\n"
          "\n"
          "Options:\n"
          "  -o, --output FILE   write the results to FILE instead\n"
          "  -f, --force         replace a complete results file\n"
          "  -n, --dry-run       print the resolved spec as YAML, check the data files, exit\n"
          "  -j, --threads N     BLAS threads (0 = one per core); same as train.threads=N\n"
          "  -q, --quiet         print errors only\n"
          "  -h, --help          show this help and the spec keys\n"
          "  -V, --version       show the version\n"
          "\n"
          "KEY=VALUE overrides a spec key by its dotted path, e.g. train.lr=0.5.\n"
          "Exit status: 0 success, 1 the run failed, 2 bad command line, spec or input.\n"
          "\n"
          "Spec keys:\n");
  spec_print_keys(f);
}

typedef struct options {
  const char *output;
  int force, dry_run, quiet;
  const char *threads;
} options;

/* ---------------------------------------------------------------- progress */

typedef struct progress {
  int tty;              /* stdout is a terminal: draw the live bar */
  double start;         /* of this invocation's training */
  double epoch_start;
  double last_draw;
  size_t epochs_before; /* completed when this invocation started (resume) */
} progress;

static void print_epoch(const results *r, void *ctx) {
  progress *p = ctx;
  const results_epoch *e = &r->metrics[r->epochs_done - 1];
  const long left = r->spec.train.epochs - e->epoch;
  const double per_epoch = (train_now() - p->start) / (double)(r->epochs_done - p->epochs_before);
  const long eta = (long)(left * per_epoch + 0.5);
  printf("%sepoch %3ld/%ld  train loss %.4f acc %.4f  dev loss %.4f acc %.4f  %5.1f s  ETA %ld:%02ld\n",
         p->tty ? "\r\033[K" : "", e->epoch, r->spec.train.epochs, e->train_loss,
         e->train_accuracy, e->dev_loss, e->dev_accuracy, e->seconds, eta / 60, eta % 60);
  fflush(stdout);
  p->epoch_start = train_now();
}

/* The live bar within an epoch, on a terminal only, redrawn at most 10 times a second. */
static void draw_bar(const results *r, long epoch, size_t batch, size_t nbatches, void *ctx) {
  progress *p = ctx;
  const double now = train_now();
  if (batch < nbatches && now - p->last_draw < 0.1) return;
  p->last_draw = now;
  const double epoch_secs = now - p->epoch_start;
  const double done = (double)batch / (double)nbatches;
  const double rate = epoch_secs > 0 ? (double)(batch * (size_t)r->spec.train.batch) / epoch_secs : 0;
  /* the run's remaining time: from the average epoch (evaluation included)
   * once one has finished here, else from this epoch's training pace */
  const double epochs_left = (double)(r->spec.train.epochs - epoch) + (1.0 - done);
  const size_t finished = r->epochs_done - p->epochs_before;
  const double per_epoch = finished ? (p->epoch_start - p->start) / (double)finished
                                    : (done > 0 ? epoch_secs / done : 0);
  const long eta = (long)(epochs_left * per_epoch + 0.5);
  char bar[31];
  const int width = 30, fill = (int)(done * width);
  for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
  bar[width] = '\0';
  printf("\r\033[Kepoch %3ld/%ld [%s] %zu/%zu batches  %.0f examples/s  ETA %ld:%02ld%s", epoch,
         r->spec.train.epochs, bar, batch, nbatches, rate, eta / 60, eta % 60,
         batch == nbatches ? "  evaluating" : "");
  fflush(stdout);
}

/* ----------------------------------------------------------------- signals */

static volatile sig_atomic_t stop_requested;

/* The first SIGINT/SIGTERM asks the loop to stop at the next batch boundary;
 * a second one ends the process at once (the last epoch's file is intact:
 * every write goes to a temporary file first). */
static void on_signal(int sig) {
  if (stop_requested) {
    static const char msg[] = "\nnnrun: stopped at once; the results file holds the last completed epoch\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(1);
  }
  stop_requested = sig;
}

static void install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  /* A full file-size limit makes write() fail with EFBIG, reported like a full disk. */
  signal(SIGXFSZ, SIG_IGN);
}

/* ------------------------------------------------------------------ output */

/* mkdir -p, for output.dir. */
static int make_dirs(const char *dir, nn_error *err) {
  char path[SPEC_PATH_MAX];
  snprintf(path, sizeof path, "%s", dir);
  for (char *p = path + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    const char c = *p;
    *p = '\0';
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
      return nn_error_set(err, errno == ENOTDIR ? NN_BADINPUT : NN_FAIL,
                          "output.dir: cannot create %s: %s", path, strerror(errno));
    *p = c;
    if (c == '\0') break;
  }
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return nn_error_set(err, NN_BADINPUT, "output.dir: %s is not a directory", dir);
  return NN_OK;
}

/* What to do with the output path. */
enum start { START_FRESH, START_RESUME };

/* "key: THERE there, HERE here; ..." for the keys whose values differ. */
static void spec_differences(const spec *there, const spec *here, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < spec_nkeys() && used < n; i++) {
    char a[SPEC_PATH_MAX], b[SPEC_PATH_MAX];
    spec_key_text(there, i, a, sizeof a);
    spec_key_text(here, i, b, sizeof b);
    if (strcmp(a, b) != 0) {
      int k = snprintf(buf + used, n - used, "%s%s: %s in the file, %s now", used ? "; " : "",
                       spec_key_path(i), a, b);
      if (k < 0) break;
      used += (size_t)k;
    }
  }
}

/* Decides whether PATH may be written: a new file, or an unfinished run of
 * the same spec (resumed into *old), or anything else only with --force. */
static int check_output(const char *path, const spec *s, const options *opt, results *old,
                        enum start *start, nn_error *err) {
  *start = START_FRESH;
  struct stat st;
  if (stat(path, &st) != 0) {
    char dir[SPEC_PATH_MAX + SPEC_NAME_MAX + 8];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) return NN_OK;
    slash[slash == dir] = '\0';
    /* output.dir is created once the run is known to be valid; -o needs a folder */
    if (opt->output && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
      return nn_error_set(err, NN_BADINPUT, "cannot write %s: no such directory %s", path, dir);
    return NN_OK;
  }
  if (S_ISDIR(st.st_mode))
    return nn_error_set(err, NN_BADINPUT, "cannot write %s: it is a directory", path);
  char status[32];
  nn_error probe = {0};
  if (results_read_status(path, status, sizeof status, &probe) != NN_OK) {
    if (opt->force) return NN_OK;
    return nn_error_set(err, NN_BADINPUT,
                        "%s exists and is not an nnrun results file (%s); use --force to "
                        "replace it or -o to write elsewhere",
                        path, probe.msg);
  }
  if (strcmp(status, "running") != 0 && strcmp(status, "interrupted") != 0) {
    if (opt->force) return NN_OK;
    return nn_error_set(err, NN_BADINPUT,
                        "%s holds a %s run; use --force to replace it or -o to write elsewhere",
                        path, status);
  }
  /* An unfinished run: resume it when it is the same experiment. */
  if (results_read(old, path, &probe) != NN_OK) {
    if (opt->force) return NN_OK;
    return nn_error_set(err, NN_BADINPUT, "cannot resume: %s; use --force to start over",
                        probe.msg);
  }
  char diff[NN_ERROR_MAX / 2];
  spec_differences(&old->spec, s, diff, sizeof diff);
  if (diff[0]) {
    results_free(old);
    if (opt->force) return NN_OK;
    return nn_error_set(err, NN_BADINPUT,
                        "%s holds an unfinished run of another spec (%s); use --force to start "
                        "over or -o to write elsewhere",
                        path, diff);
  }
  *start = START_RESUME;
  return NN_OK;
}

int main(int argc, char **argv) {
  static const struct option longopts[] = {
      {"output", required_argument, NULL, 'o'}, {"force", no_argument, NULL, 'f'},
      {"dry-run", no_argument, NULL, 'n'},      {"threads", required_argument, NULL, 'j'},
      {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0}};
  options opt = {0};
  int c;
  /* before getopt_long() permutes argv */
  char *command_line = cli_command_line(argc, argv);
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:fnj:qhV", longopts, NULL)) != -1) {
    switch (c) {
    case 'o': opt.output = optarg; break;
    case 'f': opt.force = 1; break;
    case 'n': opt.dry_run = 1; break;
    case 'j': opt.threads = optarg; break;
    case 'q': opt.quiet = 1; break;
    case 'h': usage(stdout); free(command_line); return 0;
    case 'V':
      printf("nnrun %s (%s)\n", PACKAGE_VERSION, cli_blas_name());
      free(command_line);
      return 0;
    case ':':
      fprintf(stderr, "%s: %s needs an argument; see nnrun --help\n", prog, argv[optind - 1]);
      free(command_line);
      return 2;
    default:
      fprintf(stderr, "%s: unknown option '%s'; see nnrun --help\n", prog, argv[optind - 1]);
      free(command_line);
      return 2;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "%s: no spec file given; usage: nnrun [OPTIONS] SPEC.yaml [KEY=VALUE ...]\n",
            prog);
    free(command_line);
    return 2;
  }

  int rc = NN_OK;
  nn_error err = {0};
  results r, old;
  dataset train = {0}, test = {0};
  char path[SPEC_PATH_MAX + SPEC_NAME_MAX + 8];
  enum start start = START_FRESH;
  results_init(&r);
  results_init(&old);
  results_quiet_hdf5();

  /* The spec, its overrides, and the data files: all checked before any work. */
  if ((rc = spec_load_file(&r.spec, argv[optind], &err))) goto fail;
  for (int i = optind + 1; i < argc; i++)
    if ((rc = spec_override(&r.spec, argv[i], &err))) goto fail;
  if (opt.threads) {
    char assignment[64];
    snprintf(assignment, sizeof assignment, "train.threads=%s", opt.threads);
    if ((rc = spec_override(&r.spec, assignment, &err))) goto fail;
  }
  char images[DATA_PATH_MAX], labels[DATA_PATH_MAX];
  if ((rc = data_find(r.spec.data.dir, r.spec.data.format, DATA_TRAIN, images, labels, &err)) ||
      (rc = data_find(r.spec.data.dir, r.spec.data.format, DATA_TEST, images, labels, &err)))
    goto fail;
  if (opt.output && (!opt.output[0] || opt.output[strlen(opt.output) - 1] == '/')) {
    rc = nn_error_set(&err, NN_BADINPUT, "-o '%s': expected a file name", opt.output);
    goto fail;
  }
  if (opt.output)
    snprintf(path, sizeof path, "%s", opt.output);
  else
    snprintf(path, sizeof path, "%s/%s.h5", r.spec.output.dir, r.spec.name);

  if (opt.dry_run) {
    char *yaml = spec_to_yaml(&r.spec);
    if (!yaml) {
      rc = nn_error_set(&err, NN_FAIL, "out of memory");
      goto fail;
    }
    fputs(yaml, stdout);
    free(yaml);
    if (!opt.quiet) fprintf(stderr, "%s: dry run: spec and data files are valid; would write %s\n",
                            prog, path);
    goto done;
  }

  if ((rc = data_load(&train, r.spec.data.dir, r.spec.data.format, DATA_TRAIN, &err)) ||
      (rc = data_load(&test, r.spec.data.dir, r.spec.data.format, DATA_TEST, &err)))
    goto fail;
  if ((rc = check_output(path, &r.spec, &opt, &old, &start, &err))) goto fail;
  if (start == START_RESUME) {
    if ((rc = train_check_data(&old, &train, &test, &err))) goto fail;
    results_free(&r);
    r = old; /* the file's run, continued */
    results_init(&old);
  } else if ((rc = train_begin(&r, &train, &test, &err))) {
    goto fail;
  }
  /* Only a valid run creates output.dir. */
  if (!opt.output && (rc = make_dirs(r.spec.output.dir, &err))) goto fail;
  results_remove_stale(path);

  const long threads = cli_set_threads(r.spec.train.threads);
  char created[RESULTS_TEXT_MAX];
  snprintf(created, sizeof created, "%s", r.created);
  cli_describe_run(&r, threads);
  if (start == START_RESUME) snprintf(r.created, sizeof r.created, "%s", created);
  free(r.command_line);
  r.command_line = command_line;
  command_line = NULL;
  progress prog_state = {.tty = !opt.quiet && isatty(STDOUT_FILENO),
                         .epochs_before = r.epochs_done};
  if (!opt.quiet) {
    if (start == START_RESUME)
      printf("%s: resuming %s after epoch %zu of %ld\n", r.spec.name, path, r.epochs_done,
             r.spec.train.epochs);
    printf("%s: %zu train / %zu dev / %zu test images, %zu-%zu-%zu, %ld epochs, batch %ld, "
           "lr %g, lambda %g, %ld BLAS threads -> %s\n",
           r.spec.name, r.train_size, r.dev_size, r.test_size, r.model.d, r.model.h, r.model.k,
           r.spec.train.epochs, r.spec.train.batch, r.spec.train.lr, r.spec.train.lambda,
           threads, path);
    fflush(stdout);
  }
  install_signals();
  prog_state.start = prog_state.epoch_start = train_now();
  train_hooks hooks = {.epoch_done = opt.quiet ? NULL : print_epoch,
                       .batch_done = prog_state.tty ? draw_bar : NULL,
                       .ctx = &prog_state,
                       .stop = &stop_requested};
  rc = train_run(&r, &train, &test, path, &hooks, &err);
  if (prog_state.tty) printf("\r\033[K");
  if (rc) {
    cli_error(prog, &err);
    if (strcmp(r.status, "interrupted") == 0)
      fprintf(stderr, "%s: to resume, run the same command again: %s\n", prog,
              r.command_line ? r.command_line : "nnrun ...");
    goto done;
  }
  if (!opt.quiet)
    printf("test loss %.4f accuracy %.4f (n = %ld)  %.1f s in all; wrote %s\n", r.test_loss,
           r.test_accuracy, r.test_n, train_now() - prog_state.start, path);
  goto done;

fail:
  cli_error(prog, &err);
done:
  data_free(&train);
  data_free(&test);
  results_free(&r);
  results_free(&old);
  free(command_line);
  if (fflush(stdout) != 0 && rc == NN_OK) {
    fprintf(stderr, "%s: error writing to standard output\n", prog);
    rc = NN_FAIL;
  }
  return rc;
}
