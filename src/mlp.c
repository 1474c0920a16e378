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
  return mlp_init_precision(m, d, h, k, SPEC_PREC_FLOAT64, err);
}

int mlp_init_precision(mlp *m, size_t d, size_t h, size_t k, int precision, nn_error *err) {
  memset(m, 0, sizeof *m);
  if (d == 0 || h == 0 || k == 0)
    return nn_error_set(err, NN_BADINPUT, "model shape (%zu, %zu, %zu) has an empty layer",
                        d, h, k);
  m->d = d;
  m->h = h;
  m->k = k;
  m->size = d * h + h + h * k + k;
  m->precision = precision;
  if (precision == SPEC_PREC_FLOAT32) {
    m->mem32 = calloc(m->size, sizeof *m->mem32);
    if (!m->mem32) {
      memset(m, 0, sizeof *m);
      return nn_error_set(err, NN_FAIL, "out of memory for a %zu-%zu-%zu model", d, h, k);
    }
    float *p = m->mem32;
    m->W1f = gsl_matrix_float_view_array(p, d, h);
    p += d * h;
    m->b1f = gsl_vector_float_view_array(p, h);
    p += h;
    m->W2f = gsl_matrix_float_view_array(p, h, k);
    p += h * k;
    m->b2f = gsl_vector_float_view_array(p, k);
    return NN_OK;
  }
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
  free(m->mem32);
  memset(m, 0, sizeof *m);
}

void mlp_randomize(mlp *m, gsl_rng *rng) {
  if (m->precision == SPEC_PREC_FLOAT32) { /* the same draws, rounded to float */
    float *W1 = m->W1f.matrix.data, *W2 = m->W2f.matrix.data;
    for (size_t i = 0; i < m->d * m->h; i++) W1[i] = (float)gsl_ran_gaussian(rng, 1.0);
    for (size_t i = 0; i < m->h * m->k; i++) W2[i] = (float)gsl_ran_gaussian(rng, 1.0);
    gsl_vector_float_set_zero(&m->b1f.vector);
    gsl_vector_float_set_zero(&m->b2f.vector);
    return;
  }
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

/* The same in double over floats. */
static double sum_squares_f(const float *x, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += (double)x[i] * (double)x[i];
  return s;
}

double mlp_l2(const mlp *m) {
  if (m->precision == SPEC_PREC_FLOAT32)
    return sum_squares_f(m->W1f.matrix.data, m->d * m->h) +
           sum_squares_f(m->W2f.matrix.data, m->h * m->k);
  return sum_squares(m->W1.matrix.data, m->d * m->h) +
         sum_squares(m->W2.matrix.data, m->h * m->k);
}

int mlp_finite(const mlp *m) {
  if (m->precision == SPEC_PREC_FLOAT32) {
    for (size_t i = 0; i < m->size; i++)
      if (!isfinite(m->mem32[i])) return 0;
    return 1;
  }
  for (size_t i = 0; i < m->size; i++)
    if (!isfinite(m->mem[i])) return 0;
  return 1;
}

int mlp_work_init(mlp_work *w, const mlp *m, size_t cap, nn_error *err) {
  memset(w, 0, sizeof *w);
  w->cap = cap;
  if (m->precision == SPEC_PREC_FLOAT32) {
    w->A1f = gsl_matrix_float_alloc(cap, m->h);
    w->Pf = gsl_matrix_float_alloc(cap, m->k);
    w->dA1f = gsl_matrix_float_alloc(cap, m->h);
  } else {
    w->A1 = gsl_matrix_alloc(cap, m->h);
    w->P = gsl_matrix_alloc(cap, m->k);
    w->dA1 = gsl_matrix_alloc(cap, m->h);
  }
  w->logp = malloc(cap * sizeof *w->logp);
  if (!(w->A1 || w->A1f) || !(w->P || w->Pf) || !(w->dA1 || w->dA1f) || !w->logp) {
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
  if (w->A1f) gsl_matrix_float_free(w->A1f);
  if (w->Pf) gsl_matrix_float_free(w->Pf);
  if (w->dA1f) gsl_matrix_float_free(w->dA1f);
  free(w->logp);
  memset(w, 0, sizeof *w);
}

/* The passes, generated from mlp_impl.h once per precision:
 *   REAL, MAT, MATVIEW, SUBMATRIX, GEMM: the scalar and GSL's matrix types;
 *   EXP, LOG, VSIGMOID, VBACKWARD, SPMM: the element-wise kernels;
 *   F(x): the model's or work's member x of this precision (W1 or W1f);
 *   CORR(w): the rank-one correction buffer as REAL *;  NAME(x): x_d or x_f. */
#define REAL double
#define MAT gsl_matrix
#define MATVIEW gsl_matrix_view
#define SUBMATRIX gsl_matrix_submatrix
#define GEMM gsl_blas_dgemm
#define EXP exp
#define LOG log
#define VSIGMOID vmath_bias_sigmoid
#define VBACKWARD vmath_sigmoid_backward
#define SPMM spmm
#define F(x) x
#define CORR(w) ((double *)(w)->corr)
#define NAME(x) x##_d
#include "mlp_impl.h"
#undef REAL
#undef MAT
#undef MATVIEW
#undef SUBMATRIX
#undef GEMM
#undef EXP
#undef LOG
#undef VSIGMOID
#undef VBACKWARD
#undef SPMM
#undef F
#undef CORR
#undef NAME

#define REAL float
#define MAT gsl_matrix_float
#define MATVIEW gsl_matrix_float_view
#define SUBMATRIX gsl_matrix_float_submatrix
#define GEMM gsl_blas_sgemm
#define EXP expf
#define LOG logf
#define VSIGMOID vmath_bias_sigmoidf
#define VBACKWARD vmath_sigmoid_backwardf
#define SPMM spmm_f
#define F(x) x##f
#define CORR(w) ((float *)(w)->corr)
#define NAME(x) x##_f
#include "mlp_impl.h"

double mlp_forward(const mlp *m, mlp_work *w, const gsl_matrix *X, const uint8_t *y,
                   size_t *correct, long *confusion) {
  return forward_d(m, w, X, y, correct, confusion);
}

double mlp_forward_f(const mlp *m, mlp_work *w, const gsl_matrix_float *X, const uint8_t *y,
                     size_t *correct, long *confusion) {
  return forward_f(m, w, X, y, correct, confusion);
}

double mlp_gradient(const mlp *m, mlp_work *w, const gsl_matrix *X, const uint8_t *y,
                    double lambda, mlp *g) {
  return gradient_d(m, w, X, y, lambda, g);
}

double mlp_gradient_f(const mlp *m, mlp_work *w, const gsl_matrix_float *X, const uint8_t *y,
                      double lambda, mlp *g) {
  return gradient_f(m, w, X, y, lambda, g);
}

double mlp_forward_sparse(const mlp *m, mlp_work *w, const mlp_sparse_input *in,
                          const uint8_t *y, size_t *correct, long *confusion) {
  return m->precision == SPEC_PREC_FLOAT32 ? forward_sparse_f(m, w, in, y, correct, confusion)
                                           : forward_sparse_d(m, w, in, y, correct, confusion);
}

double mlp_gradient_sparse(const mlp *m, mlp_work *w, const mlp_sparse_input *in,
                           const uint8_t *y, double lambda, mlp *g) {
  return m->precision == SPEC_PREC_FLOAT32 ? gradient_sparse_f(m, w, in, y, lambda, g)
                                           : gradient_sparse_d(m, w, in, y, lambda, g);
}

void mlp_step(mlp *m, const mlp *g, double lr) {
  if (m->precision == SPEC_PREC_FLOAT32) {
    const float lrf = (float)lr;
    for (size_t i = 0; i < m->size; i++) m->mem32[i] -= lrf * g->mem32[i];
  } else {
    for (size_t i = 0; i < m->size; i++) m->mem[i] -= lr * g->mem[i];
  }
}

void mlp_copy(mlp *dst, const mlp *src) {
  if (src->precision == SPEC_PREC_FLOAT32)
    memcpy(dst->mem32, src->mem32, src->size * sizeof *src->mem32);
  else
    memcpy(dst->mem, src->mem, src->size * sizeof *src->mem);
}
