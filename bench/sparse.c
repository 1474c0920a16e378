/* bench/sparse.c: does a sparse-input path beat dense BLAS for the two large
 * products of a training step, and up to which density of non-zero pixels?
 * With X = (R - mu) / sigma, R the raw pixels,
 *   X W   = (R W - mu 1 colsum(W)) / sigma
 *   X^T D = (R^T D - mu 1 colsum(D)) / sigma
 * so both can run over the non-zero raw pixels only (about 19% of MNIST's,
 * 50% of Fashion-MNIST's), plus a rank-one correction.
 *
 * Two measurements, not tests:
 *  - products (for each DIR): simple hand-written CSR kernels against
 *    cblas_dgemm/cblas_sgemm on a real 1000-image batch, on 1 and 2 threads,
 *    and how far the two results are apart;
 *  - the step table (for each DIR and each synthetic density): the library's
 *    two paths as train.c runs them, 784-300-10, batch 1000 -- a training step
 *    (gather + mlp_gradient on BLAS threads, against mlp_gradient_sparse on
 *    spmm threads and one BLAS thread) and an evaluation chunk (the same with
 *    mlp_forward), in float64 and float32, on 1 and 2 threads.  "epoch" weighs
 *    them as the reference run does: 50 steps and 60 chunks (train and dev
 *    evaluated) an epoch.  A ratio sparse / dense below 1 means sparse pays;
 *    the summary interpolates the density where the epoch ratio crosses 1:
 *    TRAIN_SPARSE_DENSITY (train.h) comes from it.
 *
 * Usage: bench/sparse [-t SECONDS] [-s D1,D2,...] [-q] [DIR ...]
 *   DIR     an IDX data set (its training file); default data/mnist when no
 *           -s is given
 *   -s      synthetic data sets, 10,000 images of 28 x 28: each pixel non-zero
 *           with probability D (values 1..255 uniform), labels 0..9
 *   -t      seconds per timing of a pair of paths (default 1; the fastest of 9
 *           alternated groups of each)
 *   -q      the step table only, without the products report
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "data.h"
#include "mlp.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int);
#endif
#ifdef HAVE_OPENBLAS_GET_CONFIG
char *openblas_get_config(void);
#endif

enum { B = 1000, H = 300 }; /* batch, hidden units */
/* Output columns per chunk, kept in registers: 128 bytes (two cache lines)
 * measured best here (64 and 256 bytes are 1.3-2x slower). */
enum { CHD = 16, CHF = 32 };
enum { PAD = 64 }; /* elements allocated past the end of a dense operand */

/* The step table's clock: wall time, or with -c the CPU time of the calling
 * thread (one-thread rows only), which other programs on the machine cannot
 * inflate. */
static clockid_t step_clock = CLOCK_MONOTONIC;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double step_now(void) {
  struct timespec ts;
  clock_gettime(step_clock, &ts);
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

/* The products report on a batch of ds (the hand-written kernels). */
static int products_report(const dataset *dsp, const char *label, double budget) {
  const dataset ds = *dsp;
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

  printf("== products: batch of %d images of %s: %zu of %zu pixels non-zero (%.1f%%); mean %.4f, "
         "std %.4f\n",
         B, label, R.nnz, (size_t)B * d, 100.0 * R.nnz / ((double)B * d), mu, sigma);
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
  printf("(GFLOP/s counts the flops each path does: the CSR paths do %.1f%% of the dense ones)\n\n",
         100.0 * sparse_flops / dense_flops);
  free(X), free(W), free(D), free(Z), free(G), free(Xf), free(Wf), free(Df), free(Zf), free(Gf);
  free(corrW), free(corrD), free(corrWf), free(corrDf), free(Zd), free(Gd);
  free(R.ptr), free(R.col), free(R.val), free(R.valf);
  free(RT.ptr), free(RT.col), free(RT.val), free(RT.valf);
  return 0;
}

/* ------------------------------------------------------------- step table */

enum { STEPS_PER_EPOCH = 50, CHUNKS_PER_EPOCH = 60, NCONF = 4 };

/* What one timed call needs: the model, its work buffers and one batch,
 * dense (X or Xf, gathered in the call) or sparse (in). */
typedef struct step_ctx {
  const dataset *ds;
  const size_t *rows;
  const uint8_t *y;       /* (B) the batch's labels */
  mlp *m, *g;
  mlp_work *w;
  double lut[256];
  float lutf[256];
  double *X;              /* (B, d) */
  float *Xf;              /* (B, d) */
  mlp_sparse_input in;
  int sparse, forward;
} step_ctx;

static void step_call(step_ctx *c) {
  const size_t dd = c->ds->d;
  size_t correct = 0;
  if (c->sparse) {
    if (c->forward)
      mlp_forward_sparse(c->m, c->w, &c->in, c->y, &correct, NULL);
    else
      mlp_gradient_sparse(c->m, c->w, &c->in, c->y, 1e-4, c->g);
    return;
  }
  /* the gather as train.c's feed_batch does it, inside the timing */
  if (c->m->precision == SPEC_PREC_FLOAT32) {
    for (size_t r = 0; r < B; r++) {
      const uint8_t *src = c->ds->x + c->rows[r] * dd;
      float *dst = c->Xf + r * dd;
      for (size_t j = 0; j < dd; j++) dst[j] = c->lutf[src[j]];
    }
    gsl_matrix_float_view V = gsl_matrix_float_view_array(c->Xf, B, dd);
    if (c->forward)
      mlp_forward_f(c->m, c->w, &V.matrix, c->y, &correct, NULL);
    else
      mlp_gradient_f(c->m, c->w, &V.matrix, c->y, 1e-4, c->g);
  } else {
    data_gather(c->ds, c->rows, B, c->lut, c->X);
    gsl_matrix_view V = gsl_matrix_view_array(c->X, B, dd);
    if (c->forward)
      mlp_forward(c->m, c->w, &V.matrix, c->y, &correct, NULL);
    else
      mlp_gradient(c->m, c->w, &V.matrix, c->y, 1e-4, c->g);
  }
}

/* The two paths as train.c runs them on th threads: the sparse products
 * take the threads, and BLAS gets one. */
static void set_path(step_ctx *c, int sparse, int th) {
  mlp_blas_threads(sparse ? 1 : th);
  c->w->threads = th;
  c->sparse = sparse;
}

enum { GROUPS = 9 };

/* Seconds per call of the dense path (*td) and the sparse one (*ts): groups
 * of calls of one path, then of the other, alternated GROUPS times, and the
 * fastest group of each.  Alternating and taking the minimum keep the ratio
 * honest on a machine that other work shares. */
static void time_pair(step_ctx *c, int th, double budget, double *td, double *ts) {
  int reps[2];
  double best[2] = {INFINITY, INFINITY};
  for (int sp = 0; sp < 2; sp++) {
    set_path(c, sp, th);
    step_call(c); /* warm */
    double t0 = step_now();
    step_call(c);
    const double one = step_now() - t0;
    reps[sp] = (int)(budget / (2.0 * GROUPS) / one) + 1;
  }
  for (int gr = 0; gr < GROUPS; gr++)
    for (int sp = 0; sp < 2; sp++) {
      set_path(c, sp, th);
      double t0 = step_now();
      for (int r = 0; r < reps[sp]; r++) step_call(c);
      const double t = (step_now() - t0) / reps[sp];
      if (t < best[sp]) best[sp] = t;
    }
  *td = best[0];
  *ts = best[1];
}

/* One row of the summary: a data set's density and the epoch ratio of each
 * configuration (float64 1 thread, float64 2, float32 1, float32 2). */
typedef struct summary_row {
  char label[64];
  double density, ratio[NCONF];  /* NAN: not measured */
  int synthetic;
} summary_row;

static const char *const conf_names[NCONF] = {"float64 1 thr", "float64 2 thr",
                                              "float32 1 thr", "float32 2 thr"};

/* The step table's rows of ds (density measured over the whole file, as
 * train.input: auto does). */
static int step_rows(const dataset *ds, const char *label, double budget, int max_threads,
                     summary_row *row) {
  nn_error err = {0};
  size_t rows[B];
  uint8_t y[B];
  for (size_t i = 0; i < B; i++) rows[i] = (i * 7919) % ds->n, y[i] = ds->y[rows[i]];
  double mean, std;
  data_moments(ds, NULL, ds->n, &mean, &std);
  data_sparse S;
  if (data_sparse_init(&S, ds, &err)) {
    fprintf(stderr, "sparse: %s\n", err.msg);
    return 1;
  }
  snprintf(row->label, sizeof row->label, "%s", label);
  row->density = data_density(ds, NULL, ds->n);
  for (int k = 0; k < NCONF; k++) row->ratio[k] = NAN;
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  double *Xd = malloc(B * ds->d * sizeof *Xd);
  float *Xs = malloc(B * ds->d * sizeof *Xs);
  if (!rng || !Xd || !Xs) return 1;
  for (int prec = 0; prec < 2; prec++) {
    const int precision = prec ? SPEC_PREC_FLOAT32 : SPEC_PREC_FLOAT64;
    mlp m, g;
    mlp_work w;
    if (mlp_init_precision(&m, ds->d, H, 10, precision, &err) ||
        mlp_init_precision(&g, ds->d, H, 10, precision, &err) ||
        mlp_work_init(&w, &m, B, &err) || mlp_work_sparse(&w, &m, 2, &err)) {
      fprintf(stderr, "sparse: %s\n", err.msg);
      return 1;
    }
    gsl_rng_set(rng, 100);
    mlp_randomize(&m, rng);
    step_ctx c = {.ds = ds, .rows = rows, .y = y, .m = &m, .g = &g, .w = &w, .X = Xd, .Xf = Xs};
    data_lut(c.lut, mean, std);
    for (int v = 0; v < 256; v++) c.lutf[v] = (float)c.lut[v];
    c.in = (mlp_sparse_input){.S = &S, .rows = rows, .n = B, .shift = mean, .scale = 1.0 / std};
    for (int th = 1; th <= max_threads; th++) {
      double t[2][2]; /* [sparse][forward] */
      for (int fw = 0; fw < 2; fw++) {
        c.forward = fw;
        time_pair(&c, th, budget, &t[0][fw], &t[1][fw]);
      }
      const double epoch_d = STEPS_PER_EPOCH * t[0][0] + CHUNKS_PER_EPOCH * t[0][1];
      const double epoch_s = STEPS_PER_EPOCH * t[1][0] + CHUNKS_PER_EPOCH * t[1][1];
      row->ratio[prec * 2 + th - 1] = epoch_s / epoch_d;
      printf("%-22s %7.4f  %-7s %3d | %8.2f %8.2f %6.3f | %8.2f %8.2f %6.3f | %6.3f\n", label,
             row->density, prec ? "float32" : "float64", th, t[0][0] * 1e3, t[1][0] * 1e3,
             t[1][0] / t[0][0], t[0][1] * 1e3, t[1][1] * 1e3, t[1][1] / t[0][1],
             epoch_s / epoch_d);
      fflush(stdout);
    }
    mlp_work_free(&w);
    mlp_free(&m);
    mlp_free(&g);
  }
  gsl_rng_free(rng);
  free(Xd);
  free(Xs);
  data_sparse_free(&S);
  return 0;
}

/* n images of 28 x 28: each pixel non-zero with probability p, values
 * 1..255 uniform; labels 0..9 uniform. */
static int synthetic(dataset *ds, double p, size_t n) {
  memset(ds, 0, sizeof *ds);
  ds->n = n, ds->rows = ds->cols = 28, ds->d = 784, ds->classes = 10;
  ds->x = malloc(n * ds->d);
  ds->y = malloc(n);
  if (!ds->x || !ds->y) return 1;
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (!rng) return 1;
  gsl_rng_set(rng, (unsigned long)(p * 1e6) + 1);
  for (size_t i = 0; i < n * ds->d; i++)
    ds->x[i] = gsl_rng_uniform(rng) < p ? (uint8_t)(1 + gsl_rng_uniform_int(rng, 255)) : 0;
  for (size_t i = 0; i < n; i++) ds->y[i] = (uint8_t)gsl_rng_uniform_int(rng, 10);
  gsl_rng_free(rng);
  return 0;
}

static int by_density(const void *a, const void *b) {
  const summary_row *x = a, *y = b;
  return (x->density > y->density) - (x->density < y->density);
}

static void usage(FILE *f) {
  fprintf(f, "usage: bench/sparse [-t SECONDS] [-s D1,D2,...] [-q] [-c] [DIR ...]\n"
             "  DIR   an IDX data set (default data/mnist when no -s is given)\n"
             "  -s    synthetic data sets of these densities of non-zero pixels (0 < D <= 1)\n"
             "  -t    seconds per timing (default 1)\n"
             "  -q    the step table only (no products report)\n"
             "  -c    step table in the CPU time of one thread (1-thread rows only)\n");
}

int main(int argc, char **argv) {
  double budget = 1.0;
  int quiet = 0;
  const char *dirs[64];
  double dens[64];
  size_t ndirs = 0, ndens = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "-q") == 0) {
      quiet = 1;
    } else if (strcmp(a, "-c") == 0) {
      step_clock = CLOCK_THREAD_CPUTIME_ID;
    } else if (strcmp(a, "-t") == 0 && i + 1 < argc) {
      char *end;
      budget = strtod(argv[++i], &end);
      if (*end || !(budget > 0)) {
        fprintf(stderr, "sparse: -t: expected seconds > 0, got '%s'\n", argv[i]);
        return 2;
      }
    } else if (strcmp(a, "-s") == 0 && i + 1 < argc) {
      char *p = argv[++i], *end;
      for (;;) {
        double v = strtod(p, &end);
        if (end == p || !(v > 0 && v <= 1) || (*end && *end != ',') || ndens == 64) {
          fprintf(stderr, "sparse: -s: expected densities 0 < D <= 1 separated by commas, "
                          "got '%s'\n", argv[i]);
          return 2;
        }
        dens[ndens++] = v;
        if (!*end) break;
        p = end + 1;
      }
    } else if (a[0] == '-') {
      usage(stderr);
      return 2;
    } else if (ndirs < 64) {
      dirs[ndirs++] = a;
    }
  }
  if (ndirs == 0 && ndens == 0) dirs[ndirs++] = "data/mnist";

  summary_row sum[128];
  size_t nsum = 0;
  dataset sets[64];
  for (size_t i = 0; i < ndirs; i++) {
    nn_error err = {0};
    if (data_load(&sets[i], dirs[i], 0, DATA_TRAIN, &err)) {
      fprintf(stderr, "sparse: %s\n", err.msg);
      return 1;
    }
    if (!quiet && products_report(&sets[i], dirs[i], budget)) return 1;
  }
  const int max_threads = step_clock == CLOCK_MONOTONIC ? 2 : 1;
#ifdef HAVE_OPENBLAS_GET_CONFIG
  printf("CBLAS: %s\n", openblas_get_config());
#endif
  printf("== step table: 784-300-10, batch %d; ms %s per training step (gather + gradient) and "
         "per evaluation chunk (gather + forward)\n",
         B, max_threads == 1 ? "of thread CPU time" : "wall");
  printf("%-22s %7s  %-7s %3s | %8s %8s %6s | %8s %8s %6s | %6s\n", "data", "density", "prec",
         "thr", "step d", "step s", "s/d", "eval d", "eval s", "s/d", "epoch");
  for (size_t i = 0; i < ndirs; i++) {
    if (step_rows(&sets[i], dirs[i], budget, max_threads, &sum[nsum])) return 1;
    nsum++;
    data_free(&sets[i]);
  }
  for (size_t i = 0; i < ndens; i++) {
    dataset ds;
    char label[64];
    if (synthetic(&ds, dens[i], 10000)) return 1;
    snprintf(label, sizeof label, "synthetic %.3g", dens[i]);
    sum[nsum].synthetic = 1;
    if (step_rows(&ds, label, budget, max_threads, &sum[nsum])) return 1;
    nsum++;
    data_free(&ds);
  }

  /* density -> epoch ratio, and where the synthetic rows cross 1 */
  qsort(sum, nsum, sizeof sum[0], by_density);
  printf("\n== epoch time sparse / dense (50 steps + 60 evaluation chunks), by density\n");
  printf("%-22s %7s", "data", "density");
  for (int k = 0; k < NCONF; k++) printf("  %13s", conf_names[k]);
  printf("\n");
  for (size_t i = 0; i < nsum; i++) {
    printf("%-22s %7.4f", sum[i].label, sum[i].density);
    for (int k = 0; k < NCONF; k++)
      if (isnan(sum[i].ratio[k]))
        printf("  %13s", "-");
      else
        printf("  %13.3f", sum[i].ratio[k]);
    printf("\n");
  }
  if (ndens < 2) return 0;
  printf("%-30s", "break-even density (synthetic)");
  for (int k = 0; k < NCONF; k++) {
    if (isnan(sum[0].ratio[k])) {
      printf("  %13s", "-");
      continue;
    }
    /* the first crossing from below 1 to 1 or more, between two synthetic rows */
    double at = -1;
    const summary_row *prev = NULL, *first = NULL;
    for (size_t i = 0; i < nsum && at < 0; i++) {
      if (!sum[i].synthetic) continue;
      if (!first) first = &sum[i];
      if (prev && prev->ratio[k] < 1 && sum[i].ratio[k] >= 1)
        at = prev->density + (1 - prev->ratio[k]) / (sum[i].ratio[k] - prev->ratio[k]) *
                                 (sum[i].density - prev->density);
      prev = &sum[i];
    }
    char text[32];
    if (at >= 0)
      snprintf(text, sizeof text, "%.3f", at);
    else if (first->ratio[k] >= 1)
      snprintf(text, sizeof text, "below %.3g", first->density);
    else
      snprintf(text, sizeof text, "above %.3g", prev->density);
    printf("  %13s", text);
  }
  printf("\n");
  return 0;
}
