/* bench/sparse.c: does a sparse-input path beat dense BLAS for the two large
 * products of a training step?  With X = (R - mu) / sigma, R the raw pixels,
 *   X W   = (R W - mu 1 colsum(W)) / sigma
 *   X^T D = (R^T D - mu 1 colsum(D)) / sigma
 * so both can run over the non-zero raw pixels only (about 19% of MNIST's),
 * plus a rank-one correction.  This times simple hand-written CSR kernels
 * against cblas_dgemm/cblas_sgemm on a real 1000-image batch, on 1 and 2
 * threads, and prints how far the two results are apart.  A measurement, not
 * a test.
 *
 * Usage: bench/sparse [MNIST_DIR (default data/mnist)] [SECONDS per case]
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_cblas.h>

#include "data.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int);
#endif

enum { B = 1000, H = 300 }; /* batch, hidden units */
/* Output columns per chunk, kept in registers: 128 bytes (two cache lines)
 * measured best here (64 and 256 bytes are 1.3-2x slower). */
enum { CHD = 16, CHF = 32 };
enum { PAD = 64 }; /* elements allocated past the end of a dense operand */

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The batch's raw pixels in CSR form: row i's non-zeros are
 * col[ptr[i] .. ptr[i+1]) with values val[...] (the bytes, as numbers). */
typedef struct csr {
  size_t n, d, nnz;
  size_t *ptr;       /* (n + 1) */
  uint16_t *col;     /* (nnz) */
  double *val;       /* (nnz) */
  float *valf;       /* (nnz) */
} csr;

static void csr_build(csr *m, const dataset *ds, const size_t *rows, size_t n) {
  m->n = n;
  m->d = ds->d;
  m->ptr = malloc((n + 1) * sizeof *m->ptr);
  m->nnz = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < ds->d; j++) m->nnz += ds->x[rows[i] * ds->d + j] != 0;
  m->col = malloc(m->nnz * sizeof *m->col);
  m->val = malloc(m->nnz * sizeof *m->val);
  m->valf = malloc(m->nnz * sizeof *m->valf);
  if (!m->ptr || !m->col || !m->val || !m->valf) exit(EXIT_FAILURE);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    m->ptr[i] = k;
    for (size_t j = 0; j < ds->d; j++) {
      const uint8_t v = ds->x[rows[i] * ds->d + j];
      if (v) m->col[k] = (uint16_t)j, m->val[k] = v, m->valf[k] = v, k++;
    }
  }
  m->ptr[n] = k;
}

/* t = the transpose of m, (m->d, m->n) in CSR form: for the products with R^T. */
static void csr_transpose(csr *t, const csr *m) {
  t->n = m->d;
  t->d = m->n;
  t->nnz = m->nnz;
  t->ptr = calloc(t->n + 1, sizeof *t->ptr);
  t->col = malloc(t->nnz * sizeof *t->col);
  t->val = malloc(t->nnz * sizeof *t->val);
  t->valf = malloc(t->nnz * sizeof *t->valf);
  size_t *next = malloc(t->n * sizeof *next);
  if (!t->ptr || !t->col || !t->val || !t->valf || !next) exit(EXIT_FAILURE);
  for (size_t k = 0; k < m->nnz; k++) t->ptr[m->col[k] + 1]++;
  for (size_t j = 0; j < t->n; j++) t->ptr[j + 1] += t->ptr[j];
  memcpy(next, t->ptr, t->n * sizeof *next);
  for (size_t i = 0; i < m->n; i++)
    for (size_t k = m->ptr[i]; k < m->ptr[i + 1]; k++) {
      const size_t at = next[m->col[k]]++;
      t->col[at] = (uint16_t)i;
      t->val[at] = m->val[k];
      t->valf[at] = m->valf[k];
    }
  free(next);
}

/* Compiled for AVX-512, AVX2+FMA and baseline, as src/vmath.c does. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__) && \
    (__GNUC__ >= 12)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

/* out[r, c] = (sum over the non-zeros (j, v) of row r of A of v M[j, c] - corr[c]) * s
 * for rows [r0, r1) of A and all H columns.  M (A->d, H) may be read up to
 * CH - 1 elements past its end (the caller pads it).  Column chunk by column
 * chunk: the chunk's (A->d, CH) panel of M is packed into contiguous rows
 * (it then stays in L2; unpacked, the kernel is 2x slower), and for each row
 * the CH outputs stay in registers, in two accumulators for the FMA latency,
 * while the row's non-zeros stream by.  A fixed CH lets GCC vectorize at -O2. */
#define SPMM(name, type, valfield, CH)                                                  \
  CLONES static void name(const csr *A, const type *M, type *out, const type *corr,  \
                          type s, size_t r0, size_t r1) {                           \
    type *panel = aligned_alloc(64, (A->d * CH * sizeof(type) + 63) / 64 * 64);     \
    if (!panel) abort();                                                            \
    for (size_t c0 = 0; c0 < H; c0 += CH) {                                         \
      for (size_t j = 0; j < A->d; j++)                                             \
        memcpy(panel + j * CH, M + j * H + c0, CH * sizeof(type));                  \
      for (size_t r = r0; r < r1; r++) {                                            \
        type acc[CH] = {0}, acc2[CH] = {0};                                         \
        size_t k = A->ptr[r];                                                       \
        for (; k + 1 < A->ptr[r + 1]; k += 2) {                                     \
          const type v = A->valfield[k], v2 = A->valfield[k + 1];                   \
          const type *m = panel + (size_t)A->col[k] * CH;                           \
          const type *m2 = panel + (size_t)A->col[k + 1] * CH;                      \
          for (size_t t = 0; t < CH; t++) acc[t] += v * m[t];                       \
          for (size_t t = 0; t < CH; t++) acc2[t] += v2 * m2[t];                    \
        }                                                                           \
        if (k < A->ptr[r + 1]) {                                                    \
          const type v = A->valfield[k];                                            \
          const type *m = panel + (size_t)A->col[k] * CH;                           \
          for (size_t t = 0; t < CH; t++) acc[t] += v * m[t];                       \
        }                                                                           \
        for (size_t t = 0; t < CH; t++) acc[t] += acc2[t];                          \
        const size_t len = H - c0 < CH ? H - c0 : CH;                               \
        for (size_t t = 0; t < len; t++) out[r * H + c0 + t] = (acc[t] - corr[c0 + t]) * s; \
      }                                                                             \
    }                                                                               \
    free(panel);                                                                    \
  }
SPMM(spmm_d, double, val, CHD)
SPMM(spmm_f, float, valf, CHF)

/* The work of one thread: rows [r0, r1) of the output. */
typedef struct job {
  const csr *A;      /* forward: R (n, d); transposed: R^T (d, n) */
  int single;
  size_t r0, r1;
  const void *M;     /* forward: W (d, H); transposed: D (n, H); padded */
  void *out;         /* forward: Z (n, H); transposed: G (d, H) */
  const void *corr;  /* mu colsum(W) or mu colsum(D), (H) */
  double inv_sigma;
} job;

static void *run_job(void *p) {
  const job *jb = p;
  if (jb->single)
    spmm_f(jb->A, jb->M, jb->out, jb->corr, (float)jb->inv_sigma, jb->r0, jb->r1);
  else
    spmm_d(jb->A, jb->M, jb->out, jb->corr, jb->inv_sigma, jb->r0, jb->r1);
  return NULL;
}

/* The whole product on `threads` threads, split by output rows. */
static void sparse_product(job base, int threads) {
  job jobs[2];
  pthread_t tid;
  base.r0 = 0, base.r1 = base.A->n;
  if (threads < 2) {
    run_job(&base);
    return;
  }
  jobs[0] = jobs[1] = base;
  jobs[0].r1 = jobs[1].r0 = base.A->n / 2;
  if (pthread_create(&tid, NULL, run_job, &jobs[1]) != 0) exit(EXIT_FAILURE);
  run_job(&jobs[0]);
  pthread_join(tid, NULL);
}

typedef struct bench_case {
  const char *name;
  int single, transposed, sparse;
} bench_case;

/* everything one case needs */
static csr R, RT; /* the batch's pixels and their transpose */
static double *X, *W, *D, *Z, *G, *corrW, *corrD, mu, sigma;
static float *Xf, *Wf, *Df, *Zf, *Gf, *corrWf, *corrDf;
static size_t d;

static void run_case(const bench_case *bc, int threads) {
  if (bc->sparse) {
    job jb = {.A = bc->transposed ? &RT : &R, .single = bc->single, .inv_sigma = 1.0 / sigma};
    if (bc->single) {
      jb.M = bc->transposed ? (const void *)Df : (const void *)Wf;
      jb.out = bc->transposed ? (void *)Gf : (void *)Zf;
      jb.corr = bc->transposed ? corrDf : corrWf;
    } else {
      jb.M = bc->transposed ? D : W;
      jb.out = bc->transposed ? G : Z;
      jb.corr = bc->transposed ? corrD : corrW;
    }
    sparse_product(jb, threads);
    return;
  }
  if (bc->single) {
    if (bc->transposed)
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, H, B, 1.0f, Xf, (int)d, Df,
                  H, 0.0f, Gf, H);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, (int)d, 1.0f, Xf, (int)d, Wf,
                  H, 0.0f, Zf, H);
  } else {
    if (bc->transposed)
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, H, B, 1.0, X, (int)d, D, H,
                  0.0, G, H);
    else
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, (int)d, 1.0, X, (int)d, W, H,
                  0.0, Z, H);
  }
}

/* median seconds of 7 groups */
static double time_case(const bench_case *bc, int threads, double budget) {
  int reps = 1;
  double t[7];
  for (;;) {
    double t0 = now();
    for (int r = 0; r < reps; r++) run_case(bc, threads);
    double dt = now() - t0;
    if (dt > budget / 28) {
      reps = (int)(reps * budget / 7 / dt) + 1;
      break;
    }
    reps *= 2;
  }
  for (int g = 0; g < 7; g++) {
    double t0 = now();
    for (int r = 0; r < reps; r++) run_case(bc, threads);
    t[g] = (now() - t0) / reps;
  }
  for (int i = 1; i < 7; i++)
    for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
      double s = t[j];
      t[j] = t[j - 1];
      t[j - 1] = s;
    }
  return t[3];
}

/* max |a - b| / max |b| */
static double diff(const double *a, const double *b, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; i++) {
    if (fabs(a[i] - b[i]) > num) num = fabs(a[i] - b[i]);
    if (fabs(b[i]) > den) den = fabs(b[i]);
  }
  return num / den;
}
static double difff(const float *a, const double *b, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; i++) {
    if (fabs(a[i] - b[i]) > num) num = fabs(a[i] - b[i]);
    if (fabs(b[i]) > den) den = fabs(b[i]);
  }
  return num / den;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "data/mnist";
  const double budget = argc > 2 ? atof(argv[2]) : 1.0;
  dataset ds;
  nn_error err = {0};
  if (data_load(&ds, dir, 0, DATA_TRAIN, &err)) {
    fprintf(stderr, "sparse: %s\n", err.msg);
    return 1;
  }
  d = ds.d;
  data_moments(&ds, NULL, ds.n, &mu, &sigma);
  /* a batch of B images spread over the file */
  size_t rows[B];
  for (size_t i = 0; i < B; i++) rows[i] = (i * 7919) % ds.n;
  double t0 = now();
  csr_build(&R, &ds, rows, B);
  csr_transpose(&RT, &R);
  const double t_csr = now() - t0;

  X = malloc(B * d * sizeof *X), W = malloc((d * H + PAD) * sizeof *W);
  D = malloc((B * H + PAD) * sizeof *D);
  Z = malloc(B * H * sizeof *Z), G = malloc(d * H * sizeof *G);
  Xf = malloc(B * d * sizeof *Xf), Wf = malloc((d * H + PAD) * sizeof *Wf);
  Df = malloc((B * H + PAD) * sizeof *Df);
  Zf = malloc(B * H * sizeof *Zf), Gf = malloc(d * H * sizeof *Gf);
  corrW = calloc(H, sizeof *corrW), corrD = calloc(H, sizeof *corrD);
  corrWf = calloc(H, sizeof *corrWf), corrDf = calloc(H, sizeof *corrDf);
  if (!X || !W || !D || !Z || !G || !Xf || !Wf || !Df || !Zf || !Gf || !corrW || !corrD ||
      !corrWf || !corrDf)
    return 1;
  double lut[256];
  data_lut(lut, mu, sigma);
  t0 = now();
  data_gather(&ds, rows, B, lut, X);
  const double t_gather = now() - t0;
  unsigned seed = 3;
  for (size_t i = 0; i < d * H; i++) W[i] = 2.0 * rand_r(&seed) / RAND_MAX - 1.0;
  for (size_t i = 0; i < B * H; i++) D[i] = (2.0 * rand_r(&seed) / RAND_MAX - 1.0) * 1e-3;
  for (size_t i = 0; i < B * d; i++) Xf[i] = (float)X[i];
  for (size_t i = 0; i < d * H; i++) Wf[i] = (float)W[i];
  for (size_t i = 0; i < B * H; i++) Df[i] = (float)D[i];
  for (size_t i = 0; i < PAD; i++) W[d * H + i] = D[B * H + i] = Wf[d * H + i] = Df[B * H + i] = 0;
  /* the rank-one corrections: mu colsum(W), mu colsum(D), once per product */
  t0 = now();
  for (size_t j = 0; j < d; j++)
    for (size_t c = 0; c < H; c++) corrW[c] += W[j * H + c];
  const double t_colsum = now() - t0;
  for (size_t i = 0; i < B; i++)
    for (size_t c = 0; c < H; c++) corrD[c] += D[i * H + c];
  for (size_t c = 0; c < H; c++) {
    corrW[c] *= mu, corrD[c] *= mu;
    corrWf[c] = (float)corrW[c], corrDf[c] = (float)corrD[c];
  }

  printf("batch of %d MNIST images: %zu of %zu pixels non-zero (%.1f%%); mean %.4f, std %.4f\n",
         B, R.nnz, (size_t)B * d, 100.0 * R.nnz / ((double)B * d), mu, sigma);
  printf("once per batch: CSR and its transpose %.2f ms, dense gather %.2f ms, colsum(W) %.2f ms\n",
         t_csr * 1e3, t_gather * 1e3, t_colsum * 1e3);

  /* agreement of the two paths */
  static const bench_case dense_fw = {"", 0, 0, 0}, sparse_fw = {"", 0, 0, 1};
  static const bench_case dense_tr = {"", 0, 1, 0}, sparse_tr = {"", 0, 1, 1};
  static const bench_case sparse_fwf = {"", 1, 0, 1}, sparse_trf = {"", 1, 1, 1};
  double *Zd = malloc(B * H * sizeof *Zd), *Gd = malloc(d * H * sizeof *Gd);
  if (!Zd || !Gd) return 1;
  run_case(&dense_fw, 1), memcpy(Zd, Z, B * H * sizeof *Z);
  run_case(&dense_tr, 1), memcpy(Gd, G, d * H * sizeof *G);
  run_case(&sparse_fw, 1), run_case(&sparse_tr, 1);
  run_case(&sparse_fwf, 1), run_case(&sparse_trf, 1);
  printf("sparse vs dense, max |difference| / max |value|: X W %.2g (float %.2g), "
         "X^T D %.2g (float %.2g)\n\n",
         diff(Z, Zd, B * H), difff(Zf, Zd, B * H), diff(G, Gd, d * H), difff(Gf, Gd, d * H));

  const bench_case cases[] = {
      {"X W      (1000x784)(784x300)  dgemm dense", 0, 0, 0},
      {"X W      (1000x784)(784x300)  CSR double", 0, 0, 1},
      {"X^T D    (784x1000)(1000x300) dgemm dense", 0, 1, 0},
      {"X^T D    (784x1000)(1000x300) CSR double", 0, 1, 1},
      {"X W      (1000x784)(784x300)  sgemm dense", 1, 0, 0},
      {"X W      (1000x784)(784x300)  CSR float", 1, 0, 1},
      {"X^T D    (784x1000)(1000x300) sgemm dense", 1, 1, 0},
      {"X^T D    (784x1000)(1000x300) CSR float", 1, 1, 1},
  };
  const double dense_flops = 2.0 * B * d * H, sparse_flops = 2.0 * (double)R.nnz * H;
  printf("%-44s %9s %9s %9s %9s\n", "milliseconds per product", "1 thread", "GFLOP/s",
         "2 threads", "GFLOP/s");
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    printf("%-44s", cases[c].name);
    for (int th = 1; th <= 2; th++) {
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
      openblas_set_num_threads(th);
#endif
      const double s = time_case(&cases[c], th, budget);
      printf(" %9.3f %9.1f", s * 1e3, (cases[c].sparse ? sparse_flops : dense_flops) / s * 1e-9);
      fflush(stdout);
    }
    printf("\n");
  }
  printf("(GFLOP/s counts the flops each path does: the CSR paths do %.1f%% of the dense ones)\n",
         100.0 * sparse_flops / dense_flops);
  data_free(&ds);
  return 0;
}
