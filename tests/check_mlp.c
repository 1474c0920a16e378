/* check_mlp.c: the model's arithmetic against mathematics -- finite-difference
 * gradient checks, the BLAS path against a naive product, a hand-worked SGD
 * step -- and the split and evaluation of train.c on tiny data.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "mlp.h"
#include "train.h"

/* A d-h-k model with weights ~ N(0, scale^2) and small random biases. */
static void random_model(mlp *m, size_t d, size_t h, size_t k, double scale, gsl_rng *rng) {
  ck_assert_int_eq(mlp_init(m, d, h, k, NULL), NN_OK);
  for (size_t i = 0; i < m->size; i++) m->mem[i] = scale * gsl_ran_gaussian(rng, 1.0);
}

static gsl_matrix *random_inputs(size_t n, size_t d, gsl_rng *rng) {
  gsl_matrix *X = gsl_matrix_alloc(n, d);
  for (size_t i = 0; i < n * d; i++) X->data[i] = gsl_ran_gaussian(rng, 1.0);
  return X;
}

/* mean loss + lambda * L2, through the forward pass only */
static double objective(const mlp *m, mlp_work *w, const gsl_matrix *X, const uint8_t *y,
                        double lambda) {
  size_t correct = 0;
  return mlp_forward(m, w, X, y, &correct, NULL) / (double)X->size1 + lambda * mlp_l2(m);
}

/* Central differences on every parameter; returns the max relative error. */
static double gradient_check(double lambda) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 7);
  mlp m, g;
  mlp_work w;
  random_model(&m, 5, 4, 3, 0.7, rng);
  ck_assert_int_eq(mlp_init(&g, 5, 4, 3, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_init(&w, &m, 8, NULL), NN_OK);
  gsl_matrix *X = random_inputs(7, 5, rng);
  const uint8_t y[7] = {0, 2, 1, 1, 0, 2, 2};

  mlp_gradient(&m, &w, X, y, lambda, &g);
  double worst = 0.0;
  const double eps = 1e-5;
  for (size_t i = 0; i < m.size; i++) {
    const double keep = m.mem[i];
    m.mem[i] = keep + eps;
    const double up = objective(&m, &w, X, y, lambda);
    m.mem[i] = keep - eps;
    const double down = objective(&m, &w, X, y, lambda);
    m.mem[i] = keep;
    const double numeric = (up - down) / (2 * eps);
    const double rel = fabs(numeric - g.mem[i]) / fmax(1e-8, fabs(numeric) + fabs(g.mem[i]));
    if (rel > worst) worst = rel;
  }
  gsl_matrix_free(X);
  mlp_work_free(&w);
  mlp_free(&g);
  mlp_free(&m);
  gsl_rng_free(rng);
  return worst;
}

START_TEST(test_gradient_unregularized) {
  double worst = gradient_check(0.0);
  printf("gradient check, lambda = 0:   max relative error %.3g\n", worst);
  ck_assert_msg(worst < 1e-7, "max relative error %g", worst);
}
END_TEST

START_TEST(test_gradient_regularized) {
  double worst = gradient_check(0.05);
  printf("gradient check, lambda = 0.05: max relative error %.3g\n", worst);
  ck_assert_msg(worst < 1e-7, "max relative error %g", worst);
}
END_TEST

START_TEST(test_init_layout) {
  mlp m;
  ck_assert_int_eq(mlp_init(&m, 3, 2, 4, NULL), NN_OK);
  ck_assert_uint_eq(m.size, 3 * 2 + 2 + 2 * 4 + 4);
  ck_assert_ptr_eq(m.W1.matrix.data, m.mem);
  ck_assert_ptr_eq(m.b1.vector.data, m.mem + 6);
  ck_assert_ptr_eq(m.W2.matrix.data, m.mem + 8);
  ck_assert_ptr_eq(m.b2.vector.data, m.mem + 16);
  ck_assert_uint_eq(m.W1.matrix.size1, 3);
  ck_assert_uint_eq(m.W1.matrix.size2, 2);
  ck_assert_uint_eq(m.W2.matrix.size1, 2);
  ck_assert_uint_eq(m.W2.matrix.size2, 4);
  for (size_t i = 0; i < m.size; i++) ck_assert(m.mem[i] == 0.0);
  mlp_free(&m);
  mlp_free(&m); /* a freed model is zeroed: freeing again is harmless */
  nn_error err = {0};
  ck_assert_int_eq(mlp_init(&m, 0, 2, 4, &err), NN_BADINPUT);
}
END_TEST

START_TEST(test_randomize) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  mlp a, b;
  ck_assert_int_eq(mlp_init(&a, 200, 50, 10, NULL), NN_OK);
  ck_assert_int_eq(mlp_init(&b, 200, 50, 10, NULL), NN_OK);
  gsl_rng_set(rng, 3);
  mlp_randomize(&a, rng);
  gsl_rng_set(rng, 3);
  mlp_randomize(&b, rng);
  ck_assert_int_eq(memcmp(a.mem, b.mem, a.size * sizeof *a.mem), 0);
  double sum = 0, sq = 0;
  const size_t n = a.d * a.h;
  for (size_t i = 0; i < n; i++) {
    sum += a.W1.matrix.data[i];
    sq += a.W1.matrix.data[i] * a.W1.matrix.data[i];
  }
  ck_assert(fabs(sum / n) < 0.05);
  ck_assert(fabs(sq / n - 1.0) < 0.05);
  for (size_t j = 0; j < a.h; j++) ck_assert(gsl_vector_get(&a.b1.vector, j) == 0.0);
  for (size_t j = 0; j < a.k; j++) ck_assert(gsl_vector_get(&a.b2.vector, j) == 0.0);
  mlp_free(&a);
  mlp_free(&b);
  gsl_rng_free(rng);
}
END_TEST

/* The forward pass written out with plain loops, the naive reference. */
START_TEST(test_forward_matches_naive) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 11);
  const size_t n = 9, d = 13, h = 7, k = 5;
  mlp m;
  mlp_work w;
  random_model(&m, d, h, k, 1.0, rng);
  ck_assert_int_eq(mlp_work_init(&w, &m, 16, NULL), NN_OK);
  gsl_matrix *X = random_inputs(n, d, rng);
  uint8_t y[9];
  for (size_t r = 0; r < n; r++) y[r] = (uint8_t)(r % k);
  size_t correct = 0;
  const double loss = mlp_forward(&m, &w, X, y, &correct, NULL);

  double naive = 0.0, worst = 0.0;
  size_t naive_correct = 0;
  for (size_t r = 0; r < n; r++) {
    double a[7], z[5];
    for (size_t j = 0; j < h; j++) {
      double s = gsl_vector_get(&m.b1.vector, j);
      for (size_t i = 0; i < d; i++) s += gsl_matrix_get(X, r, i) * gsl_matrix_get(&m.W1.matrix, i, j);
      a[j] = 1.0 / (1.0 + exp(-s));
      worst = fmax(worst, fabs(a[j] - gsl_matrix_get(w.A1, r, j)));
    }
    double zmax = -INFINITY, norm = 0.0;
    size_t best = 0;
    for (size_t c = 0; c < k; c++) {
      z[c] = gsl_vector_get(&m.b2.vector, c);
      for (size_t j = 0; j < h; j++) z[c] += a[j] * gsl_matrix_get(&m.W2.matrix, j, c);
      if (z[c] > zmax) zmax = z[c], best = c;
    }
    for (size_t c = 0; c < k; c++) norm += exp(z[c]);
    naive += -(z[y[r]] - log(norm));
    naive_correct += best == y[r];
  }
  printf("BLAS forward vs naive loops: max activation difference %.3g, loss %.17g vs %.17g\n",
         worst, loss, naive);
  ck_assert(worst < 1e-13);
  ck_assert(fabs(loss - naive) < 1e-12 * fabs(naive));
  ck_assert_uint_eq(correct, naive_correct);
  gsl_matrix_free(X);
  mlp_work_free(&w);
  mlp_free(&m);
  gsl_rng_free(rng);
}
END_TEST

/* 1-1-2 network, x = 1, y = 0, W1 = 0, b1 = 0, W2 = [1 -1], b2 = 0, lambda = 1/2, lr = 2.
 * A1 = sigmoid(0) = 1/2, Z2 = [1/2, -1/2], P = [s, 1 - s] with s = sigmoid(1).
 * loss = -log s;  dZ2 = [s - 1, 1 - s];  dW2 = A1 dZ2 + 2 (1/2) W2 = [(s-1)/2 + 1, (1-s)/2 - 1]
 * dZ1 = (dZ2 . W2) A1 (1 - A1) = 2 (s - 1) / 4 = (s - 1) / 2;  dW1 = db1 = (s - 1) / 2.
 * With s = 0.7310585786300049 and lr = 2:
 * W1 = b1 = 1 - s = 0.2689414213699951;  W2 = [-s, s];  b2 = [2 (1 - s), -2 (1 - s)]. */
START_TEST(test_sgd_step_by_hand) {
  mlp m, g;
  mlp_work w;
  ck_assert_int_eq(mlp_init(&m, 1, 1, 2, NULL), NN_OK);
  ck_assert_int_eq(mlp_init(&g, 1, 1, 2, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_init(&w, &m, 1, NULL), NN_OK);
  gsl_matrix_set(&m.W2.matrix, 0, 0, 1.0);
  gsl_matrix_set(&m.W2.matrix, 0, 1, -1.0);
  double x = 1.0;
  gsl_matrix_view X = gsl_matrix_view_array(&x, 1, 1);
  const uint8_t y = 0;
  const double loss = mlp_gradient(&m, &w, &X.matrix, &y, 0.5, &g);
  mlp_step(&m, &g, 2.0);
  const double tol = 1e-15;
  ck_assert_double_eq_tol(loss, 0.31326168751822286, tol);
  ck_assert_double_eq_tol(gsl_matrix_get(&m.W1.matrix, 0, 0), 0.2689414213699951, tol);
  ck_assert_double_eq_tol(gsl_vector_get(&m.b1.vector, 0), 0.2689414213699951, tol);
  ck_assert_double_eq_tol(gsl_matrix_get(&m.W2.matrix, 0, 0), -0.7310585786300049, tol);
  ck_assert_double_eq_tol(gsl_matrix_get(&m.W2.matrix, 0, 1), 0.7310585786300049, tol);
  ck_assert_double_eq_tol(gsl_vector_get(&m.b2.vector, 0), 0.5378828427399902, tol);
  ck_assert_double_eq_tol(gsl_vector_get(&m.b2.vector, 1), -0.5378828427399902, tol);
  mlp_work_free(&w);
  mlp_free(&g);
  mlp_free(&m);
}
END_TEST

/* Pre-activations of +-800 overflow a naive exp(): the loss must stay finite. */
START_TEST(test_extreme_activations_stay_finite) {
  mlp m, g;
  mlp_work w;
  ck_assert_int_eq(mlp_init(&m, 2, 2, 2, NULL), NN_OK);
  ck_assert_int_eq(mlp_init(&g, 2, 2, 2, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_init(&w, &m, 2, NULL), NN_OK);
  double W1[] = {800, -800, -800, 800}, W2[] = {900, -900, -900, 900};
  memcpy(m.W1.matrix.data, W1, sizeof W1);
  memcpy(m.W2.matrix.data, W2, sizeof W2);
  double x[] = {1, 0, 0, 1};
  gsl_matrix_view X = gsl_matrix_view_array(x, 2, 2);
  const uint8_t y[] = {1, 1};
  size_t correct = 0;
  double loss = mlp_forward(&m, &w, &X.matrix, y, &correct, NULL);
  ck_assert(isfinite(loss));
  ck_assert_double_eq_tol(loss, 1800.0, 1e-9); /* row 0 predicts class 0 by a margin of 1800 */
  ck_assert_uint_eq(correct, 1);
  double mean = mlp_gradient(&m, &w, &X.matrix, y, 0.0, &g);
  ck_assert(isfinite(mean));
  ck_assert(mlp_finite(&g));
  mlp_work_free(&w);
  mlp_free(&g);
  mlp_free(&m);
}
END_TEST

START_TEST(test_l2_and_finite) {
  mlp m;
  ck_assert_int_eq(mlp_init(&m, 2, 1, 2, NULL), NN_OK);
  m.W1.matrix.data[0] = 1, m.W1.matrix.data[1] = 2; /* 5 */
  m.b1.vector.data[0] = 100;                        /* biases are not regularized */
  m.W2.matrix.data[0] = 3, m.W2.matrix.data[1] = 4; /* 25 */
  m.b2.vector.data[1] = -7;
  ck_assert_double_eq(mlp_l2(&m), 30.0);
  ck_assert(mlp_finite(&m));
  m.b2.vector.data[0] = NAN;
  ck_assert(!mlp_finite(&m));
  m.b2.vector.data[0] = INFINITY;
  ck_assert(!mlp_finite(&m));
  mlp_free(&m);
}
END_TEST

START_TEST(test_confusion_counts) {
  mlp m;
  mlp_work w;
  ck_assert_int_eq(mlp_init(&m, 1, 1, 2, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_init(&w, &m, 4, NULL), NN_OK);
  /* b2 favours class 1 for every input */
  m.b2.vector.data[1] = 5.0;
  double x[] = {0, 1, 2, 3};
  gsl_matrix_view X = gsl_matrix_view_array(x, 4, 1);
  const uint8_t y[] = {0, 1, 1, 0};
  size_t correct = 0;
  long confusion[4] = {0};
  mlp_forward(&m, &w, &X.matrix, y, &correct, confusion);
  ck_assert_uint_eq(correct, 2);
  ck_assert_int_eq(confusion[0 * 2 + 1], 2); /* true 0, predicted 1 */
  ck_assert_int_eq(confusion[1 * 2 + 1], 2);
  ck_assert_int_eq(confusion[0], 0);
  ck_assert_int_eq(confusion[2], 0);
  mlp_work_free(&w);
  mlp_free(&m);
}
END_TEST

/* A tiny dataset of n images of d pixels with labels i % 10 (classes as
 * data_load_files() counts them). */
static void tiny_dataset(dataset *ds, size_t n, size_t d) {
  memset(ds, 0, sizeof *ds);
  ds->n = n, ds->d = d, ds->rows = 1, ds->cols = d, ds->classes = n < 10 ? n : 10;
  ds->x = malloc(n * d);
  ds->y = malloc(n);
  for (size_t i = 0; i < n; i++) {
    ds->y[i] = (uint8_t)(i % 10);
    for (size_t j = 0; j < d; j++) ds->x[i * d + j] = (uint8_t)((i * 31 + j * 17) % 256);
  }
  snprintf(ds->images_path, sizeof ds->images_path, "tiny-images");
  snprintf(ds->labels_path, sizeof ds->labels_path, "tiny-labels");
}

static void tiny_results(results *r, long dev, long batch, long hidden) {
  results_init(r);
  spec_defaults(&r->spec);
  r->spec.data.dev_size = dev;
  r->spec.train.batch = batch;
  r->spec.model.hidden = hidden;
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
  ck_assert_int_eq(memcmp(r.model.mem, again.model.mem, r.model.size * sizeof(double)), 0);
  ck_assert(r.std > 0);
  results_free(&r);
  results_free(&again);
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

/* A results struct whose normalization is x -> (x - 100) / 50. */
static void feed_results(results *r, int input) {
  results_init(r);
  spec_defaults(&r->spec);
  r->spec.train.input = input;
  r->mean = 100.0;
  r->std = 50.0;
}

/* Evaluation in chunks must equal one pass over all rows. */
START_TEST(test_evaluate_in_chunks) {
  dataset ds;
  tiny_dataset(&ds, 2500, 8);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  mlp m;
  random_model(&m, 8, 5, 10, 0.1, rng);
  results r;
  feed_results(&r, SPEC_INPUT_DENSE);
  train_feed f;
  ck_assert_int_eq(train_feed_init(&f, &r, &ds, NULL), NN_OK);
  train_buffers b;
  ck_assert_int_eq(train_buffers_init(&b, &m, TRAIN_EVAL_CHUNK, 0, NULL), NN_OK);
  double loss, acc;
  long confusion[100];
  train_evaluate(&m, &b, &f, NULL, ds.n, &loss, &acc, confusion);

  /* the same in one go */
  double *x = malloc(ds.n * ds.d * sizeof *x);
  size_t *rows = malloc(ds.n * sizeof *rows);
  for (size_t i = 0; i < ds.n; i++) rows[i] = i;
  data_gather(&ds, rows, ds.n, f.lut, x);
  mlp_work w;
  ck_assert_int_eq(mlp_work_init(&w, &m, ds.n, NULL), NN_OK);
  gsl_matrix_view X = gsl_matrix_view_array(x, ds.n, ds.d);
  size_t correct = 0;
  double total = mlp_forward(&m, &w, &X.matrix, ds.y, &correct, NULL);
  ck_assert_double_eq_tol(loss, total / ds.n, 1e-12);
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
  free(rows);
  train_buffers_free(&b);
  train_feed_free(&f);
  results_free(&r);
  mlp_free(&m);
  gsl_rng_free(rng);
  data_free(&ds);
}
END_TEST

/* n images of d pixels, about 80% of them zero, as on MNIST. */
static void sparse_dataset(dataset *ds, size_t n, size_t d, gsl_rng *rng) {
  tiny_dataset(ds, n, d);
  for (size_t i = 0; i < n * d; i++)
    ds->x[i] = gsl_rng_uniform(rng) < 0.8 ? 0 : (uint8_t)(1 + gsl_rng_uniform_int(rng, 255));
}

/* The sparse first layer against the dense reference: forward pass and the
 * whole gradient, on several thread counts (which must agree bit for bit). */
START_TEST(test_sparse_matches_dense) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 21);
  const size_t n = 37, d = 50, h = 19, k = 10; /* h not a multiple of the panel width */
  dataset ds;
  sparse_dataset(&ds, 120, d, rng);
  size_t rows[37];
  for (size_t i = 0; i < n; i++) rows[i] = (i * 7 + 3) % ds.n;
  results r;
  feed_results(&r, SPEC_INPUT_SPARSE);
  train_feed f;
  ck_assert_int_eq(train_feed_init(&f, &r, &ds, NULL), NN_OK);
  ck_assert(f.sparse);
  mlp m, gd, gs, g2;
  random_model(&m, d, h, k, 0.3, rng);
  ck_assert_int_eq(mlp_init(&gd, d, h, k, NULL), NN_OK);
  ck_assert_int_eq(mlp_init(&gs, d, h, k, NULL), NN_OK);
  ck_assert_int_eq(mlp_init(&g2, d, h, k, NULL), NN_OK);
  mlp_work w1, w2;
  ck_assert_int_eq(mlp_work_init(&w1, &m, 64, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_sparse(&w1, &m, 1, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_init(&w2, &m, 64, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_sparse(&w2, &m, 3, NULL), NN_OK);
  double *x = malloc(n * d * sizeof *x);
  data_gather(&ds, rows, n, f.lut, x);
  gsl_matrix_view X = gsl_matrix_view_array(x, n, d);
  uint8_t y[37];
  for (size_t i = 0; i < n; i++) y[i] = ds.y[rows[i]];
  mlp_sparse_input in = {.S = &f.S, .rows = rows, .n = n, .shift = f.shift, .scale = f.scale};

  const double dense = mlp_gradient(&m, &w1, &X.matrix, y, 0.01, &gd);
  const double sparse = mlp_gradient_sparse(&m, &w1, &in, y, 0.01, &gs);
  const double sparse2 = mlp_gradient_sparse(&m, &w2, &in, y, 0.01, &g2);
  double worst = 0.0, scale = 0.0;
  for (size_t i = 0; i < m.size; i++) {
    worst = fmax(worst, fabs(gd.mem[i] - gs.mem[i]));
    scale = fmax(scale, fabs(gd.mem[i]));
  }
  printf("sparse vs dense first layer: loss %.17g vs %.17g, max gradient difference %.3g "
         "(of %.3g)\n", sparse, dense, worst, scale);
  ck_assert(fabs(sparse - dense) <= 1e-13 * fabs(dense));
  ck_assert(worst <= 1e-12 * scale);
  ck_assert(sparse2 == sparse);
  ck_assert_int_eq(memcmp(gs.mem, g2.mem, m.size * sizeof *gs.mem), 0);

  size_t c1 = 0, c2 = 0;
  const double l1 = mlp_forward(&m, &w1, &X.matrix, y, &c1, NULL);
  const double l2 = mlp_forward_sparse(&m, &w2, &in, y, &c2, NULL);
  ck_assert(fabs(l1 - l2) <= 1e-13 * fabs(l1));
  ck_assert_uint_eq(c1, c2);
  free(x);
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
END_TEST

/* train.input: auto reads a sparse data set sparsely and a dense one densely,
 * and both evaluate to the same numbers up to rounding. */
START_TEST(test_feed_picks_by_density) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  dataset sparse, dense;
  sparse_dataset(&sparse, 300, 30, rng);
  tiny_dataset(&dense, 300, 30); /* about 1 pixel in 256 is zero */
  results r;
  feed_results(&r, SPEC_INPUT_AUTO);
  train_feed fs, fd, fdense;
  ck_assert_int_eq(train_feed_init(&fs, &r, &sparse, NULL), NN_OK);
  ck_assert_int_eq(train_feed_init(&fd, &r, &dense, NULL), NN_OK);
  ck_assert(fs.sparse);
  ck_assert(!fd.sparse);
  ck_assert(data_density(&sparse, NULL, sparse.n) < 0.3);
  r.spec.train.input = SPEC_INPUT_DENSE;
  ck_assert_int_eq(train_feed_init(&fdense, &r, &sparse, NULL), NN_OK);
  ck_assert(!fdense.sparse);
  mlp m;
  random_model(&m, 30, 6, 10, 0.2, rng);
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
  data_free(&dense);
  gsl_rng_free(rng);
}
END_TEST

/* A few epochs on a separable toy problem must drive the loss down. */
START_TEST(test_sgd_learns_a_toy_problem) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 1);
  const size_t n = 200, d = 2;
  gsl_matrix *X = gsl_matrix_alloc(n, d);
  uint8_t *y = malloc(n);
  for (size_t r = 0; r < n; r++) {
    y[r] = (uint8_t)(r % 2);
    gsl_matrix_set(X, r, 0, (y[r] ? 1.0 : -1.0) + 0.3 * gsl_ran_gaussian(rng, 1));
    gsl_matrix_set(X, r, 1, 0.3 * gsl_ran_gaussian(rng, 1));
  }
  mlp m, g;
  mlp_work w;
  random_model(&m, d, 4, 2, 0.5, rng);
  ck_assert_int_eq(mlp_init(&g, d, 4, 2, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_init(&w, &m, n, NULL), NN_OK);
  double first = mlp_gradient(&m, &w, X, y, 0.0, &g), last = first;
  for (int it = 0; it < 200; it++) {
    mlp_step(&m, &g, 1.0);
    last = mlp_gradient(&m, &w, X, y, 0.0, &g);
  }
  size_t correct = 0;
  mlp_forward(&m, &w, X, y, &correct, NULL);
  printf("toy problem: loss %.4f -> %.4f, accuracy %.3f\n", first, last, (double)correct / n);
  ck_assert(last < 0.2 * first);
  ck_assert(correct > 0.95 * n);
  free(y);
  gsl_matrix_free(X);
  mlp_work_free(&w);
  mlp_free(&g);
  mlp_free(&m);
  gsl_rng_free(rng);
}
END_TEST

/* ---- float32: the same passes in single precision */

/* dst = src rounded to float32 (dst allocated here). */
static void to_float32(mlp *dst, const mlp *src) {
  ck_assert_int_eq(mlp_init_precision(dst, src->d, src->h, src->k, SPEC_PREC_FLOAT32, NULL),
                   NN_OK);
  for (size_t i = 0; i < src->size; i++) dst->mem32[i] = (float)src->mem[i];
}

static gsl_matrix_float *to_float_matrix(const gsl_matrix *X) {
  gsl_matrix_float *F = gsl_matrix_float_alloc(X->size1, X->size2);
  for (size_t i = 0; i < X->size1 * X->size2; i++) F->data[i] = (float)X->data[i];
  return F;
}

static double objective_f(const mlp *m, mlp_work *w, const gsl_matrix_float *X,
                          const uint8_t *y, double lambda) {
  size_t correct = 0;
  return mlp_forward_f(m, w, X, y, &correct, NULL) / (double)X->size1 + lambda * mlp_l2(m);
}

/* Central differences on every float parameter.  The objective is computed
 * in single precision, so its rounding noise (about 1e-7 of the loss) over a
 * step of 2 eps must stay well below the gradient: eps = 1e-2 on weights of
 * size ~0.7 keeps the noise near 1e-5 and the truncation error (eps^2 times
 * the third derivative) near 1e-4.  Gradients smaller than 1e-3 are compared
 * absolutely.  The difference is divided by the step the parameter really
 * took after rounding to float. */
static double gradient_check_f(double lambda) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 7);
  mlp m64, m, g;
  mlp_work w;
  random_model(&m64, 5, 4, 3, 0.7, rng);
  to_float32(&m, &m64);
  ck_assert_int_eq(mlp_init_precision(&g, 5, 4, 3, SPEC_PREC_FLOAT32, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_init(&w, &m, 8, NULL), NN_OK);
  gsl_matrix *X64 = random_inputs(7, 5, rng);
  gsl_matrix_float *X = to_float_matrix(X64);
  const uint8_t y[7] = {0, 2, 1, 1, 0, 2, 2};

  mlp_gradient_f(&m, &w, X, y, lambda, &g);
  double worst = 0.0;
  const float eps = 1e-2f;
  for (size_t i = 0; i < m.size; i++) {
    const float keep = m.mem32[i], hi = keep + eps, lo = keep - eps;
    m.mem32[i] = hi;
    const double up = objective_f(&m, &w, X, y, lambda);
    m.mem32[i] = lo;
    const double down = objective_f(&m, &w, X, y, lambda);
    m.mem32[i] = keep;
    const double numeric = (up - down) / ((double)hi - (double)lo);
    const double rel = fabs(numeric - g.mem32[i]) / fmax(1e-3, fabs(numeric) + fabs(g.mem32[i]));
    if (rel > worst) worst = rel;
  }
  gsl_matrix_float_free(X);
  gsl_matrix_free(X64);
  mlp_work_free(&w);
  mlp_free(&g);
  mlp_free(&m);
  mlp_free(&m64);
  gsl_rng_free(rng);
  return worst;
}

START_TEST(test_gradient_float32) {
  const double lambdas[2] = {0.0, 0.05};
  for (int i = 0; i < 2; i++) {
    const double worst = gradient_check_f(lambdas[i]);
    printf("float32 gradient check, lambda = %g: max relative error %.3g\n", lambdas[i], worst);
    ck_assert_msg(worst < 1e-2, "max relative error %g", worst);
  }
}
END_TEST

/* The float32 passes against the float64 ones on the same (float-rounded)
 * weights and inputs: they differ by single-precision rounding only. */
START_TEST(test_float32_matches_float64) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 11);
  const size_t n = 40, d = 30, h = 20, k = 10;
  mlp m64, m32, g64, g32;
  random_model(&m64, d, h, k, 0.5, rng);
  to_float32(&m32, &m64);
  for (size_t i = 0; i < m64.size; i++) m64.mem[i] = m32.mem32[i];
  ck_assert_int_eq(mlp_init(&g64, d, h, k, NULL), NN_OK);
  ck_assert_int_eq(mlp_init_precision(&g32, d, h, k, SPEC_PREC_FLOAT32, NULL), NN_OK);
  gsl_matrix *X = random_inputs(n, d, rng);
  gsl_matrix_float *Xf = to_float_matrix(X);
  for (size_t i = 0; i < n * d; i++) X->data[i] = Xf->data[i];
  uint8_t y[40];
  for (size_t i = 0; i < n; i++) y[i] = (uint8_t)(i % k);
  mlp_work w64, w32;
  ck_assert_int_eq(mlp_work_init(&w64, &m64, n, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_init(&w32, &m32, n, NULL), NN_OK);
  size_t c64 = 0, c32 = 0;
  const double l64 = mlp_forward(&m64, &w64, X, y, &c64, NULL);
  const double l32 = mlp_forward_f(&m32, &w32, Xf, y, &c32, NULL);
  const double gl64 = mlp_gradient(&m64, &w64, X, y, 0.01, &g64);
  const double gl32 = mlp_gradient_f(&m32, &w32, Xf, y, 0.01, &g32);
  double worst = 0.0, scale = 0.0;
  for (size_t i = 0; i < m64.size; i++) {
    worst = fmax(worst, fabs(g64.mem[i] - g32.mem32[i]));
    scale = fmax(scale, fabs(g64.mem[i]));
  }
  printf("float32 vs float64: loss %.9g vs %.9g (relative %.3g), max gradient difference "
         "%.3g (of %.3g)\n", l32, l64, fabs(l32 - l64) / l64, worst, scale);
  ck_assert(fabs(l32 - l64) <= 1e-5 * l64);
  ck_assert(fabs(gl32 - gl64) <= 1e-5 * gl64);
  ck_assert(worst <= 1e-5 * scale);
  ck_assert_uint_eq(c32, c64);
  gsl_matrix_free(X);
  gsl_matrix_float_free(Xf);
  mlp_work_free(&w64);
  mlp_work_free(&w32);
  mlp_free(&m64);
  mlp_free(&m32);
  mlp_free(&g64);
  mlp_free(&g32);
  gsl_rng_free(rng);
}
END_TEST

/* The sparse first layer against the dense one in float32, on 1 and 3
 * threads (which agree bit for bit). */
START_TEST(test_sparse_matches_dense_float32) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 21);
  const size_t n = 37, d = 50, h = 45, k = 10; /* h not a multiple of the panel width */
  dataset ds;
  sparse_dataset(&ds, 120, d, rng);
  size_t rows[37];
  for (size_t i = 0; i < n; i++) rows[i] = (i * 7 + 3) % ds.n;
  results r;
  feed_results(&r, SPEC_INPUT_SPARSE);
  train_feed f;
  ck_assert_int_eq(train_feed_init(&f, &r, &ds, NULL), NN_OK);
  mlp m64, m, gd, gs, g2;
  random_model(&m64, d, h, k, 0.3, rng);
  to_float32(&m, &m64);
  ck_assert_int_eq(mlp_init_precision(&gd, d, h, k, SPEC_PREC_FLOAT32, NULL), NN_OK);
  ck_assert_int_eq(mlp_init_precision(&gs, d, h, k, SPEC_PREC_FLOAT32, NULL), NN_OK);
  ck_assert_int_eq(mlp_init_precision(&g2, d, h, k, SPEC_PREC_FLOAT32, NULL), NN_OK);
  mlp_work w1, w2;
  ck_assert_int_eq(mlp_work_init(&w1, &m, 64, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_sparse(&w1, &m, 1, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_init(&w2, &m, 64, NULL), NN_OK);
  ck_assert_int_eq(mlp_work_sparse(&w2, &m, 3, NULL), NN_OK);
  gsl_matrix_float *X = gsl_matrix_float_alloc(n, d);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < d; j++) X->data[i * d + j] = f.lutf[ds.x[rows[i] * d + j]];
  uint8_t y[37];
  for (size_t i = 0; i < n; i++) y[i] = ds.y[rows[i]];
  mlp_sparse_input in = {.S = &f.S, .rows = rows, .n = n, .shift = f.shift, .scale = f.scale};

  const double dense = mlp_gradient_f(&m, &w1, X, y, 0.01, &gd);
  const double sparse = mlp_gradient_sparse(&m, &w1, &in, y, 0.01, &gs);
  const double sparse2 = mlp_gradient_sparse(&m, &w2, &in, y, 0.01, &g2);
  double worst = 0.0, scale = 0.0;
  for (size_t i = 0; i < m.size; i++) {
    worst = fmax(worst, fabs((double)gd.mem32[i] - gs.mem32[i]));
    scale = fmax(scale, fabs((double)gd.mem32[i]));
  }
  printf("float32 sparse vs dense first layer: loss %.9g vs %.9g, max gradient difference "
         "%.3g (of %.3g)\n", sparse, dense, worst, scale);
  ck_assert(fabs(sparse - dense) <= 1e-5 * fabs(dense));
  ck_assert(worst <= 1e-5 * scale);
  ck_assert(sparse2 == sparse);
  ck_assert_int_eq(memcmp(gs.mem32, g2.mem32, m.size * sizeof *gs.mem32), 0);

  size_t c1 = 0, c2 = 0;
  const double l1 = mlp_forward_f(&m, &w1, X, y, &c1, NULL);
  const double l2 = mlp_forward_sparse(&m, &w2, &in, y, &c2, NULL);
  ck_assert(fabs(l1 - l2) <= 1e-5 * fabs(l1));
  ck_assert_uint_eq(c1, c2);
  gsl_matrix_float_free(X);
  mlp_work_free(&w1);
  mlp_work_free(&w2);
  mlp_free(&m64);
  mlp_free(&m);
  mlp_free(&gd);
  mlp_free(&gs);
  mlp_free(&g2);
  train_feed_free(&f);
  results_free(&r);
  gsl_rng_free(rng);
  data_free(&ds);
}
END_TEST

int main(void) {
  Suite *s = suite_create("mlp");
  TCase *t = tcase_create("model");
  tcase_add_test(t, test_init_layout);
  tcase_add_test(t, test_randomize);
  tcase_add_test(t, test_forward_matches_naive);
  tcase_add_test(t, test_gradient_unregularized);
  tcase_add_test(t, test_gradient_regularized);
  tcase_add_test(t, test_sgd_step_by_hand);
  tcase_add_test(t, test_extreme_activations_stay_finite);
  tcase_add_test(t, test_l2_and_finite);
  tcase_add_test(t, test_confusion_counts);
  tcase_add_test(t, test_sgd_learns_a_toy_problem);
  suite_add_tcase(s, t);
  TCase *tr = tcase_create("train");
  tcase_add_test(tr, test_split_is_a_permutation);
  tcase_add_test(tr, test_begin_rejects_what_the_data_contradicts);
  tcase_add_test(tr, test_evaluate_in_chunks);
  tcase_add_test(tr, test_sparse_matches_dense);
  tcase_add_test(tr, test_feed_picks_by_density);
  tcase_add_test(tr, test_gradient_float32);
  tcase_add_test(tr, test_float32_matches_float64);
  tcase_add_test(tr, test_sparse_matches_dense_float32);
  suite_add_tcase(s, tr);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
