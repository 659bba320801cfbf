// Round trips and strict-decoding negatives for the MLS wire structs.
#include <gtest/gtest.h>

#include "ztm/mls/limits.h"
#include "ztm/mls/messages/messages.h"

namespace ztm::mls {
namespace {

LeafNode sample_leaf(LeafNodeSource source) {
  LeafNode leaf;
  leaf.encryption_key = Bytes(32, 0x11);
  leaf.signature_key = Bytes(32, 0x22);
  leaf.credential = Credential::basic(to_bytes("alice"));
  leaf.capabilities.versions = {ProtocolVersion::mls10};
  leaf.capabilities.cipher_suites = {1, 0x0A0A};
  leaf.capabilities.credentials = {CredentialType::basic};
  leaf.leaf_node_source = source;
  leaf.lifetime = {1, 2};
  leaf.parent_hash = Bytes(32, 0x33);
  leaf.extensions.set(Extension{static_cast<ExtensionType>(0x1A1A), Bytes{1, 2, 3}});
  leaf.signature = Bytes(64, 0x44);
  return leaf;
}

KeyPackage sample_key_package() {
  KeyPackage kp;
  kp.cipher_suite = 1;
  kp.init_key = Bytes(32, 0x55);
  kp.leaf_node = sample_leaf(LeafNodeSource::key_package);
  kp.signature = Bytes(64, 0x66);
  return kp;
}

template <class T>
void expect_round_trip(const T& value) {
  const Bytes wire = tls::encode(value);
  EXPECT_EQ(wire.size(), tls::size_of(value));
  auto back = tls::decode<T>(wire);
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_TRUE(*back == value);
  EXPECT_EQ(tls::encode(*back), wire);
}

TEST(MlsMessages, LeafNodeRoundTripsForEverySource) {
  for (auto source :
       {LeafNodeSource::key_package, LeafNodeSource::update, LeafNodeSource::commit}) {
    expect_round_trip(sample_leaf(source));
  }
}

TEST(MlsMessages, LeafNodeTbsAddsGroupContextOnlyInGroup) {
  const auto kp_leaf = sample_leaf(LeafNodeSource::key_package);
  const auto commit_leaf = sample_leaf(LeafNodeSource::commit);
  const Bytes group_id{9, 9};
  // key_package: TBS is the leaf without its signature.
  const Bytes kp_wire = tls::encode(kp_leaf);
  const Bytes kp_tbs = kp_leaf.to_be_signed(group_id, 7);
  EXPECT_EQ(kp_tbs.size(), kp_wire.size() - 2 - 64);  // signature<V>: 2-byte header
  // commit: group_id<V> and uint32 leaf_index follow.
  const Bytes c_wire = tls::encode(commit_leaf);
  const Bytes c_tbs = commit_leaf.to_be_signed(group_id, 7);
  EXPECT_EQ(c_tbs.size(), c_wire.size() - 2 - 64 + 3 + 4);
  EXPECT_EQ(c_tbs.back(), 7);
}

TEST(MlsMessages, UnknownCredentialAndGreaseSurviveRoundTrip) {
  Credential c{UnknownCredential{static_cast<CredentialType>(0xBABA), Bytes{1, 2, 3}}};
  expect_round_trip(c);
  EXPECT_EQ(c.type(), static_cast<CredentialType>(0xBABA));
  Credential x = Credential::x509({Certificate{Bytes{0x30, 0x01}}, Certificate{Bytes{0x30}}});
  expect_round_trip(x);
}

TEST(MlsMessages, X509ChainOverLimitIsRejected) {
  std::vector<Certificate> chain(limits::kMaxCertificateChain + 1, Certificate{Bytes{0x30}});
  const Bytes wire = tls::encode(Credential::x509(chain));
  auto back = tls::decode<Credential>(wire);
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().code, Errc::limit_exceeded);
}

TEST(MlsMessages, DuplicateExtensionTypeIsRejected) {
  ExtensionList list;
  list.entries = {Extension{ExtensionType::application_id, {1}},
                  Extension{ExtensionType::application_id, {2}}};
  auto back = tls::decode<ExtensionList>(tls::encode(list));
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().code, Errc::invalid_encoding);
  EXPECT_NE(back.error().message.find("extensions.duplicate_type"), std::string::npos);
}

TEST(MlsMessages, TooManyExtensionsIsLimitExceeded) {
  ExtensionList list;
  for (std::size_t i = 0; i <= limits::kMaxExtensions; ++i) {
    list.entries.push_back(Extension{static_cast<ExtensionType>(0x100 + i), {}});
  }
  auto back = tls::decode<ExtensionList>(tls::encode(list));
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().code, Errc::limit_exceeded);
}

TEST(MlsMessages, ProposalsRoundTrip) {
  PreSharedKeyID resumption;
  resumption.psktype = PSKType::resumption;
  resumption.usage = ResumptionPSKUsage::branch;
  resumption.psk_group_id = {1, 2};
  resumption.psk_epoch = 77;
  resumption.psk_nonce = Bytes(32, 3);
  ReInit reinit{{5}, ProtocolVersion::mls10, 3, {}};
  const std::vector<Proposal> all = {
      {Add{sample_key_package()}},
      {Update{sample_leaf(LeafNodeSource::update)}},
      {Remove{4}},
      {PreSharedKey{resumption}},
      {reinit},
      {ExternalInit{{7, 7}}},
      {GroupContextExtensions{}},
  };
  for (const auto& p : all) expect_round_trip(p);
  Commit commit;
  commit.proposals.push_back({all[2]});
  commit.proposals.push_back({ProposalRef(32, 0xAB)});
  commit.path = UpdatePath{sample_leaf(LeafNodeSource::commit),
                           {UpdatePathNode{Bytes(32, 1), {HPKECiphertext{{1}, {2}}}}}};
  expect_round_trip(commit);
}

TEST(MlsMessages, UnknownProposalTypeIsRejected) {
  const Bytes wire{0x0A, 0x0A, 0x00};
  auto back = tls::decode<Proposal>(wire);
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().code, Errc::invalid_encoding);
}

TEST(MlsMessages, BadEnumValuesAreRejected) {
  // ProposalOrRefType 3, NodeType 0, LeafNodeSource 4, PSKType 0.
  EXPECT_FALSE(tls::decode<ProposalOrRef>(Bytes{3, 0}));
  EXPECT_FALSE(tls::decode<Node>(Bytes{0}));
  EXPECT_FALSE(tls::decode<PreSharedKeyID>(Bytes{0, 0, 0}));
  auto leaf = sample_leaf(LeafNodeSource::update);
  Bytes wire = tls::encode(leaf);
  // The source octet follows keys, credential and capabilities.
  const std::size_t source_at =
      33 + 33 + tls::size_of(leaf.credential) + tls::size_of(leaf.capabilities);
  ASSERT_EQ(wire[source_at], 2);
  wire[source_at] = 4;
  auto back = tls::decode<LeafNode>(wire);
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().code, Errc::invalid_encoding);
}

TEST(MlsMessages, TruncatedAndTrailingInputAreTypedErrors) {
  const Bytes wire = tls::encode(sample_key_package());
  for (std::size_t cut : {std::size_t{1}, wire.size() / 2, wire.size() - 1}) {
    auto back = tls::decode<KeyPackage>(ByteView(wire).first(cut));
    ASSERT_FALSE(back);
    EXPECT_EQ(back.error().code, Errc::truncated) << cut;
  }
  Bytes longer = wire;
  longer.push_back(0);
  auto back = tls::decode<KeyPackage>(longer);
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().code, Errc::trailing_data);
}

FramedContent sample_content(ContentType type, Sender sender) {
  FramedContent c;
  c.group_id = {1, 2, 3};
  c.epoch = 9;
  c.sender = sender;
  c.authenticated_data = {4};
  if (type == ContentType::application) c.content = ApplicationData{{5, 6}};
  if (type == ContentType::proposal) c.content = Proposal{Remove{1}};
  if (type == ContentType::commit) c.content = Commit{};
  return c;
}

TEST(MlsMessages, MlsMessageRoundTripsEveryWireFormat) {
  PublicMessage pub;
  pub.content = sample_content(ContentType::commit, Sender::member(3));
  pub.auth.signature = Bytes(64, 1);
  pub.auth.confirmation_tag = Bytes(32, 2);
  pub.membership_tag = Bytes(32, 3);
  PublicMessage external;
  external.content = sample_content(ContentType::proposal, Sender::new_member_proposal());
  external.auth.signature = Bytes(64, 1);
  PrivateMessage priv{{1}, 2, ContentType::application, {}, {3, 4}, {5, 6}};
  Welcome welcome{1, {EncryptedGroupSecrets{Bytes(32, 1), {{2}, {3}}}}, {4, 5}};
  GroupInfo gi;
  gi.group_context.cipher_suite = 1;
  gi.confirmation_tag = {1};
  gi.signature = {2};
  for (const auto& m : {MLSMessage{pub}, MLSMessage{external}, MLSMessage{priv},
                        MLSMessage{welcome}, MLSMessage{gi}, MLSMessage{sample_key_package()}}) {
    expect_round_trip(m);
    auto back = MLSMessage::decode(m.encode());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->wire_format(), m.wire_format());
  }
}

TEST(MlsMessages, MlsMessageRejectsUnknownVersionAndWireFormat) {
  Bytes wire = MLSMessage{PrivateMessage{}}.encode();
  wire[1] = 2;  // version mls10 -> 2
  EXPECT_EQ(MLSMessage::decode(wire).error().code, Errc::invalid_encoding);
  wire[1] = 1;
  wire[3] = 6;  // wire format 6
  EXPECT_EQ(MLSMessage::decode(wire).error().code, Errc::invalid_encoding);
}

TEST(MlsMessages, PrivateMessageContentPaddingMustBeZero) {
  PrivateMessageContent pmc;
  pmc.content = Commit{};
  pmc.auth.signature = {1, 2};
  pmc.auth.confirmation_tag = Bytes{3};
  pmc.padding_size = 5;
  Bytes plain = pmc.encode();
  auto back = PrivateMessageContent::decode(plain, ContentType::commit);
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_TRUE(*back == pmc);
  plain.back() = 1;
  auto bad = PrivateMessageContent::decode(plain, ContentType::commit);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("private_message.nonzero_padding"), std::string::npos);
}

TEST(MlsMessages, FramedContentTbsCarriesContextForMembers) {
  const auto content = sample_content(ContentType::application, Sender::member(0));
  GroupContext ctx;
  ctx.cipher_suite = 1;
  const Bytes without =
      encode_framed_content_tbs(WireFormat::mls_private_message, content, nullptr);
  const Bytes with = encode_framed_content_tbs(WireFormat::mls_private_message, content, &ctx);
  EXPECT_EQ(without.size(), 4 + tls::size_of(content));
  EXPECT_EQ(with.size(), without.size() + tls::size_of(ctx));
}

TEST(MlsMessages, CommitWithTooManyProposalsIsLimitExceeded) {
  Commit commit;
  commit.proposals.assign(limits::kMaxProposalsPerCommit + 1, ProposalOrRef{Proposal{Remove{0}}});
  auto back = tls::decode<Commit>(tls::encode(commit));
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().code, Errc::limit_exceeded);
}

}  // namespace
}  // namespace ztm::mls
