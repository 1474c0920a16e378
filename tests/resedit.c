/* tests/resedit: rewrites a results file the way the tests need it -- a run
 * caught while running, fixed timings for exact expected output:
 *
 *   resedit FILE [status=TEXT] [epochs=N] [seconds=X] [notest]
 *
 * epochs=N keeps the first N rows of /metrics; seconds=X sets every row's
 * seconds; notest drops /test; status=running also clears "finished".  Reads
 * and writes through libnn, so the file stays valid.  Exit 0, or 1/2 with a
 * message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "results.h"

int main(int argc, char **argv) {
  static const char *prog = "resedit";
  if (argc < 2) {
    fprintf(stderr, "usage: resedit FILE [status=TEXT] [epochs=N] [seconds=X] [notest]\n");
    return 2;
  }
  results r;
  nn_error err = {0};
  results_quiet_hdf5();
  int rc = results_read(&r, argv[1], &err);
  if (rc) {
    cli_error(prog, &err);
    return rc;
  }
  for (int i = 2; i < argc && !rc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "status=", 7) == 0) {
      snprintf(r.status, sizeof r.status, "%s", a + 7);
      if (strcmp(r.status, "running") == 0) r.finished[0] = '\0';
    } else if (strncmp(a, "epochs=", 7) == 0 && (size_t)atol(a + 7) <= r.epochs_done) {
      r.epochs_done = (size_t)atol(a + 7);
    } else if (strncmp(a, "seconds=", 8) == 0) {
      for (size_t e = 0; e < r.epochs_done; e++) r.metrics[e].seconds = strtod(a + 8, NULL);
    } else if (strcmp(a, "notest") == 0) {
      free(r.confusion);
      r.confusion = NULL;
      r.has_test = 0;
    } else {
      fprintf(stderr, "%s: cannot apply '%s'\n", prog, a);
      rc = 2;
    }
  }
  if (!rc && (rc = results_write(&r, argv[1], &err))) cli_error(prog, &err);
  results_free(&r);
  return rc;
}
