/* train.h: the reference algorithm around the model -- shuffle and split,
 * normalization, mini-batch SGD epochs, evaluation in chunks, and the run
 * loop that saves the results file after every epoch.
 *
 * Not here: argument parsing and printing (the programs), file formats.
 */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include <signal.h>
#include <stddef.h>

#include "data.h"
#include "error.h"
#include "mlp.h"
#include "results.h"

/* Rows an evaluation pass handles at a time.  Fixed, so that nnrun and nneval
 * make exactly the same BLAS calls and agree bit for bit. */
#define TRAIN_EVAL_CHUNK 1000

/* Buffers for batches of up to cap rows, allocated once per run. */
typedef struct train_buffers {
  size_t cap, d;
  double *x;              /* (cap, d) the gathered, normalized batch */
  mlp_work work;
} train_buffers;

int train_buffers_init(train_buffers *b, const mlp *m, size_t cap, nn_error *err);
void train_buffers_free(train_buffers *b);

/* lut[v] = the normalized value of pixel byte v, per r->spec.data.normalize
 * and the recorded r->mean and r->std. */
void train_lut(const results *r, double lut[256]);

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

/* Loss (mean cross-entropy) and accuracy of m over rows of ds (all rows when
 * rows is NULL), in chunks of TRAIN_EVAL_CHUNK; counts into confusion (k, k)
 * when not NULL (zeroed first). */
void train_evaluate(const mlp *m, train_buffers *b, const dataset *ds, const size_t *rows,
                    size_t nrows, const double lut[256], double *loss, double *accuracy,
                    long *confusion);

/* What the run loop reports to its caller, and how it is asked to stop (all
 * optional). */
typedef struct train_hooks {
  void (*epoch_done)(const results *r, void *ctx);   /* after each saved epoch */
  /* after each SGD step: batch (1-based) of nbatches in epoch (1-based) */
  void (*batch_done)(const results *r, long epoch, size_t batch, size_t nbatches, void *ctx);
  void *ctx;
  /* Non-zero (set by a signal handler) asks the loop to stop at the next
   * batch boundary. */
  volatile sig_atomic_t *stop;
} train_hooks;

/* Runs the remaining epochs of r (from r->epochs_done to spec.train.epochs),
 * writing PATH atomically after each, then the final test on test; sets the
 * status to "complete" and writes PATH a last time.
 *   Resuming is running this again on the r read back from PATH: batches are
 * taken in a fixed order and nothing random happens after train_begin(), so
 * the parameters at the end of an epoch determine the rest of the run.
 *   On a stop request the partial epoch is dropped: the parameters of the
 * last completed epoch are written with status "interrupted" and NN_FAIL is
 * returned.  On a non-finite loss or weight the status becomes "diverged",
 * PATH is written and NN_FAIL returned with a message that suggests a smaller
 * learning rate.  When a write fails (disk full, folder gone) the previous
 * file at PATH is left as it was and NN_FAIL names the path. */
int train_run(results *r, const dataset *train, const dataset *test, const char *path,
              const train_hooks *hooks, nn_error *err);

/* The current UTC time as ISO 8601, "2026-11-27T10:00:00Z". */
void train_utc_now(char *buf, size_t n);

/* Wall-clock seconds from a monotonic clock. */
double train_now(void);

#endif
