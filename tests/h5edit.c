/* h5edit: damages an HDF5 file in one precise way, for the bad-input tests
 * (tests/badinput.sh).  A test helper, not a user tool: it says what failed
 * and exits 1.
 *
 *   h5edit FILE rm OBJ                    delete the link OBJ
 *   h5edit FILE mv OBJ NEW                rename OBJ to NEW
 *   h5edit FILE dset OBJ TYPE DIMS [V]    replace OBJ by a dataset of zeros (or V)
 *   h5edit FILE empty OBJ TYPE DIMS       same, its storage never written
 *   h5edit FILE group OBJ                 replace OBJ by an empty group
 *   h5edit FILE text OBJ TEXT             replace OBJ by a scalar string dataset
 *   h5edit FILE attr OBJ NAME TYPE VALUE  replace attribute NAME of OBJ
 *   h5edit FILE rmattr OBJ NAME           delete attribute NAME of OBJ
 *   h5edit FILE external OBJ TYPE DIMS TARGET  replace OBJ by a dataset whose
 *                                         storage is the file TARGET (external)
 *   h5edit FILE virtual OBJ TYPE DIMS TARGET SRC  the same as a virtual dataset
 *                                         mapping all of dataset SRC of TARGET
 *   h5edit FILE extlink OBJ TARGET SRC    replace OBJ by an external link to SRC of TARGET
 *   h5edit FILE softlink OBJ SRC          replace OBJ by a soft link to SRC
 *   h5edit FILE deflate OBJ TYPE DIMS     replace OBJ by zeros, chunked and deflated
 *                                         (a compression bomb for large DIMS)
 *
 * TYPE: f64 f32 i64 i32 u8 str; DIMS: scalar, N, NxM or NxMxK.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

static void die(const char *what) {
  fprintf(stderr, "h5edit: %s failed\n", what);
  exit(1);
}

static hid_t type_of(const char *name, size_t strsize) {
  if (!strcmp(name, "f64")) return H5Tcopy(H5T_IEEE_F64LE);
  if (!strcmp(name, "f32")) return H5Tcopy(H5T_IEEE_F32LE);
  if (!strcmp(name, "i64")) return H5Tcopy(H5T_STD_I64LE);
  if (!strcmp(name, "i32")) return H5Tcopy(H5T_STD_I32LE);
  if (!strcmp(name, "u8")) return H5Tcopy(H5T_STD_U8LE);
  if (!strcmp(name, "str")) {
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0 || H5Tset_size(t, strsize) < 0) die("string type");
    return t;
  }
  die("unknown TYPE");
  return -1;
}

static hid_t space_of(const char *dims) {
  hsize_t d[3];
  int rank = 0;
  if (!strcmp(dims, "scalar")) return H5Screate(H5S_SCALAR);
  for (const char *p = dims; rank < 3; rank++) {
    char *end;
    d[rank] = strtoull(p, &end, 10);
    if (end == p) die("DIMS");
    if (*end != 'x') {
      rank++;
      break;
    }
    p = end + 1;
  }
  return H5Screate_simple(rank, d, NULL);
}

/* Deletes obj when it exists. */
static void unlink_obj(hid_t f, const char *obj) {
  if (H5Lexists(f, obj, H5P_DEFAULT) > 0 && H5Ldelete(f, obj, H5P_DEFAULT) < 0) die("H5Ldelete");
}

static void make_dset(hid_t f, const char *obj, const char *tname, const char *dims, int write,
                      const char *text, const char *value) {
  hid_t t = type_of(tname, text ? strlen(text) + 1 : 2), s = space_of(text ? "scalar" : dims);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (t < 0 || s < 0 || dcpl < 0) die("type, space or property list");
  if (!write && (H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_LATE) < 0 ||
                 H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0))
    die("H5Pset_alloc_time");
  unlink_obj(f, obj);
  hid_t d = H5Dcreate2(f, obj, t, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (d < 0) die("H5Dcreate2");
  if (write) {
    hssize_t n = H5Sget_simple_extent_npoints(s);
    size_t size = H5Tget_size(t);
    char *buf = calloc((size_t)n + 1, size);
    if (!buf) die("calloc");
    if (text) memcpy(buf, text, strlen(text) + 1);
    hid_t mt = t;
    if (value && !text) {  /* every element = value, written as double or long long */
      int real = H5Tget_class(t) == H5T_FLOAT;
      free(buf);
      if (!(buf = calloc((size_t)n + 1, 8))) die("calloc");
      for (hssize_t i = 0; i < n; i++) {
        if (real) ((double *)(void *)buf)[i] = atof(value);
        else ((long long *)(void *)buf)[i] = atoll(value);
      }
      mt = real ? H5T_NATIVE_DOUBLE : H5T_NATIVE_LLONG;
    }
    if (n > 0 && H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) die("H5Dwrite");
    free(buf);
  }
  if (H5Dclose(d) < 0 || H5Pclose(dcpl) < 0 || H5Sclose(s) < 0 || H5Tclose(t) < 0) die("close");
}

/* The crafted layouts: external storage, virtual, deflate (see the usage above). */
static void make_layout(hid_t f, const char *op, const char *obj, const char *tname,
                        const char *dims, const char *target, const char *src) {
  hid_t t = type_of(tname, 2), s = space_of(dims), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (t < 0 || s < 0 || dcpl < 0) die("type, space or property list");
  hssize_t n = H5Sget_simple_extent_npoints(s);
  size_t size = H5Tget_size(t);
  int rank = H5Sget_simple_extent_ndims(s);
  hsize_t d[3] = {1, 1, 1};
  if (rank > 0) H5Sget_simple_extent_dims(s, d, NULL);
  if (!strcmp(op, "external")) {
    if (H5Pset_external(dcpl, target, 0, (hsize_t)n * size) < 0) die("H5Pset_external");
  } else if (!strcmp(op, "virtual")) {
    hid_t ss = H5Scopy(s); /* the source is never opened here: it may be a FIFO */
    if (ss < 0 || H5Pset_virtual(dcpl, s, target, src, ss) < 0) die("H5Pset_virtual");
    H5Sclose(ss);
  } else { /* deflate: chunks of up to 1M elements along the first axis */
    hsize_t chunk[3] = {d[0], d[1], d[2]};
    hsize_t per_row = (hsize_t)n / (d[0] ? d[0] : 1);
    chunk[0] = per_row ? ((hsize_t)1 << 20) / per_row : 1;
    if (chunk[0] == 0) chunk[0] = 1;
    if (chunk[0] > d[0]) chunk[0] = d[0] ? d[0] : 1;
    if (H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_deflate(dcpl, 9) < 0) die("H5Pset_deflate");
  }
  unlink_obj(f, obj);
  hid_t ds = H5Dcreate2(f, obj, t, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (ds < 0) die("H5Dcreate2");
  if (!strcmp(op, "deflate")) { /* write every chunk, one slab of zeros at a time */
    hsize_t rows = ((hsize_t)1 << 20) / ((hsize_t)n / (d[0] ? d[0] : 1) ? (hsize_t)n / d[0] : 1);
    if (rows == 0) rows = 1;
    char *zeros = calloc((size_t)(rows * ((hsize_t)n / (d[0] ? d[0] : 1))) + 1, size);
    if (!zeros) die("calloc");
    for (hsize_t r = 0; r < d[0]; r += rows) {
      hsize_t start[3] = {r, 0, 0}, count[3] = {d[0] - r < rows ? d[0] - r : rows, d[1], d[2]};
      hid_t ms = H5Screate_simple(rank, count, NULL);
      if (ms < 0 || H5Sselect_hyperslab(s, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
          H5Dwrite(ds, t, ms, s, H5P_DEFAULT, zeros) < 0)
        die("H5Dwrite");
      H5Sclose(ms);
    }
    free(zeros);
  }
  if (H5Dclose(ds) < 0 || H5Pclose(dcpl) < 0 || H5Sclose(s) < 0 || H5Tclose(t) < 0) die("close");
}

static void set_attr(hid_t f, const char *obj, const char *name, const char *tname,
                     const char *value) {
  hid_t o = H5Oopen(f, obj, H5P_DEFAULT);
  if (o < 0) die("H5Oopen");
  if (H5Aexists(o, name) > 0 && H5Adelete(o, name) < 0) die("H5Adelete");
  hid_t t = type_of(tname, strlen(value) + 1), s = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(o, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) die("H5Acreate2");
  double dv = atof(value);
  long long iv = atoll(value);
  const void *buf = !strcmp(tname, "str") ? (const void *)value
                    : !strcmp(tname, "f64") ? (const void *)&dv : (const void *)&iv;
  hid_t mt = !strcmp(tname, "str") ? t : !strcmp(tname, "f64") ? H5T_NATIVE_DOUBLE : H5T_NATIVE_LLONG;
  if (H5Awrite(a, mt, buf) < 0) die("H5Awrite");
  if (H5Aclose(a) < 0 || H5Sclose(s) < 0 || H5Tclose(t) < 0 || H5Oclose(o) < 0) die("close");
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: h5edit FILE OP ARGS (see tests/h5edit.c)\n");
    return 1;
  }
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hid_t f = H5Fopen(argv[1], H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0) die("H5Fopen");
  const char *op = argv[2], *obj = argv[3];
  if (!strcmp(op, "rm")) {
    unlink_obj(f, obj);
  } else if (!strcmp(op, "mv") && argc == 5) {
    if (H5Lmove(f, obj, f, argv[4], H5P_DEFAULT, H5P_DEFAULT) < 0) die("H5Lmove");
  } else if ((!strcmp(op, "dset") && (argc == 6 || argc == 7)) ||
             (!strcmp(op, "empty") && argc == 6)) {
    make_dset(f, obj, argv[4], argv[5], !strcmp(op, "dset"), NULL, argc == 7 ? argv[6] : NULL);
  } else if (!strcmp(op, "text") && argc == 5) {
    make_dset(f, obj, "str", "scalar", 1, argv[4], NULL);
  } else if (!strcmp(op, "group")) {
    unlink_obj(f, obj);
    hid_t g = H5Gcreate2(f, obj, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0 || H5Gclose(g) < 0) die("H5Gcreate2");
  } else if (!strcmp(op, "attr") && argc == 7) {
    set_attr(f, obj, argv[4], argv[5], argv[6]);
  } else if ((!strcmp(op, "external") && argc == 7) || (!strcmp(op, "virtual") && argc == 8) ||
             (!strcmp(op, "deflate") && argc == 6)) {
    make_layout(f, op, obj, argv[4], argv[5], argc > 6 ? argv[6] : NULL, argc > 7 ? argv[7] : NULL);
  } else if (!strcmp(op, "extlink") && argc == 6) {
    unlink_obj(f, obj);
    if (H5Lcreate_external(argv[4], argv[5], f, obj, H5P_DEFAULT, H5P_DEFAULT) < 0)
      die("H5Lcreate_external");
  } else if (!strcmp(op, "softlink") && argc == 5) {
    unlink_obj(f, obj);
    if (H5Lcreate_soft(argv[4], f, obj, H5P_DEFAULT, H5P_DEFAULT) < 0) die("H5Lcreate_soft");
  } else if (!strcmp(op, "rmattr") && argc == 5) {
    hid_t o = H5Oopen(f, obj, H5P_DEFAULT);
    if (o < 0 || H5Adelete(o, argv[4]) < 0 || H5Oclose(o) < 0) die("H5Adelete");
  } else {
    fprintf(stderr, "h5edit: bad operation '%s' or argument count\n", op);
    return 1;
  }
  if (H5Fclose(f) < 0) die("H5Fclose");
  return 0;
}
