/* mlp.h: the multi-layer perceptron -- one parameter block laid out once,
 * layers computed in loops, the forward pass, and the exact gradient of the
 * mean cross-entropy plus L2 on the weights.
 *
 *   A0 = X    Z_l = A_{l-1} W_l + b_l    A_l = act(Z_l)          l = 1 .. L
 *   P = softmax(A_L W_{L+1} + b_{L+1})
 *   loss = mean_r -log P[r, y_r]         objective = loss + lambda sum_l |W_l|^2
 *
 * L = 0 hidden layers is softmax regression.  Every matrix product goes
 * through GSL's BLAS interface (gsl_blas_dgemm, or gsl_blas_sgemm for a
 * float32 model: then the parameters, the work buffers and every pass are
 * single precision, and only losses are summed in double), except two with a
 * sparse input: the first layer's forward product X W1 and its weight
 * gradient X^T dZ1, which run over the non-zero pixels (spmm.h, on threads of
 * their own).  Element-wise work (bias, activations, softmax) is in vmath.h
 * and plain loops.
 * Not here: data sets, specs, batching, optimizers (optim.c) and the epoch
 * loop (train.c).
 */
#ifndef NN_MLP_H
#define NN_MLP_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "error.h"
#include "spmm.h"

#define MLP_HIDDEN_MAX 8                    /* hidden layers at most */
#define MLP_LAYERS_MAX (MLP_HIDDEN_MAX + 1) /* affine maps at most */
#define MLP_PARAMS_MAX ((size_t)1 << 28)    /* parameters at most: 2 GiB in float64 */

enum mlp_precision { MLP_FLOAT64, MLP_FLOAT32 };
enum mlp_act { MLP_SIGMOID, MLP_TANH, MLP_RELU };
enum mlp_init { MLP_INIT_NORMAL, MLP_INIT_XAVIER, MLP_INIT_HE };

/* An activation of the hidden layers, kann's way: its name and its kernels
 * (vmath.h), which add the bias on the way forward and sum the bias gradient
 * on the way back.  backward gets the activation's output a = act(z), from
 * which each of these derivatives follows.  Adding an activation is adding a
 * row to mlp_activations[] and a name to enum mlp_act. */
typedef struct mlp_activation {
  const char *name;
  /* z (n, h) row stride ld: z = act(z + b) in place */
  void (*forward)(double *z, size_t n, size_t h, size_t ld, const double *b);
  void (*forwardf)(float *z, size_t n, size_t h, size_t ld, const float *b);
  /* d (n, h): dL/dA in, dL/dZ out; db (h) = its column sums */
  void (*backward)(double *d, size_t ldd, const double *a, size_t lda, size_t n, size_t h,
                   double *db);
  void (*backwardf)(float *d, size_t ldd, const float *a, size_t lda, size_t n, size_t h,
                    float *db);
} mlp_activation;

/* Indexed by enum mlp_act. */
extern const mlp_activation mlp_activations[];
extern const size_t mlp_nactivations;

/* One affine map: W (in, out) and b (out), row-major, at element offsets w
 * and b of the parameter block. */
typedef struct mlp_layer {
  size_t in, out;
  size_t w, b;
} mlp_layer;

/* The model.  The parameter block holds W1, b1, W2, b2, ... in that order;
 * with one hidden layer that is the reference's layout. */
typedef struct mlp {
  size_t nlayers;                    /* affine maps: hidden layers + 1 */
  mlp_layer layer[MLP_LAYERS_MAX];
  size_t d, k;                       /* inputs, classes */
  int act;                           /* enum mlp_act, of every hidden layer */
  int precision;                     /* enum mlp_precision */
  size_t size;                       /* parameters */
  size_t elem;                       /* bytes of one: 8 or 4 */
  void *mem;                         /* owned: double[size] or float[size] */
} mlp;

/* Allocates zeroed parameters for d inputs, nhidden hidden layers of the
 * given widths and k classes.  NN_BADINPUT for an empty layer, too many
 * layers or more than MLP_PARAMS_MAX parameters; NN_FAIL when out of memory. */
int mlp_init(mlp *m, size_t d, const size_t *hidden, size_t nhidden, size_t k, int act,
             int precision, nn_error *err);
/* Zeroed parameters of m's shape and precision (gradients, optimizer state). */
int mlp_init_like(mlp *g, const mlp *m, nn_error *err);
void mlp_free(mlp *m);

/* Element i of the block (offsets from mlp_layer); W_l is at layer[l - 1].w. */
double *mlp_f64(const mlp *m, size_t i);
float *mlp_f32(const mlp *m, size_t i);

/* "784-300-10": the widths from input to output. */
void mlp_shape_text(const mlp *m, char *buf, size_t n);

/* Draws W1, W2, ... in that order, each row by row, from one RNG stream:
 * normal: N(0, 1) (the reference); xavier: N(0, 2 / (in + out)); he:
 * N(0, 2 / in), through gsl_ran_gaussian (float32: the same draws rounded to
 * float).  Biases 0. */
void mlp_randomize(mlp *m, int init, gsl_rng *rng);

/* sum_l |W_l|^2 (biases are not regularized), each matrix summed in double
 * in order, then added up from W1. */
double mlp_l2(const mlp *m);

/* True when every parameter is finite. */
int mlp_finite(const mlp *m);

/* dst's parameters = src's (same shape and precision). */
void mlp_copy(mlp *dst, const mlp *src);

/* A batch of n rows, tagged by how the first layer reads it. */
typedef struct mlp_input {
  enum { MLP_DENSE, MLP_SPARSE } kind;
  size_t n;
  /* dense: (n, d) row-major, double or float as the model */
  const void *x;
  /* sparse: the raw pixel bytes of the rows (R.n = n, R.d = d), normalized
   * on the fly: x = (v - shift) * scale */
  spmm_matrix R;
  double shift, scale;
} mlp_input;

/* Work buffers for batches of up to cap rows, allocated once and reused by
 * every batch, in the model's precision. */
typedef struct mlp_work {
  size_t cap;                        /* rows */
  void *A[MLP_LAYERS_MAX];           /* (cap, out_l): activations; the last
                                      * layer's: log-probabilities, then dZ */
  void *D[MLP_LAYERS_MAX];           /* (cap, out_l) of hidden layers: dL/dA, then dL/dZ */
  double *logp;                      /* (cap) -log P[r, y_r] */
  /* the sparse first layer's, after mlp_work_sparse() */
  int threads;                       /* for the sparse products */
  void *corr;                        /* (out_1) the rank-one correction */
  void *spmm_work;                   /* panels of spmm() */
  size_t *tptr;                      /* (d + 1) the batch transposed: rows = pixels */
  uint32_t *tcol;                    /* (cap * d) batch row of each entry */
  uint8_t *tval;                     /* (cap * d) */
} mlp_work;

int mlp_work_init(mlp_work *w, const mlp *m, size_t cap, nn_error *err);
/* Adds the buffers of a sparse first layer, whose products run on threads. */
int mlp_work_sparse(mlp_work *w, const mlp *m, int threads, nn_error *err);
void mlp_work_free(mlp_work *w);

/* Forward pass over in's n <= cap rows.  Returns the summed cross-entropy;
 * adds the number of correct argmax predictions to *correct and, when
 * confusion is not NULL, counts confusion[y * k + pred].  A sparse input
 * needs mlp_work_sparse(); it equals the dense one up to rounding. */
double mlp_forward(const mlp *m, mlp_work *w, const mlp_input *in, const uint8_t *y,
                   size_t *correct, long *confusion);

/* Forward and backward pass: fills g (mlp_init_like(m)) with the gradient of
 * mean loss + lambda * mlp_l2 and returns that mean loss (without the L2
 * term). */
double mlp_gradient(const mlp *m, mlp_work *w, const mlp_input *in, const uint8_t *y,
                    double lambda, mlp *g);

/* Sets the threads of the BLAS library (OpenBLAS; a no-op for others) and
 * returns the count in use.  The sparse path runs BLAS on one thread: its
 * remaining products are small, and idle OpenBLAS workers spin on the cores
 * that the sparse products' own threads need. */
int mlp_blas_threads(int threads);

#endif
