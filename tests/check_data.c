/* check_data.c: unit tests of data.c -- IDX (raw and gzip) and CSV loading
 * with every rejection message, data_find, moments, lut and gather.  Fixtures
 * are generated at test time in a fresh temporary directory. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data.h"

static char tmp[256];

/* ---------------------------------------------------------------- fixtures */

enum { N = 5, R = 2, C = 3, D = R * C };

static char *path_of(const char *name) {
  static char buf[8][512];
  static int k;
  char *p = buf[k++ % 8];
  snprintf(p, 512, "%s/%s", tmp, name);
  return p;
}

static void write_bytes(const char *path, const void *buf, size_t len) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
  ck_assert_int_eq(fclose(f), 0);
}

static void write_gz(const char *path, const void *buf, size_t len) {
  gzFile g = gzopen(path, "wb9");
  ck_assert_ptr_nonnull(g);
  ck_assert_int_eq(gzwrite(g, buf, (unsigned)len), (int)len);
  ck_assert_int_eq(gzclose(g), Z_OK);
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static uint8_t pixel(size_t i) { return (uint8_t)(i * 37 % 256); }

/* The image file bytes: 16-byte header then N * D pixels. */
static size_t image_bytes(uint8_t *out, uint32_t magic, uint32_t n) {
  put32(out, magic), put32(out + 4, n), put32(out + 8, R), put32(out + 12, C);
  for (size_t i = 0; i < (size_t)n * D; i++) out[16 + i] = pixel(i);
  return 16 + (size_t)n * D;
}

static size_t label_bytes(uint8_t *out, uint32_t magic, uint32_t n) {
  put32(out, magic), put32(out + 4, n);
  for (size_t i = 0; i < n; i++) out[8 + i] = (uint8_t)(i % 10);
  return 8 + n;
}

/* Writes images NAME-i and labels NAME-l (raw), returns their paths. */
static void write_pair(const char *name, char **img, char **lab) {
  uint8_t b[256];
  char in[128], ln[128];
  snprintf(in, sizeof in, "%s-i", name);
  snprintf(ln, sizeof ln, "%s-l", name);
  *img = path_of(in);
  *lab = path_of(ln);
  write_bytes(*img, b, image_bytes(b, 0x803, N));
  write_bytes(*lab, b, label_bytes(b, 0x801, N));
}

/* Loads and expects failure with status st and exactly message msg (after
 * "PATH: "), with ds left zeroed. */
static void expect_fail(const char *img, const char *lab, int format, int st, const char *path,
                        const char *msg) {
  dataset ds;
  nn_error err;
  char want[2048];
  nn_error_clear(&err);
  ck_assert_int_eq(data_load_files(&ds, img, lab, format, &err), st);
  ck_assert_int_eq(err.status, st);
  snprintf(want, sizeof want, "%s: %s", path, msg);
  ck_assert_str_eq(err.msg, want);
  ck_assert_ptr_null(ds.x);
  ck_assert_ptr_null(ds.y);
  ck_assert_uint_eq(ds.n, 0);
}

/* -------------------------------------------------------------------- IDX */

START_TEST(idx_raw_ok) {
  char *img, *lab;
  uint8_t b[256];
  dataset ds;
  nn_error err;
  write_pair("ok", &img, &lab);
  ck_assert_int_eq(data_load_files(&ds, img, lab, 0, &err), NN_OK);
  ck_assert_uint_eq(ds.n, N);
  ck_assert_uint_eq(ds.rows, R);
  ck_assert_uint_eq(ds.cols, C);
  ck_assert_uint_eq(ds.d, D);
  for (size_t i = 0; i < N * D; i++) ck_assert_uint_eq(ds.x[i], pixel(i));
  for (size_t i = 0; i < N; i++) ck_assert_uint_eq(ds.y[i], i);
  ck_assert_uint_eq(ds.classes, N);  /* labels 0..4 */
  ck_assert_str_eq(ds.images_path, img);
  ck_assert_str_eq(ds.labels_path, lab);
  size_t len = image_bytes(b, 0x803, N);
  ck_assert_uint_eq(ds.images_crc32, crc32(0, b, (uInt)len));
  len = label_bytes(b, 0x801, N);
  ck_assert_uint_eq(ds.labels_crc32, crc32(0, b, (uInt)len));
  data_free(&ds);
  ck_assert_ptr_null(ds.x);
  data_free(&ds);  /* twice is fine */
  data_free(NULL);
}
END_TEST

START_TEST(idx_gz_ok_same_crc) {
  char *img, *lab;
  uint8_t b[256];
  dataset raw, gz;
  nn_error err;
  write_pair("gzref", &img, &lab);
  write_gz(path_of("gz-i.gz"), b, image_bytes(b, 0x803, N));
  write_gz(path_of("gz-l.gz"), b, label_bytes(b, 0x801, N));
  ck_assert_int_eq(data_load_files(&raw, img, lab, 0, &err), NN_OK);
  ck_assert_int_eq(data_load_files(&gz, path_of("gz-i.gz"), path_of("gz-l.gz"), 0, &err), NN_OK);
  ck_assert_uint_eq(gz.n, N);
  ck_assert_uint_eq(gz.d, D);
  ck_assert_mem_eq(gz.x, raw.x, N * D);
  ck_assert_mem_eq(gz.y, raw.y, N);
  ck_assert_uint_eq(gz.images_crc32, raw.images_crc32);
  ck_assert_uint_eq(gz.labels_crc32, raw.labels_crc32);
  data_free(&raw);
  data_free(&gz);
}
END_TEST

START_TEST(idx_wrong_magic) {
  char *img, *lab;
  write_pair("magic", &img, &lab);
  /* images and labels swapped */
  expect_fail(lab, img, 0, NN_BADINPUT, lab,
              "not an IDX image file (magic 0x00000801, expected 0x00000803)");
  uint8_t b[256];
  char *lab2 = path_of("magic-l2");
  write_bytes(lab2, b, image_bytes(b, 0x803, N));
  expect_fail(img, lab2, 0, NN_BADINPUT, lab2,
              "not an IDX label file (magic 0x00000803, expected 0x00000801)");
}
END_TEST

START_TEST(idx_truncated) {
  char *img, *lab;
  uint8_t b[256];
  write_pair("trunc", &img, &lab);
  size_t len = image_bytes(b, 0x803, N);
  write_bytes(img, b, len - 6);
  expect_fail(img, lab, 0, NN_BADINPUT, img, "truncated: expected 46 bytes, found 40");
  write_bytes(img, b, 10);
  expect_fail(img, lab, 0, NN_BADINPUT, img,
              "truncated: expected a 16-byte header, found 10 bytes");
  /* truncated inside a gzip file: the inflated size is what counts */
  write_gz(path_of("trunc-i.gz"), b, len - 6);
  expect_fail(path_of("trunc-i.gz"), lab, 0, NN_BADINPUT, path_of("trunc-i.gz"),
              "truncated: expected 46 bytes, found 40");
}
END_TEST

START_TEST(idx_trailing) {
  char *img, *lab;
  uint8_t b[256];
  write_pair("trail", &img, &lab);
  size_t len = label_bytes(b, 0x801, N);
  b[len] = 0, b[len + 1] = 0, b[len + 2] = 0;
  write_bytes(lab, b, len + 3);
  expect_fail(img, lab, 0, NN_BADINPUT, lab, "trailing data: expected 13 bytes, found 16");
}
END_TEST

START_TEST(idx_count_mismatch) {
  char *img, *lab;
  uint8_t b[256];
  write_pair("count", &img, &lab);
  write_bytes(lab, b, label_bytes(b, 0x801, N - 1));
  char want[1024];
  snprintf(want, sizeof want, "4 labels, but %s holds 5 images (the counts must agree)", img);
  expect_fail(img, lab, 0, NN_BADINPUT, lab, want);
}
END_TEST

/* Any byte is a label: classes = the largest + 1, up to 256. */
START_TEST(idx_labels_to_255) {
  char *img, *lab;
  uint8_t b[256];
  dataset ds;
  nn_error err;
  write_pair("range", &img, &lab);
  size_t len = label_bytes(b, 0x801, N);
  b[8 + 3] = 12;
  write_bytes(lab, b, len);
  ck_assert_int_eq(data_load_files(&ds, img, lab, 0, &err), NN_OK);
  ck_assert_uint_eq(ds.classes, 13);
  ck_assert_uint_eq(ds.y[3], 12);
  data_free(&ds);
  ck_assert_uint_eq(ds.classes, 0);
  b[8 + 4] = 255;
  write_gz(path_of("range-l.gz"), b, len);
  ck_assert_int_eq(data_load_files(&ds, img, path_of("range-l.gz"), 0, &err), NN_OK);
  ck_assert_uint_eq(ds.classes, DATA_MAX_CLASSES);
  ck_assert_uint_eq(ds.y[4], 255);
  data_free(&ds);
  /* a single class loads (evaluating on one class is fine); training is
   * refused by data_classes() */
  memset(b + 8, 0, N);
  write_bytes(lab, b, len);
  ck_assert_int_eq(data_load_files(&ds, img, lab, 0, &err), NN_OK);
  ck_assert_uint_eq(ds.classes, 1);
  data_free(&ds);
  /* the last label alone sets the count */
  b[8 + N - 1] = 1;
  write_bytes(lab, b, len);
  ck_assert_int_eq(data_load_files(&ds, img, lab, 0, &err), NN_OK);
  ck_assert_uint_eq(ds.classes, 2);
  data_free(&ds);
}
END_TEST

/* The classes of a model: the larger of train's and test's, at least 2; and
 * the check of a data set's labels against a model's classes. */
START_TEST(classes_of_a_model) {
  uint8_t x[4] = {0}, ytrain[4] = {0, 3, 1, 0}, ytest[2] = {7, 0}, zeros[4] = {0};
  dataset train = {.n = 4, .d = 1, .rows = 1, .cols = 1, .x = x, .y = ytrain, .classes = 4};
  dataset test = {.n = 2, .d = 1, .rows = 1, .cols = 1, .x = x, .y = ytest, .classes = 8};
  snprintf(train.labels_path, sizeof train.labels_path, "tr-labels");
  snprintf(test.labels_path, sizeof test.labels_path, "te-labels");
  size_t k = 0;
  nn_error err;
  ck_assert_int_eq(data_classes(&train, &test, &k, &err), NN_OK);
  ck_assert_uint_eq(k, 8);  /* a class only the test set holds gets its output */
  ck_assert_int_eq(data_classes(&test, &train, &k, &err), NN_OK);
  ck_assert_uint_eq(k, 8);
  ck_assert_int_eq(data_classes(&train, &train, &k, &err), NN_OK);
  ck_assert_uint_eq(k, 4);
  /* one class: nothing for a softmax to learn */
  dataset one = train;
  one.y = zeros, one.classes = 1;
  snprintf(one.labels_path, sizeof one.labels_path, "one-labels");
  dataset one_test = one;
  snprintf(one_test.labels_path, sizeof one_test.labels_path, "one-test-labels");
  nn_error_clear(&err);
  ck_assert_int_eq(data_classes(&one, &one_test, &k, &err), NN_BADINPUT);
  ck_assert_uint_eq(k, 1);
  ck_assert_str_eq(err.msg, "one-labels: every label is 0, and so is every label of "
                            "one-test-labels: one class, which a softmax cannot learn "
                            "(expected labels of at least 2 classes)");
  ck_assert_int_eq(data_classes(&one, &train, &k, &err), NN_OK);  /* test has 4 */
  ck_assert_uint_eq(k, 4);
  /* labels against a model */
  ck_assert_int_eq(data_check_labels(&test, 8, &err), NN_OK);
  ck_assert_int_eq(data_check_labels(&test, 10, &err), NN_OK);
  nn_error_clear(&err);
  ck_assert_int_eq(data_check_labels(&test, 7, &err), NN_BADINPUT);
  ck_assert_str_eq(err.msg, "te-labels: label 7 at index 0 is out of range (expected 0..6: "
                            "the model has 7 classes)");
  ck_assert_int_eq(data_check_labels(&train, 3, &err), NN_BADINPUT);
  ck_assert_str_eq(err.msg, "tr-labels: label 3 at index 1 is out of range (expected 0..2: "
                            "the model has 3 classes)");
}
END_TEST

START_TEST(idx_bad_dims) {
  char *img, *lab;
  uint8_t b[256];
  write_pair("dims", &img, &lab);
  size_t len = image_bytes(b, 0x803, N);
  put32(b + 8, 0);
  write_bytes(img, b, len);
  expect_fail(img, lab, 0, NN_BADINPUT, img,
              "bad dimensions 5 x 0 x 3 (expected 1..67108864 images of 1..1048576 pixels)");
  /* a header claiming a huge file that is not there: truncated, not OOM */
  image_bytes(b, 0x803, N);
  put32(b + 4, 1u << 26), put32(b + 8, 1024), put32(b + 12, 1024);
  write_bytes(img, b, len);
  expect_fail(img, lab, 0, NN_BADINPUT, img,
              "truncated: expected 70368744177680 bytes, found 46");
}
END_TEST

START_TEST(idx_broken_gzip) {
  char *img, *lab;
  uint8_t b[256], z[512];
  write_pair("broken", &img, &lab);
  char *gz = path_of("broken-i.gz");
  write_gz(gz, b, image_bytes(b, 0x803, N));
  FILE *f = fopen(gz, "rb");
  ck_assert_ptr_nonnull(f);
  size_t zl = fread(z, 1, sizeof z, f);
  ck_assert_int_eq(fclose(f), 0);
  ck_assert_uint_gt(zl, 20);
  z[zl - 8] ^= 0xff; /* the stored crc32 */
  write_bytes(gz, z, zl);
  expect_fail(gz, lab, 0, NN_BADINPUT, gz,
              "broken gzip data: incorrect data check (expected a valid .gz file; fetch it again)");
  z[zl - 8] ^= 0xff;
  write_bytes(gz, z, zl / 2); /* cut in the middle of the deflate stream */
  expect_fail(gz, lab, 0, NN_BADINPUT, gz,
              "broken gzip data: unexpected end of file (expected a valid .gz file; fetch it again)");
  /* a raw file named .gz */
  char *fake = path_of("fake-i.gz");
  write_bytes(fake, b, image_bytes(b, 0x803, N));
  expect_fail(fake, lab, 0, NN_BADINPUT, fake, "not a gzip file (the name ends in .gz)");
}
END_TEST

START_TEST(idx_empty_and_missing) {
  char *img, *lab;
  write_pair("empty", &img, &lab);
  write_bytes(img, "", 0);
  expect_fail(img, lab, 0, NN_BADINPUT, img, "empty file (expected an IDX image file)");
  char *nope = path_of("nope");
  expect_fail(nope, lab, 0, NN_BADINPUT, nope, "no such file");
}
END_TEST

/* -------------------------------------------------------------------- CSV */

static void write_text(const char *path, const char *s) { write_bytes(path, s, strlen(s)); }

START_TEST(csv_ok) {
  dataset ds;
  nn_error err;
  char *img = path_of("ok.csv"), *lab = path_of("okl.csv");
  write_text(img, "0,1,2,3\r\n255, 254 ,253,252\r\n7,8,9,10");
  write_text(lab, "3\n9\n0\n\n");
  ck_assert_int_eq(data_load_files(&ds, img, lab, 1, &err), NN_OK);
  ck_assert_uint_eq(ds.n, 3);
  ck_assert_uint_eq(ds.d, 4);
  ck_assert_uint_eq(ds.rows, 1);
  ck_assert_uint_eq(ds.cols, 4);
  const uint8_t wx[] = {0, 1, 2, 3, 255, 254, 253, 252, 7, 8, 9, 10}, wy[] = {3, 9, 0};
  ck_assert_mem_eq(ds.x, wx, sizeof wx);
  ck_assert_mem_eq(ds.y, wy, sizeof wy);
  ck_assert_uint_eq(ds.classes, 10);
  const char *t = "3\n9\n0\n\n";
  ck_assert_uint_eq(ds.labels_crc32, crc32(0, (const Bytef *)t, (uInt)strlen(t)));
  data_free(&ds);
  /* labels up to 255 */
  write_text(lab, "10\n255\n0\n");
  ck_assert_int_eq(data_load_files(&ds, img, lab, 1, &err), NN_OK);
  const uint8_t wy2[] = {10, 255, 0};
  ck_assert_mem_eq(ds.y, wy2, sizeof wy2);
  ck_assert_uint_eq(ds.classes, 256);
  data_free(&ds);
}
END_TEST

START_TEST(csv_row_length) {
  char *img = path_of("row.csv"), *lab = path_of("rowl.csv");
  write_text(lab, "1\n2\n3\n");
  write_text(img, "1,2,3\n4,5\n6,7,8\n");
  expect_fail(img, lab, 1, NN_BADINPUT, img, "line 2: expected 3 values, found 2");
  write_text(img, "1,2,3\n4,5,6\n6,7,8,9\n");
  expect_fail(img, lab, 1, NN_BADINPUT, img, "line 3: expected 3 values, found 4");
  write_text(img, "1,2,3\n\n6,7,8\n");
  expect_fail(img, lab, 1, NN_BADINPUT, img, "line 2: empty line (expected 3 values)");
  write_text(img, "");
  expect_fail(img, lab, 1, NN_BADINPUT, img,
              "empty file (expected one row of comma-separated values a line)");
  write_text(img, "\r\n\n");
  expect_fail(img, lab, 1, NN_BADINPUT, img,
              "no data, only empty lines (expected one row of values a line)");
  /* a folder instead of a file: bad input (exit 2), like a folder given as a results file */
  dataset ds;
  nn_error err;
  ck_assert_int_eq(data_load_files(&ds, tmp, lab, 1, &err), NN_BADINPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "is a directory (expected a data file)"));
  ck_assert_ptr_null(ds.x);
}
END_TEST

START_TEST(csv_bad_values) {
  char *img = path_of("val.csv"), *lab = path_of("vall.csv");
  write_text(lab, "1\n2\n");
  write_text(img, "1,2,3\n4,256,6\n");
  expect_fail(img, lab, 1, NN_BADINPUT, img, "line 2, value 2: 256 is out of range (expected 0..255)");
  write_text(img, "1,2,-3\n4,5,6\n");
  expect_fail(img, lab, 1, NN_BADINPUT, img, "line 1, value 3: -3 is out of range (expected 0..255)");
  write_text(img, "1,2.5,3\n4,5,6\n");
  expect_fail(img, lab, 1, NN_BADINPUT, img,
              "line 1, value 2: '2.5' is not an integer (expected 0..255)");
  write_text(img, "1,2,3\nx,5,6\n");
  expect_fail(img, lab, 1, NN_BADINPUT, img,
              "line 2, value 1: 'x' is not an integer (expected 0..255)");
  write_text(img, "1,2,3\n4,,6\n");
  expect_fail(img, lab, 1, NN_BADINPUT, img,
              "line 2, value 2: empty value (expected an integer 0..255)");
  write_text(img, "1,2,3\n4,5,6\n");
  write_text(lab, "1\n256\n");
  expect_fail(img, lab, 1, NN_BADINPUT, lab, "line 2, value 1: 256 is out of range (expected 0..255)");
  write_text(lab, "1\n-1\n");
  expect_fail(img, lab, 1, NN_BADINPUT, lab, "line 2, value 1: -1 is out of range (expected 0..255)");
  write_text(lab, "1\n99999999999999999999\n");
  expect_fail(img, lab, 1, NN_BADINPUT, lab,
              "line 2, value 1: 99999999999999999999 is out of range (expected 0..255)");
  write_text(lab, "1\nseven\n");
  expect_fail(img, lab, 1, NN_BADINPUT, lab,
              "line 2, value 1: 'seven' is not an integer (expected 0..255)");
  write_text(lab, "1,2\n3\n");
  expect_fail(img, lab, 1, NN_BADINPUT, lab, "line 1: expected 1 label, found 2");
}
END_TEST

START_TEST(csv_count_mismatch) {
  char *img = path_of("cnt.csv"), *lab = path_of("cntl.csv");
  write_text(img, "1,2,3\n4,5,6\n");
  write_text(lab, "1\n2\n3\n");
  char want[1024];
  snprintf(want, sizeof want, "3 labels, but %s holds 2 images (the counts must agree)", img);
  expect_fail(img, lab, 1, NN_BADINPUT, lab, want);
}
END_TEST

/* --------------------------------------------------------------- data_find */

START_TEST(find_missing) {
  char img[DATA_PATH_MAX], lab[DATA_PATH_MAX];
  nn_error err;
  char *dir = path_of("nodir");
  ck_assert_int_eq(data_find(dir, 0, DATA_TRAIN, img, lab, &err), NN_BADINPUT);
  char want[2048];
  snprintf(want, sizeof want,
           "%s/train-images-idx3-ubyte: no such file (nor %s/train-images-idx3-ubyte.gz): "
           "run `make data` to fetch MNIST or `make fashion-data` for Fashion-MNIST "
           "(or set data.dir)", dir, dir);
  ck_assert_str_eq(err.msg, want);
  ck_assert_ptr_nonnull(strstr(err.msg, "make data"));
  ck_assert_int_eq(data_find(dir, 1, DATA_TEST, img, lab, &err), NN_BADINPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "images_test.csv: no such file"));
  dataset ds;
  ck_assert_int_eq(data_load(&ds, dir, 0, DATA_TEST, &err), NN_BADINPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "t10k-images-idx3-ubyte: no such file"));
  ck_assert_ptr_null(ds.x);
}
END_TEST

START_TEST(find_prefers_raw) {
  char img[DATA_PATH_MAX], lab[DATA_PATH_MAX], want[DATA_PATH_MAX];
  uint8_t b[256];
  nn_error err;
  char *dir = path_of("pref");
  ck_assert_int_eq(mkdir(dir, 0700), 0);
  char p[600];
  snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte.gz", dir);
  write_gz(p, b, image_bytes(b, 0x803, N));
  snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte.gz", dir);
  write_gz(p, b, label_bytes(b, 0x801, N));
  ck_assert_int_eq(data_find(dir, 0, DATA_TEST, img, lab, &err), NN_OK);
  snprintf(want, sizeof want, "%s/t10k-images-idx3-ubyte.gz", dir);
  ck_assert_str_eq(img, want);
  snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte", dir);
  write_bytes(p, b, image_bytes(b, 0x803, N));
  ck_assert_int_eq(data_find(dir, 0, DATA_TEST, img, lab, &err), NN_OK);
  ck_assert_str_eq(img, p);
  snprintf(want, sizeof want, "%s/t10k-labels-idx1-ubyte.gz", dir);
  ck_assert_str_eq(lab, want);
  /* a trailing slash in dir does not double */
  char dir2[600];
  snprintf(dir2, sizeof dir2, "%s/", dir);
  dataset ds;
  ck_assert_int_eq(data_load(&ds, dir2, 0, DATA_TEST, &err), NN_OK);
  ck_assert_str_eq(ds.images_path, p);
  ck_assert_uint_eq(ds.n, N);
  data_free(&ds);
  /* the training split is not there */
  ck_assert_int_eq(data_find(dir, 0, DATA_TRAIN, img, lab, &err), NN_BADINPUT);
}
END_TEST

/* ----------------------------------------------------------------- numbers */

START_TEST(moments_exact) {
  uint8_t x[] = {0, 0, 255, 255, /* row 0 */ 10, 20, 30, 40, /* row 1 */ 7, 7, 7, 7};
  dataset ds = {.n = 3, .d = 4, .rows = 1, .cols = 4, .x = x};
  double m, s;
  size_t r0[] = {0};
  data_moments(&ds, r0, 1, &m, &s);
  ck_assert_double_eq(m, 127.5);
  ck_assert_double_eq(s, 127.5);
  size_t r1[] = {1, 1};
  data_moments(&ds, r1, 2, &m, &s);
  ck_assert_double_eq(m, 25.0);
  ck_assert_double_eq_tol(s, sqrt(125.0), 1e-12);  /* (225+25+25+225)/4 */
  size_t r2[] = {2};
  data_moments(&ds, r2, 1, &m, &s);
  ck_assert_double_eq(m, 7.0);
  ck_assert_double_eq(s, 0.0);
  data_moments(&ds, NULL, 2, &m, &s);  /* rows 0 and 1 */
  ck_assert_double_eq(m, (510.0 + 100.0) / 8);
  data_moments(&ds, r0, 0, &m, &s);
  ck_assert_double_eq(m, 0.0);
  ck_assert_double_eq(s, 0.0);
}
END_TEST

START_TEST(lut_and_gather) {
  double lut[256];
  data_lut(lut, 10.0, 4.0);
  ck_assert_double_eq(lut[0], -2.5);
  ck_assert_double_eq(lut[10], 0.0);
  ck_assert_double_eq(lut[255], 61.25);
  uint8_t x[] = {0, 10, 255, 14, 18, 22};
  dataset ds = {.n = 3, .d = 2, .rows = 1, .cols = 2, .x = x};
  size_t rows[] = {2, 0, 2};
  double out[6];
  data_gather(&ds, rows, 3, lut, out);
  const double want[] = {2.0, 3.0, -2.5, 0.0, 2.0, 3.0};
  for (int i = 0; i < 6; i++) ck_assert_double_eq(out[i], want[i]);
  data_gather(&ds, NULL, 2, lut, out);
  ck_assert_double_eq(out[2], 61.25);
  ck_assert_double_eq(out[3], 1.0);
}
END_TEST

/* Real MNIST when it has been fetched (make data): shape and a sane mean. */
START_TEST(real_mnist) {
  const char *top = getenv("top_builddir");
  char dir[600];
  snprintf(dir, sizeof dir, "%s/data/mnist", top ? top : ".");
  char img[DATA_PATH_MAX], lab[DATA_PATH_MAX];
  nn_error err;
  if (data_find(dir, 0, DATA_TEST, img, lab, &err) != NN_OK) return;  /* not fetched */
  dataset ds;
  ck_assert_msg(data_load(&ds, dir, 0, DATA_TEST, &err) == NN_OK, "%s", err.msg);
  ck_assert_uint_eq(ds.n, 10000);
  ck_assert_uint_eq(ds.d, 784);
  double m, s;
  data_moments(&ds, NULL, ds.n, &m, &s);
  ck_assert_double_gt(m, 30.0);
  ck_assert_double_lt(m, 36.0);
  ck_assert_double_gt(s, 70.0);
  ck_assert_uint_eq(ds.classes, 10);
  data_free(&ds);
}
END_TEST

/* Real Fashion-MNIST when it has been fetched (make fashion-data): shape, ten
 * classes of 1,000 test images each, mean and density (half its pixels). */
START_TEST(real_fashion) {
  const char *top = getenv("top_builddir");
  char dir[600];
  snprintf(dir, sizeof dir, "%s/data/fashion-mnist", top ? top : ".");
  char img[DATA_PATH_MAX], lab[DATA_PATH_MAX];
  nn_error err;
  if (data_find(dir, 0, DATA_TEST, img, lab, &err) != NN_OK) return;  /* not fetched */
  dataset ds;
  ck_assert_msg(data_load(&ds, dir, 0, DATA_TEST, &err) == NN_OK, "%s", err.msg);
  ck_assert_uint_eq(ds.n, 10000);
  ck_assert_uint_eq(ds.d, 784);
  ck_assert_uint_eq(ds.classes, 10);
  size_t count[10] = {0};
  for (size_t i = 0; i < ds.n; i++) count[ds.y[i]]++;
  for (int c = 0; c < 10; c++) ck_assert_uint_eq(count[c], 1000);
  double m, s;
  data_moments(&ds, NULL, ds.n, &m, &s);
  ck_assert_double_gt(m, 72.0);  /* 73.15 */
  ck_assert_double_lt(m, 74.0);
  ck_assert_double_gt(s, 89.0);  /* 89.87 */
  const double density = data_density(&ds, NULL, ds.n);
  ck_assert_double_gt(density, 0.49);  /* 0.5001 */
  ck_assert_double_lt(density, 0.51);
  data_free(&ds);
}
END_TEST

static Suite *data_suite(void) {
  Suite *s = suite_create("data");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, idx_raw_ok);
  tcase_add_test(tc, idx_gz_ok_same_crc);
  tcase_add_test(tc, idx_wrong_magic);
  tcase_add_test(tc, idx_truncated);
  tcase_add_test(tc, idx_trailing);
  tcase_add_test(tc, idx_count_mismatch);
  tcase_add_test(tc, idx_labels_to_255);
  tcase_add_test(tc, classes_of_a_model);
  tcase_add_test(tc, idx_bad_dims);
  tcase_add_test(tc, idx_broken_gzip);
  tcase_add_test(tc, idx_empty_and_missing);
  tcase_add_test(tc, csv_ok);
  tcase_add_test(tc, csv_row_length);
  tcase_add_test(tc, csv_bad_values);
  tcase_add_test(tc, csv_count_mismatch);
  tcase_add_test(tc, find_missing);
  tcase_add_test(tc, find_prefers_raw);
  tcase_add_test(tc, moments_exact);
  tcase_add_test(tc, lut_and_gather);
  tcase_add_test(tc, real_mnist);
  tcase_add_test(tc, real_fashion);
  tcase_set_timeout(tc, 60);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  snprintf(tmp, sizeof tmp, "%s/check_data.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(tmp)) {
    perror("check_data: mkdtemp");
    return EXIT_FAILURE;
  }
  SRunner *sr = srunner_create(data_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  if (system(cmd) != 0) fprintf(stderr, "check_data: could not remove %s\n", tmp);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
