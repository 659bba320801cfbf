// SecretTree: single use of keys, out-of-order delivery inside the window, the
// bounds on untrusted generations, replay, and agreement between sender and
// receivers. Known answers are secret-tree.json (src/vectors).
#include "ztm/mls/secret_tree.h"

#include <gtest/gtest.h>

namespace ztm::mls {
namespace {

CipherSuite suite1() {
  return CipherSuite::create(1).value();
}

SecretTree make_tree(LeafCount leaves, SecretTreeLimits limits = {}) {
  return SecretTree::create(suite1(), SecretBytes(Bytes(32, 0x42)), leaves, limits).value();
}

TEST(SecretTree, SenderAndReceiverAgree) {
  auto sender = make_tree(LeafCount{8});
  auto receiver = make_tree(LeafCount{8});
  for (std::uint32_t g = 0; g < 5; ++g) {
    auto sent = sender.next_send_key(LeafIndex{3}, RatchetType::application);
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->generation, g);
    auto got = receiver.key_for(LeafIndex{3}, RatchetType::application, g);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->key == sent->key);
    EXPECT_TRUE(got->nonce == sent->nonce);
    receiver.consume(LeafIndex{3}, RatchetType::application, g);
  }
}

TEST(SecretTree, RatchetsAndLeavesAreIndependent) {
  auto tree = make_tree(LeafCount{4});
  auto a0 = tree.key_for(LeafIndex{0}, RatchetType::application, 0);
  auto h0 = tree.key_for(LeafIndex{0}, RatchetType::handshake, 0);
  auto a1 = tree.key_for(LeafIndex{1}, RatchetType::application, 0);
  auto a0g1 = tree.key_for(LeafIndex{0}, RatchetType::application, 1);
  ASSERT_TRUE(a0 && h0 && a1 && a0g1);
  EXPECT_FALSE(a0->key == h0->key);
  EXPECT_FALSE(a0->key == a1->key);
  EXPECT_FALSE(a0->key == a0g1->key);
  EXPECT_EQ(a0->key.size(), 16u);
  EXPECT_EQ(a0->nonce.size(), 12u);
}

TEST(SecretTree, OutOfOrderWithinWindow) {
  auto tree = make_tree(LeafCount{2});
  auto k5 = tree.key_for(LeafIndex{1}, RatchetType::application, 5);
  ASSERT_TRUE(k5);
  tree.consume(LeafIndex{1}, RatchetType::application, 5);
  // Generations 0..4 were skipped: their keys are still there, once each.
  for (std::uint32_t g : {3u, 0u, 4u}) {
    auto k = tree.key_for(LeafIndex{1}, RatchetType::application, g);
    ASSERT_TRUE(k) << g;
    EXPECT_EQ(k->generation, g);
    tree.consume(LeafIndex{1}, RatchetType::application, g);
  }
  auto k6 = tree.key_for(LeafIndex{1}, RatchetType::application, 6);
  ASSERT_TRUE(k6);
  EXPECT_EQ(k6->generation, 6u);
}

TEST(SecretTree, ReplayOfConsumedGenerationIsRefused) {
  auto tree = make_tree(LeafCount{2});
  ASSERT_TRUE(tree.key_for(LeafIndex{0}, RatchetType::handshake, 0));
  tree.consume(LeafIndex{0}, RatchetType::handshake, 0);
  auto again = tree.key_for(LeafIndex{0}, RatchetType::handshake, 0);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::replay);
  EXPECT_NE(again.error().message.find("secret_tree.generation_consumed"), std::string::npos);

  // A skipped key consumed out of order is equally gone.
  ASSERT_TRUE(tree.key_for(LeafIndex{0}, RatchetType::handshake, 3));
  tree.consume(LeafIndex{0}, RatchetType::handshake, 2);
  auto replay = tree.key_for(LeafIndex{0}, RatchetType::handshake, 2);
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, Errc::replay);
}

TEST(SecretTree, KeyIsNotBurnedUntilConsumed) {
  // A forged message that fails to decrypt must not make the real one undecryptable.
  auto tree = make_tree(LeafCount{2});
  auto first = tree.key_for(LeafIndex{1}, RatchetType::application, 0);
  auto second = tree.key_for(LeafIndex{1}, RatchetType::application, 0);
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(first->key == second->key);
}

TEST(SecretTree, GenerationTooFarAheadIsRefused) {
  auto tree = make_tree(LeafCount{2}, SecretTreeLimits{10, 10, 100});
  auto far = tree.key_for(LeafIndex{0}, RatchetType::application, 11);
  ASSERT_FALSE(far);
  EXPECT_EQ(far.error().code, Errc::limit_exceeded);
  EXPECT_NE(far.error().message.find("secret_tree.generation_too_far_ahead"), std::string::npos);
  auto huge = tree.key_for(LeafIndex{0}, RatchetType::application, 0xffffffffu);
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, Errc::limit_exceeded);
  EXPECT_TRUE(tree.key_for(LeafIndex{0}, RatchetType::application, 10));
}

TEST(SecretTree, GenerationsBehindTheWindowAreWiped) {
  auto tree = make_tree(LeafCount{2}, SecretTreeLimits{100, 4, 100});
  ASSERT_TRUE(tree.key_for(LeafIndex{0}, RatchetType::application, 10));
  tree.consume(LeafIndex{0}, RatchetType::application, 10);
  // Head is 11: generations 7..10 are inside the window of 4, 0..6 are not.
  auto old = tree.key_for(LeafIndex{0}, RatchetType::application, 5);
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code, Errc::unknown_key);
  EXPECT_NE(old.error().message.find("secret_tree.generation_too_old"), std::string::npos);
  EXPECT_TRUE(tree.key_for(LeafIndex{0}, RatchetType::application, 8));
}

TEST(SecretTree, RetainedKeysAreBoundedAcrossSenders) {
  // One member forging sender data for many leaves cannot make us hold unbounded keys.
  auto tree = make_tree(LeafCount{8}, SecretTreeLimits{50, 50, 120});
  ASSERT_TRUE(tree.key_for(LeafIndex{0}, RatchetType::application, 50));  // holds 50
  ASSERT_TRUE(tree.key_for(LeafIndex{1}, RatchetType::application, 50));  // holds 100
  auto third = tree.key_for(LeafIndex{2}, RatchetType::application, 50);
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, Errc::limit_exceeded);
  EXPECT_NE(third.error().message.find("too_many_retained_keys"), std::string::npos);
  EXPECT_TRUE(tree.key_for(LeafIndex{2}, RatchetType::application, 20));  // 120: at the cap
  // Consuming skipped keys frees room again.
  for (std::uint32_t g = 0; g < 10; ++g) tree.consume(LeafIndex{0}, RatchetType::application, g);
  EXPECT_TRUE(tree.key_for(LeafIndex{3}, RatchetType::application, 10));
  EXPECT_FALSE(tree.key_for(LeafIndex{4}, RatchetType::application, 1));
}

TEST(SecretTree, LeafOutOfRange) {
  auto tree = make_tree(LeafCount{4});
  auto bad = tree.key_for(LeafIndex{4}, RatchetType::application, 0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::protocol_violation);
  EXPECT_FALSE(tree.next_send_key(LeafIndex{100}, RatchetType::handshake));
}

TEST(SecretTree, SenderNeverReusesAGeneration) {
  auto tree = make_tree(LeafCount{2});
  auto a = tree.next_send_key(LeafIndex{0}, RatchetType::application);
  auto b = tree.next_send_key(LeafIndex{0}, RatchetType::application);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->generation + 1, b->generation);
  EXPECT_FALSE(a->key == b->key);
}

TEST(SecretTree, CreateChecksInputs) {
  const auto cs = suite1();
  EXPECT_FALSE(SecretTree::create(cs, SecretBytes(Bytes(31, 1)), LeafCount{2}));
  EXPECT_FALSE(SecretTree::create(cs, SecretBytes(Bytes(32, 1)), LeafCount{0}));
  EXPECT_FALSE(SecretTree::create(cs, SecretBytes(Bytes(32, 1)), LeafCount{3}));
  EXPECT_TRUE(SecretTree::create(cs, SecretBytes(Bytes(32, 1)), LeafCount{1}));
}

TEST(SecretTree, WipeDropsEverything) {
  auto tree = make_tree(LeafCount{4});
  ASSERT_TRUE(tree.key_for(LeafIndex{0}, RatchetType::application, 0));
  tree.wipe();
  auto after = tree.key_for(LeafIndex{0}, RatchetType::application, 0);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, Errc::invalid_state);
}

TEST(SecretTree, LargeGroupTouchesOnlyOnePath) {
  // 16 384 leaves: the first key of a leaf costs ~2 * 14 tree derivations.
  auto tree = make_tree(LeafCount{1u << 14});
  for (std::uint32_t leaf : {0u, 9999u, 16383u}) {
    auto k = tree.key_for(LeafIndex{leaf}, RatchetType::application, 0);
    ASSERT_TRUE(k) << leaf;
  }
}

TEST(SecretTree, ReuseGuardXorsTheFirstFourBytes) {
  Bytes nonce{1, 2, 3, 4, 5, 6};
  apply_reuse_guard(ReuseGuard{0xff, 0, 0xff, 0}, nonce);
  EXPECT_EQ(nonce, (Bytes{0xfe, 2, 0xfc, 4, 5, 6}));
}

TEST(SenderDataKey, UsesAtMostNhBytesOfCiphertext) {
  const auto cs = suite1();
  const SecretBytes secret(Bytes(32, 9));
  Bytes ct(40, 1);
  auto a = derive_sender_data_key(cs, secret, ct);
  ct[35] ^= 1;  // beyond the sample
  auto b = derive_sender_data_key(cs, secret, ct);
  ct[0] ^= 1;  // inside the sample
  auto c = derive_sender_data_key(cs, secret, ct);
  auto short_ct = derive_sender_data_key(cs, secret, Bytes(5, 1));
  ASSERT_TRUE(a && b && c && short_ct);
  EXPECT_TRUE(a->key == b->key);
  EXPECT_FALSE(a->key == c->key);
  EXPECT_EQ(a->key.size(), 16u);
  EXPECT_EQ(a->nonce.size(), 12u);
  EXPECT_EQ(short_ct->key.size(), 16u);
}

}  // namespace
}  // namespace ztm::mls
