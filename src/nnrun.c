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
#include <sys/stat.h>

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

static void print_epoch(const results *r, void *ctx) {
  const double *t0 = ctx;
  const results_epoch *e = &r->metrics[r->epochs_done - 1];
  const long left = r->spec.train.epochs - e->epoch;
  const double elapsed = train_now() - *t0;
  const double eta = left * elapsed / (double)r->epochs_done;
  printf("epoch %3ld/%ld  train loss %.4f acc %.4f  dev loss %.4f acc %.4f  %5.1f s  ETA %ld:%02ld\n",
         e->epoch, r->spec.train.epochs, e->train_loss, e->train_accuracy, e->dev_loss,
         e->dev_accuracy, e->seconds, (long)(eta + 0.5) / 60, (long)(eta + 0.5) % 60);
  fflush(stdout);
}

/* mkdir -p, for output.dir. */
static int make_dirs(const char *dir, nn_error *err) {
  char path[SPEC_PATH_MAX];
  snprintf(path, sizeof path, "%s", dir);
  for (char *p = path + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    const char c = *p;
    *p = '\0';
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
      return nn_error_set(err, NN_FAIL, "output.dir: cannot create %s: %s", path, strerror(errno));
    *p = c;
    if (c == '\0') break;
  }
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return nn_error_set(err, NN_BADINPUT, "output.dir: %s is not a directory", dir);
  return NN_OK;
}

/* Decides whether PATH may be (re)written: a complete run or a foreign file
 * needs --force. */
static int check_output(const char *path, int force, int quiet, nn_error *err) {
  struct stat st;
  if (stat(path, &st) != 0) {
    char dir[SPEC_PATH_MAX + SPEC_NAME_MAX + 8];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) return NN_OK;
    slash[slash == dir] = '\0';
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
      return nn_error_set(err, NN_BADINPUT, "cannot write %s: no such directory %s", path, dir);
    return NN_OK;
  }
  if (S_ISDIR(st.st_mode))
    return nn_error_set(err, NN_BADINPUT, "cannot write %s: it is a directory", path);
  char status[32];
  nn_error probe = {0};
  if (results_read_status(path, status, sizeof status, &probe) != NN_OK) {
    if (force) return NN_OK;
    return nn_error_set(err, NN_BADINPUT,
                        "%s exists and is not an nnrun results file (%s); use --force to "
                        "replace it or -o to write elsewhere",
                        path, probe.msg);
  }
  if (strcmp(status, "complete") == 0 && !force)
    return nn_error_set(err, NN_BADINPUT,
                        "%s holds a complete run; use --force to replace it or -o to write "
                        "elsewhere",
                        path);
  if (!quiet && strcmp(status, "complete") != 0)
    fprintf(stderr, "%s: replacing the %s run in %s\n", prog, status, path);
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
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:fnj:qhV", longopts, NULL)) != -1) {
    switch (c) {
    case 'o': opt.output = optarg; break;
    case 'f': opt.force = 1; break;
    case 'n': opt.dry_run = 1; break;
    case 'j': opt.threads = optarg; break;
    case 'q': opt.quiet = 1; break;
    case 'h': usage(stdout); return 0;
    case 'V': printf("nnrun %s (%s)\n", PACKAGE_VERSION, cli_blas_name()); return 0;
    case ':':
      fprintf(stderr, "%s: %s needs an argument; see nnrun --help\n", prog, argv[optind - 1]);
      return 2;
    default:
      fprintf(stderr, "%s: unknown option '%s'; see nnrun --help\n", prog, argv[optind - 1]);
      return 2;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "%s: no spec file given; usage: nnrun [OPTIONS] SPEC.yaml [KEY=VALUE ...]\n",
            prog);
    return 2;
  }

  int rc = NN_OK;
  nn_error err = {0};
  results r;
  dataset train = {0}, test = {0};
  char path[SPEC_PATH_MAX + SPEC_NAME_MAX + 8];
  results_init(&r);
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
  if ((rc = train_begin(&r, &train, &test, &err))) goto fail;
  /* Only a valid run creates output.dir. */
  if (!opt.output && (rc = make_dirs(r.spec.output.dir, &err))) goto fail;
  if ((rc = check_output(path, opt.force, opt.quiet, &err))) goto fail;

  const long threads = cli_set_threads(r.spec.train.threads);
  cli_describe_run(&r, threads);
  r.command_line = cli_command_line(argc, argv);
  if (!opt.quiet) {
    printf("%s: %zu train / %zu dev / %zu test images, %zu-%zu-%zu, %ld epochs, batch %ld, "
           "lr %g, lambda %g, %ld BLAS threads -> %s\n",
           r.spec.name, r.train_size, r.dev_size, r.test_size, r.model.d, r.model.h, r.model.k,
           r.spec.train.epochs, r.spec.train.batch, r.spec.train.lr, r.spec.train.lambda,
           threads, path);
    fflush(stdout);
  }
  double t0 = train_now();
  train_hooks hooks = {.epoch_done = opt.quiet ? NULL : print_epoch, .ctx = &t0};
  if ((rc = train_run(&r, &train, &test, path, &hooks, &err))) goto fail;
  if (!opt.quiet)
    printf("test loss %.4f accuracy %.4f (n = %ld)  %.1f s in all; wrote %s\n", r.test_loss,
           r.test_accuracy, r.test_n, train_now() - t0, path);
  goto done;

fail:
  cli_error(prog, &err);
done:
  data_free(&train);
  data_free(&test);
  results_free(&r);
  if (fflush(stdout) != 0 && rc == NN_OK) {
    fprintf(stderr, "%s: error writing to standard output\n", prog);
    rc = NN_FAIL;
  }
  return rc;
}
