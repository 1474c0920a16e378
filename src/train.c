/* train.c: the reference experiment's algorithm around the model (see
 * train.h): split, normalization, SGD epochs, evaluation, and the epoch loop
 * with a checkpoint hook after every epoch.  It prints nothing and writes no
 * file; callers get hooks (the run layer, run.c, saves the results file).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "train.h"


double train_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int train_buffers_init(train_buffers *b, const mlp *m, size_t cap, int sparse_threads,
                       nn_error *err) {
  memset(b, 0, sizeof *b);
  b->cap = cap;
  b->d = m->d;
  if (m->precision == MLP_FLOAT32)
    b->xf = malloc(cap * m->d * sizeof *b->xf);
  else
    b->x = malloc(cap * m->d * sizeof *b->x);
  if (!b->x && !b->xf) {
    memset(b, 0, sizeof *b);
    return nn_error_set(err, NN_FAIL, "out of memory for a batch of %zu rows", cap);
  }
  int rc = mlp_work_init(&b->work, m, cap, err);
  if (!rc && sparse_threads > 0) rc = mlp_work_sparse(&b->work, m, sparse_threads, err);
  if (rc) train_buffers_free(b);
  return rc;
}

void train_buffers_free(train_buffers *b) {
  if (!b) return;
  free(b->x);
  free(b->xf);
  mlp_work_free(&b->work);
  memset(b, 0, sizeof *b);
}

int train_feed_sparse(const results *r, const dataset *ds, enum data_split split) {
  const int recorded = split == DATA_TEST ? r->test_input : r->train_input;
  if (recorded != RESULTS_INPUT_UNKNOWN) return recorded == RESULTS_INPUT_SPARSE;
  switch (r->spec.train.input) {
  case SPEC_INPUT_DENSE: return 0;
  case SPEC_INPUT_SPARSE: return 1;
  default: break;
  }
  /* an older file's run chose by the rule of its time */
  const double threshold = r->epochs_done > 0 || r->has_test ? 0.5 : TRAIN_SPARSE_DENSITY;
  return data_density(ds, NULL, ds->n) < threshold;
}

int train_feed_init(train_feed *f, const results *r, const dataset *ds, enum data_split split,
                    nn_error *err) {
  memset(f, 0, sizeof *f);
  f->ds = ds;
  switch (r->spec.data.normalize) {
  case SPEC_NORM_STANDARDIZE: f->shift = r->mean, f->scale = r->std; break;
  case SPEC_NORM_SCALE: f->shift = 0.0, f->scale = 255.0; break;
  default: f->shift = 0.0, f->scale = 1.0; break;
  }
  data_lut(f->lut, f->shift, f->scale);
  for (int v = 0; v < 256; v++) f->lutf[v] = (float)f->lut[v];
  f->scale = 1.0 / f->scale; /* the sparse products multiply */
  f->sparse = train_feed_sparse(r, ds, split);
  return f->sparse ? data_sparse_init(&f->S, ds, err) : NN_OK;
}

void train_feed_free(train_feed *f) {
  if (!f) return;
  data_sparse_free(&f->S);
  memset(f, 0, sizeof *f);
}

/* The sparse copy of ds (data_sparse_init): row starts, and a column and a
 * value for each non-zero pixel. */
static size_t sparse_bytes(const dataset *ds) {
  const double nnz = data_density(ds, NULL, ds->n) * (double)ds->n * (double)ds->d;
  return (ds->n + 1) * sizeof(size_t) + (size_t)nnz * (sizeof(uint32_t) + 1);
}

size_t train_memory(const results *r, const dataset *train, const dataset *test, int training) {
  const mlp *m = &r->model;
  const size_t B = (size_t)r->spec.train.batch < r->train_size ? (size_t)r->spec.train.batch
                                                                : r->train_size;
  const size_t cap = training && B > TRAIN_EVAL_CHUNK ? B : TRAIN_EVAL_CHUNK;
  const size_t params = m->size * m->elem;
  const size_t copies = r->optimizer.m.mem ? (r->optimizer.v.mem ? 2 : 1) : 0;
  /* the gathered batch, and the work buffers: activations, their gradients */
  size_t bytes = cap * m->d * m->elem + cap * sizeof(double) + cap;
  for (size_t l = 0; l < m->nlayers; l++)
    bytes += cap * m->layer[l].out * m->elem * (l + 1 < m->nlayers ? 2 : 1);
  const int train_sparse = train && train_feed_sparse(r, train, DATA_TRAIN);
  const int test_sparse = test && train_feed_sparse(r, test, DATA_TEST);
  if (train_sparse) bytes += sparse_bytes(train);
  if (test_sparse) bytes += sparse_bytes(test);
  if (train_sparse || test_sparse) /* mlp_work_sparse: the batch transposed, panels */
    bytes += cap * m->d * (sizeof(uint32_t) + 1) + (m->d + 1) * sizeof(size_t) +
             spmm_work_size(m->d > cap ? m->d : cap, (int)(r->threads > 0 ? r->threads : 1));
  if (training) /* the gradient, the epoch's start (model and optimizer), the order */
    bytes += params * (2 + copies) + r->train_size * sizeof(size_t);
  /* a results file built in memory, then copied out: twice its size */
  bytes += 2 * (params * (1 + copies) + (r->train_size + r->dev_size) * sizeof(uint64_t) +
                m->k * m->k * sizeof(long)) + ((size_t)1 << 20);
  return bytes;
}

/* "FILE:LINE:COL: KEY: " for messages about a key that the data contradicts. */
static int spec_vs_data(nn_error *err, const spec *s, const char *key, const char *fmt,
                        long a, long b) {
  char where[2 * SPEC_PATH_MAX], what[256];
  spec_where(s, key, where, sizeof where);
  snprintf(what, sizeof what, fmt, a, b);
  return nn_error_set(err, NN_BADINPUT, "%s: %s: %s", where, key, what);
}

int train_begin(results *r, const dataset *train, const dataset *test, nn_error *err) {
  const spec *s = &r->spec;
  const long n = (long)train->n;
  if (s->data.dev_size >= n)
    return spec_vs_data(err, s, "data.dev_size",
                        "expected fewer than the %ld training images, got %ld", n,
                        s->data.dev_size);
  if (s->train.batch > n - s->data.dev_size)
    return spec_vs_data(err, s, "train.batch",
                        "expected at most the train split (%ld images), got %ld",
                        n - s->data.dev_size, s->train.batch);
  if (test->d != train->d)
    return nn_error_set(err, NN_BADINPUT, "%s: images have %zu pixels, but those of %s have %zu",
                        test->images_path, test->d, train->images_path, train->d);

  r->train_size = train->n - (size_t)s->data.dev_size;
  /* how the first layer reads each file, recorded so that a resumed run and
   * nneval read them the same way whatever later versions choose */
  r->train_input = r->test_input = RESULTS_INPUT_UNKNOWN;
  r->train_input = train_feed_sparse(r, train, DATA_TRAIN) ? RESULTS_INPUT_SPARSE
                                                           : RESULTS_INPUT_DENSE;
  r->test_input = train_feed_sparse(r, test, DATA_TEST) ? RESULTS_INPUT_SPARSE
                                                        : RESULTS_INPUT_DENSE;
  r->dev_size = (size_t)s->data.dev_size;
  r->test_size = test->n;
  snprintf(r->train_images, sizeof r->train_images, "%s", train->images_path);
  snprintf(r->train_labels, sizeof r->train_labels, "%s", train->labels_path);
  snprintf(r->test_images, sizeof r->test_images, "%s", test->images_path);
  snprintf(r->test_labels, sizeof r->test_labels, "%s", test->labels_path);
  r->train_images_crc32 = train->images_crc32;
  r->train_labels_crc32 = train->labels_crc32;
  r->test_images_crc32 = test->images_crc32;
  r->test_labels_crc32 = test->labels_crc32;

  size_t *perm = malloc(train->n * sizeof *perm);
  r->train_index = malloc((r->train_size ? r->train_size : 1) * sizeof *r->train_index);
  r->dev_index = malloc((r->dev_size ? r->dev_size : 1) * sizeof *r->dev_index);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  int rc = NN_OK;
  if (!perm || !r->train_index || !r->dev_index || !rng) {
    rc = nn_error_set(err, NN_FAIL, "out of memory for the split of %zu images", train->n);
    goto done;
  }
  /* One RNG stream, in this order: the permutation, then W1, W2, ... */
  gsl_rng_set(rng, s->seed);
  for (size_t i = 0; i < train->n; i++) perm[i] = i;
  gsl_ran_shuffle(rng, perm, train->n, sizeof *perm);
  memcpy(r->dev_index, perm, r->dev_size * sizeof *perm);
  memcpy(r->train_index, perm + r->dev_size, r->train_size * sizeof *perm);

  data_moments(train, r->train_index, r->train_size, &r->mean, &r->std);
  if (s->data.normalize == SPEC_NORM_STANDARDIZE && !(r->std > 0.0)) {
    char where[2 * SPEC_PATH_MAX];
    spec_where(s, "data.normalize", where, sizeof where);
    rc = nn_error_set(err, NN_BADINPUT,
                      "%s: data.normalize: the train split's pixels are all %g (standard "
                      "deviation 0); expected scale or none",
                      where, r->mean);
    goto done;
  }
  size_t hidden[SPEC_HIDDEN_MAX];
  for (size_t l = 0; l < s->model.nhidden; l++) hidden[l] = (size_t)s->model.hidden[l];
  size_t k;
  if ((rc = data_classes(train, test, &k, err))) goto done;
  rc = mlp_init(&r->model, train->d, hidden, s->model.nhidden, k,
                spec_model_act(s), spec_model_precision(s), err);
  if (!rc) rc = optim_init(&r->optimizer, spec_optim(s).kind, &r->model, err);
  if (rc) goto done;
  mlp_randomize(&r->model, spec_model_init(s), rng);
done:
  if (rng) gsl_rng_free(rng);
  free(perm);
  return rc;
}

static int same_file(const char *what, const char *path, uint32_t crc, uint32_t want,
                     nn_error *err) {
  if (crc == want) return NN_OK;
  return nn_error_set(err, NN_BADINPUT,
                      "%s %s has crc32 %08x, but the model was trained with a file of crc32 %08x",
                      what, path, (unsigned)crc, (unsigned)want);
}

int train_check_files(const results *r, const dataset *ds, enum data_split split,
                      nn_error *err) {
  const int test = split == DATA_TEST;
  int rc = same_file(test ? "test images" : "training images", ds->images_path,
                     ds->images_crc32, test ? r->test_images_crc32 : r->train_images_crc32, err);
  if (!rc)
    rc = same_file(test ? "test labels" : "training labels", ds->labels_path, ds->labels_crc32,
                   test ? r->test_labels_crc32 : r->train_labels_crc32, err);
  return rc;
}

int train_check_data(const results *r, const dataset *train, const dataset *test,
                     nn_error *err) {
  if (train->n != r->train_size + r->dev_size || train->d != r->model.d)
    return nn_error_set(err, NN_BADINPUT,
                        "%s: %zu images of %zu pixels, but the run was trained on %zu of %zu",
                        train->images_path, train->n, train->d, r->train_size + r->dev_size,
                        r->model.d);
  if (test->d != r->model.d)
    return nn_error_set(err, NN_BADINPUT, "%s: images of %zu pixels, but the model takes %zu",
                        test->images_path, test->d, r->model.d);
  int rc = train_check_files(r, train, DATA_TRAIN, err);
  return rc ? rc : train_check_files(r, test, DATA_TEST, err);
}

/* The batch of rows sel[0..n) of f's data set as the first layer reads it:
 * the non-zero bytes (sparse), or gathered and normalized into b's buffer in
 * the model's precision (dense). */
static mlp_input feed_batch(const train_feed *f, train_buffers *b, const size_t *sel, size_t n) {
  if (f->sparse)
    return (mlp_input){.kind = MLP_SPARSE, .n = n,
                       .R = {.n = n, .d = f->S.d, .ptr = f->S.ptr, .col = f->S.col,
                             .val = f->S.val, .rows = sel},
                       .shift = f->shift, .scale = f->scale};
  if (b->xf) {
    const size_t d = b->d;
    for (size_t r = 0; r < n; r++) {
      const uint8_t *restrict src = f->ds->x + sel[r] * d;
      float *restrict dst = b->xf + r * d;
      for (size_t j = 0; j < d; j++) dst[j] = f->lutf[src[j]];
    }
    return (mlp_input){.kind = MLP_DENSE, .n = n, .x = b->xf};
  }
  data_gather(f->ds, sel, n, f->lut, b->x);
  return (mlp_input){.kind = MLP_DENSE, .n = n, .x = b->x};
}

/* Tells the caller's watchdog that the run moves (train_hooks.progress). */
static void bump(const train_hooks *hooks) {
  if (hooks && hooks->progress)
    *hooks->progress = (sig_atomic_t)((*hooks->progress + 1) & 0x3fffffff);
}

static int stop_asked(const train_hooks *hooks) {
  return hooks && hooks->stop && *hooks->stop;
}

/* train_evaluate(), which gives up (returns 1) when hooks ask it to stop
 * before a chunk. */
static int evaluate(const mlp *m, train_buffers *b, const train_feed *f, const size_t *rows,
                    size_t nrows, double *loss, double *accuracy, long *confusion,
                    const train_hooks *hooks) {
  const size_t chunk = b->cap < TRAIN_EVAL_CHUNK ? b->cap : TRAIN_EVAL_CHUNK;
  size_t index[TRAIN_EVAL_CHUNK];
  uint8_t labels[TRAIN_EVAL_CHUNK];
  double total = 0.0;
  size_t correct = 0;
  if (confusion) memset(confusion, 0, m->k * m->k * sizeof *confusion);
  for (size_t start = 0; start < nrows; start += chunk) {
    if (stop_asked(hooks)) return 1;
    const size_t n = nrows - start < chunk ? nrows - start : chunk;
    const size_t *sel = rows ? rows + start : index;
    if (!rows)
      for (size_t i = 0; i < n; i++) index[i] = start + i;
    for (size_t i = 0; i < n; i++) labels[i] = f->ds->y[sel[i]];
    const mlp_input in = feed_batch(f, b, sel, n);
    total += mlp_forward(m, &b->work, &in, labels, &correct, confusion);
    bump(hooks);
  }
  *loss = nrows ? total / (double)nrows : 0.0;
  *accuracy = nrows ? (double)correct / (double)nrows : 0.0;
  return 0;
}

void train_evaluate(const mlp *m, train_buffers *b, const train_feed *f, const size_t *rows,
                    size_t nrows, double *loss, double *accuracy, long *confusion) {
  evaluate(m, b, f, rows, nrows, loss, accuracy, confusion, NULL);
}

/* The seed of epoch e's order of the train split under train.shuffle:
 * splitmix64's mix of (seed, e), so that each epoch's order follows from the
 * spec alone and a resumed run needs no RNG state. */
static unsigned long epoch_seed(unsigned long seed, long epoch) {
  uint64_t z = ((uint64_t)seed << 32 ^ (uint64_t)epoch) + 0x9e3779b97f4a7c15u;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return (unsigned long)((z ^ (z >> 31)) & 0xffffffffu);
}

int train_epoch_order(const results *r, long epoch, size_t *order, nn_error *err) {
  memcpy(order, r->train_index, r->train_size * sizeof *order);
  if (!r->spec.train.shuffle) return NN_OK;
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (!rng) return nn_error_set(err, NN_FAIL, "out of memory for an RNG");
  gsl_rng_set(rng, epoch_seed(r->spec.seed, epoch));
  gsl_ran_shuffle(rng, order, r->train_size, sizeof *order);
  gsl_rng_free(rng);
  return NN_OK;
}

/* One pass of mini-batch steps over the train split, batches taken in the
 * epoch's order.  Returns the last batch's loss (NaN as soon as one is not
 * finite), or stops early with *stopped = 1 when a stop is requested. */
static double train_epoch(results *r, train_buffers *b, mlp *grad, const train_feed *f,
                          const size_t *order, uint8_t *labels, long epoch,
                          const train_hooks *hooks, int *stopped) {
  const spec *s = &r->spec;
  const optim_config opt = spec_optim(s);
  const size_t B = (size_t)s->train.batch;
  const size_t nbatches = (r->train_size + B - 1) / B;
  double last = 0.0;
  for (size_t start = 0, batch = 1; start < r->train_size; start += B, batch++) {
    if (stop_asked(hooks)) {
      *stopped = 1;
      return last;
    }
    const size_t n = r->train_size - start < B ? r->train_size - start : B;
    const size_t *sel = order + start;
    for (size_t i = 0; i < n; i++) labels[i] = f->ds->y[sel[i]];
    const mlp_input in = feed_batch(f, b, sel, n);
    last = mlp_gradient(&r->model, &b->work, &in, labels, s->train.lambda, grad);
    if (!isfinite(last)) return last;
    optim_step(&opt, &r->optimizer, &r->model, grad);
    bump(hooks);
    if (hooks && hooks->batch_done) hooks->batch_done(r, epoch, batch, nbatches, hooks->ctx);
  }
  return last;
}

void train_utc_now(char *buf, size_t n) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The caller's checkpoint: saves r (a file, for the run layer). */
static int save(const results *r, const train_hooks *hooks, nn_error *err) {
  if (!hooks || !hooks->save) return NN_OK;
  if (hooks->saving) *hooks->saving = 1;
  const int rc = hooks->save(r, hooks->ctx, err);
  bump(hooks);
  if (hooks->saving) *hooks->saving = 0;
  return rc;
}

/* Why epoch e diverged, in words for the file and for the message: what
 * was not finite, and which key to lower.  The weight-decay part of the
 * step alone grows the weights when train.lambda is above the optimizer's
 * limit (optim_decay_limit): then the product lambda x lr is to blame,
 * whatever the loss says.  Otherwise the decay shrinks the weights, so a
 * non-finite loss, weight or |W|^2 points at the learning rate, and a
 * non-finite L2 term of finite weights at lambda.  Called before the
 * parameters that blew up are dropped. */
static int diverged(results *r, long e, double last, const results_epoch *row, int weights_finite,
                    nn_error *err) {
  const spec *s = &r->spec;
  const optim_config opt = spec_optim(s);
  const double limit = optim_decay_limit(&opt), lr = s->train.lr, lambda = s->train.lambda;
  const double loss = isfinite(last) && weights_finite ? row->train_loss : last;
  char optimizer[48], loss_text[24], advice[160];
  if (opt.kind == OPTIM_MOMENTUM)
    snprintf(optimizer, sizeof optimizer, "%s with momentum %g", opt.nesterov ? "nesterov" : "sgd",
             opt.momentum);
  else
    snprintf(optimizer, sizeof optimizer, "%s", optim_name(opt.kind));
  snprintf(loss_text, sizeof loss_text, isnan(loss) ? "nan" : "%g", loss);
  r->diverged_epoch = e;
  if (lambda > limit) {
    /* unstable whatever the data: the product lambda * lr decides */
    snprintf(r->diverged_cause, sizeof r->diverged_cause,
             "the weight decay alone is unstable (train.lambda x train.lr = %.3g, above %.3g "
             "for %s): the weights, the L2 term and the train loss (%s) blew up",
             lambda * lr, limit * lr, optimizer, loss_text);
    /* either key fixes it: the one farther above the reference experiment's
     * value (lr 5, lambda 0.0001) comes first */
    if (lambda / 1e-4 >= lr / 5.0)
      snprintf(advice, sizeof advice,
               "lower train.lambda below %.3g, or use a smaller learning rate than "
               "train.lr=%g (below %.3g)",
               limit, lr, limit * lr / lambda);
    else
      snprintf(advice, sizeof advice,
               "try a smaller learning rate than train.lr=%g (below %.3g), or lower "
               "train.lambda below %.3g",
               lr, limit * lr / lambda, limit);
  } else if (!isfinite(last) || !weights_finite || !isfinite(row->train_loss)) {
    snprintf(r->diverged_cause, sizeof r->diverged_cause, "the train loss (%s)%s is not finite",
             loss_text, weights_finite ? "" : " and the weights");
    snprintf(advice, sizeof advice, "try a smaller learning rate than train.lr=%g", lr);
  } else if (!isfinite(row->objective) && !isfinite(mlp_l2(&r->model))) {
    /* a stable decay shrinks the weights: the data's steps grew them */
    snprintf(r->diverged_cause, sizeof r->diverged_cause,
             "the weights grew without bound (|W|^2 is not finite; the train loss is %s)",
             loss_text);
    snprintf(advice, sizeof advice, "try a smaller learning rate than train.lr=%g", lr);
  } else if (!isfinite(row->objective)) {
    snprintf(r->diverged_cause, sizeof r->diverged_cause,
             "the L2 term train.lambda x |W|^2 is not finite (the train loss is %s)", loss_text);
    snprintf(advice, sizeof advice, "lower train.lambda=%g", lambda);
  } else {
    snprintf(r->diverged_cause, sizeof r->diverged_cause,
             "the dev loss is not finite (the train loss is %s)", loss_text);
    snprintf(advice, sizeof advice, "try a smaller learning rate than train.lr=%g", lr);
  }
  char kept[64];
  if (r->epochs_done) snprintf(kept, sizeof kept, "the parameters of epoch %zu", r->epochs_done);
  else snprintf(kept, sizeof kept, "the initial parameters");
  return nn_error_set(err, NN_FAIL, "diverged in epoch %ld: %s; %s (the file keeps %s)", e,
                      r->diverged_cause, advice, kept);
}

/* Sets a final status and the time it ended, and saves r. */
static int finish(results *r, const char *status, const train_hooks *hooks, nn_error *err) {
  snprintf(r->status, sizeof r->status, "%s", status);
  train_utc_now(r->finished, sizeof r->finished);
  return save(r, hooks, err);
}

int train_run(results *r, const dataset *train, const dataset *test, const train_hooks *hooks,
              nn_error *err) {
  const spec *s = &r->spec;
  /* no batch holds more than the train split (a resumed file's spec was
   * checked against its data only when the run began) */
  const size_t B = (size_t)s->train.batch < r->train_size ? (size_t)s->train.batch : r->train_size;
  const size_t cap = B > TRAIN_EVAL_CHUNK ? B : TRAIN_EVAL_CHUNK;
  train_buffers b = {0};
  train_feed ftrain = {0}, ftest = {0};
  mlp grad = {0}, saved = {0};
  optim_state saved_opt = {0};
  uint8_t *labels = malloc(cap);
  size_t *order = malloc((r->train_size ? r->train_size : 1) * sizeof *order);
  int rc;
  if ((rc = train_feed_init(&ftrain, r, train, DATA_TRAIN, err)) ||
      (rc = train_feed_init(&ftest, r, test, DATA_TEST, err)) ||
      (rc = train_buffers_init(&b, &r->model, cap,
                               ftrain.sparse || ftest.sparse ? (int)r->threads : 0, err)) ||
      (rc = mlp_init_like(&grad, &r->model, err)) || (rc = mlp_init_like(&saved, &r->model, err)) ||
      (rc = optim_init(&saved_opt, r->optimizer.kind, &r->model, err)))
    goto done;
  if (!labels || !order) {
    rc = nn_error_set(err, NN_FAIL, "out of memory for a batch's labels and the epoch's order");
    goto done;
  }
  if (ftrain.sparse) mlp_blas_threads(1); /* the sparse products take the threads */

  snprintf(r->status, sizeof r->status, "running");
  r->finished[0] = '\0';
  r->diverged_epoch = 0;
  r->diverged_cause[0] = '\0';
  /* The model is about to change: a /test stored earlier (nneval on an
   * interrupted file) no longer describes it.  The final test puts it back. */
  r->has_test = 0;
  free(r->confusion);
  r->confusion = NULL;
  if ((rc = save(r, hooks, err))) goto done;

  for (long e = (long)r->epochs_done + 1; e <= s->train.epochs; e++) {
    const double t0 = train_now();
    results_epoch row = {.epoch = e};
    int stopped = 0;
    mlp_copy(&saved, &r->model);
    optim_copy(&saved_opt, &r->optimizer);
    if ((rc = train_epoch_order(r, e, order, err))) goto done;
    double last = train_epoch(r, &b, &grad, &ftrain, order, labels, e, hooks, &stopped);
    const int weights_finite = !stopped && mlp_finite(&r->model);
    /* no dev split, no dev metrics: NaN, never a loss of 0 */
    row.dev_loss = row.dev_accuracy = NAN;
    if (!stopped && isfinite(last) && weights_finite) {
      /* a stop asked during the evaluation drops the epoch too: evaluating
       * the train and dev splits may take longer than training did */
      stopped = evaluate(&r->model, &b, &ftrain, r->train_index, r->train_size, &row.train_loss,
                         &row.train_accuracy, NULL, hooks) ||
                (r->dev_size && evaluate(&r->model, &b, &ftrain, r->dev_index, r->dev_size,
                                         &row.dev_loss, &row.dev_accuracy, NULL, hooks));
      /* lambda 0: no L2 term at all, even when |W|^2 overflows */
      row.objective = row.train_loss +
                      (s->train.lambda > 0 ? s->train.lambda * mlp_l2(&r->model) : 0.0);
    } else {
      row.train_loss = row.objective = NAN;
    }
    if (stopped) {
      /* Drop the partial epoch: the file keeps the last completed one. */
      mlp_copy(&r->model, &saved);
      optim_copy(&r->optimizer, &saved_opt);
      if (!(rc = finish(r, "interrupted", hooks, err)))
        rc = nn_error_set(err, NN_FAIL, "interrupted during epoch %ld; the file holds epoch %zu", e,
                          r->epochs_done);
      goto done;
    }
    if (!isfinite(row.objective) || (r->dev_size && !isfinite(row.dev_loss))) {
      /* The file keeps the last finite epoch's parameters, as an
       * interrupted one does: those that blew up are no model to evaluate. */
      nn_error why = {0};
      diverged(r, e, last, &row, weights_finite, &why);
      mlp_copy(&r->model, &saved);
      optim_copy(&r->optimizer, &saved_opt);
      if (!(rc = finish(r, "diverged", hooks, err))) {
        if (err) *err = why;
        rc = NN_FAIL;
      }
      goto done;
    }
    row.seconds = train_now() - t0;
    if ((rc = results_add_epoch(r, &row, err))) goto done;
    if ((rc = save(r, hooks, err))) goto done;
    if (hooks && hooks->epoch_done) hooks->epoch_done(r, hooks->ctx);
  }
  /* Final test: the model as saved, on the test images.  A stop asked
   * after the last epoch's save, or during the test, leaves it undone. */
  free(r->confusion);
  r->confusion = calloc(r->model.k * r->model.k, sizeof *r->confusion);
  if (!r->confusion) {
    rc = nn_error_set(err, NN_FAIL, "out of memory");
    goto done;
  }
  if (stop_asked(hooks) || evaluate(&r->model, &b, &ftest, NULL, test->n, &r->test_loss,
                                    &r->test_accuracy, r->confusion, hooks)) {
    free(r->confusion);
    r->confusion = NULL;
    if (!(rc = finish(r, "interrupted", hooks, err)))
      rc = nn_error_set(err, NN_FAIL, "interrupted before the final test; the file holds epoch %zu",
                        r->epochs_done);
    goto done;
  }
  r->test_n = (long)test->n;
  r->has_test = 1;
  rc = finish(r, "complete", hooks, err);
done:
  mlp_free(&saved);
  mlp_free(&grad);
  optim_free(&saved_opt);
  free(order);
  train_buffers_free(&b);
  if (ftrain.sparse) mlp_blas_threads((int)r->threads);
  train_feed_free(&ftrain);
  train_feed_free(&ftest);
  free(labels);
  return rc;
}
