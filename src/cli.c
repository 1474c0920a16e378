/* cli.c: helpers shared by nnrun and nneval (see cli.h).  Library modules
 * never call these; only the programs' main functions do.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_version.h>
#include <hdf5.h>

#include "cli.h"
#include "mlp.h"
#include "train.h"

#ifdef HAVE_OPENBLAS_GET_CONFIG
char *openblas_get_config(void);
#endif

void cli_error(const char *prog, const nn_error *err) {
  fprintf(stderr, "%s: %s\n", prog, err->msg[0] ? err->msg : "unknown error");
}

static int needs_quotes(const char *s) {
  if (!*s) return 1;
  for (; *s; s++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=./,:@%",
                *s))
      return 1;
  return 0;
}

char *cli_command_line(int argc, char **argv) {
  size_t len = 1;
  for (int i = 0; i < argc; i++) len += 4 * strlen(argv[i]) + 3;
  char *out = malloc(len), *p = out;
  if (!out) return NULL;
  for (int i = 0; i < argc; i++) {
    if (i) *p++ = ' ';
    if (!needs_quotes(argv[i])) {
      p = stpcpy(p, argv[i]);
      continue;
    }
    *p++ = '\'';
    for (const char *s = argv[i]; *s; s++) {
      if (*s == '\'') p = stpcpy(p, "'\\''");
      else *p++ = *s;
    }
    *p++ = '\'';
  }
  *p = '\0';
  return out;
}

long cli_set_threads(long threads) {
  if (threads <= 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    threads = cores > 0 ? cores : 1;
  }
  int blas = mlp_blas_threads((int)threads);
  /* a CBLAS without threads still leaves the sparse products theirs */
  return blas > 1 ? blas : threads;
}

const char *cli_blas_name(void) {
  static char name[RESULTS_TEXT_MAX];
#ifdef HAVE_OPENBLAS_GET_CONFIG
  /* "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64 " */
  snprintf(name, sizeof name, "%s", openblas_get_config());
#else
  snprintf(name, sizeof name, "%s", NN_CBLAS_NAME);
#endif
  size_t n = strlen(name);
  while (n > 0 && name[n - 1] == ' ') name[--n] = '\0';
  return name;
}

void cli_describe_run(results *r, long threads) {
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  snprintf(r->nnrun_version, sizeof r->nnrun_version, "%s", PACKAGE_VERSION);
  snprintf(r->hdf5_version, sizeof r->hdf5_version, "%u.%u.%u", maj, min, rel);
  snprintf(r->gsl_version, sizeof r->gsl_version, "%s", gsl_version);
  snprintf(r->blas, sizeof r->blas, "%s", cli_blas_name());
  if (gethostname(r->host, sizeof r->host) != 0) snprintf(r->host, sizeof r->host, "unknown");
  r->host[sizeof r->host - 1] = '\0';
  train_utc_now(r->created, sizeof r->created);
  r->threads = threads;
}

int cli_parse_long(const char *text, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}
