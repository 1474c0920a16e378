/* data.h: MNIST-shaped datasets -- IDX files (raw or gzip, through zlib) and
 * the CS229 CSV layout -- kept as bytes in memory, plus the pixel statistics
 * and the batch gather that turns bytes into normalized doubles.
 *
 * Not here: shuffling and splitting (train.c), the downloads (scripts/fetch-mnist,
 * scripts/fetch-fashion-mnist).
 */
#ifndef NN_DATA_H
#define NN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define DATA_PATH_MAX 4096 /* PATH_MAX */
/* Labels are bytes: a data set has at most 256 classes. */
#define DATA_MAX_CLASSES 256

enum data_split { DATA_TRAIN, DATA_TEST };

typedef struct dataset {
  size_t n;                 /* examples */
  size_t d;                 /* features per example: rows * cols (784 for MNIST) */
  size_t rows, cols;        /* image shape (28, 28); CSV: (1, d) */
  uint8_t *x;               /* (n, d) raw pixel bytes, row-major; owned */
  uint8_t *y;               /* (n) labels, each < classes; owned */
  size_t classes;           /* the largest label + 1, 1..DATA_MAX_CLASSES: labels
                               index the classes, so a class may have no example */
  char images_path[DATA_PATH_MAX];  /* the files actually read */
  char labels_path[DATA_PATH_MAX];
  uint32_t images_crc32;    /* zlib crc32 of the decompressed file bytes */
  uint32_t labels_crc32;
} dataset;

/* Finds the image and label files of a split in dir without reading them.
 *   format 0 (idx): train-images-idx3-ubyte, train-labels-idx1-ubyte,
 *                   t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each raw or
 *                   with .gz (the raw file wins when both exist);
 *   format 1 (csv): images_train.csv, labels_train.csv, images_test.csv,
 *                   labels_test.csv (CS229 layout: one image a line, 784
 *                   comma-separated integers 0..255; one label 0..255 a line).
 * NN_BADINPUT when missing; the message names the path and says `make data`. */
int data_find(const char *dir, int format, enum data_split split,
              char images[DATA_PATH_MAX], char labels[DATA_PATH_MAX], nn_error *err);

/* How a missing file's message tells the user to point elsewhere: by the
 * spec's data.dir (nnrun) or by an option --data DIR (nneval). */
enum data_hint { DATA_HINT_SPEC, DATA_HINT_OPTION };

/* data_find() with the message's hint chosen by the caller. */
int data_find_hint(const char *dir, int format, enum data_split split,
                   char images[DATA_PATH_MAX], char labels[DATA_PATH_MAX],
                   enum data_hint hint, nn_error *err);

/* data_find() then data_load_files().  ds is zeroed first. */
int data_load(dataset *ds, const char *dir, int format, enum data_split split,
              nn_error *err);

/* Reads and checks one pair of files: magic numbers, dimensions, counts that
 * agree, truncation and trailing bytes, gzip errors; CSV rows of equal length
 * with integer values 0..255, labels too.  Any label 0..255 is valid here and
 * ds->classes is the largest + 1: whether the labels suit a model is for
 * data_classes() and data_check_labels() to say.  NN_BADINPUT with
 * "PATH: what, where" on bad content; NN_FAIL on I/O errors or out of memory. */
int data_load_files(dataset *ds, const char *images, const char *labels, int format,
                    nn_error *err);

/* The classes of a model trained on train and tested on test: *k = the larger
 * of their classes (a class only the test set holds still gets its output).
 * NN_BADINPUT when *k < 2, naming train's labels file: every label is 0, and
 * a softmax over one class has nothing to learn.  A single data set of one
 * class is fine for evaluation, so data_load_files() accepts it. */
int data_classes(const dataset *train, const dataset *test, size_t *k, nn_error *err);

/* NN_OK when every label of ds is < k, the classes of a model that reads it;
 * else NN_BADINPUT "LABELS: label L at index I is out of range (expected
 * 0..k-1: the model has k classes)" for the first label that is not. */
int data_check_labels(const dataset *ds, size_t k, nn_error *err);

void data_free(dataset *ds);

/* The non-zero pixels of a dataset in compressed rows: image i's are
 * col[ptr[i] .. ptr[i+1]) with values val[...].  For the sparse first layer. */
typedef struct data_sparse {
  size_t n, d, nnz;
  size_t *ptr;              /* (n + 1) owned */
  uint32_t *col;            /* (nnz) pixel index < d; owned */
  uint8_t *val;             /* (nnz) raw non-zero byte; owned */
} data_sparse;

/* Builds s from ds.  NN_FAIL when out of memory. */
int data_sparse_init(data_sparse *s, const dataset *ds, nn_error *err);
void data_sparse_free(data_sparse *s);

/* The fraction of the given rows' pixels (all rows when rows is NULL) that
 * are not zero. */
double data_density(const dataset *ds, const size_t *rows, size_t nrows);

/* Mean and population standard deviation of all pixels of the given rows
 * (indices into ds), computed exactly from a 256-bin histogram.
 * rows may be NULL: then the first nrows rows.  std is 0 when all pixels are equal. */
void data_moments(const dataset *ds, const size_t *rows, size_t nrows,
                  double *mean, double *std);

/* out[r * d + j] = lut[ds->x[rows[r] * d + j]] for r < nrows: the batch gather.
 * lut maps each byte value to its normalized value; out is (nrows, d).
 * rows may be NULL: then the first nrows rows. */
void data_gather(const dataset *ds, const size_t *rows, size_t nrows,
                 const double lut[256], double *out);

/* Fills lut for x -> (x - shift) / scale. */
void data_lut(double lut[256], double shift, double scale);

#endif
