/* results.h: the HDF5 results file of a run -- one in-memory struct, one
 * writer, one reader.
 *
 * Layout (DESIGN.md "Results file"; names and shapes are a contract):
 *   /            attrs format="nnrun-results", format_version, status, created,
 *                finished, nnrun_version, hdf5_version, gsl_version, blas,
 *                threads, host, command_line; status "diverged" adds
 *                diverged_epoch (int64: the epoch that blew up, whose partial
 *                steps are dropped: /model and /optimizer hold the last
 *                finite epoch, diverged_epoch - 1) and diverged_cause (what
 *                was not finite, e.g. "the train loss is not finite")
 *   /spec        scalar string dataset: the resolved spec as YAML;
 *                attrs: every key the spec uses (spec_key_used) by dotted path:
 *                int64, double or string (enums by name, booleans "true" or
 *                "false"); model.hidden an int64 scalar for one layer (as in
 *                files made before lists), an int64 array (n) for n != 1.
 *                Readers take the spec from the YAML text only, where absent
 *                keys are defaults (files made before a key existed).
 *   /data        attrs mean, std, train_size, dev_size, test_size, normalize,
 *                train_images, train_images_crc32, train_labels, ..._crc32,
 *                test_images, ..., test_labels, ...;
 *                train_input, test_input ("dense" | "sparse": how the first
 *                layer read each file; absent in older files);
 *                datasets train_index (train_size), dev_index (dev_size): uint64,
 *                0-based rows of the original training file
 *   /model       W1 (d, h1), b1 (h1), ..., W{L+1} (hL, k), b{L+1} (k): float64,
 *                or float32 for model.precision float32 (hidden widths from
 *                the spec; no hidden layer: W1 (d, k), b1 (k))
 *   /optimizer   attrs optimizer (sgd | momentum | adam), steps (int64);
 *                groups velocity (momentum) or m and v (adam), shaped like
 *                /model; absent in files written before optimizers
 *   /metrics     epoch (int64), train_loss, train_accuracy, dev_loss,
 *                dev_accuracy, objective, seconds (float64): one row per
 *                completed epoch, shape (epochs_done); dev_loss and
 *                dev_accuracy are NaN when there is no dev split (dev_size 0)
 *   /test        loss, accuracy (float64 scalars), confusion (k, k) int64 with
 *                rows = true class, columns = predicted class, n (int64 scalar);
 *                only when has_test
 *
 * results_write() is atomic: it writes PATH.tmp~HOST~PID next to PATH, flushes and
 * fsyncs it, then renames it over PATH, so a reader sees the old file or the
 * new one, never a half-written one.  On failure the temporary file is removed
 * and PATH is untouched.
 */
#ifndef NN_RESULTS_H
#define NN_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "error.h"
#include "mlp.h"
#include "optim.h"
#include "spec.h"

#define RESULTS_FORMAT "nnrun-results"
#define RESULTS_FORMAT_VERSION 1
#define RESULTS_TEXT_MAX 256

enum results_input { RESULTS_INPUT_UNKNOWN = -1, RESULTS_INPUT_DENSE, RESULTS_INPUT_SPARSE };

typedef struct results_epoch {
  long epoch;               /* 1-based */
  double train_loss, train_accuracy;
  double dev_loss, dev_accuracy;
  double objective;         /* train_loss + lambda * sum_l |W_l|^2 (every layer's weights) */
  double seconds;           /* wall time of the epoch, evaluation included */
} results_epoch;

typedef struct results {
  /* root attributes */
  char status[32];                      /* running | complete | diverged | interrupted */
  char created[RESULTS_TEXT_MAX];       /* ISO 8601 UTC, e.g. 2026-11-27T10:00:00Z */
  char finished[RESULTS_TEXT_MAX];      /* empty while running */
  char nnrun_version[RESULTS_TEXT_MAX];
  char hdf5_version[RESULTS_TEXT_MAX];
  char gsl_version[RESULTS_TEXT_MAX];
  char blas[RESULTS_TEXT_MAX];
  char host[RESULTS_TEXT_MAX];
  long threads;                         /* BLAS threads actually used */
  char *command_line;                   /* owned, may be NULL (written as "") */
  /* status diverged: the epoch that blew up (epochs_done + 1) and why, in
   * words; 0 and "" otherwise, and in files written before they were kept */
  long diverged_epoch;
  char diverged_cause[RESULTS_TEXT_MAX];

  spec spec;                            /* the resolved spec */

  /* /data */
  double mean, std;                     /* normalization: x -> (x - mean) / std */
  size_t train_size, dev_size, test_size;
  char train_images[DATA_PATH_MAX], train_labels[DATA_PATH_MAX];
  char test_images[DATA_PATH_MAX], test_labels[DATA_PATH_MAX];
  uint32_t train_images_crc32, train_labels_crc32;
  uint32_t test_images_crc32, test_labels_crc32;
  size_t *train_index;                  /* (train_size) owned */
  size_t *dev_index;                    /* (dev_size) owned */
  /* how the first layer read the training file and the test file:
   * RESULTS_INPUT_DENSE or _SPARSE, or _UNKNOWN in files written before
   * this was recorded (their runs chose by the 0.5 density rule) */
  int train_input, test_input;

  mlp model;                            /* owned */
  optim_state optimizer;                /* owned: /optimizer */

  /* /metrics */
  size_t epochs_done;                   /* rows */
  size_t epochs_cap;                    /* allocated rows */
  results_epoch *metrics;               /* (epochs_cap) owned */

  /* /test */
  int has_test;
  double test_loss, test_accuracy;
  long test_n;
  long *confusion;                      /* (k, k) owned; NULL unless has_test */
} results;

/* Zeroes r (everything empty, status "running"). */
void results_init(results *r);
void results_free(results *r);

/* Appends one epoch's row, growing metrics as needed.  NN_FAIL when out of memory. */
int results_add_epoch(results *r, const results_epoch *row, nn_error *err);

/* Writes the whole file atomically (see above).  NN_FAIL with "PATH: what
 * failed" on any I/O error. */
int results_write(const results *r, const char *path, nn_error *err);

/* Reads a whole file written by results_write() (or by an older nnrun:
 * superblock 0, fixed-length strings).  Checks the format attribute, the
 * version, and the type and shape of every dataset before reading it, and
 * that the shapes agree with each other and with the spec; every object it
 * opens must be a hard link of the file, every dataset stored inside it
 * (no external storage, virtual layout or filter) and no larger than the
 * file; NN_BADINPUT with "PATH: OBJECT: expected ..., got ..." for a
 * foreign, damaged or hostile file.
 * r must be freshly results_init()ed or freed. */
int results_read(results *r, const char *path, nn_error *err);

/* The same without /data and /model: root attributes, /spec, /metrics and
 * /test (whose confusion matrix is then only checked to be square).  For
 * summaries of many files: r->model stays empty. */
int results_read_summary(results *r, const char *path, nn_error *err);

/* Reads only the root attribute "status" (and checks the format attribute):
 * cheap, for deciding whether an existing file may be replaced. */
int results_read_status(const char *path, char *status, size_t n, nn_error *err);

/* The temporary file of this process for path: PATH.tmp~HOST~PID (the host
 * name reduced to [A-Za-z0-9.-_]; run names never hold a '~').  -1 when it
 * does not fit n bytes. */
int results_temp_name(const char *path, char *buf, size_t n);

/* Removes every temporary file PATH.tmp~HOST~PID (plain files and links, never what
 * a link points to): left by writers that were killed.  Only the holder of
 * path's lock (lock.h) may call this; best effort, errors are ignored. */
void results_remove_temporaries(const char *path);

/* Turns HDF5's own error printing and its loading of filter plugins off for
 * the whole process (idempotent). */
void results_quiet_hdf5(void);

#endif
