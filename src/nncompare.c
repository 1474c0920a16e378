/* nncompare: placeholder. */
#include "config.h"
#include <stdio.h>
int main(void) { fputs("nncompare: not written yet\n", stderr); return 2; }
