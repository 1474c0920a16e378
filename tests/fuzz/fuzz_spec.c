/* fuzz_spec.c: libFuzzer harness for the spec loader and KEY=VALUE overrides.
 * Input: YAML text up to the first NUL byte, then NUL-separated overrides.
 * Every outcome must pass: failures are NN_BADINPUT with one line naming the
 * file (or the command-line argument); specs that also pass spec_check print
 * as YAML that loads back to the same spec (the --dry-run promise).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

#define LABEL "fuzz.yaml"

static void check_error(int rc, const nn_error *err, const char *prefix) {
  if (rc != NN_BADINPUT || strncmp(err->msg, prefix, strlen(prefix)) != 0 ||
      strchr(err->msg, '\n') || strchr(err->msg, '\r')) {
    fprintf(stderr, "status %d, bad message: %s\n", rc, err->msg);
    abort();
  }
}

/* spec_to_yaml(s) must load back to a spec that prints the same. */
static void check_roundtrip(const spec *s) {
  char *y1 = spec_to_yaml(s);
  if (!y1) abort();
  spec back;
  nn_error err = {0};
  if (spec_load_string(&back, y1, strlen(y1), "resolved", &err) != NN_OK) {
    fprintf(stderr, "resolved spec does not load: %s\n---\n%s---\n", err.msg, y1);
    abort();
  }
  char *y2 = spec_to_yaml(&back);
  if (!y2 || strcmp(y1, y2) != 0) {
    fprintf(stderr, "round trip differs:\n%s---\n%s---\n", y1, y2 ? y2 : "(null)");
    abort();
  }
  free(y1);
  free(y2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size + 1);
  if (!buf) return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  size_t ylen = strlen(buf);
  spec s;
  nn_error err = {0};
  spec_defaults(&s);
  int rc = spec_load_string(&s, buf, ylen, LABEL, &err);
  if (rc) {
    check_error(rc, &err, LABEL ":");
    free(buf);
    return 0;
  }
  for (size_t off = ylen + 1; off <= size; off += strlen(buf + off) + 1) {
    nn_error oerr = {0};
    spec before = s;
    rc = spec_override(&s, buf + off, &oerr);
    if (rc) {
      check_error(rc, &oerr, "command line '");
      if (memcmp(&before, &s, sizeof s) != 0) abort();  /* untouched on failure */
    }
  }
  char where[512], text[SPEC_PATH_MAX];
  for (size_t i = 0; i < spec_nkeys(); i++) {
    spec_where(&s, spec_key_path(i), where, sizeof where);
    spec_key_text(&s, i, text, sizeof text);
  }
  nn_error cerr = {0};
  rc = spec_check(&s, &cerr);
  if (rc) check_error(rc, &cerr, "");
  else check_roundtrip(&s);  /* only a spec that passes its checks is resolved */
  free(buf);
  return 0;
}
