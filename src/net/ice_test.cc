#include "ztm/net/ice.h"

#include <gtest/gtest.h>

namespace ztm::net::ice {
namespace {

const IceCredentials kLite{"srv1", "server-password-0123456789"};
const TransportAddress kPeer = TransportAddress::v4(198, 51, 100, 7, 50000);

BindingRequestParams client_params() {
  BindingRequestParams p;
  p.local_ufrag = "cli9";
  p.remote = kLite;
  p.priority = 0x7e0001ff;
  p.use_candidate = true;
  p.tiebreaker = 0x1122334455667788;
  return p;
}

TEST(IceLite, AnswersAnAuthenticCheck) {
  const auto id = stun::new_transaction_id();
  const Bytes request = make_binding_request(client_params(), id).value();
  auto answer = answer_binding_request(request, kPeer, kLite);
  ASSERT_TRUE(answer) << answer.error().what();
  ASSERT_TRUE(answer->accepted);
  EXPECT_EQ(answer->accepted->remote_ufrag, "cli9");
  EXPECT_EQ(answer->accepted->priority, 0x7e0001ffu);
  EXPECT_TRUE(answer->accepted->use_candidate);
  EXPECT_EQ(answer->accepted->ice_controlling, 0x1122334455667788u);
  EXPECT_EQ(answer->accepted->transaction_id, id);
  // The client side checks the answer and learns its reflexive address.
  auto mapped = check_binding_response(answer->response, id, kLite.pwd);
  ASSERT_TRUE(mapped) << mapped.error().what();
  EXPECT_EQ(*mapped, kPeer);
}

TEST(IceLite, WrongPasswordGets401WithoutAcceptance) {
  auto p = client_params();
  p.remote.pwd = "not-the-password";
  const auto id = stun::new_transaction_id();
  auto answer = answer_binding_request(make_binding_request(p, id).value(), kPeer, kLite);
  ASSERT_TRUE(answer);
  EXPECT_FALSE(answer->accepted);
  auto m = stun::Message::parse(answer->response);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->message_class(), stun::MessageClass::error_response);
  EXPECT_EQ(m->error_code()->code, 401);
  EXPECT_FALSE(m->has(stun::AttributeType::message_integrity));
  auto checked = check_binding_response(answer->response, id, kLite.pwd);
  EXPECT_EQ(checked.error().code, Errc::protocol_violation);
}

TEST(IceLite, WrongUfragGets401) {
  auto p = client_params();
  p.remote.ufrag = "other";
  auto answer = answer_binding_request(make_binding_request(p, stun::new_transaction_id()).value(),
                                       kPeer, kLite);
  ASSERT_TRUE(answer);
  EXPECT_FALSE(answer->accepted);
  EXPECT_EQ(stun::Message::parse(answer->response)->error_code()->code, 401);
}

TEST(IceLite, MissingCredentialsGets400) {
  const auto id = stun::new_transaction_id();
  const Bytes request = stun::MessageBuilder(stun::MessageClass::request, stun::kBindingMethod, id)
                            .add_priority(1)
                            .finish({}, true)
                            .value();
  auto answer = answer_binding_request(request, kPeer, kLite);
  ASSERT_TRUE(answer);
  EXPECT_FALSE(answer->accepted);
  EXPECT_EQ(stun::Message::parse(answer->response)->error_code()->code, 400);
}

TEST(IceLite, ControlledPeerGetsRoleConflict) {
  // RFC 5769's sample request carries ICE-CONTROLLED: a lite agent cannot yield.
  const Bytes request = from_hex(
                            "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e20746573"
                            "7420636c69656e74002400046e0001ff80290008932ff9b151263b3600060009"
                            "6576746a3a6836765920202000080014"
                            "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf")
                            .value();
  const IceCredentials local{"evtj", "VOkJxbRl1RmTxUk/WvJxBt"};
  auto answer = answer_binding_request(request, kPeer, local);
  ASSERT_TRUE(answer) << answer.error().what();
  EXPECT_FALSE(answer->accepted);
  auto m = stun::Message::parse(answer->response);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->error_code()->code, 487);
  EXPECT_TRUE(m->verify_message_integrity(as_bytes(local.pwd)));
  EXPECT_TRUE(m->verify_fingerprint());
}

TEST(IceLite, UnknownRequiredAttributeGets420) {
  const auto id = stun::new_transaction_id();
  const Bytes request = stun::MessageBuilder(stun::MessageClass::request, stun::kBindingMethod, id)
                            .add_username("srv1:cli9")
                            .add_priority(1)
                            .add_ice_controlling(1)
                            .add(static_cast<stun::AttributeType>(0x0042), as_bytes("?"))
                            .finish(as_bytes(kLite.pwd), true)
                            .value();
  auto answer = answer_binding_request(request, kPeer, kLite);
  ASSERT_TRUE(answer);
  EXPECT_FALSE(answer->accepted);
  auto m = stun::Message::parse(answer->response);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->error_code()->code, 420);
  const auto* unknown = m->find(stun::AttributeType::unknown_attributes);
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(to_hex(unknown->value), "0042");
}

TEST(IceLite, DiscardsWithoutAnswer) {
  const auto id = stun::new_transaction_id();
  Bytes request = make_binding_request(client_params(), id).value();
  // Bad fingerprint: silently dropped (not STUN for us).
  Bytes tampered = request;
  tampered[tampered.size() - 1] ^= 1;
  EXPECT_EQ(answer_binding_request(tampered, kPeer, kLite).error().code,
            Errc::authentication_failed);
  // No fingerprint at all.
  const Bytes bare = stun::MessageBuilder(stun::MessageClass::request, stun::kBindingMethod, id)
                         .finish({}, false)
                         .value();
  EXPECT_EQ(answer_binding_request(bare, kPeer, kLite).error().code, Errc::not_found);
  // An indication, not a request.
  const Bytes indication =
      stun::MessageBuilder(stun::MessageClass::indication, stun::kBindingMethod, id)
          .finish({}, true)
          .value();
  EXPECT_EQ(answer_binding_request(indication, kPeer, kLite).error().code,
            Errc::protocol_violation);
  // Not STUN at all.
  EXPECT_FALSE(answer_binding_request(Bytes(20, 0x80), kPeer, kLite));
}

TEST(IceClient, RejectsMismatchedOrForgedResponses) {
  const auto id = stun::new_transaction_id();
  auto answer =
      answer_binding_request(make_binding_request(client_params(), id).value(), kPeer, kLite);
  ASSERT_TRUE(answer);
  EXPECT_EQ(
      check_binding_response(answer->response, stun::new_transaction_id(), kLite.pwd).error().code,
      Errc::protocol_violation);
  EXPECT_EQ(check_binding_response(answer->response, id, "bad").error().code,
            Errc::authentication_failed);
  EXPECT_FALSE(make_binding_request(BindingRequestParams{}, id));
}

TEST(IceLite, Ipv6SourceIsReflected) {
  const auto peer6 =
      TransportAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 3478);
  const auto id = stun::new_transaction_id();
  auto answer =
      answer_binding_request(make_binding_request(client_params(), id).value(), peer6, kLite);
  ASSERT_TRUE(answer);
  EXPECT_EQ(check_binding_response(answer->response, id, kLite.pwd).value(), peer6);
}

}  // namespace
}  // namespace ztm::net::ice
