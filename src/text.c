/* text.c: the shortest round-trip text of a double, and message-safe text
 * (see text.h).  Not here: parsing (spec.c reads numbers with strtod). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

void text_number(double x, char *buf, size_t n) {
  char tmp[64], plain[400];
  int p = 1;
  for (; p <= 17; p++) {
    snprintf(tmp, sizeof tmp, "%.*g", p, x);
    double y = strtod(tmp, NULL);
    if (memcmp(&x, &y, sizeof x) == 0 || (isnan(x) && isnan(y))) break;
  }
  /* %g writes 10 as 1e+01: the positional form wins when it is no longer */
  const char *e = strchr(tmp, 'e');
  if (e && isfinite(x)) {
    const int exp10 = atoi(e + 1);
    const int decimals = p - 1 - exp10 > 0 ? p - 1 - exp10 : 0;
    snprintf(plain, sizeof plain, "%.*f", decimals, x);
    double y = strtod(plain, NULL);
    if (memcmp(&x, &y, sizeof x) == 0 && strlen(plain) <= strlen(tmp)) {
      snprintf(buf, n, "%s", plain);
      return;
    }
  }
  snprintf(buf, n, "%s", tmp);
}

const char *text_s(unsigned long long n) { return n == 1 ? "" : "s"; }

int text_is_utf8(const char *t, size_t len) {
  const unsigned char *p = (const unsigned char *)t, *end = p + len;
  while (p < end) {
    unsigned c = *p++, more = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2
                                       : c >= 0xf0 && c < 0xf5 ? 3 : 9;
    if (more == 9 || (size_t)(end - p) < more) return 0;
    unsigned cp = c & (0x3fu >> more);
    for (unsigned i = 0; i < more; i++, p++) {
      if ((*p & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (*p & 0x3fu);
    }
    if ((more == 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
        (more == 3 && (cp < 0x10000 || cp > 0x10ffff)))
      return 0;
  }
  return 1;
}

void text_escape(const char *s, size_t len, int keep_utf8, char *buf, size_t n) {
  size_t o = 0;
  if (n == 0) return;
  const int utf8 = keep_utf8 && text_is_utf8(s, len);
  for (size_t i = 0; i < len; i++) {
    const unsigned char c = (unsigned char)s[i];
    char e[8];
    if (c == '\n' || c == '\t')
      snprintf(e, sizeof e, "\\%c", c == '\n' ? 'n' : 't');
    else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
      snprintf(e, sizeof e, "\\x%02x", c);
    else
      e[0] = (char)c, e[1] = '\0';
    const size_t k = strlen(e);
    if (o + k >= n) break;
    memcpy(buf + o, e, k);
    o += k;
  }
  buf[o] = '\0';
}
