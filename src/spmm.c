/* spmm.c: sparse (byte-valued) times dense products for the first layer (see
 * spmm.h).  Column panel by column panel: the (d, CH) panel of M is packed so
 * that it stays in L2, and for each row the CH outputs stay in registers
 * while the row's non-zeros stream by.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "spmm.h"

/* Output columns per panel: 16 doubles (two cache lines) measured best in
 * bench/sparse.c; a fixed count lets GCC vectorize at -O2. */
enum { CH = 16, MAX_THREADS = 16 };

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__) && \
    __GNUC__ >= 12
#define SPMM_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SPMM_CLONES
#endif

size_t spmm_work_size(size_t d, int threads) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  return (size_t)threads * (d + 1) * CH * sizeof(double);
}

typedef struct job {
  const spmm_matrix *A;
  const double *M, *corr;
  size_t ldm, h, ldo, r0, r1;
  double s, beta;
  double *out, *panel;    /* panel: (d, CH) of this thread */
} job;

SPMM_CLONES static void run(const job *jb) {
  const spmm_matrix *A = jb->A;
  double *panel = jb->panel;
  for (size_t c0 = 0; c0 < jb->h; c0 += CH) {
    const size_t len = jb->h - c0 < CH ? jb->h - c0 : CH;
    for (size_t j = 0; j < A->d; j++) {
      memcpy(panel + j * CH, jb->M + j * jb->ldm + c0, len * sizeof *panel);
      for (size_t t = len; t < CH; t++) panel[j * CH + t] = 0.0;
    }
    for (size_t i = jb->r0; i < jb->r1; i++) {
      const size_t q = A->rows ? A->rows[i] : i;
      const size_t end = A->ptr[q + 1];
      double acc[CH] = {0}, acc2[CH] = {0}; /* two chains for the FMA latency */
      size_t k = A->ptr[q];
      for (; k + 1 < end; k += 2) {
        const double v = A->val[k], v2 = A->val[k + 1];
        const double *m = panel + (size_t)A->col[k] * CH;
        const double *m2 = panel + (size_t)A->col[k + 1] * CH;
        for (size_t t = 0; t < CH; t++) acc[t] += v * m[t];
        for (size_t t = 0; t < CH; t++) acc2[t] += v2 * m2[t];
      }
      if (k < end) {
        const double v = A->val[k];
        const double *m = panel + (size_t)A->col[k] * CH;
        for (size_t t = 0; t < CH; t++) acc[t] += v * m[t];
      }
      double *o = jb->out + i * jb->ldo + c0;
      if (jb->beta != 0.0)
        for (size_t t = 0; t < len; t++) o[t] += (acc[t] + acc2[t] - jb->corr[c0 + t]) * jb->s;
      else
        for (size_t t = 0; t < len; t++) o[t] = (acc[t] + acc2[t] - jb->corr[c0 + t]) * jb->s;
    }
  }
}

static void *run_thread(void *p) {
  run(p);
  return NULL;
}

void spmm(const spmm_matrix *A, const double *M, size_t ldm, size_t h, const double *corr,
          double s, double beta, double *out, size_t ldo, int threads, void *work) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if ((size_t)threads > A->n) threads = A->n ? (int)A->n : 1;
  job jobs[MAX_THREADS];
  pthread_t tid[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (int t = 0; t < threads; t++) {
    jobs[t] = (job){.A = A, .M = M, .corr = corr, .ldm = ldm, .h = h, .ldo = ldo,
                    .r0 = A->n * (size_t)t / (size_t)threads,
                    .r1 = A->n * (size_t)(t + 1) / (size_t)threads, .s = s, .beta = beta,
                    .out = out, .panel = (double *)work + (size_t)t * (A->d + 1) * CH};
  }
  /* Threads 1.. run beside the caller's; if one cannot start, the caller
   * does its rows too, so the result is the same either way. */
  for (int t = 1; t < threads; t++)
    started[t] = pthread_create(&tid[t], NULL, run_thread, &jobs[t]) == 0;
  run(&jobs[0]);
  for (int t = 1; t < threads; t++) {
    if (started[t]) pthread_join(tid[t], NULL);
    else run(&jobs[t]);
  }
}
