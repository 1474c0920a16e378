/* bench/vmath.c: nanoseconds per element of the vmath kernels against the
 * scalar libm code they replace (mlp.c's loops, or the plain loops a tanh or
 * relu layer would have), on a (1000, 300) block like the hidden layer of one
 * batch; and, when glibc's libmvec can be loaded, its vector exp in the same
 * sigmoid, with its accuracy.  A measurement, not a test.
 *
 * Usage: bench/vmath [SECONDS per kernel, default 0.5] [SPREAD, default 15]
 * SPREAD is the standard deviation of the pre-activations: libm's tanh and
 * exp take less time on large inputs, the vmath kernels the same on any.
 */
#include "config.h"

#include <dlfcn.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmath.h"

enum { N = 1000, H = 300, SIZE = N * H };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Pre-activations spread like the reference run's: roughly N(0, 15^2), some
 * beyond +-100 (or N(0, SPREAD^2)). */
static double *src_d;
static float *src_f;
static double *bias_d;
static float *bias_f;

static void fill(double spread) {
  src_d = malloc(SIZE * sizeof *src_d);
  src_f = malloc(SIZE * sizeof *src_f);
  bias_d = malloc(H * sizeof *bias_d);
  bias_f = malloc(H * sizeof *bias_f);
  if (!src_d || !src_f || !bias_d || !bias_f) exit(EXIT_FAILURE);
  unsigned seed = 5;
  for (size_t i = 0; i < SIZE; i++) {
    double u = 0;
    for (int k = 0; k < 12; k++) u += (double)rand_r(&seed) / RAND_MAX;
    src_d[i] = spread * (u - 6.0);
    src_f[i] = (float)src_d[i];
  }
  for (size_t j = 0; j < H; j++) bias_d[j] = (double)j / H - 0.5, bias_f[j] = (float)bias_d[j];
}

/* ------------------------------------------------ the scalar baselines */

static inline double sigmoid_libm(double z) { /* mlp.c's */
  if (z >= 0.0) return 1.0 / (1.0 + exp(-z));
  double e = exp(z);
  return e / (1.0 + e);
}

static inline float sigmoidf_libm(float z) {
  if (z >= 0.0f) return 1.0f / (1.0f + expf(-z));
  float e = expf(z);
  return e / (1.0f + e);
}

static void scalar_sigmoid(double *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = sigmoid_libm(x[i]);
}
static void scalar_sigmoidf(float *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = sigmoidf_libm(x[i]);
}
static void scalar_exp(double *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = exp(x[i]);
}
static void scalar_expf(float *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = expf(x[i]);
}

static void scalar_bias_sigmoid(double *z, size_t n, size_t h, size_t ld, const double *b) {
  for (size_t r = 0; r < n; r++)
    for (size_t j = 0; j < h; j++) z[r * ld + j] = sigmoid_libm(z[r * ld + j] + b[j]);
}

static void scalar_tanh(double *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = tanh(x[i]);
}
static void scalar_tanhf(float *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = tanhf(x[i]);
}

static void scalar_bias_tanh(double *z, size_t n, size_t h, size_t ld, const double *b) {
  for (size_t r = 0; r < n; r++)
    for (size_t j = 0; j < h; j++) z[r * ld + j] = tanh(z[r * ld + j] + b[j]);
}
static void scalar_bias_tanhf(float *z, size_t n, size_t h, size_t ld, const float *b) {
  for (size_t r = 0; r < n; r++)
    for (size_t j = 0; j < h; j++) z[r * ld + j] = tanhf(z[r * ld + j] + b[j]);
}

/* a plain loop, which GCC may vectorize (maxpd) by itself */
static void scalar_bias_relu(double *z, size_t n, size_t h, size_t ld, const double *b) {
  for (size_t r = 0; r < n; r++)
    for (size_t j = 0; j < h; j++) {
      const double v = z[r * ld + j] + b[j];
      z[r * ld + j] = v > 0 ? v : 0.0;
    }
}
static void scalar_bias_reluf(float *z, size_t n, size_t h, size_t ld, const float *b) {
  for (size_t r = 0; r < n; r++)
    for (size_t j = 0; j < h; j++) {
      const float v = z[r * ld + j] + b[j];
      z[r * ld + j] = v > 0 ? v : 0.0f;
    }
}

/* the column sums of d, the second pass of the plain backward steps */
static void colsum(const double *d, size_t ldd, size_t n, size_t h, double *db) {
  memset(db, 0, h * sizeof *db);
  for (size_t r = 0; r < n; r++)
    for (size_t j = 0; j < h; j++) db[j] += d[r * ldd + j];
}

/* mlp.c's two passes: d *= a (1 - a), then the column sums */
static void scalar_backward(double *d, size_t ldd, const double *a, size_t lda, size_t n,
                            size_t h, double *db) {
  for (size_t r = 0; r < n; r++)
    for (size_t j = 0; j < h; j++) d[r * ldd + j] *= a[r * lda + j] * (1.0 - a[r * lda + j]);
  colsum(d, ldd, n, h, db);
}

static void scalar_tanh_backward(double *d, size_t ldd, const double *a, size_t lda, size_t n,
                                 size_t h, double *db) {
  for (size_t r = 0; r < n; r++)
    for (size_t j = 0; j < h; j++) d[r * ldd + j] *= 1.0 - a[r * lda + j] * a[r * lda + j];
  colsum(d, ldd, n, h, db);
}

static void scalar_relu_backward(double *d, size_t ldd, const double *a, size_t lda, size_t n,
                                 size_t h, double *db) {
  for (size_t r = 0; r < n; r++)
    for (size_t j = 0; j < h; j++) d[r * ldd + j] = a[r * lda + j] > 0 ? d[r * ldd + j] : 0.0;
  colsum(d, ldd, n, h, db);
}

/* the activations the backward steps read */
static void act_relu(double *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] : 0.0;
}

/* ------------------------------------------------------------- libmvec */

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define HAVE_MVEC_PROBE 1
typedef __m512d (*mvec8_fn)(__m512d);
static mvec8_fn mvec_exp8; /* _ZGVeN8v_exp: 8 doubles, AVX-512 */

__attribute__((target("avx512f"))) static void mvec_sigmoid(double *x, size_t n) {
  const __m512d one = _mm512_set1_pd(1.0);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m512d v = _mm512_loadu_pd(x + i);
    __m512d e = mvec_exp8(_mm512_sub_pd(_mm512_setzero_pd(), _mm512_abs_pd(v)));
    __mmask8 neg = _mm512_cmp_pd_mask(v, _mm512_setzero_pd(), _CMP_LT_OQ);
    __m512d num = _mm512_mask_blend_pd(neg, one, e);
    _mm512_storeu_pd(x + i, _mm512_div_pd(num, _mm512_add_pd(one, e)));
  }
  for (; i < n; i++) x[i] = sigmoid_libm(x[i]);
}

__attribute__((target("avx512f"))) static void mvec_exp(double *x, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm512_storeu_pd(x + i, mvec_exp8(_mm512_loadu_pd(x + i)));
  for (; i < n; i++) x[i] = exp(x[i]);
}

static int mvec_load(void) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f")) return 0;
  void *h = dlopen("libmvec.so.1", RTLD_NOW);
  if (!h) return 0;
  *(void **)&mvec_exp8 = dlsym(h, "_ZGVeN8v_exp");
  return mvec_exp8 != NULL;
}
#endif

/* ------------------------------------------------------------ timing */

typedef struct kernel {
  const char *name;
  void (*d)(double *, size_t);
  void (*f)(float *, size_t);
  void (*bias)(double *, size_t, size_t, size_t, const double *);
  void (*biasf)(float *, size_t, size_t, size_t, const float *);
  void (*back)(double *, size_t, const double *, size_t, size_t, size_t, double *);
  void (*act)(double *, size_t); /* back's activations from the inputs */
} kernel;

/* the input of every repetition, fresh */
static void copy_input(const kernel *k, double *work, float *workf) {
  if (k->d || k->bias || k->back) memcpy(work, src_d, SIZE * sizeof *work);
  else memcpy(workf, src_f, SIZE * sizeof *workf);
}

/* ns per element: the median of 5 groups of repetitions.  The copy of the
 * input is part of every repetition; each group times the copies alone just
 * before, and subtracts them (timed once for all groups, on a busy machine
 * it could exceed the kernel's group and give a negative time). */
static double measure(const kernel *k, double budget) {
  static double work[SIZE], act[SIZE], db[H];
  static float workf[SIZE];
  double t[5];
  int reps = 1;
  for (int g = -1; g < 5; g++) {
    const double c0 = now();
    for (int r = 0; r < reps; r++) {
      copy_input(k, work, workf);
      __asm__ volatile("" ::: "memory");
    }
    const double copy = now() - c0;
    const double t0 = now();
    for (int r = 0; r < reps; r++) {
      copy_input(k, work, workf);
      if (k->d) k->d(work, SIZE);
      else if (k->f) k->f(workf, SIZE);
      else if (k->bias) k->bias(work, N, H, H, bias_d);
      else if (k->biasf) k->biasf(workf, N, H, H, bias_f);
      else {
        if (g == -1 && r == 0) {
          memcpy(act, src_d, sizeof act);
          k->act(act, SIZE);
        }
        k->back(work, H, act, H, N, H, db);
      }
    }
    const double dt = now() - t0;
    if (g == -1) { /* calibration */
      reps = (int)(budget / 5 / dt) + 1;
      continue;
    }
    t[g] = (dt - copy) / reps;
  }
  for (int i = 1; i < 5; i++)
    for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
      double s = t[j];
      t[j] = t[j - 1];
      t[j - 1] = s;
    }
  return t[2] / SIZE * 1e9;
}

/* max relative error of f against expl over a sweep of [lo, hi] */
static double exp_error(void (*f)(double *, size_t), double lo, double hi) {
  enum { M = 1000000 };
  static double x[M];
  for (size_t i = 0; i < M; i++) x[i] = lo + (hi - lo) * (double)i / (M - 1);
  f(x, M);
  double worst = 0;
  for (size_t i = 0; i < M; i++) {
    long double ref = expl(lo + (hi - lo) * (double)i / (M - 1));
    if (ref < DBL_MIN || ref > DBL_MAX) continue;
    double e = (double)fabsl((x[i] - ref) / ref);
    if (e > worst) worst = e;
  }
  return worst;
}

int main(int argc, char **argv) {
  const double budget = argc > 1 ? atof(argv[1]) : 0.5;
  const double spread = argc > 2 ? atof(argv[2]) : 15.0;
  fill(spread);
  printf("vmath path: %s; a (%d, %d) block, inputs N(0, %g^2), ns per element (median of 5)\n",
         vmath_path(), N, H, spread);
  const kernel ks[] = {
      {"sigmoid   libm scalar (mlp.c)", scalar_sigmoid, 0, 0, 0, 0, 0},
      {"sigmoid   vmath", vmath_sigmoid, 0, 0, 0, 0, 0},
      {"bias+sigmoid libm scalar (mlp.c)", 0, 0, scalar_bias_sigmoid, 0, 0, 0},
      {"bias+sigmoid vmath fused", 0, 0, vmath_bias_sigmoid, 0, 0, 0},
      {"sigmoidf  libm scalar (expf)", 0, scalar_sigmoidf, 0, 0, 0, 0},
      {"sigmoidf  vmath", 0, vmath_sigmoidf, 0, 0, 0, 0},
      {"bias+sigmoidf vmath fused", 0, 0, 0, vmath_bias_sigmoidf, 0, 0},
      {"exp       libm scalar", scalar_exp, 0, 0, 0, 0, 0},
      {"exp       vmath", vmath_exp, 0, 0, 0, 0, 0},
      {"expf      libm scalar", 0, scalar_expf, 0, 0, 0, 0},
      {"expf      vmath", 0, vmath_expf, 0, 0, 0, 0},
      {"sigmoid backward + colsum (mlp.c, 2 passes)", 0, 0, 0, 0, scalar_backward,
       vmath_sigmoid},
      {"sigmoid backward + colsum vmath fused", 0, 0, 0, 0, vmath_sigmoid_backward,
       vmath_sigmoid},
      {"tanh      libm scalar", scalar_tanh, 0, 0, 0, 0, 0},
      {"tanh      vmath", vmath_tanh, 0, 0, 0, 0, 0},
      {"bias+tanh libm scalar", 0, 0, scalar_bias_tanh, 0, 0, 0},
      {"bias+tanh vmath fused", 0, 0, vmath_bias_tanh, 0, 0, 0},
      {"tanhf     libm scalar (tanhf)", 0, scalar_tanhf, 0, 0, 0, 0},
      {"tanhf     vmath", 0, vmath_tanhf, 0, 0, 0, 0},
      {"bias+tanhf libm scalar (tanhf)", 0, 0, 0, scalar_bias_tanhf, 0, 0},
      {"bias+tanhf vmath fused", 0, 0, 0, vmath_bias_tanhf, 0, 0},
      {"tanh backward + colsum (plain, 2 passes)", 0, 0, 0, 0, scalar_tanh_backward, vmath_tanh},
      {"tanh backward + colsum vmath fused", 0, 0, 0, 0, vmath_tanh_backward, vmath_tanh},
      {"bias+relu plain loop", 0, 0, scalar_bias_relu, 0, 0, 0},
      {"bias+relu vmath fused", 0, 0, vmath_bias_relu, 0, 0, 0},
      {"bias+reluf plain loop", 0, 0, 0, scalar_bias_reluf, 0, 0},
      {"bias+reluf vmath fused", 0, 0, 0, vmath_bias_reluf, 0, 0},
      {"relu backward + colsum (plain, 2 passes)", 0, 0, 0, 0, scalar_relu_backward, act_relu},
      {"relu backward + colsum vmath fused", 0, 0, 0, 0, vmath_relu_backward, act_relu},
  };
  for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
    printf("%-46s %7.3f\n", ks[i].name, measure(&ks[i], budget));
    fflush(stdout);
  }
#ifdef HAVE_MVEC_PROBE
  if (mvec_load()) {
    const kernel mk[] = {{"sigmoid   glibc libmvec _ZGVeN8v_exp", mvec_sigmoid, 0, 0, 0, 0, 0},
                         {"exp       glibc libmvec _ZGVeN8v_exp", mvec_exp, 0, 0, 0, 0, 0}};
    for (size_t i = 0; i < 2; i++) printf("%-46s %7.3f\n", mk[i].name, measure(&mk[i], budget));
    printf("max relative error of exp over [-700, 700]: vmath %.3g, libmvec %.3g, libm %.3g\n",
           exp_error(vmath_exp, -700, 700), exp_error(mvec_exp, -700, 700),
           exp_error(scalar_exp, -700, 700));
  } else {
    printf("(glibc libmvec with AVX-512 not available: not compared)\n");
  }
#endif
  return 0;
}
