/* fuzz_data.h: the body shared by fuzz_idx.c and fuzz_csv.c -- two files
 * written from the input, data_load_files() on them, and the checks that
 * every outcome must pass.  Not a library: included once by each harness.
 */
#ifndef NN_FUZZ_DATA_H
#define NN_FUZZ_DATA_H

#include "data.h"
#include "fuzz_common.h"

/* A failure must be NN_BADINPUT with one line that starts with a path. */
static void check_error(int rc, const nn_error *err, const char *images, const char *labels) {
  if (rc != NN_BADINPUT) {
    fprintf(stderr, "status %d (expected NN_BADINPUT): %s\n", rc, err->msg);
    abort();
  }
  size_t li = strlen(images), ll = strlen(labels);
  int named = (strncmp(err->msg, images, li) == 0 && err->msg[li] == ':') ||
              (strncmp(err->msg, labels, ll) == 0 && err->msg[ll] == ':');
  if (!named || strchr(err->msg, '\n')) {
    fprintf(stderr, "bad message: %s\n", err->msg);
    abort();
  }
}

/* A success must hold n > 0 rows of d bytes and n labels, the largest of them
 * classes - 1; touching every byte lets AddressSanitizer check the sizes. */
static void check_dataset(const dataset *ds) {
  if (ds->n == 0 || ds->d == 0 || ds->d != ds->rows * ds->cols || !ds->x || !ds->y) abort();
  unsigned sum = 0;
  for (size_t i = 0; i < ds->n * ds->d; i++) sum += ds->x[i];
  unsigned top = 0;
  for (size_t i = 0; i < ds->n; i++)
    if (ds->y[i] > top) top = ds->y[i];
  if (ds->classes != (size_t)top + 1 || ds->classes > DATA_MAX_CLASSES) abort();
  nn_error cerr = {0};
  if (data_check_labels(ds, ds->classes, &cerr) != NN_OK) abort();
  if (ds->classes > 1 && data_check_labels(ds, ds->classes - 1, &cerr) != NN_BADINPUT) abort();
  double mean, std, lut[256];
  data_moments(ds, NULL, ds->n, &mean, &std);
  if (!(mean >= 0 && mean <= 255) || !(std >= 0 && std <= 128) || (sum == 0) != (mean == 0))
    abort();
  size_t last = ds->n - 1;
  double *row = malloc(ds->d * sizeof *row);
  if (!row) abort();
  data_lut(lut, 0, 1);
  data_gather(ds, &last, 1, lut, row);
  free(row);
}

static int fuzz_data(const uint8_t *data, size_t size, int format, const char *img_name,
                     const char *lab_name) {
  fuzz_pair fp;
  char images[512], labels[512];
  if (!fuzz_split_pair(data, size, &fp)) return 0;
  fuzz_write_pair(&fp, img_name, lab_name, images, labels);
  dataset ds;
  nn_error err = {0};
  int rc = data_load_files(&ds, images, labels, format, &err);
  if (rc) {
    check_error(rc, &err, images, labels);
    if (ds.x || ds.y || ds.n) abort();  /* nothing kept on failure */
  } else {
    check_dataset(&ds);
  }
  data_free(&ds);
  unlink(images);
  unlink(labels);
  return 0;
}

#endif
