/* fuzz_csv.c: libFuzzer harness for the CS229 CSV reader: the input becomes
 * images_train.csv and labels_train.csv (layout in fuzz_common.h; the .gz
 * flags exercise the zlib path too), loaded with data_load_files(); see
 * fuzz_data.h for what every outcome must pass.
 */
#include "config.h"

#include "fuzz_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_data(data, size, 1, "images_train.csv", "labels_train.csv");
}
