/* train.h: the reference algorithm around the model -- shuffle and split,
 * normalization, mini-batch epochs with the spec's optimizer (SGD, momentum
 * or Adam: optim.h), evaluation in chunks, and the epoch
 * loop with hooks for progress, stop requests and a checkpoint after every
 * epoch.
 *
 * Not here: argument parsing and printing (the programs), writing files and
 * the run's life (run.c), file formats (results.c).
 */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include <signal.h>
#include <stddef.h>

#include "data.h"
#include "error.h"
#include "mlp.h"
#include "optim.h"
#include "results.h"
#include "spec_model.h"

/* Rows an evaluation pass handles at a time.  Fixed, so that nnrun and nneval
 * make exactly the same BLAS calls and agree bit for bit. */
#define TRAIN_EVAL_CHUNK 1000

/* Below this fraction of non-zero pixels, train.input: auto reads a data set
 * sparsely (bench/sparse.c: at MNIST's 19% the sparse products take a third
 * of dense BLAS's time, the gather of the dense batch included). */
#define TRAIN_SPARSE_DENSITY 0.4 /* bench/sparse -s: break-even 0.3-0.4 AVX-512 BLAS, 0.5 AVX2 */

/* A data set as the first layer reads it: dense, each byte through a lookup
 * table into a gathered batch, or sparse, its non-zero bytes only. */
typedef struct train_feed {
  const dataset *ds;      /* borrowed */
  double lut[256];        /* dense: byte -> normalized value */
  float lutf[256];        /* the same rounded to float, for float32 models */
  double shift, scale;    /* sparse: x = (v - shift) * scale, the same map */
  int sparse;             /* which of the two */
  data_sparse S;          /* sparse: ds's non-zero pixels; owned */
} train_feed;

/* Whether ds, the file of split (DATA_TRAIN: train and dev; DATA_TEST), is
 * read sparsely: as r recorded it (train_input, test_input), else by
 * spec.train.input (auto: sparse when ds's density is below
 * TRAIN_SPARSE_DENSITY, or below 0.5, the rule before it was recorded, for
 * a run read back from an older file that has epochs). */
int train_feed_sparse(const results *r, const dataset *ds, enum data_split split);

/* Sets up f for ds, the file of split, under r's normalization, read as
 * train_feed_sparse() says. */
int train_feed_init(train_feed *f, const results *r, const dataset *ds, enum data_split split,
                    nn_error *err);
void train_feed_free(train_feed *f);

/* The order in which epoch (1-based) visits the train split: r's train_index
 * as split, or under train.shuffle that reordered by an RNG seeded from
 * (seed, epoch) alone.  order holds r->train_size. */
int train_epoch_order(const results *r, long epoch, size_t *order, nn_error *err);

/* Buffers for batches of up to cap rows, allocated once per run. */
typedef struct train_buffers {
  size_t cap, d;
  double *x;              /* (cap, d) the gathered, normalized batch (dense feeds) */
  float *xf;              /* (cap, d) the same for a float32 model (x is then NULL) */
  mlp_work work;
} train_buffers;

/* In m's precision.  sparse_threads > 0 adds what sparse feeds need, their products on that
 * many threads. */
int train_buffers_init(train_buffers *b, const mlp *m, size_t cap, int sparse_threads,
                       nn_error *err);
void train_buffers_free(train_buffers *b);

/* Checks the spec against the data (dev_size, batch, image sizes), shuffles
 * the training file with the seeded GSL RNG and splits it (dev = the first
 * dev_size of the permutation, train = the rest), computes the normalization
 * on the train split and initializes the model: fills r's /data and /model.
 * NN_BADINPUT with the spec key's place when spec and data disagree. */
int train_begin(results *r, const dataset *train, const dataset *test, nn_error *err);

/* Checks that the data files are those r was trained on (sizes and crc32s),
 * before r, read back from its results file, is resumed or evaluated.
 * NN_BADINPUT naming the file that differs. */
int train_check_data(const results *r, const dataset *train, const dataset *test,
                     nn_error *err);

/* The same for one data set of a split: its images and labels files against
 * the crc32s r recorded.  NN_BADINPUT "WHAT PATH has crc32 ..., but the model
 * was trained with a file of crc32 ...". */
int train_check_files(const results *r, const dataset *ds, enum data_split split,
                      nn_error *err);

/* Bytes that train_run() (training) or an evaluation of r's model on train
 * or test (either may be NULL; !training, as nneval does) allocates beyond
 * what r and the data sets hold: batch and work buffers, sparse copies, the
 * epoch's copies of the model and optimizer, a results file image.  The
 * large items, for run_check_memory(); small ones are its margin. */
size_t train_memory(const results *r, const dataset *train, const dataset *test, int training);

/* Loss (mean cross-entropy) and accuracy of m over rows of f's data set (all
 * rows when rows is NULL), in chunks of TRAIN_EVAL_CHUNK; counts into
 * confusion (k, k) when not NULL (zeroed first). */
void train_evaluate(const mlp *m, train_buffers *b, const train_feed *f, const size_t *rows,
                    size_t nrows, double *loss, double *accuracy, long *confusion);

/* What the run loop reports to its caller, and how it is asked to stop (all
 * optional). */
typedef struct train_hooks {
  /* The checkpoint: saves r when it starts running, after each epoch and at
   * the end (status set).  A failure stops the run with its status. */
  int (*save)(const results *r, void *ctx, nn_error *err);
  void (*epoch_done)(const results *r, void *ctx);   /* after each saved epoch */
  /* after each optimizer step: batch (1-based) of nbatches in epoch (1-based) */
  void (*batch_done)(const results *r, long epoch, size_t batch, size_t nbatches, void *ctx);
  void *ctx;
  /* Non-zero (set by a signal handler) asks the loop to stop at the next
   * batch boundary or evaluation chunk. */
  volatile sig_atomic_t *stop;
  /* For a watchdog that tells a slow run from a stuck one: *progress moves
   * at every batch, every evaluation chunk and after every save; *saving is
   * 1 while save runs (our own I/O, however slow, is no stuck library call). */
  volatile sig_atomic_t *progress;
  volatile sig_atomic_t *saving;
} train_hooks;

/* Runs the remaining epochs of r (from r->epochs_done to spec.train.epochs),
 * calling hooks->save after each, then the final test on test; sets the
 * status to "complete" and saves a last time.
 *   Resuming is running this again on the r read back from its file: batches
 * are taken in a fixed order and nothing random happens after train_begin(),
 * so the parameters at the end of an epoch determine the rest of the run.
 *   On a stop request the partial epoch is dropped (a stop during its
 * evaluation too, which is checked chunk by chunk): the parameters of the
 * last completed epoch are saved with status "interrupted" and NN_FAIL is
 * returned; a stop during the final test saves them the same way.  On a
 * non-finite loss or weight the status becomes "diverged" and the partial
 * epoch is dropped too: r keeps the parameters and optimizer
 * state of the last finite epoch, records the epoch that blew up and why
 * (diverged_epoch, diverged_cause), is saved, and NN_FAIL is returned with a
 * message naming what was not finite and the key to lower: a smaller
 * learning rate, or a smaller train.lambda when the weight decay alone is
 * unstable (optim_decay_limit) or the L2 term alone is not finite.
 *   A /test held by r is dropped when training starts (the model changes),
 * and made again by the final test.  Without a dev split (dev_size 0) the
 * dev metrics are NaN.  When a save fails, its status and message are
 * returned. */
int train_run(results *r, const dataset *train, const dataset *test, const train_hooks *hooks,
              nn_error *err);

/* The current UTC time as ISO 8601, "2026-11-27T10:00:00Z". */
void train_utc_now(char *buf, size_t n);

/* Wall-clock seconds from a monotonic clock. */
double train_now(void);

#endif
