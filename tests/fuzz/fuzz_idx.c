/* fuzz_idx.c: libFuzzer harness for the IDX reader (raw and gzip): the input
 * becomes an image file and a label file (layout in fuzz_common.h), loaded
 * with data_load_files(); see fuzz_data.h for what every outcome must pass.
 */
#include "config.h"

#include "fuzz_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_data(data, size, 0, "train-images-idx3-ubyte", "train-labels-idx1-ubyte");
}
