/* src/spec.c: placeholder while being written. */
#include "config.h"
extern int nn_placeholder_spec;
