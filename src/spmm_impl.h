/* spmm_impl.h: the body of spmm.c's kernel, included once per precision with
 *   SPMM_REAL (double | float), SPMM_CH (panel width), SPMM_NAME(x) (a
 *   file-local name) and SPMM_PUBLIC (the entry point's name).
 * Not a header to include anywhere else.
 */
typedef struct SPMM_NAME(job) {
  const spmm_matrix *A;
  const SPMM_REAL *M, *corr;
  size_t ldm, h, ldo, r0, r1;
  SPMM_REAL s, beta;
  SPMM_REAL *out, *panel;    /* panel: (d, SPMM_CH) of this thread */
} SPMM_NAME(job);

SPMM_CLONES static void SPMM_NAME(run)(const SPMM_NAME(job) *jb) {
  const spmm_matrix *A = jb->A;
  SPMM_REAL *panel = jb->panel;
  for (size_t c0 = 0; c0 < jb->h; c0 += SPMM_CH) {
    const size_t len = jb->h - c0 < SPMM_CH ? jb->h - c0 : SPMM_CH;
    for (size_t j = 0; j < A->d; j++) {
      memcpy(panel + j * SPMM_CH, jb->M + j * jb->ldm + c0, len * sizeof *panel);
      for (size_t t = len; t < SPMM_CH; t++) panel[j * SPMM_CH + t] = 0.0;
    }
    for (size_t i = jb->r0; i < jb->r1; i++) {
      const size_t q = A->rows ? A->rows[i] : i;
      const size_t end = A->ptr[q + 1];
      SPMM_REAL acc[SPMM_CH] = {0}, acc2[SPMM_CH] = {0}; /* two chains for the FMA latency */
      size_t k = A->ptr[q];
      for (; k + 1 < end; k += 2) {
        const SPMM_REAL v = A->val[k], v2 = A->val[k + 1];
        const SPMM_REAL *m = panel + (size_t)A->col[k] * SPMM_CH;
        const SPMM_REAL *m2 = panel + (size_t)A->col[k + 1] * SPMM_CH;
        for (size_t t = 0; t < SPMM_CH; t++) acc[t] += v * m[t];
        for (size_t t = 0; t < SPMM_CH; t++) acc2[t] += v2 * m2[t];
      }
      if (k < end) {
        const SPMM_REAL v = A->val[k];
        const SPMM_REAL *m = panel + (size_t)A->col[k] * SPMM_CH;
        for (size_t t = 0; t < SPMM_CH; t++) acc[t] += v * m[t];
      }
      SPMM_REAL *o = jb->out + i * jb->ldo + c0;
      if (jb->beta != 0.0)
        for (size_t t = 0; t < len; t++) o[t] += (acc[t] + acc2[t] - jb->corr[c0 + t]) * jb->s;
      else
        for (size_t t = 0; t < len; t++) o[t] = (acc[t] + acc2[t] - jb->corr[c0 + t]) * jb->s;
    }
  }
}

static void *SPMM_NAME(run_thread)(void *p) {
  SPMM_NAME(run)(p);
  return NULL;
}

void SPMM_PUBLIC(const spmm_matrix *A, const SPMM_REAL *M, size_t ldm, size_t h, const SPMM_REAL *corr,
          SPMM_REAL s, SPMM_REAL beta, SPMM_REAL *out, size_t ldo, int threads, void *work) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if ((size_t)threads > A->n) threads = A->n ? (int)A->n : 1;
  SPMM_NAME(job) jobs[MAX_THREADS];
  pthread_t tid[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (int t = 0; t < threads; t++) {
    jobs[t] = (SPMM_NAME(job)){.A = A, .M = M, .corr = corr, .ldm = ldm, .h = h, .ldo = ldo,
                    .r0 = A->n * (size_t)t / (size_t)threads,
                    .r1 = A->n * (size_t)(t + 1) / (size_t)threads, .s = s, .beta = beta,
                    .out = out, .panel = (SPMM_REAL *)work + (size_t)t * (A->d + 1) * SPMM_CH};
  }
  /* Threads 1.. run beside the caller's; if one cannot start, the caller
   * does its rows too, so the result is the same either way. */
  for (int t = 1; t < threads; t++)
    started[t] = pthread_create(&tid[t], NULL, SPMM_NAME(run_thread), &jobs[t]) == 0;
  SPMM_NAME(run)(&jobs[0]);
  for (int t = 1; t < threads; t++) {
    if (started[t]) pthread_join(tid[t], NULL);
    else SPMM_NAME(run)(&jobs[t]);
  }
}
