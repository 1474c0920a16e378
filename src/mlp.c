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

void mlp_work_free(mlp_work *w) {
  if (!w) return;
  if (w->A1) gsl_matrix_free(w->A1);
  if (w->P) gsl_matrix_free(w->P);
  if (w->dA1) gsl_matrix_free(w->dA1);
  free(w->logp);
  memset(w, 0, sizeof *w);
}

/* 1 / (1 + e^-z) without overflow: exp() only ever sees a non-positive argument. */
static inline double sigmoid(double z) {
  if (z >= 0.0) return 1.0 / (1.0 + exp(-z));
  double e = exp(z);
  return e / (1.0 + e);
}

double mlp_forward(const mlp *m, mlp_work *w, const gsl_matrix *X, const uint8_t *y,
                   size_t *correct, long *confusion) {
  const size_t n = X->size1, h = m->h, k = m->k;
  gsl_matrix_view A1 = gsl_matrix_submatrix(w->A1, 0, 0, n, h); /* (n, h) */
  gsl_matrix_view P = gsl_matrix_submatrix(w->P, 0, 0, n, k);   /* (n, k) */
  const double *b1 = m->b1.vector.data, *b2 = m->b2.vector.data;

  /* A1 = sigmoid(X W1 + b1) */
  gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, X, &m->W1.matrix, 0.0, &A1.matrix);
  for (size_t r = 0; r < n; r++) {
    double *a = w->A1->data + r * w->A1->tda;
    for (size_t j = 0; j < h; j++) a[j] = sigmoid(a[j] + b1[j]);
  }

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

double mlp_gradient(const mlp *m, mlp_work *w, const gsl_matrix *X, const uint8_t *y,
                    double lambda, mlp *g) {
  const size_t n = X->size1, h = m->h, k = m->k;
  size_t correct = 0;
  const double loss = mlp_forward(m, w, X, y, &correct, NULL) / (double)n;
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

  /* dZ1 = (dZ2 W2^T) * A1 * (1 - A1) */
  gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &dZ2.matrix, &m->W2.matrix, 0.0, &dZ1.matrix);
  for (size_t r = 0; r < n; r++) {
    double *dz = w->dA1->data + r * w->dA1->tda;
    const double *a = w->A1->data + r * w->A1->tda;
    for (size_t j = 0; j < h; j++) dz[j] *= a[j] * (1.0 - a[j]);
  }

  /* dW1 = X^T dZ1 + 2 lambda W1;  db1 = colsum(dZ1) */
  l2_gradient(&m->W1.matrix, lambda, &g->W1.matrix);
  gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, X, &dZ1.matrix, 1.0, &g->W1.matrix);
  column_sums(&dZ1.matrix, g->b1.vector.data);
  return loss;
}

void mlp_step(mlp *m, const mlp *g, double lr) {
  for (size_t i = 0; i < m->size; i++) m->mem[i] -= lr * g->mem[i];
}
