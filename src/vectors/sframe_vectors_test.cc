// RFC 9605 Appendix C: 289 header, 3 AES-CTR-HMAC and 5 SFrame cases.
#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace ztm::vectors {
namespace {

TEST(Vectors, SFrame) {
  ztm_test::expect_vector_file("sframe/test-vectors.json", 297);
}

}  // namespace
}  // namespace ztm::vectors
