// Unit tests of the meeting engine's pieces; the protocol as a whole runs in the
// simulation (test_tools/simulation).
#include "ztm/meeting/engine.h"

#include <gtest/gtest.h>

#include "ztm/crypto/signature.h"

namespace ztm::meeting {
namespace {

mls::MemberSigner signer(const std::string& name) {
  auto key = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ed25519).value();
  return {std::move(key), mls::Credential::basic(to_bytes(name))};
}

TEST(MeetingPolicy, TravelsAsAGroupContextExtension) {
  mls::ExtensionList ext;
  EXPECT_EQ(policy_of(ext).error().code, Errc::protocol_violation);  // missing
  ext.put(MeetingPolicyExtension{1, 1});
  EXPECT_EQ(policy_of(ext).value(), Policy::verified_only);
  ext.put(MeetingPolicyExtension{1, 2});
  EXPECT_EQ(policy_of(ext).value(), Policy::provider_allowed);
  ext.put(MeetingPolicyExtension{1, 9});
  EXPECT_FALSE(policy_of(ext));
  ext.put(MeetingPolicyExtension{2, 1});
  EXPECT_FALSE(policy_of(ext));
  ext.set(mls::Extension{kPolicyExtensionType, Bytes{1}});  // truncated
  EXPECT_FALSE(policy_of(ext));
  ext.set(mls::Extension{kPolicyExtensionType, Bytes{1, 1, 0}});  // trailing byte
  EXPECT_FALSE(policy_of(ext));
}

TEST(MeetingPolicy, Allows) {
  const MemberIdentity verified{IdentityStatus::verified, "a@x", "X", ""};
  const MemberIdentity provider{IdentityStatus::provider_authenticated, "b@y", "", ""};
  const MemberIdentity expired{IdentityStatus::expired, "c@x", "", ""};
  EXPECT_TRUE(policy_allows(Policy::verified_only, verified));
  EXPECT_FALSE(policy_allows(Policy::verified_only, provider));
  EXPECT_TRUE(policy_allows(Policy::provider_allowed, provider));
  EXPECT_FALSE(policy_allows(Policy::provider_allowed, expired));
}

TEST(MeetingEngine, CreateChecksItsConfig) {
  EngineConfig config;
  EXPECT_EQ(Engine::create(config, signer("verified:a")).error().code, Errc::invalid_argument);
  BasicIdentityVerifier verifier;
  config.verifier = &verifier;
  config.cipher_suite = 2;  // P-256 signatures: an Ed25519 signer does not fit
  EXPECT_EQ(Engine::create(config, signer("verified:a")).error().code, Errc::invalid_key);
  config.cipher_suite = 77;
  EXPECT_FALSE(Engine::create(config, signer("verified:a")));
}

TEST(MeetingEngine, CreatorAloneHasACodeAndSends) {
  BasicIdentityVerifier verifier;
  EngineConfig config;
  config.verifier = &verifier;
  config.policy = Policy::verified_only;
  auto engine = Engine::create(config, signer("verified:alice")).value();
  const TimePoint now{};
  auto hello = engine->start(now);
  ASSERT_EQ(hello.messages.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<protocol::Hello>(hello.messages[0]));
  protocol::Session s;
  s.participant = "p1";
  s.resume_token = "r";
  s.role = protocol::Role::creator;
  auto out = engine->handle(s, now);
  ASSERT_FALSE(out.messages.empty());
  EXPECT_TRUE(std::holds_alternative<protocol::GroupCreated>(out.messages[0]));
  EXPECT_EQ(engine->state(), EngineState::member);
  EXPECT_TRUE(engine->is_leader());
  EXPECT_EQ(engine->epoch(), 0u);
  EXPECT_EQ(engine->policy(), Policy::verified_only);
  EXPECT_EQ(engine->security_code().size(), 23u);
  ASSERT_EQ(engine->roster().size(), 1u);
  EXPECT_TRUE(engine->roster()[0].is_self);
  EXPECT_EQ(engine->roster()[0].identity.display, "alice");
  Bytes buf(64);
  EXPECT_TRUE(engine->protect(0, to_bytes("hi"), {}, buf));
  // Garbage from the service changes nothing.
  protocol::MlsDelivery junk{1, protocol::MlsKind::commit, 0, "p9", Bytes(50, 7)};
  auto r = engine->handle(junk, now);
  EXPECT_EQ(engine->epoch(), 0u);
  bool tamper = false;
  for (const auto& e : r.events) {
    if (auto* m = std::get_if<MisbehaviorDetected>(&e))
      tamper |= m->kind == MisbehaviorKind::tamper;
  }
  EXPECT_TRUE(tamper);
  // Leaving erases every key.
  engine->leave(now);
  EXPECT_EQ(engine->state(), EngineState::left);
  EXPECT_EQ(engine->media_keys().epoch_count(), 0u);
  EXPECT_FALSE(engine->protect(0, to_bytes("hi"), {}, buf));
}

TEST(MeetingEngine, JoinerSendsAKeyPackageWithThePolicyCapability) {
  BasicIdentityVerifier verifier;
  EngineConfig config;
  config.verifier = &verifier;
  auto engine = Engine::create(config, signer("provider:bob")).value();
  const TimePoint now{};
  (void)engine->start(now);
  protocol::Session s;
  s.participant = "p2";
  s.role = protocol::Role::joiner;
  auto out = engine->handle(s, now);
  ASSERT_EQ(out.messages.size(), 1u);
  const auto* kp = std::get_if<protocol::SubmitKeyPackage>(&out.messages[0]);
  ASSERT_NE(kp, nullptr);
  auto m = mls::MLSMessage::decode(kp->key_package).value();
  const auto& leaf = std::get<mls::KeyPackage>(m.value).leaf_node;
  EXPECT_TRUE(leaf.capabilities.supports_extension(kPolicyExtensionType));
  EXPECT_EQ(engine->state(), EngineState::joining);
  EXPECT_FALSE(engine->media_allowed());
}

}  // namespace
}  // namespace ztm::meeting
