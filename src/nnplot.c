/* nnplot: placeholder. */
#include "config.h"
#include <stdio.h>
int main(void) { fputs("nnplot: not written yet\n", stderr); return 2; }
