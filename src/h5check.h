/* h5check.h: checked HDF5 helpers -- the writers and the validating readers
 * that results.c builds the results file from.
 *
 * Writers return 0 or -1 (the caller names the object that failed).  Readers
 * return an nn_status and fill the reader's nn_error with "PATH: OBJECT: what
 * was expected, what was found"; nothing is allocated for a dataset before
 * its type, shape and stored size are checked (a hostile file may declare
 * any extent).
 *
 * Not here: which objects a results file holds (results.c).
 */
#ifndef NN_H5CHECK_H
#define NN_H5CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <hdf5.h>

#include "error.h"

/* A file access property list: the 1.8 file format (superblock 2, metadata
 * checksums), and no failure where file locks are not supported (NFS).
 * Negative on failure. */
hid_t h5_fapl(void);

/* Sets the superblock checksum of a file image from H5Fget_file_image().
 * HDF5 1.10 takes the image of a file open for writing with the
 * superblock's file-consistency flags cleared, but leaves the checksum that
 * was computed over the flags set (write access), so the image would not
 * open.  0, or -1 when image is no HDF5 superblock. */
int h5_fix_image(void *image, size_t size);

/* ---------------------------------------------------------------- writers */

/* Creation properties of every dataset and group: no modification times, so
 * that the same content gives the same bytes (cmp works on results files). */
typedef struct h5_wprops {
  hid_t fcpl, dcpl, gcpl;  /* the file's (for the root group), datasets', groups' */
} h5_wprops;

/* The string type of all text written: variable-length UTF-8. */
hid_t h5_string_type(void);

/* Scalar attributes of loc: a string (NULL as ""), int64, float64, uint32. */
int h5_write_attr_str(hid_t loc, const char *name, const char *s);
int h5_write_attr_i64(hid_t loc, const char *name, long long v);
int h5_write_attr_f64(hid_t loc, const char *name, double v);
int h5_write_attr_u32(hid_t loc, const char *name, uint32_t v);
/* An int64 attribute of shape (n), n >= 0. */
int h5_write_attr_i64s(hid_t loc, const char *name, const long *v, size_t n);

/* A contiguous dataset of rank 0 (scalar), 1 or 2; buf may be NULL when it
 * holds no elements. */
int h5_write_dset(const h5_wprops *p, hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                  int rank, const hsize_t *dims, const void *buf);

/* A float64 matrix (any tda) or vector (any stride). */
int h5_write_matrix(const h5_wprops *p, hid_t loc, const char *name, const gsl_matrix *M);
int h5_write_vector(const h5_wprops *p, hid_t loc, const char *name, const gsl_vector *v);

/* ---------------------------------------------------------------- readers */

/* The file being read, for messages, and where errors go. */
typedef struct h5_reader {
  const char *path;
  nn_error *err;
} h5_reader;

#define H5_ANY ((hsize_t)-1) /* any extent, in expected dims */

/* What an object must hold: float64, float32, a (64-bit) integer, a string. */
enum h5_kind { H5K_F64, H5K_F32, H5K_INT, H5K_STR };

/* Records "PATH: MSG" with status in c->err and returns status. */
int h5_bad(h5_reader *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Opens group what (its full name, for messages) = name of loc, after checking that it is one. */
int h5_open_group(h5_reader *c, hid_t loc, const char *what, const char *name, hid_t *g);

/* Opens dataset what (its full name, for messages) = name in loc and checks
 * its kind, rank and dims (H5_ANY entries match anything and are filled in)
 * and that the file holds its data; *out is the open dataset. */
int h5_open_dset(h5_reader *c, hid_t loc, const char *what, const char *name, enum h5_kind k,
                 int rank, hsize_t *dims, hid_t *out);

/* Reads all of a checked dataset (nelem elements of mtype) into buf, closes it. */
int h5_read_dset(h5_reader *c, const char *what, hid_t d, hid_t mtype, hsize_t nelem,
                 void *buf);

/* Opens, checks and reads a whole numeric dataset into *buf (malloc'd, the
 * caller frees); elem is the memory element size. */
int h5_load_dset(h5_reader *c, hid_t loc, const char *what, const char *name, enum h5_kind k,
                 int rank, hsize_t *dims, hid_t mtype, size_t elem, void **buf);

/* A string from attribute a or dataset d (the other negative) of type t,
 * fixed or variable length, into *out (malloc'd). */
int h5_read_string(h5_reader *c, const char *what, hid_t a, hid_t d, hid_t t, char **out);

/* Scalar attribute name of loc (called where in messages): a double, a long
 * long or a malloc'd string into out, by kind. */
int h5_read_attr(h5_reader *c, hid_t loc, const char *where, const char *name, enum h5_kind k,
                 void *out);

/* A string attribute into buf of n bytes; an integer attribute in [lo, hi]. */
int h5_read_attr_text(h5_reader *c, hid_t loc, const char *where, const char *name, char *buf,
                      size_t n);
int h5_read_attr_int(h5_reader *c, hid_t loc, const char *where, const char *name, long long lo,
                     long long hi, long long *v);

#endif
