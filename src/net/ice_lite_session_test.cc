#include "ztm/net/ice_lite_session.h"

#include <gtest/gtest.h>

namespace ztm::net::ice {
namespace {

using Clock = IceLiteSession::Clock;
using std::chrono::seconds;

const IceCredentials kLocal{"sfu7", "local-password-0123456789"};

Bytes check(bool nominate, const std::string& local_ufrag = "peer") {
  BindingRequestParams p;
  p.local_ufrag = local_ufrag;
  p.remote = kLocal;
  p.priority = 1000;
  p.use_candidate = nominate;
  p.tiebreaker = 1;
  return make_binding_request(p, stun::new_transaction_id()).value();
}

TEST(IceLiteSession, NominationSelectsAndConsentExpires) {
  IceLiteSession s(kLocal, "peer");
  const auto t0 = Clock::time_point{} + seconds(1000);
  const auto a = TransportAddress::v4(198, 51, 100, 1, 1000);
  EXPECT_FALSE(s.selected(t0));
  EXPECT_FALSE(s.consent_expired(t0));

  ASSERT_TRUE(s.handle_stun(check(false), a, t0));
  EXPECT_TRUE(s.is_verified(a, t0));
  EXPECT_FALSE(s.selected(t0));  // checked but not nominated

  ASSERT_TRUE(s.handle_stun(check(true), a, t0 + seconds(1)));
  EXPECT_EQ(s.selected(t0 + seconds(2)), a);
  // Consent checks keep it alive; silence for 30 s ends it.
  ASSERT_TRUE(s.handle_stun(check(false), a, t0 + seconds(20)));
  EXPECT_EQ(s.selected(t0 + seconds(49)), a);
  EXPECT_FALSE(s.consent_expired(t0 + seconds(49)));
  EXPECT_FALSE(s.selected(t0 + seconds(50)));
  EXPECT_TRUE(s.consent_expired(t0 + seconds(50)));
}

TEST(IceLiteSession, LatestNominationWins) {
  IceLiteSession s(kLocal, "peer");
  const auto t0 = Clock::time_point{} + seconds(1);
  const auto wifi = TransportAddress::v4(198, 51, 100, 1, 1000);
  const auto cell = TransportAddress::v4(203, 0, 113, 9, 2000);
  ASSERT_TRUE(s.handle_stun(check(true), wifi, t0));
  ASSERT_TRUE(s.handle_stun(check(true), cell, t0 + seconds(5)));
  EXPECT_EQ(s.selected(t0 + seconds(6)), cell);
  EXPECT_TRUE(s.is_verified(wifi, t0 + seconds(6)));
}

TEST(IceLiteSession, UnauthenticatedChecksChangeNothing) {
  IceLiteSession s(kLocal, "peer");
  const auto t0 = Clock::time_point{} + seconds(1);
  const auto a = TransportAddress::v4(198, 51, 100, 1, 1000);
  BindingRequestParams p;
  p.local_ufrag = "peer";
  p.remote = {kLocal.ufrag, "guessed-password"};
  p.use_candidate = true;
  auto reply = s.handle_stun(make_binding_request(p, stun::new_transaction_id()).value(), a, t0);
  ASSERT_TRUE(reply);  // a 401 goes back
  EXPECT_EQ(stun::Message::parse(*reply)->error_code()->code, 401);
  EXPECT_FALSE(s.is_verified(a, t0));
  EXPECT_FALSE(s.selected(t0));
  // Right password, wrong remote ufrag: dropped without an answer.
  EXPECT_EQ(s.handle_stun(check(true, "other"), a, t0).error().code, Errc::untrusted);
  EXPECT_FALSE(s.selected(t0));
}

TEST(IceLiteSession, RemembersABoundedNumberOfAddressesAndKeepsTheSelected) {
  IceLiteSession s(kLocal, "peer");
  const auto t0 = Clock::time_point{} + seconds(1);
  const auto chosen = TransportAddress::v4(10, 0, 0, 1, 1);
  ASSERT_TRUE(s.handle_stun(check(true), chosen, t0));
  for (std::uint16_t i = 0; i < 3 * IceLiteSession::kMaxRemoteAddresses; ++i) {
    ASSERT_TRUE(s.handle_stun(check(false), TransportAddress::v4(10, 0, 1, 1, i),
                              t0 + seconds(1 + i % 10)));
  }
  EXPECT_EQ(s.selected(t0 + seconds(5)), chosen);
  // The earliest of the others were forgotten.
  EXPECT_FALSE(s.is_verified(TransportAddress::v4(10, 0, 1, 1, 0), t0 + seconds(12)));
}

}  // namespace
}  // namespace ztm::net::ice
