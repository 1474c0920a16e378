/* text.h: text for people -- the shortest text of a double that reads back
 * to the same double (specs, run names, tables, plot data), and text from a
 * file or the command line made safe for a one-line message.
 *
 * Not here: what the numbers or names mean (spec.c, summary.c, nnplot.c).
 */
#ifndef NN_TEXT_H
#define NN_TEXT_H

#include <stddef.h>

/* x in the fewest significant digits that strtod() reads back to exactly x,
 * positional when that is no longer than the exponent form: 10 -> "10",
 * 0.0001 -> "0.0001", 1e-05 -> "1e-05", 1e+30 -> "1e+30"; "nan", "inf". */
void text_number(double x, char *buf, size_t n);

/* Whether t[0..len) is valid UTF-8 (no overlong forms, no surrogates). */
int text_is_utf8(const char *t, size_t len);

/* s[0..len) for a one-line message: \n and \t as such, other control
 * characters and DEL as \xNN, bytes from 0x80 kept when keep_utf8 and s is
 * valid UTF-8, else \xNN too; cut (never inside an escape) to fit n bytes. */
void text_escape(const char *s, size_t len, int keep_utf8, char *buf, size_t n);

/* "s" unless n is 1, for counted nouns: printf("%ld epoch%s", n, text_s(n)). */
const char *text_s(unsigned long long n);

#endif
