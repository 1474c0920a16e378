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
  ck_assert_uint_eq(s.model.nhidden, 1);
  ck_assert_int_eq(s.model.hidden[0], 300);
  for (size_t i = 1; i < SPEC_HIDDEN_MAX; i++) ck_assert_int_eq(s.model.hidden[i], 0);
  ck_assert_int_eq(s.model.activation, SPEC_ACT_SIGMOID);
  ck_assert_int_eq(s.model.init, SPEC_INIT_NORMAL);
  ck_assert_int_eq(s.model.precision, SPEC_PREC_FLOAT64);
  ck_assert_int_eq(s.train.epochs, 30);
  ck_assert_int_eq(s.train.batch, 1000);
  ck_assert(s.train.lr == 5.0);
  ck_assert(s.train.lambda == 0.0001);
  ck_assert_int_eq(s.train.optimizer, SPEC_OPT_SGD);
  ck_assert(s.train.momentum == 0.9);
  ck_assert_int_eq(s.train.nesterov, 0);
  ck_assert(s.train.beta1 == 0.9);
  ck_assert(s.train.beta2 == 0.999);
  ck_assert(s.train.epsilon == 1e-8);
  ck_assert_int_eq(s.train.shuffle, 0);
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
    "train.epochs", "train.batch", "train.shuffle", "train.lr", "train.lambda",
    "train.optimizer", "train.momentum", "train.nesterov", "train.beta1", "train.beta2",
    "train.epsilon", "train.threads", "train.input", "output.dir"};
  static const enum spec_type types[] = {
    SPEC_STRING, SPEC_INT, SPEC_STRING, SPEC_ENUM, SPEC_INT, SPEC_ENUM, SPEC_INT_LIST,
    SPEC_ENUM, SPEC_ENUM, SPEC_ENUM, SPEC_INT, SPEC_INT, SPEC_BOOL, SPEC_REAL, SPEC_REAL,
    SPEC_ENUM, SPEC_REAL, SPEC_BOOL, SPEC_REAL, SPEC_REAL, SPEC_REAL,
    SPEC_INT, SPEC_ENUM, SPEC_STRING};
  static const char *const texts[] = {
    "unnamed", "1", "data/mnist", "idx", "10000", "standardize", "300", "sigmoid",
    "normal", "float64", "30", "1000", "false", "5", "0.0001", "sgd", "0.9", "false",
    "0.9", "0.999", "1e-08", "0", "auto", "runs"};
  /* the keys the default optimizer (sgd) does not read */
  static const int used[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
                             1, 1, 1};
  spec s;
  char buf[64];
  spec_defaults(&s);
  ck_assert_uint_eq(spec_nkeys(), SPEC_NKEYS);
  ck_assert_uint_eq(spec_nkeys(), 24);
  ck_assert_uint_eq(sizeof paths / sizeof paths[0], SPEC_NKEYS);
  ck_assert_uint_eq(sizeof types / sizeof types[0], SPEC_NKEYS);
  ck_assert_uint_eq(sizeof texts / sizeof texts[0], SPEC_NKEYS);
  ck_assert_uint_eq(sizeof used / sizeof used[0], SPEC_NKEYS);
  for (size_t i = 0; i < spec_nkeys(); i++) {
    ck_assert_str_eq(spec_key_path(i), paths[i]);
    ck_assert_int_eq(spec_key_type(i), types[i]);
    ck_assert_ptr_nonnull(spec_key_help(i));
    ck_assert_uint_gt(strlen(spec_key_help(i)), 5);
    ck_assert_ptr_null(strchr(spec_key_help(i), '\n'));
    spec_key_text(&s, i, buf, sizeof buf);
    ck_assert_str_eq(buf, texts[i]);
    ck_assert_int_eq(spec_key_used(&s, i), used[i]);
  }
  ck_assert_ptr_null(spec_key_path(SPEC_NKEYS));
  ck_assert_int_eq(spec_key_used(&s, SPEC_NKEYS), 0);
  ck_assert_ptr_null(spec_key_help(99));
  ck_assert_int_eq(spec_key_long(&s, key_index("seed")), 1);
  ck_assert_int_eq(spec_key_long(&s, key_index("model.hidden")), 300);
  ck_assert_int_eq(spec_key_long(&s, key_index("train.shuffle")), 0);
  ck_assert_int_eq(spec_key_long(&s, key_index("train.optimizer")), SPEC_OPT_SGD);
  ck_assert(spec_key_double(&s, key_index("train.beta2")) == 0.999);
  const long *list;
  ck_assert_uint_eq(spec_key_list(&s, key_index("model.hidden"), &list), 1);
  ck_assert_ptr_eq(list, s.model.hidden);
  ck_assert_uint_eq(spec_key_list(&s, key_index("train.lr"), &list), 0);
  ck_assert_ptr_null(list);
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
  ck_assert_ptr_nonnull(strstr(text, "int list"));
  ck_assert_ptr_nonnull(strstr(text, "0..8 of 1..100000"));
  ck_assert_ptr_nonnull(strstr(text, "sgd|momentum|adam"));
  ck_assert_ptr_nonnull(strstr(text, "sigmoid|tanh|relu"));
  ck_assert_ptr_nonnull(strstr(text, "normal|xavier|he"));
  ck_assert_ptr_nonnull(strstr(text, "bool"));
  ck_assert_ptr_nonnull(strstr(text, "true|false"));
  ck_assert_ptr_nonnull(strstr(text, ">= 0, < 1"));
  ck_assert_ptr_nonnull(strstr(text, "1e-08"));
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
      "  hidden: [100, 50]\n"
      "  activation: relu\n"
      "  init: he\n"
      "  precision: float64\n"
      "train:\n"
      "  epochs: 3\n"
      "  batch: 10\n"
      "  shuffle: true\n"
      "  lr: 0.5\n"
      "  lambda: 0\n"
      "  optimizer: momentum\n"
      "  momentum: 0.5\n"
      "  nesterov: true\n"
      "  beta1: 0.8\n"
      "  beta2: 0.99\n"
      "  epsilon: 1e-6\n"
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
  ck_assert_uint_eq(s.model.nhidden, 2);
  ck_assert_int_eq(s.model.hidden[0], 100);
  ck_assert_int_eq(s.model.hidden[1], 50);
  ck_assert_int_eq(s.model.hidden[2], 0);
  ck_assert_int_eq(s.model.activation, SPEC_ACT_RELU);
  ck_assert_int_eq(s.model.init, SPEC_INIT_HE);
  ck_assert_int_eq(s.train.epochs, 3);
  ck_assert_int_eq(s.train.batch, 10);
  ck_assert_int_eq(s.train.shuffle, 1);
  ck_assert(s.train.lr == 0.5);
  ck_assert(s.train.lambda == 0.0);
  ck_assert_int_eq(s.train.optimizer, SPEC_OPT_MOMENTUM);
  ck_assert(s.train.momentum == 0.5);
  ck_assert_int_eq(s.train.nesterov, 1);
  ck_assert(s.train.beta1 == 0.8);
  ck_assert(s.train.beta2 == 0.99);
  ck_assert(s.train.epsilon == 1e-6);
  ck_assert_int_eq(s.train.threads, 2);
  ck_assert_int_eq(s.train.input, SPEC_INPUT_DENSE);
  ck_assert_str_eq(s.output.dir, "out/runs");
  ck_assert_str_eq(s.file, "t.yaml");
  for (size_t i = 0; i < SPEC_NKEYS; i++)
    ck_assert_int_eq(s.origin[i].kind, SPEC_FROM_FILE);
  size_t lr = key_index("train.lr");
  ck_assert_int_eq(s.origin[lr].line, 17);
  ck_assert_int_eq(s.origin[lr].col, 7);
  spec_where(&s, "train.lr", where, sizeof where);
  ck_assert_str_eq(where, "t.yaml:17:7");
  spec_where(&s, "model.hidden", where, sizeof where);  /* a list: where it starts */
  ck_assert_str_eq(where, "t.yaml:9:11");
  /* loading makes no check between keys: beta1 and beta2 are adam's */
  nn_error e;
  ck_assert_int_eq(spec_check(&s, &e), NN_BADINPUT);
  ck_assert_str_eq(e.msg, "t.yaml:22:10: train.beta1: only used when train.optimizer is adam, "
                          "but train.optimizer is momentum (t.yaml:19:14)");
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
  ck_assert_int_eq(s.model.hidden[0], 300);
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
  ck_assert_int_eq(s.model.hidden[0], 300);
  /* reals accept integers and what strtod reads */
  good(&s, "train: {lr: 2, lambda: 1E-3}\n");
  ck_assert(s.train.lr == 2.0);
  ck_assert(s.train.lambda == 0.001);
  /* bounds are inclusive */
  good(&s, "seed: 4294967295\nmodel: {hidden: 100000}\n"
           "train: {epochs: 0, batch: 10000000, threads: 1024}\n"
           "data: {dev_size: 0}\n");
  ck_assert_uint_eq(s.seed, 4294967295UL);
  ck_assert_int_eq(s.model.hidden[0], 100000);
  ck_assert_int_eq(s.train.batch, 10000000);
  ck_assert_int_eq(s.train.threads, 1024);
  good(&s, "seed: 1\nmodel: {hidden: 1}\ntrain: {epochs: 1000000, batch: 1}\n"
           "data: {dev_size: 10000000}\n");
  ck_assert_uint_eq(s.seed, 1);
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
      "t.yaml:1:1: optimizer: unknown key; did you mean 'train.optimizer'?");
  bad("train:\n  moment: 0.5\n",
      "t.yaml:2:3: train.moment: unknown key; did you mean 'train.momentum'?");
  bad("train:\n  beta_1: 0.5\n",
      "t.yaml:2:3: train.beta_1: unknown key; did you mean 'train.beta1'?");
  bad("train:\n  nesterow: true\n",
      "t.yaml:2:3: train.nesterow: unknown key; did you mean 'train.nesterov'?");
  bad("model:\n  shuffle: true\n",
      "t.yaml:2:3: model.shuffle: unknown key; did you mean 'train.shuffle'?");
  bad("model:\n  layers: [1]\n", "t.yaml:2:3: model.layers: unknown key; nnrun --help lists "
                                  "the keys");
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
      "t.yaml:2:3: seed: expected an integer from 1 to 4294967295, got a mapping");
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
  bad("train:\n  batch: 1.5\n",
      "t.yaml:2:10: train.batch: expected an integer from 1 to 10000000, got 1.5");
  bad("train:\n  batch: abc\n",
      "t.yaml:2:10: train.batch: expected an integer from 1 to 10000000, got abc");
  bad("train:\n  batch: \"\"\n",
      "t.yaml:2:10: train.batch: expected an integer from 1 to 10000000, got \"\"");
  bad("train:\n  batch:\n",
      "t.yaml:2:9: train.batch: expected an integer from 1 to 10000000, got an empty value");
  bad("train:\n  batch: null\n",
      "t.yaml:2:10: train.batch: expected an integer from 1 to 10000000, got null");
  bad("train:\n  batch: ~\n",
      "t.yaml:2:10: train.batch: expected an integer from 1 to 10000000, got ~");
  bad("train:\n  batch: 1e3\n",
      "t.yaml:2:10: train.batch: expected an integer from 1 to 10000000, got 1e3");
  bad("train:\n  batch: 0x10\n",
      "t.yaml:2:10: train.batch: expected an integer from 1 to 10000000, got 0x10");
  bad("train:\n  batch: 1_000\n",
      "t.yaml:2:10: train.batch: expected an integer from 1 to 10000000, got 1_000");
  bad("train:\n  batch: ' 5'\n",
      "t.yaml:2:10: train.batch: expected an integer from 1 to 10000000, got \" 5\"");
  bad("seed: 99999999999999999999999\n",
      "t.yaml:1:7: seed: expected an integer from 1 to 4294967295, got 99999999999999999999999");
  bad("seed: -9223372036854775809\n",
      "t.yaml:1:7: seed: expected an integer from 1 to 4294967295, got -9223372036854775809");
  bad("seed: -1\n", "t.yaml:1:7: seed: expected an integer from 1 to 4294967295, got -1");
  bad("seed: 0\n", "t.yaml:1:7: seed: expected an integer from 1 to 4294967295, got 0");
  bad("seed: 4294967296\n",
      "t.yaml:1:7: seed: expected an integer from 1 to 4294967295, got 4294967296");
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
  bad("model:\n  activation: softmax\n",
      "t.yaml:2:15: model.activation: expected sigmoid, tanh or relu, got softmax");
  bad("model:\n  activation: ReLU\n",
      "t.yaml:2:15: model.activation: expected sigmoid, tanh or relu, got ReLU");
  bad("model:\n  init: glorot\n",
      "t.yaml:2:9: model.init: expected normal, xavier or he, got glorot");
  bad("train:\n  optimizer: rmsprop\n",
      "t.yaml:2:14: train.optimizer: expected sgd, momentum or adam, got rmsprop");
  bad("train:\n  optimizer: [adam]\n",
      "t.yaml:2:14: train.optimizer: expected sgd, momentum or adam, got a list");
  good(&s, "model: {activation: tanh, init: xavier}\ntrain: {optimizer: adam}\n");
  ck_assert_int_eq(s.model.activation, SPEC_ACT_TANH);
  ck_assert_int_eq(s.model.init, SPEC_INIT_XAVIER);
  ck_assert_int_eq(s.train.optimizer, SPEC_OPT_ADAM);
  good(&s, "model: {activation: relu, init: he}\ntrain: {optimizer: momentum}\n");
  ck_assert_int_eq(s.model.activation, SPEC_ACT_RELU);
  ck_assert_int_eq(s.model.init, SPEC_INIT_HE);
  ck_assert_int_eq(s.train.optimizer, SPEC_OPT_MOMENTUM);
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
  ck_assert_uint_eq(s.model.nhidden, 1);
  ck_assert_int_eq(s.model.hidden[0], 100);
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
  bad_override("seed=1.5", "command line 'seed=1.5': seed: expected an integer from 1 to "
                           "4294967295, got 1.5");
  bad_override("seed=0", "command line 'seed=0': seed: expected an integer from 1 to "
                         "4294967295, got 0");
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
    /* the keys the optimizer does not read are left out: defaults */
    ck_assert_int_eq(back.origin[i].kind,
                     spec_key_used(s, i) ? SPEC_FROM_FILE : SPEC_FROM_DEFAULT);
  }
  ck_assert(memcmp(&s->train.lr, &back.train.lr, sizeof(double)) == 0);
  ck_assert(memcmp(&s->train.lambda, &back.train.lambda, sizeof(double)) == 0);
  ck_assert_str_eq(s->name, back.name);
  ck_assert_str_eq(s->data.dir, back.data.dir);
  ck_assert_str_eq(s->output.dir, back.output.dir);
  ck_assert_uint_eq(s->seed, back.seed);
  ck_assert_uint_eq(s->model.nhidden, back.model.nhidden);
  ck_assert(memcmp(s->model.hidden, back.model.hidden, sizeof back.model.hidden) == 0);
  ck_assert_int_eq(s->data.normalize, back.data.normalize);
  free(yaml);
}

START_TEST(test_to_yaml) {
  /* one hidden layer prints as before lists existed; sgd reads no optimizer key */
  static const char expect[] =
      "name: unnamed\nseed: 1\ndata:\n  dir: data/mnist\n  format: idx\n"
      "  dev_size: 10000\n  normalize: standardize\nmodel:\n  hidden: 300\n"
      "  activation: sigmoid\n  init: normal\n  precision: float64\ntrain:\n"
      "  epochs: 30\n  batch: 1000\n  shuffle: false\n  lr: 5\n  lambda: 0.0001\n"
      "  optimizer: sgd\n  threads: 0\n  input: auto\n"
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

/* model.hidden: a number (one layer), a list (flow or block), [] (none), the
 * short form 256-128; the exact messages of every bad form. */
START_TEST(test_hidden_lists) {
  spec s;
  char buf[64];
  good(&s, "model:\n  hidden: [256, 128]\n");
  ck_assert_uint_eq(s.model.nhidden, 2);
  ck_assert_int_eq(s.model.hidden[0], 256);
  ck_assert_int_eq(s.model.hidden[1], 128);
  text_of(&s, "model.hidden", buf, sizeof buf);
  ck_assert_str_eq(buf, "256-128");
  ck_assert_int_eq(spec_key_long(&s, key_index("model.hidden")), 0);
  good(&s, "model:\n  hidden:\n    - 10\n    - 20\n    - 30\n");
  ck_assert_uint_eq(s.model.nhidden, 3);
  ck_assert_int_eq(s.model.hidden[2], 30);
  ck_assert_int_eq(s.origin[key_index("model.hidden")].line, 3);
  ck_assert_int_eq(s.origin[key_index("model.hidden")].col, 5);
  text_of(&s, "model.hidden", buf, sizeof buf);
  ck_assert_str_eq(buf, "10-20-30");
  good(&s, "model: {hidden: []}\n");
  ck_assert_uint_eq(s.model.nhidden, 0);
  ck_assert_int_eq(s.model.hidden[0], 0);
  text_of(&s, "model.hidden", buf, sizeof buf);
  ck_assert_str_eq(buf, "[]");
  good(&s, "model: {hidden: [300]}\n");
  ck_assert_uint_eq(s.model.nhidden, 1);
  text_of(&s, "model.hidden", buf, sizeof buf);
  ck_assert_str_eq(buf, "300");  /* [300] is 300 */
  ck_assert_int_eq(spec_key_long(&s, key_index("model.hidden")), 300);
  good(&s, "model: {hidden: 256-128-64}\n");  /* the short form reads back */
  ck_assert_uint_eq(s.model.nhidden, 3);
  ck_assert_int_eq(s.model.hidden[2], 64);
  good(&s, "model: {hidden: [\"5\", '6', +7]}\n");  /* like any integer key */
  ck_assert_int_eq(s.model.hidden[0], 5);
  ck_assert_int_eq(s.model.hidden[2], 7);
  good(&s, "model: {hidden: [1, 2, 3, 4, 5, 6, 7, 100000]}\n");
  ck_assert_uint_eq(s.model.nhidden, SPEC_HIDDEN_MAX);
  text_of(&s, "model.hidden", buf, sizeof buf);
  ck_assert_str_eq(buf, "1-2-3-4-5-6-7-100000");
  /* a shorter list after a longer one leaves no stale widths */
  nn_error oe;
  good(&s, "model: {hidden: [9, 8, 7]}\n");
  ck_assert_int_eq(spec_override(&s, "model.hidden=[9]", &oe), NN_OK);
  ck_assert_uint_eq(s.model.nhidden, 1);
  ck_assert_int_eq(s.model.hidden[1], 0);
  ck_assert_int_eq(s.model.hidden[2], 0);

#define LIST_RULE "expected an integer from 1 to 100000 or a list of at most 8 of them"
  bad("model:\n  hidden: 0\n", "t.yaml:2:11: model.hidden: " LIST_RULE ", got 0");
  bad("model:\n  hidden: 100001\n", "t.yaml:2:11: model.hidden: " LIST_RULE ", got 100001");
  bad("model:\n  hidden: 1.5\n", "t.yaml:2:11: model.hidden: " LIST_RULE ", got 1.5");
  bad("model:\n  hidden: abc\n", "t.yaml:2:11: model.hidden: " LIST_RULE ", got abc");
  bad("model:\n  hidden:\n", "t.yaml:2:10: model.hidden: " LIST_RULE ", got an empty value");
  bad("model:\n  hidden: null\n", "t.yaml:2:11: model.hidden: " LIST_RULE ", got null");
  bad("model:\n  hidden: -5\n", "t.yaml:2:11: model.hidden: " LIST_RULE ", got -5");
  bad("model:\n  hidden: 256 128\n", "t.yaml:2:11: model.hidden: " LIST_RULE ", got 256 128");
  bad("model:\n  hidden: 256x128\n", "t.yaml:2:11: model.hidden: " LIST_RULE ", got 256x128");
  bad("model:\n  hidden: \"[256, 128]\"\n",
      "t.yaml:2:11: model.hidden: " LIST_RULE ", got \"[256, 128]\"");
  bad("model:\n  hidden: {a: 1}\n", "t.yaml:2:11: model.hidden: " LIST_RULE ", got a mapping");
  bad("model:\n  hidden: [256, 0]\n",
      "t.yaml:2:17: model.hidden: layer 2: expected an integer from 1 to 100000, got 0");
  bad("model:\n  hidden: [256, 1.5, 3]\n",
      "t.yaml:2:17: model.hidden: layer 2: expected an integer from 1 to 100000, got 1.5");
  bad("model:\n  hidden: [[256]]\n",
      "t.yaml:2:12: model.hidden: layer 1: expected an integer from 1 to 100000, got a list");
  bad("model:\n  hidden: [{a: 1}]\n",
      "t.yaml:2:12: model.hidden: layer 1: expected an integer from 1 to 100000, got a mapping");
  bad("model:\n  hidden:\n    - 5\n    -\n",
      "t.yaml:4:6: model.hidden: layer 2: expected an integer from 1 to 100000, got an empty "
      "value");
  bad("model:\n  hidden: [5, null]\n",
      "t.yaml:2:15: model.hidden: layer 2: expected an integer from 1 to 100000, got null");
  bad("model:\n  hidden: [5, \"\"]\n",
      "t.yaml:2:15: model.hidden: layer 2: expected an integer from 1 to 100000, got \"\"");
  bad("model:\n  hidden: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n",
      "t.yaml:2:11: model.hidden: expected at most 8 layers, got 9");
  bad("model:\n  hidden: [1, &a 2]\n",
      "t.yaml:2:15: model.hidden: anchors and aliases are not supported in specs");
  bad("model:\n  hidden: [1, !!int 2]\n",
      "t.yaml:2:15: model.hidden: tags are not supported in specs, got !!int");
  bad("model:\n  hidden: &a [1]\n",
      "t.yaml:2:11: model.hidden: anchors and aliases are not supported in specs");
  bad("model:\n  hidden: 256-0\n",
      "t.yaml:2:11: model.hidden: layer 2: expected an integer from 1 to 100000, got 0");
  bad("model:\n  hidden: 256--128\n",
      "t.yaml:2:11: model.hidden: layer 2: expected an integer from 1 to 100000, got an "
      "empty value");
  bad("model:\n  hidden: 256-\n",
      "t.yaml:2:11: model.hidden: layer 2: expected an integer from 1 to 100000, got an "
      "empty value");
  bad("model:\n  hidden: 1-2-3-4-5-6-7-8-9\n",
      "t.yaml:2:11: model.hidden: expected at most 8 layers, got 9");
  bad("model:\n  hidden: 1-200000\n",
      "t.yaml:2:11: model.hidden: layer 2: expected an integer from 1 to 100000, got 200000");
  /* a failed list leaves the spec as it was */
  spec before;
  nn_error e;
  good(&s, "model: {hidden: [7, 6]}\n");
  before = s;
  ck_assert_int_eq(load(&s, "model: {hidden: [1, 2, 0]}\n", &e), NN_BADINPUT);
  ck_assert(memcmp(&s, &before, sizeof s) == 0);
}
END_TEST

START_TEST(test_hidden_overrides) {
  spec s;
  nn_error e;
  char buf[64], where[256];
  static const struct { const char *arg; size_t n; long w[3]; const char *text; } ok[] = {
    {"model.hidden=100", 1, {100}, "100"},
    {"model.hidden=[256,128]", 2, {256, 128}, "256-128"},
    {"model.hidden=[ 256 , 128 ]", 2, {256, 128}, "256-128"},
    {"model.hidden=256-128", 2, {256, 128}, "256-128"},
    {"model.hidden=[]", 0, {0}, "[]"},
    {"model.hidden=[ ]", 0, {0}, "[]"},
    {"model.hidden=[300]", 1, {300}, "300"},
    {"model.hidden=[1, \"2\", 3] # a comment", 3, {1, 2, 3}, "1-2-3"},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    spec_defaults(&s);
    nn_error_clear(&e);
    ck_assert_msg(spec_override(&s, ok[i].arg, &e) == NN_OK, "%s: %s", ok[i].arg, e.msg);
    ck_assert_uint_eq(s.model.nhidden, ok[i].n);
    for (size_t j = 0; j < SPEC_HIDDEN_MAX; j++)
      ck_assert_int_eq(s.model.hidden[j], j < ok[i].n ? ok[i].w[j] : 0);
    text_of(&s, "model.hidden", buf, sizeof buf);
    ck_assert_str_eq(buf, ok[i].text);
    /* the canonical text is itself an override value of the same list */
    spec back;
    char arg[96];
    spec_defaults(&back);
    snprintf(arg, sizeof arg, "model.hidden=%s", buf);
    ck_assert_int_eq(spec_override(&back, arg, &e), NN_OK);
    ck_assert_uint_eq(back.model.nhidden, s.model.nhidden);
    ck_assert(memcmp(back.model.hidden, s.model.hidden, sizeof s.model.hidden) == 0);
  }
  spec_where(&s, "model.hidden", where, sizeof where);
  ck_assert_str_eq(where, "command line 'model.hidden=[1, \"2\", 3] # a comment'");
#define OV_LIST_RULE "model.hidden: " LIST_RULE
  bad_override("model.hidden=0", "command line 'model.hidden=0': " OV_LIST_RULE ", got 0");
  bad_override("model.hidden=", "command line 'model.hidden=': " OV_LIST_RULE
                                ", got an empty value");
  bad_override("model.hidden=[1,2", "command line 'model.hidden=[1,2': " OV_LIST_RULE
                                    ", got [1,2");
  bad_override("model.hidden=[1]]", "command line 'model.hidden=[1]]': " OV_LIST_RULE
                                    ", got [1]]");
  bad_override("model.hidden=[1] [2]", "command line 'model.hidden=[1] [2]': " OV_LIST_RULE
                                       ", got [1] [2]");
  bad_override("model.hidden={a: 1}", "command line 'model.hidden={a: 1}': " OV_LIST_RULE
                                      ", got {a: 1}");
  bad_override("model.hidden=[1,0]", "command line 'model.hidden=[1,0]': model.hidden: layer "
                                     "2: expected an integer from 1 to 100000, got 0");
  bad_override("model.hidden=[1,[2]]", "command line 'model.hidden=[1,[2]]': model.hidden: "
                                       "layer 2: expected an integer from 1 to 100000, got a "
                                       "list");
  bad_override("model.hidden=[1, \"2, 3\"]", "command line 'model.hidden=[1, \"2, 3\"]': "
                                             "model.hidden: layer 2: expected an integer from "
                                             "1 to 100000, got \"2, 3\"");
  bad_override("model.hidden=[1,2,3,4,5,6,7,8,9]", "command line "
               "'model.hidden=[1,2,3,4,5,6,7,8,9]': model.hidden: expected at most 8 layers, "
               "got 9");
  bad_override("model.hidden=[&a 1]", "command line 'model.hidden=[&a 1]': model.hidden: "
                                      "anchors and aliases are not supported in specs");
  bad_override("model.hidden=&a [1]", "command line 'model.hidden=&a [1]': " OV_LIST_RULE
                                      ", got &a [1]");
  bad_override("model.hidden=256-", "command line 'model.hidden=256-': model.hidden: layer 2: "
                                    "expected an integer from 1 to 100000, got an empty value");
  bad_override("model.hidden=[\x1b]", "command line 'model.hidden=[\\x1b]': " OV_LIST_RULE
                                      ", got \"[\\x1b]\"");
  /* other keys take '[' as text */
  bad_override("train.lr=[1]", "command line 'train.lr=[1]': train.lr: expected a number > 0, "
                               "got [1]");
}
END_TEST

START_TEST(test_bools) {
  spec s;
  char buf[16];
  good(&s, "train: {shuffle: true}\n");
  ck_assert_int_eq(s.train.shuffle, 1);
  text_of(&s, "train.shuffle", buf, sizeof buf);
  ck_assert_str_eq(buf, "true");
  ck_assert_int_eq(spec_key_long(&s, key_index("train.shuffle")), 1);
  good(&s, "train: {shuffle: false, optimizer: momentum, nesterov: true}\n");
  ck_assert_int_eq(s.train.shuffle, 0);
  ck_assert_int_eq(s.train.nesterov, 1);
  good(&s, "train: {shuffle: \"true\"}\n");  /* like the other keys, quotes are allowed */
  ck_assert_int_eq(s.train.shuffle, 1);
  /* YAML 1.2's true and false only: no YAML 1.1 yes/no/on/off, no 1/0, no True */
  static const char *const no[] = {"yes", "no", "on", "off", "y", "n", "1", "0", "True",
                                   "TRUE", "False", "FALSE", "t", "f", "truee"};
  char yaml[64], msg[128];
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
    snprintf(yaml, sizeof yaml, "train:\n  shuffle: %s\n", no[i]);
    snprintf(msg, sizeof msg, "t.yaml:2:12: train.shuffle: expected true or false, got %s",
             no[i]);
    bad(yaml, msg);
  }
  bad("train:\n  shuffle:\n", "t.yaml:2:11: train.shuffle: expected true or false, got an "
                              "empty value");
  bad("train:\n  shuffle: ~\n", "t.yaml:2:12: train.shuffle: expected true or false, got ~");
  bad("train:\n  shuffle: [true]\n",
      "t.yaml:2:12: train.shuffle: expected true or false, got a list");
  bad("train:\n  nesterov: yes\n",
      "t.yaml:2:13: train.nesterov: expected true or false, got yes");
  bad_override("train.shuffle=yes",
               "command line 'train.shuffle=yes': train.shuffle: expected true or false, got yes");
  bad_override("train.shuffle=1",
               "command line 'train.shuffle=1': train.shuffle: expected true or false, got 1");
  bad_override("train.nesterov=",
               "command line 'train.nesterov=': train.nesterov: expected true or false, got an "
               "empty value");
  nn_error e;
  spec_defaults(&s);
  ck_assert_int_eq(spec_override(&s, "train.shuffle=true", &e), NN_OK);
  ck_assert_int_eq(s.train.shuffle, 1);
  ck_assert_int_eq(spec_override(&s, "train.shuffle=false", &e), NN_OK);
  ck_assert_int_eq(s.train.shuffle, 0);
}
END_TEST

START_TEST(test_optimizer_values) {
  spec s;
  good(&s, "train: {optimizer: adam, beta1: 0, beta2: 0.9999999, epsilon: 1e-300}\n");
  ck_assert(s.train.beta1 == 0.0);
  ck_assert(s.train.beta2 == 0.9999999);
  ck_assert(s.train.epsilon == 1e-300);
  good(&s, "train: {optimizer: momentum, momentum: 0}\n");
  ck_assert(s.train.momentum == 0.0);
  bad("train:\n  momentum: 1\n",
      "t.yaml:2:13: train.momentum: expected a number >= 0 and < 1, got 1");
  bad("train:\n  momentum: 1.5\n",
      "t.yaml:2:13: train.momentum: expected a number >= 0 and < 1, got 1.5");
  bad("train:\n  momentum: -0.1\n",
      "t.yaml:2:13: train.momentum: expected a number >= 0 and < 1, got -0.1");
  bad("train:\n  momentum: .nan\n",
      "t.yaml:2:13: train.momentum: expected a finite number >= 0 and < 1, got .nan");
  bad("train:\n  beta1: 1\n", "t.yaml:2:10: train.beta1: expected a number >= 0 and < 1, got 1");
  bad("train:\n  beta2: -1e-9\n",
      "t.yaml:2:10: train.beta2: expected a number >= 0 and < 1, got -1e-9");
  bad("train:\n  beta2: high\n",
      "t.yaml:2:10: train.beta2: expected a number >= 0 and < 1, got high");
  bad("train:\n  epsilon: 0\n", "t.yaml:2:12: train.epsilon: expected a number > 0, got 0");
  bad("train:\n  epsilon: -1e-8\n",
      "t.yaml:2:12: train.epsilon: expected a number > 0, got -1e-8");
  bad("train:\n  epsilon: .inf\n",
      "t.yaml:2:12: train.epsilon: expected a finite number > 0, got .inf");
  bad_override("train.momentum=1", "command line 'train.momentum=1': train.momentum: expected "
                                   "a number >= 0 and < 1, got 1");
  bad_override("train.optimizer=Adam", "command line 'train.optimizer=Adam': train.optimizer: "
                                       "expected sgd, momentum or adam, got Adam");
}
END_TEST

/* A key only one optimizer reads may not be set for another: spec_check, on
 * the whole spec once the overrides are in. */
START_TEST(test_inert_keys) {
  spec s;
  nn_error e;
  size_t k;
  char why[256];
  /* defaults are never an error, whatever the optimizer */
  spec_defaults(&s);
  ck_assert_int_eq(spec_check(&s, &e), NN_OK);
  ck_assert_int_eq(spec_check_key(&s, &k, why, sizeof why), 0);
  good(&s, "train: {optimizer: adam}\n");
  ck_assert_int_eq(spec_check(&s, &e), NN_OK);
  good(&s, "train: {optimizer: momentum, momentum: 0.5, nesterov: true}\n");
  ck_assert_int_eq(spec_check(&s, &e), NN_OK);
  good(&s, "train: {optimizer: adam, beta1: 0.5, beta2: 0.9, epsilon: 1e-6}\n");
  ck_assert_int_eq(spec_check(&s, &e), NN_OK);
  /* set in the file for another optimizer, even to the default value */
  good(&s, "train:\n  momentum: 0.5\n");
  ck_assert_int_eq(spec_check(&s, &e), NN_BADINPUT);
  ck_assert_str_eq(e.msg, "t.yaml:2:13: train.momentum: only used when train.optimizer is "
                          "momentum, but train.optimizer is sgd (the default)");
  ck_assert_int_eq(spec_check_key(&s, &k, why, sizeof why), -1);
  ck_assert_uint_eq(k, key_index("train.momentum"));
  ck_assert_str_eq(why, "only used when train.optimizer is momentum, but train.optimizer is sgd");
  good(&s, "train:\n  optimizer: sgd\n  epsilon: 1e-08\n");
  ck_assert_int_eq(spec_check(&s, &e), NN_BADINPUT);
  ck_assert_str_eq(e.msg, "t.yaml:3:12: train.epsilon: only used when train.optimizer is "
                          "adam, but train.optimizer is sgd (t.yaml:2:14)");
  good(&s, "train:\n  optimizer: adam\n  nesterov: false\n");
  ck_assert_int_eq(spec_check(&s, &e), NN_BADINPUT);
  ck_assert_str_eq(e.msg, "t.yaml:3:13: train.nesterov: only used when train.optimizer is "
                          "momentum, but train.optimizer is adam (t.yaml:2:14)");
  good(&s, "train:\n  optimizer: momentum\n  beta1: 0.5\n  beta2: 0.5\n");
  ck_assert_int_eq(spec_check(&s, &e), NN_BADINPUT);  /* the first in table order */
  ck_assert_str_eq(e.msg, "t.yaml:3:10: train.beta1: only used when train.optimizer is "
                          "adam, but train.optimizer is momentum (t.yaml:2:14)");
  /* an override may complete the file, in either order ... */
  good(&s, "train:\n  momentum: 0.5\n");
  ck_assert_int_eq(spec_override(&s, "train.optimizer=momentum", &e), NN_OK);
  ck_assert_int_eq(spec_check(&s, &e), NN_OK);
  spec_defaults(&s);
  ck_assert_int_eq(spec_override(&s, "train.beta2=0.99", &e), NN_OK);
  ck_assert_int_eq(spec_override(&s, "train.optimizer=adam", &e), NN_OK);
  ck_assert_int_eq(spec_check(&s, &e), NN_OK);
  /* ... or leave a key of the file inert */
  good(&s, "train:\n  optimizer: momentum\n  momentum: 0.5\n");
  ck_assert_int_eq(spec_override(&s, "train.optimizer=adam", &e), NN_OK);
  ck_assert_int_eq(spec_check(&s, &e), NN_BADINPUT);
  ck_assert_str_eq(e.msg, "t.yaml:3:13: train.momentum: only used when train.optimizer is "
                          "momentum, but train.optimizer is adam (command line "
                          "'train.optimizer=adam')");
  spec_defaults(&s);
  ck_assert_int_eq(spec_override(&s, "train.momentum=0.9", &e), NN_OK);
  ck_assert_int_eq(spec_check(&s, &e), NN_BADINPUT);
  ck_assert_str_eq(e.msg, "command line 'train.momentum=0.9': train.momentum: only used when "
                          "train.optimizer is momentum, but train.optimizer is sgd (the "
                          "default)");
  /* used or not, by the optimizer */
  spec_defaults(&s);
  ck_assert_int_eq(spec_key_used(&s, key_index("train.momentum")), 0);
  ck_assert_int_eq(spec_key_used(&s, key_index("train.shuffle")), 1);
  s.train.optimizer = SPEC_OPT_MOMENTUM;
  ck_assert_int_eq(spec_key_used(&s, key_index("train.momentum")), 1);
  ck_assert_int_eq(spec_key_used(&s, key_index("train.nesterov")), 1);
  ck_assert_int_eq(spec_key_used(&s, key_index("train.beta1")), 0);
  s.train.optimizer = SPEC_OPT_ADAM;
  ck_assert_int_eq(spec_key_used(&s, key_index("train.epsilon")), 1);
  ck_assert_int_eq(spec_key_used(&s, key_index("train.nesterov")), 0);
}
END_TEST

/* The resolved YAML of lists, booleans and each optimizer: what it prints,
 * and that it loads back. */
START_TEST(test_to_yaml_new_keys) {
  spec s;
  nn_error e;
  char *yaml;
  spec_defaults(&s);
  ck_assert_int_eq(spec_override(&s, "model.hidden=[256,128]", &e), NN_OK);
  ck_assert_int_eq(spec_override(&s, "train.shuffle=true", &e), NN_OK);
  yaml = spec_to_yaml(&s);
  ck_assert_ptr_nonnull(strstr(yaml, "model:\n  hidden: [256, 128]\n  activation: sigmoid\n"));
  ck_assert_ptr_nonnull(strstr(yaml, "  shuffle: true\n"));
  ck_assert_ptr_nonnull(strstr(yaml, "  optimizer: sgd\n  threads: 0\n"));
  ck_assert_ptr_null(strstr(yaml, "momentum"));
  ck_assert_ptr_null(strstr(yaml, "beta"));
  free(yaml);
  round_trip(&s);
  ck_assert_int_eq(spec_override(&s, "model.hidden=[]", &e), NN_OK);
  yaml = spec_to_yaml(&s);
  ck_assert_ptr_nonnull(strstr(yaml, "  hidden: []\n"));
  free(yaml);
  round_trip(&s);
  ck_assert_int_eq(spec_override(&s, "train.optimizer=momentum", &e), NN_OK);
  ck_assert_int_eq(spec_override(&s, "train.nesterov=true", &e), NN_OK);
  yaml = spec_to_yaml(&s);
  ck_assert_ptr_nonnull(
      strstr(yaml, "  optimizer: momentum\n  momentum: 0.9\n  nesterov: true\n  threads: 0\n"));
  free(yaml);
  round_trip(&s);
  ck_assert_int_eq(spec_override(&s, "train.optimizer=adam", &e), NN_OK);
  s.train.nesterov = 0;  /* as the defaults leave it */
  ck_assert_int_eq(spec_override(&s, "train.epsilon=1e-7", &e), NN_OK);
  ck_assert_int_eq(spec_override(&s, "model.activation=tanh", &e), NN_OK);
  ck_assert_int_eq(spec_override(&s, "model.init=xavier", &e), NN_OK);
  yaml = spec_to_yaml(&s);
  ck_assert_ptr_nonnull(strstr(yaml, "  activation: tanh\n  init: xavier\n"));
  ck_assert_ptr_nonnull(strstr(yaml, "  optimizer: adam\n  beta1: 0.9\n  beta2: 0.999\n"
                                     "  epsilon: 1e-07\n  threads: 0\n"));
  free(yaml);
  round_trip(&s);
  for (size_t n = 0; n <= SPEC_HIDDEN_MAX; n++) {
    s.model.nhidden = n;
    for (size_t j = 0; j < SPEC_HIDDEN_MAX; j++) s.model.hidden[j] = j < n ? 100000 - (long)j : 0;
    round_trip(&s);
  }
}
END_TEST

/* A /spec text written before the model and optimizer keys existed loads to
 * the defaults of the new keys: the same spec, key by key, as today's. */
START_TEST(test_old_resolved_spec) {
  static const char old[] =
      "name: regularized\nseed: 100\ndata:\n  dir: data/mnist\n  format: idx\n"
      "  dev_size: 10000\n  normalize: standardize\nmodel:\n  hidden: 300\n"
      "  activation: sigmoid\n  init: normal\n  precision: float64\ntrain:\n"
      "  epochs: 30\n  batch: 1000\n  lr: 5\n  lambda: 0.0001\n  threads: 0\n"
      "  input: auto\noutput:\n  dir: runs\n";
  spec s, now;
  nn_error e;
  char a[SPEC_PATH_MAX], b[SPEC_PATH_MAX];
  good(&s, old);
  ck_assert_int_eq(spec_check(&s, &e), NN_OK);
  spec_defaults(&now);
  ck_assert_int_eq(spec_override(&now, "name=regularized", &e), NN_OK);
  ck_assert_int_eq(spec_override(&now, "seed=100", &e), NN_OK);
  for (size_t i = 0; i < spec_nkeys(); i++) {
    spec_key_text(&s, i, a, sizeof a);
    spec_key_text(&now, i, b, sizeof b);
    ck_assert_str_eq(a, b);
  }
  ck_assert_uint_eq(s.model.nhidden, 1);
  ck_assert_int_eq(s.model.hidden[0], 300);
  /* and today's text is the old one plus the two keys sgd reads */
  char *yaml = spec_to_yaml(&s);
  char want[sizeof old + 64];
  const char *lr = strstr(old, "  lr: 5\n"), *threads = strstr(old, "  threads: 0\n");
  snprintf(want, sizeof want, "%.*s  shuffle: false\n%.*s  optimizer: sgd\n%s",
           (int)(lr - old), old, (int)(threads - lr), lr, threads);
  ck_assert_str_eq(yaml, want);
  free(yaml);
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
  tcase_add_test(tc, test_hidden_lists);
  tcase_add_test(tc, test_hidden_overrides);
  tcase_add_test(tc, test_bools);
  tcase_add_test(tc, test_optimizer_values);
  tcase_add_test(tc, test_inert_keys);
  tcase_add_test(tc, test_to_yaml_new_keys);
  tcase_add_test(tc, test_old_resolved_spec);
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
