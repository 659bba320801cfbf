// Fuzzes the token and request-signature parsers the CA runs on client input: the
// flattened JWS of every ACME request (RFC 8555 §6.2), OIDC ID tokens and the JWKS
// they are checked against (sso-01), and provider tokens (provider-01). The first
// byte picks the parser, the rest is its input.
// Invariants: no crash; an ID token or provider token never verifies (the fuzzer
// cannot know the fixed keys); a JWS verifies only under the key it carries, and
// then its payload is the one parsed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ztm/identity/jws.h"
#include "ztm/identity/oidc.h"
#include "ztm/identity/sso_challenge.h"

namespace {

using namespace ztm;
using namespace ztm::identity;

// The IdP's signing key: a fixed P-256 key, published as a one-key JWKS.
const Jwks& idp_keys() {
  static const Jwks* keys = [] {
    const Bytes scalar(32, 0x17);
    auto key = crypto::SignaturePrivateKey::from_raw(
        crypto::SignatureScheme::ecdsa_secp256r1_sha256, scalar);
    if (!key) std::abort();
    auto jwk = public_jwk(*key);
    if (!jwk) std::abort();
    nlohmann::json entry = jwk_to_json(*jwk);
    entry["kid"] = "idp-1";
    entry["alg"] = "ES256";
    entry["use"] = "sig";
    auto parsed = Jwks::parse(nlohmann::json{{"keys", {entry}}}.dump());
    if (!parsed || parsed->size() != 1) std::abort();
    return new Jwks(std::move(*parsed));
  }();
  return *keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 5) {
    case 0:
    case 1: {
      JwsLimits limits;
      limits.require_nonce = data[0] % 5 == 0;
      auto parsed = parse_jws(input, limits);
      if (!parsed) return 0;
      if (parsed->jwk) {
        const PublicJwk key = *parsed->jwk;
        const std::string payload = parsed->payload;
        (void)jwk_thumbprint(key);
        auto verified = verify_jws(std::move(*parsed), key);
        if (verified && verified->jws().payload != payload) std::abort();
      }
      return 0;
    }
    case 2: {
      auto keys = Jwks::parse(input);
      (void)keys;
      auto jwk = nlohmann::json::parse(input, nullptr, false);
      if (!jwk.is_discarded()) (void)parse_jwk(jwk);
      return 0;
    }
    case 3: {
      IdTokenExpectations expected;
      expected.issuer = "https://idp.example.test";
      expected.client_id = "ztmeet-ca";
      expected.nonce = "n-0S6_WzA2Mj";
      expected.now_unix = 1'800'000'000;
      if (verify_id_token(input, idp_keys(), expected)) std::abort();
      return 0;
    }
    default: {
      const SecretBytes key(Bytes(32, 0x5a));
      if (verify_provider_token(input, key, "https://meet.example.test", 1'800'000'000,
                                std::chrono::seconds(600))) {
        std::abort();
      }
      return 0;
    }
  }
}
