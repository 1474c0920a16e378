/* vmath.h: element-wise kernels for the training loop -- exp and the sigmoid
 * in double and single precision, over whole rows and blocks, with the bias
 * add and the sigmoid's gradient fused into the same pass.
 *
 * Accuracy (tests/check_vmath.c measures it against libm on every build):
 *   double: relative error below 1e-15 (a few ulp) wherever the result is a
 *           normal number; float: below 1e-6.
 *   Results that would be subnormal are flushed to +0, results above the
 *   largest finite number are +inf: exp(x) = 0 for x < -708.39 (float: -87.33),
 *   +inf for x > 709.78 (float: 88.72); sigmoid(x) = 0 for x < -708.39
 *   (float: -87.33) and exactly 1 once 1 + e^-x rounds to 1 (x > 37 in double,
 *   x > 17 in float).
 *   No floating-point exception other than "inexact" is raised for any
 *   non-NaN input, infinities included.  A NaN in gives a NaN out.
 *
 * Every result depends only on its own input element (and bias), never on n,
 * the position in the row or the vector width the CPU offers, so the fused
 * forms equal the unfused ones bit for bit.  On x86-64 with GCC each entry
 * point is compiled three times (AVX-512, AVX2+FMA, baseline) and the loader
 * picks one for the CPU; FMA contraction makes the AVX paths differ from the
 * baseline in the last bit, never beyond the bounds above.
 *
 * Matrices are row-major: element (r, j) of a matrix with row stride ld is
 * at [r * ld + j].  The kernels allocate nothing and keep no state.
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

/* Which compiled path this CPU runs: "avx512", "avx2+fma" or "baseline". */
const char *vmath_path(void);

#endif
