// Key schedule: structure of the derivation (committer and joiner agree, inputs
// matter), external init round trip, Welcome key sizes and input checks. The full
// known answers are key-schedule.json (src/vectors).
#include "ztm/mls/key_schedule.h"

#include <gtest/gtest.h>

namespace ztm::mls {
namespace {

CipherSuite suite(std::uint16_t id) {
  return CipherSuite::create(id).value();
}

const Bytes kContext{0x00, 0x01, 0x00, 0x01, 0x02, 0xaa, 0xbb};

TEST(KeySchedule, CommitterAndJoinerAgree) {
  const auto cs = suite(1);
  const Bytes init(32, 1), commit(32, 2), psk(32, 3);
  auto s = derive_epoch_secrets(cs, init, commit, psk, kContext);
  ASSERT_TRUE(s);
  auto j = derive_epoch_secrets_from_joiner(cs, s->joiner_secret, psk, kContext);
  ASSERT_TRUE(j);
  EXPECT_TRUE(j->epoch_authenticator == s->epoch_authenticator);
  EXPECT_TRUE(j->encryption_secret == s->encryption_secret);
  EXPECT_TRUE(j->init_secret == s->init_secret);
  auto w = derive_welcome_secret(cs, s->joiner_secret, psk);
  ASSERT_TRUE(w);
  EXPECT_TRUE(*w == s->welcome_secret);
}

TEST(KeySchedule, EverySecretIsDistinctAndNhLong) {
  const auto cs = suite(7);  // SHA-384
  auto s = derive_epoch_secrets(cs, Bytes(48, 1), {}, {}, kContext);
  ASSERT_TRUE(s);
  const SecretBytes* all[] = {&s->joiner_secret,       &s->welcome_secret,  &s->sender_data_secret,
                              &s->encryption_secret,   &s->exporter_secret, &s->external_secret,
                              &s->confirmation_key,    &s->membership_key,  &s->resumption_psk,
                              &s->epoch_authenticator, &s->init_secret};
  for (std::size_t i = 0; i < std::size(all); ++i) {
    EXPECT_EQ(all[i]->size(), 48u);
    for (std::size_t k = i + 1; k < std::size(all); ++k) EXPECT_FALSE(*all[i] == *all[k]);
  }
}

TEST(KeySchedule, EmptyMeansZeroAndInputsMatter) {
  const auto cs = suite(1);
  const Bytes init(32, 1), zero(32, 0);
  auto a = derive_epoch_secrets(cs, init, {}, {}, kContext);
  auto b = derive_epoch_secrets(cs, init, zero, zero, kContext);
  auto c = derive_epoch_secrets(cs, init, Bytes(32, 9), zero, kContext);
  auto d = derive_epoch_secrets(cs, init, zero, Bytes(32, 9), kContext);
  auto e = derive_epoch_secrets(cs, init, zero, zero, Bytes{1});
  ASSERT_TRUE(a && b && c && d && e);
  EXPECT_TRUE(a->epoch_authenticator == b->epoch_authenticator);
  EXPECT_FALSE(a->epoch_authenticator == c->epoch_authenticator);
  EXPECT_FALSE(a->epoch_authenticator == d->epoch_authenticator);
  EXPECT_FALSE(a->epoch_authenticator == e->epoch_authenticator);
  // A PSK does not change joiner_secret but does change welcome_secret.
  EXPECT_TRUE(a->joiner_secret == d->joiner_secret);
  EXPECT_FALSE(a->welcome_secret == d->welcome_secret);
}

TEST(KeySchedule, WrongSizesAreRefused) {
  const auto cs = suite(1);
  auto bad_init = derive_epoch_secrets(cs, Bytes(31, 1), {}, {}, kContext);
  ASSERT_FALSE(bad_init);
  EXPECT_EQ(bad_init.error().code, Errc::invalid_argument);
  EXPECT_FALSE(derive_epoch_secrets(cs, Bytes(32, 1), Bytes(16, 1), {}, kContext));
  EXPECT_FALSE(derive_epoch_secrets(cs, Bytes(32, 1), {}, Bytes(33, 1), kContext));
  EXPECT_FALSE(derive_epoch_secrets_from_joiner(cs, SecretBytes(Bytes(5, 1)), {}, kContext));
}

TEST(KeySchedule, WelcomeKeySizes) {
  for (std::uint16_t id : {1, 3, 5}) {
    const auto cs = suite(id);
    auto k = derive_welcome_key(cs, SecretBytes(Bytes(cs.hash_size(), 7)));
    ASSERT_TRUE(k);
    EXPECT_EQ(k->key.size(), cs.key_size());
    EXPECT_EQ(k->nonce.size(), cs.nonce_size());
  }
}

TEST(KeySchedule, ExternalInitRoundTrip) {
  for (std::uint16_t id = 1; id <= 7; ++id) {
    const auto cs = suite(id);
    auto s = derive_epoch_secrets(cs, Bytes(cs.hash_size(), 1), {}, {}, kContext);
    ASSERT_TRUE(s);
    auto external = s->external_key_pair();
    ASSERT_TRUE(external) << id;
    auto made = make_external_init(cs, external->public_key());
    ASSERT_TRUE(made) << id;
    EXPECT_EQ(made->init_secret.size(), cs.hash_size());
    auto received = receive_external_init(cs, *external, made->kem_output);
    ASSERT_TRUE(received) << id;
    EXPECT_TRUE(*received == made->init_secret);
    // Another group's key recovers something else.
    auto other = cs.derive_key_pair(Bytes(cs.hash_size(), 9));
    ASSERT_TRUE(other);
    auto wrong = receive_external_init(cs, *other, made->kem_output);
    if (wrong) {
      EXPECT_FALSE(*wrong == made->init_secret);
    }
  }
}

}  // namespace
}  // namespace ztm::mls
