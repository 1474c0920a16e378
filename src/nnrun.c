/* nnrun: train the model of one experiment spec, test it, and save
 * everything in an HDF5 results file.  Argument handling and printing only;
 * the work is in libnn (run: spec, lock, data, train, results).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "run.h"
#include "text.h"
#include "vmath.h"

static const char *prog = "nnrun";

static void usage(FILE *f) {
  fprintf(f,
          "Usage: nnrun [OPTIONS] SPEC.yaml [KEY=VALUE ...]\n"
          "Train the network that SPEC.yaml describes (layers, activation, optimizer),\n"
          "test it, and write everything to an HDF5 results file: OUTPUT.DIR/RUN.h5, where\n"
          "RUN is the spec's name followed by the overrides that change it, e.g.\n"
          "runs/regularized,train.lr=1.h5.  The same command names the same file: a\n"
          "complete run of the same spec is up to date, an unfinished one resumes.\n"
          "\n"
          "Options:\n"
          "  -o, --output FILE   write the results to FILE instead\n"
          "  -f, --force         train from the start, replacing the results file at the\n"
          "                      output path whatever run it holds (complete, diverged,\n"
          "                      unfinished, another spec's, damaged) or an empty file;\n"
          "                      never any other file (a link, FIFO, device or foreign file)\n"
          "  -n, --dry-run       print the resolved spec as YAML and say what the run would\n"
          "                      do (write, replace, resume, up to date), or refuse as it\n"
          "                      would, with its message and exit status (under ulimit -v\n"
          "                      it loads the data and checks the address space too);\n"
          "                      writes nothing\n"
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

/* x with 4 decimals, or "-" when there is none (no dev split: NaN). */
static const char *metric_text(double x, char *buf, size_t n) {
  if (isfinite(x)) snprintf(buf, n, "%.4f", x);
  else snprintf(buf, n, "-");
  return buf;
}

static void print_epoch(const results *r, void *ctx) {
  progress *p = ctx;
  const results_epoch *e = &r->metrics[r->epochs_done - 1];
  const long left = r->spec.train.epochs - e->epoch;
  const double per_epoch = (train_now() - p->start) / (double)(r->epochs_done - p->epochs_before);
  const long eta = (long)(left * per_epoch + 0.5);
  char dl[32], da[32];
  printf("%sepoch %3ld/%ld  train loss %.4f acc %.4f  dev loss %s acc %s  %5.1f s  ETA %ld:%02ld\n",
         p->tty ? "\r\033[K" : "", e->epoch, r->spec.train.epochs, e->train_loss,
         e->train_accuracy, metric_text(e->dev_loss, dl, sizeof dl),
         metric_text(e->dev_accuracy, da, sizeof da), e->seconds, eta / 60, eta % 60);
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

/* What the watchdog watches: the training loop bumps moves at every
 * batch, every evaluation chunk and after every save, and sets saving while
 * it writes the results file (train_hooks). */
static volatile sig_atomic_t moves, saving;
static sig_atomic_t progress_seen;

/* Seconds a stop request may go without progress before nnrun ends at once:
 * the loop stops at the next batch or evaluation chunk, but a library call
 * (a BLAS thread stuck on a buffer it cannot map) may never return.  A slow
 * run that moves, or a slow save, is never cut short.  NNRUN_STOP_GRACE
 * overrides it. */
#define STOP_GRACE 10
static unsigned stop_grace = STOP_GRACE;

/* The first SIGINT/SIGTERM asks the loop to stop at the next batch or
 * evaluation chunk and arms the watchdog; a second one, or the watchdog,
 * ends the process at once (the last epoch's file is intact: every write
 * goes to a temporary file first, then is renamed). */
static void on_signal(int sig) {
  if (stop_requested) {
    static const char msg[] = "\nnnrun: stopped at once; the results file holds the last completed epoch\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(1);
  }
  stop_requested = sig;
  progress_seen = moves;
  alarm(stop_grace);
}

static char alarm_msg[256];
static size_t alarm_len;

/* The watchdog: while the run moves (or saves), it looks again after
 * another grace; a whole grace without progress ends the process. */
static void on_alarm(int sig) {
  (void)sig;
  if (saving || moves != progress_seen) {
    progress_seen = moves;
    alarm(stop_grace);
    return;
  }
  ssize_t ignored = write(STDERR_FILENO, alarm_msg, alarm_len);
  (void)ignored;
  _exit(1);
}

static void install_signals(void) {
  const char *grace = getenv("NNRUN_STOP_GRACE");
  long g;
  if (grace && cli_parse_long(grace, 1, 3600, &g) == 0) stop_grace = (unsigned)g;
  /* written by the handler, which may not format */
  snprintf(alarm_msg, sizeof alarm_msg,
           "\nnnrun: the run made no progress for %u s after the signal (a library call may "
           "be stuck); stopped at once; the results file holds the last completed epoch\n",
           stop_grace);
  alarm_len = strlen(alarm_msg);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, NULL);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  /* A full file-size limit makes write() fail with EFBIG, reported like a full disk. */
  signal(SIGXFSZ, SIG_IGN);
}

int main(int argc, char **argv) {
  static const struct option longopts[] = {
      {"output", required_argument, NULL, 'o'}, {"force", no_argument, NULL, 'f'},
      {"dry-run", no_argument, NULL, 'n'},      {"threads", required_argument, NULL, 'j'},
      {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0}};
  options opt = {0};
  int c;
  /* A closed standard output (nnrun ... | head -1) must not lose the run:
   * writes to it fail with EPIPE, and the run goes on quietly. */
  signal(SIGPIPE, SIG_IGN);
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
      printf("nnrun %s (%s; element-wise kernels: %s)\n", PACKAGE_VERSION, run_blas_name(), vmath_path());
      free(command_line);
      return 0;
    case ':':
      cli_printf(stderr, "%s: %s needs an argument; see nnrun --help\n", prog, argv[optind - 1]);
      free(command_line);
      return 2;
    default:
      cli_printf(stderr, "%s: unknown option '%s'; see nnrun --help\n", prog, argv[optind - 1]);
      free(command_line);
      return 2;
    }
  }
  if (optind >= argc) {
    cli_printf(stderr, "%s: no spec file given; usage: nnrun [OPTIONS] SPEC.yaml [KEY=VALUE ...]\n",
               prog);
    free(command_line);
    return 2;
  }

  int rc = NN_OK;
  nn_error err = {0};
  spec sp;
  run u;
  char name[RUN_NAME_MAX], path[RUN_PATH_MAX];
  memset(&u, 0, sizeof u);
  u.lk.fd = -1;
  results_quiet_hdf5();

  /* The spec, its overrides, the run's name and the data files: all checked
   * before any work.  --threads is train.threads, which names nothing. */
  const size_t noverrides = (size_t)(argc - optind - 1) + (opt.threads ? 1 : 0);
  char **overrides = calloc(noverrides + 1, sizeof *overrides);
  char threads_arg[64];
  if (!overrides) {
    rc = nn_error_set(&err, NN_FAIL, "out of memory");
    goto fail;
  }
  for (int i = optind + 1; i < argc; i++) overrides[i - optind - 1] = argv[i];
  if (opt.threads) {
    snprintf(threads_arg, sizeof threads_arg, "train.threads=%.40s", opt.threads);
    overrides[noverrides - 1] = threads_arg;
  }
  rc = run_spec(&sp, argv[optind], overrides, noverrides, name, &err);
  free(overrides);
  if (rc) goto fail;
  char images[DATA_PATH_MAX], labels[DATA_PATH_MAX];
  if ((rc = data_find(sp.data.dir, sp.data.format, DATA_TRAIN, images, labels, &err)) ||
      (rc = data_find(sp.data.dir, sp.data.format, DATA_TEST, images, labels, &err)))
    goto fail;
  if (opt.output && (!opt.output[0] || opt.output[strlen(opt.output) - 1] == '/')) {
    rc = nn_error_set(&err, NN_BADINPUT, "-o '%s': expected a file name", opt.output);
    goto fail;
  }
  /* a path the results file, its lock and its temporary file can all have */
  if (opt.output && (rc = run_check_path(opt.output, &err))) goto fail;
  if (opt.output)
    snprintf(path, sizeof path, "%s", opt.output);
  else if ((size_t)snprintf(path, sizeof path, "%s/%s.h5", sp.output.dir, name) >= sizeof path ||
           run_check_path(path, &err)) {
    rc = run_check_path(path, &err) ? err.status : NN_BADINPUT;
    nn_error_prefix(&err, "output.dir");
    goto fail;
  }

  const int open_flags = (opt.force ? RUN_FORCE : 0) | (opt.output ? 0 : RUN_MAKE_DIR);
  if (opt.dry_run) {
    /* what the run would do, refusals included, with the same exit status */
    struct stat st;
    const int exists = lstat(path, &st) == 0;
    if ((rc = run_dry_open(&u, &sp, path, open_flags, &err))) goto fail;
    /* the address-space check the run makes before it trains */
    if (u.start != RUN_UP_TO_DATE && (rc = run_check_room(&u, &err))) goto fail;
    char *yaml = spec_to_yaml(&sp);
    if (!yaml) {
      rc = nn_error_set(&err, NN_FAIL, "out of memory");
      goto fail;
    }
    fputs(yaml, stdout);
    free(yaml);
    if (opt.quiet) goto done;
    if (u.start == RUN_UP_TO_DATE)
      cli_printf(stderr, "%s: dry run: %s is up to date: it holds a %s run of this spec; "
                 "--force trains again\n", prog, path, u.r.status);
    else if (u.start == RUN_RESUME)
      cli_printf(stderr, "%s: dry run: spec and data files are valid; would resume %s after "
                 "epoch %zu of %ld\n", prog, path, u.r.epochs_done, u.r.spec.train.epochs);
    else
      cli_printf(stderr, "%s: dry run: spec and data files are valid; would %s %s\n", prog,
                 exists ? "replace" : "write", path);
    goto done;
  }

  if ((rc = run_open(&u, &sp, path, open_flags, prog, &err))) goto fail;
  results *r = &u.r;
  if (u.start == RUN_UP_TO_DATE) {
    if (!opt.quiet)
      cli_printf(stdout, "%s: up to date: %s holds a %s run of this spec; --force trains again\n", name,
                         path, r->status);
    goto done;
  }
  /* Room for the buffers and the BLAS threads under ulimit -v, before the
   * threads start (OpenBLAS would retry a buffer that does not fit forever). */
  const long cores = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
  if ((rc = run_check_room(&u, &err))) goto fail;
  const long threads = cli_set_threads(r->spec.train.threads);
  progress prog_state = {.tty = !opt.quiet && isatty(STDOUT_FILENO),
                         .epochs_before = r->epochs_done};
  if (!opt.quiet) {
    if (u.start == RUN_RESUME) {
      cli_printf(stdout, "%s: resuming %s after epoch %zu of %ld\n", name, path, r->epochs_done,
                         r->spec.train.epochs);
      const long asked = sp.train.threads > 0 ? sp.train.threads : cores;
      if (asked != threads)
        cli_printf(stdout, "%s: on the run's own %ld BLAS thread%s (not %ld), so that it ends "
                           "bit-identical to a run never stopped\n", name, threads,
                           text_s((unsigned long long)threads), asked);
    }
    char shape[256];
    mlp_shape_text(&r->model, shape, sizeof shape);
    cli_printf(stdout, "%s: %zu train / %zu dev / %zu test images, %s %s, %s, %ld epoch%s, batch %ld, "
                       "lr %g, lambda %g, %ld BLAS thread%s -> %s\n",
                       name, r->train_size, r->dev_size, r->test_size, shape,
                       r->model.nlayers > 1 ? mlp_activations[r->model.act].name : "softmax",
                       optim_name(r->optimizer.kind), r->spec.train.epochs,
                       text_s((unsigned long long)r->spec.train.epochs), r->spec.train.batch, r->spec.train.lr, r->spec.train.lambda,
                       threads, text_s((unsigned long long)threads), path);
    fflush(stdout);
  }
  install_signals();
  prog_state.start = prog_state.epoch_start = train_now();
  train_hooks hooks = {.epoch_done = opt.quiet ? NULL : print_epoch,
                       .batch_done = prog_state.tty ? draw_bar : NULL,
                       .ctx = &prog_state,
                       .stop = &stop_requested,
                       .progress = &moves,
                       .saving = &saving};
  rc = run_train(&u, threads, command_line, &hooks, &err);
  if (prog_state.tty) printf("\r\033[K");
  if (rc) {
    cli_error(prog, &err);
    if (strcmp(r->status, "interrupted") == 0)
      cli_printf(stderr, "%s: to resume, run the same command again: %s\n", prog,
                 command_line ? command_line : "nnrun ...");
    goto done;
  }
  if (!opt.quiet)
    cli_printf(stdout, "test loss %.4f accuracy %.4f (n = %ld)  %.1f s in all; wrote %s\n", r->test_loss,
                       r->test_accuracy, r->test_n, train_now() - prog_state.start, path);
  goto done;

fail:
  cli_error(prog, &err);
done:
  run_close(&u);
  free(command_line);
  if (fflush(stdout) != 0 && errno != EPIPE && rc == NN_OK) {
    cli_printf(stderr, "%s: error writing to standard output\n", prog);
    rc = NN_FAIL;
  }
  return rc;
}
