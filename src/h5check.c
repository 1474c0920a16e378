/* h5check.c: the checked HDF5 helpers of the results file -- writers that
 * report failure, and readers that check an object's type, shape and stored
 * size before they allocate for it, with messages that name the object.
 * Not here: the layout of a results file (results.c). */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5check.h"

/* ================================================================ writer
 * Each helper returns 0 or -1; on -1 the caller names the object that failed. */

/* A file access property list: the 1.8 file format at both bounds
 * (superblock 2 and object headers 2, whose metadata carry checksums; dense
 * attribute storage for a long command line), and no failure where file locks are not
 * supported (NFS).  Negative on failure. */
hid_t h5_fapl(void) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0) return -1;
#if H5_VERSION_GE(1, 10, 2)
  if (H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0) goto fail;
#endif
#if H5_VERSION_GE(1, 10, 7)
  if (H5Pset_file_locking(fapl, 1, 1) < 0) goto fail;
#endif
  return fapl;
fail:
  H5Pclose(fapl);
  return -1;
}

/* Bob Jenkins' lookup3 hash (hashlittle, initial value 0): the checksum of
 * HDF5's metadata (H5_checksum_metadata), read byte by byte. */
#define ROT32(x, k) (((x) << (k)) | ((x) >> (32 - (k))))
static uint32_t lookup3(const unsigned char *k, size_t n) {
  uint32_t a, b, c;
  a = b = c = 0xdeadbeefu + (uint32_t)n;
  for (; n > 12; n -= 12, k += 12) {
    a += k[0] + ((uint32_t)k[1] << 8) + ((uint32_t)k[2] << 16) + ((uint32_t)k[3] << 24);
    b += k[4] + ((uint32_t)k[5] << 8) + ((uint32_t)k[6] << 16) + ((uint32_t)k[7] << 24);
    c += k[8] + ((uint32_t)k[9] << 8) + ((uint32_t)k[10] << 16) + ((uint32_t)k[11] << 24);
    a -= c, a ^= ROT32(c, 4), c += b;
    b -= a, b ^= ROT32(a, 6), a += c;
    c -= b, c ^= ROT32(b, 8), b += a;
    a -= c, a ^= ROT32(c, 16), c += b;
    b -= a, b ^= ROT32(a, 19), a += c;
    c -= b, c ^= ROT32(b, 4), b += a;
  }
  if (n == 0) return c;
  uint32_t w[3] = {0, 0, 0};
  for (size_t i = 0; i < n; i++) w[i / 4] += (uint32_t)k[i] << (8 * (i % 4));
  a += w[0], b += w[1], c += w[2];
  c ^= b, c -= ROT32(b, 14);
  a ^= c, a -= ROT32(c, 11);
  b ^= a, b -= ROT32(a, 25);
  c ^= b, c -= ROT32(b, 16);
  a ^= c, a -= ROT32(c, 4);
  b ^= a, b -= ROT32(a, 14);
  c ^= b, c -= ROT32(b, 24);
  return c;
}

int h5_fix_image(void *image, size_t size) {
  unsigned char *p = image;
  static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (size < 12 || memcmp(p, sig, 8) != 0) return -1;
  if (p[8] < 2) return 0; /* superblocks 0 and 1 have no checksum */
  /* signature, version, sizes of offsets and lengths, flags; base, extension,
   * EOF and root addresses; then the checksum */
  const size_t n = 12 + 4 * (size_t)p[9];
  if (n + 4 > size) return -1;
  uint32_t sum = lookup3(p, n);
  for (int i = 0; i < 4; i++) p[n + i] = (unsigned char)(sum >> (8 * i));
  return 0;
}

/* ================================================================ writer
 * Each helper returns 0 or -1; on -1 the caller names the object that failed. */

/* The string type of every text nnrun writes: variable-length UTF-8, which
 * h5py reads as str (fixed-length strings come back as bytes). */
hid_t h5_string_type(void) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0) return -1;
  if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
    H5Tclose(t);
    return -1;
  }
  return t;
}

static int h5_write_attr(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *buf) {
  int rc = -1;
  hid_t space = -1, attr = -1;
  if ((space = H5Screate(H5S_SCALAR)) < 0) goto done;
  if ((attr = H5Acreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT)) < 0) goto done;
  if (H5Awrite(attr, mtype, buf) < 0) goto done;
  rc = 0;
done:
  if (attr >= 0 && H5Aclose(attr) < 0) rc = -1;
  if (space >= 0 && H5Sclose(space) < 0) rc = -1;
  return rc;
}

int h5_write_attr_str(hid_t loc, const char *name, const char *s) {
  if (!s) s = "";
  hid_t t = h5_string_type();
  if (t < 0) return -1;
  int rc = h5_write_attr(loc, name, t, t, &s); /* a variable-length string: its pointer */
  if (H5Tclose(t) < 0) rc = -1;
  return rc;
}

int h5_write_attr_i64(hid_t loc, const char *name, long long v) {
  return h5_write_attr(loc, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &v);
}

int h5_write_attr_i64s(hid_t loc, const char *name, const long *v, size_t n) {
  int rc = -1;
  hsize_t dims[1] = {n};
  hid_t space = -1, attr = -1;
  if ((space = H5Screate_simple(1, dims, NULL)) < 0) goto done;
  if ((attr = H5Acreate2(loc, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT)) < 0)
    goto done;
  if (n > 0 && H5Awrite(attr, H5T_NATIVE_LONG, v) < 0) goto done;
  rc = 0;
done:
  if (attr >= 0 && H5Aclose(attr) < 0) rc = -1;
  if (space >= 0 && H5Sclose(space) < 0) rc = -1;
  return rc;
}

int h5_write_attr_f64(hid_t loc, const char *name, double v) {
  return h5_write_attr(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

int h5_write_attr_u32(hid_t loc, const char *name, uint32_t v) {
  return h5_write_attr(loc, name, H5T_STD_U32LE, H5T_NATIVE_UINT32, &v);
}

/* A contiguous dataset of rank 0 (scalar), 1 or 2; buf may be NULL when it
 * holds no elements. */
int h5_write_dset(const h5_wprops *p, hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                      int rank, const hsize_t *dims, const void *buf) {
  int rc = -1;
  hid_t space = -1, dset = -1;
  hsize_t n = 1;
  for (int i = 0; i < rank; i++) n *= dims[i];
  space = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
  if (space < 0) goto done;
  dset = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, p->dcpl, H5P_DEFAULT);
  if (dset < 0) goto done;
  if (n > 0 && H5Dwrite(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) goto done;
  rc = 0;
done:
  if (dset >= 0 && H5Dclose(dset) < 0) rc = -1;
  if (space >= 0 && H5Sclose(space) < 0) rc = -1;
  return rc;
}

int h5_write_matrix(const h5_wprops *p, hid_t loc, const char *name, const gsl_matrix *M) {
  hsize_t dims[2] = {M->size1, M->size2};
  if (M->tda == M->size2)
    return h5_write_dset(p, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, M->data);
  double *tmp = malloc(M->size1 * M->size2 * sizeof *tmp + 1);
  if (!tmp) return -1;
  for (size_t i = 0; i < M->size1; i++)
    memcpy(tmp + i * M->size2, M->data + i * M->tda, M->size2 * sizeof *tmp);
  int rc = h5_write_dset(p, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, tmp);
  free(tmp);
  return rc;
}

int h5_write_vector(const h5_wprops *p, hid_t loc, const char *name, const gsl_vector *v) {
  hsize_t dims[1] = {v->size};
  if (v->stride == 1)
    return h5_write_dset(p, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dims, v->data);
  double *tmp = malloc(v->size * sizeof *tmp + 1);
  if (!tmp) return -1;
  for (size_t i = 0; i < v->size; i++) tmp[i] = v->data[i * v->stride];
  int rc = h5_write_dset(p, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dims, tmp);
  free(tmp);
  return rc;
}

/* ================================================================ reader */

int h5_bad(h5_reader *c, int status, const char *fmt, ...) {
  char msg[NN_ERROR_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return nn_error_set(c->err, status, "%s: %s", c->path, msg);
}

/* "float64", "int32", "uint64", "string", ... */
static void type_name(hid_t t, char *buf, size_t n) {
  size_t size = H5Tget_size(t);
  switch (H5Tget_class(t)) {
    case H5T_FLOAT: snprintf(buf, n, "float%zu", 8 * size); break;
    case H5T_INTEGER:
      snprintf(buf, n, "%sint%zu", H5Tget_sign(t) == H5T_SGN_NONE ? "u" : "", 8 * size);
      break;
    case H5T_STRING: snprintf(buf, n, "string"); break;
    case H5T_COMPOUND: snprintf(buf, n, "compound"); break;
    case H5T_ARRAY: snprintf(buf, n, "array"); break;
    case H5T_VLEN: snprintf(buf, n, "vlen"); break;
    case H5T_ENUM: snprintf(buf, n, "enum"); break;
    default: snprintf(buf, n, "an unsupported type"); break;
  }
}

static const char *kind_name(enum h5_kind k) {
  return k == H5K_F64 ? "float64" : k == H5K_F32 ? "float32" : k == H5K_INT ? "int64" : "string";
}

/* "scalar", "(784, 300)", "(*)", "null" */
static void dims_name(int rank, const hsize_t *dims, char *buf, size_t n) {
  if (rank < 0) {
    snprintf(buf, n, "null");
    return;
  }
  if (rank == 0) {
    snprintf(buf, n, "scalar");
    return;
  }
  size_t len = 0;
  for (int i = 0; i < rank && len < n; i++) {
    if (dims[i] == H5_ANY)
      len += snprintf(buf + len, n - len, "%s*", i ? ", " : "(");
    else
      len += snprintf(buf + len, n - len, "%s%llu", i ? ", " : "(", (unsigned long long)dims[i]);
  }
  if (len < n) snprintf(buf + len, n - len, ")");
}

/* Checks type t and dataspace s of object what against kind, rank and dims
 * (entries H5_ANY match anything and are filled in).  Integers must be 64-bit
 * for datasets; attributes (strict == 0) may hold any integer width. */
static int h5_check_shape(h5_reader *c, const char *what, hid_t t, hid_t s, enum h5_kind k, int strict,
                       int rank, hsize_t *dims) {
  H5T_class_t cls = H5Tget_class(t);
  size_t size = H5Tget_size(t);
  int ok = 0;
  switch (k) {
    case H5K_F64: ok = cls == H5T_FLOAT && size == 8; break;
    case H5K_F32: ok = cls == H5T_FLOAT && size == 4; break;
    case H5K_INT: ok = cls == H5T_INTEGER && (size == 8 || (!strict && size > 0 && size < 8)); break;
    case H5K_STR: ok = cls == H5T_STRING; break;
  }
  hsize_t got[H5S_MAX_RANK];
  int grank = -1;
  H5S_class_t scls = H5Sget_simple_extent_type(s);
  if (scls == H5S_SCALAR) grank = 0;
  else if (scls == H5S_SIMPLE) grank = H5Sget_simple_extent_dims(s, got, NULL);
  if (grank != rank) ok = 0;
  for (int i = 0; ok && i < rank; i++)
    if (dims[i] != H5_ANY && dims[i] != got[i]) ok = 0;
  if (!ok) {
    char tn[32], want[96], have[96];
    hsize_t shown[H5S_MAX_RANK];
    for (int i = 0; i < rank; i++) shown[i] = dims[i] == H5_ANY && grank == rank ? got[i] : dims[i];
    type_name(t, tn, sizeof tn);
    dims_name(rank, shown, want, sizeof want);
    dims_name(grank, got, have, sizeof have);
    return h5_bad(c, NN_BADINPUT, "%s: expected %s %s, got %s %s", what, kind_name(k), want, tn,
               have);
  }
  for (int i = 0; i < rank; i++) dims[i] = got[i];
  return NN_OK;
}

/* The type of object name in loc (H5O_TYPE_UNKNOWN when it cannot be told). */
static H5O_type_t h5_object_type(hid_t loc, const char *name) {
#if H5_VERSION_GE(1, 12, 0)
  H5O_info2_t info;
  if (H5Oget_info_by_name3(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
    return H5O_TYPE_UNKNOWN;
#elif H5_VERSION_GE(1, 10, 3)
  H5O_info_t info;
  if (H5Oget_info_by_name2(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
    return H5O_TYPE_UNKNOWN;
#else
  H5O_info_t info;
  if (H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT) < 0) return H5O_TYPE_UNKNOWN;
#endif
  return info.type;
}

/* Checks that name in loc is a hard link, an object of this file: a soft or
 * external link (or a user-defined one) would make the reader open what the
 * link points to, another object or another file (a FIFO hangs the reader,
 * a secret file is read).  It does not follow the link to look. */
static int h5_check_link(h5_reader *c, hid_t loc, const char *what, const char *name) {
  htri_t there = H5Lexists(loc, name, H5P_DEFAULT);
  if (there <= 0)
    return h5_bad(c, NN_BADINPUT, "%s: %s", what,
               there ? "cannot look it up (damaged file?)" : "missing");
#if H5_VERSION_GE(1, 12, 0)
  H5L_info2_t info;
  herr_t rc = H5Lget_info2(loc, name, &info, H5P_DEFAULT);
#else
  H5L_info_t info;
  herr_t rc = H5Lget_info(loc, name, &info, H5P_DEFAULT);
#endif
  if (rc < 0) return h5_bad(c, NN_BADINPUT, "%s: cannot look it up (damaged file?)", what);
  if (info.type != H5L_TYPE_HARD)
    return h5_bad(c, NN_BADINPUT, "%s: %s, not an object of this file (nnrun follows no links)",
                  what, info.type == H5L_TYPE_SOFT       ? "a soft link"
                        : info.type == H5L_TYPE_EXTERNAL ? "an external link to another file"
                                                         : "a user-defined link");
  return NN_OK;
}

/* Opens group what (its full name, for messages) = name of loc. */
int h5_open_group(h5_reader *c, hid_t loc, const char *what, const char *name, hid_t *g) {
  int status = h5_check_link(c, loc, what, name);
  if (status) return status;
  H5O_type_t type = h5_object_type(loc, name);
  if (type == H5O_TYPE_UNKNOWN) /* a damaged header: a checksum, or worse */
    return h5_bad(c, NN_BADINPUT, "%s: cannot read its object header (damaged file?)", what);
  if (type != H5O_TYPE_GROUP) return h5_bad(c, NN_BADINPUT, "%s: expected a group", what);
  if ((*g = H5Gopen2(loc, name, H5P_DEFAULT)) < 0)
    return h5_bad(c, NN_BADINPUT, "%s: cannot open", what);
  return NN_OK;
}

/* Checks that dataset d (type t, space s) keeps its data inside the file,
 * as nnrun writes it, before anyone reads or allocates for it:
 *   - layout contiguous, chunked or compact; no external storage (raw data
 *     in another file: /etc/shadow, a FIFO) and no virtual layout (data
 *     mapped from other files);
 *   - no filters: nnrun writes none, and compression is what lets a small
 *     file declare a huge dataset (deflate packs 1 GB of zeros into 1 MB);
 *   - without filters the data's bytes are in the file, so a dataset that
 *     declares more bytes than the whole file is damaged or hostile.
 * A reader then allocates at most the file's size per dataset. */
static int h5_check_storage(h5_reader *c, const char *what, hid_t d, hid_t t, hid_t s) {
  hssize_t npoints = H5Sget_simple_extent_npoints(s);
  size_t size = H5Tget_size(t);
  hid_t dcpl = H5Dget_create_plist(d), fid = -1;
  H5D_layout_t layout = dcpl >= 0 ? H5Pget_layout(dcpl) : H5D_LAYOUT_ERROR;
  int nexternal = dcpl >= 0 && layout != H5D_VIRTUAL ? H5Pget_external_count(dcpl) : 0;
  int nfilters = dcpl >= 0 ? H5Pget_nfilters(dcpl) : -1;
  char filter[64] = "", shown[96] = "";
  if (nfilters > 0) {
    unsigned flags, conf;
    size_t nv = 0;
    H5Z_filter_t id = H5Pget_filter2(dcpl, 0, &flags, &nv, NULL, sizeof filter, filter, &conf);
    filter[sizeof filter - 1] = '\0';
    for (char *p = filter; *p; p++) /* a name from the file: plain text only */
      if (*p < 0x20 || *p > 0x7e) *p = '?';
    if (id < 0) snprintf(shown, sizeof shown, "filters");
    else if (filter[0]) snprintf(shown, sizeof shown, "filter '%s'", filter);
    else snprintf(shown, sizeof shown, "filter %d", (int)id);
    if (nfilters > 1 && id >= 0) snprintf(shown + strlen(shown), sizeof shown - strlen(shown),
                                          " and %d more", nfilters - 1);
  }
  if (dcpl >= 0) H5Pclose(dcpl);
  if (layout == H5D_VIRTUAL)
    return h5_bad(c, NN_BADINPUT, "%s: a virtual dataset (data mapped from other files); nnrun "
                  "reads only data stored inside the results file", what);
  if (nexternal != 0)
    return h5_bad(c, NN_BADINPUT, "%s: its data is stored in %s (external storage); nnrun reads "
                  "only data stored inside the results file", what,
                  nexternal > 0 ? "another file" : "an unreadable list of files");
  if (layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED && layout != H5D_COMPACT)
    return h5_bad(c, NN_BADINPUT, "%s: cannot read its layout (damaged file?)", what);
  if (nfilters != 0)
    return h5_bad(c, NN_BADINPUT, "%s: stored through HDF5 %s, which nnrun never writes "
                  "(compressed? h5repack -f NONE undoes it)", what,
                  nfilters > 0 ? shown : "filters");
  hsize_t file_size = 0;
  if ((fid = H5Iget_file_id(d)) < 0 || H5Fget_filesize(fid, &file_size) < 0) file_size = 0;
  if (fid >= 0) H5Fclose(fid);
  if (npoints < 0 || size == 0 || file_size == 0)
    return h5_bad(c, NN_BADINPUT, "%s: cannot read its layout (damaged file?)", what);
  hsize_t have = H5Dget_storage_size(d);
  if ((hsize_t)npoints > file_size / size)
    return h5_bad(c, NN_BADINPUT, "%s: declares %llu elements of %zu bytes, more than the whole "
                  "file of %llu bytes holds (damaged file?)", what, (unsigned long long)npoints,
                  size, (unsigned long long)file_size);
  if ((hsize_t)npoints * size > have)
    return h5_bad(c, NN_BADINPUT, "%s: declares %llu elements of %zu bytes, but the file holds %llu "
               "bytes of them (damaged file?)", what, (unsigned long long)npoints, size,
               (unsigned long long)have);
  return NN_OK;
}

/* Opens dataset what (full name, for messages) = name in loc, checks it, and
 * returns its id and memory type for reading. */
int h5_open_dset(h5_reader *c, hid_t loc, const char *what, const char *name, enum h5_kind k,
                     int rank, hsize_t *dims, hid_t *out) {
  hid_t t = -1, s = -1;
  int status;
  *out = -1;
  if ((status = h5_check_link(c, loc, what, name))) return status;
  H5O_type_t type = h5_object_type(loc, name);
  if (type == H5O_TYPE_UNKNOWN)
    return h5_bad(c, NN_BADINPUT, "%s: cannot read its object header (damaged file?)", what);
  if (type != H5O_TYPE_DATASET) return h5_bad(c, NN_BADINPUT, "%s: expected a dataset", what);
  if ((*out = H5Dopen2(loc, name, H5P_DEFAULT)) < 0 || (t = H5Dget_type(*out)) < 0 ||
      (s = H5Dget_space(*out)) < 0) {
    status = h5_bad(c, NN_BADINPUT, "%s: cannot open", what);
    goto done;
  }
  status = h5_check_shape(c, what, t, s, k, 1, rank, dims);
  if (status == NN_OK) status = h5_check_storage(c, what, *out, t, s);
done:
  if (t >= 0) H5Tclose(t);
  if (s >= 0) H5Sclose(s);
  if (status != NN_OK && *out >= 0) {
    H5Dclose(*out);
    *out = -1;
  }
  return status;
}

/* Reads all of a checked dataset (nelem elements of mtype) into buf, closes it. */
int h5_read_dset(h5_reader *c, const char *what, hid_t d, hid_t mtype, hsize_t nelem,
                     void *buf) {
  int status = NN_OK;
  if (nelem > 0 && H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
    status = h5_bad(c, NN_BADINPUT, "%s: cannot read (damaged file?)", what);
  H5Dclose(d);
  return status;
}

/* Whole numeric dataset of known (or H5_ANY) shape, allocated: *buf owned by the
 * caller.  elem is the memory element size. */
int h5_load_dset(h5_reader *c, hid_t loc, const char *what, const char *name, enum h5_kind k,
                     int rank, hsize_t *dims, hid_t mtype, size_t elem, void **buf) {
  hid_t d;
  int status = h5_open_dset(c, loc, what, name, k, rank, dims, &d);
  if (status) return status;
  size_t n = 1;
  for (int i = 0; i < rank; i++) {
    if (dims[i] && n > SIZE_MAX / 16 / dims[i]) {
      H5Dclose(d);
      return h5_bad(c, NN_BADINPUT, "%s: too large", what);
    }
    n *= dims[i];
  }
  *buf = malloc(n * elem + 1);
  if (!*buf) {
    H5Dclose(d);
    return h5_bad(c, NN_FAIL, "%s: out of memory", what);
  }
  status = h5_read_dset(c, what, d, mtype, n, *buf);
  if (status) {
    free(*buf);
    *buf = NULL;
  }
  return status;
}

/* Reads a string from attribute a or dataset d (the other is negative) of
 * type t into a malloc'd buffer. */
int h5_read_string(h5_reader *c, const char *what, hid_t a, hid_t d, hid_t t, char **out) {
  int status = NN_OK;
  hid_t mt = H5Tcopy(H5T_C_S1);
  htri_t var = H5Tis_variable_str(t);
  *out = NULL;
  if (mt < 0 || var < 0) {
    status = h5_bad(c, NN_BADINPUT, "%s: cannot read string type", what);
    goto done;
  }
  if (var) {
    char *s = NULL;
    if (H5Tset_size(mt, H5T_VARIABLE) < 0 || H5Tset_cset(mt, H5Tget_cset(t)) < 0 ||
        (a >= 0 ? H5Aread(a, mt, &s) : H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s)) < 0) {
      status = h5_bad(c, NN_BADINPUT, "%s: cannot read", what);
      goto done;
    }
    *out = strdup(s ? s : "");
    if (s) H5free_memory(s);
  } else {
    size_t size = H5Tget_size(t);
    if (size == 0 || size > (64u << 20)) {
      status = h5_bad(c, NN_BADINPUT, "%s: string of %zu bytes", what, size);
      goto done;
    }
    *out = malloc(size + 1);
    if (!*out) {
      status = h5_bad(c, NN_FAIL, "%s: out of memory", what);
      goto done;
    }
    if (H5Tset_size(mt, size + 1) < 0 || H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0 ||
        H5Tset_cset(mt, H5Tget_cset(t)) < 0 ||
        (a >= 0 ? H5Aread(a, mt, *out) : H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out)) <
            0) {
      status = h5_bad(c, NN_BADINPUT, "%s: cannot read", what);
      goto done;
    }
    (*out)[size] = '\0';
  }
  if (!*out) status = h5_bad(c, NN_FAIL, "%s: out of memory", what);
done:
  if (status != NN_OK) {
    free(*out);
    *out = NULL;
  }
  if (mt >= 0) H5Tclose(mt);
  return status;
}

/* Scalar attribute name of loc (called where): checks kind, then reads a
 * double, a long long or a malloc'd string into out. */
int h5_read_attr(h5_reader *c, hid_t loc, const char *where, const char *name, enum h5_kind k,
                     void *out) {
  char what[256];
  hid_t a = -1, t = -1, s = -1;
  int status;
  snprintf(what, sizeof what, "%s attribute '%s'", where, name);
  htri_t there = H5Aexists(loc, name);
  if (there <= 0)
    return h5_bad(c, NN_BADINPUT, "%s: %s", what,
               there ? "cannot look it up (damaged file?)" : "missing");
  if ((a = H5Aopen(loc, name, H5P_DEFAULT)) < 0 || (t = H5Aget_type(a)) < 0 ||
      (s = H5Aget_space(a)) < 0) {
    status = h5_bad(c, NN_BADINPUT, "%s: cannot open", what);
    goto done;
  }
  if ((status = h5_check_shape(c, what, t, s, k, 0, 0, NULL))) goto done;
  if (k == H5K_STR) {
    status = h5_read_string(c, what, a, -1, t, (char **)out);
  } else if (H5Aread(a, k == H5K_F64 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_LLONG, out) < 0) {
    status = h5_bad(c, NN_BADINPUT, "%s: cannot read", what);
  }
done:
  if (s >= 0) H5Sclose(s);
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  return status;
}

/* String attribute into a fixed buffer of n bytes. */
int h5_read_attr_text(h5_reader *c, hid_t loc, const char *where, const char *name, char *buf,
                          size_t n) {
  char *s;
  int status = h5_read_attr(c, loc, where, name, H5K_STR, &s);
  if (status) return status;
  if (strlen(s) >= n)
    status = h5_bad(c, NN_BADINPUT, "%s attribute '%s': longer than %zu bytes", where, name, n - 1);
  else
    memcpy(buf, s, strlen(s) + 1);
  free(s);
  return status;
}

/* Integer attribute in [lo, hi]. */
int h5_read_attr_int(h5_reader *c, hid_t loc, const char *where, const char *name, long long lo,
                         long long hi, long long *v) {
  int status = h5_read_attr(c, loc, where, name, H5K_INT, v);
  if (!status && (*v < lo || *v > hi))
    status = h5_bad(c, NN_BADINPUT, "%s attribute '%s': expected %lld .. %lld, got %lld", where,
                 name, lo, hi, *v);
  return status;
}

