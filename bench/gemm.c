/* bench/gemm.c: this machine's dgemm/sgemm speed at the shapes the reference
 * run uses, on 1 and 2 threads (or those given), and from it the run's
 * matrix-multiply lower bound.  A measurement tool for bench/run, not a test.
 *
 * Usage: bench/gemm [-t SECONDS] [THREADS ...]     (default: 1 2)
 * The last lines, "bound float64 threads=T seconds=S gflops=G", are for bench/run.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_cblas.h>

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int);
#endif

/* The reference run: 50,000 train images in batches of B = 1,000, 30 epochs,
 * the whole train and dev splits (60,000 images) evaluated after every epoch
 * in chunks of 1,000, and the 10,000 test images once. */
enum { D = 784, H = 300, K = 10, B = 1000, EPOCHS = 30 };
#define BATCHES (50000.0 / B * EPOCHS)               /* training steps */
#define EVAL_CHUNKS ((60000.0 * EPOCHS + 10000.0) / B) /* forward-only chunks */

/* One product C (m, n) = op(A) op(B), row-major, as gsl_blas_dgemm calls it. */
typedef struct shape {
  const char *what;
  int ta, tb;        /* transpose A, B */
  int m, n, k;
  double per_run;    /* how many times the reference run makes this product */
} shape;

static const shape shapes[] = {
    {"X W1        fwd  (1000x784)(784x300)", 0, 0, B, H, D, BATCHES + EVAL_CHUNKS},
    {"X^T dZ1     grad (784x1000)(1000x300)", 1, 0, D, H, B, BATCHES},
    {"A1 W2       fwd  (1000x300)(300x10)", 0, 0, B, K, H, BATCHES + EVAL_CHUNKS},
    {"A1^T dZ2    grad (300x1000)(1000x10)", 1, 0, H, K, B, BATCHES},
    {"dZ2 W2^T    grad (1000x10)(10x300)", 0, 1, B, H, K, BATCHES},
    /* informational: larger evaluation chunks (not part of the bound) */
    {"X W1 eval chunk 5000  (5000x784)(784x300)", 0, 0, 5000, H, D, 0},
    {"X W1 eval chunk 10000 (10000x784)(784x300)", 0, 0, 10000, H, D, 0},
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double *dfill(size_t n, unsigned *seed) {
  double *p = malloc(n * sizeof *p);
  if (!p) return NULL;
  for (size_t i = 0; i < n; i++) p[i] = (double)rand_r(seed) / RAND_MAX - 0.5;
  return p;
}

/* Seconds per product: the median of 7 timed groups, each repeated until it
 * lasts about budget / 7 seconds. */
static double time_shape(const shape *s, int single, double budget) {
  unsigned seed = 1;
  const size_t na = (size_t)s->m * s->k, nb = (size_t)s->k * s->n, nc = (size_t)s->m * s->n;
  double *a = dfill(na, &seed), *b = dfill(nb, &seed), *c = dfill(nc, &seed);
  float *fa = malloc(na * sizeof *fa), *fb = malloc(nb * sizeof *fb), *fc = calloc(nc, sizeof *fc);
  if (!a || !b || !c || !fa || !fb || !fc) {
    fprintf(stderr, "gemm: out of memory\n");
    exit(EXIT_FAILURE);
  }
  for (size_t i = 0; i < na; i++) fa[i] = (float)a[i];
  for (size_t i = 0; i < nb; i++) fb[i] = (float)b[i];
  const enum CBLAS_TRANSPOSE ta = s->ta ? CblasTrans : CblasNoTrans;
  const enum CBLAS_TRANSPOSE tb = s->tb ? CblasTrans : CblasNoTrans;
  const int lda = s->ta ? s->m : s->k, ldb = s->tb ? s->k : s->n;

  /* warm up and size the groups */
  int reps = 1;
  for (;;) {
    double t0 = now();
    for (int i = 0; i < reps; i++) {
      if (single)
        cblas_sgemm(CblasRowMajor, ta, tb, s->m, s->n, s->k, 1.0f, fa, lda, fb, ldb, 0.0f, fc,
                    s->n);
      else
        cblas_dgemm(CblasRowMajor, ta, tb, s->m, s->n, s->k, 1.0, a, lda, b, ldb, 0.0, c, s->n);
    }
    double dt = now() - t0;
    if (dt > budget / 7 / 4 || reps > (1 << 20)) {
      reps = (int)(reps * (budget / 7) / dt) + 1;
      break;
    }
    reps *= 2;
  }
  double best[7];
  for (int g = 0; g < 7; g++) {
    double t0 = now();
    for (int i = 0; i < reps; i++) {
      if (single)
        cblas_sgemm(CblasRowMajor, ta, tb, s->m, s->n, s->k, 1.0f, fa, lda, fb, ldb, 0.0f, fc,
                    s->n);
      else
        cblas_dgemm(CblasRowMajor, ta, tb, s->m, s->n, s->k, 1.0, a, lda, b, ldb, 0.0, c, s->n);
    }
    best[g] = (now() - t0) / reps;
  }
  for (int i = 1; i < 7; i++) /* insertion sort, for the median */
    for (int j = i; j > 0 && best[j] < best[j - 1]; j--) {
      double t = best[j];
      best[j] = best[j - 1];
      best[j - 1] = t;
    }
  free(a), free(b), free(c), free(fa), free(fb), free(fc);
  return best[3];
}

int main(int argc, char **argv) {
  double budget = 1.0;
  int threads[16], nthreads = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-t") && i + 1 < argc) {
      budget = atof(argv[++i]);
    } else if (nthreads < 16 && atoi(argv[i]) > 0) {
      threads[nthreads++] = atoi(argv[i]);
    } else {
      fprintf(stderr, "usage: %s [-t SECONDS] [THREADS ...]\n", argv[0]);
      return 2;
    }
  }
  if (!nthreads) threads[nthreads++] = 1, threads[nthreads++] = 2;
#ifndef HAVE_OPENBLAS_SET_NUM_THREADS
  fprintf(stderr, "gemm: not linked with OpenBLAS; the thread count cannot be set\n");
#endif
  printf("CBLAS: %s; GFLOP/s, median of 7 groups of %.2g s\n", NN_CBLAS_NAME, budget / 7);
  double bound[16][2], flops_run = 0.0;
  for (size_t s = 0; s < NSHAPES; s++)
    flops_run += 2.0 * shapes[s].m * shapes[s].n * shapes[s].k * shapes[s].per_run;

  printf("%-44s", "product");
  for (int t = 0; t < nthreads; t++) printf("  f64 %2dT  f32 %2dT", threads[t], threads[t]);
  printf("\n");
  memset(bound, 0, sizeof bound);
  for (size_t s = 0; s < NSHAPES; s++) {
    const double flops = 2.0 * shapes[s].m * shapes[s].n * shapes[s].k;
    printf("%-44s", shapes[s].what);
    for (int t = 0; t < nthreads; t++) {
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
      openblas_set_num_threads(threads[t]);
#endif
      for (int single = 0; single < 2; single++) {
        double sec = time_shape(&shapes[s], single, budget);
        bound[t][single] += sec * shapes[s].per_run;
        printf("  %8.1f", flops / sec * 1e-9);
      }
      fflush(stdout);
    }
    printf("\n");
  }
  printf("\nThe reference run makes %.3g TFLOP of matrix products; at these speeds they take:\n",
         flops_run * 1e-12);
  for (int t = 0; t < nthreads; t++)
    for (int single = 0; single < 2; single++)
      printf("bound %s threads=%d seconds=%.1f gflops=%.1f\n", single ? "float32" : "float64",
             threads[t], bound[t][single], flops_run / bound[t][single] * 1e-9);
  return 0;
}
