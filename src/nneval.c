/* nneval: evaluate the model saved in results files on the test split (or
 * train/dev), print loss, accuracy and the confusion matrix, and record the
 * test result in the file.  Argument handling and printing only.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "data.h"
#include "fsutil.h"
#include "lock.h"
#include "results.h"
#include "run.h"
#include "spec.h"
#include "train.h"

static const char *prog = "nneval";

static void usage(FILE *f) {
  fprintf(f,
          "Usage: nneval [OPTIONS] RESULT.h5 ...\n"
          "Load the parameters and normalization saved in each results file, evaluate\n"
          "them on the test split, print loss, accuracy and (for one file) the confusion\n"
          "matrix, and store them under /test in the file.\n"
          "\n"
          "Options:\n"
          "  -s, --split SPLIT   test (default), dev or train; only test is stored\n"
          "  -d, --data DIR      read the data from DIR instead of the spec's data.dir\n"
          "  -n, --no-store      do not write /test back into the file\n"
          "      --diverged      evaluate a diverged run too: the parameters its file kept,\n"
          "                      those of the last epoch before it diverged (refused without)\n"
          "  -j, --threads N     BLAS threads (0 = one per core)\n"
          "  -q, --quiet         print errors only\n"
          "  -h, --help          show this help\n"
          "  -V, --version       show the version\n"
          "\n"
          "Exit status: 0 success, 1 a file could not be written, 2 bad command line or input.\n");
}

enum split { SPLIT_TEST, SPLIT_DEV, SPLIT_TRAIN };
static const char *split_names[] = {"test", "dev", "train"};

typedef struct options {
  enum split split;
  const char *data_dir;
  int no_store, quiet, many;
  int diverged;        /* --diverged: evaluate diverged runs too */
  long threads;
} options;

/* The data set last loaded, reused while consecutive files name the same files. */
typedef struct data_cache {
  dataset ds;
  int loaded;
} data_cache;

static int load_split(const results *r, const options *opt, const char *file, data_cache *cache,
                      nn_error *err) {
  const char *dir = opt->data_dir ? opt->data_dir : r->spec.data.dir;
  enum data_split which = opt->split == SPLIT_TEST ? DATA_TEST : DATA_TRAIN;
  char images[DATA_PATH_MAX], labels[DATA_PATH_MAX];
  int rc = data_find_hint(dir, r->spec.data.format, which, images, labels, DATA_HINT_OPTION, err);
  if (rc) return rc;
  if (!cache->loaded || strcmp(cache->ds.images_path, images) != 0 ||
      strcmp(cache->ds.labels_path, labels) != 0) {
    data_free(&cache->ds);
    cache->loaded = 0;
    if ((rc = data_load_files(&cache->ds, images, labels, r->spec.data.format, err))) return rc;
    cache->loaded = 1;
  }
  /* the labels index the model's outputs and its confusion matrix */
  if ((rc = data_check_labels(&cache->ds, r->model.k, err))) return rc;
  rc = train_check_files(r, &cache->ds, which, err);
  if (rc) {
    nn_error_prefix(err, "%s", file);
    const size_t used = strlen(err->msg);
    snprintf(err->msg + used, sizeof err->msg - used,
             "; use --data DIR to point at the original data");
  }
  return rc;
}

static void print_confusion(const long *confusion, size_t k) {
  printf("confusion (rows: true class, columns: predicted class):\n      ");
  for (size_t c = 0; c < k; c++) printf(" %6zu", c);
  printf("\n");
  for (size_t t = 0; t < k; t++) {
    printf("  %3zu ", t);
    for (size_t c = 0; c < k; c++) printf(" %6ld", confusion[t * k + c]);
    printf("\n");
  }
}

static int eval_file(const char *file, const options *opt, data_cache *cache, nn_error *err) {
  results r;
  train_buffers b = {0};
  train_feed feed = {0};
  long *confusion = NULL;
  lock lk = {.fd = -1};
  int store = opt->split == SPLIT_TEST && !opt->no_store, read_only = 0;
  results_init(&r);
  /* Storing /test rewrites the file: as its one writer, from the read on. */
  struct stat st;
  int rc = NN_OK;
  if (store && lstat(file, &st) == 0 && S_ISREG(st.st_mode) && fs_read_only(file, &st)) {
    /* someone made it read-only: evaluated, never rewritten (see below) */
    store = 0;
    read_only = 1;
  }
  if (store && (rc = run_check_path(file, err))) {
    /* a name too long for a lock or a temporary file: /test cannot be stored,
     * but the file can be read (issue 10, item B) */
    char why[NN_ERROR_MAX - 64];
    snprintf(why, sizeof why, "%.*s", (int)sizeof why - 1, err->msg);
    nn_error_set(err, rc, "%s; evaluate it with --no-store", why);
    goto done;
  }
  if (store && lstat(file, &st) == 0) {
    /* /test is stored by replacing the file: never a link (the link would
     * become a copy, and the file it names would go unlocked) */
    if (S_ISLNK(st.st_mode))
      rc = nn_error_set(err, NN_BADINPUT,
                        "%s: a symbolic link, not a regular file; evaluate it with --no-store, "
                        "or name the file itself to store /test", file);
    else if (S_ISREG(st.st_mode))
      rc = lock_take(&lk, file, prog, err);
    /* anything else is refused by the read below */
  }
  if (rc || (rc = results_read(&r, file, err))) goto done;
  if (strcmp(r.status, "diverged") == 0 && !opt->diverged) {
    const long epoch = r.diverged_epoch ? r.diverged_epoch : (long)r.epochs_done + 1;
    char kept[64];
    if (epoch > 1) snprintf(kept, sizeof kept, "the parameters of epoch %ld", epoch - 1);
    else snprintf(kept, sizeof kept, "the initial parameters");
    if (r.diverged_epoch)
      rc = nn_error_set(err, NN_BADINPUT,
                        "%s: the run diverged in epoch %ld: %s; its file keeps %s: use "
                        "--diverged to evaluate them anyway",
                        file, epoch, r.diverged_cause, kept);
    else
      rc = nn_error_set(err, NN_BADINPUT,
                        "%s: the run diverged in epoch %ld, and its file (from an older nnrun) "
                        "holds the parameters that blew up: use --diverged to evaluate them "
                        "anyway",
                        file, epoch);
    goto done;
  }
  if ((rc = load_split(&r, opt, file, cache, err))) goto done;
  const dataset *ds = &cache->ds;
  if (ds->d != r.model.d) {
    rc = nn_error_set(err, NN_BADINPUT, "%s: the model takes %zu inputs, but %s has %zu pixels",
                      file, r.model.d, ds->images_path, ds->d);
    goto done;
  }
  const size_t *rows = NULL;
  size_t n = ds->n;
  if (opt->split != SPLIT_TEST) {
    if (r.train_size + r.dev_size != ds->n) {
      rc = nn_error_set(err, NN_BADINPUT, "%s: the split covers %zu images, but %s has %zu",
                        file, r.train_size + r.dev_size, ds->images_path, ds->n);
      goto done;
    }
    rows = opt->split == SPLIT_DEV ? r.dev_index : r.train_index;
    n = opt->split == SPLIT_DEV ? r.dev_size : r.train_size;
    if (n == 0) { /* no loss of 0 over no images */
      rc = nn_error_set(err, NN_BADINPUT, "%s: the run has no %s split (data.%s_size 0)", file,
                        split_names[opt->split], split_names[opt->split]);
      goto done;
    }
  }
  /* the BLAS threads started in main() under ulimit -v: only the buffers */
  if ((rc = run_check_memory(1, train_memory(&r, opt->split == SPLIT_TEST ? NULL : ds,
                                             opt->split == SPLIT_TEST ? ds : NULL, 0),
                             err))) {
    nn_error_prefix(err, "%s", file);
    goto done;
  }
  confusion = calloc(r.model.k * r.model.k, sizeof *confusion);
  if (!confusion) {
    rc = nn_error_set(err, NN_FAIL, "out of memory");
    goto done;
  }
  if ((rc = train_feed_init(&feed, &r, ds, opt->split == SPLIT_TEST ? DATA_TEST : DATA_TRAIN,
                           err)) ||
      (rc = train_buffers_init(&b, &r.model, TRAIN_EVAL_CHUNK,
                               feed.sparse ? (int)opt->threads : 0, err)))
    goto done;
  double loss, accuracy;
  if (feed.sparse) mlp_blas_threads(1); /* the sparse products take the threads */
  train_evaluate(&r.model, &b, &feed, rows, n, &loss, &accuracy, confusion);
  if (feed.sparse) mlp_blas_threads((int)opt->threads);

  if (!opt->quiet) {
    cli_printf(stdout, "%s: %s loss %.6f accuracy %.4f (n = %zu)\n", file, split_names[opt->split], loss,
                       accuracy, n);
    if (!opt->many) print_confusion(confusion, r.model.k);
  }
  if (read_only && !opt->quiet)
    cli_printf(stderr, "%s: %s is read-only (mode %04o): not storing /test (make it writable "
               "to store it, or pass --no-store)\n", prog, file, (unsigned)(st.st_mode & 07777));
  if (store) {
    if (strcmp(r.status, "running") == 0) {
      cli_printf(stderr, "%s: %s: the run was killed after epoch %zu; not storing /test (run "
                 "nnrun again to resume it)\n", prog, file, r.epochs_done);
      goto done;
    }
    free(r.confusion);
    r.confusion = confusion;
    confusion = NULL;
    r.has_test = 1;
    r.test_loss = loss;
    r.test_accuracy = accuracy;
    r.test_n = (long)n;
    rc = results_write(&r, file, err);
  }
done:
  lock_release(&lk);
  free(confusion);
  train_buffers_free(&b);
  train_feed_free(&feed);
  results_free(&r);
  return rc;
}

int main(int argc, char **argv) {
  static const struct option longopts[] = {
      {"split", required_argument, NULL, 's'}, {"data", required_argument, NULL, 'd'},
      {"no-store", no_argument, NULL, 'n'},    {"threads", required_argument, NULL, 'j'},
      {"quiet", no_argument, NULL, 'q'},       {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},     {"diverged", no_argument, NULL, 'D'},
      {NULL, 0, NULL, 0}};
  options opt = {0};
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":s:d:nj:qhV", longopts, NULL)) != -1) {
    switch (c) {
    case 'D': opt.diverged = 1; break;
    case 's':
      if (strcmp(optarg, "test") == 0) opt.split = SPLIT_TEST;
      else if (strcmp(optarg, "dev") == 0) opt.split = SPLIT_DEV;
      else if (strcmp(optarg, "train") == 0) opt.split = SPLIT_TRAIN;
      else {
        cli_printf(stderr, "%s: --split: expected train, dev or test, got '%s'\n", prog, optarg);
        return 2;
      }
      break;
    case 'd': opt.data_dir = optarg; break;
    case 'n': opt.no_store = 1; break;
    case 'j':
      if (cli_parse_long(optarg, 0, 1024, &opt.threads)) {
        cli_printf(stderr, "%s: --threads: expected a whole number 0..1024, got '%s'\n", prog,
                   optarg);
        return 2;
      }
      break;
    case 'q': opt.quiet = 1; break;
    case 'h': usage(stdout); return 0;
    case 'V': printf("nneval %s (%s)\n", PACKAGE_VERSION, run_blas_name()); return 0;
    case ':':
      cli_printf(stderr, "%s: %s needs an argument; see nneval --help\n", prog, argv[optind - 1]);
      return 2;
    default:
      cli_printf(stderr, "%s: unknown option '%s'; see nneval --help\n", prog, argv[optind - 1]);
      return 2;
    }
  }
  if (optind >= argc) {
    cli_printf(stderr, "%s: no results file given; usage: nneval [OPTIONS] RESULT.h5 ...\n", prog);
    return 2;
  }
  opt.many = argc - optind > 1;
  results_quiet_hdf5();
  /* Room for the BLAS threads under ulimit -v before they start: OpenBLAS
   * would retry a buffer that does not fit forever.  Each file's buffers are
   * checked before its evaluation. */
  const long cores = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
  nn_error mem = {0};
  if (run_check_memory(opt.threads > 0 ? opt.threads : cores, 0, &mem)) {
    cli_error(prog, &mem);
    return NN_FAIL;
  }
  opt.threads = cli_set_threads(opt.threads);

  /* Every file is tried; the exit status is the worst of them. */
  int worst = NN_OK;
  data_cache cache = {0};
  for (int i = optind; i < argc; i++) {
    nn_error err = {0};
    int rc = eval_file(argv[i], &opt, &cache, &err);
    if (rc) {
      cli_error(prog, &err);
      if (rc > worst) worst = rc;
    }
  }
  data_free(&cache.ds);
  if (fflush(stdout) != 0 && worst == NN_OK) {
    cli_printf(stderr, "%s: error writing to standard output\n", prog);
    worst = NN_FAIL;
  }
  return worst;
}
