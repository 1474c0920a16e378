/* sweep.c: sweep files -- reading and checking them against the spec's keys,
 * and expanding grid, zip and random into points, all errors at once.
 * Not here: running the points (nnsweep.c), the spec keys and their checks (spec.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>
#include <yaml.h>

#include "fsutil.h"
#include "sweep.h"
#include "text.h"

#define ERRORS_MAX 100  /* error lines listed; the rest are counted */
#define NEST_MAX 32     /* deepest YAML nesting read (a sweep needs 6) */
#define SHOW_MAX 40     /* characters of a value quoted in messages */
#define SEED_MAX 4294967295LL

static const char *const top_keys[] = {"name", "spec", "set", "grid", "zip", "random",
                                       "output"};
static const char *const random_keys[] = {"n", "seed", "keys"};
static const char *const output_keys[] = {"dir"};
static const char *const list_gens[] = {"range", "logspace"};
static const char *const random_gens[] = {"uniform", "loguniform", "randint", "choice"};
enum gen { GEN_RANGE, GEN_LOGSPACE, GEN_UNIFORM, GEN_LOGUNIFORM, GEN_RANDINT, GEN_CHOICE };
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* One dimension of the cross product: a grid key, the zip rows or the random
 * draws; entry r is vals[r * width .. (r + 1) * width), indices into the
 * sweep's values (-1: a value that did not check). */
struct dim {
  const char *label;  /* the grid key, "zip" or "random" */
  int line, col;      /* where the file gives it */
  size_t count, width;
  long *vals;         /* (count, width) */
};

struct ctx {
  sweep *sw;
  yaml_document_t doc;
  int have_doc;
  size_t capvalues;
  struct errline {                     /* (nerrs) the messages so far */
    int line, col;
    size_t seq;
    char *text;
  } *errs;
  size_t nerrs, dropped;
  nn_error *err;                       /* the first error */
  int failed;                          /* NN_FAIL: out of memory */
  const char *where[SPEC_NKEYS];       /* the section giving each spec key ... */
  int where_line[SPEC_NKEYS], where_col[SPEC_NKEYS];  /* ... and where */
  struct dim dims[SPEC_NKEYS + 2];
  size_t ndims;
  int spec_line, spec_col;             /* the spec: value, for the base spec's problems */
};

/* ------------------------------------------------------------ errors */

static void oom(struct ctx *c) {
  if (!c->failed) nn_error_set(c->err, NN_FAIL, "%s: out of memory", c->sw->file);
  c->failed = 1;
}

static void add_error(struct ctx *c, int line, int col, const char *key, const char *fmt,
                      ...) __attribute__((format(printf, 5, 6)));

/* Records "FILE:LINE:COL: KEY: MSG" (no KEY part when key is NULL) once. */
static void add_error(struct ctx *c, int line, int col, const char *key, const char *fmt,
                      ...) {
  char msg[NN_ERROR_MAX], line_text[2 * NN_ERROR_MAX + 64];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(line_text, sizeof line_text, "%s:%d:%d: %s%s%s", c->sw->file, line, col,
           key ? key : "", key ? ": " : "", msg);
  for (size_t i = 0; i < c->nerrs; i++)
    if (strcmp(c->errs[i].text, line_text) == 0) return;
  if (c->nerrs == ERRORS_MAX) {
    c->dropped++;
    return;
  }
  if (!c->errs && !(c->errs = malloc(ERRORS_MAX * sizeof *c->errs))) return oom(c);
  struct errline *e = &c->errs[c->nerrs];
  if (!(e->text = strdup(line_text))) return oom(c);
  e->line = line, e->col = col, e->seq = c->nerrs++;
}

static int errors_so_far(const struct ctx *c) { return c->nerrs > 0 || c->failed; }

static int by_place(const void *a, const void *b) {
  const struct errline *x = a, *y = b;
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  if (x->col != y->col) return x->col < y->col ? -1 : 1;
  return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sorts the errors by their place in the file; the first goes to err. */
static void errors_sort(struct ctx *c) {
  if (c->nerrs == 0) return;
  qsort(c->errs, c->nerrs, sizeof *c->errs, by_place);
  if (!c->failed) nn_error_set(c->err, NN_BADINPUT, "%s", c->errs[0].text);
}

/* Appends s and a newline at o, escaped (a file name may hold a newline):
 * one error, one line.  o has room for 4 * strlen(s) + 2 bytes. */
static char *put_line(char *o, const char *s) {
  const size_t len = strlen(s);
  text_escape(s, len, 1, o, 4 * len + 1);
  o += strlen(o);
  *o++ = '\n';
  *o = '\0';
  return o;
}

/* The errors as one text, a line each. */
static char *errors_text(const struct ctx *c) {
  size_t len = 64 + 4 * strlen(c->sw->file);
  for (size_t i = 0; i < c->nerrs; i++) len += 4 * strlen(c->errs[i].text) + 2;
  char *t = malloc(len), *o = t;
  if (!t) return NULL;
  *o = '\0';
  for (size_t i = 0; i < c->nerrs; i++) o = put_line(o, c->errs[i].text);
  if (c->dropped) {
    char more[SPEC_PATH_MAX + 64];
    snprintf(more, sizeof more, "%s: %zu more errors", c->sw->file, c->dropped);
    put_line(o, more);
  }
  return t;
}

/* ------------------------------------------------------------ YAML */

static yaml_node_t *node(struct ctx *c, int id) { return yaml_document_get_node(&c->doc, id); }
static int nline(const yaml_node_t *n) { return (int)n->start_mark.line + 1; }
static int ncol(const yaml_node_t *n) { return (int)n->start_mark.column + 1; }

static int is_scalar(const yaml_node_t *n) { return n->type == YAML_SCALAR_NODE; }
static const char *stext(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }
static size_t slen(const yaml_node_t *n) { return n->data.scalar.length; }
static int is_plain(const yaml_node_t *n) {
  return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static int is_null(const yaml_node_t *n) {
  static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
  if (!is_scalar(n) || !is_plain(n)) return 0;
  for (size_t i = 0; i < COUNT(nulls); i++)
    if (strcmp(stext(n), nulls[i]) == 0) return 1;
  return 0;
}

static size_t seq_len(const yaml_node_t *n) {
  return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}
static size_t map_len(const yaml_node_t *n) {
  return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

/* What node n is, for "got ...": a list, a mapping, an empty value, or its
 * text (in quotes with \xNN escapes when not plain, cut after SHOW_MAX). */
static void describe(const yaml_node_t *n, char *buf, size_t size) {
  if (n->type == YAML_SEQUENCE_NODE) {
    snprintf(buf, size, seq_len(n) ? "a list" : "an empty list");
    return;
  }
  if (n->type == YAML_MAPPING_NODE) {
    snprintf(buf, size, map_len(n) ? "a mapping" : "an empty mapping");
    return;
  }
  const unsigned char *t = n->data.scalar.value;
  size_t len = slen(n), o = 0;
  int quote = !is_plain(n);
  if (!quote && len == 0) {
    snprintf(buf, size, "an empty value");
    return;
  }
  for (size_t i = 0; i < len; i++) quote |= t[i] < 0x20 || t[i] == 0x7f;
  char out[4 * SHOW_MAX + 16];
  if (quote) out[o++] = '"';
  for (size_t i = 0; i < len && i < SHOW_MAX; i++) {
    if (t[i] < 0x20 || t[i] == 0x7f || t[i] == '"' || t[i] == '\\')
      o += (size_t)sprintf(out + o, t[i] == '"' || t[i] == '\\' ? "\\%c" : "\\x%02x", t[i]);
    else
      out[o++] = (char)t[i];
  }
  if (len > SHOW_MAX) o += (size_t)sprintf(out + o, "...");
  if (quote) out[o++] = '"';
  out[o] = '\0';
  snprintf(buf, size, "%s", out);
}

/* Reports the parser's failure with 1-based places. */
static void parse_failure(struct ctx *c, const yaml_parser_t *p, const char *text, size_t len) {
  const char *what = p->problem ? p->problem : "unknown problem";
  const yaml_mark_t *m = &p->problem_mark;
  int line = (int)m->line + 1, col = (int)m->column + 1;
  if (p->error == YAML_MEMORY_ERROR) return oom(c);
  if (p->error == YAML_READER_ERROR) { /* only a byte offset: count lines and characters */
    line = col = 1;
    for (size_t i = 0; i < p->problem_offset && i < len; i++) {
      if (text[i] == '\n')
        line++, col = 1;
      else if (((unsigned char)text[i] & 0xc0) != 0x80)
        col++;
    }
    if (p->problem_value >= 0)
      return add_error(c, line, col, NULL, "YAML error: %s (byte 0x%02x)", what,
                       (unsigned)p->problem_value);
    return add_error(c, line, col, NULL, "YAML error: %s", what);
  }
  if (!p->context) return add_error(c, line, col, NULL, "YAML syntax error: %s", what);
  add_error(c, line, col, NULL, "YAML syntax error: %s (%s at %d:%d)", what, p->context,
            (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
}

/* Pass 1 over the events: syntax, one document, no anchors, aliases or tags,
 * not too deep.  Returns 0 when the text can be loaded as a document. */
static int check_events(struct ctx *c, const char *text, size_t len) {
  yaml_parser_t p;
  yaml_event_t ev;
  int depth = 0, docs = 0, bad = 0;
  if (!yaml_parser_initialize(&p)) return oom(c), -1;
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  while (!bad) {
    if (!yaml_parser_parse(&p, &ev)) {
      parse_failure(c, &p, text, len);
      bad = 1;
      break;
    }
    int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
    const yaml_char_t *anchor = NULL, *tag = NULL;
    if (ev.type == YAML_SCALAR_EVENT)
      anchor = ev.data.scalar.anchor, tag = ev.data.scalar.tag;
    else if (ev.type == YAML_SEQUENCE_START_EVENT)
      anchor = ev.data.sequence_start.anchor, tag = ev.data.sequence_start.tag, depth++;
    else if (ev.type == YAML_MAPPING_START_EVENT)
      anchor = ev.data.mapping_start.anchor, tag = ev.data.mapping_start.tag, depth++;
    else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)
      depth--;
    if (ev.type == YAML_ALIAS_EVENT || anchor) {
      add_error(c, line, col, NULL, "anchors and aliases are not supported in sweep files");
      bad = 1;
    } else if (tag) {
      static const char std[] = "tag:yaml.org,2002:";
      const char *t = (const char *)tag;
      int isstd = strncmp(t, std, strlen(std)) == 0;
      add_error(c, line, col, NULL, "tags are not supported in sweep files, got %s%s",
                isstd ? "!!" : "", isstd ? t + strlen(std) : t);
      bad = 1;
    } else if (depth > NEST_MAX) {
      add_error(c, line, col, NULL, "YAML nested deeper than %d levels (a sweep needs 6)",
                NEST_MAX);
      bad = 1;
    } else if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs == 2) {
      add_error(c, line, col, NULL, "expected one YAML document, found a second one");
      bad = 1;
    }
    int end = ev.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&ev);
    if (end) break;
  }
  yaml_parser_delete(&p);
  return bad ? -1 : 0;
}

/* Pass 2: the document. */
static int load_document(struct ctx *c, const char *text, size_t len) {
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) return oom(c), -1;
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  int ok = yaml_parser_load(&p, &c->doc);
  if (!ok) parse_failure(c, &p, text, len);
  yaml_parser_delete(&p);
  c->have_doc = ok;
  return ok ? 0 : -1;
}

/* Reads a regular file of at most SWEEP_FILE_MAX bytes; never waits on a
 * FIFO or a device. */
static int read_file(const char *path, char **text, size_t *len, nn_error *err) {
  int fd = fs_open_plain(path, O_RDONLY | O_NOCTTY, 0), rc = NN_OK;
  *text = NULL;
  *len = 0;
  if (fd < 0 && (errno == EISDIR || errno == EINVAL))
    return nn_error_set(err, NN_BADINPUT, "%s: not a regular file", path);
  if (fd < 0)
    return nn_error_set(err, NN_BADINPUT, "%s: cannot open: %s", path, strerror(errno));
  if (!(*text = malloc((size_t)SWEEP_FILE_MAX + 1)))
    rc = nn_error_set(err, NN_FAIL, "%s: out of memory", path);
  while (rc == NN_OK && *len <= (size_t)SWEEP_FILE_MAX) {
    ssize_t k = read(fd, *text + *len, (size_t)SWEEP_FILE_MAX + 1 - *len);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) rc = nn_error_set(err, NN_FAIL, "%s: cannot read: %s", path, strerror(errno));
    if (k <= 0) break;
    *len += (size_t)k;
  }
  if (rc == NN_OK && *len > (size_t)SWEEP_FILE_MAX)
    rc = nn_error_set(err, NN_BADINPUT, "%s: too large for a sweep file (over %ld bytes)",
                      path, SWEEP_FILE_MAX);
  close(fd);
  if (rc != NN_OK) {
    free(*text);
    *text = NULL;
  }
  return rc;
}

/* ------------------------------------------------------------ keys */

/* The key of a mapping pair, or NULL (reported): a printable scalar, not
 * given before in the same mapping.  ctx names the mapping for messages. */
static const char *pair_key(struct ctx *c, const yaml_node_t *map, const yaml_node_pair_t *p,
                            const char *ctxname) {
  yaml_node_t *k = node(c, p->key);
  char got[4 * SHOW_MAX + 16];
  int printable = is_scalar(k) && slen(k) > 0 && strlen(stext(k)) == slen(k);
  for (size_t i = 0; printable && i < slen(k); i++)
    printable = (unsigned char)stext(k)[i] > 0x20 && stext(k)[i] != 0x7f;
  if (!printable) {
    describe(k, got, sizeof got);
    add_error(c, nline(k), ncol(k), ctxname, "expected a key name, got %s", got);
    return NULL;
  }
  for (const yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
    yaml_node_t *e = node(c, q->key);
    if (is_scalar(e) && strcmp(stext(e), stext(k)) == 0) {
      add_error(c, nline(k), ncol(k), stext(k), "duplicate key, first set at %d:%d",
                nline(e), ncol(e));
      return NULL;
    }
  }
  return stext(k);
}

/* Reports key k (node kn) of a section that takes only names[0..n). */
static void unknown_key(struct ctx *c, const yaml_node_t *kn, const char *shown,
                        const char *k, const char *const *names, size_t n) {
  char best[64], list[256] = "";
  if (spec_suggest(k, names, n, best, sizeof best))
    return add_error(c, nline(kn), ncol(kn), shown, "unknown key; did you mean '%s'?", best);
  for (size_t i = 0, o = 0; i < n; i++)
    o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i == 0 ? "" : i + 1 < n ? ", "
                                                                                 : " or ",
                          names[i]);
  add_error(c, nline(kn), ncol(kn), shown, "unknown key; expected %s", list);
}

static int find_name(const char *k, const char *const *names, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(k, names[i]) == 0) return (int)i;
  return -1;
}

static int spec_key_index(const char *k) {
  for (size_t i = 0; i < spec_nkeys(); i++)
    if (strcmp(spec_key_path(i), k) == 0) return (int)i;
  return -1;
}

/* spec_override's reason, without its "command line 'ARG': KEY: " prefix. */
static const char *override_why(const char *msg, const char *arg, const char *key) {
  static const char head[] = "command line '";
  size_t o = 0, hl = strlen(head), kl = strlen(key);
  for (const unsigned char *p = (const unsigned char *)arg; *p; p++) {
    size_t k = *p == '\n' || *p == '\t' ? 2 : *p < 0x20 || *p == 0x7f ? 4 : 1;
    if (o + k >= 512) break; /* spec_override shows the argument escaped, cut to 511 bytes */
    o += k;
  }
  const char *t = msg + hl + o;
  if (strncmp(msg, head, hl) == 0 && strlen(msg) > hl + o + 3 + kl + 2 &&
      strncmp(t, "': ", 3) == 0 && strncmp(t + 3, key, kl) == 0 &&
      strncmp(t + 3 + kl, ": ", 2) == 0)
    return t + 3 + kl + 2;
  return msg;
}

/* Applies "key=text" to s; on failure writes the spec's reason into why. */
static int apply(spec *s, const char *key, const char *text, size_t len, char *why, size_t n) {
  size_t kl = strlen(key);
  char *arg = malloc(kl + len + 2);
  nn_error e;
  int rc;
  if (!arg) return snprintf(why, n, "out of memory"), NN_FAIL;
  memcpy(arg, key, kl);
  arg[kl] = '=';
  memcpy(arg + kl + 1, text, len);
  arg[kl + 1 + len] = '\0';
  nn_error_clear(&e);
  rc = spec_override(s, arg, &e);
  if (rc) snprintf(why, n, "%s", override_why(e.msg, arg, key));
  free(arg);
  return rc;
}

/* The index of the spec key named k (node kn) given in section sec, or -1
 * (reported): known, allowed there, and in no other section. */
static int spec_key(struct ctx *c, const yaml_node_t *kn, const char *k, const char *sec) {
  int i = spec_key_index(k);
  size_t kl = strlen(k);
  if (i < 0) {
    for (size_t j = 0; j < spec_nkeys(); j++)
      if (strncmp(spec_key_path(j), k, kl) == 0 && spec_key_path(j)[kl] == '.') {
        add_error(c, nline(kn), ncol(kn), k,
                  "is a section; give one of its keys dotted, e.g. %s", spec_key_path(j));
        return -1;
      }
    spec tmp;
    char why[NN_ERROR_MAX];
    spec_defaults(&tmp);
    apply(&tmp, k, "0", 1, why, sizeof why);
    add_error(c, nline(kn), ncol(kn), k, "%s", why);
    return -1;
  }
  if (strcmp(k, "name") == 0) {
    add_error(c, nline(kn), ncol(kn), k,
              "cannot be set by a sweep; points are named by their values (the sweep's"
              " own name: is a top-level key)");
    return -1;
  }
  if (strcmp(k, "output.dir") == 0) {
    add_error(c, nline(kn), ncol(kn), k,
              "cannot be set by a sweep; the sweep's output: dir: holds its points");
    return -1;
  }
  if (run_key_ignored(k) && strcmp(sec, "set") != 0) {
    add_error(c, nline(kn), ncol(kn), k, "cannot change a result, so it is not swept;"
              " give it under set:");
    return -1;
  }
  if (c->where[i]) {
    add_error(c, nline(kn), ncol(kn), k,
              "also given in %s at %d:%d; a key takes its values from one of set, grid,"
              " zip or random", c->where[i], c->where_line[i], c->where_col[i]);
    return -1;
  }
  c->where[i] = sec;
  c->where_line[i] = nline(kn);
  c->where_col[i] = ncol(kn);
  return i;
}

/* ------------------------------------------------------------ values */

/* Checks text (len bytes) as the value of spec key i on the base spec and
 * adds it to the values; returns its index, or -1 (reported).  keep: the
 * base spec keeps it (set). */
static long add_value(struct ctx *c, size_t i, const char *text, size_t len, int line, int col,
                      int keep) {
  sweep *sw = c->sw;
  const char *key = spec_key_path(i);
  char why[NN_ERROR_MAX], canon[SPEC_PATH_MAX];
  spec tmp = sw->base;
  if (strlen(text) != len) {
    add_error(c, line, col, key, "expected a value without NUL bytes");
    return -1;
  }
  int rc = apply(&tmp, key, text, len, why, sizeof why);
  if (rc == NN_FAIL) return oom(c), -1;
  if (rc) {
    add_error(c, line, col, NULL, "%s: %s", key, why);
    return -1;
  }
  if (keep) sw->base = tmp;
  spec_key_text(&tmp, i, canon, sizeof canon);
  if (sw->nvalues == c->capvalues) {
    size_t cap = c->capvalues ? 2 * c->capvalues : 64;
    sweep_value *v = realloc(sw->values, cap * sizeof *v);
    if (!v) return oom(c), -1;
    sw->values = v;
    c->capvalues = cap;
  }
  sweep_value *v = &sw->values[sw->nvalues];
  if (!(v->text = strdup(canon))) return oom(c), -1;
  v->key = key;
  v->line = line;
  v->col = col;
  return (long)sw->nvalues++;
}

/* Appends node n to the growing text *t (length *len) as YAML flow text:
 * plain scalars of A-Za-z0-9._+~- as they are, other scalars double-quoted,
 * lists in brackets, mappings in braces; so that the spec reads the same
 * value (or names the same problem) as the file's.  0, or -1 out of memory. */
static int flow_text(struct ctx *c, yaml_node_t *n, char **t, size_t *len) {
  size_t need = *len + 8 + (is_scalar(n) ? 4 * slen(n) : 0);
  char *p = realloc(*t, need);
  if (!p) return -1;
  *t = p;
  if (is_scalar(n)) {
    const unsigned char *v = n->data.scalar.value;
    int bare = is_plain(n) && slen(n) > 0;
    for (size_t i = 0; i < slen(n) && bare; i++)
      bare = (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z') ||
             (v[i] >= '0' && v[i] <= '9') || (v[i] && strchr("._+~-", v[i]) != NULL);
    if (!bare) p[(*len)++] = '"';
    for (size_t i = 0; i < slen(n); i++) {
      if (v[i] == '"' || v[i] == '\\') p[(*len)++] = '\\';
      if (v[i] < 0x20 || v[i] == 0x7f)
        *len += (size_t)sprintf(p + *len, "\\x%02x", v[i]);
      else
        p[(*len)++] = (char)v[i];
    }
    if (!bare) p[(*len)++] = '"';
    p[*len] = '\0';
    return 0;
  }
  const int seq = n->type == YAML_SEQUENCE_NODE;
  p[(*len)++] = seq ? '[' : '{';
  if (seq) {
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
      if (it > n->data.sequence.items.start) (*t)[(*len)++] = ',', (*t)[(*len)++] = ' ';
      if (flow_text(c, node(c, *it), t, len)) return -1;
      if (!(p = realloc(*t, *len + 8))) return -1;
      *t = p;
    }
  } else {
    for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < n->data.mapping.pairs.top;
         q++) {
      if (q > n->data.mapping.pairs.start) (*t)[(*len)++] = ',', (*t)[(*len)++] = ' ';
      if (flow_text(c, node(c, q->key), t, len)) return -1;
      if (!(p = realloc(*t, *len + 8))) return -1;
      *t = p;
      (*t)[(*len)++] = ':', (*t)[(*len)++] = ' ';
      if (flow_text(c, node(c, q->value), t, len)) return -1;
      if (!(p = realloc(*t, *len + 8))) return -1;
      *t = p;
    }
  }
  (*t)[(*len)++] = seq ? ']' : '}';
  (*t)[*len] = '\0';
  return 0;
}

/* Whether node v can be one value of spec key i: a scalar, or a list for a
 * list key (model.hidden: [256, 128]). */
static int one_value(size_t i, const yaml_node_t *v) {
  return is_scalar(v) || (v->type == YAML_SEQUENCE_NODE && spec_key_type(i) == SPEC_INT_LIST);
}

/* Adds node v (one_value) as a value of key i, like add_value.  A list goes
 * to the spec as flow text; so does a quoted scalar of a list key that would
 * read as one ("[1]" is text there, as in a spec file). */
static long add_node(struct ctx *c, size_t i, yaml_node_t *v, int keep) {
  if (is_scalar(v) && !(spec_key_type(i) == SPEC_INT_LIST && !is_plain(v) && slen(v) > 0 &&
                        stext(v)[0] == '['))
    return add_value(c, i, stext(v), slen(v), nline(v), ncol(v), keep);
  char *t = NULL;
  size_t len = 0;
  if (flow_text(c, v, &t, &len)) {
    free(t);
    return oom(c), -1;
  }
  long k = add_value(c, i, t, len, nline(v), ncol(v), keep);
  free(t);
  return k;
}

/* Adds a number (an integer when isint) as the value of key i. */
static long add_number(struct ctx *c, size_t i, double x, long long n, int isint,
                       const yaml_node_t *at) {
  char t[64];
  if (isint)
    snprintf(t, sizeof t, "%lld", n);
  else
    text_number(x, t, sizeof t);
  return add_value(c, i, t, strlen(t), nline(at), ncol(at), 0);
}

static int parse_ll(const yaml_node_t *n, long long *out) {
  char *end;
  if (!is_scalar(n) || !is_plain(n) || slen(n) == 0) return 0;
  errno = 0;
  *out = strtoll(stext(n), &end, 10);
  return errno == 0 && *end == '\0' && stext(n)[0] != ' ';
}

static int parse_finite(const yaml_node_t *n, double *out) {
  char *end;
  if (!is_scalar(n) || !is_plain(n) || slen(n) == 0) return 0;
  *out = strtod(stext(n), &end);
  return *end == '\0' && isfinite(*out) && stext(n)[0] != ' ';
}

/* The arguments of generator node g (a list of 2 or 3 scalars); NULL with
 * the list's length in *n when it is not a list. */
static yaml_node_t *gen_args(struct ctx *c, yaml_node_t *args, size_t *n, size_t want_lo,
                             size_t want_hi, yaml_node_t **item) {
  *n = args->type == YAML_SEQUENCE_NODE ? seq_len(args) : 0;
  if (args->type != YAML_SEQUENCE_NODE || *n < want_lo || *n > want_hi) return NULL;
  for (size_t j = 0; j < *n; j++) item[j] = node(c, args->data.sequence.items.start[j]);
  return args;
}

/* Appends index v to the list *out of *n. */
static int push(struct ctx *c, long **out, size_t *n, long v) {
  if ((*n & (*n - 1)) == 0) { /* grow at powers of two */
    long *p = realloc(*out, (*n ? 2 * *n : 1) * sizeof *p);
    if (!p) return oom(c), -1;
    *out = p;
  }
  (*out)[(*n)++] = v;
  return 0;
}

/* {range: [start, stop(, step)]}: integers, half-open like Python's range. */
static int gen_range(struct ctx *c, size_t i, const char *key, yaml_node_t *g,
                     yaml_node_t *args, long **out, size_t *n) {
  yaml_node_t *it[3];
  size_t na;
  long long a[3] = {0, 0, 1};
  char got[4 * SHOW_MAX + 16];
  int ok = gen_args(c, args, &na, 2, 3, it) != NULL;
  for (size_t j = 0; ok && j < na; j++)
    if (!parse_ll(it[j], &a[j])) {
      describe(it[j], got, sizeof got);
      add_error(c, nline(it[j]), ncol(it[j]), key,
                "range: expected [start, stop] or [start, stop, step] of integers, got %s", got);
      return -1;
    }
  if (!ok) {
    describe(args, got, sizeof got);
    add_error(c, nline(args), ncol(args), key,
              "range: expected [start, stop] or [start, stop, step] of integers, got %s%s",
              got, args->type == YAML_SEQUENCE_NODE && seq_len(args) ? " of that length" : "");
    return -1;
  }
  if (a[2] == 0) {
    add_error(c, nline(it[2]), ncol(it[2]), key, "range: expected a step other than 0, got 0");
    return -1;
  }
  unsigned long long count = 0, start = (unsigned long long)a[0], stop = (unsigned long long)a[1];
  if (a[2] > 0 && a[0] < a[1]) count = (stop - start - 1) / (unsigned long long)a[2] + 1;
  if (a[2] < 0 && a[0] > a[1]) count = (start - stop - 1) / (0ULL - (unsigned long long)a[2]) + 1;
  if (count == 0) {
    add_error(c, nline(args), ncol(args), key, "range: expected start %s stop, got [%lld, %lld]"
              " with step %lld, which gives no values", a[2] > 0 ? "<" : ">", a[0], a[1], a[2]);
    return -1;
  }
  if (count > SWEEP_POINTS_MAX) {
    add_error(c, nline(args), ncol(args), key, "range: expected at most %d values, got %llu",
              SWEEP_POINTS_MAX, count);
    return -1;
  }
  for (unsigned long long k = 0; k < count; k++)
    if (push(c, out, n, add_number(c, i, 0, (long long)(start + k * (unsigned long long)a[2]),
                                   1, g)))
      return -1;
  return 0;
}

/* 10^e, exact for whole exponents (as the decimal text reads). */
static double pow10_of(double e) {
  char t[32];
  if (e == floor(e) && fabs(e) < 400) {
    snprintf(t, sizeof t, "1e%d", (int)e);
    return strtod(t, NULL);
  }
  return pow(10, e);
}

/* {logspace: [a, b, n]}: n values from 10^a to 10^b, evenly spaced exponents. */
static int gen_logspace(struct ctx *c, size_t i, const char *key, yaml_node_t *g,
                        yaml_node_t *args, long **out, size_t *n) {
  yaml_node_t *it[3];
  size_t na;
  double a, b;
  long long m;
  char got[4 * SHOW_MAX + 16];
  static const char want[] = "logspace: expected [a, b, n]: finite exponents a and b and"
                             " an integer n from 1 to 100000";
  if (!gen_args(c, args, &na, 3, 3, it)) {
    describe(args, got, sizeof got);
    add_error(c, nline(args), ncol(args), key, "%s, got %s%s", want, got,
              args->type == YAML_SEQUENCE_NODE && seq_len(args) ? " of that length" : "");
    return -1;
  }
  yaml_node_t *bad = !parse_finite(it[0], &a) ? it[0] : !parse_finite(it[1], &b) ? it[1]
                     : !parse_ll(it[2], &m) || m < 1 || m > SWEEP_POINTS_MAX ? it[2] : NULL;
  if (bad) {
    describe(bad, got, sizeof got);
    add_error(c, nline(bad), ncol(bad), key, "%s, got %s", want, got);
    return -1;
  }
  for (long long k = 0; k < m; k++) {
    double e = k == 0 ? a : k == m - 1 ? b : a + (b - a) * (double)k / (double)(m - 1);
    if (push(c, out, n, add_number(c, i, pow10_of(e), 0, 0, g))) return -1;
  }
  return 0;
}

/* Adds each scalar of list v as a value of spec key i and appends the
 * indices to *out (-1 for those that do not check); what prefixes the
 * messages.  Returns how many did not check, or -1 when out of memory. */
static int list_values(struct ctx *c, size_t i, const char *what, yaml_node_t *v, long **out,
                       size_t *n) {
  char got[4 * SHOW_MAX + 16];
  int bad = 0;
  for (yaml_node_item_t *p = v->data.sequence.items.start; p < v->data.sequence.items.top;
       p++) {
    yaml_node_t *e = node(c, *p);
    long k = -1;
    if (!one_value(i, e)) {
      describe(e, got, sizeof got);
      add_error(c, nline(e), ncol(e), spec_key_path(i), "%sexpected a value, got %s", what, got);
    } else {
      k = add_node(c, i, e, 0);
    }
    bad += k < 0;
    if (push(c, out, n, k)) return -1;
  }
  return bad;
}

/* The generator of v, a mapping of one key among names[0 .. n) (for key):
 * its index, with its arguments in *args; -1 (reported) otherwise. */
static int generator(struct ctx *c, yaml_node_t *v, const char *key, const char *const *names,
                     size_t n, yaml_node_t **args) {
  yaml_node_pair_t *p = v->data.mapping.pairs.start;
  const char *g = pair_key(c, v, p, key);
  char shown[128];
  int gi = g ? find_name(g, names, n) : -1;
  *args = node(c, p->value);
  if (g && gi < 0) {
    snprintf(shown, sizeof shown, "%s: %s", key, g);
    unknown_key(c, node(c, p->key), shown, g, names, n);
  }
  return gi;
}

/* The values of spec key i from v: a list, {range: ...} or {logspace: ...};
 * appends their indices to *out.  Returns 0, or -1 when v is no such thing. */
static int value_list(struct ctx *c, size_t i, yaml_node_t *v, long **out, size_t *n) {
  const char *key = spec_key_path(i);
  char got[4 * SHOW_MAX + 16];
  yaml_node_t *args;
  if (v->type == YAML_SEQUENCE_NODE && seq_len(v) > 0)
    return list_values(c, i, "", v, out, n) < 0 ? -1 : 0;
  if (v->type == YAML_MAPPING_NODE && map_len(v) == 1) {
    int gi = generator(c, v, key, list_gens, COUNT(list_gens), &args);
    if (gi < 0) return -1;
    return gi == GEN_RANGE ? gen_range(c, i, key, v, args, out, n)
                           : gen_logspace(c, i, key, v, args, out, n);
  }
  describe(v, got, sizeof got);
  add_error(c, nline(v), ncol(v), key,
            "expected a non-empty list of values, {range: [start, stop, step]} or "
            "{logspace: [a, b, n]}, got %s", got);
  return -1;
}

/* ------------------------------------------------------------ sections */

static struct dim *new_dim(struct ctx *c, const char *label, const yaml_node_t *at) {
  struct dim *d = &c->dims[c->ndims++];
  memset(d, 0, sizeof *d);
  d->label = label;
  d->line = nline(at);
  d->col = ncol(at);
  return d;
}

/* set: key: value, applied to the base spec in file order. */
static void read_set(struct ctx *c, yaml_node_t *m) {
  char got[4 * SHOW_MAX + 16];
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *kn = node(c, p->key), *v = node(c, p->value);
    const char *k = pair_key(c, m, p, "set");
    int i = k ? spec_key(c, kn, k, "set") : -1;
    if (i < 0) continue;
    if (!one_value((size_t)i, v)) {
      describe(v, got, sizeof got);
      add_error(c, nline(v), ncol(v), k, "expected one value (set: is the same for every"
                " point), got %s", got);
      continue;
    }
    if (add_node(c, (size_t)i, v, 1) >= 0) c->sw->nset++;
  }
  if (c->sw->base.origin[spec_key_index("train.threads")].kind == SPEC_FROM_OVERRIDE)
    c->sw->threads = c->sw->base.train.threads;
}

/* grid: key: values; each key a dimension. */
static void read_grid(struct ctx *c, yaml_node_t *m) {
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *kn = node(c, p->key);
    const char *k = pair_key(c, m, p, "grid");
    int i = k ? spec_key(c, kn, k, "grid") : -1;
    if (i < 0) continue;
    struct dim *d = new_dim(c, spec_key_path((size_t)i), kn);
    d->width = 1;
    value_list(c, (size_t)i, node(c, p->value), &d->vals, &d->count);
  }
}

/* zip: key: values; the lists taken together, one dimension of rows. */
static void read_zip(struct ctx *c, yaml_node_t *m) {
  size_t nk = map_len(m), rows = 0, col = 0;
  long **cols = calloc(nk, sizeof *cols);
  size_t *lens = calloc(nk, sizeof *lens);
  const char *first = NULL;
  int ok = 1;
  if (!cols || !lens) {
    free(cols);
    free(lens);
    return oom(c);
  }
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *kn = node(c, p->key), *v = node(c, p->value);
    const char *k = pair_key(c, m, p, "zip");
    int i = k ? spec_key(c, kn, k, "zip") : -1;
    if (i < 0 || value_list(c, (size_t)i, v, &cols[col], &lens[col])) {
      ok = 0;
      continue;
    }
    if (!first) {
      first = spec_key_path((size_t)i);
      rows = lens[col];
    } else if (lens[col] != rows) {
      add_error(c, nline(v), ncol(v), k, "expected %zu value%s like %s (zip takes its lists"
                " together), got %zu", rows, text_s(rows), first, lens[col]);
      ok = 0;
    }
    col++;
  }
  if (ok && col > 0) {
    struct dim *d = new_dim(c, "zip", m);
    d->count = rows;
    d->width = col;
    if (!(d->vals = malloc(rows * col * sizeof *d->vals))) oom(c), d->count = 0;
    for (size_t r = 0; r < d->count; r++)
      for (size_t j = 0; j < col; j++) d->vals[r * col + j] = cols[j][r];
  }
  for (size_t j = 0; j < nk; j++) free(cols[j]);
  free(cols);
  free(lens);
}

/* One key of random:, its distribution. */
struct draw {
  size_t key;
  enum gen gen;
  double lo, hi;         /* uniform, loguniform */
  long long ilo, ihi;    /* randint: [ilo, ihi) */
  long *choices;         /* choice: value indices */
  size_t nchoices;
  yaml_node_t *at;       /* the distribution, for the drawn values' place */
  int failed;            /* a draw did not check: report the first only */
};

/* Reads key: {uniform|loguniform: [a, b]} / {randint: [a, b]} / {choice: [...]}. */
static int read_draw(struct ctx *c, struct draw *d, const char *key, yaml_node_t *v) {
  char got[4 * SHOW_MAX + 16];
  if (v->type != YAML_MAPPING_NODE || map_len(v) != 1) {
    describe(v, got, sizeof got);
    add_error(c, nline(v), ncol(v), key, "expected {uniform: [a, b]}, {loguniform: [a, b]},"
              " {randint: [a, b]} or {choice: [values]}, got %s", got);
    return -1;
  }
  yaml_node_t *args, *it[2];
  size_t na;
  int gi = generator(c, v, key, random_gens, COUNT(random_gens), &args);
  if (gi < 0) return -1;
  const char *g = random_gens[gi];
  d->gen = (enum gen)(gi + GEN_UNIFORM);
  d->at = v;
  if (d->gen == GEN_CHOICE) {
    if (args->type != YAML_SEQUENCE_NODE || seq_len(args) == 0) {
      describe(args, got, sizeof got);
      add_error(c, nline(args), ncol(args), key, "choice: expected a non-empty list of values,"
                " got %s", got);
      return -1;
    }
    return list_values(c, d->key, "choice: ", args, &d->choices, &d->nchoices) ? -1 : 0;
  }
  const char *form = d->gen == GEN_RANDINT ? "[a, b) of integers with a < b"
                     : d->gen == GEN_LOGUNIFORM ? "[a, b] of finite numbers with 0 < a < b"
                                                : "[a, b] of finite numbers with a < b";
  yaml_node_t *bad = NULL;
  if (!gen_args(c, args, &na, 2, 2, it)) {
    bad = args;
  } else if (d->gen == GEN_RANDINT) {
    bad = !parse_ll(it[0], &d->ilo) ? it[0] : !parse_ll(it[1], &d->ihi) ? it[1] : NULL;
    if (!bad && (d->ilo >= d->ihi || (unsigned long long)d->ihi - (unsigned long long)d->ilo >
                                          4294967295ULL))
      bad = args;
  } else {
    bad = !parse_finite(it[0], &d->lo) ? it[0] : !parse_finite(it[1], &d->hi) ? it[1] : NULL;
    if (!bad && (d->lo >= d->hi || (d->gen == GEN_LOGUNIFORM && d->lo <= 0))) bad = args;
  }
  if (bad) {
    describe(bad, got, sizeof got);
    if (bad == args && args->type == YAML_SEQUENCE_NODE && seq_len(args) == 2)
      snprintf(got, sizeof got, "[%s, %s]", stext(it[0]), stext(it[1]));
    add_error(c, nline(bad), ncol(bad), key, "%s: expected %s%s, got %s", g, form,
              d->gen == GEN_RANDINT ? " (b - a at most 4294967295)" : "", got);
    return -1;
  }
  return 0;
}

/* An integer of random: (n, seed) from lo to hi. */
static int random_int(struct ctx *c, yaml_node_t *v, const char *key, long long lo,
                      long long hi, long long *out) {
  char got[4 * SHOW_MAX + 16];
  if (parse_ll(v, out) && *out >= lo && *out <= hi) return 0;
  describe(v, got, sizeof got);
  add_error(c, nline(v), ncol(v), key, "expected an integer from %lld to %lld, got %s", lo, hi,
            got);
  return -1;
}

/* random: n points drawn from the keys' distributions; one dimension. */
static void read_random(struct ctx *c, yaml_node_t *m) {
  yaml_node_t *nn = NULL, *keys = NULL;
  long long n = 0, seed = 1;
  int bad = 0;
  char got[4 * SHOW_MAX + 16];
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *kn = node(c, p->key), *v = node(c, p->value);
    const char *k = pair_key(c, m, p, "random");
    int which = k ? find_name(k, random_keys, COUNT(random_keys)) : -1;
    if (k && which < 0) {
      char shown[128];
      snprintf(shown, sizeof shown, "random.%s", k);
      unknown_key(c, kn, shown, k, random_keys, COUNT(random_keys));
    }
    if (which == 0) nn = v, bad |= random_int(c, v, "random.n", 1, SWEEP_POINTS_MAX, &n);
    if (which == 1) bad |= random_int(c, v, "random.seed", 1, SEED_MAX, &seed);
    if (which == 2) keys = v;
    bad |= which < 0;
  }
  if (!nn) add_error(c, nline(m), ncol(m), "random", "expected n: the number of points"), bad = 1;
  if (!keys || keys->type != YAML_MAPPING_NODE || map_len(keys) == 0) {
    if (keys) describe(keys, got, sizeof got);
    add_error(c, keys ? nline(keys) : nline(m), keys ? ncol(keys) : ncol(m), "random.keys",
              "expected a mapping of spec keys to distributions, got %s", keys ? got : "none");
    return;
  }
  size_t nk = map_len(keys), w = 0;
  struct draw *d = calloc(nk, sizeof *d);
  if (!d) return oom(c);
  for (yaml_node_pair_t *p = keys->data.mapping.pairs.start; p < keys->data.mapping.pairs.top;
       p++) {
    yaml_node_t *kn = node(c, p->key);
    const char *k = pair_key(c, keys, p, "random.keys");
    int i = k ? spec_key(c, kn, k, "random") : -1;
    if (i < 0) {
      bad = 1;
      continue;
    }
    d[w].key = (size_t)i;
    if (read_draw(c, &d[w], spec_key_path((size_t)i), node(c, p->value))) bad = 1;
    w++;
  }
  gsl_rng *r = bad ? NULL : gsl_rng_alloc(gsl_rng_mt19937);
  struct dim *dim = NULL;
  if (!bad && r && (dim = new_dim(c, "random", m)) &&
      (dim->vals = malloc((size_t)n * w * sizeof *dim->vals))) {
    dim->count = (size_t)n;
    dim->width = w;
    gsl_rng_set(r, (unsigned long)seed);
    for (size_t pt = 0; pt < (size_t)n && !c->failed; pt++)
      for (size_t j = 0; j < w; j++) {
        struct draw *x = &d[j];
        long v = -1;
        double u = 0;
        long long iv = 0;
        if (x->gen == GEN_CHOICE) {
          v = x->choices[gsl_rng_uniform_int(r, x->nchoices)];
        } else if (x->gen == GEN_RANDINT) {
          unsigned long span = (unsigned long)((unsigned long long)x->ihi -
                                               (unsigned long long)x->ilo);
          iv = (long long)((unsigned long long)x->ilo + gsl_rng_uniform_int(r, span));
        } else {
          u = gsl_rng_uniform(r);
          u = x->gen == GEN_UNIFORM ? x->lo + (x->hi - x->lo) * u
                                    : exp(log(x->lo) + (log(x->hi) - log(x->lo)) * u);
        }
        if (x->gen != GEN_CHOICE && !x->failed)
          x->failed = (v = add_number(c, x->key, u, iv, x->gen == GEN_RANDINT, x->at)) < 0;
        dim->vals[pt * w + j] = v;
      }
  } else if (!bad) {
    oom(c);
  }
  gsl_rng_free(r);
  for (size_t j = 0; j < nk; j++) free(d[j].choices);
  free(d);
}

/* output: dir: */
static void read_output(struct ctx *c, yaml_node_t *m) {
  char got[4 * SHOW_MAX + 16], why[NN_ERROR_MAX];
  if (m->type != YAML_MAPPING_NODE) {
    describe(m, got, sizeof got);
    add_error(c, nline(m), ncol(m), "output", "expected a section with dir: below it, got %s",
              got);
    return;
  }
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *kn = node(c, p->key), *v = node(c, p->value);
    const char *k = pair_key(c, m, p, "output");
    if (!k) continue;
    if (strcmp(k, "dir") != 0) {
      char shown[128];
      snprintf(shown, sizeof shown, "output.%s", k);
      unknown_key(c, kn, shown, k, output_keys, COUNT(output_keys));
      continue;
    }
    spec tmp;
    spec_defaults(&tmp);
    if (!is_scalar(v)) {
      describe(v, got, sizeof got);
      add_error(c, nline(v), ncol(v), "output.dir", "expected a non-empty path, got %s", got);
    } else if (apply(&tmp, "output.dir", stext(v), slen(v), why, sizeof why)) {
      add_error(c, nline(v), ncol(v), "output.dir", "%s", why);
    } else {
      snprintf(c->sw->output_dir, sizeof c->sw->output_dir, "%s", tmp.output.dir);
    }
  }
}

/* name: and spec: (loads the base spec). */
static void read_name_spec(struct ctx *c, yaml_node_t *root, yaml_node_t *name,
                           yaml_node_t *specn) {
  sweep *sw = c->sw;
  char why[NN_ERROR_MAX], got[4 * SHOW_MAX + 16];
  spec tmp;
  spec_defaults(&tmp);
  if (name) {
    if (!is_scalar(name)) {
      describe(name, got, sizeof got);
      add_error(c, nline(name), ncol(name), "name", "expected a plain file name, got %s", got);
    } else if (apply(&tmp, "name", stext(name), slen(name), why, sizeof why)) {
      add_error(c, nline(name), ncol(name), "name", "%s", why);
    } else {
      snprintf(sw->name, sizeof sw->name, "%s", tmp.name);
    }
  } else {
    const char *base = fs_basename(sw->file);
    size_t bl = strlen(base);
    if (bl > 5 && strcmp(base + bl - 5, ".yaml") == 0) bl -= 5;
    else if (bl > 4 && strcmp(base + bl - 4, ".yml") == 0) bl -= 4;
    char def[SPEC_PATH_MAX];
    snprintf(def, sizeof def, "%.*s", (int)bl, base);
    if (apply(&tmp, "name", def, strlen(def), why, sizeof why))
      add_error(c, nline(root), ncol(root), "name", "the file's base name is not a plain file"
                " name; set name: in the sweep file");
    else
      snprintf(sw->name, sizeof sw->name, "%s", tmp.name);
  }
  if (!specn) {
    add_error(c, nline(root), ncol(root), "spec", "expected the base spec's file (relative to"
              " this file's folder), got none");
    return;
  }
  if (!is_scalar(specn) || is_null(specn) || slen(specn) == 0 ||
      strlen(stext(specn)) != slen(specn)) {
    describe(specn, got, sizeof got);
    add_error(c, nline(specn), ncol(specn), "spec", "expected the base spec's file, got %s",
              got);
    return;
  }
  const char *s = stext(specn);
  char dir[SPEC_PATH_MAX];
  c->spec_line = nline(specn);
  c->spec_col = ncol(specn);
  fs_dirname(sw->file, dir, sizeof dir);
  int n = s[0] == '/' || !strchr(sw->file, '/')
              ? snprintf(sw->spec_file, sizeof sw->spec_file, "%s", s)
              : snprintf(sw->spec_file, sizeof sw->spec_file, "%s/%s", dir, s);
  if (n < 0 || (size_t)n >= sizeof sw->spec_file) {
    add_error(c, nline(specn), ncol(specn), "spec", "expected a path of at most %d bytes,"
              " got %d bytes", SPEC_PATH_MAX - 1, n);
    return;
  }
  struct stat st;
  nn_error e;
  nn_error_clear(&e);
  if (stat(sw->spec_file, &st) == 0 && !S_ISREG(st.st_mode))
    add_error(c, nline(specn), ncol(specn), "spec", "%s: not a regular file", sw->spec_file);
  else if (spec_load_file(&sw->base, sw->spec_file, &e) == NN_FAIL)
    oom(c);
  else if (e.status)
    add_error(c, nline(specn), ncol(specn), "spec", "%s", e.msg);
}

/* ------------------------------------------------------------ points */

struct row {
  const char *sig;  /* the entry's values' texts, '\n' between */
  size_t r;
};

static int by_sig(const void *a, const void *b) {
  const struct row *x = a, *y = b;
  int k = strcmp(x->sig, y->sig);
  return k ? k : (x->r > y->r) - (x->r < y->r);
}

/* The entry's "k=v, ..." text into buf. */
static void entry_text(const struct ctx *c, const struct dim *d, size_t r, char *buf,
                       size_t n) {
  size_t o = 0;
  buf[0] = '\0';
  for (size_t j = 0; j < d->width && o < n; j++) {
    const sweep_value *v = &c->sw->values[d->vals[r * d->width + j]];
    o += (size_t)snprintf(buf + o, n - o, "%s%s=%s", j ? ", " : "", v->key, v->text);
  }
}

/* Reports entries of d that repeat an earlier one (a point named twice). */
static void check_repeats(struct ctx *c, const struct dim *d) {
  struct row *rows = malloc(d->count * sizeof *rows);
  char **sigs = calloc(d->count, sizeof *sigs);
  size_t nr = 0, first_r = SIZE_MAX, first_r0 = 0;
  if (!rows || !sigs) goto done;
  for (size_t r = 0; r < d->count; r++) {
    size_t len = 1;
    int ok = 1;
    for (size_t j = 0; j < d->width; j++) {
      long v = d->vals[r * d->width + j];
      ok &= v >= 0;
      if (v >= 0) len += strlen(c->sw->values[v].text) + 1;
    }
    if (!ok) continue;
    if (!(sigs[r] = malloc(len))) goto done;
    sigs[r][0] = '\0';
    for (size_t j = 0; j < d->width; j++)
      strcat(strcat(sigs[r], c->sw->values[d->vals[r * d->width + j]].text), "\n");
    rows[nr].sig = sigs[r];
    rows[nr++].r = r;
  }
  qsort(rows, nr, sizeof *rows, by_sig);
  for (size_t k = 1, f = 0; k < nr; k++) {
    if (strcmp(rows[k - 1].sig, rows[k].sig) != 0) f = k; /* rows[f]: the group's first */
    if (f == k) continue;
    size_t r0 = rows[f].r, r = rows[k].r;
    const sweep_value *v0 = &c->sw->values[d->vals[r0 * d->width]];
    const sweep_value *v = &c->sw->values[d->vals[r * d->width]];
    char text[NN_ERROR_MAX / 2];
    entry_text(c, d, r, text, sizeof text);
    if (strcmp(d->label, "zip") == 0)
      add_error(c, v->line, v->col, "zip", "row %zu repeats row %zu (%s)", r + 1, r0 + 1, text);
    else if (strcmp(d->label, "random") != 0)
      add_error(c, v->line, v->col, d->label, "duplicate value %s, first at %d:%d", v->text,
                v0->line, v0->col);
    else if (r < first_r) /* random: only the first point that repeats one */
      first_r = r, first_r0 = r0;
  }
  if (first_r != SIZE_MAX) {
    char text[NN_ERROR_MAX / 2];
    entry_text(c, d, first_r, text, sizeof text);
    add_error(c, d->line, d->col, "random", "point %zu repeats point %zu (%s); draw fewer"
              " points or from more values", first_r + 1, first_r0 + 1, text);
  }
done:
  if (!rows || !sigs) oom(c);
  for (size_t r = 0; sigs && r < d->count; r++) free(sigs[r]);
  free(sigs);
  free(rows);
}

static int by_value_key(const void *a, const void *b) {
  return strcmp((*(const sweep_value *const *)a)->key, (*(const sweep_value *const *)b)->key);
}

static int by_name(const void *a, const void *b) {
  const sweep_point *x = *(const sweep_point *const *)a, *y = *(const sweep_point *const *)b;
  return strcmp(x->name, y->name);
}

/* The sweep's value of key (a point's own, else set's), or NULL. */
static const sweep_value *given(const struct ctx *c, const sweep_point *p, const char *key) {
  for (size_t j = 0; j < p->nvalues; j++)
    if (strcmp(p->values[j]->key, key) == 0) return p->values[j];
  for (size_t j = 0; j < c->sw->nset; j++)
    if (strcmp(c->sw->values[j].key, key) == 0) return &c->sw->values[j];
  return NULL;
}

/* The checks between keys (spec_check) on point p's spec s, reported at the
 * offending key's value in the sweep, else at the train.optimizer value that
 * makes the base spec's key inert, else at spec: (the base spec alone). */
static void check_point(struct ctx *c, const spec *s, const sweep_point *p) {
  size_t k;
  char why[NN_ERROR_MAX];
  if (spec_check_key(s, &k, why, sizeof why) == 0) return;
  const char *key = spec_key_path(k);
  const sweep_value *v = given(c, p, key), *opt = given(c, p, "train.optimizer");
  char where[SPEC_PATH_MAX + 64];
  if (v) return add_error(c, v->line, v->col, key, "%s", why);
  spec_where(s, key, where, sizeof where);
  if (opt)
    return add_error(c, opt->line, opt->col, opt->key, "%s (%s) is %s", key, where, why);
  nn_error e;
  nn_error_clear(&e);
  spec_check(s, &e);
  add_error(c, c->spec_line, c->spec_col, "spec", "%s", e.msg);
}

/* Fills point p (index) from the dimensions: names, path, its spec checked. */
static int make_point(struct ctx *c, size_t index, size_t width) {
  sweep *sw = c->sw;
  sweep_point *p = &sw->points[index];
  char **assign = NULL, why[NN_ERROR_MAX];
  size_t rest = index, o = width;
  p->index = index;
  if (width && !(p->values = malloc(width * sizeof *p->values))) return oom(c), -1;
  for (size_t d = c->ndims; d-- > 0;) {
    const struct dim *dm = &c->dims[d];
    size_t r = rest % dm->count;
    rest /= dm->count;
    o -= dm->width;
    for (size_t j = 0; j < dm->width; j++)
      p->values[o + j] = &sw->values[dm->vals[r * dm->width + j]];
  }
  p->nvalues = width;
  if (width) qsort(p->values, width, sizeof *p->values, by_value_key);
  if (width && !(assign = calloc(width, sizeof *assign))) return oom(c), -1;
  spec s = sw->base;
  int applied = 1;
  for (size_t j = 0; j < width; j++) {
    const sweep_value *v = p->values[j];
    if (!(assign[j] = malloc(strlen(v->key) + strlen(v->text) + 2))) break;
    sprintf(assign[j], "%s=%s", v->key, v->text);
    if (apply(&s, v->key, v->text, strlen(v->text), why, sizeof why))
      add_error(c, v->line, v->col, v->key, "%s", why), applied = 0;
  }
  if (applied) check_point(c, &s, p);
  int ok = 1;
  for (size_t j = 0; j < width; j++) ok &= assign[j] != NULL;
  if (ok && width)
    run_name_join("", (const char *const *)assign, width, p->name, sizeof p->name);
  else if (ok)
    snprintf(p->name, sizeof p->name, "%s", sw->name);
  for (size_t j = 0; j < width; j++) free(assign[j]);
  free(assign);
  size_t len = strlen(sw->output_dir) + strlen(p->name) + 5;
  if (!ok || !(p->path = malloc(len))) return oom(c), -1;
  snprintf(p->path, len, "%s/%s.h5", sw->output_dir, p->name);
  return 0;
}

/* The points: the dimensions crossed, the first slowest. */
static void make_points(struct ctx *c) {
  sweep *sw = c->sw;
  size_t total = 1, width = 0;
  for (size_t d = 0; d < c->ndims; d++) {
    const struct dim *dm = &c->dims[d];
    check_repeats(c, dm);
    width += dm->width;
    if (total <= SWEEP_POINTS_MAX && total * dm->count > SWEEP_POINTS_MAX)
      add_error(c, dm->line, dm->col, dm->label, "expected at most %d points in all, got %zu"
                " with this one", SWEEP_POINTS_MAX, total * dm->count);
    total = total * dm->count > SWEEP_POINTS_MAX ? SWEEP_POINTS_MAX + 1 : total * dm->count;
  }
  if (errors_so_far(c)) return;
  if (!(sw->points = calloc(total, sizeof *sw->points))) return oom(c);
  sw->npoints = total;
  for (size_t i = 0; i < total; i++)
    if (make_point(c, i, width)) return;
  if (errors_so_far(c) || total < 2) return;
  const sweep_point **by = malloc(total * sizeof *by);
  if (!by) return oom(c);
  for (size_t i = 0; i < total; i++) by[i] = &sw->points[i];
  qsort(by, total, sizeof *by, by_name);
  for (size_t i = 1; i < total; i++)
    if (strcmp(by[i - 1]->name, by[i]->name) == 0) {
      size_t a = by[i - 1]->index < by[i]->index ? by[i - 1]->index : by[i]->index;
      size_t b = by[i - 1]->index ^ by[i]->index ^ a;
      add_error(c, c->dims[0].line, c->dims[0].col, NULL, "points %zu and %zu have the same"
                " file name %s; their values' texts run together", a + 1, b + 1, by[i]->name);
    }
  free(by);
}

/* ------------------------------------------------------------ loading */

/* The whole file: top-level keys, then each section in a fixed order (name,
 * spec, output, set) and the dimensions in file order. */
static void read_sweep(struct ctx *c) {
  yaml_node_t *root = yaml_document_get_root_node(&c->doc), *at[COUNT(top_keys)] = {NULL};
  char got[4 * SHOW_MAX + 16];
  if (!root || is_null(root)) {
    add_error(c, 1, 1, NULL, "expected a mapping of sweep keys at the top level, got an"
              " empty file");
    return;
  }
  if (root->type != YAML_MAPPING_NODE) {
    describe(root, got, sizeof got);
    add_error(c, nline(root), ncol(root), NULL, "expected a mapping of sweep keys at the top"
              " level, got %s", got);
    return;
  }
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
       p++) {
    yaml_node_t *kn = node(c, p->key);
    const char *k = pair_key(c, root, p, NULL);
    if (!k) continue;
    int w = find_name(k, top_keys, COUNT(top_keys));
    size_t kl = strlen(k);
    const char *example = spec_key_index(k) >= 0 ? k : NULL;
    for (size_t j = 0; j < spec_nkeys() && !example; j++)
      if (strncmp(spec_key_path(j), k, kl) == 0 && spec_key_path(j)[kl] == '.')
        example = spec_key_path(j);
    if (w >= 0)
      at[w] = node(c, p->value);
    else if (example)
      add_error(c, nline(kn), ncol(kn), k, "unknown key; spec keys go under set:, grid:, zip:"
                " or random:, dotted (e.g. set: {%s: ...})", example);
    else
      unknown_key(c, kn, k, k, top_keys, COUNT(top_keys));
  }
  read_name_spec(c, root, at[0], at[1]);
  snprintf(c->sw->output_dir, sizeof c->sw->output_dir, "runs/%s", c->sw->name);
  if (at[6] && !is_null(at[6])) read_output(c, at[6]);
  for (size_t s = 2; s <= 5; s++) {
    yaml_node_t *m = at[s];
    if (!m || is_null(m) || (m->type == YAML_MAPPING_NODE && map_len(m) == 0 && s != 5))
      continue;
    if (m->type != YAML_MAPPING_NODE) {
      describe(m, got, sizeof got);
      add_error(c, nline(m), ncol(m), top_keys[s], "expected a section with keys below it,"
                " got %s", got);
      at[s] = NULL;
    }
  }
  if (at[2] && !is_null(at[2])) read_set(c, at[2]);
  /* the dimensions, in file order */
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
       p++) {
    yaml_node_t *kn = node(c, p->key), *v = node(c, p->value);
    int w = is_scalar(kn) ? find_name(stext(kn), top_keys, COUNT(top_keys)) : -1;
    if (w < 3 || w > 5 || at[w] != v || is_null(v)) continue;
    at[w] = NULL; /* a duplicate section is read once */
    if (w == 3) read_grid(c, v);
    if (w == 4) read_zip(c, v);
    if (w == 5) read_random(c, v);
  }
  if (!errors_so_far(c)) make_points(c);
}

int sweep_load(sweep *sw, const char *path, char **errors, nn_error *err) {
  struct ctx c;
  char *text = NULL;
  size_t len = 0;
  int rc;
  memset(sw, 0, sizeof *sw);
  memset(&c, 0, sizeof c);
  if (errors) *errors = NULL;
  sw->threads = -1;
  c.sw = sw;
  c.err = err;
  if (strlen(path) >= sizeof sw->file) {
    rc = nn_error_set(err, NN_BADINPUT, "%.64s...: path too long", path);
    goto done;
  }
  snprintf(sw->file, sizeof sw->file, "%s", path);
  if ((rc = read_file(path, &text, &len, err))) goto done;
  spec_defaults(&sw->base);
  if (check_events(&c, text, len) == 0 && load_document(&c, text, len) == 0) read_sweep(&c);
  errors_sort(&c);
  rc = c.failed ? NN_FAIL : c.nerrs ? NN_BADINPUT : NN_OK;
  if (rc == NN_BADINPUT && errors && !(*errors = errors_text(&c))) rc = NN_FAIL;
done:
  if (rc != NN_OK && errors && !*errors && err) {
    if ((*errors = malloc(4 * strlen(err->msg) + 2))) put_line(*errors, err->msg);
  }
  if (c.have_doc) yaml_document_delete(&c.doc);
  for (size_t i = 0; i < c.nerrs; i++) free(c.errs[i].text);
  free(c.errs);
  for (size_t d = 0; d < c.ndims; d++) free(c.dims[d].vals);
  free(text);
  if (rc != NN_OK) {
    sweep_free(sw);
    return rc;
  }
  sw->set = sw->values;
  return NN_OK;
}

void sweep_free(sweep *sw) {
  if (!sw) return;
  for (size_t i = 0; i < sw->nvalues; i++) free(sw->values[i].text);
  free(sw->values);
  for (size_t i = 0; i < sw->npoints; i++) {
    free(sw->points[i].path);
    free(sw->points[i].values);
  }
  free(sw->points);
  memset(sw, 0, sizeof *sw);
}

/* ------------------------------------------------------------ points out */

int sweep_point_spec(const sweep *sw, size_t i, spec *s, nn_error *err) {
  char why[NN_ERROR_MAX];
  if (i >= sw->npoints)
    return nn_error_set(err, NN_BADINPUT, "%s: no point %zu (it has %zu)", sw->file, i + 1,
                        sw->npoints);
  spec tmp = sw->base;
  const sweep_point *p = &sw->points[i];
  for (size_t j = 0; j < p->nvalues; j++) {
    const sweep_value *v = p->values[j];
    int rc = apply(&tmp, v->key, v->text, strlen(v->text), why, sizeof why);
    if (rc)
      return nn_error_set(err, rc, "%s:%d:%d: %s: %s", sw->file, v->line, v->col, v->key, why);
  }
  *s = tmp;
  return NN_OK;
}

int sweep_point_args(const sweep *sw, size_t i, char ***argv, size_t *argc, nn_error *err) {
  *argv = NULL;
  *argc = 0;
  if (i >= sw->npoints)
    return nn_error_set(err, NN_BADINPUT, "%s: no point %zu (it has %zu)", sw->file, i + 1,
                        sw->npoints);
  const sweep_point *p = &sw->points[i];
  size_t n = sw->nset + p->nvalues;
  char **v = calloc(n + 1, sizeof *v);
  if (!v) return nn_error_set(err, NN_FAIL, "%s: out of memory", sw->file);
  for (size_t j = 0; j < n; j++) {
    const sweep_value *x = j < sw->nset ? &sw->set[j] : p->values[j - sw->nset];
    size_t len = strlen(x->key) + strlen(x->text) + 2;
    if (!(v[j] = malloc(len))) {
      sweep_args_free(v, j);
      return nn_error_set(err, NN_FAIL, "%s: out of memory", sw->file);
    }
    snprintf(v[j], len, "%s=%s", x->key, x->text);
  }
  *argv = v;
  *argc = n;
  return NN_OK;
}

void sweep_args_free(char **argv, size_t argc) {
  for (size_t i = 0; argv && i < argc; i++) free(argv[i]);
  free(argv);
}
