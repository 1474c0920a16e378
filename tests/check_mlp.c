/* check_mlp.c: the model's arithmetic against mathematics -- finite-difference
 * gradient checks for every activation, depth and precision, the BLAS path
 * against naive loops, the sparse first layer against the dense one, a
 * hand-worked SGD step -- and the split, epoch order and evaluation of
 * train.c on tiny data.  The optimizers' other steps and the initializations
 * are in check_optim.c.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "mlp.h"
#include "optim.h"
#include "train.h"

#define WIDTH_MAX 64 /* the widest layer of these tests */

static const char *prec_name(int precision) {
  return precision == MLP_FLOAT32 ? "float32" : "float64";
}

/* Parameter i of m as a double, whatever m's precision. */
static double param(const mlp *m, size_t i) {
  return m->precision == MLP_FLOAT32 ? (double)*mlp_f32(m, i) : *mlp_f64(m, i);
}

/* Sets parameter i of m (rounded to float for a float32 model). */
static void set_param(mlp *m, size_t i, double v) {
  if (m->precision == MLP_FLOAT32)
    *mlp_f32(m, i) = (float)v;
  else
    *mlp_f64(m, i) = v;
}

static void new_model(mlp *m, size_t d, const size_t *hidden, size_t nhidden, size_t k, int act,
                      int precision) {
  nn_error err = {0};
  ck_assert_msg(mlp_init(m, d, hidden, nhidden, k, act, precision, &err) == NN_OK, "%s",
                err.msg);
}

static void new_like(mlp *g, const mlp *m) { ck_assert_int_eq(mlp_init_like(g, m, NULL), NN_OK); }

/* Every parameter, biases included, ~ N(0, scale^2), rounded to m's precision. */
static void fill_random(mlp *m, double scale, gsl_rng *rng) {
  for (size_t i = 0; i < m->size; i++) set_param(m, i, scale * gsl_ran_gaussian(rng, 1.0));
}

/* One hidden layer of h units: the reference's d-h-k sigmoid model, weights
 * ~ N(0, scale^2) and small random biases. */
static void random_model(mlp *m, size_t d, size_t h, size_t k, double scale, int precision,
                         gsl_rng *rng) {
  new_model(m, d, &h, 1, k, MLP_SIGMOID, precision);
  fill_random(m, scale, rng);
}

/* A batch of n rows of d inputs ~ N(0, 1), in both precisions: x holds
 * exactly the float values of xf, so that float32 and float64 passes see the
 * same numbers. */
typedef struct batch {
  size_t n, d;
  double *x;  /* (n, d) */
  float *xf;  /* (n, d) */
} batch;

static void batch_random(batch *b, size_t n, size_t d, gsl_rng *rng) {
  b->n = n, b->d = d;
  b->x = malloc(n * d * sizeof *b->x);
  b->xf = malloc(n * d * sizeof *b->xf);
  ck_assert(b->x && b->xf);
  for (size_t i = 0; i < n * d; i++) {
    b->xf[i] = (float)gsl_ran_gaussian(rng, 1.0);
    b->x[i] = b->xf[i];
  }
}

static void batch_free(batch *b) {
  free(b->x);
  free(b->xf);
}

/* The batch as m's dense input. */
static mlp_input dense(const batch *b, const mlp *m) {
  return (mlp_input){.kind = MLP_DENSE, .n = b->n,
                     .x = m->precision == MLP_FLOAT32 ? (const void *)b->xf : (const void *)b->x};
}

/* mean loss + lambda * L2, through the forward pass only */
static double objective(const mlp *m, mlp_work *w, const mlp_input *in, const uint8_t *y,
                        double lambda) {
  size_t correct = 0;
  return mlp_forward(m, w, in, y, &correct, NULL) / (double)in->n + lambda * mlp_l2(m);
}

/* ------------------------------------------------------------ gradient checks */

/* The relu's kink: which hidden units of the last forward pass were active
 * (A > 0 exactly when Z > 0), layer after layer, into mask. */
static size_t active_units(const mlp *m, const mlp_work *w, size_t n, unsigned char *mask) {
  size_t at = 0;
  for (size_t l = 0; l + 1 < m->nlayers; l++)
    for (size_t i = 0; i < n * m->layer[l].out; i++)
      mask[at++] = m->precision == MLP_FLOAT32 ? ((const float *)w->A[l])[i] > 0.0f
                                               : ((const double *)w->A[l])[i] > 0.0;
  return at;
}

typedef struct check_result {
  double worst;          /* max relative error over the parameters compared */
  size_t skipped;        /* parameters whose differences crossed a relu kink */
  double worst_skipped;  /* what the skipped ones' relative error would have been */
} check_result;

/* Finite differences on every parameter of a 5-(4-3-4 up to depth)-3 model
 * of activation act against mlp_gradient on 7 rows; returns the max relative
 * error |numeric - analytic| / max(floor, |numeric| + |analytic|).
 *
 * float64: the five-point stencil (f(-2e) - 8 f(-e) + 8 f(e) - f(2e)) / 12e
 * with e = 1e-3 on weights of size ~0.7.  Its truncation error is
 * e^4 f^(5) / 30 and its rounding noise 1.5 u |f| / e, below 1e-12 here.  A
 * central difference (error e^2 f''' / 6 + u |f| / e, ~1e-11 at best) is too
 * coarse for the small gradients of the deeper models (the sigmoid's 1e-5
 * at depth 3) at 1e-7.  Gradients below floor = 1e-5 are compared absolutely
 * (to 1e-12).
 *
 * float32: the objective is computed in single precision, so its rounding
 * noise (about 1e-7 of the loss) over a step of 2 eps must stay well below
 * the gradient: a central difference with eps = 1e-2 on weights of size ~0.7
 * keeps the noise near 1e-5 and the truncation error (eps^2 times the third
 * derivative) near 1e-4.  Gradients smaller than floor = 1e-3 are compared
 * absolutely.  The difference is divided by the step the parameter really
 * took after rounding to float.
 *
 * relu: its derivative jumps at 0, so a difference whose evaluations put
 * some hidden unit's pre-activation on different sides of 0 measures the
 * jump, not the gradient.  Such a parameter is skipped: after each forward
 * pass the pattern of active units (A > 0, i.e. Z > 0) is recorded, and the
 * parameter is compared only when every perturbed pattern equals the
 * unperturbed one -- then the objective is smooth over the whole stencil.
 * The caller checks that few parameters are skipped.  The hidden biases of a
 * relu model are raised by 1 so that about half of the units are active:
 * with N(0, 0.49) biases, whole units are off on all 7 rows, and their
 * parameters' zero gradients would test nothing.
 *
 * near_kink puts the first hidden unit's pre-activation on row 0 at 1e-7,
 * inside every stencil of its parameters, to show that the skip catches it. */
static check_result gradient_check(int act, size_t depth, double lambda, int precision,
                                   int near_kink) {
  static const size_t hidden[3] = {4, 3, 4};
  const size_t n = 7, d = 5, k = 3;
  const uint8_t y[7] = {0, 2, 1, 1, 0, 2, 2};
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 7);
  mlp m, g;
  mlp_work w;
  batch X;
  new_model(&m, d, hidden, depth, k, act, precision);
  fill_random(&m, 0.7, rng);
  if (act == MLP_RELU)
    for (size_t l = 0; l + 1 < m.nlayers; l++)
      for (size_t j = 0; j < m.layer[l].out; j++)
        set_param(&m, m.layer[l].b + j, param(&m, m.layer[l].b + j) + 1.0);
  new_like(&g, &m);
  ck_assert_int_eq(mlp_work_init(&w, &m, 8, NULL), NN_OK);
  batch_random(&X, n, d, rng);
  if (near_kink) { /* Z[0, 0] = x_0 . W1[:, 0] + b1[0] = 1e-7 */
    ck_assert_uint_gt(depth, 0);
    double z = 0.0;
    for (size_t i = 0; i < d; i++) z += X.x[i] * param(&m, m.layer[0].w + i * m.layer[0].out);
    set_param(&m, m.layer[0].b, 1e-7 - z);
  }
  const mlp_input in = dense(&X, &m);
  unsigned char base[7 * 11], mask[7 * 11];

  mlp_gradient(&m, &w, &in, y, lambda, &g);
  size_t correct = 0;
  mlp_forward(&m, &w, &in, y, &correct, NULL);
  const size_t units = active_units(&m, &w, n, base);
  const int f32 = precision == MLP_FLOAT32;
  const double eps = f32 ? 1e-2 : 1e-3, floor = f32 ? 1e-3 : 1e-5;
  check_result res = {0.0, 0, 0.0};
  for (size_t i = 0; i < m.size; i++) {
    const double keep = param(&m, i);
    double numeric = 0.0;
    int kink = 0;
    if (f32) {
      set_param(&m, i, keep + eps);
      const double hi = param(&m, i), up = objective(&m, &w, &in, y, lambda);
      kink |= memcmp(base, mask, active_units(&m, &w, n, mask)) != 0;
      set_param(&m, i, keep - eps);
      const double lo = param(&m, i), down = objective(&m, &w, &in, y, lambda);
      kink |= memcmp(base, mask, active_units(&m, &w, n, mask)) != 0;
      numeric = (up - down) / (hi - lo);
    } else {
      static const double at[4] = {-2, -1, 1, 2}, weight[4] = {1, -8, 8, -1};
      for (int s = 0; s < 4; s++) {
        set_param(&m, i, keep + at[s] * eps);
        numeric += weight[s] * objective(&m, &w, &in, y, lambda);
        kink |= memcmp(base, mask, active_units(&m, &w, n, mask)) != 0;
      }
      numeric /= 12.0 * eps;
    }
    set_param(&m, i, keep);
    const double analytic = param(&g, i);
    const double rel = fabs(numeric - analytic) / fmax(floor, fabs(numeric) + fabs(analytic));
    if (act == MLP_RELU && kink) {
      res.skipped++;
      res.worst_skipped = fmax(res.worst_skipped, rel);
    } else {
      res.worst = fmax(res.worst, rel);
    }
  }
  ck_assert_uint_eq(units, n * (depth == 0 ? 0 : depth == 1 ? 4 : 11));
  batch_free(&X);
  mlp_work_free(&w);
  mlp_free(&g);
  mlp_free(&m);
  gsl_rng_free(rng);
  return res;
}

/* Every activation at depth 0, 1 and 3, with and without lambda. */
static void gradient_checks(int precision, double tol) {
  static const size_t depths[3] = {0, 1, 3};
  static const double lambdas[2] = {0.0, 0.05};
  for (size_t a = 0; a < mlp_nactivations; a++)
    for (int di = 0; di < 3; di++)
      for (int li = 0; li < 2; li++) {
        const check_result r = gradient_check((int)a, depths[di], lambdas[li], precision, 0);
        printf("%s gradient check, %-7s depth %zu, lambda = %-4g: max relative error %.3g",
               prec_name(precision), mlp_activations[a].name, depths[di], lambdas[li], r.worst);
        if (a == MLP_RELU && depths[di] > 0) printf(" (%zu skipped at a kink)", r.skipped);
        printf("\n");
        ck_assert_msg(r.worst < tol, "%s %s depth %zu lambda %g: max relative error %g",
                      prec_name(precision), mlp_activations[a].name, depths[di], lambdas[li],
                      r.worst);
        /* 5-4-3-4-3 has 74 parameters: the kinks may take a few, not the check */
        ck_assert_msg(r.skipped <= 8, "%zu parameters skipped at a relu kink", r.skipped);
      }
  /* a unit at the kink: its parameters are skipped, and rightly so */
  const check_result r = gradient_check(MLP_RELU, 1, 0.0, precision, 1);
  printf("%s gradient check, relu    depth 1, a unit at 1e-7: max relative error %.3g, "
         "%zu skipped at the kink (where it would have been %.3g)\n",
         prec_name(precision), r.worst, r.skipped, r.worst_skipped);
  ck_assert_msg(r.worst < tol, "max relative error %g", r.worst);
  ck_assert_uint_ge(r.skipped, 1);
  ck_assert_uint_le(r.skipped, 8);
  ck_assert(r.worst_skipped > tol);
}

START_TEST(test_gradient_float64) { gradient_checks(MLP_FLOAT64, 1e-7); }
END_TEST

START_TEST(test_gradient_float32) { gradient_checks(MLP_FLOAT32, 1e-2); }
END_TEST

/* ------------------------------------------------------------ the block */

START_TEST(test_init_layout) {
  mlp m;
  const size_t h = 2;
  new_model(&m, 3, &h, 1, 4, MLP_SIGMOID, MLP_FLOAT64);
  ck_assert_uint_eq(m.nlayers, 2);
  ck_assert_uint_eq(m.size, 3 * 2 + 2 + 2 * 4 + 4);
  ck_assert_uint_eq(m.elem, sizeof(double));
  ck_assert_uint_eq(m.layer[0].w, 0);
  ck_assert_uint_eq(m.layer[0].b, 6);
  ck_assert_uint_eq(m.layer[1].w, 8);
  ck_assert_uint_eq(m.layer[1].b, 16);
  ck_assert_uint_eq(m.layer[0].in, 3);
  ck_assert_uint_eq(m.layer[0].out, 2);
  ck_assert_uint_eq(m.layer[1].in, 2);
  ck_assert_uint_eq(m.layer[1].out, 4);
  ck_assert_ptr_eq(mlp_f64(&m, 6), (double *)m.mem + 6);
  for (size_t i = 0; i < m.size; i++) ck_assert(*mlp_f64(&m, i) == 0.0);
  mlp_free(&m);
  mlp_free(&m); /* a freed model is zeroed: freeing again is harmless */
  mlp_free(NULL);
  nn_error err = {0};
  ck_assert_int_eq(mlp_init(&m, 0, &h, 1, 4, MLP_SIGMOID, MLP_FLOAT64, &err), NN_BADINPUT);
  ck_assert_ptr_null(m.mem);

  /* float32: the same layout in 4-byte elements */
  new_model(&m, 3, &h, 1, 4, MLP_SIGMOID, MLP_FLOAT32);
  ck_assert_uint_eq(m.size, 20);
  ck_assert_uint_eq(m.elem, sizeof(float));
  ck_assert_ptr_eq(mlp_f32(&m, 16), (float *)m.mem + 16);
  for (size_t i = 0; i < m.size; i++) ck_assert(*mlp_f32(&m, i) == 0.0f);
  mlp_free(&m);
}
END_TEST

/* No hidden layer: softmax regression, W1 (d, k) then b1 (k). */
START_TEST(test_init_depth0_layout) {
  mlp m, g;
  new_model(&m, 5, NULL, 0, 3, MLP_RELU, MLP_FLOAT64);
  ck_assert_uint_eq(m.nlayers, 1);
  ck_assert_uint_eq(m.size, 5 * 3 + 3);
  ck_assert_uint_eq(m.layer[0].in, 5);
  ck_assert_uint_eq(m.layer[0].out, 3);
  ck_assert_uint_eq(m.layer[0].w, 0);
  ck_assert_uint_eq(m.layer[0].b, 15);
  new_like(&g, &m);
  ck_assert_uint_eq(g.nlayers, 1);
  ck_assert_uint_eq(g.size, m.size);
  ck_assert_int_eq(g.act, MLP_RELU);
  mlp_free(&g);
  mlp_free(&m);
}
END_TEST

/* Three hidden layers: W1 b1 W2 b2 W3 b3 W4 b4 back to back; init_like copies
 * shape, activation and precision. */
START_TEST(test_init_deep_layout) {
  mlp m, g;
  const size_t hidden[3] = {4, 3, 2};
  new_model(&m, 5, hidden, 3, 6, MLP_TANH, MLP_FLOAT32);
  ck_assert_uint_eq(m.nlayers, 4);
  const size_t in[4] = {5, 4, 3, 2}, out[4] = {4, 3, 2, 6};
  size_t at = 0;
  for (size_t l = 0; l < 4; l++) {
    ck_assert_uint_eq(m.layer[l].in, in[l]);
    ck_assert_uint_eq(m.layer[l].out, out[l]);
    ck_assert_uint_eq(m.layer[l].w, at);
    ck_assert_uint_eq(m.layer[l].b, at + in[l] * out[l]);
    at += in[l] * out[l] + out[l];
  }
  ck_assert_uint_eq(m.size, at);
  new_like(&g, &m);
  ck_assert_uint_eq(g.nlayers, 4);
  ck_assert_uint_eq(g.size, m.size);
  ck_assert_int_eq(g.act, MLP_TANH);
  ck_assert_int_eq(g.precision, MLP_FLOAT32);
  for (size_t l = 0; l < 4; l++) ck_assert_uint_eq(g.layer[l].b, m.layer[l].b);
  mlp_free(&g);
  mlp_free(&m);
}
END_TEST

START_TEST(test_init_rejects) {
  size_t hidden[MLP_HIDDEN_MAX + 1];
  for (size_t l = 0; l <= MLP_HIDDEN_MAX; l++) hidden[l] = 2;
  mlp m;
  nn_error err = {0};
  /* MLP_HIDDEN_MAX layers are fine, one more is not */
  new_model(&m, 3, hidden, MLP_HIDDEN_MAX, 2, MLP_SIGMOID, MLP_FLOAT64);
  ck_assert_uint_eq(m.nlayers, MLP_LAYERS_MAX);
  mlp_free(&m);
  ck_assert_int_eq(mlp_init(&m, 3, hidden, MLP_HIDDEN_MAX + 1, 2, MLP_SIGMOID, MLP_FLOAT64, &err),
                   NN_BADINPUT);
  ck_assert_msg(strstr(err.msg, "9 hidden layers; at most 8"), "%s", err.msg);
  ck_assert_ptr_null(m.mem);
  mlp_free(&m);
  /* an empty hidden layer, an empty input or output */
  const size_t holes[3] = {3, 0, 2};
  ck_assert_int_eq(mlp_init(&m, 5, holes, 3, 2, MLP_RELU, MLP_FLOAT64, &err), NN_BADINPUT);
  ck_assert_msg(strstr(err.msg, "model shape 5-3-0 has an empty layer"), "%s", err.msg);
  ck_assert_ptr_null(m.mem);
  ck_assert_uint_eq(m.size, 0);
  ck_assert_int_eq(mlp_init(&m, 5, holes, 1, 0, MLP_RELU, MLP_FLOAT32, &err), NN_BADINPUT);
  ck_assert_msg(strstr(err.msg, "model shape 5-3-0 has an empty layer"), "%s", err.msg);
  ck_assert_int_eq(mlp_init(&m, 0, NULL, 0, 10, MLP_SIGMOID, MLP_FLOAT64, &err), NN_BADINPUT);
  ck_assert_msg(strstr(err.msg, "model shape 0-10 has an empty layer"), "%s", err.msg);
  /* an activation beyond the table */
  ck_assert_int_eq(mlp_init(&m, 5, holes, 1, 2, (int)mlp_nactivations, MLP_FLOAT64, &err),
                   NN_BADINPUT);
  ck_assert_ptr_null(m.mem);
  mlp_free(&m);
}
END_TEST

/* A failed allocation names the rows it was for (it said "0 rows": the count
 * was read after the clean-up zeroed it).  Skipped under ASan, which aborts
 * on an allocation this large instead of returning NULL. */
START_TEST(test_sparse_out_of_memory) {
#if defined(__SANITIZE_ADDRESS__)
  return;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
  return;
#endif
#endif
  const size_t h = 4;
  mlp m;
  mlp_work w;
  nn_error err = {0};
  new_model(&m, 784, &h, 1, 10, MLP_SIGMOID, MLP_FLOAT32);
  ck_assert_int_eq(mlp_work_init(&w, &m, 8, NULL), NN_OK);
  mlp_work_free(&w);
  /* as if the buffers held 2^40 rows: 2^40 x 784 column indices cannot be had */
  ck_assert_int_eq(mlp_work_init(&w, &m, 1, NULL), NN_OK);
  w.cap = (size_t)1 << 40;
  ck_assert_int_eq(mlp_work_sparse(&w, &m, 1, &err), NN_FAIL);
  ck_assert_str_eq(err.msg, "out of memory for the sparse buffers of 1099511627776 rows");
  mlp_work_free(&w);
  mlp_free(&m);
}
END_TEST

START_TEST(test_shape_text) {
  mlp m;
  char buf[64];
  const size_t h1 = 300, h3[3] = {300, 100, 50};
  new_model(&m, 784, &h1, 1, 10, MLP_SIGMOID, MLP_FLOAT64);
  mlp_shape_text(&m, buf, sizeof buf);
  ck_assert_str_eq(buf, "784-300-10");
  mlp_shape_text(&m, buf, 6); /* truncated, still terminated */
  ck_assert_str_eq(buf, "784-3");
  mlp_free(&m);
  new_model(&m, 784, NULL, 0, 10, MLP_SIGMOID, MLP_FLOAT32);
  mlp_shape_text(&m, buf, sizeof buf);
  ck_assert_str_eq(buf, "784-10");
  mlp_free(&m);
  new_model(&m, 784, h3, 3, 10, MLP_RELU, MLP_FLOAT64);
  mlp_shape_text(&m, buf, sizeof buf);
  ck_assert_str_eq(buf, "784-300-100-50-10");
  mlp_free(&m);
}
END_TEST

START_TEST(test_activation_table) {
  ck_assert_uint_eq(mlp_nactivations, 3);
  ck_assert_str_eq(mlp_activations[MLP_SIGMOID].name, "sigmoid");
  ck_assert_str_eq(mlp_activations[MLP_TANH].name, "tanh");
  ck_assert_str_eq(mlp_activations[MLP_RELU].name, "relu");
  for (size_t a = 0; a < mlp_nactivations; a++)
    ck_assert(mlp_activations[a].forward && mlp_activations[a].forwardf &&
              mlp_activations[a].backward && mlp_activations[a].backwardf);
}
END_TEST

/* ------------------------------------------------------------ forward */

static double act_naive(int act, double z) {
  switch (act) {
  case MLP_TANH: return tanh(z);
  case MLP_RELU: return z > 0.0 ? z : 0.0;
  default: return 1.0 / (1.0 + exp(-z));
  }
}

/* The forward pass written out with plain loops, the naive reference: the
 * loss, the correct count and the largest difference from the hidden
 * activations that mlp_forward left in w. */
static double naive_forward(const mlp *m, const mlp_work *w, const double *X, size_t n,
                            const uint8_t *y, size_t *correct, double *worst) {
  double loss = 0.0;
  for (size_t r = 0; r < n; r++) {
    double a[WIDTH_MAX], z[WIDTH_MAX];
    for (size_t i = 0; i < m->d; i++) a[i] = X[r * m->d + i];
    for (size_t l = 0; l < m->nlayers; l++) {
      const mlp_layer *L = &m->layer[l];
      for (size_t j = 0; j < L->out; j++) {
        double s = *mlp_f64(m, L->b + j);
        for (size_t i = 0; i < L->in; i++) s += a[i] * *mlp_f64(m, L->w + i * L->out + j);
        z[j] = s;
      }
      if (l + 1 == m->nlayers) break;
      for (size_t j = 0; j < L->out; j++) {
        a[j] = act_naive(m->act, z[j]);
        *worst = fmax(*worst, fabs(a[j] - ((const double *)w->A[l])[r * L->out + j]));
      }
    }
    double zmax = -INFINITY, norm = 0.0;
    size_t best = 0;
    for (size_t c = 0; c < m->k; c++)
      if (z[c] > zmax) zmax = z[c], best = c;
    for (size_t c = 0; c < m->k; c++) norm += exp(z[c]);
    loss += -(z[y[r]] - log(norm));
    *correct += best == y[r];
  }
  return loss;
}

/* BLAS against naive loops, every activation at depth 0, 1 and 3. */
START_TEST(test_forward_matches_naive) {
  static const size_t hidden[3] = {7, 11, 6}, depths[3] = {0, 1, 3};
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 11);
  const size_t n = 9, d = 13, k = 5;
  batch X;
  batch_random(&X, n, d, rng);
  uint8_t y[9];
  for (size_t r = 0; r < n; r++) y[r] = (uint8_t)(r % k);
  for (size_t a = 0; a < mlp_nactivations; a++)
    for (int di = 0; di < 3; di++) {
      mlp m;
      mlp_work w;
      new_model(&m, d, hidden, depths[di], k, (int)a, MLP_FLOAT64);
      fill_random(&m, 1.0, rng);
      ck_assert_int_eq(mlp_work_init(&w, &m, 16, NULL), NN_OK);
      const mlp_input in = dense(&X, &m);
      size_t correct = 0, naive_correct = 0;
      double worst = 0.0;
      const double loss = mlp_forward(&m, &w, &in, y, &correct, NULL);
      const double naive = naive_forward(&m, &w, X.x, n, y, &naive_correct, &worst);
      printf("BLAS forward vs naive loops, %-7s depth %zu: max activation difference %.3g, "
             "loss %.17g vs %.17g\n", mlp_activations[a].name, depths[di], worst, loss, naive);
      ck_assert(worst < 1e-13);
      ck_assert(fabs(loss - naive) < 1e-12 * fabs(naive));
      ck_assert_uint_eq(correct, naive_correct);
      mlp_work_free(&w);
      mlp_free(&m);
    }
  batch_free(&X);
  gsl_rng_free(rng);
}
END_TEST

/* 1-1-2 network, x = 1, y = 0, W1 = 0, b1 = 0, W2 = [1 -1], b2 = 0, lambda = 1/2, lr = 2.
 * A1 = sigmoid(0) = 1/2, Z2 = [1/2, -1/2], P = [s, 1 - s] with s = sigmoid(1).
 * loss = -log s;  dZ2 = [s - 1, 1 - s];  dW2 = A1 dZ2 + 2 (1/2) W2 = [(s-1)/2 + 1, (1-s)/2 - 1]
 * dZ1 = (dZ2 . W2) A1 (1 - A1) = 2 (s - 1) / 4 = (s - 1) / 2;  dW1 = db1 = (s - 1) / 2.
 * With s = 0.7310585786300049 and lr = 2:
 * W1 = b1 = 1 - s = 0.2689414213699951;  W2 = [-s, s];  b2 = [2 (1 - s), -2 (1 - s)].
 * The step goes through optim_step with OPTIM_SGD. */
START_TEST(test_sgd_step_by_hand) {
  mlp m, g;
  mlp_work w;
  optim_state st;
  const size_t h = 1;
  new_model(&m, 1, &h, 1, 2, MLP_SIGMOID, MLP_FLOAT64);
  new_like(&g, &m);
  ck_assert_int_eq(mlp_work_init(&w, &m, 1, NULL), NN_OK);
  ck_assert_int_eq(optim_init(&st, OPTIM_SGD, &m, NULL), NN_OK);
  *mlp_f64(&m, m.layer[1].w + 0) = 1.0;
  *mlp_f64(&m, m.layer[1].w + 1) = -1.0;
  const double x = 1.0;
  const mlp_input in = {.kind = MLP_DENSE, .n = 1, .x = &x};
  const uint8_t y = 0;
  const double loss = mlp_gradient(&m, &w, &in, &y, 0.5, &g);
  const optim_config c = {.kind = OPTIM_SGD, .lr = 2.0};
  optim_step(&c, &st, &m, &g);
  ck_assert_int_eq(st.steps, 1);
  const double tol = 1e-15;
  ck_assert_double_eq_tol(loss, 0.31326168751822286, tol);
  ck_assert_double_eq_tol(*mlp_f64(&m, m.layer[0].w), 0.2689414213699951, tol);
  ck_assert_double_eq_tol(*mlp_f64(&m, m.layer[0].b), 0.2689414213699951, tol);
  ck_assert_double_eq_tol(*mlp_f64(&m, m.layer[1].w + 0), -0.7310585786300049, tol);
  ck_assert_double_eq_tol(*mlp_f64(&m, m.layer[1].w + 1), 0.7310585786300049, tol);
  ck_assert_double_eq_tol(*mlp_f64(&m, m.layer[1].b + 0), 0.5378828427399902, tol);
  ck_assert_double_eq_tol(*mlp_f64(&m, m.layer[1].b + 1), -0.5378828427399902, tol);
  optim_free(&st);
  mlp_work_free(&w);
  mlp_free(&g);
  mlp_free(&m);
}
END_TEST

/* Pre-activations of +-800 overflow a naive exp(): the loss must stay finite.
 * Row 0 (x = [1 0]) has Z1 = [800 -800]; row 1 the mirror image, and is
 * predicted right.  Row 0's output Z2 = A1 W2:
 *   sigmoid: A1 = [1 0],      Z2 = [900 -900],         loss 1800
 *   tanh:    A1 = [1 -1],     Z2 = [1800 -1800],       loss 3600
 *   relu:    A1 = [800 0],    Z2 = [720000 -720000],   loss 1440000
 * in both precisions (all these numbers are exact in float). */
START_TEST(test_extreme_activations_stay_finite) {
  static const double expected[3] = {[MLP_SIGMOID] = 1800, [MLP_TANH] = 3600,
                                     [MLP_RELU] = 1440000};
  const size_t h = 2;
  for (int p = 0; p < 2; p++)
    for (size_t a = 0; a < mlp_nactivations; a++) {
      const int precision = p ? MLP_FLOAT32 : MLP_FLOAT64;
      mlp m, g;
      mlp_work w;
      new_model(&m, 2, &h, 1, 2, (int)a, precision);
      new_like(&g, &m);
      ck_assert_int_eq(mlp_work_init(&w, &m, 2, NULL), NN_OK);
      const double W1[] = {800, -800, -800, 800}, W2[] = {900, -900, -900, 900};
      for (size_t i = 0; i < 4; i++) {
        set_param(&m, m.layer[0].w + i, W1[i]);
        set_param(&m, m.layer[1].w + i, W2[i]);
      }
      const double x[] = {1, 0, 0, 1};
      const float xf[] = {1, 0, 0, 1};
      const mlp_input in = {.kind = MLP_DENSE, .n = 2, .x = p ? (const void *)xf : (const void *)x};
      const uint8_t y[] = {1, 1};
      size_t correct = 0;
      const double loss = mlp_forward(&m, &w, &in, y, &correct, NULL);
      ck_assert_msg(isfinite(loss), "%s %s", prec_name(precision), mlp_activations[a].name);
      ck_assert_msg(fabs(loss - expected[a]) <= 1e-9 * expected[a], "%s %s: loss %.17g",
                    prec_name(precision), mlp_activations[a].name, loss);
      ck_assert_uint_eq(correct, 1);
      const double mean = mlp_gradient(&m, &w, &in, y, 0.0, &g);
      ck_assert(isfinite(mean));
      ck_assert(mlp_finite(&g));
      mlp_work_free(&w);
      mlp_free(&g);
      mlp_free(&m);
    }
}
END_TEST

START_TEST(test_l2_and_finite) {
  const size_t h = 1;
  for (int p = 0; p < 2; p++) {
    mlp m;
    new_model(&m, 2, &h, 1, 2, MLP_SIGMOID, p ? MLP_FLOAT32 : MLP_FLOAT64);
    set_param(&m, m.layer[0].w + 0, 1), set_param(&m, m.layer[0].w + 1, 2); /* 5 */
    set_param(&m, m.layer[0].b, 100); /* biases are not regularized */
    set_param(&m, m.layer[1].w + 0, 3), set_param(&m, m.layer[1].w + 1, 4); /* 25 */
    set_param(&m, m.layer[1].b + 1, -7);
    ck_assert_double_eq(mlp_l2(&m), 30.0);
    ck_assert(mlp_finite(&m));
    set_param(&m, m.layer[1].b, NAN);
    ck_assert(!mlp_finite(&m));
    set_param(&m, m.layer[1].b, INFINITY);
    ck_assert(!mlp_finite(&m));
    set_param(&m, m.layer[1].b, 0);
    set_param(&m, m.layer[0].w, -INFINITY);
    ck_assert(!mlp_finite(&m));
    mlp_free(&m);
  }
  /* depth 0 and 3: every W, no b */
  const size_t hidden[3] = {2, 2, 2};
  for (size_t depth = 0; depth <= 3; depth += 3) {
    mlp m;
    new_model(&m, 2, hidden, depth, 2, MLP_TANH, MLP_FLOAT64);
    for (size_t i = 0; i < m.size; i++) set_param(&m, i, 1.0);
    ck_assert_double_eq(mlp_l2(&m), 4.0 * (double)(depth + 1));
    mlp_free(&m);
  }
}
END_TEST

START_TEST(test_confusion_counts) {
  mlp m;
  mlp_work w;
  const size_t h = 1;
  new_model(&m, 1, &h, 1, 2, MLP_SIGMOID, MLP_FLOAT64);
  ck_assert_int_eq(mlp_work_init(&w, &m, 4, NULL), NN_OK);
  /* b2 favours class 1 for every input */
  *mlp_f64(&m, m.layer[1].b + 1) = 5.0;
  const double x[] = {0, 1, 2, 3};
  const mlp_input in = {.kind = MLP_DENSE, .n = 4, .x = x};
  const uint8_t y[] = {0, 1, 1, 0};
  size_t correct = 0;
  long confusion[4] = {0};
  mlp_forward(&m, &w, &in, y, &correct, confusion);
  ck_assert_uint_eq(correct, 2);
  ck_assert_int_eq(confusion[0 * 2 + 1], 2); /* true 0, predicted 1 */
  ck_assert_int_eq(confusion[1 * 2 + 1], 2);
  ck_assert_int_eq(confusion[0], 0);
  ck_assert_int_eq(confusion[2], 0);
  mlp_work_free(&w);
  mlp_free(&m);
}
END_TEST

/* A few epochs on a separable toy problem must drive the loss down. */
START_TEST(test_sgd_learns_a_toy_problem) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 1);
  const size_t n = 200, d = 2;
  double *x = malloc(n * d * sizeof *x);
  uint8_t *y = malloc(n);
  for (size_t r = 0; r < n; r++) {
    y[r] = (uint8_t)(r % 2);
    x[r * d + 0] = (y[r] ? 1.0 : -1.0) + 0.3 * gsl_ran_gaussian(rng, 1);
    x[r * d + 1] = 0.3 * gsl_ran_gaussian(rng, 1);
  }
  const mlp_input in = {.kind = MLP_DENSE, .n = n, .x = x};
  mlp m, g;
  mlp_work w;
  optim_state st;
  random_model(&m, d, 4, 2, 0.5, MLP_FLOAT64, rng);
  new_like(&g, &m);
  ck_assert_int_eq(mlp_work_init(&w, &m, n, NULL), NN_OK);
  ck_assert_int_eq(optim_init(&st, OPTIM_SGD, &m, NULL), NN_OK);
  const optim_config c = {.kind = OPTIM_SGD, .lr = 1.0};
  double first = mlp_gradient(&m, &w, &in, y, 0.0, &g), last = first;
  for (int it = 0; it < 200; it++) {
    optim_step(&c, &st, &m, &g);
    last = mlp_gradient(&m, &w, &in, y, 0.0, &g);
  }
  size_t correct = 0;
  mlp_forward(&m, &w, &in, y, &correct, NULL);
  printf("toy problem: loss %.4f -> %.4f, accuracy %.3f\n", first, last, (double)correct / n);
  ck_assert(last < 0.2 * first);
  ck_assert(correct > 0.95 * n);
  ck_assert_int_eq(st.steps, 200);
  optim_free(&st);
  free(y);
  free(x);
  mlp_work_free(&w);
  mlp_free(&g);
  mlp_free(&m);
  gsl_rng_free(rng);
}
END_TEST

/* ------------------------------------------------------------ float32 vs float64 */

/* dst = src rounded to float32 (dst allocated here). */
static void to_float32(mlp *dst, const mlp *src) {
  ck_assert_int_eq(src->precision, MLP_FLOAT64);
  size_t hidden[MLP_HIDDEN_MAX];
  for (size_t l = 0; l + 1 < src->nlayers; l++) hidden[l] = src->layer[l].out;
  new_model(dst, src->d, hidden, src->nlayers - 1, src->k, src->act, MLP_FLOAT32);
  for (size_t i = 0; i < src->size; i++) *mlp_f32(dst, i) = (float)*mlp_f64(src, i);
}

/* The float32 passes against the float64 ones on the same (float-rounded)
 * weights and inputs: they differ by single-precision rounding only. */
static void float32_vs_float64(int act, const size_t *hidden, size_t nhidden) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 11);
  const size_t n = 40, d = 30, k = 10;
  mlp m64, m32, g64, g32;
  new_model(&m64, d, hidden, nhidden, k, act, MLP_FLOAT64);
  fill_random(&m64, 0.5, rng);
  to_float32(&m32, &m64);
  for (size_t i = 0; i < m64.size; i++) *mlp_f64(&m64, i) = *mlp_f32(&m32, i);
  new_like(&g64, &m64);
  new_like(&g32, &m32);
  batch X;
  batch_random(&X, n, d, rng);
  uint8_t y[40];
  for (size_t i = 0; i < n; i++) y[i] = (uint8_t)(i % k);
  mlp_work w64, w32;
  ck_assert_int_eq(mlp_work_init(&w64, &m64, n, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_init(&w32, &m32, n, NULL), NN_OK);
  const mlp_input in64 = dense(&X, &m64), in32 = dense(&X, &m32);
  size_t c64 = 0, c32 = 0;
  const double l64 = mlp_forward(&m64, &w64, &in64, y, &c64, NULL);
  const double l32 = mlp_forward(&m32, &w32, &in32, y, &c32, NULL);
  const double gl64 = mlp_gradient(&m64, &w64, &in64, y, 0.01, &g64);
  const double gl32 = mlp_gradient(&m32, &w32, &in32, y, 0.01, &g32);
  double worst = 0.0, scale = 0.0;
  for (size_t i = 0; i < m64.size; i++) {
    worst = fmax(worst, fabs(*mlp_f64(&g64, i) - *mlp_f32(&g32, i)));
    scale = fmax(scale, fabs(*mlp_f64(&g64, i)));
  }
  printf("float32 vs float64, %-7s depth %zu: loss %.9g vs %.9g (relative %.3g), max gradient "
         "difference %.3g (of %.3g)\n", mlp_activations[act].name, nhidden, l32, l64,
         fabs(l32 - l64) / l64, worst, scale);
  ck_assert(fabs(l32 - l64) <= 1e-5 * l64);
  ck_assert(fabs(gl32 - gl64) <= 1e-5 * gl64);
  ck_assert(worst <= 1e-5 * scale);
  ck_assert_uint_eq(c32, c64);
  batch_free(&X);
  mlp_work_free(&w64);
  mlp_work_free(&w32);
  mlp_free(&m64);
  mlp_free(&m32);
  mlp_free(&g64);
  mlp_free(&g32);
  gsl_rng_free(rng);
}

START_TEST(test_float32_matches_float64) {
  const size_t h1 = 20, h3[3] = {20, 15, 12};
  float32_vs_float64(MLP_SIGMOID, &h1, 1);
  float32_vs_float64(MLP_SIGMOID, NULL, 0);
  float32_vs_float64(MLP_TANH, h3, 3);
  float32_vs_float64(MLP_RELU, h3, 3);
}
END_TEST

/* ------------------------------------------------------------ train.c */

/* A tiny dataset of n images of d pixels with labels i % 10. */
static void tiny_dataset(dataset *ds, size_t n, size_t d) {
  memset(ds, 0, sizeof *ds);
  ds->n = n, ds->d = d, ds->rows = 1, ds->cols = d, ds->classes = 10;
  ds->x = malloc(n * d);
  ds->y = malloc(n);
  for (size_t i = 0; i < n; i++) {
    ds->y[i] = (uint8_t)(i % 10);
    for (size_t j = 0; j < d; j++) ds->x[i * d + j] = (uint8_t)((i * 31 + j * 17) % 256);
  }
  snprintf(ds->images_path, sizeof ds->images_path, "tiny-images");
  snprintf(ds->labels_path, sizeof ds->labels_path, "tiny-labels");
}

static void tiny_results(results *r, long dev, long batch_size, long hidden) {
  results_init(r);
  spec_defaults(&r->spec);
  r->spec.data.dev_size = dev;
  r->spec.train.batch = batch_size;
  r->spec.model.hidden[0] = hidden;
  r->spec.model.nhidden = 1;
  r->spec.seed = 5;
}

START_TEST(test_split_is_a_permutation) {
  dataset train, test;
  tiny_dataset(&train, 57, 6);
  tiny_dataset(&test, 11, 6);
  results r, again;
  tiny_results(&r, 12, 10, 3);
  tiny_results(&again, 12, 10, 3);
  ck_assert_int_eq(train_begin(&r, &train, &test, NULL), NN_OK);
  ck_assert_int_eq(train_begin(&again, &train, &test, NULL), NN_OK);
  ck_assert_uint_eq(r.train_size, 45);
  ck_assert_uint_eq(r.dev_size, 12);
  ck_assert_uint_eq(r.test_size, 11);
  int seen[57] = {0};
  for (size_t i = 0; i < r.train_size; i++) seen[r.train_index[i]]++;
  for (size_t i = 0; i < r.dev_size; i++) seen[r.dev_index[i]]++;
  for (size_t i = 0; i < 57; i++) ck_assert_int_eq(seen[i], 1);
  /* the same seed gives the same split and the same initial weights */
  ck_assert_int_eq(memcmp(r.train_index, again.train_index, 45 * sizeof(size_t)), 0);
  ck_assert_uint_eq(r.model.size, 6 * 3 + 3 + 3 * 10 + 10);
  ck_assert_int_eq(memcmp(r.model.mem, again.model.mem, r.model.size * r.model.elem), 0);
  ck_assert(r.std > 0);

  /* one RNG stream, in this order: the permutation, then W1, W2 */
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 5);
  size_t perm[57];
  for (size_t i = 0; i < 57; i++) perm[i] = i;
  gsl_ran_shuffle(rng, perm, 57, sizeof *perm);
  ck_assert_int_eq(memcmp(r.dev_index, perm, 12 * sizeof *perm), 0);
  ck_assert_int_eq(memcmp(r.train_index, perm + 12, 45 * sizeof *perm), 0);
  mlp m;
  new_like(&m, &r.model);
  mlp_randomize(&m, MLP_INIT_NORMAL, rng);
  ck_assert_int_eq(memcmp(r.model.mem, m.mem, m.size * m.elem), 0);
  mlp_free(&m);
  gsl_rng_free(rng);
  results_free(&r);
  results_free(&again);
  data_free(&train);
  data_free(&test);
}
END_TEST

/* The spec's depth, activation, precision and optimizer reach the model and
 * its optimizer state. */
START_TEST(test_begin_builds_the_spec_model) {
  dataset train, test;
  tiny_dataset(&train, 30, 6);
  tiny_dataset(&test, 5, 6);
  results r;
  tiny_results(&r, 5, 5, 4);
  r.spec.model.hidden[1] = 3;
  r.spec.model.hidden[2] = 2;
  r.spec.model.nhidden = 3;
  r.spec.model.activation = SPEC_ACT_RELU;
  r.spec.model.precision = SPEC_PREC_FLOAT32;
  r.spec.train.optimizer = SPEC_OPT_ADAM;
  ck_assert_int_eq(train_begin(&r, &train, &test, NULL), NN_OK);
  char shape[64];
  mlp_shape_text(&r.model, shape, sizeof shape);
  ck_assert_str_eq(shape, "6-4-3-2-10");
  ck_assert_int_eq(r.model.act, MLP_RELU);
  ck_assert_int_eq(r.model.precision, MLP_FLOAT32);
  ck_assert_int_eq(r.optimizer.kind, OPTIM_ADAM);
  ck_assert_uint_eq(r.optimizer.m.size, r.model.size);
  ck_assert_uint_eq(r.optimizer.v.size, r.model.size);
  ck_assert_int_eq(r.optimizer.steps, 0);
  results_free(&r);
  /* no hidden layer */
  tiny_results(&r, 5, 5, 4);
  r.spec.model.nhidden = 0;
  ck_assert_int_eq(train_begin(&r, &train, &test, NULL), NN_OK);
  mlp_shape_text(&r.model, shape, sizeof shape);
  ck_assert_str_eq(shape, "6-10");
  results_free(&r);
  data_free(&train);
  data_free(&test);
}
END_TEST

START_TEST(test_begin_rejects_what_the_data_contradicts) {
  dataset train, test;
  tiny_dataset(&train, 20, 4);
  tiny_dataset(&test, 5, 4);
  results r;
  nn_error err = {0};
  tiny_results(&r, 20, 1, 3);
  ck_assert_int_eq(train_begin(&r, &train, &test, &err), NN_BADINPUT);
  ck_assert_msg(strstr(err.msg, "data.dev_size: expected fewer than the 20 training images, got 20"),
                "%s", err.msg);
  results_free(&r);
  tiny_results(&r, 5, 16, 3);
  ck_assert_int_eq(train_begin(&r, &train, &test, &err), NN_BADINPUT);
  ck_assert_msg(strstr(err.msg, "train.batch: expected at most the train split (15 images), got 16"),
                "%s", err.msg);
  results_free(&r);
  data_free(&test);
  tiny_dataset(&test, 5, 3);
  tiny_results(&r, 5, 15, 3);
  ck_assert_int_eq(train_begin(&r, &train, &test, &err), NN_BADINPUT);
  ck_assert_msg(strstr(err.msg, "images have 3 pixels"), "%s", err.msg);
  results_free(&r);
  data_free(&train);
  data_free(&test);
}
END_TEST

static int cmp_size(const void *a, const void *b) {
  const size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

/* train.shuffle: each epoch visits the train split in an order of its own,
 * which follows from (seed, epoch) alone; without it, in train_index order. */
START_TEST(test_epoch_order) {
  dataset train, test;
  tiny_dataset(&train, 57, 6);
  tiny_dataset(&test, 11, 6);
  results r, again;
  tiny_results(&r, 12, 10, 3);
  tiny_results(&again, 12, 10, 3);
  r.spec.train.shuffle = again.spec.train.shuffle = 1;
  ck_assert_int_eq(train_begin(&r, &train, &test, NULL), NN_OK);
  ck_assert_int_eq(train_begin(&again, &train, &test, NULL), NN_OK);
  const size_t n = r.train_size;
  ck_assert_uint_eq(n, 45);
  size_t order[10][45], sorted[45], index[45], other[45];
  memcpy(index, r.train_index, sizeof index);
  qsort(index, n, sizeof *index, cmp_size);
  for (long e = 1; e <= 10; e++) {
    ck_assert_int_eq(train_epoch_order(&r, e, order[e - 1], NULL), NN_OK);
    /* a permutation of the train split, not the split's own order */
    memcpy(sorted, order[e - 1], sizeof sorted);
    qsort(sorted, n, sizeof *sorted, cmp_size);
    ck_assert_int_eq(memcmp(sorted, index, sizeof sorted), 0);
    ck_assert_int_ne(memcmp(order[e - 1], r.train_index, sizeof sorted), 0);
    for (long f = 1; f < e; f++)
      ck_assert_msg(memcmp(order[e - 1], order[f - 1], sizeof sorted) != 0,
                    "epochs %ld and %ld in the same order", f, e);
  }
  /* the same (seed, epoch): the same order, whatever came before */
  for (long e = 10; e >= 1; e--) {
    ck_assert_int_eq(train_epoch_order(&again, e, other, NULL), NN_OK);
    ck_assert_int_eq(memcmp(other, order[e - 1], sizeof other), 0);
  }
  ck_assert_int_eq(train_epoch_order(&r, 3, other, NULL), NN_OK);
  ck_assert_int_eq(memcmp(other, order[2], sizeof other), 0);
  /* another seed: another order of the same split */
  again.spec.seed = 6;
  ck_assert_int_eq(train_epoch_order(&again, 1, other, NULL), NN_OK);
  ck_assert_int_ne(memcmp(other, order[0], sizeof other), 0);
  /* shuffle off: the split's order, every epoch */
  r.spec.train.shuffle = 0;
  for (long e = 1; e <= 3; e++) {
    ck_assert_int_eq(train_epoch_order(&r, e, other, NULL), NN_OK);
    ck_assert_int_eq(memcmp(other, r.train_index, sizeof other), 0);
  }
  results_free(&r);
  results_free(&again);
  data_free(&train);
  data_free(&test);
}
END_TEST

/* A results struct whose normalization is x -> (x - 100) / 50. */
static void feed_results(results *r, int input) {
  results_init(r);
  spec_defaults(&r->spec);
  r->spec.train.input = input;
  r->mean = 100.0;
  r->std = 50.0;
}

/* Evaluation in chunks must equal one pass over all rows, in both
 * precisions. */
START_TEST(test_evaluate_in_chunks) {
  for (int p = 0; p < 2; p++) {
    const int precision = p ? MLP_FLOAT32 : MLP_FLOAT64;
    dataset ds;
    tiny_dataset(&ds, 2500, 8);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    mlp m;
    random_model(&m, 8, 5, 10, 0.1, precision, rng);
    results r;
    feed_results(&r, SPEC_INPUT_DENSE);
    train_feed f;
    ck_assert_int_eq(train_feed_init(&f, &r, &ds, DATA_TRAIN, NULL), NN_OK);
    train_buffers b;
    ck_assert_int_eq(train_buffers_init(&b, &m, TRAIN_EVAL_CHUNK, 0, NULL), NN_OK);
    double loss, acc;
    long confusion[100];
    train_evaluate(&m, &b, &f, NULL, ds.n, &loss, &acc, confusion);

    /* the same in one go */
    double *x = malloc(ds.n * ds.d * sizeof *x);
    float *xf = malloc(ds.n * ds.d * sizeof *xf);
    size_t *rows = malloc(ds.n * sizeof *rows);
    for (size_t i = 0; i < ds.n; i++) rows[i] = i;
    data_gather(&ds, rows, ds.n, f.lut, x);
    for (size_t i = 0; i < ds.n * ds.d; i++) xf[i] = f.lutf[ds.x[i]];
    mlp_work w;
    ck_assert_int_eq(mlp_work_init(&w, &m, ds.n, NULL), NN_OK);
    const mlp_input in = {.kind = MLP_DENSE, .n = ds.n, .x = p ? (void *)xf : (void *)x};
    size_t correct = 0;
    const double total = mlp_forward(&m, &w, &in, ds.y, &correct, NULL);
    printf("%s evaluation in chunks: loss %.17g vs %.17g in one pass\n", prec_name(precision),
           loss, total / ds.n);
    ck_assert_double_eq_tol(loss, total / ds.n, p ? 1e-6 : 1e-12);
    ck_assert_double_eq(acc, (double)correct / ds.n);
    long sum = 0;
    for (int i = 0; i < 100; i++) sum += confusion[i];
    ck_assert_int_eq(sum, 2500);
    /* and through a row list */
    double loss2, acc2;
    train_evaluate(&m, &b, &f, rows, ds.n, &loss2, &acc2, NULL);
    ck_assert(loss2 == loss && acc2 == acc);
    mlp_work_free(&w);
    free(x);
    free(xf);
    free(rows);
    train_buffers_free(&b);
    train_feed_free(&f);
    results_free(&r);
    mlp_free(&m);
    gsl_rng_free(rng);
    data_free(&ds);
  }
}
END_TEST

/* ------------------------------------------------------------ the sparse input */

/* n images of d pixels, about 80% of them zero, as on MNIST. */
static void sparse_dataset(dataset *ds, size_t n, size_t d, gsl_rng *rng) {
  tiny_dataset(ds, n, d);
  for (size_t i = 0; i < n * d; i++)
    ds->x[i] = gsl_rng_uniform(rng) < 0.8 ? 0 : (uint8_t)(1 + gsl_rng_uniform_int(rng, 255));
}

/* The sparse first layer against the dense reference: forward pass and the
 * whole gradient, on 1 and 3 threads (which must agree bit for bit).  Up to
 * rounding: float64 to 1e-13 of the loss and 1e-12 of the largest gradient,
 * float32 to 1e-5 of each. */
static void sparse_vs_dense(int precision, int act, const size_t *hidden, size_t nhidden) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 21);
  const size_t n = 37, d = 50, k = 10;
  const int f32 = precision == MLP_FLOAT32;
  const double tol_loss = f32 ? 1e-5 : 1e-13, tol_grad = f32 ? 1e-5 : 1e-12;
  dataset ds;
  sparse_dataset(&ds, 120, d, rng);
  size_t rows[37];
  for (size_t i = 0; i < n; i++) rows[i] = (i * 7 + 3) % ds.n;
  results r;
  feed_results(&r, SPEC_INPUT_SPARSE);
  train_feed f;
  ck_assert_int_eq(train_feed_init(&f, &r, &ds, DATA_TRAIN, NULL), NN_OK);
  ck_assert(f.sparse);
  mlp m, gd, gs, g2;
  new_model(&m, d, hidden, nhidden, k, act, precision);
  fill_random(&m, 0.3, rng);
  new_like(&gd, &m);
  new_like(&gs, &m);
  new_like(&g2, &m);
  mlp_work w1, w2;
  ck_assert_int_eq(mlp_work_init(&w1, &m, 64, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_sparse(&w1, &m, 1, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_init(&w2, &m, 64, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_sparse(&w2, &m, 3, NULL), NN_OK);
  double *x = malloc(n * d * sizeof *x);
  float *xf = malloc(n * d * sizeof *xf);
  data_gather(&ds, rows, n, f.lut, x);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < d; j++) xf[i * d + j] = f.lutf[ds.x[rows[i] * d + j]];
  uint8_t y[37];
  for (size_t i = 0; i < n; i++) y[i] = ds.y[rows[i]];
  const mlp_input X = {.kind = MLP_DENSE, .n = n, .x = f32 ? (void *)xf : (void *)x};
  const mlp_input in = {.kind = MLP_SPARSE, .n = n,
                        .R = {.n = n, .d = d, .ptr = f.S.ptr, .col = f.S.col, .val = f.S.val,
                              .rows = rows},
                        .shift = f.shift, .scale = f.scale};

  const double dense_loss = mlp_gradient(&m, &w1, &X, y, 0.01, &gd);
  const double sparse = mlp_gradient(&m, &w1, &in, y, 0.01, &gs);
  const double sparse2 = mlp_gradient(&m, &w2, &in, y, 0.01, &g2);
  double worst = 0.0, scale = 0.0;
  for (size_t i = 0; i < m.size; i++) {
    worst = fmax(worst, fabs(param(&gd, i) - param(&gs, i)));
    scale = fmax(scale, fabs(param(&gd, i)));
  }
  printf("%s sparse vs dense first layer, %-7s depth %zu: loss %.17g vs %.17g, max gradient "
         "difference %.3g (of %.3g)\n", prec_name(precision), mlp_activations[act].name,
         nhidden, sparse, dense_loss, worst, scale);
  ck_assert(fabs(sparse - dense_loss) <= tol_loss * fabs(dense_loss));
  ck_assert(worst <= tol_grad * scale);
  ck_assert(sparse2 == sparse);
  ck_assert_int_eq(memcmp(gs.mem, g2.mem, m.size * m.elem), 0);

  size_t c1 = 0, c2 = 0;
  const double l1 = mlp_forward(&m, &w1, &X, y, &c1, NULL);
  const double l2 = mlp_forward(&m, &w2, &in, y, &c2, NULL);
  ck_assert(fabs(l1 - l2) <= tol_loss * fabs(l1));
  ck_assert_uint_eq(c1, c2);
  free(x);
  free(xf);
  mlp_work_free(&w1);
  mlp_work_free(&w2);
  mlp_free(&m);
  mlp_free(&gd);
  mlp_free(&gs);
  mlp_free(&g2);
  train_feed_free(&f);
  results_free(&r);
  data_free(&ds);
  gsl_rng_free(rng);
}

/* Every activation at depth 1 and 3, and depth 0, each in its own precision
 * below.  First-layer widths that are not multiples of the panel width (16
 * columns in float64, 32 in float32); k = 10 at depth 0. */
static void sparse_vs_dense_all(int precision, const size_t h[3]) {
  sparse_vs_dense(precision, MLP_SIGMOID, h, 1);
  sparse_vs_dense(precision, MLP_SIGMOID, NULL, 0);
  for (size_t a = 0; a < mlp_nactivations; a++) {
    if (a != MLP_SIGMOID) sparse_vs_dense(precision, (int)a, h, 1);
    sparse_vs_dense(precision, (int)a, h, 3);
  }
}

START_TEST(test_sparse_matches_dense) {
  const size_t h[3] = {19, 12, 7};
  sparse_vs_dense_all(MLP_FLOAT64, h);
}
END_TEST

START_TEST(test_sparse_matches_dense_float32) {
  const size_t h[3] = {45, 12, 7};
  sparse_vs_dense_all(MLP_FLOAT32, h);
}
END_TEST

/* train.input: auto reads a sparse data set sparsely and a dense one densely,
 * and both evaluate to the same numbers up to rounding. */
START_TEST(test_feed_picks_by_density) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  dataset sparse, dense_ds;
  sparse_dataset(&sparse, 300, 30, rng);
  tiny_dataset(&dense_ds, 300, 30); /* about 1 pixel in 256 is zero */
  results r;
  feed_results(&r, SPEC_INPUT_AUTO);
  train_feed fs, fd, fdense;
  ck_assert_int_eq(train_feed_init(&fs, &r, &sparse, DATA_TRAIN, NULL), NN_OK);
  ck_assert_int_eq(train_feed_init(&fd, &r, &dense_ds, DATA_TRAIN, NULL), NN_OK);
  ck_assert(fs.sparse);
  ck_assert(!fd.sparse);
  ck_assert(data_density(&sparse, NULL, sparse.n) < 0.3);
  r.spec.train.input = SPEC_INPUT_DENSE;
  ck_assert_int_eq(train_feed_init(&fdense, &r, &sparse, DATA_TRAIN, NULL), NN_OK);
  ck_assert(!fdense.sparse);
  mlp m;
  random_model(&m, 30, 6, 10, 0.2, MLP_FLOAT64, rng);
  train_buffers b;
  ck_assert_int_eq(train_buffers_init(&b, &m, 128, 2, NULL), NN_OK);
  double la, aa, lb, ab;
  train_evaluate(&m, &b, &fs, NULL, sparse.n, &la, &aa, NULL);
  train_evaluate(&m, &b, &fdense, NULL, sparse.n, &lb, &ab, NULL);
  ck_assert(fabs(la - lb) <= 1e-12 * fabs(lb));
  ck_assert(aa == ab);
  train_buffers_free(&b);
  mlp_free(&m);
  train_feed_free(&fs);
  train_feed_free(&fd);
  train_feed_free(&fdense);
  results_free(&r);
  data_free(&sparse);
  data_free(&dense_ds);
  gsl_rng_free(rng);
}
END_TEST

/* A model beyond MLP_PARAMS_MAX parameters is refused before anything is
 * allocated, whatever a spec or a results file asks for. */
START_TEST(test_too_many_parameters) {
  mlp m;
  nn_error err = {0};
  const size_t hidden[3] = {10000, 10000, 10000};
  ck_assert_int_eq(mlp_init(&m, 10000, hidden, 3, 10, MLP_RELU, MLP_FLOAT64, &err), NN_BADINPUT);
  ck_assert_str_eq(err.msg, "layer 3 (10000 x 10000) takes the model beyond the 268435456 "
                            "parameters nnrun handles");
  ck_assert_ptr_null(m.mem);
  const size_t huge[1] = {(size_t)1 << 40};
  ck_assert_int_eq(mlp_init(&m, (size_t)1 << 40, huge, 1, 10, MLP_RELU, MLP_FLOAT32, &err),
                   NN_BADINPUT);
  ck_assert_int_eq(mlp_init(&m, 10000, hidden, 2, 10, MLP_RELU, MLP_FLOAT32, &err), NN_OK);
  mlp_free(&m);
}
END_TEST

/* The input path a run took is recorded and followed whatever the threshold
 * says later; a file from before the record follows the 0.5 rule of its
 * time once it has epochs; a fresh run follows TRAIN_SPARSE_DENSITY. */
START_TEST(test_feed_follows_the_record) {
  dataset ds;
  tiny_dataset(&ds, 200, 20);
  for (size_t i = 0; i < ds.n * ds.d; i++) /* 45% non-zero */
    ds.x[i] = (i * 7919) % 100 < 45 ? (uint8_t)(1 + i % 200) : 0;
  const double density = data_density(&ds, NULL, ds.n);
  ck_assert(density > TRAIN_SPARSE_DENSITY && density < 0.5);
  results r;
  feed_results(&r, SPEC_INPUT_AUTO);
  ck_assert(!train_feed_sparse(&r, &ds, DATA_TRAIN));  /* fresh: dense above the threshold */
  r.epochs_done = 3;                                   /* an older file with epochs */
  ck_assert(train_feed_sparse(&r, &ds, DATA_TRAIN));   /* ... took the 0.5 rule: sparse */
  r.train_input = RESULTS_INPUT_DENSE;                 /* what a file records wins */
  ck_assert(!train_feed_sparse(&r, &ds, DATA_TRAIN));
  ck_assert(train_feed_sparse(&r, &ds, DATA_TEST));    /* test_input unknown: the 0.5 rule */
  r.test_input = RESULTS_INPUT_DENSE;
  ck_assert(!train_feed_sparse(&r, &ds, DATA_TEST));
  r.train_input = RESULTS_INPUT_SPARSE;
  r.spec.train.input = SPEC_INPUT_DENSE;               /* the record is what the run did */
  ck_assert(train_feed_sparse(&r, &ds, DATA_TRAIN));
  results_free(&r);
  data_free(&ds);
}
END_TEST

int main(void) {
  Suite *s = suite_create("mlp");
  TCase *t = tcase_create("model");
  tcase_set_timeout(t, 60);
  tcase_add_test(t, test_init_layout);
  tcase_add_test(t, test_feed_follows_the_record);
  tcase_add_test(t, test_too_many_parameters);
  tcase_add_test(t, test_init_depth0_layout);
  tcase_add_test(t, test_init_deep_layout);
  tcase_add_test(t, test_init_rejects);
  tcase_add_test(t, test_sparse_out_of_memory);
  tcase_add_test(t, test_shape_text);
  tcase_add_test(t, test_activation_table);
  tcase_add_test(t, test_forward_matches_naive);
  tcase_add_test(t, test_gradient_float64);
  tcase_add_test(t, test_gradient_float32);
  tcase_add_test(t, test_sgd_step_by_hand);
  tcase_add_test(t, test_extreme_activations_stay_finite);
  tcase_add_test(t, test_l2_and_finite);
  tcase_add_test(t, test_confusion_counts);
  tcase_add_test(t, test_sgd_learns_a_toy_problem);
  tcase_add_test(t, test_float32_matches_float64);
  suite_add_tcase(s, t);
  TCase *tr = tcase_create("train");
  tcase_set_timeout(tr, 60);
  tcase_add_test(tr, test_split_is_a_permutation);
  tcase_add_test(tr, test_begin_builds_the_spec_model);
  tcase_add_test(tr, test_begin_rejects_what_the_data_contradicts);
  tcase_add_test(tr, test_epoch_order);
  tcase_add_test(tr, test_evaluate_in_chunks);
  tcase_add_test(tr, test_sparse_matches_dense);
  tcase_add_test(tr, test_sparse_matches_dense_float32);
  tcase_add_test(tr, test_feed_picks_by_density);
  suite_add_tcase(s, tr);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
