/* mlp.c: the one-hidden-layer perceptron's arithmetic (see mlp.h): parameter
 * block, N(0,1) initialization, forward pass, backpropagation and SGD step.
 * It knows nothing of files, batching or epochs.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>

#include "mlp.h"
#include "spmm.h"
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

int mlp_init(mlp *m, size_t d, size_t h, size_t k, nn_error *err) {
  memset(m, 0, sizeof *m);
  if (d == 0 || h == 0 || k == 0)
    return nn_error_set(err, NN_BADINPUT, "model shape (%zu, %zu, %zu) has an empty layer",
                        d, h, k);
  m->d = d;
  m->h = h;
  m->k = k;
  m->size = d * h + h + h * k + k;
  m->mem = calloc(m->size, sizeof *m->mem);
  if (!m->mem) {
    memset(m, 0, sizeof *m);
    return nn_error_set(err, NN_FAIL, "out of memory for a %zu-%zu-%zu model", d, h, k);
  }
  double *p = m->mem;
  m->W1 = gsl_matrix_view_array(p, d, h);
  p += d * h;
  m->b1 = gsl_vector_view_array(p, h);
  p += h;
  m->W2 = gsl_matrix_view_array(p, h, k);
  p += h * k;
  m->b2 = gsl_vector_view_array(p, k);
  return NN_OK;
}

void mlp_free(mlp *m) {
  if (!m) return;
  free(m->mem);
  memset(m, 0, sizeof *m);
}

void mlp_randomize(mlp *m, gsl_rng *rng) {
  double *W1 = m->W1.matrix.data, *W2 = m->W2.matrix.data;
  for (size_t i = 0; i < m->d * m->h; i++) W1[i] = gsl_ran_gaussian(rng, 1.0);
  for (size_t i = 0; i < m->h * m->k; i++) W2[i] = gsl_ran_gaussian(rng, 1.0);
  gsl_vector_set_zero(&m->b1.vector);
  gsl_vector_set_zero(&m->b2.vector);
}

static double sum_squares(const double *x, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += x[i] * x[i];
  return s;
}

double mlp_l2(const mlp *m) {
  return sum_squares(m->W1.matrix.data, m->d * m->h) +
         sum_squares(m->W2.matrix.data, m->h * m->k);
}

int mlp_finite(const mlp *m) {
  for (size_t i = 0; i < m->size; i++)
    if (!isfinite(m->mem[i])) return 0;
  return 1;
}

int mlp_work_init(mlp_work *w, const mlp *m, size_t cap, nn_error *err) {
  memset(w, 0, sizeof *w);
  w->cap = cap;
  w->A1 = gsl_matrix_alloc(cap, m->h);
  w->P = gsl_matrix_alloc(cap, m->k);
  w->dA1 = gsl_matrix_alloc(cap, m->h);
  w->logp = malloc(cap * sizeof *w->logp);
  if (!w->A1 || !w->P || !w->dA1 || !w->logp) {
    mlp_work_free(w);
    return nn_error_set(err, NN_FAIL, "out of memory for work buffers of %zu rows", cap);
  }
  return NN_OK;
}

int mlp_work_sparse(mlp_work *w, const mlp *m, int threads, nn_error *err) {
  w->threads = threads < 1 ? 1 : threads;
  const size_t panels = spmm_work_size(m->d > w->cap ? m->d : w->cap, w->threads);
  w->corr = malloc(m->h * sizeof *w->corr);
  w->spmm_work = aligned_alloc(64, (panels + 63) / 64 * 64);
  w->tptr = malloc((m->d + 1) * sizeof *w->tptr);
  w->tcol = malloc(w->cap * m->d * sizeof *w->tcol);
  w->tval = malloc(w->cap * m->d);
  if (!w->corr || !w->spmm_work || !w->tptr || !w->tcol || !w->tval) {
    mlp_work_free(w);
    return nn_error_set(err, NN_FAIL, "out of memory for sparse buffers of %zu rows", w->cap);
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
  if (w->A1) gsl_matrix_free(w->A1);
  if (w->P) gsl_matrix_free(w->P);
  if (w->dA1) gsl_matrix_free(w->dA1);
  free(w->logp);
  memset(w, 0, sizeof *w);
}

/* The forward pass after the first product: A1 holds X W1 for n rows. */
static double forward_rest(const mlp *m, mlp_work *w, size_t n, const uint8_t *y,
                           size_t *correct, long *confusion) {
  const size_t h = m->h, k = m->k;
  gsl_matrix_view A1 = gsl_matrix_submatrix(w->A1, 0, 0, n, h); /* (n, h) */
  gsl_matrix_view P = gsl_matrix_submatrix(w->P, 0, 0, n, k);   /* (n, k) */
  const double *b2 = m->b2.vector.data;

  /* A1 = sigmoid(X W1 + b1) */
  vmath_bias_sigmoid(w->A1->data, n, h, w->A1->tda, m->b1.vector.data);

  /* P = log_softmax(A1 W2 + b2), row by row, shifted by the row maximum */
  gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &A1.matrix, &m->W2.matrix, 0.0, &P.matrix);
  double loss = 0.0;
  for (size_t r = 0; r < n; r++) {
    double *z = w->P->data + r * w->P->tda;
    size_t best = 0;
    for (size_t c = 0; c < k; c++) {
      z[c] += b2[c];
      if (z[c] > z[best]) best = c;
    }
    double s = 0.0;
    for (size_t c = 0; c < k; c++) s += exp(z[c] - z[best]);
    const double lse = z[best] + log(s);
    for (size_t c = 0; c < k; c++) z[c] -= lse;
    w->logp[r] = -z[y[r]];
    loss += w->logp[r];
    if (best == y[r]) (*correct)++;
    if (confusion) confusion[y[r] * k + best]++;
  }
  return loss;
}

double mlp_forward(const mlp *m, mlp_work *w, const gsl_matrix *X, const uint8_t *y,
                   size_t *correct, long *confusion) {
  gsl_matrix_view A1 = gsl_matrix_submatrix(w->A1, 0, 0, X->size1, m->h); /* (n, h) */
  gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, X, &m->W1.matrix, 0.0, &A1.matrix);
  return forward_rest(m, w, X->size1, y, correct, confusion);
}

/* corr = shift * colsum(M) for M (rows, h) with row stride ld. */
static void shifted_colsum(const double *M, size_t rows, size_t h, size_t ld, double shift,
                           double *corr) {
  memset(corr, 0, h * sizeof *corr);
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < h; c++) corr[c] += M[r * ld + c];
  for (size_t c = 0; c < h; c++) corr[c] *= shift;
}

/* A1 = X W1 = (R W1 - shift 1 colsum(W1)) scale, over the non-zeros of R. */
static void sparse_first_product(const mlp *m, mlp_work *w, const mlp_sparse_input *in) {
  const spmm_matrix R = {.n = in->n, .d = in->S->d, .ptr = in->S->ptr, .col = in->S->col,
                         .val = in->S->val, .rows = in->rows};
  shifted_colsum(m->W1.matrix.data, m->d, m->h, m->h, in->shift, w->corr);
  spmm(&R, m->W1.matrix.data, m->h, m->h, w->corr, in->scale, 0.0, w->A1->data, w->A1->tda,
       w->threads, w->spmm_work);
}

double mlp_forward_sparse(const mlp *m, mlp_work *w, const mlp_sparse_input *in,
                          const uint8_t *y, size_t *correct, long *confusion) {
  sparse_first_product(m, w, in);
  return forward_rest(m, w, in->n, y, correct, confusion);
}

/* g = 2 lambda W (the gradient of the L2 term), for one weight matrix. */
static void l2_gradient(const gsl_matrix *W, double lambda, gsl_matrix *G) {
  const size_t n = W->size1 * W->size2;
  for (size_t i = 0; i < n; i++) G->data[i] = 2.0 * lambda * W->data[i];
}

/* col[j] = sum over rows of M[r, j] */
static void column_sums(const gsl_matrix *M, double *col) {
  memset(col, 0, M->size2 * sizeof *col);
  for (size_t r = 0; r < M->size1; r++) {
    const double *row = M->data + r * M->tda;
    for (size_t j = 0; j < M->size2; j++) col[j] += row[j];
  }
}

/* Everything of the gradient but dW1's product with the input: after
 * the forward pass, fills g's b2, W2, b1, W1 = 2 lambda W1, and leaves dZ1 in
 * w->dA1.  Returns the mean loss. */
static double backward(const mlp *m, mlp_work *w, size_t n, const uint8_t *y, double loss_sum,
                       double lambda, mlp *g) {
  const size_t h = m->h, k = m->k;
  gsl_matrix_view A1 = gsl_matrix_submatrix(w->A1, 0, 0, n, h);  /* (n, h) */
  gsl_matrix_view dZ2 = gsl_matrix_submatrix(w->P, 0, 0, n, k);  /* (n, k) */
  gsl_matrix_view dZ1 = gsl_matrix_submatrix(w->dA1, 0, 0, n, h);/* (n, h) */

  /* dZ2 = (softmax - onehot(y)) / n, in place of the log-probabilities */
  for (size_t r = 0; r < n; r++) {
    double *z = w->P->data + r * w->P->tda;
    for (size_t c = 0; c < k; c++) z[c] = exp(z[c]) / (double)n;
    z[y[r]] -= 1.0 / (double)n;
  }

  /* dW2 = A1^T dZ2 + 2 lambda W2;  db2 = colsum(dZ2) */
  l2_gradient(&m->W2.matrix, lambda, &g->W2.matrix);
  gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &A1.matrix, &dZ2.matrix, 1.0, &g->W2.matrix);
  column_sums(&dZ2.matrix, g->b2.vector.data);

  /* dZ1 = (dZ2 W2^T) * A1 * (1 - A1), and db1 = colsum(dZ1) in the same pass */
  gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &dZ2.matrix, &m->W2.matrix, 0.0, &dZ1.matrix);
  vmath_sigmoid_backward(w->dA1->data, w->dA1->tda, w->A1->data, w->A1->tda, n, h,
                         g->b1.vector.data);

  /* dW1 = 2 lambda W1 + (the input's product, added by the caller) */
  l2_gradient(&m->W1.matrix, lambda, &g->W1.matrix);
  return loss_sum / (double)n;
}

double mlp_gradient(const mlp *m, mlp_work *w, const gsl_matrix *X, const uint8_t *y,
                    double lambda, mlp *g) {
  const size_t n = X->size1;
  size_t correct = 0;
  const double loss = backward(m, w, n, y, mlp_forward(m, w, X, y, &correct, NULL), lambda, g);
  /* dW1 += X^T dZ1 */
  gsl_matrix_view dZ1 = gsl_matrix_submatrix(w->dA1, 0, 0, n, m->h);
  gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, X, &dZ1.matrix, 1.0, &g->W1.matrix);
  return loss;
}

double mlp_gradient_sparse(const mlp *m, mlp_work *w, const mlp_sparse_input *in,
                           const uint8_t *y, double lambda, mlp *g) {
  const size_t n = in->n, d = m->d;
  size_t correct = 0;
  const double loss =
      backward(m, w, n, y, mlp_forward_sparse(m, w, in, y, &correct, NULL), lambda, g);

  /* R^T for the batch: pixel j's entries are (batch row, value), rows in order */
  const data_sparse *S = in->S;
  memset(w->tptr, 0, (d + 1) * sizeof *w->tptr);
  for (size_t r = 0; r < n; r++)
    for (size_t q = S->ptr[in->rows[r]]; q < S->ptr[in->rows[r] + 1]; q++) w->tptr[S->col[q] + 1]++;
  for (size_t j = 0; j < d; j++) w->tptr[j + 1] += w->tptr[j];
  for (size_t r = 0; r < n; r++)
    for (size_t q = S->ptr[in->rows[r]]; q < S->ptr[in->rows[r] + 1]; q++) {
      const size_t at = w->tptr[S->col[q]]++;
      w->tcol[at] = (uint32_t)r;
      w->tval[at] = S->val[q];
    }
  for (size_t j = d; j > 0; j--) w->tptr[j] = w->tptr[j - 1]; /* back to starts */
  w->tptr[0] = 0;

  /* dW1 += X^T dZ1 = (R^T dZ1 - shift 1 colsum(dZ1)) scale;  colsum(dZ1) = db1 */
  for (size_t c = 0; c < m->h; c++) w->corr[c] = in->shift * g->b1.vector.data[c];
  const spmm_matrix RT = {.n = d, .d = n, .ptr = w->tptr, .col = w->tcol, .val = w->tval};
  spmm(&RT, w->dA1->data, w->dA1->tda, m->h, w->corr, in->scale, 1.0, g->W1.matrix.data,
       m->h, w->threads, w->spmm_work);
  return loss;
}

void mlp_step(mlp *m, const mlp *g, double lr) {
  for (size_t i = 0; i < m->size; i++) m->mem[i] -= lr * g->mem[i];
}
