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
  char old[NN_ERROR_MAX];
  memcpy(old, err->msg, sizeof old);
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  size_t used = (size_t)n < sizeof err->msg ? (size_t)n : sizeof err->msg - 1;
  /* append ": OLD", truncated to what is left */
  const size_t left = sizeof err->msg - used;
  if (left > 2) {
    err->msg[used] = ':';
    err->msg[used + 1] = ' ';
    size_t len = strnlen(old, sizeof old - 1);
    if (len > left - 3) len = left - 3;
    memcpy(err->msg + used + 2, old, len);
    err->msg[used + 2 + len] = '\0';
  }
}
