/* mlp.c: the multi-layer perceptron's arithmetic (see mlp.h): parameter
 * block, initialization, forward pass and backpropagation, each written once
 * as a loop over layers.  The precision is a tag: the few steps that touch
 * numbers one by one (the softmax, column sums, the L2 gradient) have a
 * double and a float function side by side; everything else dispatches on
 * m->precision.  It knows nothing of files, data sets or epochs.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>

#include "mlp.h"
#include "vmath.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int);
#endif
#ifdef HAVE_OPENBLAS_GET_NUM_THREADS
int openblas_get_num_threads(void);
#endif

int mlp_blas_threads(int threads) {
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  openblas_set_num_threads(threads);
#endif
#ifdef HAVE_OPENBLAS_GET_NUM_THREADS
  return openblas_get_num_threads();
#else
  (void)threads;
  return 1; /* the reference CBLAS runs on one thread */
#endif
}

const mlp_activation mlp_activations[] = {
    [MLP_SIGMOID] = {"sigmoid", vmath_bias_sigmoid, vmath_bias_sigmoidf, vmath_sigmoid_backward,
                     vmath_sigmoid_backwardf},
    [MLP_TANH] = {"tanh", vmath_bias_tanh, vmath_bias_tanhf, vmath_tanh_backward,
                  vmath_tanh_backwardf},
    [MLP_RELU] = {"relu", vmath_bias_relu, vmath_bias_reluf, vmath_relu_backward,
                  vmath_relu_backwardf},
};
const size_t mlp_nactivations = sizeof mlp_activations / sizeof mlp_activations[0];

/* ---------------------------------------------------------------- the block */

int mlp_init(mlp *m, size_t d, const size_t *hidden, size_t nhidden, size_t k, int act,
             int precision, nn_error *err) {
  memset(m, 0, sizeof *m);
  if (nhidden > MLP_HIDDEN_MAX)
    return nn_error_set(err, NN_BADINPUT, "%zu hidden layers; at most %d are supported",
                        nhidden, MLP_HIDDEN_MAX);
  if ((size_t)act >= mlp_nactivations)
    return nn_error_set(err, NN_BADINPUT, "unknown activation %d", act);
  m->d = d;
  m->k = k;
  m->act = act;
  m->precision = precision;
  m->elem = precision == MLP_FLOAT32 ? sizeof(float) : sizeof(double);
  m->nlayers = nhidden + 1;
  size_t in = d, at = 0;
  for (size_t l = 0; l < m->nlayers; l++) {
    const size_t out = l < nhidden ? hidden[l] : k;
    if (in == 0 || out == 0) {
      char shape[32 * MLP_LAYERS_MAX];
      m->layer[l].in = in; /* for the message's shape only */
      m->layer[l].out = out;
      m->nlayers = l + 1;
      mlp_shape_text(m, shape, sizeof shape);
      memset(m, 0, sizeof *m);
      return nn_error_set(err, NN_BADINPUT, "model shape %s has an empty layer", shape);
    }
    /* at + in * out + out <= MLP_PARAMS_MAX, without overflow */
    if (in > MLP_PARAMS_MAX / out || in * out + out > MLP_PARAMS_MAX - at) {
      memset(m, 0, sizeof *m);
      return nn_error_set(err, NN_BADINPUT,
                          "layer %zu (%zu x %zu) takes the model beyond the %zu parameters "
                          "nnrun handles",
                          l + 1, in, out, (size_t)MLP_PARAMS_MAX);
    }
    m->layer[l] = (mlp_layer){.in = in, .out = out, .w = at, .b = at + in * out};
    at += in * out + out;
    in = out;
  }
  m->size = at;
  m->mem = calloc(m->size, m->elem);
  if (!m->mem) {
    char shape[32 * MLP_LAYERS_MAX];
    mlp_shape_text(m, shape, sizeof shape);
    memset(m, 0, sizeof *m);
    return nn_error_set(err, NN_FAIL, "out of memory for a %s model", shape);
  }
  return NN_OK;
}

int mlp_init_like(mlp *g, const mlp *m, nn_error *err) {
  size_t hidden[MLP_HIDDEN_MAX];
  for (size_t l = 0; l + 1 < m->nlayers; l++) hidden[l] = m->layer[l].out;
  return mlp_init(g, m->d, hidden, m->nlayers - 1, m->k, m->act, m->precision, err);
}

void mlp_free(mlp *m) {
  if (!m) return;
  free(m->mem);
  memset(m, 0, sizeof *m);
}

double *mlp_f64(const mlp *m, size_t i) { return (double *)m->mem + i; }
float *mlp_f32(const mlp *m, size_t i) { return (float *)m->mem + i; }

void mlp_shape_text(const mlp *m, char *buf, size_t n) {
  size_t at = 0;
  if (n == 0) return;
  buf[0] = '\0';
  for (size_t l = 0; l < m->nlayers && at < n; l++) {
    if (l == 0) at += (size_t)snprintf(buf + at, n - at, "%zu", m->layer[0].in);
    if (at < n) at += (size_t)snprintf(buf + at, n - at, "-%zu", m->layer[l].out);
  }
}

void mlp_randomize(mlp *m, int init, gsl_rng *rng) {
  memset(m->mem, 0, m->size * m->elem); /* the biases */
  for (size_t l = 0; l < m->nlayers; l++) {
    const mlp_layer *L = &m->layer[l];
    const double sigma = init == MLP_INIT_XAVIER ? sqrt(2.0 / (double)(L->in + L->out))
                         : init == MLP_INIT_HE   ? sqrt(2.0 / (double)L->in)
                                                 : 1.0;
    const size_t n = L->in * L->out;
    if (m->precision == MLP_FLOAT32) { /* the same draws, rounded to float */
      float *W = mlp_f32(m, L->w);
      for (size_t i = 0; i < n; i++) W[i] = (float)gsl_ran_gaussian(rng, sigma);
    } else {
      double *W = mlp_f64(m, L->w);
      for (size_t i = 0; i < n; i++) W[i] = gsl_ran_gaussian(rng, sigma);
    }
  }
}

double mlp_l2(const mlp *m) {
  double total = 0.0;
  for (size_t l = 0; l < m->nlayers; l++) {
    const size_t n = m->layer[l].in * m->layer[l].out;
    double s = 0.0;
    if (m->precision == MLP_FLOAT32) {
      const float *W = mlp_f32(m, m->layer[l].w);
      for (size_t i = 0; i < n; i++) s += (double)W[i] * (double)W[i];
    } else {
      const double *W = mlp_f64(m, m->layer[l].w);
      for (size_t i = 0; i < n; i++) s += W[i] * W[i];
    }
    total += s;
  }
  return total;
}

int mlp_finite(const mlp *m) {
  if (m->precision == MLP_FLOAT32) {
    const float *p = m->mem;
    for (size_t i = 0; i < m->size; i++)
      if (!isfinite(p[i])) return 0;
    return 1;
  }
  const double *p = m->mem;
  for (size_t i = 0; i < m->size; i++)
    if (!isfinite(p[i])) return 0;
  return 1;
}

void mlp_copy(mlp *dst, const mlp *src) { memcpy(dst->mem, src->mem, src->size * src->elem); }

/* ---------------------------------------------------------------- work */

int mlp_work_init(mlp_work *w, const mlp *m, size_t cap, nn_error *err) {
  memset(w, 0, sizeof *w);
  w->cap = cap;
  int ok = (w->logp = malloc(cap * sizeof *w->logp)) != NULL;
  for (size_t l = 0; ok && l < m->nlayers; l++) {
    ok = (w->A[l] = malloc(cap * m->layer[l].out * m->elem)) != NULL;
    if (ok && l + 1 < m->nlayers) ok = (w->D[l] = malloc(cap * m->layer[l].out * m->elem)) != NULL;
  }
  if (!ok) {
    mlp_work_free(w);
    return nn_error_set(err, NN_FAIL, "out of memory for work buffers of %zu rows", cap);
  }
  return NN_OK;
}

int mlp_work_sparse(mlp_work *w, const mlp *m, int threads, nn_error *err) {
  w->threads = threads < 1 ? 1 : threads;
  const size_t panels = spmm_work_size(m->d > w->cap ? m->d : w->cap, w->threads);
  w->corr = malloc(m->layer[0].out * m->elem);
  w->spmm_work = aligned_alloc(64, (panels + 63) / 64 * 64);
  w->tptr = malloc((m->d + 1) * sizeof *w->tptr);
  w->tcol = malloc(w->cap * m->d * sizeof *w->tcol);
  w->tval = malloc(w->cap * m->d);
  if (!w->corr || !w->spmm_work || !w->tptr || !w->tcol || !w->tval) {
    const size_t rows = w->cap; /* mlp_work_free() zeroes w */
    mlp_work_free(w);
    return nn_error_set(err, NN_FAIL, "out of memory for the sparse buffers of %zu row%s", rows,
                        rows == 1 ? "" : "s");
  }
  return NN_OK;
}

void mlp_work_free(mlp_work *w) {
  if (!w) return;
  free(w->corr);
  free(w->spmm_work);
  free(w->tptr);
  free(w->tcol);
  free(w->tval);
  for (size_t l = 0; l < MLP_LAYERS_MAX; l++) {
    free(w->A[l]);
    free(w->D[l]);
  }
  free(w->logp);
  memset(w, 0, sizeof *w);
}

/* ---------------------------------------------------------------- products */

/* A row-major matrix in the model's precision. */
typedef struct mat {
  void *p;
  size_t rows, cols, ld;
} mat;

static mat mat_of(void *p, size_t rows, size_t cols) {
  return (mat){.p = p, .rows = rows, .cols = cols, .ld = cols};
}

/* C = op(A) op(B) + beta C, through GSL's BLAS in the model's precision. */
static void gemm(int precision, CBLAS_TRANSPOSE_t ta, CBLAS_TRANSPOSE_t tb, const mat *A,
                 const mat *B, double beta, const mat *C) {
  if (precision == MLP_FLOAT32) {
    gsl_matrix_float_view a = gsl_matrix_float_view_array_with_tda(A->p, A->rows, A->cols, A->ld);
    gsl_matrix_float_view b = gsl_matrix_float_view_array_with_tda(B->p, B->rows, B->cols, B->ld);
    gsl_matrix_float_view c = gsl_matrix_float_view_array_with_tda(C->p, C->rows, C->cols, C->ld);
    gsl_blas_sgemm(ta, tb, 1.0f, &a.matrix, &b.matrix, (float)beta, &c.matrix);
  } else {
    gsl_matrix_view a = gsl_matrix_view_array_with_tda(A->p, A->rows, A->cols, A->ld);
    gsl_matrix_view b = gsl_matrix_view_array_with_tda(B->p, B->rows, B->cols, B->ld);
    gsl_matrix_view c = gsl_matrix_view_array_with_tda(C->p, C->rows, C->cols, C->ld);
    gsl_blas_dgemm(ta, tb, 1.0, &a.matrix, &b.matrix, beta, &c.matrix);
  }
}

static mat weights(const mlp *m, size_t l) {
  return mat_of((char *)m->mem + m->layer[l].w * m->elem, m->layer[l].in, m->layer[l].out);
}

static void *bias(const mlp *m, size_t l) { return (char *)m->mem + m->layer[l].b * m->elem; }

/* The first layer's product with a sparse input, into out (n, h = out_1):
 *   X W1 = (R W1 - shift 1 colsum(W1)) scale. */
static void sparse_first_product(const mlp *m, mlp_work *w, const mlp_input *in, void *out) {
  const mat W = weights(m, 0);
  const size_t h = W.cols;
  if (m->precision == MLP_FLOAT32) {
    float *corr = w->corr;
    const float *M = W.p, shift = (float)in->shift;
    memset(corr, 0, h * sizeof *corr);
    for (size_t r = 0; r < W.rows; r++)
      for (size_t c = 0; c < h; c++) corr[c] += M[r * h + c];
    for (size_t c = 0; c < h; c++) corr[c] *= shift;
    spmm_f(&in->R, M, h, h, corr, (float)in->scale, 0.0f, out, h, w->threads, w->spmm_work);
  } else {
    double *corr = w->corr;
    const double *M = W.p, shift = in->shift;
    memset(corr, 0, h * sizeof *corr);
    for (size_t r = 0; r < W.rows; r++)
      for (size_t c = 0; c < h; c++) corr[c] += M[r * h + c];
    for (size_t c = 0; c < h; c++) corr[c] *= shift;
    spmm(&in->R, M, h, h, corr, in->scale, 0.0, out, h, w->threads, w->spmm_work);
  }
}

/* dW1 += X^T dZ1 for a sparse input: (R^T dZ1 - shift 1 colsum(dZ1)) scale,
 * where colsum(dZ1) is db1, already in g. */
static void sparse_input_gradient(const mlp *m, mlp_work *w, const mlp_input *in, const void *dZ,
                                  mlp *g) {
  const size_t n = in->n, d = m->d, h = m->layer[0].out;
  const spmm_matrix *R = &in->R;
  /* R^T for the batch: pixel j's entries are (batch row, value), rows in order */
  memset(w->tptr, 0, (d + 1) * sizeof *w->tptr);
  for (size_t r = 0; r < n; r++) {
    const size_t q = R->rows ? R->rows[r] : r;
    for (size_t e = R->ptr[q]; e < R->ptr[q + 1]; e++) w->tptr[R->col[e] + 1]++;
  }
  for (size_t j = 0; j < d; j++) w->tptr[j + 1] += w->tptr[j];
  for (size_t r = 0; r < n; r++) {
    const size_t q = R->rows ? R->rows[r] : r;
    for (size_t e = R->ptr[q]; e < R->ptr[q + 1]; e++) {
      const size_t at = w->tptr[R->col[e]]++;
      w->tcol[at] = (uint32_t)r;
      w->tval[at] = R->val[e];
    }
  }
  for (size_t j = d; j > 0; j--) w->tptr[j] = w->tptr[j - 1]; /* back to starts */
  w->tptr[0] = 0;

  const spmm_matrix RT = {.n = d, .d = n, .ptr = w->tptr, .col = w->tcol, .val = w->tval};
  const mat gW = weights(g, 0);
  if (m->precision == MLP_FLOAT32) {
    float *corr = w->corr;
    const float *db = bias(g, 0);
    for (size_t c = 0; c < h; c++) corr[c] = (float)in->shift * db[c];
    spmm_f(&RT, dZ, h, h, corr, (float)in->scale, 1.0f, gW.p, h, w->threads, w->spmm_work);
  } else {
    double *corr = w->corr;
    const double *db = bias(g, 0);
    for (size_t c = 0; c < h; c++) corr[c] = in->shift * db[c];
    spmm(&RT, dZ, h, h, corr, in->scale, 1.0, gW.p, h, w->threads, w->spmm_work);
  }
}

/* ---------------------------------------------------------------- the output layer */

/* Z (n, k) += b, then Z = log softmax(Z), row by row, shifted by the row
 * maximum.  Returns the summed -log P[r, y_r] (each in logp) and counts the
 * argmax predictions. */
static double log_softmax(double *Z, size_t n, size_t k, const double *b, const uint8_t *y,
                          double *logp, size_t *correct, long *confusion) {
  double loss = 0.0;
  for (size_t r = 0; r < n; r++) {
    double *z = Z + r * k;
    size_t best = 0;
    for (size_t c = 0; c < k; c++) {
      z[c] += b[c];
      if (z[c] > z[best]) best = c;
    }
    double s = 0.0;
    for (size_t c = 0; c < k; c++) s += exp(z[c] - z[best]);
    const double lse = z[best] + log(s);
    for (size_t c = 0; c < k; c++) z[c] -= lse;
    logp[r] = -z[y[r]];
    loss += logp[r];
    if (best == y[r]) (*correct)++;
    if (confusion) confusion[y[r] * k + best]++;
  }
  return loss;
}

/* The same over floats; the loss is summed in double. */
static double log_softmax_f(float *Z, size_t n, size_t k, const float *b, const uint8_t *y,
                            double *logp, size_t *correct, long *confusion) {
  double loss = 0.0;
  for (size_t r = 0; r < n; r++) {
    float *z = Z + r * k;
    size_t best = 0;
    for (size_t c = 0; c < k; c++) {
      z[c] += b[c];
      if (z[c] > z[best]) best = c;
    }
    float s = 0.0f;
    for (size_t c = 0; c < k; c++) s += expf(z[c] - z[best]);
    const float lse = z[best] + logf(s);
    for (size_t c = 0; c < k; c++) z[c] -= lse;
    logp[r] = -z[y[r]];
    loss += logp[r];
    if (best == y[r]) (*correct)++;
    if (confusion) confusion[y[r] * k + best]++;
  }
  return loss;
}

/* Log-probabilities (n, k) -> dZ = (softmax - onehot(y)) / n, in place. */
static void softmax_delta(double *Z, size_t n, size_t k, const uint8_t *y) {
  for (size_t r = 0; r < n; r++) {
    double *z = Z + r * k;
    for (size_t c = 0; c < k; c++) z[c] = exp(z[c]) / (double)n;
    z[y[r]] -= 1.0 / (double)n;
  }
}

static void softmax_delta_f(float *Z, size_t n, size_t k, const uint8_t *y) {
  for (size_t r = 0; r < n; r++) {
    float *z = Z + r * k;
    for (size_t c = 0; c < k; c++) z[c] = expf(z[c]) / (float)n;
    z[y[r]] -= 1.0f / (float)n;
  }
}

/* ---------------------------------------------------------------- the passes */

/* The input as layer 1's left operand (dense only). */
static mat input_mat(const mlp *m, const mlp_input *in) {
  return (mat){.p = (void *)in->x, .rows = in->n, .cols = m->d, .ld = m->d};
}

double mlp_forward(const mlp *m, mlp_work *w, const mlp_input *in, const uint8_t *y,
                   size_t *correct, long *confusion) {
  const size_t n = in->n, last = m->nlayers - 1;
  for (size_t l = 0; l < m->nlayers; l++) {
    const mat Z = mat_of(w->A[l], n, m->layer[l].out);
    const mat W = weights(m, l);
    if (l > 0) {
      const mat A = mat_of(w->A[l - 1], n, m->layer[l].in);
      gemm(m->precision, CblasNoTrans, CblasNoTrans, &A, &W, 0.0, &Z);
    } else if (in->kind == MLP_SPARSE) {
      sparse_first_product(m, w, in, Z.p);
    } else {
      const mat X = input_mat(m, in);
      gemm(m->precision, CblasNoTrans, CblasNoTrans, &X, &W, 0.0, &Z);
    }
    if (l == last) break;
    const mlp_activation *act = &mlp_activations[m->act];
    if (m->precision == MLP_FLOAT32)
      act->forwardf(Z.p, n, Z.cols, Z.ld, bias(m, l));
    else
      act->forward(Z.p, n, Z.cols, Z.ld, bias(m, l));
  }
  return m->precision == MLP_FLOAT32
             ? log_softmax_f(w->A[last], n, m->k, bias(m, last), y, w->logp, correct, confusion)
             : log_softmax(w->A[last], n, m->k, bias(m, last), y, w->logp, correct, confusion);
}

/* G = 2 lambda W, the gradient of the L2 term, for layer l's weights. */
static void l2_gradient(const mlp *m, size_t l, double lambda, mlp *g) {
  const size_t n = m->layer[l].in * m->layer[l].out;
  if (m->precision == MLP_FLOAT32) {
    const float *W = mlp_f32(m, m->layer[l].w), c = (float)(2.0 * lambda);
    float *G = mlp_f32(g, m->layer[l].w);
    for (size_t i = 0; i < n; i++) G[i] = c * W[i];
  } else {
    const double *W = mlp_f64(m, m->layer[l].w), c = 2.0 * lambda;
    double *G = mlp_f64(g, m->layer[l].w);
    for (size_t i = 0; i < n; i++) G[i] = c * W[i];
  }
}

/* db[j] = sum over the rows of D[r, j], in row order. */
static void column_sums(int precision, const void *D, size_t n, size_t h, void *db) {
  memset(db, 0, h * (precision == MLP_FLOAT32 ? sizeof(float) : sizeof(double)));
  for (size_t r = 0; r < n; r++) {
    if (precision == MLP_FLOAT32) {
      const float *row = (const float *)D + r * h;
      float *s = db;
      for (size_t j = 0; j < h; j++) s[j] += row[j];
    } else {
      const double *row = (const double *)D + r * h;
      double *s = db;
      for (size_t j = 0; j < h; j++) s[j] += row[j];
    }
  }
}

double mlp_gradient(const mlp *m, mlp_work *w, const mlp_input *in, const uint8_t *y,
                    double lambda, mlp *g) {
  const size_t n = in->n, last = m->nlayers - 1;
  size_t correct = 0;
  const double loss = mlp_forward(m, w, in, y, &correct, NULL) / (double)n;

  /* dZ of the output layer = (softmax - onehot(y)) / n, in place of the
   * log-probabilities; its bias gradient is its column sums */
  if (m->precision == MLP_FLOAT32)
    softmax_delta_f(w->A[last], n, m->k, y);
  else
    softmax_delta(w->A[last], n, m->k, y);
  column_sums(m->precision, w->A[last], n, m->k, bias(g, last));

  for (size_t l = last + 1; l-- > 0;) {
    const mat dZ = mat_of(l == last ? w->A[l] : w->D[l], n, m->layer[l].out);
    const mat W = weights(m, l), gW = weights(g, l);
    /* dW = 2 lambda W + A_{l-1}^T dZ */
    l2_gradient(m, l, lambda, g);
    if (l == 0) break; /* the input's product, below */
    const mat A = mat_of(w->A[l - 1], n, m->layer[l].in);
    gemm(m->precision, CblasTrans, CblasNoTrans, &A, &dZ, 1.0, &gW);
    /* dA_{l-1} = dZ W^T, then dZ_{l-1} = dA_{l-1} act'(Z_{l-1}) with its
     * bias gradient in the same pass */
    const mat D = mat_of(w->D[l - 1], n, m->layer[l].in);
    gemm(m->precision, CblasNoTrans, CblasTrans, &dZ, &W, 0.0, &D);
    const mlp_activation *act = &mlp_activations[m->act];
    if (m->precision == MLP_FLOAT32)
      act->backwardf(D.p, D.ld, w->A[l - 1], A.ld, n, D.cols, bias(g, l - 1));
    else
      act->backward(D.p, D.ld, w->A[l - 1], A.ld, n, D.cols, bias(g, l - 1));
  }

  /* dW1 += X^T dZ1 */
  void *dZ1 = m->nlayers == 1 ? w->A[0] : w->D[0];
  if (in->kind == MLP_SPARSE) {
    sparse_input_gradient(m, w, in, dZ1, g);
  } else {
    const mat X = input_mat(m, in), dZ = mat_of(dZ1, n, m->layer[0].out), gW = weights(g, 0);
    gemm(m->precision, CblasTrans, CblasNoTrans, &X, &dZ, 1.0, &gW);
  }
  return loss;
}
