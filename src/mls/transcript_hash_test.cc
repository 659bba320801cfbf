// Transcript hashes: chaining, dependence on each input, confirmation tags.
// Known answers are transcript-hashes.json (src/vectors).
#include "ztm/mls/transcript_hash.h"

#include <gtest/gtest.h>

namespace ztm::mls {
namespace {

AuthenticatedContent commit_content() {
  AuthenticatedContent ac;
  ac.wire_format = WireFormat::mls_public_message;
  ac.content.group_id = Bytes{1, 2};
  ac.content.epoch = 3;
  ac.content.sender = Sender::member(0);
  ac.content.content = Commit{};
  ac.auth.signature = Bytes(64, 0xab);
  ac.auth.confirmation_tag = Bytes(32, 0xcd);
  return ac;
}

TEST(TranscriptHash, InputEncoding) {
  auto ac = commit_content();
  auto input = encode_confirmed_transcript_hash_input(ac);
  ASSERT_TRUE(input);
  // wire_format || FramedContent || signature<V>: the confirmation tag is not in it.
  Bytes expected{0x00, 0x01};
  tls::encode_into(expected, ac.content);
  expected.push_back(0x40);  // <V> header for 64: two bytes (64 >= 2^6)
  expected.push_back(0x40);
  expected.insert(expected.end(), 64, 0xab);
  EXPECT_EQ(*input, expected);
}

TEST(TranscriptHash, ChainsAndDependsOnInputs) {
  const auto cs = CipherSuite::create(1).value();
  auto ac = commit_content();
  auto h1 = next_transcript_hashes(cs, {}, ac);
  ASSERT_TRUE(h1);
  EXPECT_EQ(h1->confirmed.size(), 32u);
  EXPECT_EQ(h1->interim,
            compute_interim_transcript_hash(cs, h1->confirmed, *ac.auth.confirmation_tag));
  auto h2 = next_transcript_hashes(cs, h1->interim, ac);
  ASSERT_TRUE(h2);
  EXPECT_NE(h1->confirmed, h2->confirmed);

  // The tag changes only the interim hash.
  auto other_tag = ac;
  other_tag.auth.confirmation_tag = Bytes(32, 0xce);
  auto h3 = next_transcript_hashes(cs, {}, other_tag);
  ASSERT_TRUE(h3);
  EXPECT_EQ(h3->confirmed, h1->confirmed);
  EXPECT_NE(h3->interim, h1->interim);

  auto other_sig = ac;
  other_sig.auth.signature[0] ^= 1;
  EXPECT_NE(next_transcript_hashes(cs, {}, other_sig)->confirmed, h1->confirmed);
}

TEST(TranscriptHash, OnlyCommitsWithTags) {
  const auto cs = CipherSuite::create(1).value();
  auto ac = commit_content();
  ac.auth.confirmation_tag.reset();
  auto no_tag = next_transcript_hashes(cs, {}, ac);
  ASSERT_FALSE(no_tag);
  EXPECT_EQ(no_tag.error().code, Errc::protocol_violation);
  ac.content.content = ApplicationData{{1}};
  auto not_commit = encode_confirmed_transcript_hash_input(ac);
  ASSERT_FALSE(not_commit);
  EXPECT_EQ(not_commit.error().code, Errc::protocol_violation);
}

TEST(ConfirmationTag, VerifiesAndRejects) {
  const auto cs = CipherSuite::create(1).value();
  const SecretBytes key(Bytes(32, 1));
  const Bytes cth(32, 2);
  const Bytes tag = make_confirmation_tag(cs, key, cth);
  EXPECT_TRUE(verify_confirmation_tag(cs, key, cth, tag));
  auto wrong_key = verify_confirmation_tag(cs, SecretBytes(Bytes(32, 3)), cth, tag);
  ASSERT_FALSE(wrong_key);
  EXPECT_EQ(wrong_key.error().code, Errc::authentication_failed);
  EXPECT_NE(wrong_key.error().message.find("commit.confirmation_tag_invalid"), std::string::npos);
  Bytes bad = tag;
  bad.pop_back();
  EXPECT_FALSE(verify_confirmation_tag(cs, key, cth, bad));
}

}  // namespace
}  // namespace ztm::mls
