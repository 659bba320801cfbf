#include "ztm/identity/validator_mls.h"

#include <gtest/gtest.h>

#include "ztm_test/cert_factory.h"

namespace ztm::identity {
namespace {

using crypto::SignaturePrivateKey;
using crypto::SignatureScheme;
using ztm_test::SanEntry;

mls::Credential credential_of(const std::vector<Certificate>& chain) {
  std::vector<mls::Certificate> certs;
  for (const auto& c : chain) certs.push_back(mls::Certificate{c.der()});
  return mls::Credential::x509(std::move(certs));
}

class MlsAdapterTest : public ::testing::Test {
 protected:
  MlsAdapterTest() {
    EXPECT_TRUE(store_.add_organization_anchor(org_.cert, "Example Corp", {"example.com"}));
    EXPECT_TRUE(store_.add_provider_anchor(provider_.cert));
  }
  Certificate leaf(const ztm_test::Ca& ca, const std::string& email, const SignaturePrivateKey& key,
                   bool expired = false) {
    auto spec = ztm_test::leaf_spec({SanEntry::email, email});
    if (expired) spec.not_after = std::chrono::system_clock::now() - std::chrono::hours(1);
    return ztm_test::issue(spec, key.evp_pkey(), &ca);
  }

  ztm_test::Ca org_ = ztm_test::make_root(ztm_test::ca_spec("Org Root", "Example Corp"));
  ztm_test::Ca provider_ = ztm_test::make_root(ztm_test::ca_spec("Provider Root"));
  TrustStore store_;
  SignaturePrivateKey key_ = SignaturePrivateKey::generate(SignatureScheme::ed25519).value();
};

TEST_F(MlsAdapterTest, MapsStatusesToErrors) {
  Validator validator(store_);
  auto strict = MlsCredentialValidator::create(validator, 1, false).value();
  auto lenient = MlsCredentialValidator::create(validator, 1, true).value();
  const auto verified = credential_of({leaf(org_, "alice@example.com", key_)});
  const auto guest = credential_of({leaf(provider_, "bob@mail.test", key_)});
  const auto expired = credential_of({leaf(org_, "carol@example.com", key_, true)});

  EXPECT_TRUE(strict.validate(verified, key_.public_key()));
  EXPECT_TRUE(lenient.validate(guest, key_.public_key()));
  EXPECT_EQ(strict.validate(guest, key_.public_key()).error().code, Errc::untrusted);
  EXPECT_EQ(strict.validate(expired, key_.public_key()).error().code, Errc::expired);
  auto other = SignaturePrivateKey::generate(SignatureScheme::ed25519).value();
  EXPECT_EQ(strict.validate(verified, other.public_key()).error().code, Errc::untrusted);
  EXPECT_EQ(
      strict.validate(mls::Credential::basic(to_bytes("alice")), key_.public_key()).error().code,
      Errc::unsupported);
  // Suite 2 signs with P-256: an Ed25519 leaf does not fit it.
  auto p256_group = MlsCredentialValidator::create(validator, 2, true).value();
  EXPECT_EQ(p256_group.validate(verified, key_.public_key()).error().code, Errc::untrusted);
  EXPECT_EQ(MlsCredentialValidator::create(validator, 99, true).error().code, Errc::unsupported);
}

TEST_F(MlsAdapterTest, ClockIsInjected) {
  Validator validator(store_);
  const auto now = std::chrono::system_clock::now();
  auto future = MlsCredentialValidator::create(validator, 1, false, [now] {
                  return now + std::chrono::hours(48);
                }).value();
  const auto credential = credential_of({leaf(org_, "alice@example.com", key_)});
  EXPECT_EQ(future.validate(credential, key_.public_key()).error().code, Errc::expired);
  auto r = validate_mls_credential(validator, credential, key_.public_key(),
                                   SignatureScheme::ed25519, now);
  EXPECT_EQ(r.status, CredentialStatus::verified) << r.reason;
}

}  // namespace
}  // namespace ztm::identity
