/* error.c: formatting of nn_error messages (see error.h).  Nothing here prints. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int nn_error_set(nn_error *err, int status, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->status = status;
  }
  return status;
}

void nn_error_clear(nn_error *err) {
  if (err) {
    err->status = NN_OK;
    err->msg[0] = '\0';
  }
}

void nn_error_prefix(nn_error *err, const char *fmt, ...) {
  if (!err) return;
  char ctx[NN_ERROR_MAX], old[NN_ERROR_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx, sizeof ctx, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  snprintf(err->msg, sizeof err->msg, "%s: %s", ctx, old);
}
