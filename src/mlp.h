/* mlp.h: the one-hidden-layer perceptron -- parameters, forward pass, exact
 * gradient of the mean cross-entropy plus L2 on the weights, and the SGD step.
 *
 *   Z1 = X W1 + b1    A1 = sigmoid(Z1)    Z2 = A1 W2 + b2    P = softmax(Z2)
 *   loss = mean_r -log P[r, y_r]          objective = loss + lambda (|W1|^2 + |W2|^2)
 *
 * Every matrix product goes through GSL's BLAS interface (gsl_blas_dgemm).
 * Not here: data, batching and the epoch loop (train.c).
 */
#ifndef NN_MLP_H
#define NN_MLP_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "data.h"
#include "error.h"

typedef struct mlp {
  size_t d, h, k;         /* inputs, hidden units, classes */
  double *mem;            /* one block: W1, b1, W2, b2 in that order; owned */
  size_t size;            /* doubles in mem: d*h + h + h*k + k */
  gsl_matrix_view W1;     /* (d, h) */
  gsl_vector_view b1;     /* (h) */
  gsl_matrix_view W2;     /* (h, k) */
  gsl_vector_view b2;     /* (k) */
} mlp;

/* Allocates zeroed parameters.  NN_FAIL when out of memory. */
int mlp_init(mlp *m, size_t d, size_t h, size_t k, nn_error *err);
void mlp_free(mlp *m);

/* W1 then W2, row by row, from N(0, 1) through gsl_ran_gaussian; biases 0. */
void mlp_randomize(mlp *m, gsl_rng *rng);

/* |W1|^2 + |W2|^2 (the biases are not regularized). */
double mlp_l2(const mlp *m);

/* True when every parameter is finite. */
int mlp_finite(const mlp *m);

/* Work buffers for up to cap rows, allocated once and reused by every batch. */
typedef struct mlp_work {
  size_t cap;             /* rows */
  gsl_matrix *A1;         /* (cap, h) hidden activations */
  gsl_matrix *P;          /* (cap, k) log-probabilities, then dZ2 */
  gsl_matrix *dA1;        /* (cap, h) gradient w.r.t. Z1 */
  double *logp;           /* (cap) -log P[r, y_r] */
  /* the sparse first layer's, after mlp_work_sparse() */
  int threads;            /* for the sparse products */
  double *corr;           /* (h) the rank-one correction */
  void *spmm_work;        /* panels of spmm() */
  size_t *tptr;           /* (d + 1) the batch's pixels transposed: rows = pixels */
  uint32_t *tcol;         /* (cap * d) batch row of each entry */
  uint8_t *tval;          /* (cap * d) */
} mlp_work;

int mlp_work_init(mlp_work *w, const mlp *m, size_t cap, nn_error *err);
/* Adds the buffers of the sparse first layer, whose products run on threads. */
int mlp_work_sparse(mlp_work *w, const mlp *m, int threads, nn_error *err);
void mlp_work_free(mlp_work *w);

/* The input of a batch given as the non-zero raw pixels of some images,
 * normalized on the fly: x = (v - shift) * scale.  Only the two products with
 * the first layer's weights change; the rest is the dense path's code. */
typedef struct mlp_sparse_input {
  const data_sparse *S;   /* the data set's non-zero pixels */
  const size_t *rows;     /* (n) images of S in the batch */
  size_t n;
  double shift, scale;
} mlp_sparse_input;

/* Forward pass over n <= cap rows of X (n, d).  Returns the summed
 * cross-entropy of the rows; adds the number of correct argmax predictions to
 * *correct and, when confusion is not NULL, counts confusion[y * k + pred]. */
double mlp_forward(const mlp *m, mlp_work *w, const gsl_matrix *X, const uint8_t *y,
                   size_t *correct, long *confusion);

/* Forward and backward pass over the n rows of X: fills g (same shapes as m)
 * with the gradient of mean loss + lambda * mlp_l2, and returns that mean
 * loss (without the L2 term). */
double mlp_gradient(const mlp *m, mlp_work *w, const gsl_matrix *X, const uint8_t *y,
                    double lambda, mlp *g);

/* mlp_forward() and mlp_gradient() with a sparse input (mlp_work_sparse()
 * first).  Equal to the dense path up to rounding; tests/check_mlp.c checks. */
double mlp_forward_sparse(const mlp *m, mlp_work *w, const mlp_sparse_input *in,
                          const uint8_t *y, size_t *correct, long *confusion);
double mlp_gradient_sparse(const mlp *m, mlp_work *w, const mlp_sparse_input *in,
                           const uint8_t *y, double lambda, mlp *g);

/* Sets the threads of the BLAS library (OpenBLAS; a no-op for others) and
 * returns the count in use.  The sparse path runs BLAS on one thread: its
 * remaining products are small, and idle OpenBLAS workers spin on the cores
 * that the sparse products' own threads need. */
int mlp_blas_threads(int threads);

/* m -= lr * g, parameter by parameter. */
void mlp_step(mlp *m, const mlp *g, double lr);

#endif
