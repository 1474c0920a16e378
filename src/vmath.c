/* vmath.c: exp, sigmoid, tanh and relu kernels (see vmath.h), written so that
 * GCC's auto-vectorizer turns them into SIMD code at -O2 without extra flags.
 * Not here: anything that knows about models, batches or BLAS.
 *
 * How: every kernel works on fixed-size blocks (VMATH_BLOCK doubles or
 * VMATHF_BLOCK floats) copied into a local array, so the inner loops have a
 * constant trip count and no aliasing, and the vectorizer's cheapest cost
 * model accepts them; a short row tail is padded with zeros.  The inner loops
 * contain no branch and no floating-point comparison: ranges are tested on the
 * integer bits of the numbers and results picked with bit masks.
 *
 * exp(x): n = round(x / ln 2) by the 1.5 * 2^52 shift trick, r = x - n ln 2 in
 * two parts (Cody and Waite; n ln2_hi is exact), |r| <= ln 2 / 2;
 * e^r - 1 = r + r^2 (1/2! + r/3! + ... + r^11/13!), the Taylor polynomial,
 * whose truncation error is below 4e-18 on that interval (float: degree 7,
 * 5e-9); then 2^n is put into the exponent bits.  Inputs are clamped first so
 * that nothing overflows or goes subnormal.
 *
 * tanh(x) = sign(x) tanh(a), a = |x|, from the same reduction of e^-2a =
 * 2^n (1 + p): below a = 0.55 (tanh 0.5) as -m / (1 + e) with m = e^-2a - 1
 * = 2^n p + (2^n - 1), which keeps its relative accuracy as a -> 0 where
 * 1 - e cancels; above it as 1 - 2e / (1 + e), whose small correction term
 * leaves the result within a fraction of an ulp.  One division serves both.
 * Below 2^-27 (float: 2^-12) tanh(x) rounds to x and x is returned as it is;
 * from 19.06 (float: 9.01) on it rounds to 1 and 1 is returned.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "vmath.h"

#define VMATH_BLOCK 16   /* doubles per block: two AVX-512 vectors */
#define VMATHF_BLOCK 32  /* floats per block */

/* One function, compiled for several instruction sets and chosen at load
 * time (GCC's target_clones, through an ELF ifunc). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__) && \
    (__GNUC__ >= 12) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define VMATH_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define VMATH_HAVE_CLONES 1
#endif
#endif
#ifndef VMATH_CLONES
#define VMATH_CLONES
#endif

/* The helpers below must be inlined into each clone, to be compiled for its
 * instruction set. */
#if defined(__GNUC__)
#define VMATH_INLINE static inline __attribute__((always_inline))
#else
#define VMATH_INLINE static inline
#endif

VMATH_INLINE uint64_t bits(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}
VMATH_INLINE double dbl(uint64_t u) {
  double x;
  memcpy(&x, &u, sizeof x);
  return x;
}
VMATH_INLINE uint32_t bitsf(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}
VMATH_INLINE float flt(uint32_t u) {
  float x;
  memcpy(&x, &u, sizeof x);
  return x;
}

/* all ones when c is true, else all zeros */
VMATH_INLINE uint64_t mask(int c) { return UINT64_C(0) - (uint64_t)c; }
VMATH_INLINE uint32_t maskf(int c) { return UINT32_C(0) - (uint32_t)c; }

/* mask ? a : b, bit by bit (mask is all ones or all zeros) */
VMATH_INLINE double pick(uint64_t mask, double a, double b) {
  return dbl((bits(a) & mask) | (bits(b) & ~mask));
}
VMATH_INLINE float pickf(uint32_t mask, float a, float b) {
  return flt((bitsf(a) & mask) | (bitsf(b) & ~mask));
}

/* ---------------------------------------------------------------- double */

#define LOG2E 1.4426950408889634         /* 1 / ln 2 */
#define LN2_HI 0x1.62e42fee00000p-1      /* ln 2, upper 32 bits: n LN2_HI is exact */
#define LN2_LO 0x1.a39ef35793c76p-33     /* ln 2 - LN2_HI */
#define SHIFT 0x1.8p52                   /* x + SHIFT - SHIFT rounds x to an integer */
#define XFLUSH 708.39    /* exp(-XFLUSH) > DBL_MIN: below it results flush to 0 */
#define XHUGE 709.78     /* exp(XHUGE) < DBL_MAX: above it results are +inf */
#define XTINY 0x1p-64    /* below it x is taken as 0 (e^x rounds to 1 anyway),
                            so that r^2 and the polynomial never underflow */

/* e^r - 1 for |r| <= ln 2 / 2: Taylor to degree 13 */
VMATH_INLINE double expm1_reduced(double r) {
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  return p * (r * r) + r;
}

/* e^z for z in [-XFLUSH, 0] (or NaN): 2^n is put straight into the exponent
 * bits; n >= -1022 keeps it normal. */
VMATH_INLINE double exp_nonpositive(double z) {
  const double t = z * LOG2E + SHIFT;
  const double n = t - SHIFT;
  const double r = (z - n * LN2_HI) - n * LN2_LO;
  const double scale = dbl((bits(t) << 52) + bits(1.0)); /* low bits of t hold n */
  return (1.0 + expm1_reduced(r)) * scale;
}

/* e^z = scale (1 + *p) for z in [-XFLUSH, 0] (or NaN), the two parts kept:
 * e^z - 1 = scale p + (scale - 1) stays accurate as z -> 0. */
VMATH_INLINE double exp_split(double z, double *p) {
  const double t = z * LOG2E + SHIFT;
  const double n = t - SHIFT;
  const double r = (z - n * LN2_HI) - n * LN2_LO;
  *p = expm1_reduced(r);
  return dbl((bits(t) << 52) + bits(1.0));
}

/* t[i] = sigmoid(t[i]) for one block: e = e^-|x| in (0, 1] never overflows;
 * sigmoid = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0. */
VMATH_INLINE void sigmoid_block(double *restrict t) {
  for (int i = 0; i < VMATH_BLOCK; i++) {
    const uint64_t x = bits(t[i]);
    const int64_t mag = (int64_t)(x & ~(UINT64_C(1) << 63)); /* |x|; NaN above +inf */
    const uint64_t flush =
        mask(mag > (int64_t)bits(XFLUSH)) & mask(mag <= (int64_t)bits(HUGE_VAL));
    const uint64_t tiny = mask(mag < (int64_t)bits(XTINY));
    const double z = -pick(flush, XFLUSH, dbl((uint64_t)mag & ~tiny));
    const double e = pick(flush, 0.0, exp_nonpositive(z));
    const uint64_t negative = (uint64_t)((int64_t)x >> 63);
    t[i] = pick(negative, e, 1.0) / (1.0 + e);
  }
}

#define TANH_TINY 0x1p-27               /* below it tanh(x) rounds to x */
#define TANH_ONE 0x1.30fc1931f09cap+4   /* 19.06: the least double whose tanh
                                           rounds to 1, atanh(1 - 2^-54) */
#define TANH_SWITCH 0.55                /* tanh(0.55) = 0.50: the two forms */

/* t[i] = tanh(t[i]) for one block, on a = |x| with the sign put back: with
 * e = e^-2a and m = e - 1, tanh(a) = -m / (1 + e) below TANH_SWITCH and
 * 1 - 2e / (1 + e) above.  a is replaced by 0 where the result is known
 * (tiny, saturated, infinite), so that nothing underflows or overflows. */
VMATH_INLINE void tanh_block(double *restrict t) {
  for (int i = 0; i < VMATH_BLOCK; i++) {
    const uint64_t x = bits(t[i]);
    const uint64_t sign = x & (UINT64_C(1) << 63);
    const int64_t mag = (int64_t)(x ^ sign); /* |x|; NaN above +inf */
    const uint64_t tiny = mask(mag < (int64_t)bits(TANH_TINY));
    const uint64_t one =
        mask(mag >= (int64_t)bits(TANH_ONE)) & mask(mag <= (int64_t)bits(HUGE_VAL));
    const uint64_t high = mask(mag >= (int64_t)bits(TANH_SWITCH));
    const double a = dbl((uint64_t)mag & ~(tiny | one));
    double p;
    const double scale = exp_split(-2.0 * a, &p);
    const double e = scale + scale * p, m = scale * p + (scale - 1.0);
    const double q = pick(high, e + e, -m) / (1.0 + e);
    const double y = pick(tiny, dbl((uint64_t)mag), pick(one, 1.0, pick(high, 1.0 - q, q)));
    t[i] = dbl(bits(y) | sign);
  }
}

/* t[i] = max(t[i], 0), +0 for -0, NaN kept: zero where the bits read as an
 * integer are at most those of -inf (negative numbers, not NaNs). */
VMATH_INLINE void relu_block(double *restrict t) {
  for (int i = 0; i < VMATH_BLOCK; i++) {
    const uint64_t neg = mask((int64_t)bits(t[i]) <= (int64_t)bits(-HUGE_VAL));
    t[i] = dbl(bits(t[i]) & ~neg);
  }
}

/* t[i] = e^t[i] for one block.  The ordered key (the bits of x read as an
 * integer, flipped for negative x) compares like x does, NaNs aside; n up to
 * 1024 is applied as 2^h 2^(n-h) so that both factors stay normal. */
VMATH_INLINE void exp_block(double *restrict t) {
  const int64_t lo = (int64_t)(bits(-XFLUSH) ^ (~UINT64_C(0) >> 1));
  const int64_t ninf = (int64_t)(bits(-HUGE_VAL) ^ (~UINT64_C(0) >> 1));
  const int64_t hi = (int64_t)bits(XHUGE), pinf = (int64_t)bits(HUGE_VAL);
  for (int i = 0; i < VMATH_BLOCK; i++) {
    const int64_t x = (int64_t)bits(t[i]);
    const int64_t key = x ^ (int64_t)((uint64_t)(x >> 63) >> 1);
    const uint64_t under = mask(key < lo) & mask(key >= ninf);
    const uint64_t over = mask(key > hi) & mask(key <= pinf);
    const int64_t mag = (int64_t)((uint64_t)x & ~(UINT64_C(1) << 63));
    const uint64_t tiny = mask(mag < (int64_t)bits(XTINY));
    const double z = pick(under, -XFLUSH, pick(over, XHUGE, dbl((uint64_t)x & ~tiny)));
    const double s = z * LOG2E + SHIFT;
    const double n = s - SHIFT;
    const double r = (z - n * LN2_HI) - n * LN2_LO;
    const uint64_t nb = bits(s) - bits(SHIFT) + 1024; /* n + 1024, in [2, 2048] */
    const uint64_t h = nb >> 1;                         /* (n + 1024) / 2 */
    const double s1 = dbl((h - 512 + 1023) << 52), s2 = dbl((nb - h - 512 + 1023) << 52);
    const double e = (1.0 + expm1_reduced(r)) * s1 * s2;
    t[i] = pick(under, 0.0, pick(over, HUGE_VAL, e));
  }
}

/* ----------------------------------------------------------------- float */

#define LOG2EF 1.44269504f
#define LN2_HIF 0x1.62e400p-1f           /* 15 bits: n LN2_HIF is exact */
#define LN2_LOF 0x1.7f7d1cp-20f
#define SHIFTF 0x1.8p23f
#define XFLUSHF 87.33f   /* exp(-XFLUSHF) > FLT_MIN */
#define XHUGEF 88.72f    /* exp(XHUGEF) < FLT_MAX */
#define XTINYF 0x1p-40f

/* e^r - 1 for |r| <= ln 2 / 2: Taylor to degree 7 */
VMATH_INLINE float expm1_reducedf(float r) {
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  return p * (r * r) + r;
}

VMATH_INLINE float exp_nonpositivef(float z) {
  const float t = z * LOG2EF + SHIFTF;
  const float n = t - SHIFTF;
  const float r = (z - n * LN2_HIF) - n * LN2_LOF;
  const float scale = flt((bitsf(t) << 23) + bitsf(1.0f));
  return (1.0f + expm1_reducedf(r)) * scale;
}

VMATH_INLINE float exp_splitf(float z, float *p) {
  const float t = z * LOG2EF + SHIFTF;
  const float n = t - SHIFTF;
  const float r = (z - n * LN2_HIF) - n * LN2_LOF;
  *p = expm1_reducedf(r);
  return flt((bitsf(t) << 23) + bitsf(1.0f));
}

VMATH_INLINE void sigmoidf_block(float *restrict t) {
  for (int i = 0; i < VMATHF_BLOCK; i++) {
    const uint32_t x = bitsf(t[i]);
    const int32_t mag = (int32_t)(x & ~(UINT32_C(1) << 31));
    const uint32_t flush =
        maskf(mag > (int32_t)bitsf(XFLUSHF)) & maskf(mag <= (int32_t)bitsf(INFINITY));
    const uint32_t tiny = maskf(mag < (int32_t)bitsf(XTINYF));
    const float z = -pickf(flush, XFLUSHF, flt((uint32_t)mag & ~tiny));
    const float e = pickf(flush, 0.0f, exp_nonpositivef(z));
    const uint32_t negative = (uint32_t)((int32_t)x >> 31);
    t[i] = pickf(negative, e, 1.0f) / (1.0f + e);
  }
}

#define TANH_TINYF 0x1p-12f
#define TANH_ONEF 0x1.205968p+3f       /* 9.01, atanh(1 - 2^-25) rounded up */
#define TANH_SWITCHF 0.55f

VMATH_INLINE void tanhf_block(float *restrict t) {
  for (int i = 0; i < VMATHF_BLOCK; i++) {
    const uint32_t x = bitsf(t[i]);
    const uint32_t sign = x & (UINT32_C(1) << 31);
    const int32_t mag = (int32_t)(x ^ sign);
    const uint32_t tiny = maskf(mag < (int32_t)bitsf(TANH_TINYF));
    const uint32_t one =
        maskf(mag >= (int32_t)bitsf(TANH_ONEF)) & maskf(mag <= (int32_t)bitsf(INFINITY));
    const uint32_t high = maskf(mag >= (int32_t)bitsf(TANH_SWITCHF));
    const float a = flt((uint32_t)mag & ~(tiny | one));
    float p;
    const float scale = exp_splitf(-2.0f * a, &p);
    const float e = scale + scale * p, m = scale * p + (scale - 1.0f);
    const float q = pickf(high, e + e, -m) / (1.0f + e);
    const float y = pickf(tiny, flt((uint32_t)mag), pickf(one, 1.0f, pickf(high, 1.0f - q, q)));
    t[i] = flt(bitsf(y) | sign);
  }
}

VMATH_INLINE void reluf_block(float *restrict t) {
  for (int i = 0; i < VMATHF_BLOCK; i++) {
    const uint32_t neg = maskf((int32_t)bitsf(t[i]) <= (int32_t)bitsf(-INFINITY));
    t[i] = flt(bitsf(t[i]) & ~neg);
  }
}

VMATH_INLINE void expf_block(float *restrict t) {
  const int32_t lo = (int32_t)(bitsf(-XFLUSHF) ^ (~UINT32_C(0) >> 1));
  const int32_t ninf = (int32_t)(bitsf(-INFINITY) ^ (~UINT32_C(0) >> 1));
  const int32_t hi = (int32_t)bitsf(XHUGEF), pinf = (int32_t)bitsf(INFINITY);
  for (int i = 0; i < VMATHF_BLOCK; i++) {
    const int32_t x = (int32_t)bitsf(t[i]);
    const int32_t key = x ^ (int32_t)((uint32_t)(x >> 31) >> 1);
    const uint32_t under = maskf(key < lo) & maskf(key >= ninf);
    const uint32_t over = maskf(key > hi) & maskf(key <= pinf);
    const int32_t mag = (int32_t)((uint32_t)x & ~(UINT32_C(1) << 31));
    const uint32_t tiny = maskf(mag < (int32_t)bitsf(XTINYF));
    const float z = pickf(under, -XFLUSHF, pickf(over, XHUGEF, flt((uint32_t)x & ~tiny)));
    const float s = z * LOG2EF + SHIFTF;
    const float n = s - SHIFTF;
    const float r = (z - n * LN2_HIF) - n * LN2_LOF;
    const uint32_t nb = bitsf(s) - bitsf(SHIFTF) + 128; /* n + 128, in [2, 256] */
    const uint32_t h = nb >> 1;
    const float s1 = flt((h - 64 + 127) << 23), s2 = flt((nb - h - 64 + 127) << 23);
    const float e = (1.0f + expm1_reducedf(r)) * s1 * s2;
    t[i] = pickf(under, 0.0f, pickf(over, INFINITY, e));
  }
}

/* ------------------------------------------------------- row drivers */

/* x[i] = f(x[i] + b[i]) (b may be NULL) over n elements, block by block;
 * instantiated once per kernel so that each stays a straight-line loop. */
#define ROW_DRIVER(name, type, B, block)                                      \
  VMATH_INLINE void name(type *x, const type *b, size_t n) {                \
    type t[B];                                                               \
    size_t i = 0;                                                            \
    for (; i + B <= n; i += B) {                                             \
      memcpy(t, x + i, sizeof t);                                            \
      if (b)                                                                 \
        for (int j = 0; j < B; j++) t[j] += b[i + j];                        \
      block(t);                                                              \
      memcpy(x + i, t, sizeof t);                                            \
    }                                                                        \
    if (i < n) {                                                             \
      const size_t m = n - i;                                                \
      memset(t, 0, sizeof t);                                                \
      memcpy(t, x + i, m * sizeof *t);                                       \
      if (b)                                                                 \
        for (size_t j = 0; j < m; j++) t[j] += b[i + j];                     \
      block(t);                                                              \
      memcpy(x + i, t, m * sizeof *t);                                       \
    }                                                                        \
  }

ROW_DRIVER(sigmoid_row, double, VMATH_BLOCK, sigmoid_block)
ROW_DRIVER(exp_row, double, VMATH_BLOCK, exp_block)
ROW_DRIVER(sigmoidf_row, float, VMATHF_BLOCK, sigmoidf_block)
ROW_DRIVER(expf_row, float, VMATHF_BLOCK, expf_block)
ROW_DRIVER(tanh_row, double, VMATH_BLOCK, tanh_block)
ROW_DRIVER(tanhf_row, float, VMATHF_BLOCK, tanhf_block)
ROW_DRIVER(relu_row, double, VMATH_BLOCK, relu_block)
ROW_DRIVER(reluf_row, float, VMATHF_BLOCK, reluf_block)

VMATH_CLONES void vmath_exp(double *x, size_t n) { exp_row(x, NULL, n); }
VMATH_CLONES void vmath_expf(float *x, size_t n) { expf_row(x, NULL, n); }
VMATH_CLONES void vmath_sigmoid(double *x, size_t n) { sigmoid_row(x, NULL, n); }
VMATH_CLONES void vmath_sigmoidf(float *x, size_t n) { sigmoidf_row(x, NULL, n); }
VMATH_CLONES void vmath_tanh(double *x, size_t n) { tanh_row(x, NULL, n); }
VMATH_CLONES void vmath_tanhf(float *x, size_t n) { tanhf_row(x, NULL, n); }

VMATH_CLONES void vmath_bias_sigmoid(double *z, size_t n, size_t h, size_t ld,
                                     const double *b) {
  for (size_t r = 0; r < n; r++) sigmoid_row(z + r * ld, b, h);
}

VMATH_CLONES void vmath_bias_sigmoidf(float *z, size_t n, size_t h, size_t ld,
                                      const float *b) {
  for (size_t r = 0; r < n; r++) sigmoidf_row(z + r * ld, b, h);
}

VMATH_CLONES void vmath_bias_tanh(double *z, size_t n, size_t h, size_t ld, const double *b) {
  for (size_t r = 0; r < n; r++) tanh_row(z + r * ld, b, h);
}

VMATH_CLONES void vmath_bias_tanhf(float *z, size_t n, size_t h, size_t ld, const float *b) {
  for (size_t r = 0; r < n; r++) tanhf_row(z + r * ld, b, h);
}

VMATH_CLONES void vmath_bias_relu(double *z, size_t n, size_t h, size_t ld, const double *b) {
  for (size_t r = 0; r < n; r++) relu_row(z + r * ld, b, h);
}

VMATH_CLONES void vmath_bias_reluf(float *z, size_t n, size_t h, size_t ld, const float *b) {
  for (size_t r = 0; r < n; r++) reluf_row(z + r * ld, b, h);
}

/* The gradients through the activations, given dL/dA and A:
 *   sigmoid  d a (1 - a);   tanh  d (1 - a) (1 + a);   relu  a > 0 ? d : 0
 * each rounded operation by operation as written, like a plain C loop.  No
 * form is a multiply-add, so FMA contraction cannot change them: tanh's
 * 1 - a^2 is written as (1 - a)(1 + a), which is also the more accurate near
 * |a| = 1. */
VMATH_INLINE double sigmoid_grad(double d, double a) { return d * (a * (1.0 - a)); }
VMATH_INLINE float sigmoid_gradf(float d, float a) { return d * (a * (1.0f - a)); }
VMATH_INLINE double tanh_grad(double d, double a) { return d * ((1.0 - a) * (1.0 + a)); }
VMATH_INLINE float tanh_gradf(float d, float a) { return d * ((1.0f - a) * (1.0f + a)); }
/* a > 0: the bits read as an integer lie in (0, those of +inf] */
VMATH_INLINE double relu_grad(double d, double a) {
  const int64_t k = (int64_t)bits(a);
  return dbl(bits(d) & mask(k > 0) & mask(k <= (int64_t)bits(HUGE_VAL)));
}
VMATH_INLINE float relu_gradf(float d, float a) {
  const int32_t k = (int32_t)bitsf(a);
  return flt(bitsf(d) & maskf(k > 0) & maskf(k <= (int32_t)bitsf(INFINITY)));
}

/* d = grad(d, a) and db += d over one block of columns of one row. */
#define BACKWARD_BLOCK(name, type, B, grad)                                             \
  VMATH_INLINE void name(type *restrict d, const type *restrict a, type *restrict db) { \
    for (int j = 0; j < B; j++) {                                                       \
      d[j] = grad(d[j], a[j]);                                                          \
      db[j] += d[j];                                                                    \
    }                                                                                   \
  }
BACKWARD_BLOCK(sigmoid_backward_block, double, VMATH_BLOCK, sigmoid_grad)
BACKWARD_BLOCK(sigmoidf_backward_block, float, VMATHF_BLOCK, sigmoid_gradf)
BACKWARD_BLOCK(tanh_backward_block, double, VMATH_BLOCK, tanh_grad)
BACKWARD_BLOCK(tanhf_backward_block, float, VMATHF_BLOCK, tanh_gradf)
BACKWARD_BLOCK(relu_backward_block, double, VMATH_BLOCK, relu_grad)
BACKWARD_BLOCK(reluf_backward_block, float, VMATHF_BLOCK, relu_gradf)

/* d = grad(d, a) row by row, in blocks of B columns and then the tail, and
 * db = the column sums of the new d in row order.  Always inlined with its
 * block and grad known, so that each kernel below is one straight loop. */
VMATH_INLINE void backward_rows(double *d, size_t ldd, const double *a, size_t lda, size_t n,
                                size_t h, double *db,
                                void (*block)(double *restrict, const double *restrict,
                                              double *restrict),
                                double (*grad)(double, double)) {
  memset(db, 0, h * sizeof *db);
  for (size_t r = 0; r < n; r++) {
    double *dr = d + r * ldd;
    const double *ar = a + r * lda;
    size_t j = 0;
    for (; j + VMATH_BLOCK <= h; j += VMATH_BLOCK) block(dr + j, ar + j, db + j);
    for (; j < h; j++) {
      dr[j] = grad(dr[j], ar[j]);
      db[j] += dr[j];
    }
  }
}

VMATH_INLINE void backward_rowsf(float *d, size_t ldd, const float *a, size_t lda, size_t n,
                                 size_t h, float *db,
                                 void (*block)(float *restrict, const float *restrict,
                                               float *restrict),
                                 float (*grad)(float, float)) {
  memset(db, 0, h * sizeof *db);
  for (size_t r = 0; r < n; r++) {
    float *dr = d + r * ldd;
    const float *ar = a + r * lda;
    size_t j = 0;
    for (; j + VMATHF_BLOCK <= h; j += VMATHF_BLOCK) block(dr + j, ar + j, db + j);
    for (; j < h; j++) {
      dr[j] = grad(dr[j], ar[j]);
      db[j] += dr[j];
    }
  }
}

VMATH_CLONES void vmath_sigmoid_backward(double *d, size_t ldd, const double *a, size_t lda,
                                         size_t n, size_t h, double *db) {
  backward_rows(d, ldd, a, lda, n, h, db, sigmoid_backward_block, sigmoid_grad);
}

VMATH_CLONES void vmath_sigmoid_backwardf(float *d, size_t ldd, const float *a, size_t lda,
                                          size_t n, size_t h, float *db) {
  backward_rowsf(d, ldd, a, lda, n, h, db, sigmoidf_backward_block, sigmoid_gradf);
}

VMATH_CLONES void vmath_tanh_backward(double *d, size_t ldd, const double *a, size_t lda,
                                      size_t n, size_t h, double *db) {
  backward_rows(d, ldd, a, lda, n, h, db, tanh_backward_block, tanh_grad);
}

VMATH_CLONES void vmath_tanh_backwardf(float *d, size_t ldd, const float *a, size_t lda,
                                       size_t n, size_t h, float *db) {
  backward_rowsf(d, ldd, a, lda, n, h, db, tanhf_backward_block, tanh_gradf);
}

VMATH_CLONES void vmath_relu_backward(double *d, size_t ldd, const double *a, size_t lda,
                                      size_t n, size_t h, double *db) {
  backward_rows(d, ldd, a, lda, n, h, db, relu_backward_block, relu_grad);
}

VMATH_CLONES void vmath_relu_backwardf(float *d, size_t ldd, const float *a, size_t lda,
                                       size_t n, size_t h, float *db) {
  backward_rowsf(d, ldd, a, lda, n, h, db, reluf_backward_block, relu_gradf);
}

const char *vmath_path(void) {
#ifdef VMATH_HAVE_CLONES
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) return "avx512";
  if (__builtin_cpu_supports("x86-64-v3")) return "avx2+fma";
#endif
  return "baseline";
}
