/* data.c: loading MNIST-shaped datasets (IDX raw or gzip through zlib, CS229
 * CSV) into byte arrays, checking every byte, plus pixel moments and the batch
 * gather.  Not here: shuffling/splitting (train.c) and the downloads (scripts/).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>

#include "data.h"
#include "fsutil.h"
#include "text.h"

#define IDX_IMAGES_MAGIC 0x00000803u
#define IDX_LABELS_MAGIC 0x00000801u
#define MAX_N ((uint64_t)1 << 26)  /* examples */
#define MAX_D ((uint64_t)1 << 20)  /* features per example */
#define CHUNK ((size_t)1 << 20)    /* bytes per gzread call */
#define FIRST_ALLOC ((size_t)1 << 26)

static const char *const idx_names[2][2] = {
  {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
  {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
};
static const char *const csv_names[2][2] = {
  {"images_train.csv", "labels_train.csv"},
  {"images_test.csv", "labels_test.csv"},
};

/* ------------------------------------------------------------------ reader */

/* A file read through zlib (gzread passes raw files through), with the crc32
 * of every byte delivered so far. */
typedef struct reader {
  gzFile f;
  const char *path;
  uint32_t crc;
} reader;

static int rd_open(reader *r, const char *path, nn_error *err) {
  r->path = path;
  r->crc = (uint32_t)crc32(0L, Z_NULL, 0);
  r->f = NULL;
  /* a plain file only: never waits on a FIFO */
  int fd = fs_open_plain(path, O_RDONLY, 0);
  if (fd < 0) {
    if (errno == EISDIR)
      return nn_error_set(err, NN_BADINPUT, "%s: is a directory (expected a data file)", path);
    if (errno == EINVAL)
      return nn_error_set(err, NN_BADINPUT, "%s: not a regular file (expected a data file)",
                          path);
    if (errno == ENOENT || errno == ENOTDIR)
      return nn_error_set(err, NN_BADINPUT, "%s: no such file", path);
    return nn_error_set(err, NN_FAIL, "%s: cannot open: %s", path, strerror(errno));
  }
  errno = 0;
  r->f = gzdopen(fd, "rb");
  if (!r->f) {
    close(fd);
    if (errno == 0)
      return nn_error_set(err, NN_FAIL, "%s: out of memory opening the file", path);
    return nn_error_set(err, NN_FAIL, "%s: cannot open: %s", path, strerror(errno));
  }
  if (gzbuffer(r->f, 1u << 17) != 0) {
    gzclose(r->f);
    r->f = NULL;
    return nn_error_set(err, NN_FAIL, "%s: cannot set the zlib buffer size", path);
  }
  return NN_OK;
}

/* Turns the reader's zlib error state into err; NN_OK when there is none. */
static int rd_check(reader *r, int saved_errno, nn_error *err) {
  int code;
  const char *msg = gzerror(r->f, &code);
  if (code == Z_OK || code == Z_STREAM_END) return NN_OK;
  if (code == Z_ERRNO)
    return nn_error_set(err, NN_FAIL, "%s: read error: %s", r->path,
                        strerror(saved_errno ? saved_errno : EIO));
  if (code == Z_MEM_ERROR)
    return nn_error_set(err, NN_FAIL, "%s: out of memory in zlib", r->path);
  /* zlib prefixes its message with "<fd:N>: " (the file was opened by
   * descriptor): drop it, we name the path ourselves. */
  const char *colon = msg && strncmp(msg, "<fd:", 4) == 0 ? strstr(msg, ">: ") : NULL;
  if (colon) msg = colon + 3;
  return nn_error_set(err, NN_BADINPUT,
                      "%s: broken gzip data: %s (expected a valid .gz file; fetch it again)",
                      r->path, msg && *msg ? msg : "unknown error");
}

/* Reads up to len bytes into buf; *got < len only at the end of the file. */
static int rd_read(reader *r, uint8_t *buf, size_t len, size_t *got, nn_error *err) {
  size_t off = 0;
  *got = 0;
  while (off < len) {
    unsigned want = (unsigned)(len - off < CHUNK ? len - off : CHUNK);
    errno = 0;
    int k = gzread(r->f, buf + off, want);
    int saved = errno;
    if (k < 0) {
      int st = rd_check(r, saved, err);
      return st ? st : nn_error_set(err, NN_FAIL, "%s: read error", r->path);
    }
    r->crc = (uint32_t)crc32(r->crc, buf + off, (uInt)k);
    off += (size_t)k;
    if ((unsigned)k < want) {
      int st = rd_check(r, saved, err);
      if (st) return st;
      break;
    }
  }
  *got = off;
  return NN_OK;
}

/* Closes the reader; status is the outcome so far, an error in gzclose only
 * matters when everything else went well. */
static int rd_close(reader *r, int status, nn_error *err) {
  if (!r->f) return status;
  int rc = gzclose(r->f);
  r->f = NULL;
  if (status == NN_OK && rc != Z_OK)
    return nn_error_set(err, NN_FAIL, "%s: error closing the file (zlib code %d)", r->path, rc);
  return status;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* --------------------------------------------------------------------- IDX */

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads one IDX file: images (magic 0x803, dims n, rows, cols) or labels
 * (magic 0x801, dim n).  On success *out (n * rows * cols bytes) is owned by
 * the caller; dims = {n, rows, cols} (rows = cols = 1 for labels). */
static int idx_read(const char *path, int images, uint8_t **out, size_t dims[3],
                    uint32_t *crc, nn_error *err) {
  const uint32_t magic_want = images ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC;
  const char *what = images ? "IDX image file" : "IDX label file";
  const size_t hlen = images ? 16 : 8;
  uint8_t hdr[16], *buf = NULL;
  size_t got;
  reader r;
  *out = NULL;

  int st = rd_open(&r, path, err);
  if (st) return st;
  st = rd_read(&r, hdr, hlen, &got, err);
  if (st) goto done;
  if (ends_with(path, ".gz") && gzdirect(r.f)) {
    st = nn_error_set(err, NN_BADINPUT, "%s: not a gzip file (the name ends in .gz)", path);
    goto done;
  }
  if (got == 0) {
    st = nn_error_set(err, NN_BADINPUT, "%s: empty file (expected an %s)", path, what);
    goto done;
  }
  if (got >= 4 && be32(hdr) != magic_want) {
    st = nn_error_set(err, NN_BADINPUT, "%s: not an %s (magic 0x%08" PRIx32 ", expected 0x%08" PRIx32 ")",
                      path, what, be32(hdr), (uint32_t)magic_want);
    goto done;
  }
  if (got < hlen) {
    st = nn_error_set(err, NN_BADINPUT, "%s: truncated: expected a %zu-byte header, found %zu bytes",
                      path, hlen, got);
    goto done;
  }
  uint64_t n = be32(hdr + 4);
  uint64_t rows = images ? be32(hdr + 8) : 1, cols = images ? be32(hdr + 12) : 1;
  if (n == 0 || n > MAX_N || rows == 0 || cols == 0 || rows * cols > MAX_D) {
    if (images)
      st = nn_error_set(err, NN_BADINPUT,
                        "%s: bad dimensions %" PRIu64 " x %" PRIu64 " x %" PRIu64
                        " (expected 1..%" PRIu64 " images of 1..%" PRIu64 " pixels)",
                        path, n, rows, cols, MAX_N, MAX_D);
    else
      st = nn_error_set(err, NN_BADINPUT, "%s: bad label count %" PRIu64 " (expected 1..%" PRIu64 ")",
                        path, n, MAX_N);
    goto done;
  }

  /* Read the body straight into the final buffer.  Huge claimed sizes grow
   * the buffer as data actually arrives, so a lying header cannot make us
   * allocate more than the file holds (plus a factor of two). */
  const size_t total = (size_t)(n * rows * cols);
  size_t cap = total < FIRST_ALLOC ? total : FIRST_ALLOC, have = 0;
  buf = malloc(cap);
  if (!buf) {
    st = nn_error_set(err, NN_FAIL, "%s: out of memory (%zu bytes)", path, cap);
    goto done;
  }
  for (;;) {
    st = rd_read(&r, buf + have, cap - have, &got, err);
    if (st) goto done;
    have += got;
    if (have < cap || have == total) break;
    size_t ncap = cap * 2 < total ? cap * 2 : total;
    uint8_t *nb = realloc(buf, ncap);
    if (!nb) {
      st = nn_error_set(err, NN_FAIL, "%s: out of memory (%zu bytes)", path, ncap);
      goto done;
    }
    buf = nb;
    cap = ncap;
  }
  if (have < total) {
    st = nn_error_set(err, NN_BADINPUT, "%s: truncated: expected %zu bytes, found %zu",
                      path, hlen + total, hlen + have);
    goto done;
  }
  /* Anything after the data is an error; reading to the end also makes zlib
   * check the gzip trailer (crc and length). */
  uint8_t tail[4096];
  size_t extra = 0;
  do {
    st = rd_read(&r, tail, sizeof tail, &got, err);
    if (st) goto done;
    extra += got;
  } while (got == sizeof tail);
  if (extra) {
    st = nn_error_set(err, NN_BADINPUT, "%s: trailing data: expected %zu bytes, found %zu",
                      path, hlen + total, hlen + total + extra);
    goto done;
  }
  dims[0] = (size_t)n;
  dims[1] = (size_t)rows;
  dims[2] = (size_t)cols;
  *crc = r.crc;
done:
  st = rd_close(&r, st, err);
  if (st) free(buf);
  else *out = buf;
  return st;
}

/* --------------------------------------------------------------------- CSV */

/* Reads a whole file (through zlib, so .csv.gz works too) into a new buffer
 * with a '\0' after the last byte. */
static int slurp(const char *path, uint8_t **out, size_t *len, uint32_t *crc, nn_error *err) {
  struct stat sb;
  size_t cap = 1u << 20, have = 0, got;
  uint8_t *buf = NULL;
  reader r;
  *out = NULL;
  if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size < SIZE_MAX / 2)
    cap = (size_t)sb.st_size + 1;  /* +1: room to see the end of file */
  int st = rd_open(&r, path, err);
  if (st) return st;
  for (;;) {
    uint8_t *nb = realloc(buf, cap + 1);
    if (!nb) {
      st = nn_error_set(err, NN_FAIL, "%s: out of memory (%zu bytes)", path, cap + 1);
      goto done;
    }
    buf = nb;
    st = rd_read(&r, buf + have, cap - have, &got, err);
    if (st) goto done;
    have += got;
    if (have < cap) break;
    cap *= 2;
  }
  buf[have] = '\0';
  *len = have;
  *crc = r.crc;
done:
  st = rd_close(&r, st, err);
  if (st) free(buf);
  else *out = buf;
  return st;
}

static int is_blank(uint8_t c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The value starting at tok for a message: up to 20 bytes before the next
 * separator, other than printable ASCII escaped as \xNN. */
static void excerpt(const uint8_t *tok, const uint8_t *end, char *buf, size_t n) {
  size_t o = 0;
  for (const uint8_t *e = tok; e < end && e - tok < 20 && *e != ',' && *e != '\n' && *e != '\r' &&
                              o + 5 < n; e++)
    o += (size_t)snprintf(buf + o, n - o, *e >= 0x20 && *e < 0x7f ? "%c" : "\\x%02x", *e);
  buf[o] = '\0';
}

/* Parses comma-separated integers 0..maxval, one row a line, all rows with
 * the same count d (taken from the first line when *d is 0).  Trailing empty
 * lines are tolerated, empty lines in the middle are not.  On success *out
 * holds (*n, *d) bytes owned by the caller. */
static int csv_parse(const char *path, const uint8_t *buf, size_t len, unsigned maxval,
                     const char *what, uint8_t **out, size_t *n, size_t *d, nn_error *err) {
  const uint8_t *p = buf, *end = buf + len;
  *out = NULL;
  if (len == 0)
    return nn_error_set(err, NN_BADINPUT, "%s: empty file (expected one row of comma-separated %s a line)",
                        path, what);
  /* Upper bound of rows and the row length from the first line. */
  size_t lines = 1, width = 1;
  for (const uint8_t *q = buf; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++) lines++;
  if (*d == 0) {
    for (const uint8_t *q = buf; q < end && *q != '\n'; q++) width += *q == ',';
    *d = width;
  }
  if (*d > MAX_D)
    return nn_error_set(err, NN_BADINPUT, "%s: line 1: %zu values (expected at most %" PRIu64 ")",
                        path, *d, MAX_D);
  if (lines > MAX_N + 1)
    return nn_error_set(err, NN_BADINPUT, "%s: %zu lines (expected at most %" PRIu64 ")",
                        path, lines, MAX_N);
  const size_t dd = *d;
  /* A complete row takes at least 2 * dd bytes (a digit and a separator a
   * value), so no more rows fit, whatever the count of newlines: a long first
   * line and many empty ones cannot make us allocate (lines x width). */
  if (lines > len / (2 * dd) + 1) lines = len / (2 * dd) + 1;
  uint8_t *x = malloc(lines * dd);
  if (!x) return nn_error_set(err, NN_FAIL, "%s: out of memory (%zu bytes)", path, lines * dd);

  size_t row = 0, line = 0;
  int st = NN_OK;
  while (p < end) {
    line++;
    const uint8_t *q = p;
    while (q < end && is_blank(*q)) q++;
    if (q == end || *q == '\n') {  /* empty line: fine only at the end */
      const uint8_t *t = q;
      while (t < end && (is_blank(*t) || *t == '\n')) t++;
      if (t == end) break;
      st = nn_error_set(err, NN_BADINPUT, "%s: line %zu: empty line (expected %zu %s)",
                        path, line, dd, what);
      goto fail;
    }
    uint8_t *dst = x + row * dd;
    size_t k = 0;
    for (;;) {
      while (p < end && is_blank(*p)) p++;
      const uint8_t *tok = p;
      unsigned v = 0;
      int neg = 0;
      if (p < end && *p == '-') neg = 1, p++;
      const uint8_t *digits = p;
      while (p < end && *p >= '0' && *p <= '9') {
        if (v <= maxval) v = v * 10 + (unsigned)(*p - '0');
        p++;
      }
      const uint8_t *tokend = p;
      while (p < end && is_blank(*p)) p++;
      int sep_ok = p == end || *p == ',' || *p == '\n';
      if (tokend == digits || !sep_ok) {
        char ex[96];
        excerpt(tok, end, ex, sizeof ex);
        if (ex[0])
          st = nn_error_set(err, NN_BADINPUT, "%s: line %zu, value %zu: '%s' is not an integer (expected 0..%u)",
                            path, line, k + 1, ex, maxval);
        else
          st = nn_error_set(err, NN_BADINPUT, "%s: line %zu, value %zu: empty value (expected an integer 0..%u)",
                            path, line, k + 1, maxval);
        goto fail;
      }
      if (neg || v > maxval) {
        st = nn_error_set(err, NN_BADINPUT, "%s: line %zu, value %zu: %.*s is out of range (expected 0..%u)",
                          path, line, k + 1, (int)(tokend - tok), (const char *)tok, maxval);
        goto fail;
      }
      if (k < dd) dst[k] = (uint8_t)v;
      k++;
      if (p < end && *p == ',') {
        p++;
        continue;
      }
      if (p < end) p++;  /* the '\n' */
      break;
    }
    if (k != dd) {
      st = nn_error_set(err, NN_BADINPUT, "%s: line %zu: expected %zu %s, found %zu",
                        path, line, dd, what, k);
      goto fail;
    }
    row++;
  }
  if (row == 0) {
    st = nn_error_set(err, NN_BADINPUT, "%s: no data, only empty lines (expected one row of %s a line)",
                      path, what);
    goto fail;
  }
  *n = row;
  *out = x;
  return NN_OK;
fail:
  free(x);
  return st;
}

/* -------------------------------------------------------------------- API */

static int join(char out[DATA_PATH_MAX], const char *dir, const char *name, const char *ext,
                nn_error *err) {
  size_t dl = strlen(dir);
  const char *sep = dl == 0 || dir[dl - 1] == '/' ? "" : "/";
  int k = snprintf(out, DATA_PATH_MAX, "%s%s%s%s", dir, sep, name, ext);
  if (k < 0 || k >= DATA_PATH_MAX) {
    /* the true limit, for this file's name (it said "at most 4032 bytes",
     * which held for no name) */
    const size_t more = strlen(sep) + strlen(name) + strlen(ext);
    return nn_error_set(err, NN_BADINPUT,
                        "%.200s%s: a data folder of %zu bytes is too long for its file %s%s: "
                        "the file's path must fit in %d bytes (PATH_MAX, the end included): at "
                        "most %zu bytes",
                        dir, dl > 200 ? "..." : "", dl, name, ext, DATA_PATH_MAX,
                        (size_t)DATA_PATH_MAX - 1 - more);
  }
  return NN_OK;
}

/* True when path exists or cannot be ruled out (loading will then say why). */
static int exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 || (errno != ENOENT && errno != ENOTDIR);
}

/* The end of a missing file's message: how the program's user points it
 * at another folder. */
static const char *elsewhere(enum data_hint hint, int idx) {
  if (hint == DATA_HINT_OPTION) return "or give --data DIR, the folder that holds them";
  return idx ? "or set data.dir"
             : "or set data.dir, or use data.format: idx after running `make data`";
}

static int find_one(char out[DATA_PATH_MAX], const char *dir, const char *name, int idx,
                    enum data_hint hint, nn_error *err) {
  char gz[DATA_PATH_MAX];
  int st = join(out, dir, name, "", err);
  if (st) return st;
  if (exists(out)) return NN_OK;
  if (!idx)
    return nn_error_set(err, NN_BADINPUT,
                        "%s: no such file (expected the CS229 CSV files in this folder; %s)",
                        out, elsewhere(hint, 0));
  if ((st = join(gz, dir, name, ".gz", err)) != NN_OK) return st;
  if (exists(gz)) {
    memcpy(out, gz, DATA_PATH_MAX);
    return NN_OK;
  }
  return nn_error_set(err, NN_BADINPUT,
                      "%s: no such file (nor %s.gz): run `make data` to fetch MNIST or "
                      "`make fashion-data` for Fashion-MNIST (%s)",
                      out, out, elsewhere(hint, 1));
}

int data_find(const char *dir, int format, enum data_split split, char images[DATA_PATH_MAX],
              char labels[DATA_PATH_MAX], nn_error *err) {
  return data_find_hint(dir, format, split, images, labels, DATA_HINT_SPEC, err);
}

int data_find_hint(const char *dir, int format, enum data_split split,
                   char images[DATA_PATH_MAX], char labels[DATA_PATH_MAX],
                   enum data_hint hint, nn_error *err) {
  int s = split == DATA_TEST ? 1 : 0;
  const char *const *names = format == 0 ? idx_names[s] : csv_names[s];
  int st = find_one(images, dir, names[0], format == 0, hint, err);
  if (!st) st = find_one(labels, dir, names[1], format == 0, hint, err);
  return st;
}

int data_load(dataset *ds, const char *dir, int format, enum data_split split, nn_error *err) {
  char images[DATA_PATH_MAX], labels[DATA_PATH_MAX];
  memset(ds, 0, sizeof *ds);
  int st = data_find(dir, format, split, images, labels, err);
  if (st) return st;
  return data_load_files(ds, images, labels, format, err);
}

static int copy_path(char out[DATA_PATH_MAX], const char *path, nn_error *err) {
  size_t k = strlen(path);
  if (k >= DATA_PATH_MAX)
    return nn_error_set(err, NN_BADINPUT, "%.64s...: path too long (at most %d bytes)", path,
                        DATA_PATH_MAX - 1);
  memcpy(out, path, k + 1);
  return NN_OK;
}

int data_load_files(dataset *ds, const char *images, const char *labels, int format,
                    nn_error *err) {
  int st;
  size_t dims[3] = {0, 0, 0}, ldims[3] = {0, 0, 0};
  memset(ds, 0, sizeof *ds);
  if ((st = copy_path(ds->images_path, images, err)) != NN_OK) goto fail;
  if ((st = copy_path(ds->labels_path, labels, err)) != NN_OK) goto fail;

  if (format == 0) {
    if ((st = idx_read(images, 1, &ds->x, dims, &ds->images_crc32, err)) != NN_OK) goto fail;
    if ((st = idx_read(labels, 0, &ds->y, ldims, &ds->labels_crc32, err)) != NN_OK) goto fail;
  } else {
    uint8_t *buf;
    size_t len, d = 0, one = 1;
    if ((st = slurp(images, &buf, &len, &ds->images_crc32, err)) != NN_OK) goto fail;
    st = csv_parse(images, buf, len, 255, "values", &ds->x, &dims[0], &d, err);
    free(buf);
    if (st) goto fail;
    dims[1] = 1;
    dims[2] = d;
    if ((st = slurp(labels, &buf, &len, &ds->labels_crc32, err)) != NN_OK) goto fail;
    st = csv_parse(labels, buf, len, DATA_MAX_CLASSES - 1, "label", &ds->y, &ldims[0], &one,
                   err);
    free(buf);
    if (st) goto fail;
  }
  if (ldims[0] != dims[0]) {
    st = nn_error_set(err, NN_BADINPUT, "%s: %zu label%s, but %s holds %zu image%s (the counts must agree)",
                      labels, ldims[0], text_s(ldims[0]), images, dims[0], text_s(dims[0]));
    goto fail;
  }
  unsigned top = 0;
  for (size_t i = 0; i < ldims[0]; i++)
    if (ds->y[i] > top) top = ds->y[i];
  ds->classes = (size_t)top + 1;
  ds->n = dims[0];
  ds->rows = dims[1];
  ds->cols = dims[2];
  ds->d = dims[1] * dims[2];
  return NN_OK;
fail:
  data_free(ds);
  return st;
}

int data_classes(const dataset *train, const dataset *test, size_t *k, nn_error *err) {
  *k = train->classes > test->classes ? train->classes : test->classes;
  if (*k < 2)
    return nn_error_set(err, NN_BADINPUT,
                        "%s: every label is 0, and so is every label of %s: one class, which "
                        "a softmax cannot learn (expected labels of at least 2 classes)",
                        train->labels_path, test->labels_path);
  return NN_OK;
}

int data_check_labels(const dataset *ds, size_t k, nn_error *err) {
  if (ds->classes <= k) return NN_OK;
  for (size_t i = 0; i < ds->n; i++)
    if (ds->y[i] >= k)
      return nn_error_set(err, NN_BADINPUT,
                          "%s: label %u at index %zu is out of range (expected 0..%zu: the "
                          "model has %zu classes)",
                          ds->labels_path, ds->y[i], i, k ? k - 1 : 0, k);
  return NN_OK;
}

void data_free(dataset *ds) {
  if (!ds) return;
  free(ds->x);
  free(ds->y);
  memset(ds, 0, sizeof *ds);
}

/* ----------------------------------------------------------------- numbers */

void data_moments(const dataset *ds, const size_t *rows, size_t nrows, double *mean,
                  double *std) {
  uint64_t hist[256] = {0};
  const size_t d = ds->d;
  for (size_t r = 0; r < nrows; r++) {
    const uint8_t *src = ds->x + (rows ? rows[r] : r) * d;
    for (size_t j = 0; j < d; j++) hist[src[j]]++;
  }
  uint64_t count = (uint64_t)nrows * d, sum = 0;
  if (count == 0) {
    *mean = 0.0;
    *std = 0.0;
    return;
  }
  for (unsigned v = 0; v < 256; v++) sum += hist[v] * v;  /* exact: < 2^54 */
  const double m = (double)sum / (double)count;
  double ss = 0.0;
  for (unsigned v = 0; v < 256; v++) {
    double dv = (double)v - m;
    ss += (double)hist[v] * dv * dv;
  }
  *mean = m;
  *std = sqrt(ss / (double)count);
}

void data_gather(const dataset *ds, const size_t *rows, size_t nrows, const double lut[256],
                 double *out) {
  const size_t d = ds->d;
  const uint8_t *x = ds->x;
  for (size_t r = 0; r < nrows; r++) {
    const uint8_t *restrict src = x + (rows ? rows[r] : r) * d;
    double *restrict dst = out + r * d;
    for (size_t j = 0; j < d; j++) dst[j] = lut[src[j]];
  }
}

void data_lut(double lut[256], double shift, double scale) {
  for (int v = 0; v < 256; v++) lut[v] = ((double)v - shift) / scale;
}

int data_sparse_init(data_sparse *s, const dataset *ds, nn_error *err) {
  memset(s, 0, sizeof *s);
  const size_t total = ds->n * ds->d;
  size_t nnz = 0;
  for (size_t i = 0; i < total; i++) nnz += ds->x[i] != 0;
  s->n = ds->n;
  s->d = ds->d;
  s->nnz = nnz;
  s->ptr = malloc((ds->n + 1) * sizeof *s->ptr);
  s->col = malloc((nnz ? nnz : 1) * sizeof *s->col);
  s->val = malloc(nnz ? nnz : 1);
  if (!s->ptr || !s->col || !s->val) {
    data_sparse_free(s);
    return nn_error_set(err, NN_FAIL, "out of memory for %zu non-zero pixels", nnz);
  }
  size_t k = 0;
  for (size_t i = 0; i < ds->n; i++) {
    const uint8_t *x = ds->x + i * ds->d;
    s->ptr[i] = k;
    for (size_t j = 0; j < ds->d; j++)
      if (x[j]) {
        s->col[k] = (uint32_t)j;
        s->val[k++] = x[j];
      }
  }
  s->ptr[ds->n] = k;
  return NN_OK;
}

void data_sparse_free(data_sparse *s) {
  if (!s) return;
  free(s->ptr);
  free(s->col);
  free(s->val);
  memset(s, 0, sizeof *s);
}

double data_density(const dataset *ds, const size_t *rows, size_t nrows) {
  size_t nonzero = 0;
  for (size_t r = 0; r < nrows; r++) {
    const uint8_t *x = ds->x + (rows ? rows[r] : r) * ds->d;
    for (size_t j = 0; j < ds->d; j++) nonzero += x[j] != 0;
  }
  return nrows && ds->d ? (double)nonzero / ((double)nrows * (double)ds->d) : 1.0;
}
