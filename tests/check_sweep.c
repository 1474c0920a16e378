/* check_sweep.c: unit tests of sweep.c -- expansion order and counts of grid,
 * zip, range, logspace and random, canonical names, paths, and the exact
 * messages of the bad sweep files in tests/sweeps/bad (FILE.yaml, FILE.msg). */
#include "config.h"

#include <check.h>
#include <glob.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec.h"
#include "sweep.h"

/* ------------------------------------------------------------ helpers */

/* A fresh temporary folder holding base.yaml; the tests write sweeps in it. */
static char tmpdir[64];

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fputs(text, f) >= 0, 1);
  ck_assert_int_eq(fclose(f), 0);
}

static void make_tmpdir(void) {
  char path[128];
  snprintf(tmpdir, sizeof tmpdir, "/tmp/check_sweep_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
  snprintf(path, sizeof path, "%s/base.yaml", tmpdir);
  write_file(path, "name: base\nmodel:\n  hidden: 30\ntrain:\n  epochs: 2\n  lr: 0.5\n");
}

/* The folder of the fixtures (make check exports top_srcdir; relative to
 * the folder the tests started in). */
static char startdir[4096];

static void to_srcdir(void) {
  const char *top = getenv("top_srcdir");
  ck_assert_int_eq(chdir(startdir), 0);
  ck_assert_int_eq(chdir(top && *top ? top : "."), 0);
}

/* Writes yaml as tmpdir/name and loads it; must succeed. */
static void good(sweep *sw, const char *name, const char *yaml) {
  char path[256], *errors = NULL;
  nn_error e;
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  write_file(path, yaml);
  nn_error_clear(&e);
  int rc = sweep_load(sw, path, &errors, &e);
  ck_assert_msg(rc == NN_OK, "rejected %s: %s", name, errors ? errors : e.msg);
  ck_assert_ptr_null(errors);
}

/* Writes yaml as tmpdir/name and loads it; must fail with exactly msg (all
 * the lines, "FILE" standing for the file's path). */
static void bad(const char *name, const char *yaml, const char *msg) {
  char path[256], want[4096], *errors = NULL;
  const char *p;
  size_t o = 0;
  sweep sw;
  nn_error e;
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  write_file(path, yaml);
  for (p = msg; *p && o + strlen(path) < sizeof want - 1; p++)
    if (strncmp(p, "FILE", 4) == 0)
      o += (size_t)sprintf(want + o, "%s", path), p += 3;
    else
      want[o++] = *p;
  want[o] = '\0';
  nn_error_clear(&e);
  ck_assert_int_eq(sweep_load(&sw, path, &errors, &e), NN_BADINPUT);
  ck_assert_ptr_nonnull(errors);
  ck_assert_str_eq(errors, want);
  ck_assert_int_eq(e.status, NN_BADINPUT);
  ck_assert_int_eq(strncmp(errors, e.msg, strlen(e.msg)), 0);
  ck_assert_uint_eq(sw.npoints, 0);
  ck_assert_ptr_null(sw.values);
  free(errors);
}

static const char *name_of(const sweep *sw, size_t i) {
  ck_assert_uint_lt(i, sw->npoints);
  return sw->points[i].name;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  char *t = calloc(1, 1 << 16);
  ck_assert_ptr_nonnull(t);
  size_t n = fread(t, 1, (1 << 16) - 1, f);
  t[n] = '\0';
  fclose(f);
  return t;
}

/* ------------------------------------------------------------ tests */

START_TEST(test_lambda) {
  sweep sw;
  spec s;
  nn_error e;
  char *errors = NULL, **argv;
  size_t argc;
  to_srcdir();
  nn_error_clear(&e);
  ck_assert_int_eq(sweep_load(&sw, "sweeps/lambda.yaml", &errors, &e), NN_OK);
  ck_assert_str_eq(sw.name, "lambda");
  ck_assert_str_eq(sw.spec_file, "sweeps/../configs/regularized.yaml");
  ck_assert_str_eq(sw.output_dir, "runs/lambda");
  ck_assert_int_eq(sw.threads, -1);
  ck_assert_uint_eq(sw.nset, 0);
  ck_assert_uint_eq(sw.npoints, 20);
  static const char *const lambdas[] = {"0", "1e-05", "0.0001", "0.001"};
  for (size_t i = 0; i < 20; i++) {
    char want[128];
    snprintf(want, sizeof want, "seed=%zu,train.lambda=%s", i % 5 + 1, lambdas[i / 5]);
    ck_assert_str_eq(name_of(&sw, i), want);
    ck_assert_uint_eq(sw.points[i].index, i);
    ck_assert_uint_eq(sw.points[i].nvalues, 2);
    ck_assert_str_eq(sw.points[i].values[0]->key, "seed");
    ck_assert_str_eq(sw.points[i].values[1]->key, "train.lambda");
  }
  ck_assert_str_eq(sw.points[12].path, "runs/lambda/seed=3,train.lambda=0.0001.h5");
  /* the place of a value: 1.0e-4 on line 7 */
  ck_assert_int_eq(sw.points[12].values[1]->line, 7);
  ck_assert_int_eq(sw.points[12].values[1]->col, 29);
  ck_assert_int_eq(sweep_point_spec(&sw, 12, &s, &e), NN_OK);
  ck_assert_uint_eq(s.seed, 3);
  ck_assert(s.train.lambda == 1e-4);
  ck_assert(s.train.lr == 5.0);
  ck_assert_str_eq(s.name, "regularized");
  ck_assert_int_eq(sweep_point_args(&sw, 12, &argv, &argc, &e), NN_OK);
  ck_assert_uint_eq(argc, 2);
  ck_assert_str_eq(argv[0], "seed=3");
  ck_assert_str_eq(argv[1], "train.lambda=0.0001");
  sweep_args_free(argv, argc);
  ck_assert_int_eq(sweep_point_spec(&sw, 20, &s, &e), NN_BADINPUT);
  ck_assert_str_eq(e.msg, "sweeps/lambda.yaml: no point 21 (it has 20)");
  sweep_free(&sw);
  ck_assert_uint_eq(sw.npoints, 0);
  sweep_free(&sw);
  sweep_free(NULL);
}
END_TEST

START_TEST(test_grid_order) {
  sweep sw;
  make_tmpdir();
  good(&sw, "g.yaml", "spec: base.yaml\ngrid:\n  model.hidden: [10, 20, 30]\n"
                      "  data.normalize: [scale, none]\n");
  ck_assert_str_eq(sw.name, "g");
  ck_assert_str_eq(sw.output_dir, "runs/g");
  ck_assert_uint_eq(sw.npoints, 6);
  ck_assert_str_eq(name_of(&sw, 0), "data.normalize=scale,model.hidden=10");
  ck_assert_str_eq(name_of(&sw, 1), "data.normalize=none,model.hidden=10");
  ck_assert_str_eq(name_of(&sw, 2), "data.normalize=scale,model.hidden=20");
  ck_assert_str_eq(name_of(&sw, 5), "data.normalize=none,model.hidden=30");
  sweep_free(&sw);
  /* the other key first: it varies slowest */
  good(&sw, "g2.yaml", "spec: base.yaml\ngrid:\n  data.normalize: [scale, none]\n"
                       "  model.hidden: [10, 20, 30]\n");
  ck_assert_str_eq(name_of(&sw, 1), "data.normalize=scale,model.hidden=20");
  ck_assert_str_eq(name_of(&sw, 3), "data.normalize=none,model.hidden=10");
  sweep_free(&sw);
}
END_TEST

START_TEST(test_zip) {
  sweep sw;
  make_tmpdir();
  good(&sw, "z.yaml", "spec: base.yaml\nzip:\n  train.lr: [5, 1, 0.5]\n"
                      "  train.batch: [1000, 100, 10]\n");
  ck_assert_uint_eq(sw.npoints, 3);
  ck_assert_str_eq(name_of(&sw, 0), "train.batch=1000,train.lr=5");
  ck_assert_str_eq(name_of(&sw, 2), "train.batch=10,train.lr=0.5");
  sweep_free(&sw);
  /* crossed with the grid, in file order: grid first, zip rows fastest */
  good(&sw, "gz.yaml", "spec: base.yaml\ngrid:\n  seed: [1, 2]\nzip:\n  train.lr: [5, 1]\n"
                       "  train.batch: [1000, 100]\n");
  ck_assert_uint_eq(sw.npoints, 4);
  ck_assert_str_eq(name_of(&sw, 0), "seed=1,train.batch=1000,train.lr=5");
  ck_assert_str_eq(name_of(&sw, 1), "seed=1,train.batch=100,train.lr=1");
  ck_assert_str_eq(name_of(&sw, 2), "seed=2,train.batch=1000,train.lr=5");
  sweep_free(&sw);
  /* zip first: its rows vary slowest */
  good(&sw, "zg.yaml", "spec: base.yaml\nzip:\n  train.lr: [5, 1]\n  train.batch: [1000, 100]\n"
                       "grid:\n  seed: [1, 2]\n");
  ck_assert_str_eq(name_of(&sw, 1), "seed=2,train.batch=1000,train.lr=5");
  ck_assert_str_eq(name_of(&sw, 2), "seed=1,train.batch=100,train.lr=1");
  sweep_free(&sw);
}
END_TEST

START_TEST(test_range_logspace) {
  sweep sw;
  make_tmpdir();
  good(&sw, "r.yaml", "spec: base.yaml\ngrid:\n  seed: {range: [1, 10, 3]}\n");
  ck_assert_uint_eq(sw.npoints, 3);
  ck_assert_str_eq(name_of(&sw, 0), "seed=1");
  ck_assert_str_eq(name_of(&sw, 1), "seed=4");
  ck_assert_str_eq(name_of(&sw, 2), "seed=7");
  sweep_free(&sw);
  good(&sw, "r2.yaml", "spec: base.yaml\ngrid:\n  seed: {range: [5, 0, -2]}\n");
  ck_assert_uint_eq(sw.npoints, 3);
  ck_assert_str_eq(name_of(&sw, 0), "seed=5");
  ck_assert_str_eq(name_of(&sw, 2), "seed=1");
  sweep_free(&sw);
  good(&sw, "r3.yaml", "spec: base.yaml\ngrid:\n  seed: {range: [1, 3]}\n");
  ck_assert_uint_eq(sw.npoints, 2);
  ck_assert_str_eq(name_of(&sw, 1), "seed=2");
  sweep_free(&sw);
  good(&sw, "l.yaml", "spec: base.yaml\ngrid:\n  train.lambda: {logspace: [-5, -3, 3]}\n");
  ck_assert_uint_eq(sw.npoints, 3);
  ck_assert_str_eq(name_of(&sw, 0), "train.lambda=1e-05");
  ck_assert_str_eq(name_of(&sw, 1), "train.lambda=0.0001");
  ck_assert_str_eq(name_of(&sw, 2), "train.lambda=0.001");
  sweep_free(&sw);
  good(&sw, "l2.yaml", "spec: base.yaml\ngrid:\n  train.lr: {logspace: [-1, 0, 3]}\n");
  ck_assert_str_eq(name_of(&sw, 0), "train.lr=0.1");
  ck_assert_str_eq(name_of(&sw, 1), "train.lr=0.31622776601683794");
  ck_assert_str_eq(name_of(&sw, 2), "train.lr=1");
  sweep_free(&sw);
  good(&sw, "l3.yaml", "spec: base.yaml\ngrid:\n  model.hidden: {logspace: [2, 3, 1]}\n");
  ck_assert_uint_eq(sw.npoints, 1);
  ck_assert_str_eq(name_of(&sw, 0), "model.hidden=100");
  sweep_free(&sw);
}
END_TEST

START_TEST(test_canonical) {
  sweep sw;
  make_tmpdir();
  good(&sw, "c.yaml", "spec: base.yaml\ngrid:\n  train.lambda: [1.0e-4, 0.00001, 0, 2.50]\n"
                      "  train.lr: [5.0, '1']\n  seed: [+3]\n");
  ck_assert_uint_eq(sw.npoints, 8);
  ck_assert_str_eq(name_of(&sw, 0), "seed=3,train.lambda=0.0001,train.lr=5");
  ck_assert_str_eq(name_of(&sw, 1), "seed=3,train.lambda=0.0001,train.lr=1");
  ck_assert_str_eq(name_of(&sw, 2), "seed=3,train.lambda=1e-05,train.lr=5");
  ck_assert_str_eq(name_of(&sw, 4), "seed=3,train.lambda=0,train.lr=5");
  ck_assert_str_eq(name_of(&sw, 7), "seed=3,train.lambda=2.5,train.lr=1");
  sweep_free(&sw);
  /* names escape what a file name should not hold */
  good(&sw, "d.yaml", "spec: base.yaml\ngrid:\n  data.dir: [a/b, 'c d']\n");
  ck_assert_str_eq(name_of(&sw, 0), "data.dir=a%2Fb");
  ck_assert_str_eq(name_of(&sw, 1), "data.dir=c%20d");
  sweep_free(&sw);
}
END_TEST

/* The draws of random: point by point, keys in file order, with mt19937. */
START_TEST(test_random) {
  sweep sw, again;
  make_tmpdir();
  static const char yaml[] =
      "spec: base.yaml\nrandom:\n  n: 20\n  seed: 7\n  keys:\n"
      "    train.lr: {uniform: [1, 2]}\n    model.hidden: {randint: [10, 20]}\n"
      "    data.normalize: {choice: [scale, none, standardize]}\n"
      "    train.lambda: {loguniform: [1.0e-5, 1.0e-3]}\n";
  good(&sw, "r.yaml", yaml);
  ck_assert_uint_eq(sw.npoints, 20);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  static const char *const norms[] = {"scale", "none", "standardize"};
  gsl_rng_set(r, 7);
  for (size_t i = 0; i < 20; i++) {
    spec s;
    nn_error e;
    double lr = 1 + gsl_rng_uniform(r);
    long hidden = 10 + (long)gsl_rng_uniform_int(r, 10);
    const char *norm = norms[gsl_rng_uniform_int(r, 3)];
    double lambda = exp(log(1e-5) + (log(1e-3) - log(1e-5)) * gsl_rng_uniform(r));
    ck_assert_int_eq(sweep_point_spec(&sw, i, &s, &e), NN_OK);
    ck_assert(s.train.lr == lr);
    ck_assert_int_eq(s.model.hidden[0], hidden);
    ck_assert_str_eq(spec_normalize_name(s.data.normalize), norm);
    ck_assert(s.train.lambda == lambda);
    ck_assert_uint_eq(sw.points[i].nvalues, 4);
  }
  gsl_rng_free(r);
  /* the same seed, the same points */
  good(&again, "r2.yaml", yaml);
  for (size_t i = 0; i < 20; i++) ck_assert_str_eq(name_of(&sw, i), name_of(&again, i));
  sweep_free(&again);
  /* another seed, other points */
  char other[sizeof yaml];
  snprintf(other, sizeof other, "%s", yaml);
  *strstr(other, "seed: 7") = '\0';
  strcat(other, "seed: 8");
  strcat(other, strstr(yaml, "seed: 7") + 7);
  good(&again, "r3.yaml", other);
  int same = 0;
  for (size_t i = 0; i < 20; i++) same += strcmp(name_of(&sw, i), name_of(&again, i)) == 0;
  ck_assert_int_lt(same, 2);
  sweep_free(&again);
  sweep_free(&sw);
  /* crossed with a grid; random.seed defaults to 1 */
  good(&sw, "rg.yaml", "spec: base.yaml\ngrid:\n  seed: [1, 2, 3]\nrandom:\n  n: 4\n  keys:\n"
                       "    train.lr: {loguniform: [0.1, 10]}\n");
  ck_assert_uint_eq(sw.npoints, 12);
  ck_assert_int_eq(strncmp(name_of(&sw, 0), "seed=1,train.lr=", 16), 0);
  ck_assert_int_eq(strncmp(name_of(&sw, 4), "seed=2,train.lr=", 16), 0);
  ck_assert_str_eq(name_of(&sw, 0) + 7, name_of(&sw, 4) + 7);
  gsl_rng *r1 = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r1, 1);
  spec s;
  nn_error e;
  ck_assert_int_eq(sweep_point_spec(&sw, 0, &s, &e), NN_OK);
  ck_assert(s.train.lr == exp(log(0.1) + (log(10) - log(0.1)) * gsl_rng_uniform(r1)));
  gsl_rng_free(r1);
  sweep_free(&sw);
}
END_TEST

START_TEST(test_set_and_one_point) {
  sweep sw;
  spec s;
  nn_error e;
  char **argv;
  size_t argc;
  make_tmpdir();
  good(&sw, "one.yaml", "spec: base.yaml\nset:\n  train.epochs: 7\n  train.threads: 4\n");
  ck_assert_uint_eq(sw.npoints, 1);
  ck_assert_str_eq(name_of(&sw, 0), "one");
  ck_assert_str_eq(sw.points[0].path, "runs/one/one.h5");
  ck_assert_uint_eq(sw.points[0].nvalues, 0);
  ck_assert_int_eq(sw.threads, 4);
  ck_assert_uint_eq(sw.nset, 2);
  ck_assert_str_eq(sw.set[0].key, "train.epochs");
  ck_assert_int_eq(sw.base.train.epochs, 7);
  ck_assert_int_eq(sweep_point_spec(&sw, 0, &s, &e), NN_OK);
  ck_assert_int_eq(s.train.epochs, 7);
  ck_assert_int_eq(s.model.hidden[0], 30);
  sweep_free(&sw);
  /* set values come first in the arguments; they are not in the names */
  good(&sw, "named.yaml", "name: study\nspec: base.yaml\nset:\n  train.epochs: 7\n"
                          "grid:\n  seed: [4]\noutput:\n  dir: out/here\n");
  ck_assert_str_eq(sw.name, "study");
  ck_assert_str_eq(sw.points[0].path, "out/here/seed=4.h5");
  ck_assert_int_eq(sw.threads, -1);
  ck_assert_int_eq(sweep_point_args(&sw, 0, &argv, &argc, &e), NN_OK);
  ck_assert_uint_eq(argc, 2);
  ck_assert_str_eq(argv[0], "train.epochs=7");
  ck_assert_str_eq(argv[1], "seed=4");
  sweep_args_free(argv, argc);
  sweep_free(&sw);
  /* null and empty sections are absent */
  good(&sw, "empty.yaml", "spec: base.yaml\nset:\ngrid: {}\nzip:\nrandom:\noutput:\n");
  ck_assert_uint_eq(sw.npoints, 1);
  ck_assert_str_eq(sw.output_dir, "runs/empty");
  sweep_free(&sw);
}
END_TEST

START_TEST(test_spec_path) {
  sweep sw;
  char path[256], want[256];
  make_tmpdir();
  snprintf(path, sizeof path, "%s/sub", tmpdir);
  ck_assert_int_eq(mkdir(path, 0777), 0);
  good(&sw, "sub/s.yaml", "spec: ../base.yaml\n");
  snprintf(want, sizeof want, "%s/sub/../base.yaml", tmpdir);
  ck_assert_str_eq(sw.spec_file, want);
  ck_assert_str_eq(sw.base.name, "base");
  sweep_free(&sw);
  /* an absolute spec path stays */
  snprintf(want, sizeof want, "spec: %s/base.yaml\n", tmpdir);
  good(&sw, "sub/abs.yaml", want);
  snprintf(want, sizeof want, "%s/base.yaml", tmpdir);
  ck_assert_str_eq(sw.spec_file, want);
  sweep_free(&sw);
  /* a sweep file given without a folder: the spec path as written */
  nn_error e;
  char *errors = NULL;
  ck_assert_int_eq(chdir(tmpdir), 0);
  write_file("here.yaml", "spec: base.yaml\n");
  ck_assert_int_eq(sweep_load(&sw, "here.yaml", &errors, &e), NN_OK);
  ck_assert_str_eq(sw.spec_file, "base.yaml");
  sweep_free(&sw);
}
END_TEST

START_TEST(test_not_regular) {
  sweep sw;
  nn_error e;
  char path[256], *errors = NULL, want[512];
  make_tmpdir();
  snprintf(path, sizeof path, "%s/fifo.yaml", tmpdir);
  ck_assert_int_eq(mkfifo(path, 0600), 0);
  ck_assert_int_eq(sweep_load(&sw, path, &errors, &e), NN_BADINPUT);
  snprintf(want, sizeof want, "%s: not a regular file", path);
  ck_assert_str_eq(e.msg, want);
  strcat(want, "\n");
  ck_assert_str_eq(errors, want);
  free(errors);
  ck_assert_int_eq(sweep_load(&sw, tmpdir, NULL, &e), NN_BADINPUT);
  snprintf(want, sizeof want, "%s: not a regular file", tmpdir);
  ck_assert_str_eq(e.msg, want);
  snprintf(path, sizeof path, "%s/none.yaml", tmpdir);
  ck_assert_int_eq(sweep_load(&sw, path, NULL, &e), NN_BADINPUT);
  snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
  ck_assert_str_eq(e.msg, want);
  /* the base spec too: never read from a FIFO */
  snprintf(want, sizeof want, "FILE:1:7: spec: %s/fifo.yaml: not a regular file\n", tmpdir);
  bad("fifo-spec.yaml", "spec: fifo.yaml\n", want);
}
END_TEST

START_TEST(test_too_large) {
  sweep sw;
  nn_error e;
  char path[256], want[512];
  make_tmpdir();
  snprintf(path, sizeof path, "%s/big.yaml", tmpdir);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs("spec: base.yaml\n", f);
  for (long i = 16; i <= SWEEP_FILE_MAX; i += 8) fputs("#######\n", f);
  ck_assert_int_eq(fclose(f), 0);
  ck_assert_int_eq(sweep_load(&sw, path, NULL, &e), NN_BADINPUT);
  snprintf(want, sizeof want, "%s: too large for a sweep file (over 1048576 bytes)", path);
  ck_assert_str_eq(e.msg, want);
}
END_TEST

START_TEST(test_limits) {
  sweep sw;
  make_tmpdir();
  good(&sw, "max.yaml", "spec: base.yaml\ngrid:\n  seed: {range: [1, 1001]}\n"
                        "  train.lambda: {logspace: [-6, -2, 100]}\n");
  ck_assert_uint_eq(sw.npoints, SWEEP_POINTS_MAX);
  ck_assert_str_eq(name_of(&sw, SWEEP_POINTS_MAX - 1), "seed=1000,train.lambda=0.01");
  sweep_free(&sw);
  bad("over.yaml", "spec: base.yaml\ngrid:\n  seed: {range: [1, 1001]}\nrandom:\n  n: 101\n"
                   "  keys:\n    train.lr: {uniform: [1, 2]}\n",
      "FILE:5:3: random: expected at most 100000 points in all, got 101000 with this one\n");
  /* GSL would read a random.seed of 0 as 4357 (issue 10, item 14) */
  bad("rseed.yaml", "spec: base.yaml\nrandom:\n  n: 2\n  seed: 0\n  keys:\n    train.lr: {uniform: [1, 2]}\n",
      "FILE:4:9: random.seed: expected an integer from 1 to 4294967295, got 0\n");
  bad("range.yaml", "spec: base.yaml\ngrid:\n  seed: {range: [1, 100002]}\n",
      "FILE:3:17: seed: range: expected at most 100000 values, got 100001\n");
  bad("range-huge.yaml", "spec: base.yaml\ngrid:\n"
                         "  seed: {range: [-9223372036854775808, 9223372036854775807]}\n",
      "FILE:3:17: seed: range: expected at most 100000 values, got 18446744073709551615\n");
}
END_TEST

/* All errors of a file at once, one a line, the first also in err. */
START_TEST(test_all_errors) {
  make_tmpdir();
  bad("all.yaml",
      "spec: base.yaml\nset:\n  train.epochs: x\ngrid:\n  train.lr: [0, 1, -2]\n"
      "  seed: {range: [3, 1]}\nzip:\n  train.batch: [1, 2]\n  model.hidden: [1]\n"
      "random:\n  n: 0\n  keys:\n    data.dir: {uniform: [1, 2]}\n",
      "FILE:3:17: train.epochs: expected an integer from 0 to 1000000, got x\n"
      "FILE:5:14: train.lr: expected a number > 0, got 0\n"
      "FILE:5:20: train.lr: expected a number > 0, got -2\n"
      "FILE:6:17: seed: range: expected start < stop, got [3, 1] with step 1, which gives no values\n"
      "FILE:9:17: model.hidden: expected 2 values like train.batch (zip takes its lists"
      " together), got 1\n"
      "FILE:11:6: random.n: expected an integer from 1 to 100000, got 0\n");
  /* the same wrong value in many points is one error */
  bad("same.yaml", "spec: base.yaml\ngrid:\n  seed: [1, 2, 3]\n  train.lr: [0]\n",
      "FILE:4:14: train.lr: expected a number > 0, got 0\n");
  /* more than 100 errors: the rest are counted */
  char yaml[8192] = "spec: base.yaml\ngrid:\n  train.lr: [";
  for (int i = 0; i < 150; i++) strcat(yaml, i ? ", -1" : "-1");
  strcat(yaml, "]\n");
  char path[256], *errors = NULL;
  sweep sw;
  nn_error e;
  snprintf(path, sizeof path, "%s/many.yaml", tmpdir);
  write_file(path, yaml);
  ck_assert_int_eq(sweep_load(&sw, path, &errors, &e), NN_BADINPUT);
  size_t lines = 0;
  for (const char *p = errors; *p; p++) lines += *p == '\n';
  ck_assert_uint_eq(lines, 101);
  char last[300];
  snprintf(last, sizeof last, "%s: 50 more errors\n", path);
  ck_assert_str_eq(errors + strlen(errors) - strlen(last), last);
  free(errors);
}
END_TEST

/* Every tests/sweeps/bad/NAME.yaml fails with exactly NAME.msg. */
START_TEST(test_bad_fixtures) {
  glob_t g;
  to_srcdir();
  ck_assert_int_eq(glob("tests/sweeps/bad/*.yaml", 0, NULL, &g), 0);
  ck_assert_uint_ge(g.gl_pathc, 40);
  for (size_t i = 0; i < g.gl_pathc; i++) {
    const char *path = g.gl_pathv[i];
    char msgpath[512], *errors = NULL;
    sweep sw;
    nn_error e;
    snprintf(msgpath, sizeof msgpath, "%.*s.msg", (int)(strlen(path) - 5), path);
    char *want = slurp(msgpath);
    nn_error_clear(&e);
    int rc = sweep_load(&sw, path, &errors, &e);
    ck_assert_msg(rc == NN_BADINPUT, "%s: rc %d", path, rc);
    ck_assert_msg(errors && strcmp(errors, want) == 0, "%s:\n got: %s want: %s", path,
                  errors ? errors : "(null)", want);
    ck_assert_int_eq(strncmp(want, e.msg, strlen(e.msg)), 0);
    free(errors);
    free(want);
  }
  globfree(&g);
}
END_TEST

START_TEST(test_good_fixtures) {
  sweep sw;
  nn_error e;
  to_srcdir();
  ck_assert_int_eq(sweep_load(&sw, "tests/sweeps/good/full.yaml", NULL, &e), NN_OK);
  ck_assert_uint_eq(sw.npoints, 2 * 2 * 2 * 3);
  ck_assert_int_eq(sw.threads, 2);
  ck_assert_uint_eq(sw.points[0].nvalues, 6);
  ck_assert_str_eq(sw.output_dir, "runs/full");
  sweep_free(&sw);
  ck_assert_int_eq(sweep_load(&sw, "tests/sweeps/good/logrand.yaml", NULL, &e), NN_OK);
  ck_assert_uint_eq(sw.npoints, 4);
  ck_assert_str_eq(sw.output_dir, "/tmp/out");
  sweep_free(&sw);
}
END_TEST

/* model.hidden takes lists (each one value of the grid, the zip, set: or
 * choice:), booleans are values like any other, and every point passes the
 * checks between keys. */
START_TEST(test_lists_and_bools) {
  sweep sw;
  spec s;
  nn_error e;
  char **argv;
  size_t argc;
  make_tmpdir();
  good(&sw, "l.yaml", "spec: base.yaml\nset:\n  train.shuffle: true\ngrid:\n"
                      "  model.hidden: [[100], [256, 128], 64, [], 8-4]\n"
                      "  train.optimizer: [sgd, adam]\n");
  ck_assert_uint_eq(sw.npoints, 10);
  ck_assert_str_eq(name_of(&sw, 0), "model.hidden=100,train.optimizer=sgd");
  ck_assert_str_eq(name_of(&sw, 3), "model.hidden=256-128,train.optimizer=adam");
  ck_assert_str_eq(name_of(&sw, 4), "model.hidden=64,train.optimizer=sgd");
  ck_assert_str_eq(name_of(&sw, 6), "model.hidden=%5B%5D,train.optimizer=sgd");
  ck_assert_str_eq(name_of(&sw, 9), "model.hidden=8-4,train.optimizer=adam");
  ck_assert_int_eq(sweep_point_spec(&sw, 3, &s, &e), NN_OK);
  ck_assert_uint_eq(s.model.nhidden, 2);
  ck_assert_int_eq(s.model.hidden[0], 256);
  ck_assert_int_eq(s.model.hidden[1], 128);
  ck_assert_int_eq(s.train.shuffle, 1);
  ck_assert_int_eq(s.train.optimizer, SPEC_OPT_ADAM);
  ck_assert_int_eq(sweep_point_spec(&sw, 6, &s, &e), NN_OK);
  ck_assert_uint_eq(s.model.nhidden, 0);
  /* the arguments of a point's nnrun: canonical texts that read back */
  ck_assert_int_eq(sweep_point_args(&sw, 3, &argv, &argc, &e), NN_OK);
  ck_assert_uint_eq(argc, 3);
  ck_assert_str_eq(argv[0], "train.shuffle=true");
  ck_assert_str_eq(argv[1], "model.hidden=256-128");
  ck_assert_str_eq(argv[2], "train.optimizer=adam");
  spec t;
  spec_defaults(&t);
  for (size_t j = 0; j < argc; j++) ck_assert_int_eq(spec_override(&t, argv[j], &e), NN_OK);
  ck_assert_uint_eq(t.model.nhidden, 2);
  ck_assert_int_eq(t.model.hidden[1], 128);
  sweep_args_free(argv, argc);
  ck_assert_int_eq(sweep_point_args(&sw, 6, &argv, &argc, &e), NN_OK);
  ck_assert_str_eq(argv[1], "model.hidden=[]");
  sweep_args_free(argv, argc);
  sweep_free(&sw);

  /* set: a list is its one value, block style too */
  good(&sw, "s.yaml", "spec: base.yaml\nset:\n  model.hidden:\n    - 20\n    - 10\n"
                      "grid:\n  train.shuffle: [false, true]\n");
  ck_assert_uint_eq(sw.npoints, 2);
  ck_assert_str_eq(name_of(&sw, 1), "train.shuffle=true");
  ck_assert_int_eq(sweep_point_spec(&sw, 1, &s, &e), NN_OK);
  ck_assert_uint_eq(s.model.nhidden, 2);
  ck_assert_int_eq(s.model.hidden[0], 20);
  ck_assert_int_eq(s.train.shuffle, 1);
  ck_assert_int_eq(sweep_point_args(&sw, 0, &argv, &argc, &e), NN_OK);
  ck_assert_str_eq(argv[0], "model.hidden=20-10");
  sweep_args_free(argv, argc);
  sweep_free(&sw);

  /* zip and choice: lists as values */
  good(&sw, "z.yaml", "spec: base.yaml\nzip:\n  model.hidden: [[30, 20], [10]]\n"
                      "  train.optimizer: [momentum, adam]\n  train.lr: [0.5, 0.01]\n");
  ck_assert_uint_eq(sw.npoints, 2);
  ck_assert_str_eq(name_of(&sw, 0), "model.hidden=30-20,train.lr=0.5,train.optimizer=momentum");
  sweep_free(&sw);
  good(&sw, "c.yaml", "spec: base.yaml\nrandom:\n  n: 3\n  seed: 4\n  keys:\n"
                      "    model.hidden: {choice: [[100], [300], [300, 100]]}\n"
                      "    train.lr: {uniform: [0.1, 1]}\n");
  ck_assert_uint_eq(sw.npoints, 3);
  for (size_t i = 0; i < 3; i++) {
    const char *h = sw.points[i].values[0]->text;
    ck_assert_str_eq(sw.points[i].values[0]->key, "model.hidden");
    ck_assert_msg(!strcmp(h, "100") || !strcmp(h, "300") || !strcmp(h, "300-100"), "%s", h);
  }
  sweep_free(&sw);

  /* the checks between keys, on each point: a key the point's optimizer does
   * not read, set by the sweep or by its base spec */
  bad("i.yaml", "spec: base.yaml\nset:\n  train.nesterov: true\ngrid:\n"
                "  train.optimizer: [momentum, adam]\n",
      "FILE:3:19: train.nesterov: only used when train.optimizer is momentum, but "
      "train.optimizer is adam\n");
  bad("j.yaml", "spec: base.yaml\ngrid:\n  train.optimizer: [sgd, adam]\n"
                "  train.beta1: [0.8, 0.9]\n",
      "FILE:4:17: train.beta1: only used when train.optimizer is adam, but train.optimizer "
      "is sgd\nFILE:4:22: train.beta1: only used when train.optimizer is adam, but "
      "train.optimizer is sgd\n");
  char path[256], msg[1024];
  snprintf(path, sizeof path, "%s/mom.yaml", tmpdir);
  write_file(path, "train: {optimizer: momentum, momentum: 0.5}\n");
  snprintf(msg, sizeof msg, "FILE:3:31: train.optimizer: train.momentum (%s/mom.yaml:1:40) is "
           "only used when train.optimizer is momentum, but train.optimizer is adam\n", tmpdir);
  bad("k.yaml", "spec: mom.yaml\ngrid:\n  train.optimizer: [momentum, adam]\n", msg);
  snprintf(path, sizeof path, "%s/inert.yaml", tmpdir);
  write_file(path, "train: {epsilon: 1e-6}\n");
  snprintf(msg, sizeof msg, "FILE:1:7: spec: %s/inert.yaml:1:18: train.epsilon: only used when "
           "train.optimizer is adam, but train.optimizer is sgd (the default)\n", tmpdir);
  bad("l2.yaml", "spec: inert.yaml\ngrid:\n  seed: [1, 2]\n", msg);
  good(&sw, "m.yaml", "spec: inert.yaml\ngrid:\n  train.optimizer: [adam]\n");
  sweep_free(&sw);

  /* a list is one value: [300] is 300 */
  bad("d.yaml", "spec: base.yaml\ngrid:\n  model.hidden: [300, [300]]\n",
      "FILE:3:23: model.hidden: duplicate value 300, first at 3:18\n");
  bad("n.yaml", "spec: base.yaml\ngrid:\n  model.hidden: [[1, -1]]\n",
      "FILE:3:18: model.hidden: layer 2: expected an integer from 1 to 100000, got -1\n");
  bad("o.yaml", "spec: base.yaml\nset:\n  train.lr: [1]\n",
      "FILE:3:13: train.lr: expected one value (set: is the same for every point), got a list\n");
}
END_TEST

START_TEST(test_suggest) {
  static const char *const words[] = {"name", "spec", "grid", "zip", "random"};
  char buf[32];
  ck_assert_int_eq(spec_suggest("gird", words, 5, buf, sizeof buf), 1);
  ck_assert_str_eq(buf, "grid");
  ck_assert_int_eq(spec_suggest("radnom", words, 5, buf, sizeof buf), 1);
  ck_assert_str_eq(buf, "random");
  ck_assert_int_eq(spec_suggest("xyzzy", words, 5, buf, sizeof buf), 0);
  ck_assert_str_eq(buf, "");
}
END_TEST

/* ------------------------------------------------------------ main */

static Suite *sweep_suite(void) {
  Suite *s = suite_create("sweep");
  TCase *tc = tcase_create("sweep");
  tcase_add_test(tc, test_lambda);
  tcase_add_test(tc, test_grid_order);
  tcase_add_test(tc, test_zip);
  tcase_add_test(tc, test_range_logspace);
  tcase_add_test(tc, test_canonical);
  tcase_add_test(tc, test_random);
  tcase_add_test(tc, test_set_and_one_point);
  tcase_add_test(tc, test_spec_path);
  tcase_add_test(tc, test_not_regular);
  tcase_add_test(tc, test_too_large);
  tcase_add_test(tc, test_limits);
  tcase_add_test(tc, test_all_errors);
  tcase_add_test(tc, test_bad_fixtures);
  tcase_add_test(tc, test_good_fixtures);
  tcase_add_test(tc, test_suggest);
  tcase_add_test(tc, test_lists_and_bools);
  tcase_set_timeout(tc, 60);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  if (!getcwd(startdir, sizeof startdir)) return EXIT_FAILURE;
  SRunner *sr = srunner_create(sweep_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
