#include "ztm/sframe/key_derivation.h"

#include <array>
#include <string_view>

namespace ztm::sframe {

namespace {

// label builds "SFrame 1.0 Secret " + kind + " " + KID(8) + cipher_suite(2) on the stack.
template <std::size_t N>
std::array<std::uint8_t, N> label(std::string_view prefix, KeyId kid, CipherSuite suite) {
  std::array<std::uint8_t, N> out{};
  std::size_t i = 0;
  for (char ch : prefix) out[i++] = static_cast<std::uint8_t>(ch);
  for (int b = 7; b >= 0; --b) out[i++] = static_cast<std::uint8_t>(kid >> (8 * b));
  const auto s = static_cast<std::uint16_t>(suite);
  out[i++] = static_cast<std::uint8_t>(s >> 8);
  out[i++] = static_cast<std::uint8_t>(s);
  return out;
}

constexpr std::string_view kKeyLabel = "SFrame 1.0 Secret key ";
constexpr std::string_view kSaltLabel = "SFrame 1.0 Secret salt ";

}  // namespace

Result<KeyAndSalt> derive_key_salt(CipherSuite suite, KeyId kid, const SecretBytes& base_key) {
  ZTM_TRY_ASSIGN(const SuiteInfo info, suite_info(suite));
  if (base_key.empty()) return fail(Errc::invalid_key, "sframe.base_key: empty");
  const SecretBytes secret = crypto::hkdf_extract(info.hash, {}, base_key.expose());
  const auto key_label = label<kKeyLabel.size() + 10>(kKeyLabel, kid, suite);
  const auto salt_label = label<kSaltLabel.size() + 10>(kSaltLabel, kid, suite);
  KeyAndSalt out;
  ZTM_TRY_ASSIGN(out.key, crypto::hkdf_expand(info.hash, secret.expose(), key_label, info.nk));
  ZTM_TRY_ASSIGN(out.salt, crypto::hkdf_expand(info.hash, secret.expose(), salt_label, info.nn));
  return out;
}

}  // namespace ztm::sframe
