/* spmm.h: the first layer's two large products over the non-zero raw pixels
 * only.  With X = (R - shift) * s for raw pixels R (about 81% zeros on MNIST):
 *   X W    = (R W - shift 1 colsum(W)) s
 *   X^T D  = (R^T D - shift 1 colsum(D)) s
 * so both run over R's non-zeros plus a rank-one correction (corr below).
 * Not here: the dense path (gsl_blas_dgemm in mlp.c), which stays the
 * reference that this one is tested against.
 */
#ifndef NN_SPMM_H
#define NN_SPMM_H

#include <stddef.h>
#include <stdint.h>

/* A sparse matrix of byte values in compressed rows, seen through an
 * optional row selection: its row i is row rows[i] of (ptr, col, val). */
typedef struct spmm_matrix {
  size_t n;               /* rows */
  size_t d;               /* columns */
  const size_t *ptr;      /* row q's entries are [ptr[q], ptr[q + 1]) */
  const uint32_t *col;    /* column of each entry, < d */
  const uint8_t *val;     /* value of each entry */
  const size_t *rows;     /* (n) the selection, or NULL for rows 0 .. n-1 */
} spmm_matrix;

/* Bytes of work space spmm() needs for d columns of A on `threads` threads. */
size_t spmm_work_size(size_t d, int threads);

/* out[i, c] = beta out[i, c] + (sum over A's row i of val M[col, c] - corr[c]) s
 * for i < A->n, c < h.  M (A->d, h) has row stride ldm; out (A->n, h) row
 * stride ldo; corr (h); beta 0 or 1.  Rows are split between the threads, so
 * every output is summed by one thread in one fixed order: the result does
 * not depend on the thread count.  work: spmm_work_size(A->d, threads) bytes,
 * 64-byte aligned. */
void spmm(const spmm_matrix *A, const double *M, size_t ldm, size_t h, const double *corr,
          double s, double beta, double *out, size_t ldo, int threads, void *work);
/* spmm() in single precision (32-column panels, the same work space). */
void spmm_f(const spmm_matrix *A, const float *M, size_t ldm, size_t h, const float *corr,
            float s, float beta, float *out, size_t ldo, int threads, void *work);

#endif
