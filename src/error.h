/* error.h: the one error convention of libnn.
 *
 * Library functions never print and never exit.  A function that can fail
 * returns an int status (NN_OK, NN_FAIL or NN_BADINPUT) and, on failure, fills
 * the caller's nn_error with one line that names the file, the place and what
 * was expected.  Programs print "PROGRAM: MSG" and exit with the status.
 *
 * Ownership, for every module of libnn: a struct filled by X_init/X_load/X_new
 * owns its memory and is released by the matching X_free, which accepts NULL
 * and a zeroed struct.  Pointers passed in are borrowed unless stated.
 */
#ifndef NN_ERROR_H
#define NN_ERROR_H

#include <stddef.h>

enum nn_status {
  NN_OK = 0,       /* success */
  NN_FAIL = 1,     /* the run failed: I/O, out of memory, diverged, interrupted */
  NN_BADINPUT = 2, /* bad command line, spec, data file or results file */
};

/* Bytes of a message, NUL included: room for three paths of PATH_MAX (4096)
 * and what is said about them, so that a message is never cut. */
#define NN_ERROR_MAX 12288

typedef struct nn_error {
  int status;              /* NN_OK until a failure is recorded */
  char msg[NN_ERROR_MAX];  /* one line, no trailing newline */
} nn_error;

/* Records status and a printf-style message in err (which may be NULL) and
 * returns status, so callers can write `return nn_error_set(err, ...);`. */
int nn_error_set(nn_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Resets err to NN_OK and an empty message. */
void nn_error_clear(nn_error *err);

/* Prefixes the existing message with a printf-style context, "CTX: MSG". */
void nn_error_prefix(nn_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
