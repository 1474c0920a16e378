/* text.h: numbers as text -- the shortest text of a double that reads back
 * to the same double, for specs, run names, tables and plot data.
 *
 * Not here: what the numbers mean (spec.c, summary.c, nnplot.c).
 */
#ifndef NN_TEXT_H
#define NN_TEXT_H

#include <stddef.h>

/* x in the fewest significant digits that strtod() reads back to exactly x,
 * positional when that is no longer than the exponent form: 10 -> "10",
 * 0.0001 -> "0.0001", 1e-05 -> "1e-05", 1e+30 -> "1e+30"; "nan", "inf". */
void text_number(double x, char *buf, size_t n);

#endif
