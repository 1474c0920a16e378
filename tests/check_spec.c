/* check_spec.c: unit tests of spec.c -- the key table, YAML loading, overrides,
 * the exact error messages and the spec_to_yaml round trip.
 * Command-line cases live in tests/specs/ (run by the shell driver). */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spec.h"

/* ------------------------------------------------------------ helpers */

static int load(spec *s, const char *yaml, nn_error *e) {
  nn_error_clear(e);
  return spec_load_string(s, yaml, strlen(yaml), "t.yaml", e);
}

/* Loading yaml must fail with exactly msg. */
static void bad(const char *yaml, const char *msg) {
  spec s;
  nn_error e;
  int rc = load(&s, yaml, &e);
  ck_assert_msg(rc == NN_BADINPUT, "accepted (rc %d): %s", rc, yaml);
  ck_assert_int_eq(e.status, NN_BADINPUT);
  ck_assert_str_eq(e.msg, msg);
}

/* Loading yaml must succeed. */
static void good(spec *s, const char *yaml) {
  nn_error e;
  int rc = load(s, yaml, &e);
  ck_assert_msg(rc == NN_OK, "rejected: %s -> %s", yaml, e.msg);
}

/* Override arg on the defaults must fail with exactly msg and change nothing. */
static void bad_override(const char *arg, const char *msg) {
  spec s, before;
  nn_error e;
  spec_defaults(&s);
  before = s;
  nn_error_clear(&e);
  ck_assert_int_eq(spec_override(&s, arg, &e), NN_BADINPUT);
  ck_assert_str_eq(e.msg, msg);
  ck_assert(memcmp(&s, &before, sizeof s) == 0);
}

static size_t key_index(const char *path) {
  for (size_t i = 0; i < spec_nkeys(); i++)
    if (strcmp(spec_key_path(i), path) == 0) return i;
  ck_abort_msg("no key %s", path);
  return 0;
}

static void text_of(const spec *s, const char *path, char *buf, size_t n) {
  spec_key_text(s, key_index(path), buf, n);
}

/* A fresh temporary folder; the tests write spec files with chosen names in it. */
static char tmpdir[64];

static void make_tmpdir(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/check_spec_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fputs(text, f) >= 0, 1);
  ck_assert_int_eq(fclose(f), 0);
}

/* ------------------------------------------------------------ tests */

START_TEST(test_defaults) {
  spec s;
  char where[256];
  spec_defaults(&s);
  ck_assert_str_eq(s.name, "unnamed");
  ck_assert_uint_eq(s.seed, 1);
  ck_assert_str_eq(s.data.dir, "data/mnist");
  ck_assert_int_eq(s.data.format, SPEC_FORMAT_IDX);
  ck_assert_int_eq(s.data.dev_size, 10000);
  ck_assert_int_eq(s.data.normalize, SPEC_NORM_STANDARDIZE);
  ck_assert_int_eq(s.model.hidden, 300);
  ck_assert_int_eq(s.model.activation, SPEC_ACT_SIGMOID);
  ck_assert_int_eq(s.model.init, SPEC_INIT_NORMAL);
  ck_assert_int_eq(s.model.precision, SPEC_PREC_FLOAT64);
  ck_assert_int_eq(s.train.epochs, 30);
  ck_assert_int_eq(s.train.batch, 1000);
  ck_assert(s.train.lr == 5.0);
  ck_assert(s.train.lambda == 0.0001);
  ck_assert_int_eq(s.train.threads, 0);
  ck_assert_str_eq(s.output.dir, "runs");
  ck_assert_str_eq(s.file, "default");
  for (size_t i = 0; i < SPEC_NKEYS; i++)
    ck_assert_int_eq(s.origin[i].kind, SPEC_FROM_DEFAULT);
  spec_where(&s, "train.lr", where, sizeof where);
  ck_assert_str_eq(where, "default");
}
END_TEST

START_TEST(test_key_table) {
  static const char *const paths[] = {
    "name", "seed", "data.dir", "data.format", "data.dev_size", "data.normalize",
    "model.hidden", "model.activation", "model.init", "model.precision",
    "train.epochs", "train.batch", "train.lr", "train.lambda", "train.threads",
    "train.input", "output.dir"};
  static const enum spec_type types[] = {
    SPEC_STRING, SPEC_INT, SPEC_STRING, SPEC_ENUM, SPEC_INT, SPEC_ENUM, SPEC_INT,
    SPEC_ENUM, SPEC_ENUM, SPEC_ENUM, SPEC_INT, SPEC_INT, SPEC_REAL, SPEC_REAL,
    SPEC_INT, SPEC_ENUM, SPEC_STRING};
  static const char *const texts[] = {
    "unnamed", "1", "data/mnist", "idx", "10000", "standardize", "300", "sigmoid",
    "normal", "float64", "30", "1000", "5", "0.0001", "0", "auto", "runs"};
  spec s;
  char buf[64];
  spec_defaults(&s);
  ck_assert_uint_eq(spec_nkeys(), SPEC_NKEYS);
  ck_assert_uint_eq(spec_nkeys(), 17);
  for (size_t i = 0; i < spec_nkeys(); i++) {
    ck_assert_str_eq(spec_key_path(i), paths[i]);
    ck_assert_int_eq(spec_key_type(i), types[i]);
    ck_assert_ptr_nonnull(spec_key_help(i));
    ck_assert_uint_gt(strlen(spec_key_help(i)), 5);
    ck_assert_ptr_null(strchr(spec_key_help(i), '\n'));
    spec_key_text(&s, i, buf, sizeof buf);
    ck_assert_str_eq(buf, texts[i]);
  }
  ck_assert_ptr_null(spec_key_path(17));
  ck_assert_ptr_null(spec_key_help(99));
  ck_assert_int_eq(spec_key_long(&s, key_index("seed")), 1);
  ck_assert_int_eq(spec_key_long(&s, key_index("model.hidden")), 300);
  ck_assert_int_eq(spec_key_long(&s, key_index("data.normalize")), SPEC_NORM_STANDARDIZE);
  ck_assert(spec_key_double(&s, key_index("train.lr")) == 5.0);
  ck_assert(spec_key_double(&s, key_index("train.lambda")) == 0.0001);
  ck_assert_str_eq(spec_format_name(SPEC_FORMAT_IDX), "idx");
  ck_assert_str_eq(spec_format_name(SPEC_FORMAT_CSV), "csv");
  ck_assert_str_eq(spec_normalize_name(SPEC_NORM_STANDARDIZE), "standardize");
  ck_assert_str_eq(spec_normalize_name(SPEC_NORM_SCALE), "scale");
  ck_assert_str_eq(spec_normalize_name(SPEC_NORM_NONE), "none");
  /* a tiny buffer gets a truncated, terminated text */
  spec_key_text(&s, key_index("data.dir"), buf, 5);
  ck_assert_str_eq(buf, "data");
}
END_TEST

START_TEST(test_print_keys) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  ck_assert_ptr_nonnull(f);
  spec_print_keys(f);
  ck_assert_int_eq(fclose(f), 0);
  int lines = 0;
  for (const char *p = text; *p; p++) lines += *p == '\n';
  ck_assert_int_eq(lines, 1 + SPEC_NKEYS);
  ck_assert_ptr_nonnull(strstr(text, "KEY"));
  for (size_t i = 0; i < spec_nkeys(); i++) {
    ck_assert_ptr_nonnull(strstr(text, spec_key_path(i)));
    ck_assert_ptr_nonnull(strstr(text, spec_key_help(i)));
  }
  ck_assert_ptr_nonnull(strstr(text, "1..100000"));
  ck_assert_ptr_nonnull(strstr(text, "standardize|scale|none"));
  /* aligned: every row has its TYPE column where the header has it */
  const char *hdr_type = strstr(text, "TYPE");
  ck_assert_ptr_nonnull(hdr_type);
  size_t col = (size_t)(hdr_type - text);
  const char *row = strchr(text, '\n') + 1;
  ck_assert(strncmp(row + col, "string", 6) == 0);
  free(text);
}
END_TEST

START_TEST(test_load_full) {
  static const char yaml[] =
      "name: regularized        # results file name\n"
      "seed: 100\n"
      "data:\n"
      "  dir: data/other\n"
      "  format: csv\n"
      "  dev_size: 5000\n"
      "  normalize: scale\n"
      "model:\n"
      "  hidden: 100\n"
      "  activation: sigmoid\n"
      "  init: normal\n"
      "  precision: float64\n"
      "train:\n"
      "  epochs: 3\n"
      "  batch: 10\n"
      "  lr: 0.5\n"
      "  lambda: 0\n"
      "  threads: 2\n"
      "  input: dense\n"
      "output:\n"
      "  dir: out/runs\n";
  spec s;
  char where[256];
  good(&s, yaml);
  ck_assert_str_eq(s.name, "regularized");
  ck_assert_uint_eq(s.seed, 100);
  ck_assert_str_eq(s.data.dir, "data/other");
  ck_assert_int_eq(s.data.format, SPEC_FORMAT_CSV);
  ck_assert_int_eq(s.data.dev_size, 5000);
  ck_assert_int_eq(s.data.normalize, SPEC_NORM_SCALE);
  ck_assert_int_eq(s.model.hidden, 100);
  ck_assert_int_eq(s.train.epochs, 3);
  ck_assert_int_eq(s.train.batch, 10);
  ck_assert(s.train.lr == 0.5);
  ck_assert(s.train.lambda == 0.0);
  ck_assert_int_eq(s.train.threads, 2);
  ck_assert_int_eq(s.train.input, SPEC_INPUT_DENSE);
  ck_assert_str_eq(s.output.dir, "out/runs");
  ck_assert_str_eq(s.file, "t.yaml");
  for (size_t i = 0; i < SPEC_NKEYS; i++)
    ck_assert_int_eq(s.origin[i].kind, SPEC_FROM_FILE);
  size_t lr = key_index("train.lr");
  ck_assert_int_eq(s.origin[lr].line, 16);
  ck_assert_int_eq(s.origin[lr].col, 7);
  spec_where(&s, "train.lr", where, sizeof where);
  ck_assert_str_eq(where, "t.yaml:16:7");
  spec_where(&s, "name", where, sizeof where);
  ck_assert_str_eq(where, "t.yaml:1:7");
  spec_where(&s, "no.such", where, sizeof where);
  ck_assert_str_eq(where, "t.yaml");
}
END_TEST

START_TEST(test_load_forms) {
  spec s;
  char where[256];
  /* empty, comment-only, null documents: all defaults */
  good(&s, "");
  ck_assert_int_eq(s.model.hidden, 300);
  ck_assert_str_eq(s.name, "unnamed");
  spec_where(&s, "train.lr", where, sizeof where);
  ck_assert_str_eq(where, "t.yaml (default)");
  good(&s, "# nothing\n\n");
  ck_assert_int_eq(s.train.epochs, 30);
  good(&s, "---\n...\n");
  ck_assert_int_eq(s.train.epochs, 30);
  /* flow style, quotes, a null section, signs, comments */
  good(&s, "---\nname: '123'\nseed: \"7\"\ndata: {dir: \"a b: c\", format: csv}\n"
           "model:\ntrain:\n  epochs: +3\n  lr: 1e-1 # comment\n  lambda: -0\n"
           "output: {dir: \"null\"}\n");
  ck_assert_str_eq(s.name, "123");
  ck_assert_uint_eq(s.seed, 7);
  ck_assert_str_eq(s.data.dir, "a b: c");
  ck_assert_int_eq(s.data.format, SPEC_FORMAT_CSV);
  ck_assert_int_eq(s.train.epochs, 3);
  ck_assert(s.train.lr == 0.1);
  ck_assert(s.train.lambda == 0.0);
  ck_assert_str_eq(s.output.dir, "null");
  ck_assert_int_eq(s.model.hidden, 300);
  /* reals accept integers and what strtod reads */
  good(&s, "train: {lr: 2, lambda: 1E-3}\n");
  ck_assert(s.train.lr == 2.0);
  ck_assert(s.train.lambda == 0.001);
  /* bounds are inclusive */
  good(&s, "seed: 4294967295\nmodel: {hidden: 100000}\n"
           "train: {epochs: 0, batch: 10000000, threads: 1024}\n"
           "data: {dev_size: 0}\n");
  ck_assert_uint_eq(s.seed, 4294967295UL);
  ck_assert_int_eq(s.model.hidden, 100000);
  ck_assert_int_eq(s.train.batch, 10000000);
  ck_assert_int_eq(s.train.threads, 1024);
  good(&s, "seed: 0\nmodel: {hidden: 1}\ntrain: {epochs: 1000000, batch: 1}\n"
           "data: {dev_size: 10000000}\n");
  ck_assert_uint_eq(s.seed, 0);
  ck_assert_int_eq(s.train.epochs, 1000000);
}
END_TEST

START_TEST(test_load_failure_keeps_spec) {
  spec s, before;
  nn_error e;
  good(&s, "name: kept\nmodel: {hidden: 7}\n");
  before = s;
  ck_assert_int_eq(load(&s, "model: {hidden: 9}\ntrain: {lr: -1}\n", &e), NN_BADINPUT);
  ck_assert(memcmp(&s, &before, sizeof s) == 0);
}
END_TEST

START_TEST(test_syntax_errors) {
  bad("name: x\ntrain:\n  lr: [1, 2\n  batch: 5\n",
      "t.yaml:4:8: YAML syntax error: did not find expected ',' or ']' "
      "(while parsing a flow sequence at 3:7)");
  bad("train:\n  lr: 1\n batch: 5\n",
      "t.yaml:3:2: YAML syntax error: did not find expected key "
      "(while parsing a block mapping at 1:1)");
  bad("name: \"abc\n",
      "t.yaml:2:1: YAML syntax error: found unexpected end of stream "
      "(while scanning a quoted scalar at 1:7)");
  bad("a: b: c\n",
      "t.yaml:1:5: YAML syntax error: mapping values are not allowed in this context");
  /* syntax errors come first, even after a bad key */
  bad("nmae: x\ntrain: [\n", "t.yaml:3:1: YAML syntax error: did not find expected node "
                              "content (while parsing a flow node at 3:1)");
  bad("name: caf\xe9\n", "t.yaml:1:10: YAML error: incomplete UTF-8 octet sequence");
}
END_TEST

START_TEST(test_unknown_keys) {
  bad("data:\n  dir: x\n  fromat: idx\n",
      "t.yaml:3:3: data.fromat: unknown key; did you mean 'data.format'?");
  bad("model:\n  lr: 0.5\n", "t.yaml:2:3: model.lr: unknown key; did you mean 'train.lr'?");
  bad("train:\n  rl: 0.5\n", "t.yaml:2:3: train.rl: unknown key; did you mean 'train.lr'?");
  bad("lr: 0.5\n", "t.yaml:1:1: lr: unknown key; did you mean 'train.lr'?");
  bad("trian:\n  lr: 0.5\n", "t.yaml:1:1: trian: unknown key; did you mean 'train'?");
  bad("sede: 5\n", "t.yaml:1:1: sede: unknown key; did you mean 'seed'?");
  bad("model:\n  hiden: 5\n",
      "t.yaml:2:3: model.hiden: unknown key; did you mean 'model.hidden'?");
  bad("train:\n  epoch: 5\n",
      "t.yaml:2:3: train.epoch: unknown key; did you mean 'train.epochs'?");
  bad("train:\n  batch_size: 5\n",
      "t.yaml:2:3: train.batch_size: unknown key; did you mean 'train.batch'?");
  bad("train:\n  name: x\n", "t.yaml:2:3: train.name: unknown key; did you mean 'name'?");
  bad("train:\n  learning_rate: 0.5\n",
      "t.yaml:2:3: train.learning_rate: unknown key; nnrun --help lists the keys");
  bad("optimizer:\n  kind: sgd\n",
      "t.yaml:1:1: optimizer: unknown key; nnrun --help lists the keys");
  bad("train.lr: 0.5\n", "t.yaml:1:1: train.lr: unknown key; nest it as 'lr:' under 'train:'");
  bad("[a, b]: 1\n", "t.yaml:1:1: expected a key name, got a list");
  bad("train:\n  {a: 1}: 1\n", "t.yaml:2:3: train: expected a key name, got a mapping");
}
END_TEST

START_TEST(test_duplicates) {
  bad("train:\n  lr: 0.5\n  lr: 1\n",
      "t.yaml:3:3: train.lr: duplicate key, first set at 2:3");
  bad("seed: 1\nname: a\nseed: 2\n", "t.yaml:3:1: seed: duplicate key, first set at 1:1");
  bad("train:\n  lr: 0.5\nmodel:\n  hidden: 10\ntrain:\n  batch: 10\n",
      "t.yaml:5:1: train: duplicate key, first set at 1:1");
  bad("train: {lr: 1, batch: 2, lr: 3}\n",
      "t.yaml:1:26: train.lr: duplicate key, first set at 1:9");
}
END_TEST

START_TEST(test_structure) {
  bad("train: 5\n", "t.yaml:1:8: train: expected a section with keys indented below it, got 5");
  bad("data:\n  - dir\n",
      "t.yaml:2:3: data: expected a section with keys indented below it, got a list");
  bad("seed:\n  value: 5\n",
      "t.yaml:2:3: seed: expected an integer from 0 to 4294967295, got a mapping");
  bad("train:\n  lr: [0.1, 0.5]\n", "t.yaml:2:7: train.lr: expected a number > 0, got a list");
  bad("name: {a: 1}\n",
      "t.yaml:1:7: name: expected a plain file name (1 to 100 characters of "
      "A-Za-z0-9_.+-, not starting with '.' or '-'), got a mapping");
  bad("- name: x\n- seed: 1\n",
      "t.yaml:1:1: expected a mapping of spec keys at the top level, got a list");
  bad("hello\n", "t.yaml:1:1: expected a mapping of spec keys at the top level, got hello");
  bad("seed: 1\n---\nseed: 2\n", "t.yaml:2:1: expected one YAML document, found a second one");
  bad("seed: !!int 5\n", "t.yaml:1:7: seed: tags are not supported in specs, got !!int");
  bad("!foo\nseed: 5\n", "t.yaml:1:1: tags are not supported in specs, got !foo");
}
END_TEST

START_TEST(test_aliases) {
  bad("train:\n  lr: &a 0.5\n  lambda: *a\n",
      "t.yaml:2:7: train.lr: anchors and aliases are not supported in specs");
  bad("train:\n  lambda: *a\n",
      "t.yaml:2:11: train.lambda: anchors and aliases are not supported in specs");
  bad("defaults: &d {lr: 1}\ntrain: *d\n",
      "t.yaml:1:1: defaults: unknown key; nnrun --help lists the keys");
  bad("train: &d {lr: 1}\n", "t.yaml:1:8: train: anchors and aliases are not supported in specs");
  /* a billion laughs is refused at its first anchor, without expanding anything */
  bad("seed: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
      "name: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
      "train: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
      "t.yaml:1:7: seed: anchors and aliases are not supported in specs");
}
END_TEST

START_TEST(test_int_values) {
  bad("model:\n  hidden: 1.5\n",
      "t.yaml:2:11: model.hidden: expected an integer from 1 to 100000, got 1.5");
  bad("model:\n  hidden: abc\n",
      "t.yaml:2:11: model.hidden: expected an integer from 1 to 100000, got abc");
  bad("model:\n  hidden: \"\"\n",
      "t.yaml:2:11: model.hidden: expected an integer from 1 to 100000, got \"\"");
  bad("model:\n  hidden:\n",
      "t.yaml:2:10: model.hidden: expected an integer from 1 to 100000, got an empty value");
  bad("model:\n  hidden: null\n",
      "t.yaml:2:11: model.hidden: expected an integer from 1 to 100000, got null");
  bad("model:\n  hidden: ~\n",
      "t.yaml:2:11: model.hidden: expected an integer from 1 to 100000, got ~");
  bad("model:\n  hidden: 1e3\n",
      "t.yaml:2:11: model.hidden: expected an integer from 1 to 100000, got 1e3");
  bad("model:\n  hidden: 0x10\n",
      "t.yaml:2:11: model.hidden: expected an integer from 1 to 100000, got 0x10");
  bad("model:\n  hidden: 1_000\n",
      "t.yaml:2:11: model.hidden: expected an integer from 1 to 100000, got 1_000");
  bad("model:\n  hidden: ' 5'\n",
      "t.yaml:2:11: model.hidden: expected an integer from 1 to 100000, got \" 5\"");
  bad("seed: 99999999999999999999999\n",
      "t.yaml:1:7: seed: expected an integer from 0 to 4294967295, got 99999999999999999999999");
  bad("seed: -9223372036854775809\n",
      "t.yaml:1:7: seed: expected an integer from 0 to 4294967295, got -9223372036854775809");
  bad("seed: -1\n", "t.yaml:1:7: seed: expected an integer from 0 to 4294967295, got -1");
  bad("seed: 4294967296\n",
      "t.yaml:1:7: seed: expected an integer from 0 to 4294967295, got 4294967296");
  bad("model:\n  hidden: 0\n",
      "t.yaml:2:11: model.hidden: expected an integer from 1 to 100000, got 0");
  bad("model:\n  hidden: 100001\n",
      "t.yaml:2:11: model.hidden: expected an integer from 1 to 100000, got 100001");
  bad("train:\n  epochs: -1\n",
      "t.yaml:2:11: train.epochs: expected an integer from 0 to 1000000, got -1");
  bad("train:\n  epochs: 1000001\n",
      "t.yaml:2:11: train.epochs: expected an integer from 0 to 1000000, got 1000001");
  bad("train:\n  batch: 0\n",
      "t.yaml:2:10: train.batch: expected an integer from 1 to 10000000, got 0");
  bad("train:\n  batch: 10000001\n",
      "t.yaml:2:10: train.batch: expected an integer from 1 to 10000000, got 10000001");
  bad("data:\n  dev_size: -1\n",
      "t.yaml:2:13: data.dev_size: expected an integer from 0 to 10000000, got -1");
  bad("data:\n  dev_size: 10000001\n",
      "t.yaml:2:13: data.dev_size: expected an integer from 0 to 10000000, got 10000001");
  bad("train:\n  threads: -1\n",
      "t.yaml:2:12: train.threads: expected an integer from 0 to 1024, got -1");
  bad("train:\n  threads: 1025\n",
      "t.yaml:2:12: train.threads: expected an integer from 0 to 1024, got 1025");
}
END_TEST

START_TEST(test_real_values) {
  bad("train:\n  lr: -1\n", "t.yaml:2:7: train.lr: expected a number > 0, got -1");
  bad("train:\n  lr: 0\n", "t.yaml:2:7: train.lr: expected a number > 0, got 0");
  bad("train:\n  lr: -0.0\n", "t.yaml:2:7: train.lr: expected a number > 0, got -0.0");
  bad("train:\n  lr: abc\n", "t.yaml:2:7: train.lr: expected a number > 0, got abc");
  bad("train:\n  lr: 1.5x\n", "t.yaml:2:7: train.lr: expected a number > 0, got 1.5x");
  bad("train:\n  lr:\n", "t.yaml:2:6: train.lr: expected a number > 0, got an empty value");
  bad("train:\n  lr: .inf\n", "t.yaml:2:7: train.lr: expected a finite number > 0, got .inf");
  bad("train:\n  lr: inf\n", "t.yaml:2:7: train.lr: expected a finite number > 0, got inf");
  bad("train:\n  lr: .NaN\n", "t.yaml:2:7: train.lr: expected a finite number > 0, got .NaN");
  bad("train:\n  lr: nan\n", "t.yaml:2:7: train.lr: expected a finite number > 0, got nan");
  bad("train:\n  lr: 1e999\n", "t.yaml:2:7: train.lr: expected a finite number > 0, got 1e999");
  bad("train:\n  lambda: -0.001\n",
      "t.yaml:2:11: train.lambda: expected a number >= 0, got -0.001");
  bad("train:\n  lambda: -.inf\n",
      "t.yaml:2:11: train.lambda: expected a finite number >= 0, got -.inf");
  bad("train:\n  lambda: \"x\\ty\"\n",
      "t.yaml:2:11: train.lambda: expected a number >= 0, got \"x\\ty\"");
  /* long values are cut after 40 characters in messages */
  char yaml[512], msg[512];
  int o = snprintf(yaml, sizeof yaml, "train:\n  lambda: \"");
  for (int i = 0; i < 60; i++) o += snprintf(yaml + o, sizeof yaml - (size_t)o, "\\x01");
  snprintf(yaml + o, sizeof yaml - (size_t)o, "\"\n");
  o = snprintf(msg, sizeof msg, "t.yaml:2:11: train.lambda: expected a number >= 0, got \"");
  for (int i = 0; i < 40; i++) o += snprintf(msg + o, sizeof msg - (size_t)o, "\\x01");
  snprintf(msg + o, sizeof msg - (size_t)o, "...\"");
  bad(yaml, msg);
  spec s;
  good(&s, "train:\n  lr: 1e-300\n  lambda: 0.0\n");
  ck_assert(s.train.lr == 1e-300);
  ck_assert(s.train.lambda == 0.0);
}
END_TEST

START_TEST(test_enum_values) {
  spec s;
  good(&s, "model:\n  precision: float32\n");
  ck_assert_int_eq(s.model.precision, SPEC_PREC_FLOAT32);
  bad("model:\n  precision: double\n",
      "t.yaml:2:14: model.precision: expected float64 or float32, got double");
  bad("data:\n  format: IDX\n", "t.yaml:2:11: data.format: expected idx or csv, got IDX");
  bad("data:\n  format:\n",
      "t.yaml:2:10: data.format: expected idx or csv, got an empty value");
  bad("data:\n  normalize: minmax\n",
      "t.yaml:2:14: data.normalize: expected standardize, scale or none, got minmax");
  bad("model:\n  activation: relu\n",
      "t.yaml:2:15: model.activation: expected sigmoid, got relu");
  bad("model:\n  init: xavier\n", "t.yaml:2:9: model.init: expected normal, got xavier");
  good(&s, "data: {format: \"csv\", normalize: none}\n");
  ck_assert_int_eq(s.data.format, SPEC_FORMAT_CSV);
  ck_assert_int_eq(s.data.normalize, SPEC_NORM_NONE);
  good(&s, "data: {normalize: scale}\nmodel: {precision: float64}\n");
  ck_assert_int_eq(s.data.normalize, SPEC_NORM_SCALE);
  ck_assert_int_eq(s.model.precision, SPEC_PREC_FLOAT64);
}
END_TEST

#define NAME_RULE \
  "expected a plain file name (1 to 100 characters of A-Za-z0-9_.+-, not starting " \
  "with '.' or '-')"

START_TEST(test_names) {
  spec s;
  char yaml[512], msg[512];
  static const char *const ok[] = {"a", "run-1", "lr_0.5", "x+y", "A.b-c_d", "123",
                                   "true", "0"};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    snprintf(yaml, sizeof yaml, "name: %s\n", ok[i]);
    good(&s, yaml);
    ck_assert_str_eq(s.name, ok[i]);
  }
  bad("name: runs/x\n", "t.yaml:1:7: name: " NAME_RULE ", got runs/x");
  bad("name: .hidden\n", "t.yaml:1:7: name: " NAME_RULE ", got .hidden");
  bad("name: -x\n", "t.yaml:1:7: name: " NAME_RULE ", got -x");
  bad("name: a b\n", "t.yaml:1:7: name: " NAME_RULE ", got a b");
  bad("name: \"\"\n", "t.yaml:1:7: name: " NAME_RULE ", got \"\"");
  bad("name: null\n", "t.yaml:1:7: name: " NAME_RULE ", got null");
  bad("name:\n", "t.yaml:1:6: name: " NAME_RULE ", got an empty value");
  bad("name: caf\xc3\xa9\n", "t.yaml:1:7: name: " NAME_RULE ", got caf\xc3\xa9");
  /* 100 characters are fine, 101 are not (shown cut after 40) */
  char n100[102];
  memset(n100, 'a', 100);
  n100[100] = '\0';
  snprintf(yaml, sizeof yaml, "name: %s\n", n100);
  good(&s, yaml);
  ck_assert_uint_eq(strlen(s.name), 100);
  n100[100] = 'b';
  n100[101] = '\0';
  snprintf(yaml, sizeof yaml, "name: %s\n", n100);
  snprintf(msg, sizeof msg, "t.yaml:1:7: name: " NAME_RULE ", got %.40s...", n100);
  bad(yaml, msg);
}
END_TEST

START_TEST(test_name_from_file) {
  spec s;
  nn_error e;
  char path[256], msg[512];
  make_tmpdir();
  snprintf(path, sizeof path, "%s/exp-1.yaml", tmpdir);
  write_file(path, "seed: 5\ntrain:\n  lr: 0.25\n");
  ck_assert_int_eq(spec_load_file(&s, path, &e), NN_OK);
  ck_assert_str_eq(s.name, "exp-1");
  ck_assert_str_eq(s.file, path);
  ck_assert_uint_eq(s.seed, 5);
  ck_assert(s.train.lr == 0.25);
  ck_assert_int_eq(s.origin[0].kind, SPEC_FROM_DEFAULT);
  ck_assert_int_eq(unlink(path), 0);

  snprintf(path, sizeof path, "%s/short.yml", tmpdir);
  write_file(path, "");
  ck_assert_int_eq(spec_load_file(&s, path, &e), NN_OK);
  ck_assert_str_eq(s.name, "short");
  ck_assert_int_eq(unlink(path), 0);

  snprintf(path, sizeof path, "%s/plain.spec", tmpdir);
  write_file(path, "");
  ck_assert_int_eq(spec_load_file(&s, path, &e), NN_OK);
  ck_assert_str_eq(s.name, "plain.spec");
  ck_assert_int_eq(unlink(path), 0);

  /* not a plain name: an error unless the spec sets name */
  snprintf(path, sizeof path, "%s/my run.yaml", tmpdir);
  write_file(path, "seed: 5\n");
  ck_assert_int_eq(spec_load_file(&s, path, &e), NN_BADINPUT);
  snprintf(msg, sizeof msg,
           "%s: name: the file's base name \"my run\" is not a plain file name (1 to 100 "
           "characters of A-Za-z0-9_.+-, not starting with '.' or '-'); set 'name:' in "
           "the spec", path);
  ck_assert_str_eq(e.msg, msg);
  write_file(path, "seed: 5\nname: my-run\n");
  ck_assert_int_eq(spec_load_file(&s, path, &e), NN_OK);
  ck_assert_str_eq(s.name, "my-run");
  ck_assert_int_eq(unlink(path), 0);

  snprintf(path, sizeof path, "%s/.yaml", tmpdir);
  write_file(path, "");
  ck_assert_int_eq(spec_load_file(&s, path, &e), NN_BADINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "the file's base name \".yaml\" is not"));
  ck_assert_int_eq(unlink(path), 0);

  /* errors in files name the file */
  snprintf(path, sizeof path, "%s/bad.yaml", tmpdir);
  write_file(path, "name: bad\ntrain:\n  epochs: 3\n  batch: 100\n  lr: -1\n");
  ck_assert_int_eq(spec_load_file(&s, path, &e), NN_BADINPUT);
  snprintf(msg, sizeof msg, "%s:5:7: train.lr: expected a number > 0, got -1", path);
  ck_assert_str_eq(e.msg, msg);
  ck_assert_int_eq(unlink(path), 0);

  snprintf(path, sizeof path, "%s/missing.yaml", tmpdir);
  ck_assert_int_eq(spec_load_file(&s, path, &e), NN_BADINPUT);
  snprintf(msg, sizeof msg, "%s: cannot open: No such file or directory", path);
  ck_assert_str_eq(e.msg, msg);

  ck_assert_int_ne(spec_load_file(&s, tmpdir, &e), NN_OK);
  ck_assert_ptr_nonnull(strstr(e.msg, tmpdir));
  ck_assert_int_eq(rmdir(tmpdir), 0);
}
END_TEST

START_TEST(test_paths) {
  spec s;
  char *yaml, msg[256];
  good(&s, "data:\n  dir: \"~\"\noutput:\n  dir: \"runs dir/#1\"\n");
  ck_assert_str_eq(s.data.dir, "~");
  ck_assert_str_eq(s.output.dir, "runs dir/#1");
  bad("data:\n  dir: \"\"\n", "t.yaml:2:8: data.dir: expected a non-empty path, got \"\"");
  bad("data:\n  dir: ~\n", "t.yaml:2:8: data.dir: expected a non-empty path, got ~");
  bad("output:\n  dir:\n",
      "t.yaml:2:7: output.dir: expected a non-empty path, got an empty value");
  bad("output:\n  dir: \"a\\0b\"\n",
      "t.yaml:2:8: output.dir: expected a non-empty path, got \"a\\x00b\"");
  /* the longest path fits; one more byte does not */
  size_t n = SPEC_PATH_MAX + 32;
  yaml = malloc(n);
  ck_assert_ptr_nonnull(yaml);
  int len = snprintf(yaml, n, "data:\n  dir: ");
  memset(yaml + len, 'x', SPEC_PATH_MAX - 1);
  strcpy(yaml + len + SPEC_PATH_MAX - 1, "\n");
  good(&s, yaml);
  ck_assert_uint_eq(strlen(s.data.dir), SPEC_PATH_MAX - 1);
  memset(yaml + len, 'x', SPEC_PATH_MAX);
  strcpy(yaml + len + SPEC_PATH_MAX, "\n");
  snprintf(msg, sizeof msg,
           "t.yaml:2:8: data.dir: expected a path of at most %d bytes, got %d bytes",
           SPEC_PATH_MAX - 1, SPEC_PATH_MAX);
  bad(yaml, msg);
  free(yaml);
}
END_TEST

START_TEST(test_override_good) {
  spec s;
  nn_error e;
  char where[256];
  good(&s, "train:\n  lr: 0.5\n");
  nn_error_clear(&e);
  ck_assert_int_eq(spec_override(&s, "train.lr=0.25", &e), NN_OK);
  ck_assert_int_eq(spec_override(&s, "model.hidden=100", &e), NN_OK);
  ck_assert_int_eq(spec_override(&s, "name=other", &e), NN_OK);
  ck_assert_int_eq(spec_override(&s, "data.format=csv", &e), NN_OK);
  ck_assert_int_eq(spec_override(&s, "seed=4294967295", &e), NN_OK);
  ck_assert_int_eq(spec_override(&s, "output.dir=a=b c", &e), NN_OK);
  ck_assert(s.train.lr == 0.25);
  ck_assert_int_eq(s.model.hidden, 100);
  ck_assert_str_eq(s.name, "other");
  ck_assert_int_eq(s.data.format, SPEC_FORMAT_CSV);
  ck_assert_uint_eq(s.seed, 4294967295UL);
  ck_assert_str_eq(s.output.dir, "a=b c");
  size_t lr = key_index("train.lr");
  ck_assert_int_eq(s.origin[lr].kind, SPEC_FROM_OVERRIDE);
  ck_assert_str_eq(s.origin[lr].text, "train.lr=0.25");
  spec_where(&s, "train.lr", where, sizeof where);
  ck_assert_str_eq(where, "command line 'train.lr=0.25'");
  spec_where(&s, "train.batch", where, sizeof where);
  ck_assert_str_eq(where, "t.yaml (default)");
  /* the latest override wins */
  ck_assert_int_eq(spec_override(&s, "train.lr=2", &e), NN_OK);
  ck_assert(s.train.lr == 2.0);
  /* a long argument is kept truncated in the origin */
  char arg[400];
  int len = snprintf(arg, sizeof arg, "data.dir=");
  memset(arg + len, 'd', 300);
  arg[len + 300] = '\0';
  ck_assert_int_eq(spec_override(&s, arg, &e), NN_OK);
  ck_assert_uint_eq(strlen(s.data.dir), 300);
  ck_assert_uint_eq(strlen(s.origin[key_index("data.dir")].text), SPEC_NAME_MAX - 1);
}
END_TEST

START_TEST(test_override_bad) {
  bad_override("train.lr", "command line 'train.lr': expected KEY=VALUE, e.g. train.lr=0.5");
  bad_override("=5", "command line '=5': expected KEY=VALUE with a key before '='");
  bad_override("train.lr=-1",
               "command line 'train.lr=-1': train.lr: expected a number > 0, got -1");
  bad_override("train.lr=", "command line 'train.lr=': train.lr: expected a number > 0, "
                            "got an empty value");
  bad_override("train=5", "command line 'train=5': train: is a section; set one of its "
                          "keys, e.g. train.epochs=VALUE");
  bad_override("data=x", "command line 'data=x': data: is a section; set one of its "
                         "keys, e.g. data.dir=VALUE");
  bad_override("train.rl=1",
               "command line 'train.rl=1': train.rl: unknown key; did you mean 'train.lr'?");
  bad_override("model.lr=1",
               "command line 'model.lr=1': model.lr: unknown key; did you mean 'train.lr'?");
  bad_override("hidden=5",
               "command line 'hidden=5': hidden: unknown key; did you mean 'model.hidden'?");
  bad_override("trian.lr=5",
               "command line 'trian.lr=5': trian.lr: unknown key; did you mean 'train.lr'?");
  bad_override("foo=1", "command line 'foo=1': foo: unknown key; nnrun --help lists the keys");
  bad_override("data.dir=~", "command line 'data.dir=~': data.dir: expected a non-empty "
                             "path, got ~");
  bad_override("name=a/b", "command line 'name=a/b': name: " NAME_RULE ", got a/b");
  bad_override("model.precision=float16",
               "command line 'model.precision=float16': model.precision: expected float64 "
               "or float32, got float16");
  bad_override("seed=1.5", "command line 'seed=1.5': seed: expected an integer from 0 to "
                           "4294967295, got 1.5");
  bad_override("train.lambda=.nan", "command line 'train.lambda=.nan': train.lambda: "
                                    "expected a finite number >= 0, got .nan");
}
END_TEST

/* Loads spec_to_yaml(s) back and checks every key is identical. */
static void round_trip(const spec *s) {
  spec back;
  nn_error e;
  char a[SPEC_PATH_MAX], b[SPEC_PATH_MAX];
  char *yaml = spec_to_yaml(s);
  ck_assert_ptr_nonnull(yaml);
  nn_error_clear(&e);
  int rc = spec_load_string(&back, yaml, strlen(yaml), "back.yaml", &e);
  ck_assert_msg(rc == NN_OK, "%s\n%s", e.msg, yaml);
  for (size_t i = 0; i < spec_nkeys(); i++) {
    spec_key_text(s, i, a, sizeof a);
    spec_key_text(&back, i, b, sizeof b);
    ck_assert_str_eq(a, b);
    ck_assert_int_eq(back.origin[i].kind, SPEC_FROM_FILE);
  }
  ck_assert(memcmp(&s->train.lr, &back.train.lr, sizeof(double)) == 0);
  ck_assert(memcmp(&s->train.lambda, &back.train.lambda, sizeof(double)) == 0);
  ck_assert_str_eq(s->name, back.name);
  ck_assert_str_eq(s->data.dir, back.data.dir);
  ck_assert_str_eq(s->output.dir, back.output.dir);
  ck_assert_uint_eq(s->seed, back.seed);
  ck_assert_int_eq(s->model.hidden, back.model.hidden);
  ck_assert_int_eq(s->data.normalize, back.data.normalize);
  free(yaml);
}

START_TEST(test_to_yaml) {
  static const char expect[] =
      "name: unnamed\nseed: 1\ndata:\n  dir: data/mnist\n  format: idx\n"
      "  dev_size: 10000\n  normalize: standardize\nmodel:\n  hidden: 300\n"
      "  activation: sigmoid\n  init: normal\n  precision: float64\ntrain:\n"
      "  epochs: 30\n  batch: 1000\n  lr: 5\n  lambda: 0.0001\n  threads: 0\n"
      "  input: auto\n"
      "output:\n  dir: runs\n";
  spec s;
  spec_defaults(&s);
  char *yaml = spec_to_yaml(&s);
  ck_assert_ptr_nonnull(yaml);
  ck_assert_str_eq(yaml, expect);
  free(yaml);
  round_trip(&s);
  /* strings YAML would read as something else are quoted */
  nn_error e;
  ck_assert_int_eq(spec_override(&s, "name=123", &e), NN_OK);
  ck_assert_int_eq(spec_override(&s, "data.dir=null", &e), NN_BADINPUT);
  snprintf(s.data.dir, sizeof s.data.dir, "null");
  ck_assert_int_eq(spec_override(&s, "output.dir=yes", &e), NN_OK);
  yaml = spec_to_yaml(&s);
  ck_assert_ptr_nonnull(strstr(yaml, "name: \"123\"\n"));
  ck_assert_ptr_nonnull(strstr(yaml, "  dir: \"null\"\n"));
  ck_assert_ptr_nonnull(strstr(yaml, "  dir: \"yes\"\n"));
  free(yaml);
  round_trip(&s);
}
END_TEST

/* Paths reach messages and the resolved YAML: control characters (but tab)
 * and invalid UTF-8 are refused; absurd nesting stops before libyaml slows. */
START_TEST(test_path_controls) {
  spec s;
  nn_error e;
  spec_defaults(&s);
  ck_assert_int_eq(spec_override(&s, "data.dir=a\nb", &e), NN_BADINPUT);
  ck_assert_str_eq(e.msg, "command line 'data.dir=a\\nb': data.dir: expected a path of "
                          "printable UTF-8 text, got \"a\\nb\"");
  ck_assert_int_eq(spec_override(&s, "output.dir=\xbe", &e), NN_BADINPUT);
  ck_assert_str_eq(e.msg, "command line 'output.dir=\\xbe': output.dir: expected a path of "
                          "printable UTF-8 text, got \"\\xbe\"");
  ck_assert_int_eq(spec_override(&s, "train.lr=\x1b[2J", &e), NN_BADINPUT);
  ck_assert_str_eq(e.msg, "command line 'train.lr=\\x1b[2J': train.lr: expected a number > 0, "
                          "got \"\\x1b[2J\"");
  ck_assert_int_eq(spec_override(&s, "data.dir=tab\there", &e), NN_OK);
  const char *y = "data: {dir: \"a\\x1bb\"}\n";
  ck_assert_int_eq(spec_load_string(&s, y, strlen(y), "t.yaml", &e), NN_BADINPUT);
  ck_assert_str_eq(e.msg, "t.yaml:1:13: data.dir: expected a path of printable UTF-8 text, "
                          "got \"a\\x1bb\"");
  const char *deep = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[";
  ck_assert_int_eq(spec_load_string(&s, deep, strlen(deep), "d.yaml", &e), NN_BADINPUT);
  ck_assert_str_eq(e.msg, "d.yaml:1:33: YAML nested deeper than 32 levels (a spec needs 2)");
}
END_TEST

START_TEST(test_round_trip) {
  static const char *const dirs[] = {
    "a: b", "#x", "- x", "[x]", "{y}", "'q'", "\"dq\"", "~", "NULL", ".inf", "1e5",
    " lead", "trail ", "tab\there", "caf\xc3\xa9", "%x", "@x", "`x",
    "a # b", "&x", "*x", "!x", "|", ">", "?", ":", "0x10", "true", "-"};
  static const double reals[] = {0.1, 1.0 / 3, 5.0, 1e-300, 4.9406564584124654e-324,
                                 1.7976931348623157e308, 0.30000000000000004, 2.5e-7,
                                 123456789.125};
  spec s;
  nn_error e;
  spec_defaults(&s);
  ck_assert_int_eq(spec_override(&s, "seed=4294967295", &e), NN_OK);
  ck_assert_int_eq(spec_override(&s, "data.normalize=none", &e), NN_OK);
  ck_assert_int_eq(spec_override(&s, "name=x+y_1.0-z", &e), NN_OK);
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    snprintf(s.data.dir, sizeof s.data.dir, "%s", dirs[i]);
    snprintf(s.output.dir, sizeof s.output.dir, "out/%s", dirs[i]);
    round_trip(&s);
  }
  for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
    s.train.lr = reals[i];
    s.train.lambda = reals[i];
    round_trip(&s);
  }
  s.train.lambda = -0.0;
  round_trip(&s);
  /* random positive finite doubles, bit patterns from a fixed LCG */
  uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 2000; i++) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    uint64_t bits = x >> 1;  /* sign bit clear */
    double d;
    memcpy(&d, &bits, sizeof d);
    if (!isfinite(d) || d == 0) continue;
    s.train.lr = d;
    s.train.lambda = d;
    round_trip(&s);
  }
}
END_TEST

START_TEST(test_key_text_reals) {
  spec s;
  char buf[64];
  spec_defaults(&s);
  static const struct { double x; const char *text; } cases[] = {
    {5.0, "5"}, {0.1, "0.1"}, {0.0001, "0.0001"}, {1e-5, "1e-05"}, {1.0 / 3, "0.3333333333333333"},
    {0.30000000000000004, "0.30000000000000004"}, {2.5, "2.5"}, {1e22, "1e+22"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    s.train.lr = cases[i].x;
    text_of(&s, "train.lr", buf, sizeof buf);
    ck_assert_str_eq(buf, cases[i].text);
  }
}
END_TEST

/* ------------------------------------------------------------ main */

static Suite *spec_suite(void) {
  Suite *s = suite_create("spec");
  TCase *tc = tcase_create("spec");
  tcase_add_test(tc, test_defaults);
  tcase_add_test(tc, test_key_table);
  tcase_add_test(tc, test_print_keys);
  tcase_add_test(tc, test_load_full);
  tcase_add_test(tc, test_load_forms);
  tcase_add_test(tc, test_load_failure_keeps_spec);
  tcase_add_test(tc, test_syntax_errors);
  tcase_add_test(tc, test_unknown_keys);
  tcase_add_test(tc, test_duplicates);
  tcase_add_test(tc, test_structure);
  tcase_add_test(tc, test_aliases);
  tcase_add_test(tc, test_int_values);
  tcase_add_test(tc, test_real_values);
  tcase_add_test(tc, test_enum_values);
  tcase_add_test(tc, test_names);
  tcase_add_test(tc, test_name_from_file);
  tcase_add_test(tc, test_paths);
  tcase_add_test(tc, test_override_good);
  tcase_add_test(tc, test_override_bad);
  tcase_add_test(tc, test_to_yaml);
  tcase_add_test(tc, test_round_trip);
  tcase_add_test(tc, test_path_controls);
  tcase_add_test(tc, test_key_text_reals);
  tcase_set_timeout(tc, 60);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(spec_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
