/* check_results.c: the HDF5 results file -- bitwise round trips, the atomic
 * replace, and the reader's messages for foreign and damaged files (made here
 * with the HDF5 API).  Each case works in its own mkdtemp directory.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "h5check.h"
#include "results.h"

#define D 6
#define H 4
#define K 10 /* results_read() requires the 10 classes of the labels */

static char dir[256];

static void setup(void) {
  snprintf(dir, sizeof dir, "/tmp/check_results.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  results_quiet_hdf5();
}

static void teardown(void) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

static const char *in_dir(const char *name) {
  static char paths[4][512];
  static int next;
  char *p = paths[next++ % 4];
  snprintf(p, 512, "%s/%s", dir, name);
  return p;
}

/* A small complete result with awkward values (negative zero, subnormals,
 * extremes) where bitwise equality matters. */
static void fill(results *r, int has_test, size_t epochs) {
  results_init(r);
  spec_defaults(&r->spec);
  snprintf(r->spec.name, sizeof r->spec.name, "tiny");
  r->spec.seed = 4294967295UL;
  r->spec.model.hidden[0] = H;
  r->spec.model.nhidden = 1;
  r->spec.data.dev_size = 2;
  r->spec.data.normalize = SPEC_NORM_SCALE;
  r->spec.train.lr = 0.1;
  r->spec.train.lambda = 1e-4;
  r->spec.train.epochs = (long)epochs;
  r->spec.train.batch = 2;
  snprintf(r->status, sizeof r->status, "complete");
  snprintf(r->created, sizeof r->created, "2026-11-27T10:00:00Z");
  snprintf(r->finished, sizeof r->finished, "2026-11-27T10:00:05Z");
  snprintf(r->nnrun_version, sizeof r->nnrun_version, "0.1");
  snprintf(r->hdf5_version, sizeof r->hdf5_version, "1.10.8");
  snprintf(r->gsl_version, sizeof r->gsl_version, "2.7");
  snprintf(r->blas, sizeof r->blas, "OpenBLAS 0.3.20");
  snprintf(r->host, sizeof r->host, "héte.example");
  r->threads = 3;
  r->command_line = strdup("nnrun configs/smoke.yaml 'train.lr=0.1'");
  r->mean = 33.318421449829934;
  r->std = 78.567489983478503;
  r->train_size = 5;
  r->dev_size = 2;
  r->test_size = 4;
  snprintf(r->train_images, sizeof r->train_images, "data/mnist/train-images-idx3-ubyte.gz");
  snprintf(r->train_labels, sizeof r->train_labels, "data/mnist/train-labels-idx1-ubyte.gz");
  snprintf(r->test_images, sizeof r->test_images, "data/mnist/t10k-images-idx3-ubyte");
  snprintf(r->test_labels, sizeof r->test_labels, "data/mnist/t10k-labels-idx1-ubyte");
  r->train_input = RESULTS_INPUT_SPARSE;
  r->test_input = RESULTS_INPUT_DENSE;
  r->train_images_crc32 = 0xdeadbeefu;
  r->train_labels_crc32 = 0xffffffffu;
  r->test_images_crc32 = 0;
  r->test_labels_crc32 = 0x1234abcdu;
  r->train_index = malloc(5 * sizeof(size_t));
  r->dev_index = malloc(2 * sizeof(size_t));
  size_t perm[7] = {6, 2, 0, 5, 3, 1, 4};
  memcpy(r->train_index, perm, 5 * sizeof(size_t));
  memcpy(r->dev_index, perm + 5, 2 * sizeof(size_t));
  const size_t hidden[1] = {H};
  ck_assert_int_eq(mlp_init(&r->model, D, hidden, 1, K, MLP_SIGMOID, MLP_FLOAT64, NULL), NN_OK);
  ck_assert_int_eq(optim_init(&r->optimizer, OPTIM_SGD, &r->model, NULL), NN_OK);
  r->optimizer.steps = (long)epochs * 3; /* batches of 2 of the 5 train images */
  double *w = r->model.mem;
  for (size_t i = 0; i < r->model.size; i++) w[i] = sin((double)i) * 1e3 / 7.0;
  w[0] = -0.0;
  w[1] = 4.9e-324;
  w[2] = 1.7976931348623157e308;
  w[r->model.size - 1] = 0.1;
  for (size_t e = 0; e < epochs; e++) {
    results_epoch row = {(long)e + 1, 2.3 / (e + 1), 0.1 * e, 2.4 / (e + 1), 0.09 * e,
                         2.3 / (e + 1) + 1e-4, 0.01 + e / 3.0};
    ck_assert_int_eq(results_add_epoch(r, &row, NULL), NN_OK);
  }
  if (has_test) {
    r->has_test = 1;
    r->test_loss = 0.123456789012345678;
    r->test_accuracy = 0.75;
    r->test_n = 4;
    r->confusion = calloc(K * K, sizeof(long));
    r->confusion[0] = 2;
    r->confusion[4] = 1;
    r->confusion[K * K - 1] = 1;
    r->confusion[1] = 9000000000L;
  }
}

static void assert_bits(const double *a, const double *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(memcmp(&a[i], &b[i], sizeof(double)) == 0, "double %zu: %a != %a", i, a[i],
                  b[i]);
}

/* The same parameters bit for bit, in either precision. */
static void assert_params(const mlp *a, const mlp *b) {
  ck_assert_uint_eq(a->size, b->size);
  ck_assert_int_eq(a->precision, b->precision);
  if (a->precision == MLP_FLOAT32)
    for (size_t i = 0; i < a->size; i++)
      ck_assert_msg(memcmp(mlp_f32(a, i), mlp_f32(b, i), sizeof(float)) == 0,
                    "float %zu: %a != %a", i, (double)*mlp_f32(a, i), (double)*mlp_f32(b, i));
  else
    assert_bits(a->mem, b->mem, a->size);
}

static void assert_same(const results *a, const results *b) {
  ck_assert_str_eq(a->status, b->status);
  ck_assert_str_eq(a->created, b->created);
  ck_assert_str_eq(a->finished, b->finished);
  ck_assert_str_eq(a->nnrun_version, b->nnrun_version);
  ck_assert_str_eq(a->hdf5_version, b->hdf5_version);
  ck_assert_str_eq(a->gsl_version, b->gsl_version);
  ck_assert_str_eq(a->blas, b->blas);
  ck_assert_str_eq(a->host, b->host);
  ck_assert_int_eq(a->threads, b->threads);
  ck_assert_str_eq(a->command_line ? a->command_line : "", b->command_line ? b->command_line : "");
  char *ya = spec_to_yaml(&a->spec), *yb = spec_to_yaml(&b->spec);
  ck_assert_ptr_nonnull(ya);
  ck_assert_ptr_nonnull(yb);
  ck_assert_str_eq(ya, yb);
  free(ya);
  free(yb);
  assert_bits(&a->mean, &b->mean, 1);
  assert_bits(&a->std, &b->std, 1);
  ck_assert_uint_eq(a->train_size, b->train_size);
  ck_assert_uint_eq(a->dev_size, b->dev_size);
  ck_assert_uint_eq(a->test_size, b->test_size);
  ck_assert_str_eq(a->train_images, b->train_images);
  ck_assert_str_eq(a->train_labels, b->train_labels);
  ck_assert_str_eq(a->test_images, b->test_images);
  ck_assert_str_eq(a->test_labels, b->test_labels);
  ck_assert_uint_eq(a->train_images_crc32, b->train_images_crc32);
  ck_assert_uint_eq(a->train_labels_crc32, b->train_labels_crc32);
  ck_assert_uint_eq(a->test_images_crc32, b->test_images_crc32);
  ck_assert_uint_eq(a->test_labels_crc32, b->test_labels_crc32);
  ck_assert_int_eq(a->train_input, b->train_input);
  ck_assert_int_eq(a->test_input, b->test_input);
  for (size_t i = 0; i < a->train_size; i++) ck_assert_uint_eq(a->train_index[i], b->train_index[i]);
  for (size_t i = 0; i < a->dev_size; i++) ck_assert_uint_eq(a->dev_index[i], b->dev_index[i]);
  ck_assert_uint_eq(a->model.d, b->model.d);
  ck_assert_uint_eq(a->model.nlayers, b->model.nlayers);
  for (size_t l = 0; l < a->model.nlayers; l++) ck_assert_uint_eq(a->model.layer[l].out, b->model.layer[l].out);
  ck_assert_uint_eq(a->model.k, b->model.k);
  ck_assert_uint_eq(a->model.size, b->model.size);
  ck_assert_int_eq(a->model.precision, b->model.precision);
  assert_params(&a->model, &b->model);
  ck_assert_int_eq(a->optimizer.kind, b->optimizer.kind);
  ck_assert_int_eq(a->optimizer.steps, b->optimizer.steps);
  ck_assert_int_eq(a->optimizer.m.mem != NULL, b->optimizer.m.mem != NULL);
  ck_assert_int_eq(a->optimizer.v.mem != NULL, b->optimizer.v.mem != NULL);
  if (a->optimizer.m.mem) assert_params(&a->optimizer.m, &b->optimizer.m);
  if (a->optimizer.v.mem) assert_params(&a->optimizer.v, &b->optimizer.v);
  ck_assert_uint_eq(a->epochs_done, b->epochs_done);
  for (size_t e = 0; e < a->epochs_done; e++) {
    ck_assert_int_eq(a->metrics[e].epoch, b->metrics[e].epoch);
    assert_bits(&a->metrics[e].train_loss, &b->metrics[e].train_loss, 1);
    assert_bits(&a->metrics[e].train_accuracy, &b->metrics[e].train_accuracy, 1);
    assert_bits(&a->metrics[e].dev_loss, &b->metrics[e].dev_loss, 1);
    assert_bits(&a->metrics[e].dev_accuracy, &b->metrics[e].dev_accuracy, 1);
    assert_bits(&a->metrics[e].objective, &b->metrics[e].objective, 1);
    assert_bits(&a->metrics[e].seconds, &b->metrics[e].seconds, 1);
  }
  ck_assert_int_eq(a->has_test, b->has_test);
  if (a->has_test) {
    assert_bits(&a->test_loss, &b->test_loss, 1);
    assert_bits(&a->test_accuracy, &b->test_accuracy, 1);
    ck_assert_int_eq(a->test_n, b->test_n);
    for (size_t i = 0; i < a->model.k * a->model.k; i++)
      ck_assert_int_eq(a->confusion[i], b->confusion[i]);
  } else {
    ck_assert_ptr_null(b->confusion);
  }
}

/* Writes fill(r, has_test, epochs) to path. */
static void write_good(const char *path, int has_test, size_t epochs) {
  results r;
  nn_error err = {0};
  fill(&r, has_test, epochs);
  int rc = results_write(&r, path, &err);
  ck_assert_msg(rc == NN_OK, "%s", err.msg);
  results_free(&r);
}

static int read_file_bytes(const char *path, char **buf, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  rewind(f);
  *buf = malloc(*n + 1);
  size_t got = fread(*buf, 1, *n, f);
  fclose(f);
  return got == *n ? 0 : -1;
}

/* results_read(path) must fail with status and exactly "path: tail". */
static void expect_read_error(const char *path, int status, const char *tail) {
  results r;
  nn_error err = {0};
  char want[NN_ERROR_MAX];
  results_init(&r);
  ck_assert_int_eq(results_read(&r, path, &err), status);
  ck_assert_int_eq(err.status, status);
  snprintf(want, sizeof want, "%s: %s", path, tail);
  ck_assert_str_eq(err.msg, want);
  ck_assert_ptr_null(r.model.mem);
  ck_assert_ptr_null(r.train_index);
  ck_assert_ptr_null(r.metrics);
  ck_assert_ptr_null(r.command_line);
  results_free(&r);
}

/* Replaces dataset name of path by one of the given type, rank and dims,
 * filled with zeros (or deletes it when rank < 0). */
static void replace_dset(const char *path, const char *name, hid_t type, int rank,
                         const hsize_t *dims) {
  hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  ck_assert_int_ge(f, 0);
  ck_assert_int_ge(H5Ldelete(f, name, H5P_DEFAULT), 0);
  if (rank >= 0) {
    hid_t s = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(f, name, type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(d, 0);
    ck_assert_int_ge(H5Dclose(d), 0);
    ck_assert_int_ge(H5Sclose(s), 0);
  }
  ck_assert_int_ge(H5Fclose(f), 0);
}

static int count_tmp_files(void) {
  int n = 0;
  DIR *dp = opendir(dir);
  ck_assert_ptr_nonnull(dp);
  for (struct dirent *e; (e = readdir(dp));)
    if (strstr(e->d_name, ".tmp~")) n++;
  closedir(dp);
  return n;
}

/* ----------------------------------------------------------------- cases */

START_TEST(roundtrip_full) {
  results a, b, c;
  nn_error err = {0};
  const char *p1 = in_dir("full.h5"), *p2 = in_dir("again.h5");
  fill(&a, 1, 3);
  ck_assert_msg(results_write(&a, p1, &err) == NN_OK, "%s", err.msg);
  results_init(&b);
  ck_assert_msg(results_read(&b, p1, &err) == NN_OK, "%s", err.msg);
  assert_same(&a, &b);
  /* write(read(file)) gives the same content, and the same bytes even in
   * another second (no object times are stored) */
  sleep(1);
  ck_assert_msg(results_write(&b, p2, &err) == NN_OK, "%s", err.msg);
  results_init(&c);
  ck_assert_msg(results_read(&c, p2, &err) == NN_OK, "%s", err.msg);
  assert_same(&a, &c);
  char *x, *y;
  size_t nx, ny;
  ck_assert_int_eq(read_file_bytes(p1, &x, &nx), 0);
  ck_assert_int_eq(read_file_bytes(p2, &y, &ny), 0);
  ck_assert_uint_eq(nx, ny);
  size_t at = 0;
  while (at < nx && x[at] == y[at]) at++;
  ck_assert_msg(at == nx, "files differ byte-wise at offset %zu of %zu", at, nx);
  free(x);
  free(y);
  results_free(&a);
  results_free(&b);
  results_free(&c);
}
END_TEST

START_TEST(roundtrip_zero_epochs) {
  results a, b;
  nn_error err = {0};
  const char *p = in_dir("zero.h5");
  fill(&a, 0, 0);
  free(a.command_line);
  a.command_line = NULL; /* written as "" */
  a.finished[0] = '\0';
  snprintf(a.status, sizeof a.status, "running");
  ck_assert_msg(results_write(&a, p, &err) == NN_OK, "%s", err.msg);
  results_init(&b);
  ck_assert_msg(results_read(&b, p, &err) == NN_OK, "%s", err.msg);
  assert_same(&a, &b);
  ck_assert_uint_eq(b.epochs_done, 0);
  ck_assert_int_eq(b.has_test, 0);
  results_free(&a);
  results_free(&b);
}
END_TEST

START_TEST(add_epoch_grows) {
  results r;
  results_init(&r);
  for (long e = 1; e <= 100; e++) {
    results_epoch row = {.epoch = e, .seconds = e / 10.0};
    ck_assert_int_eq(results_add_epoch(&r, &row, NULL), NN_OK);
  }
  ck_assert_uint_eq(r.epochs_done, 100);
  ck_assert_uint_ge(r.epochs_cap, 100);
  ck_assert_int_eq(r.metrics[99].epoch, 100);
  ck_assert_str_eq(r.status, "running");
  results_free(&r);
  results_free(&r); /* freed twice is fine */
  results_free(NULL);
}
END_TEST

START_TEST(no_tmp_left) {
  write_good(in_dir("a.h5"), 1, 3);
  write_good(in_dir("a.h5"), 1, 3);
  ck_assert_int_eq(count_tmp_files(), 0);
}
END_TEST

START_TEST(replace_existing) {
  results r;
  nn_error err = {0};
  char st[32];
  const char *p = in_dir("run.h5");
  fill(&r, 0, 1);
  snprintf(r.status, sizeof r.status, "running");
  ck_assert_int_eq(results_write(&r, p, &err), NN_OK);
  struct stat before, after;
  ck_assert_int_eq(stat(p, &before), 0);
  results_epoch row = {2, 1, 0.5, 1, 0.5, 1, 0.1};
  ck_assert_int_eq(results_add_epoch(&r, &row, NULL), NN_OK);
  r.optimizer.steps += 3;
  snprintf(r.status, sizeof r.status, "complete");
  ck_assert_int_eq(results_write(&r, p, &err), NN_OK);
  ck_assert_int_eq(stat(p, &after), 0);
  ck_assert_msg(before.st_ino != after.st_ino, "replaced in place, not renamed over");
  ck_assert_int_eq(results_read_status(p, st, sizeof st, &err), NN_OK);
  ck_assert_str_eq(st, "complete");
  results_free(&r);
  results_init(&r);
  ck_assert_int_eq(results_read(&r, p, &err), NN_OK);
  ck_assert_uint_eq(r.epochs_done, 2);
  ck_assert_int_eq(count_tmp_files(), 0);
  results_free(&r);
}
END_TEST

START_TEST(write_missing_dir) {
  results r;
  nn_error err = {0};
  const char *p = in_dir("nope/run.h5");
  fill(&r, 1, 2);
  ck_assert_int_eq(results_write(&r, p, &err), NN_FAIL);
  ck_assert_int_eq(err.status, NN_FAIL);
  ck_assert_msg(strncmp(err.msg, p, strlen(p)) == 0 && strstr(err.msg, "No such file"),
                "message: %s", err.msg);
  results_free(&r);
}
END_TEST

START_TEST(write_failure_keeps_old) {
  results r;
  nn_error err = {0};
  char st[32], tmp[600];
  const char *p = in_dir("keep.h5");
  fill(&r, 0, 1);
  snprintf(r.status, sizeof r.status, "running");
  ck_assert_int_eq(results_write(&r, p, &err), NN_OK);
  /* a directory where the temporary file has to go makes the write fail */
  ck_assert_int_eq(results_temp_name(p, tmp, sizeof tmp), 0);
  ck_assert_int_eq(mkdir(tmp, 0700), 0);
  snprintf(r.status, sizeof r.status, "complete");
  ck_assert_int_eq(results_write(&r, p, &err), NN_FAIL);
  ck_assert_msg(strncmp(err.msg, p, strlen(p)) == 0, "message: %s", err.msg);
  ck_assert_int_eq(results_read_status(p, st, sizeof st, &err), NN_OK);
  ck_assert_str_eq(st, "running");
  ck_assert_int_eq(rmdir(tmp), 0);
  /* a stale temporary file of ours (killed run, same pid) is no obstacle */
  FILE *f = fopen(tmp, "w");
  ck_assert_ptr_nonnull(f);
  fputs("stale", f);
  fclose(f);
  ck_assert_int_eq(results_write(&r, p, &err), NN_OK);
  ck_assert_int_eq(results_read_status(p, st, sizeof st, &err), NN_OK);
  ck_assert_str_eq(st, "complete");
  ck_assert_int_eq(count_tmp_files(), 0);
  results_free(&r);
}
END_TEST

START_TEST(write_without_model) {
  results r;
  nn_error err = {0};
  results_init(&r);
  ck_assert_int_eq(results_write(&r, in_dir("empty.h5"), &err), NN_FAIL);
  ck_assert_ptr_nonnull(strstr(err.msg, "no model"));
  ck_assert_int_eq(count_tmp_files(), 0);
}
END_TEST

START_TEST(read_not_hdf5) {
  const char *p = in_dir("text.h5");
  FILE *f = fopen(p, "w");
  ck_assert_ptr_nonnull(f);
  fputs("name: not hdf5\n", f);
  fclose(f);
  expect_read_error(p, NN_BADINPUT, "not an HDF5 file");
  const char *e = in_dir("empty.h5");
  f = fopen(e, "w");
  fclose(f);
  expect_read_error(e, NN_BADINPUT, "not an HDF5 file");
}
END_TEST

START_TEST(read_missing_file) {
  char st[32];
  nn_error err = {0};
  const char *p = in_dir("missing.h5");
  expect_read_error(p, NN_BADINPUT, "no such file");
  ck_assert_int_eq(results_read_status(p, st, sizeof st, &err), NN_BADINPUT);
}
END_TEST

START_TEST(read_no_format) {
  const char *p = in_dir("plain.h5");
  hid_t f = H5Fcreate(p, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
  ck_assert_int_ge(f, 0);
  ck_assert_int_ge(H5Fclose(f), 0);
  expect_read_error(p, NN_BADINPUT, "not an nnrun results file (no 'format' attribute)");
}
END_TEST

START_TEST(read_wrong_format_version) {
  const char *p = in_dir("v2.h5");
  write_good(p, 1, 1);
  hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
  ck_assert_int_ge(f, 0);
  hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
  int v = 2;
  ck_assert_int_ge(H5Awrite(a, H5T_NATIVE_INT, &v), 0);
  H5Aclose(a);
  H5Fclose(f);
  expect_read_error(p, NN_BADINPUT, "unsupported format_version 2 (this nnrun reads 1)");
}
END_TEST

START_TEST(read_missing_w2) {
  const char *p = in_dir("now2.h5");
  write_good(p, 1, 3);
  replace_dset(p, "/model/W2", -1, -1, NULL);
  expect_read_error(p, NN_BADINPUT, "/model/W2: missing");
}
END_TEST

START_TEST(read_wrong_shape) {
  const char *p = in_dir("shape.h5");
  hsize_t five[1] = {5};
  write_good(p, 1, 3);
  replace_dset(p, "/model/b1", H5T_IEEE_F64LE, 1, five);
  expect_read_error(p, NN_BADINPUT, "/model/b1: expected float64 (4), got float64 (5)");
  /* metrics of unequal length */
  const char *q = in_dir("metrics.h5");
  hsize_t two[1] = {2};
  write_good(q, 1, 3);
  replace_dset(q, "/metrics/dev_loss", H5T_IEEE_F64LE, 1, two);
  expect_read_error(q, NN_BADINPUT, "/metrics/dev_loss: expected float64 (3), got float64 (2)");
  /* a confusion matrix that does not match the model's classes */
  const char *s = in_dir("confusion.h5");
  hsize_t kk[2] = {K, K + 1};
  write_good(s, 1, 3);
  replace_dset(s, "/test/confusion", H5T_STD_I64LE, 2, kk);
  expect_read_error(s, NN_BADINPUT, "/test/confusion: expected int64 (10, 10), got int64 (10, 11)");
}
END_TEST

START_TEST(read_wrong_type) {
  const char *p = in_dir("type.h5");
  hsize_t w1[2] = {D, H};
  write_good(p, 1, 3);
  replace_dset(p, "/model/W1", H5T_STD_I32LE, 2, w1);
  expect_read_error(p, NN_BADINPUT, "/model/W1: expected float64 (6, 4), got int32 (6, 4)");
  const char *q = in_dir("scalar.h5");
  write_good(q, 0, 3);
  replace_dset(q, "/data/train_index", H5T_IEEE_F64LE, 0, NULL);
  expect_read_error(q, NN_BADINPUT, "/data/train_index: expected int64 (5), got float64 scalar");
}
END_TEST

START_TEST(read_bad_index) {
  const char *p = in_dir("index.h5");
  results r;
  nn_error err = {0};
  fill(&r, 0, 1);
  r.dev_index[1] = 7; /* train_size + dev_size = 7 */
  ck_assert_int_eq(results_write(&r, p, &err), NN_OK);
  results_free(&r);
  expect_read_error(p, NN_BADINPUT,
                    "/data/dev_index: element 1 is 7, expected < train_size + dev_size = 7");
}
END_TEST

START_TEST(read_spec_disagrees) {
  const char *p = in_dir("hidden.h5");
  results r;
  nn_error err = {0};
  fill(&r, 0, 1);
  r.spec.model.hidden[0] = H + 1;
  ck_assert_int_eq(results_write(&r, p, &err), NN_OK);
  results_free(&r);
  expect_read_error(p, NN_BADINPUT,
                    "/model/W1: expected float64 (6, 5), got float64 (6, 4)");
}
END_TEST

START_TEST(read_status_only) {
  char st[32];
  nn_error err = {0};
  const char *p = in_dir("status.h5");
  write_good(p, 1, 2);
  ck_assert_int_eq(results_read_status(p, st, sizeof st, &err), NN_OK);
  ck_assert_str_eq(st, "complete");
  /* even when the model is damaged */
  replace_dset(p, "/model/W2", -1, -1, NULL);
  ck_assert_int_eq(results_read_status(p, st, sizeof st, &err), NN_OK);
  ck_assert_str_eq(st, "complete");
  const char *q = in_dir("plain.h5");
  hid_t f = H5Fcreate(q, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
  ck_assert_int_ge(f, 0);
  H5Fclose(f);
  ck_assert_int_eq(results_read_status(q, st, sizeof st, &err), NN_BADINPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "not an nnrun results file"));
}
END_TEST

START_TEST(h5dump_reads_it) {
  if (system("command -v h5dump >/dev/null 2>&1") != 0) return; /* no h5dump: skip */
  const char *p = in_dir("dump.h5");
  char cmd[1200];
  write_good(p, 1, 3);
  snprintf(cmd, sizeof cmd, "h5dump -d /test/accuracy '%s' >/dev/null 2>&1", p);
  ck_assert_int_eq(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "h5dump -a /spec/train.lr '%s' | grep -q 0.1", p);
  ck_assert_int_eq(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "h5dump -d /metrics/epoch '%s' | grep -q '1, 2, 3'", p);
  ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* Opens a file image read-only in memory; 1 when HDF5 takes it. */
static int image_opens(const void *image, size_t size) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  ck_assert(fapl >= 0 && H5Pset_fapl_core(fapl, 1 << 16, 0) >= 0 &&
            H5Pset_file_image(fapl, (void *)image, size) >= 0);
  hid_t f = H5Fopen("image.h5", H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  if (f < 0) return 0;
  H5Fclose(f);
  return 1;
}

/* Issue 10, item 15: HDF5 1.10 hands out the image of a file open for
 * writing with the superblock's consistency flags cleared but the checksum
 * of the flags set; h5_fix_image() makes the image open again. */
START_TEST(file_image_checksum) {
  results_quiet_hdf5();
  hid_t fapl = h5_fapl();
  ck_assert(fapl >= 0 && H5Pset_fapl_core(fapl, 1 << 16, 0) >= 0);
  hid_t f = H5Fcreate("mem.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  ck_assert(f >= 0);
  ck_assert_int_eq(h5_write_attr_str(f, "status", "complete"), 0);
  ck_assert(H5Fflush(f, H5F_SCOPE_GLOBAL) >= 0);
  ssize_t size = H5Fget_file_image(f, NULL, 0);
  ck_assert(size > 48);
  unsigned char *image = malloc((size_t)size);
  ck_assert(image && H5Fget_file_image(f, image, (size_t)size) == size);
  H5Fclose(f);
  ck_assert_int_ge(image[8], 2); /* superblock 2: checksummed */
  ck_assert_int_eq(h5_fix_image(image, (size_t)size), 0);
  ck_assert(image_opens(image, (size_t)size));
  image[47] ^= 1; /* the checksum itself, wrong: refused */
  ck_assert(!image_opens(image, (size_t)size));
  ck_assert_int_eq(h5_fix_image(image, (size_t)size), 0);
  ck_assert(image_opens(image, (size_t)size));
  ck_assert_int_eq(h5_fix_image(image, 8), -1);
  memset(image, 0, 8);
  ck_assert_int_eq(h5_fix_image(image, (size_t)size), -1);
  free(image);
}
END_TEST

START_TEST(write_time_mnist_size) {
  results r;
  nn_error err = {0};
  fill(&r, 1, 3);
  mlp_free(&r.model);
  const size_t hidden[1] = {300};
  ck_assert_int_eq(mlp_init(&r.model, 784, hidden, 1, 10, MLP_SIGMOID, MLP_FLOAT64, NULL), NN_OK);
  r.spec.model.hidden[0] = 300;
  free(r.confusion);
  r.confusion = calloc(100, sizeof(long));
  for (size_t i = 0; i < r.model.size; i++) *mlp_f64(&r.model, i) = (double)i / 3.0;
  const char *p = in_dir("big.h5");
  ck_assert_msg(results_write(&r, p, &err) == NN_OK, "%s", err.msg);
  results r2;
  results_init(&r2);
  ck_assert_msg(results_read(&r2, p, &err) == NN_OK, "%s", err.msg);
  assert_same(&r, &r2);
  results_free(&r);
  results_free(&r2);
}
END_TEST

/* fill()'s result with a float32 model of awkward floats. */
static void fill_float32(results *r, int spec_precision) {
  fill(r, 1, 2);
  const size_t d = r->model.d, hidden[1] = {r->model.layer[0].out}, k = r->model.k;
  mlp_free(&r->model);
  optim_free(&r->optimizer);
  r->spec.model.precision = spec_precision;
  ck_assert_int_eq(mlp_init(&r->model, d, hidden, 1, k, MLP_SIGMOID, MLP_FLOAT32, NULL), NN_OK);
  ck_assert_int_eq(optim_init(&r->optimizer, OPTIM_SGD, &r->model, NULL), NN_OK);
  r->optimizer.steps = 2 * 3;
  float *p = r->model.mem;
  for (size_t i = 0; i < r->model.size; i++) p[i] = (float)(sin((double)i) * 1e3 / 7.0);
  p[0] = -0.0f;
  p[1] = 1.4e-45f;          /* the smallest subnormal */
  p[2] = 3.40282347e38f;    /* FLT_MAX */
  p[r->model.size - 1] = 0.1f;
}

/* H5T_FLOAT of `bytes` bytes for dataset name of path. */
static int stored_float_size(const char *path, const char *name) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ck_assert(f >= 0);
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  ck_assert(d >= 0);
  hid_t t = H5Dget_type(d);
  const int size = H5Tget_class(t) == H5T_FLOAT ? (int)H5Tget_size(t) : -1;
  H5Tclose(t);
  H5Dclose(d);
  H5Fclose(f);
  return size;
}

/* model.precision: float32 stores the /model datasets as float32 and reads them back
 * bit for bit; everything else stays float64. */
START_TEST(roundtrip_float32) {
  results a, b;
  nn_error err = {0};
  const char *p = in_dir("f32.h5");
  fill_float32(&a, SPEC_PREC_FLOAT32);
  ck_assert_msg(results_write(&a, p, &err) == NN_OK, "%s", err.msg);
  ck_assert_int_eq(stored_float_size(p, "/model/W1"), 4);
  ck_assert_int_eq(stored_float_size(p, "/model/b1"), 4);
  ck_assert_int_eq(stored_float_size(p, "/model/W2"), 4);
  ck_assert_int_eq(stored_float_size(p, "/model/b2"), 4);
  ck_assert_int_eq(stored_float_size(p, "/metrics/dev_accuracy"), 8);
  ck_assert_int_eq(stored_float_size(p, "/test/accuracy"), 8);
  results_init(&b);
  ck_assert_msg(results_read(&b, p, &err) == NN_OK, "%s", err.msg);
  ck_assert_int_eq(b.model.precision, MLP_FLOAT32);
  assert_same(&a, &b);
  results_free(&a);
  results_free(&b);

  /* float32 weights under a spec that says float64: refused */
  fill_float32(&a, SPEC_PREC_FLOAT64);
  ck_assert_msg(results_write(&a, p, &err) == NN_OK, "%s", err.msg);
  results_free(&a);
  expect_read_error(p, NN_BADINPUT, "/model/W1: expected float64 (6, 4), got float32 (6, 4)");
}
END_TEST

/* Three hidden layers and Adam's state: /model/W1..W4 and /optimizer/m, v
 * read back bit for bit; the state must match what the spec names. */
START_TEST(roundtrip_deep_adam) {
  results a, b;
  nn_error err = {0};
  const char *p = in_dir("deep.h5");
  fill(&a, 1, 2);
  mlp_free(&a.model);
  optim_free(&a.optimizer);
  const size_t hidden[3] = {5, 3, 2};
  for (size_t l = 0; l < 3; l++) a.spec.model.hidden[l] = (long)hidden[l];
  a.spec.model.nhidden = 3;
  a.spec.model.activation = SPEC_ACT_RELU;
  a.spec.train.optimizer = SPEC_OPT_ADAM;
  ck_assert_int_eq(mlp_init(&a.model, D, hidden, 3, K, MLP_RELU, MLP_FLOAT64, NULL), NN_OK);
  ck_assert_int_eq(optim_init(&a.optimizer, OPTIM_ADAM, &a.model, NULL), NN_OK);
  for (size_t i = 0; i < a.model.size; i++) {
    *mlp_f64(&a.model, i) = cos((double)i);
    *mlp_f64(&a.optimizer.m, i) = 1e-3 * sin((double)i);
    *mlp_f64(&a.optimizer.v, i) = 1e-9 * (double)i;
  }
  a.optimizer.steps = 6; /* 2 epochs of ceil(5 / 2) = 3 batches */
  ck_assert_msg(results_write(&a, p, &err) == NN_OK, "%s", err.msg);
  results_init(&b);
  ck_assert_msg(results_read(&b, p, &err) == NN_OK, "%s", err.msg);
  ck_assert_uint_eq(b.model.nlayers, 4);
  ck_assert_uint_eq(b.model.layer[3].in, 2);
  assert_same(&a, &b);
  results_free(&b);

  /* a step count that is not the saved epochs' would resume into another run */
  a.optimizer.steps = 7;
  ck_assert_msg(results_write(&a, p, &err) == NN_OK, "%s", err.msg);
  expect_read_error(p, NN_BADINPUT,
                    "/optimizer: 7 steps, but the file holds 2 epochs of 3 batches (expected 6 "
                    "steps)");
  a.optimizer.steps = 6;

  /* a layer beyond the spec's: refused, not ignored */
  ck_assert_msg(results_write(&a, p, &err) == NN_OK, "%s", err.msg);
  a.spec.model.nhidden = 2;
  a.spec.train.optimizer = SPEC_OPT_SGD;
  {
    char *yaml = spec_to_yaml(&a.spec);
    hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert(f >= 0 && yaml);
    ck_assert(H5Ldelete(f, "/spec", H5P_DEFAULT) >= 0);
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
    H5Tset_size(t, strlen(yaml));
    hid_t d = H5Dcreate2(f, "/spec", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert(d >= 0 && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, yaml) >= 0);
    H5Dclose(d), H5Sclose(sp), H5Tclose(t), H5Fclose(f);
    free(yaml);
  }
  expect_read_error(p, NN_BADINPUT,
                    "/model/W4: present, but /spec says model.hidden has 2 layers (expected W1 "
                    "to W3)");
  a.spec.model.nhidden = 3;
  a.spec.train.optimizer = SPEC_OPT_ADAM;

  /* the spec says momentum, the file holds Adam's state */
  a.spec.train.optimizer = SPEC_OPT_MOMENTUM;
  ck_assert_msg(results_write(&a, p, &err) == NN_OK, "%s", err.msg);
  expect_read_error(p, NN_BADINPUT,
                    "/optimizer: optimizer 'adam', but /spec says train.optimizer: momentum");
  /* no hidden layer: W1 (d, k) */
  mlp_free(&a.model);
  optim_free(&a.optimizer);
  a.spec.model.nhidden = 0;
  a.spec.train.optimizer = SPEC_OPT_SGD;
  ck_assert_int_eq(mlp_init(&a.model, D, NULL, 0, K, MLP_RELU, MLP_FLOAT64, NULL), NN_OK);
  ck_assert_int_eq(optim_init(&a.optimizer, OPTIM_SGD, &a.model, NULL), NN_OK);
  a.optimizer.steps = 6;
  ck_assert_msg(results_write(&a, p, &err) == NN_OK, "%s", err.msg);
  results_init(&b);
  ck_assert_msg(results_read(&b, p, &err) == NN_OK, "%s", err.msg);
  ck_assert_uint_eq(b.model.nlayers, 1);
  assert_same(&a, &b);
  results_free(&a);
  results_free(&b);
}
END_TEST

static Suite *results_suite(void) {
  Suite *s = suite_create("results");
  TCase *tc = tcase_create("results");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, roundtrip_full);
  tcase_add_test(tc, roundtrip_deep_adam);
  tcase_add_test(tc, roundtrip_float32);
  tcase_add_test(tc, roundtrip_zero_epochs);
  tcase_add_test(tc, add_epoch_grows);
  tcase_add_test(tc, no_tmp_left);
  tcase_add_test(tc, replace_existing);
  tcase_add_test(tc, write_missing_dir);
  tcase_add_test(tc, write_failure_keeps_old);
  tcase_add_test(tc, write_without_model);
  tcase_add_test(tc, read_not_hdf5);
  tcase_add_test(tc, read_missing_file);
  tcase_add_test(tc, read_no_format);
  tcase_add_test(tc, read_wrong_format_version);
  tcase_add_test(tc, read_missing_w2);
  tcase_add_test(tc, read_wrong_shape);
  tcase_add_test(tc, read_wrong_type);
  tcase_add_test(tc, read_bad_index);
  tcase_add_test(tc, read_spec_disagrees);
  tcase_add_test(tc, read_status_only);
  tcase_add_test(tc, h5dump_reads_it);
  tcase_add_test(tc, file_image_checksum);
  tcase_add_test(tc, write_time_mnist_size);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(results_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
