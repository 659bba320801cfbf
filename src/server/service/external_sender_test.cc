// Rule 6 with real MLS: a group lists the service as external sender; when a
// member's connection dies, the leader gets the service's signed Remove proposal,
// its MLS state accepts it, and the Commit that includes it is accepted by the
// service. The key survives a restart (same storage).
#include "ztm/server/external_sender.h"

#include <gtest/gtest.h>

#include "delivery/delivery_test_util.h"
#include "ztm/base/tls_codec.h"
#include "ztm/crypto/random.h"
#include "ztm/mls/credential_validator.h"
#include "ztm/mls/group.h"

namespace ztm::server {
namespace {

using namespace std::chrono_literals;
using testing::Harness;

mls::MemberSigner signer(const mls::CipherSuite& suite, const std::string& name) {
  return {crypto::SignaturePrivateKey::generate(suite.signature_scheme()).value(),
          mls::Credential::basic(to_bytes(name))};
}

TEST(ExternalSenderTest, DeadMemberRemovedWithServiceProposal) {
  MemoryStorage storage;
  MlsExternalSender external(storage);
  DeliveryConfig config;
  config.external_sender = &external;
  Harness h(storage, config);
  auto suite = mls::CipherSuite::create(1).value();
  mls::BasicCredentialValidator validator;
  mls::GroupConfig group_config;
  group_config.validator = &validator;

  auto [a, sa] = h.join("m", "alice");
  ASSERT_EQ(sa.role, protocol::Role::creator);
  ASSERT_TRUE(sa.external_sender.has_value());
  // The creator lists the service (as its Session said) in external_senders.
  mls::ExternalSendersExtension senders;
  tls::Reader reader(sa.external_sender->credential);
  mls::Credential credential;
  ASSERT_TRUE(credential.tls_decode(reader));
  senders.senders.push_back({sa.external_sender->signature_key, credential});
  mls::ExtensionList extensions;
  extensions.put(senders);
  auto alice = mls::Group::create(suite, crypto::random_bytes(16), signer(suite, "alice"),
                                  extensions, group_config)
                   .value();
  auto info0 = alice.group_info(false, false).value();
  h.send(a, protocol::GroupCreated{alice.group_id(), mls::MLSMessage{info0}.encode()});
  ASSERT_TRUE(h.take<protocol::ServiceError>(a).empty());

  // Bob joins through the service.
  auto [b, sb] = h.join("m", "bob");
  auto bob_kp = mls::create_key_package(suite, signer(suite, "bob")).value();
  h.send(b, protocol::SubmitKeyPackage{mls::MLSMessage{bob_kp.key_package}.encode()});
  auto join = h.take<protocol::JoinRequest>(a).at(0);
  auto kp = mls::MLSMessage::decode(join.key_package).value();
  mls::CommitOptions add;
  add.by_value = {mls::Proposal{mls::Add{std::get<mls::KeyPackage>(kp.value)}}};
  auto added = alice.commit(add).value();
  protocol::SubmitCommit sc;
  sc.epoch = 0;
  sc.commit = added.commit.encode();
  sc.welcome = added.welcome->encode();
  sc.group_info = mls::MLSMessage{added.group_info}.encode();
  sc.added = {{sb.participant, 1}};
  h.send(a, sc);
  ASSERT_TRUE(h.take<protocol::CommitResult>(a).at(0).accepted);
  alice = *added.next;

  // Bob's connection dies; after the grace the leader gets the service's proposal.
  h.close(b);
  h.advance(10s);
  auto requests = h.take<protocol::RemoveRequest>(a);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].participant, sb.participant);
  ASSERT_TRUE(requests[0].proposal.has_value());
  auto proposal = mls::MLSMessage::decode(*requests[0].proposal).value();
  auto processed = alice.process(proposal);
  ASSERT_TRUE(processed) << processed.error().what();
  EXPECT_EQ(processed->sender, mls::Sender::external(0));
  auto removed = alice.commit().value();
  h.send(a, protocol::SubmitCommit{1,
                                   removed.commit.encode(),
                                   std::nullopt,
                                   mls::MLSMessage{removed.group_info}.encode(),
                                   {},
                                   {sb.participant}});
  ASSERT_TRUE(h.take<protocol::CommitResult>(a).at(0).accepted);
  EXPECT_EQ(removed.next->members().size(), 1u);

  // The same storage gives the same key after a restart.
  MlsExternalSender again(storage);
  EXPECT_EQ(again.identity(1)->signature_key, sa.external_sender->signature_key);
}

TEST(ExternalSenderTest, GroupNotListingServiceGetsNoProposal) {
  MemoryStorage storage;
  MlsExternalSender external(storage);
  auto suite = mls::CipherSuite::create(1).value();
  mls::BasicCredentialValidator validator;
  mls::GroupConfig group_config;
  group_config.validator = &validator;
  auto alice =
      mls::Group::create(suite, crypto::random_bytes(16), signer(suite, "alice"), {}, group_config)
          .value();
  auto info = mls::MLSMessage{alice.group_info(false, false).value()}.encode();
  EXPECT_FALSE(external.remove_proposal(info, 0));
  EXPECT_FALSE(external.remove_proposal(Bytes{1, 2, 3}, 0));
}

}  // namespace
}  // namespace ztm::server
