/* vmath.h: element-wise kernels for the training loop -- exp, the sigmoid,
 * tanh and relu in double and single precision, over whole rows and blocks,
 * with the bias add and each activation's gradient fused into the same pass.
 *
 * Accuracy (tests/check_vmath.c measures it against libm on every build):
 *   double: relative error below 1e-15 (a few ulp) wherever the result is a
 *           normal number; float: below 1e-6.  relu is exact.
 *   exp and sigmoid flush results that would be subnormal to +0 and give +inf
 *   above the largest finite number: exp(x) = 0 for x < -708.39 (float:
 *   -87.33), +inf for x > 709.78 (float: 88.72); sigmoid(x) = 0 for x <
 *   -708.39 (float: -87.33) and exactly 1 once 1 + e^-x rounds to 1 (x > 37 in
 *   double, x > 17 in float).
 *   tanh flushes nothing: tanh(x) = x, bit for bit, for |x| < 2^-27 (float:
 *   2^-12), where tanh(x) rounds to x -- subnormals and -0 included; exactly
 *   +-1 from |x| >= 19.0615 (float: 9.0109), the first input whose tanh rounds
 *   to 1, and for +-inf; below 1 in magnitude before it.
 *   relu(x) = max(x, 0): +0 for negative numbers, -inf and -0; NaN kept.
 *   No floating-point exception other than "inexact" is raised for any
 *   non-NaN input, infinities included.  A NaN in gives a NaN out.
 *
 * Every result depends only on its own input element (and bias), never on n,
 * the position in the row or the vector width the CPU offers, so the fused
 * forms equal the unfused ones bit for bit.  On x86-64 with GCC each entry
 * point is compiled three times (AVX-512, AVX2+FMA, baseline) and the loader
 * picks one for the CPU; FMA contraction makes the AVX paths of exp, sigmoid
 * and tanh differ from the baseline in the last bit, never beyond the bounds
 * above.  The backward kernels round every operation as written, on every
 * path: they equal plain C loops compiled without FMA contraction.
 *
 * Matrices are row-major: element (r, j) of a matrix with row stride ld is
 * at [r * ld + j].  The kernels allocate nothing and keep no state.
 *
 * Not here: which activation a model uses (spec.c, mlp.c).
 */
#ifndef NN_VMATH_H
#define NN_VMATH_H

#include <stddef.h>

/* x[i] = e^x[i], in place, for i < n. */
void vmath_exp(double *x, size_t n);
void vmath_expf(float *x, size_t n);

/* x[i] = 1 / (1 + e^-x[i]), in place, for i < n. */
void vmath_sigmoid(double *x, size_t n);
void vmath_sigmoidf(float *x, size_t n);

/* The hidden layer's activation, in place:
 *   z (n, h), row stride ld >= h;  b (h)
 *   z[r, j] = sigmoid(z[r, j] + b[j]). */
void vmath_bias_sigmoid(double *z, size_t n, size_t h, size_t ld, const double *b);
void vmath_bias_sigmoidf(float *z, size_t n, size_t h, size_t ld, const float *b);

/* Backward through the sigmoid, fused with the bias gradient:
 *   d (n, h), row stride ldd: on entry dL/dA, on return dL/dZ
 *   a (n, h), row stride lda: the activations sigmoid(Z)
 *   db (h): on return the column sums of the new d (overwritten, not added to)
 *   d[r, j] *= a[r, j] * (1 - a[r, j]);  db[j] = sum over r of d[r, j],
 * summed in row order: bit for bit what the two plain loops give.  d, a and
 * db must not overlap. */
void vmath_sigmoid_backward(double *d, size_t ldd, const double *a, size_t lda, size_t n,
                            size_t h, double *db);
void vmath_sigmoid_backwardf(float *d, size_t ldd, const float *a, size_t lda, size_t n,
                             size_t h, float *db);

/* x[i] = tanh(x[i]), in place, for i < n. */
void vmath_tanh(double *x, size_t n);
void vmath_tanhf(float *x, size_t n);

/* z[r, j] = tanh(z[r, j] + b[j]), in place; z (n, h), row stride ld >= h; b (h) */
void vmath_bias_tanh(double *z, size_t n, size_t h, size_t ld, const double *b);
void vmath_bias_tanhf(float *z, size_t n, size_t h, size_t ld, const float *b);

/* Backward through tanh, as vmath_sigmoid_backward with a = tanh(Z):
 *   d[r, j] *= (1 - a[r, j]) (1 + a[r, j])  (= 1 - a^2, without the cancellation);
 *   db[j] = sum over r of d[r, j], in row order. */
void vmath_tanh_backward(double *d, size_t ldd, const double *a, size_t lda, size_t n,
                         size_t h, double *db);
void vmath_tanh_backwardf(float *d, size_t ldd, const float *a, size_t lda, size_t n,
                          size_t h, float *db);

/* z[r, j] = max(z[r, j] + b[j], 0), in place; z (n, h), row stride ld >= h;
 * b (h).  -0 gives +0, a NaN stays NaN. */
void vmath_bias_relu(double *z, size_t n, size_t h, size_t ld, const double *b);
void vmath_bias_reluf(float *z, size_t n, size_t h, size_t ld, const float *b);

/* Backward through relu, as vmath_sigmoid_backward with a = relu(Z):
 *   d[r, j] = a[r, j] > 0 ? d[r, j] : 0 (+0; NaN a gives 0);  db as above. */
void vmath_relu_backward(double *d, size_t ldd, const double *a, size_t lda, size_t n,
                         size_t h, double *db);
void vmath_relu_backwardf(float *d, size_t ldd, const float *a, size_t lda, size_t n,
                          size_t h, float *db);

/* Which compiled path this CPU runs: "avx512", "avx2+fma" or "baseline". */
const char *vmath_path(void);

#endif
