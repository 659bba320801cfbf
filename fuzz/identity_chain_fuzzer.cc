// Fuzzes the X.509 credential validator with an arbitrary certificate chain: the input
// is split into DER elements by their outer SEQUENCE lengths (so a seed is simply
// concatenated DER certificates), validated against a fixed trust store.
// Invariants: no crash; a credential is attached exactly when the status accepts
// (verified or provider-authenticated); nothing random can be verified, because the
// anchor's key signs nothing but itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "ztm/crypto/signature.h"
#include "ztm/identity/validator.h"

namespace {

using namespace ztm;
using namespace ztm::identity;

// der_element_size reads a DER tag and length; 0 if malformed or truncated.
std::size_t der_element_size(const std::uint8_t* p, std::size_t n) {
  if (n < 2) return 0;
  std::size_t len = p[1];
  std::size_t header = 2;
  if (len & 0x80) {
    const std::size_t count = len & 0x7f;
    if (count == 0 || count > 3 || n < 2 + count) return 0;
    len = 0;
    for (std::size_t i = 0; i < count; ++i) len = (len << 8) | p[2 + i];
    header += count;
  }
  return header + len <= n ? header + len : 0;
}

Validator& validator() {
  static Validator* v = [] {
    const auto now = std::chrono::system_clock::now();
    const Bytes seed(32, 0x42);
    auto key = crypto::SignaturePrivateKey::from_raw(crypto::SignatureScheme::ed25519, seed);
    const std::vector<std::string> domains{"example.com"};
    auto ca = make_ca_certificate(*key, "Fuzz CA", "Fuzz Org",
                                  {now - std::chrono::hours(1), now + std::chrono::hours(24)},
                                  domains, Bytes{0x01});
    TrustStore store;
    if (!ca || !store.add_organization_anchor(*ca, "Fuzz Org", {"example.com"})) std::abort();
    return new Validator(store);
  }();
  return *v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<Bytes> chain;
  std::size_t pos = 0;
  while (pos < size && chain.size() < 10) {
    std::size_t n = der_element_size(data + pos, size - pos);
    if (n == 0) n = size - pos;  // let the parser see the malformed tail too
    chain.emplace_back(data + pos, data + pos + n);
    pos += n;
  }
  const Bytes key(32, 0x07);
  auto result = validator().validate(chain, key, crypto::SignatureScheme::ed25519,
                                     std::chrono::system_clock::now());
  const bool accepted = result.status == CredentialStatus::verified ||
                        result.status == CredentialStatus::provider_authenticated;
  if (accepted != result.credential.has_value()) std::abort();
  if (result.status == CredentialStatus::verified) std::abort();
  if (!accepted && result.reason.empty()) std::abort();
  return 0;
}
