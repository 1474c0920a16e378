/* check_vmath.c: the vectorized exp, sigmoid, tanh and relu kernels against
 * libm -- the largest relative error over a dense sweep and random inputs
 * (printed), the extremes, floating-point exceptions, NaN, the fused forms
 * against the unfused ones and the backward steps against plain loops, bit for
 * bit.
 */
#include "config.h"

#include <check.h>
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmath.h"

#define SWEEP 1000001   /* points of the dense sweep, ends included */
#define RANDOM 500000   /* random points */
#define TRAPS (FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW | FE_UNDERFLOW)

/* The references, in long double from libm. */
static long double sigmoid_ref(long double x) {
  if (x >= 0) return 1.0L / (1.0L + expl(-x));
  const long double e = expl(x);
  return e / (1.0L + e);
}

/* xorshift64*: uniform doubles in [0, 1) for the random inputs */
static uint64_t rng_state = 88172645463325252ULL;
static double uniform(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double)((rng_state * 2685821657736338717ULL) >> 11) * 0x1p-53;
}

/* n inputs: a uniform sweep of [lo, hi], then random points, half uniform on
 * [lo, hi] and half with log-uniform magnitudes in [1e-300, hi] and either sign
 * (so tiny, mid and large inputs are all well covered). */
static double *inputs(double lo, double hi, size_t *n) {
  *n = SWEEP + RANDOM;
  double *x = malloc(*n * sizeof *x);
  ck_assert_ptr_nonnull(x);
  for (size_t i = 0; i < SWEEP; i++) x[i] = lo + (hi - lo) * (double)i / (SWEEP - 1);
  for (size_t i = SWEEP; i < *n; i += 2) {
    x[i] = lo + (hi - lo) * uniform();
    if (i + 1 < *n) {
      const double mag = exp(log(1e-300) + (log(hi) - log(1e-300)) * uniform());
      x[i + 1] = uniform() < 0.5 ? -mag : mag;
    }
  }
  return x;
}

/* Relative error of got against a reference ref that is a normal number. */
static double rel_error(long double got, long double ref) {
  return (double)fabsl((got - ref) / ref);
}

typedef struct report {
  double worst;      /* largest relative error where the reference is normal */
  double at;         /* its input */
  size_t flushed;    /* results flushed to 0 or +inf */
} report;

/* Checks every y[i] = f(x[i]) against ref(x[i]): within tol where the reference
 * is a normal number in [tiny, huge], and flushed (to 0 below tiny, +inf above
 * huge) only within a factor `slack` of those limits. */
static report compare(const double *x, const double *y, size_t n, long double (*ref)(long double),
                      double tol, long double tiny, long double huge, double slack,
                      const char *what) {
  report rp = {0, 0, 0};
  for (size_t i = 0; i < n; i++) {
    const long double r = ref(x[i]);
    if (r >= tiny && r <= huge) {
      if (y[i] == 0.0 || isinf(y[i])) {
        ck_assert_msg(r < tiny * slack || r > huge / slack,
                      "%s(%.17g) = %g, expected %Lg", what, x[i], y[i], r);
        rp.flushed++;
        continue;
      }
      const double e = rel_error(y[i], r);
      if (e > rp.worst) rp.worst = e, rp.at = x[i];
    } else if (r < tiny) {
      ck_assert_msg(y[i] == 0.0 || y[i] < (double)tiny * 1.0001, "%s(%.17g) = %g, expected 0",
                    what, x[i], y[i]);
      rp.flushed += y[i] == 0.0;
    } else {
      ck_assert_msg(isinf(y[i]) || y[i] > (double)huge / 1.0001,
                    "%s(%.17g) = %g, expected inf", what, x[i], y[i]);
      rp.flushed += isinf(y[i]) != 0;
    }
  }
  printf("%-9s max relative error %.3g (%.2f ulp) at x = %.17g; %zu of %zu flushed\n", what,
         rp.worst, rp.worst / (tol < 1e-9 ? DBL_EPSILON : FLT_EPSILON), rp.at, rp.flushed, n);
  ck_assert_msg(rp.worst < tol, "%s: max relative error %g at x = %.17g", what, rp.worst, rp.at);
  return rp;
}

static long double exp_ref(long double x) { return expl(x); }

/* Runs a float kernel on the float-rounded inputs, result back in doubles. */
static double *run_float(void (*f)(float *, size_t), const double *x, size_t n) {
  float *xf = malloc(n * sizeof *xf);
  double *y = malloc(n * sizeof *y);
  ck_assert(xf && y);
  for (size_t i = 0; i < n; i++) xf[i] = (float)x[i];
  feclearexcept(FE_ALL_EXCEPT);
  f(xf, n);
  ck_assert_msg(!fetestexcept(TRAPS), "floating-point exception raised");
  for (size_t i = 0; i < n; i++) y[i] = xf[i];
  free(xf);
  return y;
}

static double *run_double(void (*f)(double *, size_t), const double *x, size_t n) {
  double *y = malloc(n * sizeof *y);
  ck_assert_ptr_nonnull(y);
  memcpy(y, x, n * sizeof *y);
  feclearexcept(FE_ALL_EXCEPT);
  f(y, n);
  ck_assert_msg(!fetestexcept(TRAPS), "floating-point exception raised");
  return y;
}

START_TEST(sigmoid_accuracy) {
  size_t n;
  double *x = inputs(-800, 800, &n);
  double *y = run_double(vmath_sigmoid, x, n);
  compare(x, y, n, sigmoid_ref, 1e-15, DBL_MIN, 1.0L, 1.01, "sigmoid");
  free(y);
  free(x);
}
END_TEST

START_TEST(exp_accuracy) {
  size_t n;
  double *x = inputs(-800, 800, &n);
  double *y = run_double(vmath_exp, x, n);
  compare(x, y, n, exp_ref, 1e-15, DBL_MIN, DBL_MAX, 1.01, "exp");
  free(y);
  free(x);
}
END_TEST

START_TEST(sigmoidf_accuracy) {
  size_t n;
  double *x = inputs(-220, 220, &n);
  double *y = run_float(vmath_sigmoidf, x, n);
  for (size_t i = 0; i < n; i++) x[i] = (float)x[i]; /* the inputs the kernel saw */
  compare(x, y, n, sigmoid_ref, 1e-6, FLT_MIN, 1.0L, 1.01, "sigmoidf");
  free(y);
  free(x);
}
END_TEST

START_TEST(expf_accuracy) {
  size_t n;
  double *x = inputs(-100, 100, &n);
  double *y = run_float(vmath_expf, x, n);
  for (size_t i = 0; i < n; i++) x[i] = (float)x[i];
  compare(x, y, n, exp_ref, 1e-6, FLT_MIN, FLT_MAX, 1.01, "expf");
  free(y);
  free(x);
}
END_TEST

/* tanh's inputs: the sweep and random points of inputs(), then both signs of
 * 0, subnormals, the least normals, the largest finites and inf, NaN, and 200
 * neighbours on each side of every point where the kernel changes form or the
 * exp reduction its n (in double and in float). */
static double *tanh_inputs(double hi, size_t *n) {
  static const double at[] = {0x1p-27, 0x1p-12, 0.55, 0.17328679513998632 /* ln 2 / 4 */,
                              0.51986038541995896 /* 3 ln 2 / 4 */, 0x1.30fc1931f09cap+4,
                              0x1.205968p+3};
  static const double fixed[] = {0.0,     DBL_TRUE_MIN, 0x1p-1050, DBL_MIN / 3, DBL_MIN,
                                 1e-300,  FLT_TRUE_MIN, 1e-40,     FLT_MIN,     1.0,
                                 FLT_MAX, DBL_MAX,      HUGE_VAL};
  enum { SIDE = 200 };
  const size_t nat = sizeof at / sizeof at[0], nfixed = sizeof fixed / sizeof fixed[0];
  size_t m;
  double *sweep = inputs(-hi, hi, &m);
  *n = m + 2 * nfixed + 1 + 2 * nat * 2 * SIDE * 2;
  double *x = realloc(sweep, *n * sizeof *x);
  ck_assert_ptr_nonnull(x);
  for (size_t i = 0; i < nfixed; i++) x[m++] = fixed[i], x[m++] = -fixed[i];
  x[m++] = NAN;
  for (size_t i = 0; i < nat; i++)
    for (int sign = -1; sign <= 1; sign += 2) {
      double up = at[i], down = at[i];
      float upf = (float)at[i], downf = (float)at[i];
      for (int k = 0; k < SIDE; k++) {
        x[m++] = sign * up, x[m++] = sign * down;
        x[m++] = sign * (double)upf, x[m++] = sign * (double)downf;
        up = nextafter(up, HUGE_VAL), down = nextafter(down, 0);
        upf = nextafterf(upf, HUGE_VALF), downf = nextafterf(downf, 0);
      }
    }
  ck_assert_uint_eq(m, *n);
  return x;
}

/* Checks y[i] = tanh(x[i]) against libm's tanhl: the relative error where the
 * result is normal (below tol); x itself, bit for bit, where |x| < tiny (there
 * tanh(x) rounds to x: x^3 / 3 is below half an ulp); exactly +-1 where and
 * only where tanh(x) rounds to +-1, i.e. where 1 - |tanh x| = 2e / (1 + e),
 * e = e^-2|x|, is below half an ulp of the numbers under 1 (`half`); the sign
 * of x; NaN for NaN. */
static void compare_tanh(const double *x, const double *y, size_t n, double tol, double tiny,
                         long double half, double normal, const char *what) {
  double worst = 0, at = 0;
  size_t ones = 0, same = 0;
  for (size_t i = 0; i < n; i++) {
    if (isnan(x[i])) {
      ck_assert_msg(isnan(y[i]), "%s(NaN) = %g", what, y[i]);
      continue;
    }
    ck_assert_msg(!isnan(y[i]) && signbit(y[i]) == signbit(x[i]), "%s(%.17g) = %g", what, x[i],
                  y[i]);
    if (fabs(x[i]) < tiny) {
      ck_assert_msg(memcmp(&y[i], &x[i], sizeof *y) == 0, "%s(%.17g) = %.17g, expected x", what,
                    x[i], y[i]);
      same++;
      continue;
    }
    const long double e = expl(-2.0L * fabsl(x[i])), q = 2 * e / (1 + e);
    if (q < half) {
      ck_assert_msg(fabs(y[i]) == 1.0, "%s(%.17g) = %.17g, expected +-1", what, x[i], y[i]);
      ones++;
      continue;
    }
    ck_assert_msg(fabs(y[i]) < 1.0, "%s(%.17g) = %.17g, expected below 1", what, x[i], y[i]);
    const long double r = tanhl(x[i]);
    if (fabsl(r) < normal) continue; /* no normal result: x is tiny, checked above */
    const double err = rel_error(y[i], r);
    if (err > worst) worst = err, at = x[i];
  }
  printf("%-9s max relative error %.3g (%.2f ulp) at x = %.17g; %zu of %zu exactly +-1, %zu "
         "returned as x\n",
         what, worst, worst / (tol < 1e-9 ? DBL_EPSILON : FLT_EPSILON), at, ones, n, same);
  ck_assert_msg(worst < tol, "%s: max relative error %g at x = %.17g", what, worst, at);
}

START_TEST(tanh_accuracy) {
  size_t n;
  double *x = tanh_inputs(25, &n);
  double *y = run_double(vmath_tanh, x, n);
  compare_tanh(x, y, n, 1e-15, 0x1p-27, 0x1p-54L, DBL_MIN, "tanh");
  free(y);
  free(x);
}
END_TEST

START_TEST(tanhf_accuracy) {
  size_t n;
  double *x = tanh_inputs(12, &n);
  double *y = run_float(vmath_tanhf, x, n);
  for (size_t i = 0; i < n; i++) x[i] = (float)x[i]; /* the inputs the kernel saw */
  compare_tanh(x, y, n, 1e-6, 0x1p-12, 0x1p-25L, FLT_MIN, "tanhf");
  free(y);
  free(x);
}
END_TEST

/* The saturated ends, infinities and signed zeros, with no exception. */
START_TEST(extremes) {
  double d[] = {800, -800, 220, -220, 37.5, -745.2, -708.5, 708.5, HUGE_VAL, -HUGE_VAL,
                DBL_MAX, -DBL_MAX, 0.0, -0.0, DBL_MIN, -DBL_TRUE_MIN};
  const double want[] = {1, 0, 1, -1, 1, 0, 0, 1, 1, 0, 1, 0, 0.5, 0.5, 0.5, 0.5};
  const size_t nd = sizeof d / sizeof d[0];
  feclearexcept(FE_ALL_EXCEPT);
  vmath_sigmoid(d, nd);
  ck_assert(!fetestexcept(TRAPS));
  for (size_t i = 0; i < nd; i++) {
    if (want[i] >= 0) ck_assert_msg(d[i] == want[i], "sigmoid case %zu: %g", i, d[i]);
    else ck_assert(d[i] > 0 && d[i] < 1e-95); /* sigmoid(-220) = 2.8e-96 */
  }

  float f[] = {220, -220, 100, -100, 17.5f, -87.4f, HUGE_VALF, -HUGE_VALF, FLT_MAX, -FLT_MAX,
               0.0f, -0.0f};
  const float wantf[] = {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0.5f, 0.5f};
  const size_t nf = sizeof f / sizeof f[0];
  feclearexcept(FE_ALL_EXCEPT);
  vmath_sigmoidf(f, nf);
  ck_assert(!fetestexcept(TRAPS));
  for (size_t i = 0; i < nf; i++)
    ck_assert_msg(f[i] == wantf[i], "sigmoidf case %zu: %g", i, (double)f[i]);

  double e[] = {0.0, -0.0, 1.0, -HUGE_VAL, HUGE_VAL, -800, 800, 709.78, -708.39, -DBL_MAX,
                DBL_MAX};
  const size_t ne = sizeof e / sizeof e[0];
  feclearexcept(FE_ALL_EXCEPT);
  vmath_exp(e, ne);
  ck_assert(!fetestexcept(TRAPS));
  ck_assert(e[0] == 1.0 && e[1] == 1.0 && fabs(e[2] - exp(1.0)) < 1e-15);
  ck_assert(e[3] == 0.0 && isinf(e[4]) && e[5] == 0.0 && isinf(e[6]));
  ck_assert(isfinite(e[7]) && e[7] > 1.79e308 && e[8] >= DBL_MIN && e[9] == 0 && isinf(e[10]));

  float g[] = {0.0f, 1.0f, -HUGE_VALF, HUGE_VALF, -100, 100, 88.72f, -87.33f};
  feclearexcept(FE_ALL_EXCEPT);
  vmath_expf(g, 8);
  ck_assert(!fetestexcept(TRAPS));
  ck_assert(g[0] == 1.0f && fabsf(g[1] - 2.7182817f) < 1e-6f);
  ck_assert(g[2] == 0.0f && isinf(g[3]) && g[4] == 0.0f && isinf(g[5]));
  ck_assert(isfinite(g[6]) && g[6] > 3.3e38f && g[7] >= FLT_MIN);
}
END_TEST

/* tanh: +-1 exactly from the first input whose tanh rounds there (and 1 ulp
 * below 1 just before it), signed zeros, subnormals and tiny inputs returned
 * as they are, no exception. */
START_TEST(tanh_extremes) {
  const double one = 0x1.30fc1931f09cap+4; /* the least double with tanh rounding to 1 */
  double d[] = {HUGE_VAL, -HUGE_VAL,    DBL_MAX, -DBL_MAX, 0.0, -0.0, DBL_TRUE_MIN, -DBL_TRUE_MIN,
                DBL_MIN,  -1e-20,       one,     -one,     nextafter(one, 0), -nextafter(one, 0),
                20,       -800};
  const double want[] = {1,       -1,     1,   -1,  0.0,           -0.0,           DBL_TRUE_MIN,
                         -DBL_TRUE_MIN, DBL_MIN, -1e-20, 1, -1, 1 - 0x1p-53, -1 + 0x1p-53, 1, -1};
  const size_t nd = sizeof d / sizeof d[0];
  feclearexcept(FE_ALL_EXCEPT);
  vmath_tanh(d, nd);
  ck_assert(!fetestexcept(TRAPS));
  for (size_t i = 0; i < nd; i++)
    ck_assert_msg(memcmp(&d[i], &want[i], sizeof *d) == 0, "tanh case %zu: %.17g, expected %.17g",
                  i, d[i], want[i]);

  const float onef = 0x1.205968p+3f;
  float f[] = {HUGE_VALF, -HUGE_VALF, FLT_MAX, -FLT_MAX, 0.0f, -0.0f, FLT_TRUE_MIN, -FLT_TRUE_MIN,
               FLT_MIN,   -1e-10f,    onef,    -onef,    nextafterf(onef, 0), -nextafterf(onef, 0),
               10,        -100};
  const float wantf[] = {1,       -1,      1,  -1, 0.0f,         -0.0f,        FLT_TRUE_MIN,
                         -FLT_TRUE_MIN, FLT_MIN, -1e-10f, 1, -1, 1 - 0x1p-24f, -1 + 0x1p-24f, 1, -1};
  const size_t nf = sizeof f / sizeof f[0];
  feclearexcept(FE_ALL_EXCEPT);
  vmath_tanhf(f, nf);
  ck_assert(!fetestexcept(TRAPS));
  for (size_t i = 0; i < nf; i++)
    ck_assert_msg(memcmp(&f[i], &wantf[i], sizeof *f) == 0, "tanhf case %zu: %.9g, expected %.9g",
                  i, (double)f[i], (double)wantf[i]);
}
END_TEST

/* relu: negatives (-inf and -0 included) to +0, NaNs of either sign kept, no
 * exception; the bias is -0 so that z + b is z. */
START_TEST(relu_extremes) {
  double d[] = {-0.0, 0.0, -DBL_TRUE_MIN, DBL_TRUE_MIN, -HUGE_VAL, HUGE_VAL, NAN, -NAN, -1, 2.5,
                -DBL_MAX, DBL_MAX};
  const double want[] = {0.0, 0.0, 0.0, DBL_TRUE_MIN, 0.0, HUGE_VAL, NAN, NAN, 0.0, 2.5, 0.0,
                         DBL_MAX};
  enum { ND = sizeof d / sizeof d[0] };
  double b[ND];
  float f[ND], bf[ND];
  for (size_t i = 0; i < ND; i++) f[i] = (float)d[i], b[i] = -0.0, bf[i] = -0.0f;
  f[2] = -FLT_TRUE_MIN, f[3] = FLT_TRUE_MIN;
  feclearexcept(FE_ALL_EXCEPT);
  vmath_bias_relu(d, 1, ND, ND, b);
  vmath_bias_reluf(f, 1, ND, ND, bf);
  ck_assert(!fetestexcept(TRAPS));
  for (size_t i = 0; i < ND; i++) {
    const float wf = i == 3 ? FLT_TRUE_MIN : (float)want[i];
    if (isnan(want[i])) {
      ck_assert_msg(isnan(d[i]) && isnan(f[i]), "relu case %zu: %g, %g", i, d[i], (double)f[i]);
    } else {
      ck_assert_msg(memcmp(&d[i], &want[i], sizeof *d) == 0, "relu case %zu: %g", i, d[i]);
      ck_assert_msg(memcmp(&f[i], &wf, sizeof *f) == 0, "reluf case %zu: %g", i, (double)f[i]);
    }
  }
}
END_TEST

/* NaN in, NaN out, neighbours untouched, and no exception for a quiet NaN. */
START_TEST(nan_propagates) {
  double d[40], e[40], t[40];
  float f[70], g[70], tf[70];
  for (size_t i = 0; i < 40; i++) d[i] = e[i] = (double)i - 20.0;
  for (size_t i = 0; i < 70; i++) f[i] = g[i] = (float)i - 35.0f;
  d[3] = e[3] = NAN;
  d[17] = e[17] = -NAN;
  f[5] = g[5] = NAN;
  f[66] = g[66] = -NAN;
  feclearexcept(FE_ALL_EXCEPT);
  memcpy(t, d, sizeof t);
  memcpy(tf, f, sizeof tf);
  vmath_sigmoid(d, 40);
  vmath_exp(e, 40);
  vmath_tanh(t, 40);
  vmath_sigmoidf(f, 70);
  vmath_expf(g, 70);
  vmath_tanhf(tf, 70);
  ck_assert(!fetestexcept(TRAPS));
  ck_assert(isnan(d[3]) && isnan(d[17]) && isnan(e[3]) && isnan(e[17]) && isnan(t[3]) &&
            isnan(t[17]));
  ck_assert(isnan(f[5]) && isnan(f[66]) && isnan(g[5]) && isnan(g[66]) && isnan(tf[5]) &&
            isnan(tf[66]));
  for (size_t i = 0; i < 40; i++)
    if (i != 3 && i != 17) ck_assert(!isnan(d[i]) && !isnan(e[i]) && !isnan(t[i]));
  for (size_t i = 0; i < 70; i++)
    if (i != 5 && i != 66) ck_assert(!isnan(f[i]) && !isnan(g[i]) && !isnan(tf[i]));
  ck_assert(d[20] == 0.5 && f[35] == 0.5f && e[20] == 1.0 && g[35] == 1.0f);
  ck_assert(t[20] == 0.0 && tf[35] == 0.0f && t[39] == 1 - 0x1p-53 && tf[0] == -1.0f);
}
END_TEST

/* A result depends on its own input only: any length, any position.  The
 * inputs are computed once: a loop and a scalar expression may be contracted
 * into FMAs differently (-march=native) and give inputs an ulp apart. */
START_TEST(position_independent) {
  double input[100], x[101], one;
  float inputf[100], xf[101], onef;
  for (int k = 0; k < 2; k++) { /* sigmoid, tanh */
    for (size_t i = 0; i < 100; i++) {
      input[i] = k == 0 ? 3.7 * (double)i - 150.0 : 0.37 * (double)i - 18.5;
      inputf[i] = (float)input[i];
    }
    for (size_t n = 0; n <= 100; n++) {
      memcpy(x, input, n * sizeof *x);
      memcpy(xf, inputf, n * sizeof *xf);
      x[n] = xf[n] = 12345; /* past the end: must stay */
      if (k == 0) vmath_sigmoid(x, n), vmath_sigmoidf(xf, n);
      else vmath_tanh(x, n), vmath_tanhf(xf, n);
      ck_assert(x[n] == 12345 && xf[n] == 12345);
      for (size_t i = 0; i < n; i++) {
        one = input[i], onef = inputf[i];
        if (k == 0) vmath_sigmoid(&one, 1), vmath_sigmoidf(&onef, 1);
        else vmath_tanh(&one, 1), vmath_tanhf(&onef, 1);
        ck_assert_msg(x[i] == one && xf[i] == onef, "kernel %d, n %zu, i %zu", k, n, i);
      }
    }
  }
}
END_TEST

/* f(z + b) row by row over a strided block equals the two steps separately
 * (for relu: the plain loop), bit for bit, and leaves the padding columns
 * alone.  relu's inputs include signed zeros, infinities and NaNs. */
START_TEST(fused_bias_equals_unfused) {
  const size_t shapes[][3] = {{5, 300, 307}, {3, 3, 3}, {4, 37, 40}, {2, 64, 64}};
  const double special[] = {0.0, -0.0, HUGE_VAL, -HUGE_VAL, NAN, -NAN, DBL_TRUE_MIN};
  for (size_t s = 0; s < 4; s++) {
    const size_t n = shapes[s][0], h = shapes[s][1], ld = shapes[s][2];
    double *z = malloc(n * ld * sizeof *z), *u = malloc(n * ld * sizeof *u);
    double *b = malloc(h * sizeof *b);
    float *zf = malloc(n * ld * sizeof *zf), *uf = malloc(n * ld * sizeof *uf);
    float *bf = malloc(h * sizeof *bf);
    ck_assert(z && u && b && zf && uf && bf);
    for (size_t j = 0; j < h; j++) b[j] = 40.0 * uniform() - 20.0, bf[j] = (float)b[j];
    for (int f = 0; f < 3; f++) { /* sigmoid, tanh, relu */
      const double range = f == 0 ? 400.0 : f == 1 ? 50.0 : 4.0;
      for (size_t i = 0; i < n * ld; i++) {
        z[i] = u[i] = range * (uniform() - 0.5);
        if (f == 2 && i % 5 == 0) z[i] = u[i] = special[(i / 5) % 7];
        if (f == 2 && i % 5 == 1 && i % ld < h) z[i] = u[i] = -b[i % ld]; /* z + b = +0 */
        zf[i] = uf[i] = (float)z[i];
      }
      if (f == 0) {
        vmath_bias_sigmoid(z, n, h, ld, b);
        vmath_bias_sigmoidf(zf, n, h, ld, bf);
      } else if (f == 1) {
        vmath_bias_tanh(z, n, h, ld, b);
        vmath_bias_tanhf(zf, n, h, ld, bf);
      } else {
        b[0] = -0.0, bf[0] = -0.0f; /* column 0: z + b is z, -0 included */
        vmath_bias_relu(z, n, h, ld, b);
        vmath_bias_reluf(zf, n, h, ld, bf);
      }
      for (size_t r = 0; r < n; r++) {
        double *ur = u + r * ld;
        float *ufr = uf + r * ld;
        for (size_t j = 0; j < h; j++) ur[j] += b[j], ufr[j] += bf[j];
        if (f == 0) {
          vmath_sigmoid(ur, h);
          vmath_sigmoidf(ufr, h);
        } else if (f == 1) {
          vmath_tanh(ur, h);
          vmath_tanhf(ufr, h);
        } else {
          for (size_t j = 0; j < h; j++) {
            ur[j] = ur[j] > 0 || isnan(ur[j]) ? ur[j] : 0.0;
            ufr[j] = ufr[j] > 0 || isnan(ufr[j]) ? ufr[j] : 0.0f;
          }
        }
      }
      ck_assert_msg(memcmp(z, u, n * ld * sizeof *z) == 0, "kernel %d, shape %zu", f, s);
      ck_assert_msg(memcmp(zf, uf, n * ld * sizeof *zf) == 0, "kernel %d (float), shape %zu", f, s);
    }
    free(z), free(u), free(b), free(zf), free(uf), free(bf);
  }
}
END_TEST

/* The plain loops that the backward kernels replace: d = grad(d, a), then db
 * the column sums in row order.  Each operation is rounded on its own, as
 * written (none is a multiply-add, so FMA contraction changes nothing). */
enum { SIGMOID, TANH, RELU };

static void plain_backward(int kind, double *d, size_t ldd, const double *a,
                                       size_t lda, size_t n, size_t h, double *db) {
  for (size_t r = 0; r < n; r++)
    for (size_t j = 0; j < h; j++) {
      const double x = a[r * lda + j];
      double *y = &d[r * ldd + j];
      if (kind == SIGMOID) *y *= x * (1.0 - x);
      else if (kind == TANH) *y *= (1.0 - x) * (1.0 + x);
      else *y = x > 0 ? *y : 0.0;
    }
  memset(db, 0, h * sizeof *db);
  for (size_t r = 0; r < n; r++)
    for (size_t j = 0; j < h; j++) db[j] += d[r * ldd + j];
}

static void plain_backwardf(int kind, float *d, size_t ldd, const float *a,
                                        size_t lda, size_t n, size_t h, float *db) {
  for (size_t r = 0; r < n; r++)
    for (size_t j = 0; j < h; j++) {
      const float x = a[r * lda + j];
      float *y = &d[r * ldd + j];
      if (kind == SIGMOID) *y *= x * (1.0f - x);
      else if (kind == TANH) *y *= (1.0f - x) * (1.0f + x);
      else *y = x > 0 ? *y : 0.0f;
    }
  memset(db, 0, h * sizeof *db);
  for (size_t r = 0; r < n; r++)
    for (size_t j = 0; j < h; j++) db[j] += d[r * ldd + j];
}

/* The fused backward steps against the plain loops, bit for bit, over strided
 * blocks: activations as each function gives them (tanh's with +-1 and +-0,
 * relu's with zeros, and also -0, inf, subnormal, negative and NaN), gradients
 * finite with some -0 and large ones; no exception. */
START_TEST(backward_equals_loops) {
  const size_t shapes[][4] = {{7, 301, 305, 303}, {3, 5, 5, 5}, {4, 64, 64, 70}, {1, 33, 33, 33}};
  const double a_special[] = {NAN, -0.0, 0.0, HUGE_VAL, DBL_TRUE_MIN, -1.0, 1.0};
  typedef void (*backward_fn)(double *, size_t, const double *, size_t, size_t, size_t,
                              double *);
  typedef void (*backwardf_fn)(float *, size_t, const float *, size_t, size_t, size_t, float *);
  const backward_fn fn[] = {vmath_sigmoid_backward, vmath_tanh_backward, vmath_relu_backward};
  const backwardf_fn fnf[] = {vmath_sigmoid_backwardf, vmath_tanh_backwardf,
                              vmath_relu_backwardf};
  for (int kind = SIGMOID; kind <= RELU; kind++)
    for (size_t s = 0; s < 4; s++) {
      const size_t n = shapes[s][0], h = shapes[s][1], ldd = shapes[s][2], lda = shapes[s][3];
      double *d = malloc(n * ldd * sizeof *d), *dd = malloc(n * ldd * sizeof *dd);
      double *a = malloc(n * lda * sizeof *a), db[301], col[301];
      float *df = malloc(n * ldd * sizeof *df), *ddf = malloc(n * ldd * sizeof *ddf);
      float *af = malloc(n * lda * sizeof *af), dbf[301], colf[301];
      ck_assert(d && dd && a && df && ddf && af);
      for (size_t i = 0; i < n * ldd; i++) {
        d[i] = i % 23 == 0 ? -0.0 : i % 29 == 0 ? 1e30 * (uniform() - 0.5) : uniform() - 0.5;
        dd[i] = d[i], df[i] = ddf[i] = (float)d[i];
      }
      for (size_t i = 0; i < n * lda; i++) {
        const double u = uniform();
        a[i] = kind == SIGMOID ? u : kind == TANH ? 2 * u - 1 : (u < 0.5 ? 0.0 : 4 * u - 2);
        if (kind == TANH && i % 13 == 0) a[i] = a_special[1 + (i / 13) % 2 * 4 + (i / 26) % 2];
        if (kind == RELU && i % 11 == 0) a[i] = a_special[(i / 11) % 7];
        af[i] = (float)a[i];
      }
      for (size_t j = 0; j < h; j++) db[j] = 99, dbf[j] = 99; /* overwritten, not added to */
      feclearexcept(FE_ALL_EXCEPT);
      fn[kind](d, ldd, a, lda, n, h, db);
      fnf[kind](df, ldd, af, lda, n, h, dbf);
      ck_assert_msg(!fetestexcept(TRAPS), "kernel %d: floating-point exception raised", kind);
      plain_backward(kind, dd, ldd, a, lda, n, h, col);
      plain_backwardf(kind, ddf, ldd, af, lda, n, h, colf);
      ck_assert_msg(memcmp(d, dd, n * ldd * sizeof *d) == 0, "kernel %d, shape %zu", kind, s);
      ck_assert_msg(memcmp(db, col, h * sizeof *db) == 0, "kernel %d, shape %zu: db", kind, s);
      ck_assert_msg(memcmp(df, ddf, n * ldd * sizeof *df) == 0, "kernel %d (float), shape %zu",
                    kind, s);
      ck_assert_msg(memcmp(dbf, colf, h * sizeof *dbf) == 0, "kernel %d (float), shape %zu: db",
                    kind, s);
      free(d), free(dd), free(a), free(df), free(ddf), free(af);
    }
}
END_TEST

int main(void) {
  printf("vmath path: %s\n", vmath_path());
  Suite *s = suite_create("vmath");
  TCase *t = tcase_create("kernels");
  tcase_add_test(t, sigmoid_accuracy);
  tcase_add_test(t, exp_accuracy);
  tcase_add_test(t, sigmoidf_accuracy);
  tcase_add_test(t, expf_accuracy);
  tcase_add_test(t, tanh_accuracy);
  tcase_add_test(t, tanhf_accuracy);
  tcase_add_test(t, extremes);
  tcase_add_test(t, tanh_extremes);
  tcase_add_test(t, relu_extremes);
  tcase_add_test(t, nan_propagates);
  tcase_add_test(t, position_independent);
  tcase_add_test(t, fused_bias_equals_unfused);
  tcase_add_test(t, backward_equals_loops);
  tcase_set_timeout(t, 120);
  suite_add_tcase(s, t);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
