/* fuzz_common.h: helpers shared by the libFuzzer harnesses of tests/fuzz --
 * one private scratch folder per process, files written from the input (raw
 * or gzip-compressed through zlib), and the input-splitting conventions.
 * Not a library: each harness includes it once.
 */
#ifndef NN_FUZZ_COMMON_H
#define NN_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* The process's scratch folder, made on first use (under TMPDIR or /tmp). */
static const char *fuzz_dir(void) {
  static char dir[256];
  if (!dir[0]) {
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/nnfuzz.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) {
      perror("mkdtemp");
      abort();
    }
  }
  return dir;
}

/* dir/name into out. */
static void fuzz_path(char out[512], const char *name) {
  snprintf(out, 512, "%s/%s", fuzz_dir(), name);
}

/* Writes len bytes to path, gzip-compressed when gz; aborts on I/O errors
 * (those would be the harness's fault, not the code under test's). */
static void fuzz_write(const char *path, const uint8_t *p, size_t len, int gz) {
  if (gz) {
    gzFile f = gzopen(path, "wb1");
    if (!f || (len && gzwrite(f, p, (unsigned)len) != (int)len) || gzclose(f) != Z_OK) abort();
    return;
  }
  FILE *f = fopen(path, "wb");
  if (!f || (len && fwrite(p, 1, len, f) != len) || fclose(f) != 0) abort();
}

/* The two-file input of fuzz_idx and fuzz_csv:
 *   byte 0      flags: 1 images named *.gz, 2 labels named *.gz,
 *               4 gzip the images part, 8 gzip the labels part
 *   bytes 1..4  length of the images part, little-endian (clamped)
 *   then        the images part, then the labels part (the rest). */
typedef struct fuzz_pair {
  int flags;
  const uint8_t *images, *labels;
  size_t nimages, nlabels;
} fuzz_pair;

static int fuzz_split_pair(const uint8_t *p, size_t len, fuzz_pair *out) {
  if (len < 5) return 0;
  out->flags = p[0];
  size_t n = (size_t)p[1] | (size_t)p[2] << 8 | (size_t)p[3] << 16 | (size_t)p[4] << 24;
  p += 5, len -= 5;
  if (n > len) n = len;
  out->images = p, out->nimages = n;
  out->labels = p + n, out->nlabels = len - n;
  return 1;
}

/* Writes both parts under the given base names; fills the paths used. */
static void fuzz_write_pair(const fuzz_pair *fp, const char *img_name, const char *lab_name,
                            char images[512], char labels[512]) {
  char name[256];
  snprintf(name, sizeof name, "%s%s", img_name, fp->flags & 1 ? ".gz" : "");
  fuzz_path(images, name);
  snprintf(name, sizeof name, "%s%s", lab_name, fp->flags & 2 ? ".gz" : "");
  fuzz_path(labels, name);
  fuzz_write(images, fp->images, fp->nimages, fp->flags & 4);
  fuzz_write(labels, fp->labels, fp->nlabels, fp->flags & 8);
}

#endif
