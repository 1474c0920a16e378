/* spmm.c: sparse (byte-valued) times dense products for the first layer (see
 * spmm.h).  Column panel by column panel: the (d, CH) panel of M is packed so
 * that it stays in L2, and for each row the CH outputs stay in registers
 * while the row's non-zeros stream by.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "spmm.h"

/* Output columns per panel: 16 doubles or 32 floats (two cache lines)
 * measured best in bench/sparse.c; a fixed count lets GCC vectorize at -O2. */
enum { CH = 16, CHF = 32, MAX_THREADS = 16 };

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
  return (size_t)threads * (d + 1) * CH * sizeof(double); /* = CHF floats */
}


/* The same kernel in both precisions, from spmm_impl.h. */
#define SPMM_REAL double
#define SPMM_CH CH
#define SPMM_NAME(x) x##_d
#define SPMM_PUBLIC spmm
#include "spmm_impl.h"
#undef SPMM_REAL
#undef SPMM_CH
#undef SPMM_NAME
#undef SPMM_PUBLIC

#define SPMM_REAL float
#define SPMM_CH CHF
#define SPMM_NAME(x) x##_f
#define SPMM_PUBLIC spmm_f
#include "spmm_impl.h"
