/* spec.c: experiment specs.  One table of keys drives the defaults, YAML loading
 * (libyaml events), KEY=VALUE overrides, the checks between keys, the resolved
 * YAML text and --help.
 * Not here: checks that need the data (dev_size < images, batch <= train split). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "fsutil.h"
#include "spec.h"
#include "text.h"

/* ------------------------------------------------------------ the key table */

enum store { ST_STRING, ST_LONG, ST_ULONG, ST_INT, ST_DOUBLE, ST_LIST };
enum strcheck { CK_NONE, CK_NAME, CK_PATH };

struct key {
  const char *path;          /* dotted: "train.lr" */
  enum spec_type type;
  enum store store;          /* C type of the field */
  size_t off, size;          /* field in struct spec (ST_LIST: the array of longs) */
  size_t count_off;          /* ST_LIST: the size_t count of values */
  const char *unit;          /* SPEC_INT_LIST: what one value is, for messages */
  long long min, max;        /* SPEC_INT bounds, inclusive (SPEC_INT_LIST: each value's) */
  double lo;                 /* SPEC_REAL lower bound ... */
  int lo_open;               /* ... exclusive when 1; always finite */
  int has_hi;                /* SPEC_REAL: an upper bound too ... */
  double hi;                 /* ... hi, */
  int hi_open;               /* exclusive when 1 */
  const char *const *names;  /* SPEC_ENUM: NULL-terminated, indexed by value */
  int nok;                   /* SPEC_ENUM: names[0 .. nok) are implemented */
  enum strcheck check;       /* SPEC_STRING: what the text must be */
  const char *when;          /* only read when this SPEC_ENUM key ... */
  int when_is;               /* ... has this value (NULL: always read) */
  const char *def;           /* default as text */
  const char *def_shown;     /* default as --help shows it (NULL: def) */
  const char *help;          /* one line */
};

#define AT(m) .off = offsetof(spec, m), .size = sizeof(((spec *)0)->m)
#define LIST_MAX(k) ((k)->size / sizeof(long))  /* values an ST_LIST holds at most */

static const char *const format_names[] = {"idx", "csv", NULL};
static const char *const normalize_names[] = {"standardize", "scale", "none", NULL};
static const char *const activation_names[] = {"sigmoid", "tanh", "relu", NULL};
static const char *const init_names[] = {"normal", "xavier", "he", NULL};
static const char *const optimizer_names[] = {"sgd", "momentum", "adam", NULL};
static const char *const precision_names[] = {"float64", "float32", NULL};
static const char *const input_names[] = {"auto", "dense", "sparse", NULL};

static const struct key keys[] = {
  {.path = "name", .type = SPEC_STRING, .store = ST_STRING, AT(name), .check = CK_NAME,
   .def = "unnamed", .def_shown = "<file base name>",
   .help = "results file name (OUTPUT_DIR/NAME.h5)"},
  {.path = "seed", .type = SPEC_INT, .store = ST_ULONG, AT(seed), .min = 1,
   .max = 4294967295LL, .def = "1",
   .help = "GSL RNG seed: shuffle/split and initialization (GSL would read 0 as 4357)"},
  {.path = "data.dir", .type = SPEC_STRING, .store = ST_STRING, AT(data.dir),
   .check = CK_PATH, .def = "data/mnist",
   .help = "the four MNIST IDX files (.gz or raw), or CSV files"},
  {.path = "data.format", .type = SPEC_ENUM, .store = ST_INT, AT(data.format),
   .names = format_names, .nok = 2, .def = "idx", .help = "format of the data files"},
  {.path = "data.dev_size", .type = SPEC_INT, .store = ST_LONG, AT(data.dev_size),
   .min = 0, .max = 10000000, .def = "10000",
   .help = "dev images, taken from the shuffled training images"},
  {.path = "data.normalize", .type = SPEC_ENUM, .store = ST_INT, AT(data.normalize),
   .names = normalize_names, .nok = 3, .def = "standardize",
   .help = "pixel scaling, from the train split's statistics"},
  {.path = "model.hidden", .type = SPEC_INT_LIST, .store = ST_LIST, AT(model.hidden),
   .count_off = offsetof(spec, model.nhidden), .unit = "layer", .min = 1, .max = 100000,
   .def = "300",
   .help = "hidden layers' widths: [256, 128] (or 256-128), 300 for one, [] for none"},
  {.path = "model.activation", .type = SPEC_ENUM, .store = ST_INT,
   AT(model.activation), .names = activation_names, .nok = 3, .def = "sigmoid",
   .help = "activation of every hidden layer"},
  {.path = "model.init", .type = SPEC_ENUM, .store = ST_INT, AT(model.init),
   .names = init_names, .nok = 3, .def = "normal",
   .help = "initial weights: N(0,1), or xavier/he scaled by the layer's size; biases 0"},
  {.path = "model.precision", .type = SPEC_ENUM, .store = ST_INT,
   AT(model.precision), .names = precision_names, .nok = 2, .def = "float64",
   .help = "floating point of the weights and the whole training path"},
  {.path = "train.epochs", .type = SPEC_INT, .store = ST_LONG, AT(train.epochs),
   .min = 0, .max = 1000000, .def = "30", .help = "passes over the train split"},
  {.path = "train.batch", .type = SPEC_INT, .store = ST_LONG, AT(train.batch),
   .min = 1, .max = 10000000, .def = "1000",
   .help = "examples per mini-batch (at most the train split)"},
  {.path = "train.shuffle", .type = SPEC_BOOL, .store = ST_INT, AT(train.shuffle),
   .def = "false",
   .help = "a new order of the train split every epoch, drawn from (seed, epoch)"},
  {.path = "train.lr", .type = SPEC_REAL, .store = ST_DOUBLE, AT(train.lr),
   .lo = 0, .lo_open = 1, .def = "5", .help = "learning rate"},
  {.path = "train.lambda", .type = SPEC_REAL, .store = ST_DOUBLE, AT(train.lambda),
   .lo = 0, .lo_open = 0, .def = "0.0001",
   .help = "L2 penalty on the weights; 0 = unregularized"},
  {.path = "train.optimizer", .type = SPEC_ENUM, .store = ST_INT, AT(train.optimizer),
   .names = optimizer_names, .nok = 3, .def = "sgd",
   .help = "update rule: plain SGD, SGD with momentum, or Adam"},
  {.path = "train.momentum", .type = SPEC_REAL, .store = ST_DOUBLE, AT(train.momentum),
   .lo = 0, .has_hi = 1, .hi = 1, .hi_open = 1, .when = "train.optimizer",
   .when_is = SPEC_OPT_MOMENTUM, .def = "0.9",
   .help = "velocity decay (optimizer momentum only)"},
  {.path = "train.nesterov", .type = SPEC_BOOL, .store = ST_INT, AT(train.nesterov),
   .when = "train.optimizer", .when_is = SPEC_OPT_MOMENTUM, .def = "false",
   .help = "Nesterov's look-ahead gradient (optimizer momentum only)"},
  {.path = "train.beta1", .type = SPEC_REAL, .store = ST_DOUBLE, AT(train.beta1),
   .lo = 0, .has_hi = 1, .hi = 1, .hi_open = 1, .when = "train.optimizer",
   .when_is = SPEC_OPT_ADAM, .def = "0.9",
   .help = "decay of the gradient's running mean (optimizer adam only)"},
  {.path = "train.beta2", .type = SPEC_REAL, .store = ST_DOUBLE, AT(train.beta2),
   .lo = 0, .has_hi = 1, .hi = 1, .hi_open = 1, .when = "train.optimizer",
   .when_is = SPEC_OPT_ADAM, .def = "0.999",
   .help = "decay of the squared gradient's running mean (optimizer adam only)"},
  {.path = "train.epsilon", .type = SPEC_REAL, .store = ST_DOUBLE, AT(train.epsilon),
   .lo = 0, .lo_open = 1, .when = "train.optimizer", .when_is = SPEC_OPT_ADAM,
   .def = "1e-08", .help = "added to Adam's denominator (optimizer adam only)"},
  {.path = "train.threads", .type = SPEC_INT, .store = ST_LONG, AT(train.threads),
   .min = 0, .max = 1024, .def = "0",
   .help = "BLAS threads; 0 = all cores (results reproducible per count)"},
  {.path = "train.input", .type = SPEC_ENUM, .store = ST_INT, AT(train.input),
   .names = input_names, .nok = 3, .def = "auto",
   .help = "first-layer products: dense BLAS, sparse over non-zero pixels, or auto by density"},
  {.path = "output.dir", .type = SPEC_STRING, .store = ST_STRING, AT(output.dir),
   .check = CK_PATH, .def = "runs", .help = "folder of the results file"},
};

#define NKEYS (sizeof keys / sizeof keys[0])
_Static_assert(NKEYS == SPEC_NKEYS, "SPEC_NKEYS must count the key table");
_Static_assert(sizeof(unsigned long) >= 4, "seed needs 32 bits");
_Static_assert(sizeof(((spec *)0)->model.hidden) == SPEC_HIDDEN_MAX * sizeof(long),
               "model.hidden is an array of longs");

#define NAME_LEN_MAX 100                /* characters of a plain name */
#define DEFAULT_LABEL "default"         /* spec.file before any load */
#define SPEC_FILE_MAX (1024L * 1024L)   /* larger spec files are refused */
#define SHOW_MAX 40                     /* characters of a value quoted in messages */
#define SHOW_BUF (4 * SHOW_MAX + 8)     /* bytes of a value so shown */

static const char name_rule[] =
    "a plain file name (1 to 100 characters of A-Za-z0-9_.+-, not starting with"
    " '.' or '-')";

static const struct key *key_at(size_t i) { return i < NKEYS ? &keys[i] : NULL; }

/* Index of the key with this exact path (len bytes), or -1. */
static int key_find(const char *path, size_t len) {
  for (size_t i = 0; i < NKEYS; i++)
    if (strlen(keys[i].path) == len && memcmp(keys[i].path, path, len) == 0)
      return (int)i;
  return -1;
}

/* Index of the first key of section sec (len bytes, e.g. "train"), or -1. */
static int section_find(const char *sec, size_t len) {
  for (size_t i = 0; i < NKEYS; i++)
    if (strncmp(keys[i].path, sec, len) == 0 && keys[i].path[len] == '.' &&
        memchr(sec, '.', len) == NULL)
      return (int)i;
  return -1;
}

/* The part of a path after its last dot. */
static const char *last_part(const char *path) {
  const char *dot = strrchr(path, '.');
  return dot ? dot + 1 : path;
}

/* ------------------------------------------------------------ value text */

static int is_yaml_null(const char *t, size_t len) {
  return len == 0 || (len == 1 && t[0] == '~') ||
         (len == 4 && (!memcmp(t, "null", 4) || !memcmp(t, "Null", 4) ||
                       !memcmp(t, "NULL", 4)));
}

/* YAML's spellings of infinity and not-a-number. */
static int is_yaml_nonfinite(const char *t) {
  static const char *const words[] = {
    ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    ".nan", ".NaN", ".NAN", NULL};
  for (size_t i = 0; words[i]; i++)
    if (strcmp(t, words[i]) == 0) return 1;
  return 0;
}

/* Whether t (len bytes) is valid UTF-8: what YAML text (and so the resolved
 * spec and the results file) can hold. */
static int is_utf8(const char *t, size_t len) { return text_is_utf8(t, len); }

/* Writes a value for a message: plain text as is, anything else (and text
 * with a space at either end) quoted with C escapes (bytes of invalid UTF-8
 * too), long values cut with "...". */
static void show(const char *t, size_t len, int plain, char *buf, size_t n) {
  size_t o = 0;
  const int utf8 = is_utf8(t, len);
  int quote = !plain || !utf8;
  if (plain && len == 0) {
    snprintf(buf, n, "an empty value");
    return;
  }
  for (size_t i = 0; i < len && !quote; i++)
    if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f) quote = 1;
  /* a stray space would vanish in "got  5": quoted, it shows */
  if (len && (t[0] == ' ' || t[len - 1] == ' ')) quote = 1;
  if (n < 16) {
    if (n) buf[0] = '\0';
    return;
  }
  if (quote) buf[o++] = '"';
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)t[i];
    if (i == SHOW_MAX || o + 8 >= n) {
      memcpy(buf + o, "...", 3);
      o += 3;
      break;
    }
    if (quote && (c == '"' || c == '\\')) {
      buf[o++] = '\\';
      buf[o++] = (char)c;
    } else if (quote && c == '\n') {
      buf[o++] = '\\';
      buf[o++] = 'n';
    } else if (quote && c == '\t') {
      buf[o++] = '\\';
      buf[o++] = 't';
    } else if (quote && (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))) {
      o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
    } else {
      buf[o++] = (char)c;
    }
  }
  if (quote) buf[o++] = '"';
  buf[o] = '\0';
}

/* "what key k expects", e.g. "an integer from 1 to 100000"; finite adds that word. */
static void expected(const struct key *k, int finite, char *buf, size_t n) {
  size_t o = 0;
  switch (k->type) {
  case SPEC_INT:
    snprintf(buf, n, "an integer from %lld to %lld", k->min, k->max);
    break;
  case SPEC_INT_LIST:
    snprintf(buf, n, "an integer from %lld to %lld or a list of at most %zu of them",
             k->min, k->max, LIST_MAX(k));
    break;
  case SPEC_REAL:
    o = (size_t)snprintf(buf, n, "a %snumber %s %.17g", finite ? "finite " : "",
                         k->lo_open ? ">" : ">=", k->lo);
    if (k->has_hi)
      snprintf(buf + o, o < n ? n - o : 0, " and %s %.17g", k->hi_open ? "<" : "<=", k->hi);
    break;
  case SPEC_BOOL:
    snprintf(buf, n, "true or false");
    break;
  case SPEC_STRING:
    snprintf(buf, n, "%s", k->check == CK_NAME ? name_rule : "a non-empty path");
    break;
  case SPEC_ENUM:
    buf[0] = '\0';
    for (int i = 0; i < k->nok; i++) {
      const char *sep = i == 0 ? "" : i == k->nok - 1 ? " or " : ", ";
      o += (size_t)snprintf(buf + o, o < n ? n - o : 0, "%s%s", sep, k->names[i]);
    }
    for (int i = k->nok; k->names[i]; i++)
      o += (size_t)snprintf(buf + o, o < n ? n - o : 0,
                            " (%s is not implemented yet)", k->names[i]);
    break;
  }
}

static int is_plain_name(const char *t, size_t len) {
  if (len < 1 || len > NAME_LEN_MAX || t[0] == '.' || t[0] == '-') return 0;
  for (size_t i = 0; i < len; i++)
    if (!(isalnum((unsigned char)t[i]) || strchr("_.+-", t[i])) || t[i] == '\0')
      return 0;
  return 1;
}

/* Decimal integer with an optional sign; 0 when t is not one or overflows. */
static int parse_int(const char *t, size_t len, long long *out) {
  size_t i = 0;
  int neg = 0;
  unsigned long long v = 0, lim = (unsigned long long)LLONG_MAX;
  if (len > 0 && (t[0] == '+' || t[0] == '-')) neg = t[i++] == '-';
  if (i == len) return 0;
  for (; i < len; i++) {
    if (t[i] < '0' || t[i] > '9') return 0;
    unsigned d = (unsigned)(t[i] - '0');
    if (v > (lim - d) / 10) return 0;
    v = v * 10 + d;
  }
  *out = neg ? -(long long)v : (long long)v;
  return 1;
}

/* What strtod reads completely; *out may be non-finite. */
static int parse_real(const char *t, size_t len, double *out) {
  char *end;
  if (len == 0 || strlen(t) != len || isspace((unsigned char)t[0])) return 0;
  errno = 0;
  *out = strtod(t, &end);
  return end == t + len;
}

/* Whether t (len bytes; plain: a plain YAML scalar) is one value of list key
 * k; stores it in *w. */
static int list_value(const struct key *k, const char *t, size_t len, int plain, long *w) {
  long long v;
  if ((plain && is_yaml_null(t, len)) || !parse_int(t, len, &v) || v < k->min || v > k->max)
    return 0;
  *w = (long)v;
  return 1;
}

/* "layer 2: expected an integer from 1 to 100000, got GOT" into why. */
static void list_value_why(const struct key *k, size_t index, const char *got, char *why,
                           size_t n) {
  snprintf(why, n, "%s %zu: expected an integer from %lld to %lld, got %s", k->unit, index,
           k->min, k->max, got);
}

/* "expected at most 8 layers, got 9" into why. */
static void list_long_why(const struct key *k, size_t count, char *why, size_t n) {
  snprintf(why, n, "expected at most %zu %ss, got %zu", LIST_MAX(k), k->unit, count);
}

/* Stores the values w[0 .. nw) of list key k in s; the rest of the array is 0. */
static void list_store(spec *s, const struct key *k, const long *w, size_t nw) {
  long *field = (long *)(void *)((char *)s + k->off);
  memset(field, 0, k->size);
  memcpy(field, w, nw * sizeof *w);
  *(size_t *)(void *)((char *)s + k->count_off) = nw;
}

/* The short form of a list, "256-128": whether t (len bytes) looks like one
 * (digits and '-', a digit first, a '-' somewhere). */
static int is_dashed_list(const char *t, size_t len) {
  if (len < 2 || t[0] < '0' || t[0] > '9' || !memchr(t, '-', len)) return 0;
  for (size_t i = 0; i < len; i++)
    if ((t[i] < '0' || t[i] > '9') && t[i] != '-') return 0;
  return 1;
}

/* Reads the short form t (len bytes, is_dashed_list) as the values of list key
 * k into w[0 .. *nw); 0, or -1 with why. */
static int dashed_list(const struct key *k, const char *t, size_t len, long *w, size_t *nw,
                       char *why, size_t n) {
  size_t count = 1;
  char got[SHOW_BUF];
  for (size_t i = 0; i < len; i++) count += t[i] == '-';
  if (count > LIST_MAX(k)) {
    list_long_why(k, count, why, n);
    return -1;
  }
  *nw = 0;
  for (const char *p = t, *end = t + len; p <= end; p++) {
    const char *q = memchr(p, '-', (size_t)(end - p));
    size_t pl = q ? (size_t)(q - p) : (size_t)(end - p);
    if (!list_value(k, p, pl, 1, &w[*nw])) {
      show(p, pl, 1, got, sizeof got);
      list_value_why(k, *nw + 1, got, why, n);
      return -1;
    }
    (*nw)++;
    if (!q) break;
    p = q;
  }
  return 0;
}

static int flow_list(const struct key *k, const char *t, size_t len, long *w, size_t *nw,
                     char *why, size_t n);

/* Parses t (len bytes, NUL-terminated; plain says a plain YAML scalar) as the
 * value of key i and stores it in s.  On failure writes "expected ..., got ..."
 * into why and returns -1. */
static int key_set(spec *s, size_t i, const char *t, size_t len, int plain,
                   char *why, size_t n) {
  const struct key *k = &keys[i];
  char *field = (char *)s + k->off;
  char what[256], got[SHOW_BUF];
  int finite = 0, null = plain && is_yaml_null(t, len);
  long long v;
  double d;

  switch (k->type) {
  case SPEC_INT_LIST: {
    long w[SPEC_HIDDEN_MAX];
    size_t nw = 0;
    int rc = 0;
    if (LIST_MAX(k) > SPEC_HIDDEN_MAX) break;  /* a table entry this code cannot hold */
    if (plain && len > 0 && t[0] == '[') {   /* an override's "[256, 128]" */
      rc = flow_list(k, t, len, w, &nw, why, n);
      if (rc == 1) break;                    /* not a list of scalars: the general message */
    } else if (list_value(k, t, len, plain, &w[0])) {
      nw = 1;
    } else if (is_dashed_list(t, len)) {
      rc = dashed_list(k, t, len, w, &nw, why, n);
    } else {
      break;
    }
    if (rc) return -1;
    list_store(s, k, w, nw);
    return 0;
  }
  case SPEC_BOOL:
    if (len == 4 && memcmp(t, "true", 4) == 0) {
      *(int *)(void *)field = 1;
      return 0;
    }
    if (len == 5 && memcmp(t, "false", 5) == 0) {
      *(int *)(void *)field = 0;
      return 0;
    }
    break;
  case SPEC_INT:
    if (!null && parse_int(t, len, &v) && v >= k->min && v <= k->max) {
      if (k->store == ST_ULONG)
        *(unsigned long *)(void *)field = (unsigned long)v;
      else
        *(long *)(void *)field = (long)v;
      return 0;
    }
    break;
  case SPEC_REAL:
    if (plain && is_yaml_nonfinite(t)) {
      finite = 1;
    } else if (!null && parse_real(t, len, &d)) {
      if (!isfinite(d)) {
        finite = 1;
      } else if ((k->lo_open ? d > k->lo : d >= k->lo) &&
                 (!k->has_hi || (k->hi_open ? d < k->hi : d <= k->hi))) {
        *(double *)(void *)field = d;
        return 0;
      }
    }
    break;
  case SPEC_ENUM:
    for (int j = 0; !null && j < k->nok; j++)
      if (strlen(k->names[j]) == len && memcmp(k->names[j], t, len) == 0) {
        *(int *)(void *)field = j;
        return 0;
      }
    break;
  case SPEC_STRING:
    if (null || len == 0 || strlen(t) != len) break;
    if (k->check == CK_NAME && !is_plain_name(t, len)) break;
    if (k->check == CK_PATH && len >= k->size) {
      snprintf(why, n, "expected a path of at most %zu bytes, got %zu bytes",
               k->size - 1, len);
      return -1;
    }
    if (k->check == CK_PATH) {
      int printable = is_utf8(t, len);
      for (size_t j = 0; j < len && printable; j++)
        if (((unsigned char)t[j] < 0x20 && t[j] != '\t') || t[j] == 0x7f) printable = 0;
      if (!printable) {  /* it would reach messages: one line, no terminal codes */
        show(t, len, plain, got, sizeof got);
        snprintf(why, n, "expected a path of printable UTF-8 text, got %s", got);
        return -1;
      }
    }
    if (len >= k->size) break;
    memcpy(field, t, len);
    field[len] = '\0';
    return 0;
  }
  expected(k, finite, what, sizeof what);
  show(t, len, plain, got, sizeof got);
  snprintf(why, n, "expected %s, got %s", what, got);
  return -1;
}

/* Shortest %.*g text of x that strtod reads back bit-identical. */
static void real_text(double x, char *buf, size_t n) { text_number(x, buf, n); }

/* ------------------------------------------------------------ did you mean */

/* Optimal string alignment distance (edits plus adjacent swaps); large when
 * either string is too long to bother. */
static int osa(const char *a, size_t la, const char *b, size_t lb) {
  enum { M = 48 };
  int d[M + 1][M + 1];
  if (la > M || lb > M) return 1000;
  for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
  for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++) {
      int c = a[i - 1] != b[j - 1];
      int v = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + c < v) v = d[i - 1][j - 1] + c;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          d[i - 2][j - 2] + 1 < v)
        v = d[i - 2][j - 2] + 1;
      d[i][j] = v;
    }
  return d[la][lb];
}

static int tolerance(size_t len) { return len <= 4 ? 1 : len <= 8 ? 2 : 3; }

/* How far path is from candidate (both "sec.last" or "last"), or -1 when too
 * far to suggest.  The last part must be close (or one a prefix of the other);
 * a different section costs its distance, or 2 when unrelated. */
static int distance(const char *path, const char *cand) {
  const char *pl = last_part(path), *cl = last_part(cand);
  size_t lpl = strlen(pl), lcl = strlen(cl);
  size_t lps = pl == path ? 0 : (size_t)(pl - path - 1);
  size_t lcs = cl == cand ? 0 : (size_t)(cl - cand - 1);
  int dl = osa(pl, lpl, cl, lcl), ds;
  size_t shorter = lpl < lcl ? lpl : lcl;
  if (shorter >= 3 && strncmp(pl, cl, shorter) == 0 && dl > 1) dl = 1;
  if (dl > tolerance(lcl)) return -1;
  if (lps == lcs && strncmp(path, cand, lps) == 0) {
    ds = 0;
  } else {
    ds = osa(path, lps, cand, lcs);
    if (lps == 0 || lcs == 0 || ds > tolerance(lcs)) ds = 2;
  }
  return dl + ds;
}

/* Writes "unknown key; did you mean 'x'?" (or a pointer to --help) for path;
 * sections says whether section names are candidates too. */
static void unknown_key(const char *path, int sections, char *buf, size_t n) {
  const char *best = NULL;
  size_t bestlen = 0;
  int bestd = 1000;
  for (size_t i = 0; i < NKEYS; i++) {
    int d = distance(path, keys[i].path);
    if (d >= 0 && d < bestd) {
      best = keys[i].path, bestlen = strlen(best), bestd = d;
    }
    const char *dot = strchr(keys[i].path, '.');
    if (sections && dot && (i == 0 || strncmp(keys[i - 1].path, keys[i].path,
                                               (size_t)(dot - keys[i].path) + 1))) {
      char sec[64];
      snprintf(sec, sizeof sec, "%.*s", (int)(dot - keys[i].path), keys[i].path);
      d = distance(path, sec);
      if (d >= 0 && d < bestd) {
        best = keys[i].path, bestlen = (size_t)(dot - keys[i].path), bestd = d;
      }
    }
  }
  if (best)
    snprintf(buf, n, "unknown key; did you mean '%.*s'?", (int)bestlen, best);
  else
    snprintf(buf, n, "unknown key; nnrun --help lists the keys");
}

/* ------------------------------------------------------------ defaults */

void spec_defaults(spec *s) {
  char why[256];
  memset(s, 0, sizeof *s);
  for (size_t i = 0; i < NKEYS; i++) {
    key_set(s, i, keys[i].def, strlen(keys[i].def), 0, why, sizeof why);
    s->origin[i].kind = SPEC_FROM_DEFAULT;
  }
  snprintf(s->file, sizeof s->file, "%s", DEFAULT_LABEL);
}

/* ------------------------------------------------------------ loading */

struct loader {
  yaml_parser_t parser;
  yaml_event_t ev;         /* the current event, valid when have_ev */
  int have_ev;
  const char *label;       /* file name or label for messages */
  const char *text;        /* the input, for reader-error positions */
  size_t len;
  spec *s;
  nn_error *err;
  int key_line[SPEC_NKEYS], key_col[SPEC_NKEYS];  /* where each key was set */
  int sec_line[SPEC_NKEYS], sec_col[SPEC_NKEYS];  /* sections, by first key */
};

static int ld_error(struct loader *ld, int line, int col, const char *key,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "LABEL:LINE:COL: KEY: MSG" (no KEY part when key is NULL). */
static int ld_error(struct loader *ld, int line, int col, const char *key,
                    const char *fmt, ...) {
  char msg[NN_ERROR_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (key)
    return nn_error_set(ld->err, NN_BADINPUT, "%s:%d:%d: %s: %s", ld->label, line,
                        col, key, msg);
  return nn_error_set(ld->err, NN_BADINPUT, "%s:%d:%d: %s", ld->label, line, col,
                      msg);
}

static int ev_line(const yaml_event_t *ev) { return (int)ev->start_mark.line + 1; }
static int ev_col(const yaml_event_t *ev) { return (int)ev->start_mark.column + 1; }

/* Reports the parser's failure. */
static int ld_yaml_error(struct loader *ld) {
  const yaml_parser_t *p = &ld->parser;
  const char *problem = p->problem ? p->problem : "unknown problem";
  if (p->error == YAML_MEMORY_ERROR)
    return nn_error_set(ld->err, NN_FAIL, "%s: out of memory while parsing YAML",
                        ld->label);
  if (p->error == YAML_READER_ERROR) {
    int line = 1, col = 1;
    for (size_t i = 0; i < p->problem_offset && i < ld->len; i++) {
      if (ld->text[i] == '\n')
        line++, col = 1;
      else if (((unsigned char)ld->text[i] & 0xc0) != 0x80)
        col++;
    }
    if (p->problem_value >= 0)
      return ld_error(ld, line, col, NULL, "YAML error: %s (byte 0x%02x)", problem,
                      (unsigned)p->problem_value);
    return ld_error(ld, line, col, NULL, "YAML error: %s", problem);
  }
  if (p->context)
    return ld_error(ld, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1,
                    NULL, "YAML syntax error: %s (%s at %d:%d)", problem, p->context,
                    (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
  return ld_error(ld, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1,
                  NULL, "YAML syntax error: %s", problem);
}

/* Moves to the next event. */
static int ld_next(struct loader *ld) {
  if (ld->have_ev) yaml_event_delete(&ld->ev);
  ld->have_ev = 0;
  if (!yaml_parser_parse(&ld->parser, &ld->ev)) return ld_yaml_error(ld);
  ld->have_ev = 1;
  return NN_OK;
}

/* What is wrong with node event ev for a spec (an alias, an anchor or a tag)
 * into why; 0 when nothing. */
static int node_problem(const yaml_event_t *ev, char *why, size_t n) {
  const yaml_char_t *anchor = NULL, *tag = NULL;
  switch (ev->type) {
  case YAML_ALIAS_EVENT: anchor = ev->data.alias.anchor; break;
  case YAML_SCALAR_EVENT:
    anchor = ev->data.scalar.anchor, tag = ev->data.scalar.tag;
    break;
  case YAML_MAPPING_START_EVENT:
    anchor = ev->data.mapping_start.anchor, tag = ev->data.mapping_start.tag;
    break;
  case YAML_SEQUENCE_START_EVENT:
    anchor = ev->data.sequence_start.anchor, tag = ev->data.sequence_start.tag;
    break;
  default: break;
  }
  if (anchor || ev->type == YAML_ALIAS_EVENT) {
    snprintf(why, n, "anchors and aliases are not supported in specs");
    return 1;
  }
  if (tag) {
    const char *t = (const char *)tag, *std = "tag:yaml.org,2002:";
    int isstd = strncmp(t, std, strlen(std)) == 0;
    snprintf(why, n, "tags are not supported in specs, got %s%s", isstd ? "!!" : "",
             isstd ? t + strlen(std) : t);
    return 1;
  }
  return 0;
}

/* Refuses aliases, anchors and tags on the current (node) event; key names the
 * value for messages (may be NULL). */
static int ld_check_node(struct loader *ld, const char *key) {
  char why[256];
  if (node_problem(&ld->ev, why, sizeof why))
    return ld_error(ld, ev_line(&ld->ev), ev_col(&ld->ev), key, "%s", why);
  return NN_OK;
}

/* What the current node event is, for "got ...". */
static void ld_show(const struct loader *ld, char *buf, size_t n) {
  const yaml_event_t *ev = &ld->ev;
  if (ev->type == YAML_MAPPING_START_EVENT)
    snprintf(buf, n, "a mapping");
  else if (ev->type == YAML_SEQUENCE_START_EVENT)
    snprintf(buf, n, "a list");
  else if (ev->type == YAML_SCALAR_EVENT)
    show((const char *)ev->data.scalar.value, ev->data.scalar.length,
         ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, buf, n);
  else
    snprintf(buf, n, "something else");
}

static int ld_is_null(const struct loader *ld) {
  const yaml_event_t *ev = &ld->ev;
  return ev->type == YAML_SCALAR_EVENT &&
         ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
         is_yaml_null((const char *)ev->data.scalar.value, ev->data.scalar.length);
}

/* Reads the items of a sequence (the current event is its start) as the
 * values of list key k into w[0 .. *nw).  Returns 0; -1 with why and the
 * place (*line, *col) of the bad item, or of the list when it is too long; or
 * an nn status when the YAML fails. */
static int ld_list(struct loader *ld, const struct key *k, long *w, size_t *nw, char *why,
                   size_t n, int *line, int *col) {
  const int sl = ev_line(&ld->ev), sc = ev_col(&ld->ev);
  char got[SHOW_BUF];
  size_t count = 0;
  int rc;
  *nw = 0;
  for (;;) {
    if ((rc = ld_next(ld))) return rc;
    const yaml_event_t *ev = &ld->ev;
    if (ev->type == YAML_SEQUENCE_END_EVENT) break;
    count++;
    *line = ev_line(ev);
    *col = ev_col(ev);
    if (node_problem(ev, why, n)) return -1;
    long v = 0;
    if (ev->type != YAML_SCALAR_EVENT ||
        !list_value(k, (const char *)ev->data.scalar.value, ev->data.scalar.length,
                    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, &v)) {
      ld_show(ld, got, sizeof got);
      list_value_why(k, count, got, why, n);
      return -1;
    }
    if (count <= LIST_MAX(k) && count <= SPEC_HIDDEN_MAX) w[count - 1] = v;
  }
  if (count > LIST_MAX(k)) {
    *line = sl;
    *col = sc;
    list_long_why(k, count, why, n);
    return -1;
  }
  *nw = count;
  return 0;
}

static int ld_syntax(struct loader *ld);

/* An override's value t (len bytes, starting with '[') as the values of list
 * key k, read as a YAML flow sequence: 0 with them in w[0 .. *nw); -1 with
 * why for a bad item or a long list; 1 when t is no sequence of scalars (the
 * caller says what it expected). */
static int flow_list(const struct key *k, const char *t, size_t len, long *w, size_t *nw,
                     char *why, size_t n) {
  struct loader *ld = calloc(1, sizeof *ld);
  nn_error scratch;  /* YAML errors: t is then no list, whatever the reason */
  int rc = 1, line, col;
  if (!ld) return 1;
  ld->label = "value";
  ld->text = t;
  ld->len = len;
  ld->err = &scratch;
  for (int pass = 0; pass < 2; pass++) {
    if (!yaml_parser_initialize(&ld->parser)) break;
    yaml_parser_set_input_string(&ld->parser, (const unsigned char *)t, len);
    if (pass == 0) {  /* syntax first: a broken sequence is no list at all */
      rc = ld_syntax(ld) ? 1 : 0;
    } else if (ld_next(ld) || ld_next(ld) || ld_next(ld) ||
               ld->ev.type != YAML_SEQUENCE_START_EVENT) {
      rc = 1;  /* stream start, document start, then the node */
    } else if (node_problem(&ld->ev, why, n)) {
      rc = -1;
    } else {
      rc = ld_list(ld, k, w, nw, why, n, &line, &col);
      if (rc > 0) rc = 1;
      /* the document must end there: a second node is a syntax error */
      if (rc == 0 && (ld_next(ld) || ld->ev.type != YAML_DOCUMENT_END_EVENT)) rc = 1;
    }
    if (ld->have_ev) yaml_event_delete(&ld->ev);
    ld->have_ev = 0;
    yaml_parser_delete(&ld->parser);
    if (rc) break;
  }
  free(ld);
  return rc;
}

/* Reads the value of key i (its key event just passed) into the spec. */
static int ld_value(struct loader *ld, size_t i) {
  const char *path = keys[i].path;
  char why[512], what[256], got[SHOW_BUF];
  int rc = ld_next(ld);
  if (rc) return rc;
  if ((rc = ld_check_node(ld, path))) return rc;
  const yaml_event_t *ev = &ld->ev;
  if (keys[i].type == SPEC_INT_LIST && ev->type == YAML_SEQUENCE_START_EVENT) {
    long w[SPEC_HIDDEN_MAX];
    size_t nw = 0;
    int line = ev_line(ev), col = ev_col(ev), bad_line = line, bad_col = col;
    rc = ld_list(ld, &keys[i], w, &nw, why, sizeof why, &bad_line, &bad_col);
    if (rc < 0) return ld_error(ld, bad_line, bad_col, path, "%s", why);
    if (rc) return rc;
    list_store(ld->s, &keys[i], w, nw);
    spec_origin *o = &ld->s->origin[i];
    o->kind = SPEC_FROM_FILE;
    o->line = line;
    o->col = col;
    return NN_OK;
  }
  if (ev->type != YAML_SCALAR_EVENT) {
    expected(&keys[i], 0, what, sizeof what);
    ld_show(ld, got, sizeof got);
    return ld_error(ld, ev_line(ev), ev_col(ev), path, "expected %s, got %s", what, got);
  }
  if (key_set(ld->s, i, (const char *)ev->data.scalar.value, ev->data.scalar.length,
              ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, why, sizeof why))
    return ld_error(ld, ev_line(ev), ev_col(ev), path, "%s", why);
  spec_origin *o = &ld->s->origin[i];
  o->kind = SPEC_FROM_FILE;
  o->line = ev_line(ev);
  o->col = ev_col(ev);
  return NN_OK;
}

/* The current event must be a key: a scalar.  Writes its text (a display form
 * when it cannot be a key) into buf. */
static int ld_key(struct loader *ld, const char *section, char *buf, size_t n) {
  char got[SHOW_BUF];
  int rc = ld_check_node(ld, NULL);
  if (rc) return rc;
  const yaml_event_t *ev = &ld->ev;
  if (ev->type != YAML_SCALAR_EVENT) {
    ld_show(ld, got, sizeof got);
    return ld_error(ld, ev_line(ev), ev_col(ev), section,
                    "expected a key name, got %s", got);
  }
  const char *t = (const char *)ev->data.scalar.value;
  size_t len = ev->data.scalar.length;
  int printable = len > 0 && strlen(t) == len;
  for (size_t i = 0; i < len && printable; i++)
    if ((unsigned char)t[i] < 0x21 || t[i] == 0x7f) printable = 0;
  if (printable)
    snprintf(buf, n, "%s%s%s", section ? section : "", section ? "." : "", t);
  else
    show(t, len, 0, buf, n);
  return NN_OK;
}

/* Checks that key i (or a section, when sec) was not set before, and records
 * the key's place. */
static int ld_once(struct loader *ld, size_t i, int sec, const char *path) {
  int *line = sec ? ld->sec_line : ld->key_line, *col = sec ? ld->sec_col : ld->key_col;
  const yaml_event_t *ev = &ld->ev;
  if (line[i])
    return ld_error(ld, ev_line(ev), ev_col(ev), path,
                    "duplicate key, first set at %d:%d", line[i], col[i]);
  line[i] = ev_line(ev);
  col[i] = ev_col(ev);
  return NN_OK;
}

/* Reads one section's mapping (the current event is its start). */
static int ld_section(struct loader *ld, const char *sec) {
  char path[256], why[256];
  int rc;
  for (;;) {
    if ((rc = ld_next(ld))) return rc;
    if (ld->ev.type == YAML_MAPPING_END_EVENT) return NN_OK;
    if ((rc = ld_key(ld, sec, path, sizeof path))) return rc;
    int i = key_find(path, strlen(path));
    if (i < 0 || strncmp(path, sec, strlen(sec)) != 0) {
      unknown_key(path, 0, why, sizeof why);
      return ld_error(ld, ev_line(&ld->ev), ev_col(&ld->ev), path, "%s", why);
    }
    if ((rc = ld_once(ld, (size_t)i, 0, path))) return rc;
    if ((rc = ld_value(ld, (size_t)i))) return rc;
  }
}

/* Reads the top-level mapping (the current event is its start). */
static int ld_top(struct loader *ld) {
  char path[256], why[256], got[SHOW_BUF];
  int rc;
  for (;;) {
    if ((rc = ld_next(ld))) return rc;
    if (ld->ev.type == YAML_MAPPING_END_EVENT) return NN_OK;
    if ((rc = ld_key(ld, NULL, path, sizeof path))) return rc;
    int line = ev_line(&ld->ev), col = ev_col(&ld->ev);
    int i = key_find(path, strlen(path));
    int sec = section_find(path, strlen(path));
    if (i >= 0 && strchr(path, '.')) {
      return ld_error(ld, line, col, path, "unknown key; nest it as '%s:' under '%.*s:'",
                      last_part(path), (int)(last_part(path) - path - 1), path);
    } else if (i >= 0) {
      if ((rc = ld_once(ld, (size_t)i, 0, path))) return rc;
      if ((rc = ld_value(ld, (size_t)i))) return rc;
    } else if (sec >= 0) {
      if ((rc = ld_once(ld, (size_t)sec, 1, path))) return rc;
      if ((rc = ld_next(ld))) return rc;
      if ((rc = ld_check_node(ld, path))) return rc;
      if (ld->ev.type == YAML_MAPPING_START_EVENT) {
        if ((rc = ld_section(ld, path))) return rc;
      } else if (!ld_is_null(ld)) {
        ld_show(ld, got, sizeof got);
        return ld_error(ld, ev_line(&ld->ev), ev_col(&ld->ev), path,
                        "expected a section with keys indented below it, got %s", got);
      }
    } else {
      unknown_key(path, 1, why, sizeof why);
      return ld_error(ld, line, col, path, "%s", why);
    }
  }
}

/* Reads the whole stream: nothing, or one document holding a mapping (or null). */
static int ld_stream(struct loader *ld) {
  char got[SHOW_BUF];
  int rc;
  if ((rc = ld_next(ld))) return rc;  /* stream start */
  if ((rc = ld_next(ld))) return rc;
  if (ld->ev.type == YAML_STREAM_END_EVENT) return NN_OK;
  if ((rc = ld_next(ld))) return rc;  /* the document's root node */
  if ((rc = ld_check_node(ld, NULL))) return rc;
  if (ld->ev.type == YAML_MAPPING_START_EVENT) {
    if ((rc = ld_top(ld))) return rc;
  } else if (!ld_is_null(ld)) {
    ld_show(ld, got, sizeof got);
    return ld_error(ld, ev_line(&ld->ev), ev_col(&ld->ev), NULL,
                    "expected a mapping of spec keys at the top level, got %s", got);
  }
  if ((rc = ld_next(ld))) return rc;  /* document end */
  if ((rc = ld_next(ld))) return rc;
  if (ld->ev.type != YAML_STREAM_END_EVENT)
    return ld_error(ld, ev_line(&ld->ev), ev_col(&ld->ev), NULL,
                    "expected one YAML document, found a second one");
  return NN_OK;
}

/* Deepest nesting of collections the syntax pass reads through: a spec needs
 * 2; libyaml's scanner slows down quadratically with the depth. */
#define NEST_MAX 32

/* Reads every event, for the syntax errors only. */
static int ld_syntax(struct loader *ld) {
  int rc, depth = 0;
  do {
    if ((rc = ld_next(ld))) return rc;
    if (ld->ev.type == YAML_MAPPING_START_EVENT || ld->ev.type == YAML_SEQUENCE_START_EVENT)
      if (++depth > NEST_MAX)
        return ld_error(ld, ev_line(&ld->ev), ev_col(&ld->ev), NULL,
                        "YAML nested deeper than %d levels (a spec needs 2)", NEST_MAX);
    if (ld->ev.type == YAML_MAPPING_END_EVENT || ld->ev.type == YAML_SEQUENCE_END_EVENT) depth--;
  } while (ld->ev.type != YAML_STREAM_END_EVENT);
  return NN_OK;
}

/* Loads text over the defaults into s (untouched on failure); defname is the
 * default name from the file name, or NULL to keep spec_defaults' one. */
static int load(spec *s, const char *text, size_t len, const char *label,
                const char *defname, nn_error *err) {
  struct loader *ld = calloc(1, sizeof *ld);
  spec *tmp = malloc(sizeof *tmp);
  int rc;
  if (!ld || !tmp) {
    free(ld);
    free(tmp);
    return nn_error_set(err, NN_FAIL, "%s: out of memory", label);
  }
  spec_defaults(tmp);
  snprintf(tmp->file, sizeof tmp->file, "%s", label);
  int badname = defname && !is_plain_name(defname, strlen(defname));
  if (defname && !badname) snprintf(tmp->name, sizeof tmp->name, "%s", defname);
  ld->label = label;
  ld->text = text;
  ld->len = len;
  ld->s = tmp;
  ld->err = err;
  /* Two passes: YAML syntax errors first, wherever they are; then the keys. */
  rc = NN_OK;
  for (int pass = 0; pass < 2 && rc == NN_OK; pass++) {
    if (!yaml_parser_initialize(&ld->parser)) {
      rc = nn_error_set(err, NN_FAIL, "%s: out of memory", label);
      goto done;
    }
    yaml_parser_set_input_string(&ld->parser, (const unsigned char *)text, len);
    rc = pass == 0 ? ld_syntax(ld) : ld_stream(ld);
    if (ld->have_ev) yaml_event_delete(&ld->ev);
    ld->have_ev = 0;
    yaml_parser_delete(&ld->parser);
  }
  if (rc == NN_OK && badname && tmp->origin[0].kind == SPEC_FROM_DEFAULT) {
    char got[SHOW_BUF];
    show(defname, strlen(defname), 0, got, sizeof got);
    rc = nn_error_set(err, NN_BADINPUT,
                      "%s: name: the file's base name %s is not %s; set 'name:' in "
                      "the spec", label, got, name_rule);
  }
  if (rc == NN_OK) *s = *tmp;
done:
  free(ld);
  free(tmp);
  return rc;
}

int spec_load_string(spec *s, const char *yaml, size_t len, const char *label,
                     nn_error *err) {
  return load(s, yaml, len, label, NULL, err);
}

int spec_load_file(spec *s, const char *path, nn_error *err) {
  /* a plain file only: never waits on a FIFO */
  int fd = fs_open_plain(path, O_RDONLY, 0);
  if (fd < 0 && errno == EINVAL)
    return nn_error_set(err, NN_BADINPUT, "%s: not a regular file (a FIFO or device?)", path);
  if (fd < 0)
    return nn_error_set(err, NN_BADINPUT, "%s: cannot %s: %s", path,
                        errno == EISDIR ? "read" : "open", strerror(errno));
  FILE *f = fdopen(fd, "rb");
  char *buf = NULL, defname[SPEC_PATH_MAX];
  size_t len = 0;
  int rc = NN_OK;
  if (!f) {
    close(fd);
    return nn_error_set(err, NN_FAIL, "%s: cannot open: %s", path, strerror(errno));
  }
  buf = malloc((size_t)SPEC_FILE_MAX + 1);
  if (!buf) {
    rc = nn_error_set(err, NN_FAIL, "%s: out of memory", path);
  } else {
    len = fread(buf, 1, (size_t)SPEC_FILE_MAX + 1, f);
    if (ferror(f))
      rc = nn_error_set(err, errno == EISDIR ? NN_BADINPUT : NN_FAIL,
                        "%s: cannot read: %s", path, strerror(errno));
    else if (len > (size_t)SPEC_FILE_MAX)
      rc = nn_error_set(err, NN_BADINPUT, "%s: too large for a spec (over %ld bytes)",
                        path, SPEC_FILE_MAX);
  }
  if (fclose(f) != 0 && rc == NN_OK)
    rc = nn_error_set(err, NN_FAIL, "%s: cannot close: %s", path, strerror(errno));
  if (rc == NN_OK) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t bl = strlen(base);
    if (bl > 5 && strcmp(base + bl - 5, ".yaml") == 0)
      bl -= 5;
    else if (bl > 4 && strcmp(base + bl - 4, ".yml") == 0)
      bl -= 4;
    if (bl >= sizeof defname) bl = sizeof defname - 1;
    memcpy(defname, base, bl);
    defname[bl] = '\0';
    rc = load(s, buf, len, path, defname, err);
  }
  free(buf);
  return rc;
}

/* ------------------------------------------------------------ overrides */

/* arg as messages show it: control characters (and bytes of invalid UTF-8)
 * escaped as \n, \t, \xNN, so a message stays one line of text; cut to fit
 * n bytes. */
static void arg_text(const char *arg, char *buf, size_t n) {
  text_escape(arg, strlen(arg), 1, buf, n);
}

int spec_override(spec *s, const char *raw, nn_error *err) {
  const char *eq = strchr(raw, '=');
  char why[512], path[256], arg[512];
  arg_text(raw, arg, sizeof arg);
  if (!eq)
    return nn_error_set(err, NN_BADINPUT,
                        "command line '%s': expected KEY=VALUE, e.g. train.lr=0.5", arg);
  size_t klen = (size_t)(eq - raw);
  if (klen == 0)
    return nn_error_set(err, NN_BADINPUT,
                        "command line '%s': expected KEY=VALUE with a key before '='",
                        arg);
  show(raw, klen, 1, path, sizeof path);
  int i = key_find(raw, klen);
  if (i < 0) {
    int sec = section_find(raw, klen);
    if (sec >= 0)
      return nn_error_set(err, NN_BADINPUT,
                          "command line '%s': %s: is a section; set one of its keys, "
                          "e.g. %s=VALUE", arg, path, keys[sec].path);
    unknown_key(path, 0, why, sizeof why);
    return nn_error_set(err, NN_BADINPUT, "command line '%s': %s: %s", arg, path, why);
  }
  spec tmp = *s;
  if (key_set(&tmp, (size_t)i, eq + 1, strlen(eq + 1), 1, why, sizeof why))
    return nn_error_set(err, NN_BADINPUT, "command line '%s': %s: %s", arg, path, why);
  *s = tmp;
  spec_origin *o = &s->origin[i];
  o->kind = SPEC_FROM_OVERRIDE;
  o->line = o->col = 0;
  arg_text(raw, o->text, sizeof o->text);
  return NN_OK;
}

/* ------------------------------------------------------------ YAML output */

struct outbuf {
  char *p;
  size_t len, cap;
};

static int out_write(void *data, unsigned char *bytes, size_t size) {
  struct outbuf *o = data;
  if (o->len + size + 1 > o->cap) {
    size_t cap = 2 * (o->len + size + 1);
    char *p = realloc(o->p, cap);
    if (!p) return 0;
    o->p = p;
    o->cap = cap;
  }
  memcpy(o->p + o->len, bytes, size);
  o->len += size;
  o->p[o->len] = '\0';
  return 1;
}

/* Whether a string must be quoted so YAML readers do not take it for a null,
 * bool or number. */
static int needs_quotes(const char *t) {
  static const char *const words[] = {
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True",
    "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", NULL};
  double d;
  if (is_yaml_null(t, strlen(t)) || is_yaml_nonfinite(t) || parse_real(t, strlen(t), &d))
    return 1;
  for (size_t i = 0; words[i]; i++)
    if (strcmp(t, words[i]) == 0) return 1;
  return 0;
}

static int emit_scalar(yaml_emitter_t *em, const char *t, yaml_scalar_style_t style) {
  yaml_event_t ev;
  if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (const yaml_char_t *)t,
                                    (int)strlen(t), 1, 1, style))
    return 0;
  return yaml_emitter_emit(em, &ev);
}

/* A flow sequence "[256, 128]" of n integers. */
static int emit_list(yaml_emitter_t *em, const long *v, size_t n) {
  yaml_event_t ev;
  char t[32];
  if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_FLOW_SEQUENCE_STYLE) ||
      !yaml_emitter_emit(em, &ev))
    return 0;
  for (size_t i = 0; i < n; i++) {
    snprintf(t, sizeof t, "%ld", v[i]);
    if (!emit_scalar(em, t, YAML_PLAIN_SCALAR_STYLE)) return 0;
  }
  if (!yaml_sequence_end_event_initialize(&ev)) return 0;
  return yaml_emitter_emit(em, &ev);
}

static int emit_mapping(yaml_emitter_t *em, int start) {
  yaml_event_t ev;
  if (start ? !yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                                   YAML_BLOCK_MAPPING_STYLE)
            : !yaml_mapping_end_event_initialize(&ev))
    return 0;
  return yaml_emitter_emit(em, &ev);
}

/* Emits the whole spec; 0 on failure. */
static int emit_spec(yaml_emitter_t *em, const spec *s) {
  yaml_event_t ev;
  char sec[64] = "", text[SPEC_PATH_MAX];
  if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
      !yaml_emitter_emit(em, &ev))
    return 0;
  if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
      !yaml_emitter_emit(em, &ev))
    return 0;
  if (!emit_mapping(em, 1)) return 0;
  for (size_t i = 0; i < NKEYS; i++) {
    const char *path = keys[i].path, *last = last_part(path);
    size_t sl = last == path ? 0 : (size_t)(last - path - 1);
    if (!spec_key_used(s, i)) continue;  /* inert: its default, left out */
    if (strlen(sec) != sl || strncmp(sec, path, sl) != 0) {
      if (sec[0] && !emit_mapping(em, 0)) return 0;
      snprintf(sec, sizeof sec, "%.*s", (int)sl, path);
      if (sl && (!emit_scalar(em, sec, YAML_ANY_SCALAR_STYLE) || !emit_mapping(em, 1)))
        return 0;
    }
    if (!emit_scalar(em, last, YAML_ANY_SCALAR_STYLE)) return 0;
    const long *list;
    size_t nlist = keys[i].type == SPEC_INT_LIST ? spec_key_list(s, i, &list) : 1;
    if (nlist != 1) {  /* one layer stays a plain number, as before lists existed */
      if (!emit_list(em, list, nlist)) return 0;
      continue;
    }
    spec_key_text(s, i, text, sizeof text);
    yaml_scalar_style_t style = keys[i].type == SPEC_STRING && needs_quotes(text)
                                    ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                    : YAML_ANY_SCALAR_STYLE;
    if (!emit_scalar(em, text, style)) return 0;
  }
  if (sec[0] && !emit_mapping(em, 0)) return 0;
  if (!emit_mapping(em, 0)) return 0;
  if (!yaml_document_end_event_initialize(&ev, 1) || !yaml_emitter_emit(em, &ev))
    return 0;
  if (!yaml_stream_end_event_initialize(&ev) || !yaml_emitter_emit(em, &ev)) return 0;
  return yaml_emitter_flush(em);
}

char *spec_to_yaml(const spec *s) {
  yaml_emitter_t em;
  struct outbuf out = {NULL, 0, 0};
  if (!yaml_emitter_initialize(&em)) return NULL;
  yaml_emitter_set_output(&em, out_write, &out);
  yaml_emitter_set_unicode(&em, 1);
  yaml_emitter_set_width(&em, -1);
  int ok = emit_spec(&em, s);
  yaml_emitter_delete(&em);
  if (!ok) {
    free(out.p);
    return NULL;
  }
  return out.p;
}

/* ------------------------------------------------------------ accessors */

void spec_where(const spec *s, const char *key, char *buf, size_t n) {
  int i = key_find(key, strlen(key));
  if (n == 0) return;
  if (i < 0) {
    snprintf(buf, n, "%s", s->file);
    return;
  }
  const spec_origin *o = &s->origin[i];
  if (o->kind == SPEC_FROM_FILE)
    snprintf(buf, n, "%s:%d:%d", s->file, o->line, o->col);
  else if (o->kind == SPEC_FROM_OVERRIDE)
    snprintf(buf, n, "command line '%s'", o->text);
  else if (strcmp(s->file, DEFAULT_LABEL) == 0)
    snprintf(buf, n, "%s", DEFAULT_LABEL);
  else
    snprintf(buf, n, "%s (default)", s->file);
}

size_t spec_nkeys(void) { return NKEYS; }

const char *spec_key_path(size_t i) { return key_at(i) ? keys[i].path : NULL; }

enum spec_type spec_key_type(size_t i) { return key_at(i) ? keys[i].type : SPEC_STRING; }

const char *spec_key_help(size_t i) { return key_at(i) ? keys[i].help : NULL; }

void spec_key_text(const spec *s, size_t i, char *buf, size_t n) {
  const struct key *k = key_at(i);
  if (n == 0) return;
  if (!k) {
    buf[0] = '\0';
    return;
  }
  const char *field = (const char *)s + k->off;
  switch (k->type) {
  case SPEC_STRING: snprintf(buf, n, "%s", field); break;
  case SPEC_INT: snprintf(buf, n, "%ld", spec_key_long(s, i)); break;
  case SPEC_BOOL: snprintf(buf, n, "%s", spec_key_long(s, i) ? "true" : "false"); break;
  case SPEC_INT_LIST: {
    const long *v;
    size_t count = spec_key_list(s, i, &v), o = 0;
    buf[0] = '\0';
    if (count == 0) snprintf(buf, n, "[]");
    for (size_t j = 0; j < count; j++)
      o += (size_t)snprintf(buf + o, o < n ? n - o : 0, "%s%ld", j ? "-" : "", v[j]);
    break;
  }
  case SPEC_REAL: real_text(*(const double *)(const void *)field, buf, n); break;
  case SPEC_ENUM: {
    int v = *(const int *)(const void *)field;
    int count = 0;
    while (k->names[count]) count++;
    snprintf(buf, n, "%s", v >= 0 && v < count ? k->names[v] : "?");
    break;
  }
  }
}

long spec_key_long(const spec *s, size_t i) {
  const struct key *k = key_at(i);
  if (!k) return 0;
  const void *field = (const char *)s + k->off;
  switch (k->store) {
  case ST_LONG: return *(const long *)field;
  case ST_ULONG: return (long)*(const unsigned long *)field;
  case ST_INT: return *(const int *)field;
  case ST_DOUBLE: return (long)*(const double *)field;
  case ST_LIST: {
    const long *v;
    return spec_key_list(s, i, &v) == 1 ? v[0] : 0;
  }
  case ST_STRING: break;
  }
  return 0;
}

size_t spec_key_list(const spec *s, size_t i, const long **values) {
  const struct key *k = key_at(i);
  if (!k || k->store != ST_LIST) {
    *values = NULL;
    return 0;
  }
  *values = (const long *)(const void *)((const char *)s + k->off);
  size_t count = *(const size_t *)(const void *)((const char *)s + k->count_off);
  return count < LIST_MAX(k) ? count : LIST_MAX(k);
}

int spec_key_used(const spec *s, size_t i) {
  const struct key *k = key_at(i);
  if (!k || !k->when) return k != NULL;
  int w = key_find(k->when, strlen(k->when));
  return w >= 0 && spec_key_long(s, (size_t)w) == k->when_is;
}

int spec_check_key(const spec *s, size_t *key, char *why, size_t n) {
  for (size_t i = 0; i < NKEYS; i++) {
    const struct key *k = &keys[i];
    if (!k->when || s->origin[i].kind == SPEC_FROM_DEFAULT || spec_key_used(s, i)) continue;
    int w = key_find(k->when, strlen(k->when));
    char now[64];
    spec_key_text(s, (size_t)w, now, sizeof now);
    snprintf(why, n, "only used when %s is %s, but %s is %s", k->when,
             keys[w].names[k->when_is], k->when, now);
    *key = i;
    return -1;
  }
  return 0;
}

int spec_check(const spec *s, nn_error *err) {
  size_t i;
  char why[256], where[SPEC_PATH_MAX + 64], because[SPEC_PATH_MAX + 64];
  if (spec_check_key(s, &i, why, sizeof why) == 0) return NN_OK;
  int w = key_find(keys[i].when, strlen(keys[i].when));
  spec_where(s, keys[i].path, where, sizeof where);
  if (s->origin[w].kind == SPEC_FROM_DEFAULT)
    snprintf(because, sizeof because, "the default");
  else
    spec_where(s, keys[w].path, because, sizeof because);
  return nn_error_set(err, NN_BADINPUT, "%s: %s: %s (%s)", where, keys[i].path, why, because);
}

double spec_key_double(const spec *s, size_t i) {
  const struct key *k = key_at(i);
  if (!k) return 0;
  if (k->store == ST_DOUBLE) return *(const double *)(const void *)((const char *)s + k->off);
  return (double)spec_key_long(s, i);
}

/* The range column of --help. */
static void range_text(const struct key *k, char *buf, size_t n) {
  size_t o = 0;
  switch (k->type) {
  case SPEC_INT: snprintf(buf, n, "%lld..%lld", k->min, k->max); break;
  case SPEC_REAL:
    o = (size_t)snprintf(buf, n, "%s %.17g", k->lo_open ? ">" : ">=", k->lo);
    if (k->has_hi)
      snprintf(buf + o, o < n ? n - o : 0, ", %s %.17g", k->hi_open ? "<" : "<=", k->hi);
    break;
  case SPEC_INT_LIST:
    snprintf(buf, n, "0..%zu of %lld..%lld", LIST_MAX(k), k->min, k->max);
    break;
  case SPEC_BOOL: snprintf(buf, n, "true|false"); break;
  case SPEC_STRING:
    snprintf(buf, n, "%s", k->check == CK_NAME ? "plain file name" : "non-empty path");
    break;
  case SPEC_ENUM:
    buf[0] = '\0';
    for (int i = 0; i < k->nok; i++)
      o += (size_t)snprintf(buf + o, o < n ? n - o : 0, "%s%s", i ? "|" : "",
                            k->names[i]);
    break;
  }
}

static const char *type_name(enum spec_type t) {
  switch (t) {
  case SPEC_INT: return "int";
  case SPEC_REAL: return "real";
  case SPEC_STRING: return "string";
  case SPEC_ENUM: return "choice";
  case SPEC_INT_LIST: return "int list";
  case SPEC_BOOL: return "bool";
  }
  return "?";
}

void spec_print_keys(FILE *f) {
  char range[128];
  int wk = 3, wt = 4, wd = 7, wr = 5;
  for (size_t i = 0; i < NKEYS; i++) {
    const struct key *k = &keys[i];
    const char *def = k->def_shown ? k->def_shown : k->def;
    range_text(k, range, sizeof range);
    if ((int)strlen(k->path) > wk) wk = (int)strlen(k->path);
    if ((int)strlen(type_name(k->type)) > wt) wt = (int)strlen(type_name(k->type));
    if ((int)strlen(def) > wd) wd = (int)strlen(def);
    if ((int)strlen(range) > wr) wr = (int)strlen(range);
  }
  fprintf(f, "  %-*s  %-*s  %-*s  %-*s  %s\n", wk, "KEY", wt, "TYPE", wd, "DEFAULT", wr,
          "RANGE", "MEANING");
  for (size_t i = 0; i < NKEYS; i++) {
    const struct key *k = &keys[i];
    range_text(k, range, sizeof range);
    fprintf(f, "  %-*s  %-*s  %-*s  %-*s  %s\n", wk, k->path, wt, type_name(k->type),
            wd, k->def_shown ? k->def_shown : k->def, wr, range, k->help);
  }
}

const char *spec_format_name(int format) {
  return format >= 0 && format < 2 ? format_names[format] : "?";
}

const char *spec_normalize_name(int normalize) {
  return normalize >= 0 && normalize < 3 ? normalize_names[normalize] : "?";
}

/* ------------------------------------------------------------ suggestions */

int spec_suggest(const char *word, const char *const *candidates, size_t n, char *buf,
                 size_t size) {
  const char *best = NULL;
  int bestd = 1000;
  for (size_t i = 0; i < n; i++) {
    int d = distance(word, candidates[i]);
    if (d >= 0 && d < bestd) best = candidates[i], bestd = d;
  }
  if (size) snprintf(buf, size, "%s", best ? best : "");
  return best != NULL;
}
