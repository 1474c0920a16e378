/* cli.h: what the command-line programs share -- error printing, the
 * recorded command line and shell quoting, BLAS threads (and OpenBLAS's
 * start under an address-space limit), whole numbers.
 * This is the only part of libnn that knows about argv and stderr.
 */
#ifndef NN_CLI_H
#define NN_CLI_H

#include <stdio.h>

#include "error.h"

/* Prints "PROG: MSG" on stderr, as cli_printf() does: one line. */
void cli_error(const char *prog, const nn_error *err);

/* printf() to f for a line people read: the text made is printed with its
 * control characters (ESC, a newline inside a file name, ...) and invalid
 * UTF-8 escaped as \n, \t, \xNN (text_escape()), but for one final newline,
 * so that a name never reaches the terminal raw and the line stays one line.
 * For every line that shows a file name or other outside text. */
void cli_printf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* argv joined with spaces, arguments quoted for a POSIX shell when needed;
 * malloc'd, caller frees; NULL when out of memory. */
char *cli_command_line(int argc, char **argv);

/* s quoted for a POSIX shell when it needs quotes ('...', with ' as '\''):
 * malloc'd, caller frees; NULL when out of memory.  Safe for any bytes. */
char *cli_quote(const char *s);

/* Sets the BLAS thread count (0 = one per core) and returns the count in use.
 * Under an address-space limit OpenBLAS starts with no threads of its own
 * (cli.c shows it OPENBLAS_NUM_THREADS=1 as its constructor runs): call
 * run_check_memory() first, since each thread started here maps its buffer
 * at once. */
long cli_set_threads(long threads);

/* Parses a whole decimal number in [lo, hi] from text; 0 on success. */
int cli_parse_long(const char *text, long lo, long hi, long *out);

#endif
