#include "ztm/base/secret.h"

#include <openssl/crypto.h>

namespace ztm {

void secure_zero(void* data, std::size_t size) {
  if (data != nullptr && size != 0) OPENSSL_cleanse(data, size);
}

bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool operator==(const SecretBytes& a, const SecretBytes& b) {
  return constant_time_equal(a.expose(), b.expose());
}

}  // namespace ztm
