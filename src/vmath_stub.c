#include <math.h>
#include <stddef.h>
#include <string.h>
#define FWD(name, T, F) void name(T *z, size_t n, size_t h, size_t ld, const T *b) { for (size_t r=0;r<n;r++) for(size_t j=0;j<h;j++){ T v = z[r*ld+j]+b[j]; z[r*ld+j] = F; } }
FWD(vmath_bias_tanh, double, tanh(v))
FWD(vmath_bias_tanhf, float, tanhf(v))
FWD(vmath_bias_relu, double, (v > 0 ? v : (v != v ? v : 0)))
FWD(vmath_bias_reluf, float, (v > 0 ? v : (v != v ? v : 0)))
#define BWD(name, T, E) void name(T *d, size_t ldd, const T *a, size_t lda, size_t n, size_t h, T *db) { memset(db,0,h*sizeof *db); for (size_t r=0;r<n;r++) for(size_t j=0;j<h;j++){ T x = a[r*lda+j]; d[r*ldd+j] = E; db[j] += d[r*ldd+j]; } }
BWD(vmath_tanh_backward, double, d[r*ldd+j]*(1-x*x))
BWD(vmath_tanh_backwardf, float, d[r*ldd+j]*(1-x*x))
BWD(vmath_relu_backward, double, x > 0 ? d[r*ldd+j] : 0)
BWD(vmath_relu_backwardf, float, x > 0 ? d[r*ldd+j] : 0)
