/* tests/pnginfo: decodes a PNG file with zlib and prints what the plot tests
 * check -- its size, whether it is blank, which colours it holds:
 *
 *   pnginfo FILE [RRGGBB ...]
 *   -> WIDTH HEIGHT COLOURS INK [COUNT ...]
 *
 * COLOURS counts distinct RGB values, INK is the share of pixels (per
 * thousand) that differ from the top-left (background) pixel, and each COUNT
 * is the number of pixels of exactly the colour RRGGBB.  8-bit, non-interlaced
 * greyscale, RGB, palette, and alpha images (composited on white); chunk CRCs
 * are checked.  Exit 0, or 1 with a message on anything it cannot read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static int die(const char *file, const char *what) {
  fprintf(stderr, "pnginfo: %s: %s\n", file, what);
  return 1;
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c) {
  int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Reverses the per-row filters in place; raw is (h, 1 + stride). */
static int unfilter(unsigned char *raw, size_t w, size_t h, size_t bpp) {
  size_t stride = w * bpp;
  for (size_t y = 0; y < h; y++) {
    unsigned char *row = raw + y * (stride + 1), *cur = row + 1;
    const unsigned char *prev = y ? raw + (y - 1) * (stride + 1) + 1 : NULL;
    for (size_t x = 0; x < stride; x++) {
      int a = x >= bpp ? cur[x - bpp] : 0, b = prev ? prev[x] : 0;
      int c = prev && x >= bpp ? prev[x - bpp] : 0;
      switch (row[0]) {
      case 0: break;
      case 1: cur[x] = (unsigned char)(cur[x] + a); break;
      case 2: cur[x] = (unsigned char)(cur[x] + b); break;
      case 3: cur[x] = (unsigned char)(cur[x] + (a + b) / 2); break;
      case 4: cur[x] = (unsigned char)(cur[x] + paeth(a, b, c)); break;
      default: return -1;
      }
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: pnginfo FILE.png [RRGGBB ...]\n");
    return 2;
  }
  const char *file = argv[1];
  FILE *f = fopen(file, "rb");
  if (!f) return die(file, "cannot open");
  unsigned char *png = NULL, *idat = NULL, *raw = NULL, *seen = NULL;
  size_t n = 0, cap = 0, nidat = 0;
  int rc = 1;
  for (;;) {
    if (n == cap && !(png = realloc(png, cap = cap ? 2 * cap : 65536))) break;
    size_t got = fread(png + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  if (ferror(f) || !png) {
    fclose(f);
    free(png);
    return die(file, "cannot read");
  }
  fclose(f);

  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  uint32_t w = 0, h = 0;
  int depth = 0, ctype = -1, interlace = 0, ended = 0;
  unsigned char palette[256][3] = {{0}};
  const char *why = "not a PNG file";
  if (n < 8 || memcmp(png, sig, 8) != 0) goto done;
  why = "truncated chunk";
  for (size_t at = 8; at + 12 <= n && !ended;) {
    uint32_t len = be32(png + at);
    const unsigned char *type = png + at + 4, *data = png + at + 8;
    if (len > n - at - 12) goto done;
    if (crc32(crc32(0, NULL, 0), type, len + 4) != be32(data + len)) {
      why = "chunk CRC mismatch";
      goto done;
    }
    if (memcmp(type, "IHDR", 4) == 0 && len == 13) {
      w = be32(data), h = be32(data + 4), depth = data[8], ctype = data[9], interlace = data[12];
    } else if (memcmp(type, "PLTE", 4) == 0 && len % 3 == 0 && len <= 768) {
      memcpy(palette, data, len);
    } else if (memcmp(type, "IDAT", 4) == 0) {
      unsigned char *more = realloc(idat, nidat + len + 1);
      if (!more) goto done;
      idat = more;
      memcpy(idat + nidat, data, len);
      nidat += len;
    } else if (memcmp(type, "IEND", 4) == 0) {
      ended = 1;
    }
    at += 12 + (size_t)len;
  }
  why = "no IHDR, IDAT or IEND";
  if (!ended || !w || !h || !idat) goto done;
  size_t bpp = ctype == 0 ? 1 : ctype == 2 ? 3 : ctype == 3 ? 1 : ctype == 4 ? 2 : ctype == 6 ? 4 : 0;
  why = "unsupported: only 8-bit, non-interlaced images";
  if (depth != 8 || interlace || !bpp || w > 100000 || h > 100000) goto done;
  uLongf size = (uLongf)h * (1 + (uLongf)w * bpp);
  why = "out of memory";
  if (!(raw = malloc(size)) || !(seen = calloc(1 << 21, 1))) goto done;
  uLongf out = size;
  why = "bad image data (zlib)";
  if (uncompress(raw, &out, idat, nidat) != Z_OK || out != size) goto done;
  why = "bad row filter";
  if (unfilter(raw, w, h, bpp)) goto done;

  int nwant = argc - 2;
  uint32_t want[64];
  unsigned long count[64] = {0};
  if (nwant > 64) nwant = 64;
  for (int i = 0; i < nwant; i++) want[i] = (uint32_t)strtoul(argv[2 + i], NULL, 16);
  unsigned long colours = 0, ink = 0;
  uint32_t background = 0;
  for (size_t y = 0; y < h; y++) {
    const unsigned char *row = raw + y * (1 + (size_t)w * bpp) + 1;
    for (size_t x = 0; x < w; x++) {
      const unsigned char *p = row + x * bpp;
      unsigned r, g, b, a = 255;
      switch (ctype) {
      case 0: r = g = b = p[0]; break;
      case 4: r = g = b = p[0], a = p[1]; break;
      case 3: r = palette[p[0]][0], g = palette[p[0]][1], b = palette[p[0]][2]; break;
      case 2: r = p[0], g = p[1], b = p[2]; break;
      default: r = p[0], g = p[1], b = p[2], a = p[3]; break;
      }
      r = (r * a + 255 * (255 - a) + 127) / 255;
      g = (g * a + 255 * (255 - a) + 127) / 255;
      b = (b * a + 255 * (255 - a) + 127) / 255;
      uint32_t rgb = r << 16 | g << 8 | b;
      if (x == 0 && y == 0) background = rgb;
      if (!(seen[rgb >> 3] & (1 << (rgb & 7)))) seen[rgb >> 3] |= (unsigned char)(1 << (rgb & 7)), colours++;
      ink += rgb != background;
      for (int i = 0; i < nwant; i++) count[i] += rgb == want[i];
    }
  }
  printf("%lu %lu %lu %lu", (unsigned long)w, (unsigned long)h, colours,
         (unsigned long)(ink * 1000 / ((unsigned long)w * h)));
  for (int i = 0; i < nwant; i++) printf(" %lu", count[i]);
  printf("\n");
  rc = 0;
done:
  if (rc) die(file, why);
  free(png);
  free(idat);
  free(raw);
  free(seen);
  return rc;
}
