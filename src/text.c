/* text.c: the shortest round-trip text of a double (see text.h).
 * Not here: parsing (spec.c reads numbers with strtod). */
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
