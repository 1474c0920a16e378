/* spec.h: experiment specs -- the typed struct, the one table of keys, YAML
 * loading (libyaml), KEY=VALUE overrides and the resolved-spec YAML text.
 *
 * Every key is described once, in the table in spec.c (dotted path, type,
 * bounds, default, help).  Loading, overrides, --help, --dry-run, the
 * results-file attributes and the "did you mean" suggestion all walk that
 * table.  Checks that need the data (dev_size < images, batch <= train split)
 * are made by the caller, which cites the key's origin with spec_where().
 */
#ifndef NN_SPEC_H
#define NN_SPEC_H

#include <stdio.h>

#include "error.h"

#define SPEC_NAME_MAX 128   /* bytes of a name, NUL included */
#define SPEC_PATH_MAX 4096  /* bytes of a path, NUL included: PATH_MAX */

enum spec_format { SPEC_FORMAT_IDX, SPEC_FORMAT_CSV };
enum spec_normalize { SPEC_NORM_STANDARDIZE, SPEC_NORM_SCALE, SPEC_NORM_NONE };
enum spec_activation { SPEC_ACT_SIGMOID, SPEC_ACT_TANH, SPEC_ACT_RELU };
enum spec_init { SPEC_INIT_NORMAL, SPEC_INIT_XAVIER, SPEC_INIT_HE };
enum spec_precision { SPEC_PREC_FLOAT64, SPEC_PREC_FLOAT32 };
enum spec_input { SPEC_INPUT_AUTO, SPEC_INPUT_DENSE, SPEC_INPUT_SPARSE };
enum spec_optimizer { SPEC_OPT_SGD, SPEC_OPT_MOMENTUM, SPEC_OPT_ADAM };

#define SPEC_HIDDEN_MAX 8            /* hidden layers at most */

/* Value types of the table; an ENUM is stored as an int index into its names,
 * a BOOL as an int 0 or 1 (YAML true or false, nothing else), an INT_LIST as
 * an array of longs and its count (model.hidden). */
enum spec_type { SPEC_INT, SPEC_REAL, SPEC_STRING, SPEC_ENUM, SPEC_INT_LIST, SPEC_BOOL };

/* Where a key's value came from. */
typedef struct spec_origin {
  enum { SPEC_FROM_DEFAULT, SPEC_FROM_FILE, SPEC_FROM_OVERRIDE } kind;
  int line, col;              /* 1-based; SPEC_FROM_FILE only */
  char text[SPEC_NAME_MAX];   /* SPEC_FROM_OVERRIDE: the KEY=VALUE argument (truncated) */
} spec_origin;

#define SPEC_NKEYS 24  /* entries in the key table */

typedef struct spec {
  char name[SPEC_NAME_MAX];  /* plain file name: [A-Za-z0-9_.+-], not starting with '.' or '-' */
  unsigned long seed;        /* GSL RNG seed, 0 .. 4294967295 */
  struct {
    char dir[SPEC_PATH_MAX];
    int format;              /* enum spec_format */
    long dev_size;           /* >= 0; < images checked against the data */
    int normalize;           /* enum spec_normalize */
  } data;
  struct {
    long hidden[SPEC_HIDDEN_MAX]; /* widths of the hidden layers, each 1..100000; */
    size_t nhidden;          /* 0 .. SPEC_HIDDEN_MAX of them (0: softmax regression);
                              * entries from nhidden on are 0 */
    int activation;          /* enum spec_activation, of every hidden layer */
    int init;                /* enum spec_init */
    int precision;           /* enum spec_precision */
  } model;
  struct {
    long epochs;             /* >= 0 */
    long batch;              /* >= 1; <= train split checked against the data */
    double lr;               /* > 0 */
    double lambda;           /* >= 0 */
    int optimizer;           /* enum spec_optimizer */
    double momentum;         /* [0, 1); read by SPEC_OPT_MOMENTUM only */
    int nesterov;            /* 0 or 1; read by SPEC_OPT_MOMENTUM only */
    double beta1, beta2;     /* [0, 1); read by SPEC_OPT_ADAM only */
    double epsilon;          /* > 0; read by SPEC_OPT_ADAM only */
    int shuffle;             /* 0 or 1: a new order of the train split every epoch */
    long threads;            /* >= 0; 0 = all cores */
    int input;               /* enum spec_input: how the first layer reads the pixels */
  } train;
  struct {
    char dir[SPEC_PATH_MAX];
  } output;
  char file[SPEC_PATH_MAX];        /* the spec file (or origin label) it was loaded from */
  spec_origin origin[SPEC_NKEYS];  /* indexed like the key table */
} spec;

/* Fills s with every default; file/origin say "default". */
void spec_defaults(spec *s);

/* Loads a YAML spec file over the defaults.  name defaults to the file's base
 * name without .yaml/.yml.  Errors (NN_BADINPUT): "FILE:LINE:COL: KEY: expected
 * ..., got ...", unknown keys with "did you mean", duplicates, YAML syntax. */
int spec_load_file(spec *s, const char *path, nn_error *err);

/* Same from memory; label names the source in messages (e.g. "run.h5:/spec"). */
int spec_load_string(spec *s, const char *yaml, size_t len, const char *label,
                     nn_error *err);

/* Applies one "dotted.key=value" override (value parsed as a YAML scalar, or
 * for model.hidden also as a flow sequence "[256, 128]"), with the same checks
 * as the file.  Errors name the argument. */
int spec_override(spec *s, const char *assignment, nn_error *err);

/* The checks between keys, made on the whole spec once its overrides are
 * applied (loading and spec_override never make them, so that an override
 * may complete a file): a key that only one optimizer reads (train.momentum
 * and train.nesterov: momentum; train.beta1, beta2, epsilon: adam) may not be
 * set, in the file or by an override, when train.optimizer is another one.
 * Defaults are never an error.  NN_OK, or NN_BADINPUT with
 * "WHERE: KEY: only used when train.optimizer is X, but train.optimizer is Y
 * (WHERE)". */
int spec_check(const spec *s, nn_error *err);

/* The same check for callers that place the message themselves: 0, or -1
 * with the offending key's index in *key and "only used when ..., but
 * train.optimizer is Y" in why. */
int spec_check_key(const spec *s, size_t *key, char *why, size_t n);

/* Whether key i means anything in s: 0 for a key that s's optimizer does not
 * read (it then holds its default).  spec_to_yaml() and the results file's
 * attributes leave such keys out. */
int spec_key_used(const spec *s, size_t i);

/* The resolved spec as YAML text, every key that s uses (spec_key_used), in
 * table order; malloc'd, caller frees; NULL when out of memory.
 * spec_load_string() of it gives back s.  model.hidden is a plain number for
 * one layer (as before lists existed) and a flow sequence otherwise. */
char *spec_to_yaml(const spec *s);

/* Writes "FILE:LINE:COL" / "command line 'k=v'" / "FILE (default)" for key into buf. */
void spec_where(const spec *s, const char *key, char *buf, size_t n);

/* The key table, for --help, attributes and comparisons. */
size_t spec_nkeys(void);
const char *spec_key_path(size_t i);      /* "train.lr" */
enum spec_type spec_key_type(size_t i);
const char *spec_key_help(size_t i);      /* one line */
/* Value of key i in s: as text (enums by name, reals with %.17g then trimmed
 * to the shortest form that reads back equal, booleans true or false); as
 * numbers for INT/REAL/ENUM/BOOL.  The canonical text of an INT_LIST is the
 * number for one layer ("300", as before lists existed), the widths joined by
 * '-' for several ("256-128": a run name needs no escape) and "[]" for none;
 * each form reads back (as an override value, or in a file) to the same list. */
void spec_key_text(const spec *s, size_t i, char *buf, size_t n);
/* SPEC_INT (seed included), SPEC_ENUM index, SPEC_BOOL 0/1; SPEC_INT_LIST: the
 * width of a single layer, 0 for any other count (see spec_key_list). */
long spec_key_long(const spec *s, size_t i);
double spec_key_double(const spec *s, size_t i);/* SPEC_REAL */
/* SPEC_INT_LIST: the number of values, and *values pointing at them in s. */
size_t spec_key_list(const spec *s, size_t i, const long **values);

/* Prints the key table (path, type, default, bounds, help) for --help. */
void spec_print_keys(FILE *f);

/* Names of enum values, for messages and output. */
const char *spec_format_name(int format);
const char *spec_normalize_name(int normalize);

/* The "did you mean" rule of unknown spec keys, for other files' keys: writes
 * the candidate closest to word (n candidates) into buf, or "" when none is
 * close enough; returns whether one was found. */
int spec_suggest(const char *word, const char *const *candidates, size_t n, char *buf,
                 size_t size);

#endif
