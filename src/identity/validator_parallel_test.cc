// The Validator and its MLS adapter called concurrently (ztm::parallel_for, as a
// joiner validates its tree): every verdict is the one a serial run gives.
#include <gtest/gtest.h>

#include "ztm/base/parallel.h"
#include "ztm/identity/validator.h"
#include "ztm/identity/validator_mls.h"
#include "ztm_test/cert_factory.h"

namespace ztm::identity {
namespace {

using crypto::SignaturePrivateKey;
using crypto::SignatureScheme;
using std::chrono::hours;
using ztm_test::Ca;
using ztm_test::SanEntry;

struct Member {
  SignaturePrivateKey key;
  std::vector<Bytes> chain;
};

class ValidatorParallelTest : public ::testing::Test {
 protected:
  ValidatorParallelTest() {
    EXPECT_TRUE(store_.add_organization_anchor(org_.cert, "Example Corp", {"example.com"}));
    EXPECT_TRUE(store_.add_provider_anchor(provider_.cert));
    // 6 kinds of credential, repeated: every status occurs many times, interleaved.
    for (std::uint64_t i = 0; i < 48; ++i) {
      auto key = SignaturePrivateKey::generate(SignatureScheme::ed25519);
      EXPECT_TRUE(key);
      const std::string user = "user" + std::to_string(i);
      auto spec = ztm_test::leaf_spec({SanEntry::email, user + "@example.com"});
      spec.serial = 0x9000 + i;
      const Ca* ca = &issuing_;
      switch (i % 6) {
        case 0:  // verified
          break;
        case 1:  // provider_authenticated
          ca = &provider_;
          spec.sans = {{SanEntry::email, user + "@mail.test"}};
          break;
        case 2:  // expired
          spec.not_before = now_ - hours(48);
          spec.not_after = now_ - hours(24);
          break;
        case 3:  // invalid: outside the organization's domains
          spec.sans = {{SanEntry::email, user + "@other.org"}};
          break;
        case 4:  // invalid: a CA nobody trusts
          ca = &rogue_;
          break;
        case 5:  // revoked (on the supplied CRL)
          revoked_.push_back(spec.serial);
          break;
      }
      const Certificate cert = ztm_test::issue(spec, key->evp_pkey(), ca);
      std::vector<Certificate> chain{cert};
      if (ca == &issuing_) chain.push_back(issuing_.cert);
      members_.push_back(Member{std::move(*key), to_der_chain(chain)});
    }
  }

  std::unique_ptr<Validator> make_validator() {
    auto v = std::make_unique<Validator>(store_);
    EXPECT_TRUE(
        v->add_crl(ztm_test::make_crl(issuing_, revoked_, now_ - hours(1), now_ + hours(6))));
    return v;
  }

  TimePoint now_ = std::chrono::system_clock::now();
  Ca org_ = ztm_test::make_root(ztm_test::ca_spec("Example Root", "Example Corp"));
  Ca issuing_ =
      ztm_test::make_intermediate(org_, ztm_test::ca_spec("Example Issuing", "Example Corp"));
  Ca provider_ = ztm_test::make_root(ztm_test::ca_spec("Provider Root"));
  Ca rogue_ = ztm_test::make_root(ztm_test::ca_spec("Rogue Root", "Example Corp"));
  TrustStore store_;
  std::vector<std::uint64_t> revoked_;
  std::vector<Member> members_;
};

TEST_F(ValidatorParallelTest, ConcurrentValidationGivesSerialVerdicts) {
  auto serial = make_validator();
  std::vector<ValidationResult> expected;
  for (const auto& m : members_) {
    expected.push_back(
        serial->validate(m.chain, m.key.public_key(), SignatureScheme::ed25519, now_));
  }
  // Each status occurs (the fixture is what it says).
  for (std::size_t i = 0; i < 6; ++i) {
    const CredentialStatus want[] = {
        CredentialStatus::verified, CredentialStatus::provider_authenticated,
        CredentialStatus::expired,  CredentialStatus::invalid,
        CredentialStatus::invalid,  CredentialStatus::revoked};
    EXPECT_EQ(expected[i].status, want[i]) << i << ": " << expected[i].reason;
  }

  // More threads than cores, one credential per task: calls really overlap.
  const std::size_t threads_before = parallelism();
  set_parallelism(4);
  auto shared = make_validator();
  std::vector<ValidationResult> got(members_.size());
  parallel_for(members_.size(), 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      got[i] = shared->validate(members_[i].chain, members_[i].key.public_key(),
                                SignatureScheme::ed25519, now_);
    }
  });

  // The MLS adapter says it may be called concurrently, and gives the same yes/no.
  auto adapter = MlsCredentialValidator::create(*shared, 1, /*accept_provider_authenticated=*/true,
                                                [this] { return now_; });
  ASSERT_TRUE(adapter);
  EXPECT_TRUE(adapter->thread_safe());
  std::vector<Result<void>> accepted(members_.size());
  parallel_for(members_.size(), 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      std::vector<mls::Certificate> certs;
      for (const auto& der : members_[i].chain) certs.push_back(mls::Certificate{der});
      accepted[i] =
          adapter->validate(mls::Credential::x509(std::move(certs)), members_[i].key.public_key());
    }
  });
  set_parallelism(threads_before);

  for (std::size_t i = 0; i < members_.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(got[i].status, expected[i].status) << got[i].reason;
    EXPECT_EQ(got[i].reason, expected[i].reason);
    EXPECT_EQ(got[i].summary(), expected[i].summary());
    const bool should_pass = expected[i].status == CredentialStatus::verified ||
                             expected[i].status == CredentialStatus::provider_authenticated;
    EXPECT_EQ(accepted[i].has_value(), should_pass);
  }
}

// Intermediates are parsed once per Validator (cached by their DER); each path is
// still verified: an intermediate with the same name as a cached one, but expired,
// or one the leaf was not signed by, gives the verdict a fresh validator gives.
TEST_F(ValidatorParallelTest, CachedIntermediatesAreCheckedPerPath) {
  auto spec = ztm_test::ca_spec("Example Issuing", "Example Corp");  // issuing_'s name
  spec.not_after = now_ - hours(2);
  const Ca expired_issuing = ztm_test::make_intermediate(org_, spec);
  auto key = SignaturePrivateKey::generate(SignatureScheme::ed25519);
  ASSERT_TRUE(key);
  const Certificate leaf = ztm_test::issue(
      ztm_test::leaf_spec({SanEntry::email, "zoe@example.com"}), key->evp_pkey(), &expired_issuing);
  const auto via_expired = to_der_chain({leaf, expired_issuing.cert});
  const auto via_other = to_der_chain({leaf, issuing_.cert});  // not the leaf's issuer

  auto fresh = [&](const std::vector<Bytes>& chain) {
    return make_validator()->validate(chain, key->public_key(), SignatureScheme::ed25519, now_);
  };
  const auto expired = fresh(via_expired);
  const auto wrong_issuer = fresh(via_other);
  EXPECT_EQ(expired.status, CredentialStatus::expired) << expired.reason;
  EXPECT_EQ(wrong_issuer.status, CredentialStatus::invalid) << wrong_issuer.reason;

  auto shared = make_validator();
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    for (const auto& m : members_) {  // caches issuing_
      (void)shared->validate(m.chain, m.key.public_key(), SignatureScheme::ed25519, now_);
    }
    const auto a = shared->validate(via_expired, key->public_key(), SignatureScheme::ed25519, now_);
    EXPECT_EQ(a.status, expired.status);
    EXPECT_EQ(a.reason, expired.reason);
    const auto b = shared->validate(via_other, key->public_key(), SignatureScheme::ed25519, now_);
    EXPECT_EQ(b.status, wrong_issuer.status);
    EXPECT_EQ(b.reason, wrong_issuer.reason);
  }
}

}  // namespace
}  // namespace ztm::identity
