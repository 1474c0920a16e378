/* mlp.h: the one-hidden-layer perceptron -- parameters, forward pass, exact
 * gradient of the mean cross-entropy plus L2 on the weights, and the SGD step.
 *
 *   Z1 = X W1 + b1    A1 = sigmoid(Z1)    Z2 = A1 W2 + b2    P = softmax(Z2)
 *   loss = mean_r -log P[r, y_r]          objective = loss + lambda (|W1|^2 + |W2|^2)
 *
 * Every matrix product goes through GSL's BLAS interface (gsl_blas_dgemm, or
 * gsl_blas_sgemm for a float32 model: then the parameters, the work buffers
 * and every pass are single precision, and only losses are summed in double).
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
#include "spec.h"

typedef struct mlp {
  size_t d, h, k;         /* inputs, hidden units, classes */
  int precision;          /* enum spec_precision: which of the two blocks is used */
  size_t size;            /* parameters: d*h + h + h*k + k */
  /* float64: */
  double *mem;            /* one block: W1, b1, W2, b2 in that order; owned */
  gsl_matrix_view W1;     /* (d, h) */
  gsl_vector_view b1;     /* (h) */
  gsl_matrix_view W2;     /* (h, k) */
  gsl_vector_view b2;     /* (k) */
  /* float32: the same layout in floats (mem is then NULL, and mem32 NULL
   * for float64) */
  float *mem32;           /* owned */
  gsl_matrix_float_view W1f;  /* (d, h) */
  gsl_vector_float_view b1f;  /* (h) */
  gsl_matrix_float_view W2f;  /* (h, k) */
  gsl_vector_float_view b2f;  /* (k) */
} mlp;

/* Allocates zeroed float64 parameters.  NN_FAIL when out of memory. */
int mlp_init(mlp *m, size_t d, size_t h, size_t k, nn_error *err);
/* The same in either precision (enum spec_precision). */
int mlp_init_precision(mlp *m, size_t d, size_t h, size_t k, int precision, nn_error *err);
void mlp_free(mlp *m);

/* W1 then W2, row by row, from N(0, 1) through gsl_ran_gaussian (float32:
 * the same draws rounded to float); biases 0. */
void mlp_randomize(mlp *m, gsl_rng *rng);

/* |W1|^2 + |W2|^2 (the biases are not regularized), summed in double. */
double mlp_l2(const mlp *m);

/* True when every parameter is finite. */
int mlp_finite(const mlp *m);

/* Work buffers for up to cap rows, allocated once and reused by every batch,
 * in the model's precision: A1, P, dA1 for float64, A1f, Pf, dA1f for float32. */
typedef struct mlp_work {
  size_t cap;             /* rows */
  gsl_matrix *A1;         /* (cap, h) hidden activations */
  gsl_matrix *P;          /* (cap, k) log-probabilities, then dZ2 */
  gsl_matrix *dA1;        /* (cap, h) gradient w.r.t. Z1 */
  gsl_matrix_float *A1f, *Pf, *dA1f;  /* the same for float32 */
  double *logp;           /* (cap) -log P[r, y_r] */
  /* the sparse first layer's, after mlp_work_sparse() */
  int threads;            /* for the sparse products */
  double *corr;           /* (h) the rank-one correction (floats for float32) */
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

/* The same two for a float32 model (g float32 too): the passes are the
 * float64 ones' code in single precision; the returned losses are summed
 * in double. */
double mlp_forward_f(const mlp *m, mlp_work *w, const gsl_matrix_float *X, const uint8_t *y,
                     size_t *correct, long *confusion);
double mlp_gradient_f(const mlp *m, mlp_work *w, const gsl_matrix_float *X, const uint8_t *y,
                      double lambda, mlp *g);

/* mlp_forward() and mlp_gradient() with a sparse input (mlp_work_sparse()
 * first), in the model's precision.  Equal to the dense path up to rounding;
 * tests/check_mlp.c checks. */
double mlp_forward_sparse(const mlp *m, mlp_work *w, const mlp_sparse_input *in,
                          const uint8_t *y, size_t *correct, long *confusion);
double mlp_gradient_sparse(const mlp *m, mlp_work *w, const mlp_sparse_input *in,
                           const uint8_t *y, double lambda, mlp *g);

/* Sets the threads of the BLAS library (OpenBLAS; a no-op for others) and
 * returns the count in use.  The sparse path runs BLAS on one thread: its
 * remaining products are small, and idle OpenBLAS workers spin on the cores
 * that the sparse products' own threads need. */
int mlp_blas_threads(int threads);

/* m -= lr * g, parameter by parameter (g of m's precision). */
void mlp_step(mlp *m, const mlp *g, double lr);

/* dst's parameters = src's (same shape and precision). */
void mlp_copy(mlp *dst, const mlp *src);

#endif
