// The official HPKE vectors (RFC 9180 Appendix A): all 128 entries, each checked
// end to end (keys, encapsulation, key schedule, 257 encryptions, exports).
#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace ztm::vectors {
namespace {

TEST(HpkeVectors, AllEntriesPass) {
  ztm_test::expect_vector_file("hpke/test-vectors.json", 128);
}

}  // namespace
}  // namespace ztm::vectors
