// PSKs: PreSharedKeyID encoding (both arms, strict decoding), the chain's structure,
// and the store's lookups and bounds. Known answers are psk_secret.json.
#include "ztm/mls/psk.h"

#include <gtest/gtest.h>

namespace ztm::mls {
namespace {

CipherSuite suite(std::uint16_t id) {
  return CipherSuite::create(id).value();
}

PreSharedKeyID external_id(Bytes id) {
  PreSharedKeyID out;
  out.psktype = PSKType::external;
  out.psk_id = std::move(id);
  out.psk_nonce = Bytes(32, 0xaa);
  return out;
}

PreSharedKeyID resumption_id(std::uint64_t epoch) {
  PreSharedKeyID out;
  out.psktype = PSKType::resumption;
  out.usage = ResumptionPSKUsage::application;
  out.psk_group_id = Bytes{7, 7};
  out.psk_epoch = epoch;
  out.psk_nonce = Bytes{1};
  return out;
}

TEST(PskSecret, LabelEncodingUsesTheWireId) {
  // The chain hashes PreSharedKeyID's wire form: ids that differ only in the
  // resumption epoch give different psk_secrets.
  const auto cs = suite(1);
  std::vector<PskInput> a{{resumption_id(1), SecretBytes(Bytes(32, 1))}};
  std::vector<PskInput> b{{resumption_id(2), SecretBytes(Bytes(32, 1))}};
  auto sa = compute_psk_secret(cs, a);
  auto sb = compute_psk_secret(cs, b);
  ASSERT_TRUE(sa && sb);
  EXPECT_FALSE(*sa == *sb);
}

TEST(PskSecret, NoPsksIsZero) {
  const auto cs = suite(1);
  auto s = compute_psk_secret(cs, {});
  ASSERT_TRUE(s);
  EXPECT_EQ(to_hex(s->expose()), std::string(64, '0'));
}

TEST(PskSecret, OrderIdsAndValuesMatter) {
  const auto cs = suite(1);
  std::vector<PskInput> one{{external_id({1}), SecretBytes(Bytes(32, 1))}};
  std::vector<PskInput> two{{external_id({1}), SecretBytes(Bytes(32, 1))},
                            {external_id({2}), SecretBytes(Bytes(32, 2))}};
  std::vector<PskInput> swapped{{external_id({2}), SecretBytes(Bytes(32, 2))},
                                {external_id({1}), SecretBytes(Bytes(32, 1))}};
  std::vector<PskInput> other_value{{external_id({1}), SecretBytes(Bytes(32, 9))}};
  std::vector<PskInput> other_id{{external_id({3}), SecretBytes(Bytes(32, 1))}};
  auto a = compute_psk_secret(cs, one);
  auto b = compute_psk_secret(cs, two);
  auto c = compute_psk_secret(cs, swapped);
  auto d = compute_psk_secret(cs, other_value);
  auto e = compute_psk_secret(cs, other_id);
  ASSERT_TRUE(a && b && c && d && e);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_FALSE(*a == *b);
  EXPECT_FALSE(*b == *c);
  EXPECT_FALSE(*a == *d);
  EXPECT_FALSE(*a == *e);
}

TEST(PskStore, ResolvesExternalAndResumption) {
  PskStore store(2);
  store.add_external(Bytes{1}, SecretBytes(Bytes(32, 1)));
  store.add_resumption(Bytes{7, 7}, 4, SecretBytes(Bytes(32, 4)));
  store.add_resumption(Bytes{7, 7}, 5, SecretBytes(Bytes(32, 5)));
  auto ext = store.find(external_id({1}));
  ASSERT_TRUE(ext);
  EXPECT_TRUE(*ext == SecretBytes(Bytes(32, 1)));
  auto res = store.find(resumption_id(5));
  ASSERT_TRUE(res);
  EXPECT_TRUE(*res == SecretBytes(Bytes(32, 5)));

  auto unknown = store.find(external_id({2}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::unknown_key);
  EXPECT_NE(unknown.error().message.find("psk.unknown_external"), std::string::npos);

  // A third epoch pushes the oldest out (bounded history).
  store.add_resumption(Bytes{7, 7}, 6, SecretBytes(Bytes(32, 6)));
  auto evicted = store.find(resumption_id(4));
  ASSERT_FALSE(evicted);
  EXPECT_EQ(evicted.error().code, Errc::unknown_key);
  EXPECT_TRUE(store.find(resumption_id(6)));

  store.remove_external(Bytes{1});
  EXPECT_FALSE(store.find(external_id({1})));

  std::vector<PreSharedKeyID> ids{resumption_id(5), resumption_id(6)};
  auto inputs = store.resolve(ids);
  ASSERT_TRUE(inputs);
  ASSERT_EQ(inputs->size(), 2u);
  EXPECT_EQ((*inputs)[1].id, resumption_id(6));
  ids.push_back(external_id({42}));
  EXPECT_FALSE(store.resolve(ids));
}

}  // namespace
}  // namespace ztm::mls
