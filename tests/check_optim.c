/* check_optim.c: the optimizers' steps against numbers worked out by hand
 * (momentum, Nesterov, Adam with its bias correction), their state, and the
 * initializations of mlp_randomize: variances per layer, seeds, biases and
 * the documented order of the draws.  The gradient itself and the SGD step
 * through it are checked in check_mlp.c.
 */
#include "config.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "mlp.h"
#include "optim.h"

static const char *prec_name(int precision) {
  return precision == MLP_FLOAT32 ? "float32" : "float64";
}

static double param(const mlp *m, size_t i) {
  return m->precision == MLP_FLOAT32 ? (double)*mlp_f32(m, i) : *mlp_f64(m, i);
}

static void set_param(mlp *m, size_t i, double v) {
  if (m->precision == MLP_FLOAT32)
    *mlp_f32(m, i) = (float)v;
  else
    *mlp_f64(m, i) = v;
}

/* ------------------------------------------------------------ optimizers */

/* The tiny model of the hand-worked steps: no hidden layer, d = 1, k = 2, so
 * the block is W1 = [p0 p1], b1 = [p2 p3].  Its gradient is set by hand:
 * what the optimizers do with a gradient is all that is checked here.
 *   w0 = [1  -0.5  0.25  2]        initial parameters
 *   g1 = [2   0.5  -4    0]        gradient of step 1
 *   g2 = [-1  0.5   3    0.25]     gradient of step 2 */
static const double w0[4] = {1, -0.5, 0.25, 2};
static const double g1[4] = {2, 0.5, -4, 0};
static const double g2[4] = {-1, 0.5, 3, 0.25};

static void tiny(mlp *m, mlp *g, int precision) {
  ck_assert_int_eq(mlp_init(m, 1, NULL, 0, 2, MLP_SIGMOID, precision, NULL), NN_OK);
  ck_assert_int_eq(mlp_init_like(g, m, NULL), NN_OK);
  ck_assert_uint_eq(m->size, 4);
  for (size_t i = 0; i < 4; i++) set_param(m, i, w0[i]);
}

static void set_gradient(mlp *g, const double *v) {
  for (size_t i = 0; i < 4; i++) set_param(g, i, v[i]);
}

/* Checks the 4 parameters of m against want, absolutely: float64 to 1e-15
 * (a few ulps of these numbers, all below 2.3); float32 to 8 FLT_EPSILON =
 * 9.5e-7, a few float ulps (the inputs are exact in float, but the constants
 * 0.1, 0.9, 0.001 ... are not).  Returns the largest difference. */
static double expect(const mlp *m, const double *want, const char *what) {
  const double tol = m->precision == MLP_FLOAT32 ? 4 * 2 * FLT_EPSILON : 1e-15;
  double worst = 0.0;
  for (size_t i = 0; i < 4; i++) {
    const double diff = fabs(param(m, i) - want[i]);
    ck_assert_msg(diff <= tol, "%s %s: parameter %zu is %.17g, expected %.17g",
                  prec_name(m->precision), what, i, param(m, i), want[i]);
    worst = fmax(worst, diff);
  }
  return worst;
}

START_TEST(test_names) {
  ck_assert_str_eq(optim_name(OPTIM_SGD), "sgd");
  ck_assert_str_eq(optim_name(OPTIM_MOMENTUM), "momentum");
  ck_assert_str_eq(optim_name(OPTIM_ADAM), "adam");
  ck_assert_ptr_null(optim_name(OPTIM_ADAM + 1));
  ck_assert_ptr_null(optim_name(-1));
}
END_TEST

/* Zeroed state shaped like the model: none for SGD, the velocity for
 * momentum, both moments for Adam. */
START_TEST(test_state) {
  mlp m;
  const size_t hidden[2] = {3, 2};
  ck_assert_int_eq(mlp_init(&m, 4, hidden, 2, 5, MLP_TANH, MLP_FLOAT32, NULL), NN_OK);
  optim_state s;
  ck_assert_int_eq(optim_init(&s, OPTIM_SGD, &m, NULL), NN_OK);
  ck_assert_int_eq(s.kind, OPTIM_SGD);
  ck_assert_int_eq(s.steps, 0);
  ck_assert_ptr_null(s.m.mem);
  ck_assert_ptr_null(s.v.mem);
  optim_free(&s);
  ck_assert_int_eq(optim_init(&s, OPTIM_MOMENTUM, &m, NULL), NN_OK);
  ck_assert_uint_eq(s.m.size, m.size);
  ck_assert_int_eq(s.m.precision, MLP_FLOAT32);
  ck_assert_ptr_null(s.v.mem);
  for (size_t i = 0; i < s.m.size; i++) ck_assert(*mlp_f32(&s.m, i) == 0.0f);
  optim_free(&s);
  ck_assert_int_eq(optim_init(&s, OPTIM_ADAM, &m, NULL), NN_OK);
  ck_assert_uint_eq(s.m.size, m.size);
  ck_assert_uint_eq(s.v.size, m.size);
  ck_assert_uint_eq(s.v.nlayers, 3);
  for (size_t i = 0; i < s.m.size; i++)
    ck_assert(*mlp_f32(&s.m, i) == 0.0f && *mlp_f32(&s.v, i) == 0.0f);
  optim_free(&s);
  optim_free(&s); /* freed state is zeroed: freeing again is harmless */
  optim_free(NULL);
  mlp_free(&m);
}
END_TEST

/* SGD: w -= lr g.  With lr = 0.5 the numbers are exact:
 *   step 1: w = w0 - g1/2 = [0  -0.75  2.25  2]
 *   step 2: w - g2/2      = [0.5  -1  0.75  1.875] */
START_TEST(test_sgd_two_steps) {
  for (int p = 0; p < 2; p++) {
    mlp m, g;
    optim_state s;
    tiny(&m, &g, p ? MLP_FLOAT32 : MLP_FLOAT64);
    ck_assert_int_eq(optim_init(&s, OPTIM_SGD, &m, NULL), NN_OK);
    const optim_config c = {.kind = OPTIM_SGD, .lr = 0.5};
    set_gradient(&g, g1);
    optim_step(&c, &s, &m, &g);
    const double want1[4] = {0, -0.75, 2.25, 2};
    ck_assert(expect(&m, want1, "sgd step 1") == 0.0);
    set_gradient(&g, g2);
    optim_step(&c, &s, &m, &g);
    const double want2[4] = {0.5, -1, 0.75, 1.875};
    ck_assert(expect(&m, want2, "sgd step 2") == 0.0);
    ck_assert_int_eq(s.steps, 2);
    optim_free(&s);
    mlp_free(&g);
    mlp_free(&m);
  }
}
END_TEST

/* Momentum, lr = 0.1, mu = 0.9 (PyTorch's SGD with momentum, dampening 0).
 * Heavy ball: v = mu v + g;  w -= lr v.
 *   step 1: v = g1 = [2  0.5  -4  0]
 *           w = w0 - 0.1 g1 = [0.8  -0.55  0.65  2]
 *   step 2: v = 0.9 g1 + g2 = [1.8-1  0.45+0.5  -3.6+3  0+0.25] = [0.8  0.95  -0.6  0.25]
 *           w -= 0.1 v: [0.8-0.08  -0.55-0.095  0.65+0.06  2-0.025]
 *                     = [0.72  -0.645  0.71  1.975]
 * Nesterov: v = mu v + g;  w -= lr (g + mu v).
 *   step 1: v = g1;  w = w0 - 0.1 (g1 + 0.9 g1) = w0 - 0.19 g1
 *                  = [1-0.38  -0.5-0.095  0.25+0.76  2] = [0.62  -0.595  1.01  2]
 *   step 2: v = [0.8  0.95  -0.6  0.25] as above;
 *           g2 + 0.9 v = [-1+0.72  0.5+0.855  3-0.54  0.25+0.225] = [-0.28  1.355  2.46  0.475]
 *           w -= 0.1 (g2 + 0.9 v): [0.62+0.028  -0.595-0.1355  1.01-0.246  2-0.0475]
 *                                = [0.648  -0.7305  0.764  1.9525] */
START_TEST(test_momentum_by_hand) {
  static const double heavy1[4] = {0.8, -0.55, 0.65, 2}, heavy2[4] = {0.72, -0.645, 0.71, 1.975};
  static const double nest1[4] = {0.62, -0.595, 1.01, 2};
  static const double nest2[4] = {0.648, -0.7305, 0.764, 1.9525};
  static const double vel1[4] = {2, 0.5, -4, 0}, vel2[4] = {0.8, 0.95, -0.6, 0.25};
  for (int p = 0; p < 2; p++)
    for (int nesterov = 0; nesterov < 2; nesterov++) {
      const int precision = p ? MLP_FLOAT32 : MLP_FLOAT64;
      mlp m, g;
      optim_state s;
      tiny(&m, &g, precision);
      ck_assert_int_eq(optim_init(&s, OPTIM_MOMENTUM, &m, NULL), NN_OK);
      const optim_config c = {.kind = OPTIM_MOMENTUM, .lr = 0.1, .momentum = 0.9,
                              .nesterov = nesterov};
      set_gradient(&g, g1);
      optim_step(&c, &s, &m, &g);
      double worst = expect(&m, nesterov ? nest1 : heavy1, "momentum step 1");
      worst = fmax(worst, expect(&s.m, vel1, "velocity after step 1"));
      set_gradient(&g, g2);
      optim_step(&c, &s, &m, &g);
      worst = fmax(worst, expect(&m, nesterov ? nest2 : heavy2, "momentum step 2"));
      worst = fmax(worst, expect(&s.m, vel2, "velocity after step 2"));
      ck_assert_int_eq(s.steps, 2);
      printf("%s momentum%s, two steps by hand: max difference %.3g\n", prec_name(precision),
             nesterov ? " (nesterov)" : "", worst);
      optim_free(&s);
      mlp_free(&g);
      mlp_free(&m);
    }
}
END_TEST

/* Adam, PyTorch's defaults: lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8.
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * Step 1 (t = 1): m = 0.1 g1, v = 0.001 g1^2; the corrections 1 - 0.9 = 0.1
 * and 1 - 0.999 = 0.001 give back m^ = g1, v^ = g1^2, so each parameter moves
 * by lr g1 / (|g1| + eps) -- about lr against the gradient's sign, 0 where
 * g1 = 0:
 *   w = [1 - 1e-3 * 2/2.00000001     -0.5 - 1e-3 * 0.5/0.50000001
 *        0.25 + 1e-3 * 4/4.00000001   2]
 *     = [0.99900000000499999998  -0.50099999998000000040  0.25099999999750000001  2]
 * Step 2 (t = 2): m = 0.09 g1 + 0.1 g2 = [0.08  0.095  -0.06  0.025],
 * v = 0.000999 g1^2 + 0.001 g2^2 = [0.004996  0.00049975  0.024984  0.0000625];
 * corrections 1 - 0.81 = 0.19 and 1 - 0.998001 = 0.001999:
 *   m^ = m / 0.19      = [0.42105263157894737  0.5  -0.31578947368421053  0.13157894736842105]
 *   v^ = v / 0.001999  = [2.4992496248124062  0.25  12.498249124562281  0.031265632816408204]
 *   sqrt(v^)           = [1.5809015228066567  0.5  3.5352862860823989  0.17682090605018459]
 *   w -= 1e-3 m^ / (sqrt(v^) + 1e-8):
 *   w = [0.99873366296702431358  -0.50199999996000000080  0.25108932500465264568
 *        1.9992558632185172208]
 * (decimal arithmetic to 40 digits).  Parameter 1 has a constant gradient:
 * with the bias correction it moves by the same 1e-3 * 0.5/0.50000001 twice;
 * without it, step 1 would move it by 1e-3 * 0.05/sqrt(0.00025) = 3.2e-3.
 * Parameter 3's first gradient is 0, and its first real step is 7.4e-4, not
 * lr: the moments remember the zero. */
START_TEST(test_adam_by_hand) {
  static const double adam1[4] = {0.99900000000499999998, -0.50099999998000000040,
                                  0.25099999999750000001, 2};
  static const double adam2[4] = {0.99873366296702431358, -0.50199999996000000080,
                                  0.25108932500465264568, 1.9992558632185172208};
  static const double m1[4] = {0.2, 0.05, -0.4, 0}, v1[4] = {0.004, 0.00025, 0.016, 0};
  static const double m2[4] = {0.08, 0.095, -0.06, 0.025};
  static const double v2[4] = {0.004996, 0.00049975, 0.024984, 0.0000625};
  for (int p = 0; p < 2; p++) {
    const int precision = p ? MLP_FLOAT32 : MLP_FLOAT64;
    mlp m, g;
    optim_state s;
    tiny(&m, &g, precision);
    ck_assert_int_eq(optim_init(&s, OPTIM_ADAM, &m, NULL), NN_OK);
    const optim_config c = {.kind = OPTIM_ADAM, .lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999,
                            .epsilon = 1e-8};
    set_gradient(&g, g1);
    optim_step(&c, &s, &m, &g);
    ck_assert_int_eq(s.steps, 1);
    double worst = expect(&m, adam1, "adam step 1");
    worst = fmax(worst, expect(&s.m, m1, "first moment after step 1"));
    worst = fmax(worst, expect(&s.v, v1, "second moment after step 1"));
    set_gradient(&g, g2);
    optim_step(&c, &s, &m, &g);
    ck_assert_int_eq(s.steps, 2);
    worst = fmax(worst, expect(&m, adam2, "adam step 2"));
    worst = fmax(worst, expect(&s.m, m2, "first moment after step 2"));
    worst = fmax(worst, expect(&s.v, v2, "second moment after step 2"));
    printf("%s adam, two steps by hand: max difference %.3g\n", prec_name(precision), worst);
    optim_free(&s);
    mlp_free(&g);
    mlp_free(&m);
  }
}
END_TEST

/* A state copied after a step continues exactly as the original: what a
 * resumed run relies on. */
START_TEST(test_copy_continues) {
  static const int kinds[3] = {OPTIM_SGD, OPTIM_MOMENTUM, OPTIM_ADAM};
  for (int p = 0; p < 2; p++)
    for (int k = 0; k < 3; k++) {
      const int precision = p ? MLP_FLOAT32 : MLP_FLOAT64;
      mlp m, g, m2;
      optim_state s, t;
      tiny(&m, &g, precision);
      ck_assert_int_eq(mlp_init_like(&m2, &m, NULL), NN_OK);
      ck_assert_int_eq(optim_init(&s, kinds[k], &m, NULL), NN_OK);
      ck_assert_int_eq(optim_init(&t, kinds[k], &m, NULL), NN_OK);
      const optim_config c = {.kind = kinds[k], .lr = 0.1, .momentum = 0.9, .nesterov = 1,
                              .beta1 = 0.9, .beta2 = 0.999, .epsilon = 1e-8};
      set_gradient(&g, g1);
      optim_step(&c, &s, &m, &g);
      optim_copy(&t, &s);
      mlp_copy(&m2, &m);
      ck_assert_int_eq(t.steps, 1);
      set_gradient(&g, g2);
      optim_step(&c, &s, &m, &g);
      optim_step(&c, &t, &m2, &g);
      ck_assert_msg(memcmp(m.mem, m2.mem, m.size * m.elem) == 0, "%s %s",
                    prec_name(precision), optim_name(kinds[k]));
      if (s.m.mem) ck_assert_int_eq(memcmp(s.m.mem, t.m.mem, m.size * m.elem), 0);
      if (s.v.mem) ck_assert_int_eq(memcmp(s.v.mem, t.v.mem, m.size * m.elem), 0);
      optim_free(&s);
      optim_free(&t);
      mlp_free(&m2);
      mlp_free(&g);
      mlp_free(&m);
    }
}
END_TEST

/* ------------------------------------------------------------ initialization */

/* The standard deviation mlp_randomize documents for layer (in, out). */
static double init_sigma(int init, size_t in, size_t out) {
  return init == MLP_INIT_XAVIER ? sqrt(2.0 / (double)(in + out))
         : init == MLP_INIT_HE   ? sqrt(2.0 / (double)in)
                                 : 1.0;
}

static const char *init_name(int init) {
  return init == MLP_INIT_XAVIER ? "xavier" : init == MLP_INIT_HE ? "he" : "normal";
}

/* Each layer's weights have mean 0 and the documented variance: the sample
 * mean within 5 standard errors (sigma / sqrt(n)) of 0, the mean square
 * within 5 standard errors (sigma^2 sqrt(2 / n)) of sigma^2.  The biases are
 * 0 even where the block held something else. */
START_TEST(test_init_variances) {
  const size_t hidden[2] = {200, 100};
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  for (int init = MLP_INIT_NORMAL; init <= MLP_INIT_HE; init++)
    for (int p = 0; p < 2; p++) {
      const int precision = p ? MLP_FLOAT32 : MLP_FLOAT64;
      mlp m;
      ck_assert_int_eq(mlp_init(&m, 300, hidden, 2, 10, MLP_RELU, precision, NULL), NN_OK);
      for (size_t i = 0; i < m.size; i++) set_param(&m, i, 7.0);
      gsl_rng_set(rng, 3);
      mlp_randomize(&m, init, rng);
      for (size_t l = 0; l < m.nlayers; l++) {
        const mlp_layer *L = &m.layer[l];
        const size_t n = L->in * L->out;
        const double sigma = init_sigma(init, L->in, L->out);
        double sum = 0.0, sq = 0.0;
        for (size_t i = 0; i < n; i++) {
          const double w = param(&m, L->w + i);
          sum += w, sq += w * w;
        }
        const double mean = sum / (double)n, var = sq / (double)n;
        printf("%s %-6s W%zu (%zu, %zu): mean %+.2e, variance %.5g (expected %.5g, ratio %.4f)\n",
               prec_name(precision), init_name(init), l + 1, L->in, L->out, mean, var,
               sigma * sigma, var / (sigma * sigma));
        ck_assert_msg(fabs(mean) < 5.0 * sigma / sqrt((double)n), "W%zu mean %g", l + 1, mean);
        ck_assert_msg(fabs(var / (sigma * sigma) - 1.0) < 5.0 * sqrt(2.0 / (double)n),
                      "W%zu variance %g, expected %g", l + 1, var, sigma * sigma);
        for (size_t j = 0; j < L->out; j++) ck_assert(param(&m, L->b + j) == 0.0);
      }
      mlp_free(&m);
    }
  gsl_rng_free(rng);
}
END_TEST

/* The same seed gives the same draws, another seed others; a float32 model
 * holds the float64 model's draws rounded to float. */
START_TEST(test_init_seeds) {
  const size_t hidden[2] = {20, 7};
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  for (int init = MLP_INIT_NORMAL; init <= MLP_INIT_HE; init++) {
    mlp a, b, f;
    ck_assert_int_eq(mlp_init(&a, 30, hidden, 2, 10, MLP_TANH, MLP_FLOAT64, NULL), NN_OK);
    ck_assert_int_eq(mlp_init_like(&b, &a, NULL), NN_OK);
    ck_assert_int_eq(mlp_init(&f, 30, hidden, 2, 10, MLP_TANH, MLP_FLOAT32, NULL), NN_OK);
    gsl_rng_set(rng, 3);
    mlp_randomize(&a, init, rng);
    gsl_rng_set(rng, 3);
    mlp_randomize(&b, init, rng);
    ck_assert_int_eq(memcmp(a.mem, b.mem, a.size * a.elem), 0);
    gsl_rng_set(rng, 3);
    mlp_randomize(&f, init, rng);
    for (size_t i = 0; i < a.size; i++) ck_assert(*mlp_f32(&f, i) == (float)*mlp_f64(&a, i));
    gsl_rng_set(rng, 4);
    mlp_randomize(&b, init, rng);
    size_t same = 0;
    for (size_t l = 0; l < a.nlayers; l++)
      for (size_t i = 0; i < a.layer[l].in * a.layer[l].out; i++)
        same += *mlp_f64(&a, a.layer[l].w + i) == *mlp_f64(&b, a.layer[l].w + i);
    ck_assert_uint_eq(same, 0);
    mlp_free(&a);
    mlp_free(&b);
    mlp_free(&f);
  }
  gsl_rng_free(rng);
}
END_TEST

/* The documented order: W1, W2, W3 of a 3-4-2-3 model, each row by row, one
 * gsl_ran_gaussian draw each from the one stream, and nothing else drawn
 * (the biases take none). */
START_TEST(test_init_draw_order) {
  const size_t hidden[2] = {4, 2};
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937), *ref = gsl_rng_alloc(gsl_rng_mt19937);
  for (int init = MLP_INIT_NORMAL; init <= MLP_INIT_HE; init++)
    for (int p = 0; p < 2; p++) {
      mlp m;
      ck_assert_int_eq(
          mlp_init(&m, 3, hidden, 2, 3, MLP_SIGMOID, p ? MLP_FLOAT32 : MLP_FLOAT64, NULL), NN_OK);
      gsl_rng_set(rng, 17);
      gsl_rng_set(ref, 17);
      mlp_randomize(&m, init, rng);
      const size_t in[3] = {3, 4, 2}, out[3] = {4, 2, 3};
      for (size_t l = 0; l < 3; l++) {
        const double sigma = init_sigma(init, in[l], out[l]);
        for (size_t r = 0; r < in[l]; r++)
          for (size_t c = 0; c < out[l]; c++) {
            const double want = gsl_ran_gaussian(ref, sigma);
            const size_t at = m.layer[l].w + r * out[l] + c;
            if (p)
              ck_assert_msg(*mlp_f32(&m, at) == (float)want, "%s W%zu[%zu, %zu]",
                            init_name(init), l + 1, r, c);
            else
              ck_assert_msg(*mlp_f64(&m, at) == want, "%s W%zu[%zu, %zu]: %.17g, expected %.17g",
                            init_name(init), l + 1, r, c, *mlp_f64(&m, at), want);
          }
      }
      ck_assert(gsl_rng_get(rng) == gsl_rng_get(ref));
      mlp_free(&m);
    }
  gsl_rng_free(rng);
  gsl_rng_free(ref);
}
END_TEST

/* optim_decay_limit() against the update rule itself: the weight-decay part
 * alone (g = 2 lambda w, no data) run for 400 steps from w0 shrinks the
 * weights at 0.97 of the limit and grows them at 1.03 of it, for SGD, the
 * heavy ball and Nesterov (mu 0.9 and 0.5); Adam has no limit. */
static double decay_only(const optim_config *c, double lambda) {
  mlp m, g;
  optim_state s;
  tiny(&m, &g, MLP_FLOAT64);
  ck_assert_int_eq(optim_init(&s, c->kind, &m, NULL), NN_OK);
  for (int step = 0; step < 400; step++) {
    for (size_t i = 0; i < 4; i++) set_param(&g, i, 2.0 * lambda * param(&m, i));
    optim_step(c, &s, &m, &g);
  }
  double size = 0.0;
  for (size_t i = 0; i < 4; i++) size = fmax(size, fabs(param(&m, i)));
  optim_free(&s);
  mlp_free(&g);
  mlp_free(&m);
  return size; /* the largest |w| after the steps; 2 at the start */
}

START_TEST(test_decay_limit) {
  const optim_config cs[] = {
      {.kind = OPTIM_SGD, .lr = 5.0},
      {.kind = OPTIM_MOMENTUM, .lr = 0.1, .momentum = 0.9},
      {.kind = OPTIM_MOMENTUM, .lr = 0.1, .momentum = 0.5},
      {.kind = OPTIM_MOMENTUM, .lr = 0.1, .momentum = 0.9, .nesterov = 1},
      {.kind = OPTIM_MOMENTUM, .lr = 2.0, .momentum = 0.5, .nesterov = 1},
  };
  for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
    const double limit = optim_decay_limit(&cs[i]);
    ck_assert(isfinite(limit) && limit > 0);
    const double below = decay_only(&cs[i], 0.97 * limit), above = decay_only(&cs[i], 1.03 * limit);
    ck_assert_msg(below < 2.0 && above > 1e3,
                  "%s%s lr %g mu %g: limit %g, |w| %g at 0.97 of it, %g at 1.03 (from 2)",
                  optim_name(cs[i].kind), cs[i].nesterov ? " nesterov" : "", cs[i].lr,
                  cs[i].momentum, limit, below, above);
  }
  const optim_config adam = {.kind = OPTIM_ADAM, .lr = 0.1, .beta1 = 0.9, .beta2 = 0.999,
                             .epsilon = 1e-8};
  ck_assert(isinf(optim_decay_limit(&adam)));
  ck_assert(decay_only(&adam, 1e10) < 3.0); /* steps of about lr: bounded */
}
END_TEST

int main(void) {
  Suite *s = suite_create("optim");
  TCase *t = tcase_create("optim");
  tcase_add_test(t, test_names);
  tcase_add_test(t, test_state);
  tcase_add_test(t, test_sgd_two_steps);
  tcase_add_test(t, test_momentum_by_hand);
  tcase_add_test(t, test_adam_by_hand);
  tcase_add_test(t, test_copy_continues);
  tcase_add_test(t, test_decay_limit);
  suite_add_tcase(s, t);
  TCase *ti = tcase_create("init");
  tcase_set_timeout(ti, 60);
  tcase_add_test(ti, test_init_variances);
  tcase_add_test(ti, test_init_seeds);
  tcase_add_test(ti, test_init_draw_order);
  suite_add_tcase(s, ti);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
