#include "ztm/net/stun.h"

#include <gtest/gtest.h>

namespace ztm::net::stun {
namespace {

// RFC 5769 §2.1: sample request (password "VOkJxbRl1RmTxUk/WvJxBt"). Its USERNAME
// and SOFTWARE padding are spaces, not zeros: receivers must ignore padding values.
const char* kRfc5769Request =
    "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e20746573"
    "7420636c69656e74002400046e0001ff80290008932ff9b151263b3600060009"
    "6576746a3a6836765920202000080014"
    "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf";
// RFC 5769 §2.2: sample IPv4 response, mapped address 192.0.2.1:32853.
const char* kRfc5769ResponseV4 =
    "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563"
    "746f7220002000080001a147e112a643000800142b91f599fd9e90c38c7489f9"
    "2af9ba53f06be7d780280004c07d4c96";
// RFC 5769 §2.3: sample IPv6 response, 2001:db8:1234:5678:11:2233:4455:6677 port 32853.
const char* kRfc5769ResponseV6 =
    "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563"
    "746f7220002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d900080014"
    "a382954e4be67bf11784c97c8292c275bfe3ed4180280004c8fb0b4c";
const char* kPassword = "VOkJxbRl1RmTxUk/WvJxBt";

TEST(Stun, ParsesAndVerifiesRfc5769Request) {
  const Bytes bytes = from_hex(kRfc5769Request).value();
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m) << m.error().what();
  EXPECT_EQ(m->message_class(), MessageClass::request);
  EXPECT_EQ(m->method(), kBindingMethod);
  EXPECT_EQ(m->username().value(), "evtj:h6vY");
  EXPECT_EQ(m->priority().value(), 0x6e0001ffu);
  EXPECT_EQ(m->ice_controlled().value(), 0x932ff9b151263b36ull);
  EXPECT_EQ(m->ice_controlling().error().code, Errc::not_found);
  EXPECT_TRUE(m->verify_fingerprint());
  EXPECT_TRUE(m->verify_message_integrity(as_bytes(kPassword)));
  EXPECT_EQ(m->verify_message_integrity(as_bytes("wrong")).error().code,
            Errc::authentication_failed);
  EXPECT_TRUE(m->unknown_comprehension_required().empty());
}

TEST(Stun, ParsesRfc5769Responses) {
  const Bytes v4 = from_hex(kRfc5769ResponseV4).value();
  auto m4 = Message::parse(v4);
  ASSERT_TRUE(m4);
  EXPECT_EQ(m4->message_class(), MessageClass::success_response);
  EXPECT_TRUE(m4->verify_fingerprint());
  EXPECT_TRUE(m4->verify_message_integrity(as_bytes(kPassword)));
  EXPECT_EQ(m4->xor_mapped_address().value(), TransportAddress::v4(192, 0, 2, 1, 32853));

  const Bytes v6 = from_hex(kRfc5769ResponseV6).value();
  auto m6 = Message::parse(v6);
  ASSERT_TRUE(m6);
  EXPECT_TRUE(m6->verify_fingerprint());
  EXPECT_TRUE(m6->verify_message_integrity(as_bytes(kPassword)));
  const auto expect6 = TransportAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00,
                                             0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77},
                                            32853);
  EXPECT_EQ(m6->xor_mapped_address().value(), expect6);
  EXPECT_EQ(expect6.to_string(), "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
}

TEST(Stun, BuilderReproducesRfc5769Response) {
  const Bytes expected = from_hex(kRfc5769ResponseV4).value();
  TransactionId id;
  std::copy_n(expected.begin() + 8, 12, id.begin());
  // The RFC pads SOFTWARE with a space where our builder writes a zero, so the
  // bytes match everywhere but that padding byte and the checksums after it.
  MessageBuilder b2(MessageClass::success_response, kBindingMethod, id);
  b2.add(AttributeType::software, as_bytes("test vector"));
  b2.add_xor_mapped_address(TransportAddress::v4(192, 0, 2, 1, 32853));
  const Bytes full = std::move(b2).finish(as_bytes(kPassword), true).value();
  ASSERT_EQ(full.size(), expected.size());
  // Header, SOFTWARE (but its padding byte) and XOR-MAPPED-ADDRESS are identical.
  EXPECT_TRUE(equal(ByteView(full).first(35), ByteView(expected).first(35)));
  EXPECT_TRUE(equal(ByteView(full).subspan(36, 12), ByteView(expected).subspan(36, 12)));
  // The integrity and fingerprint verify over our own (zero-padded) bytes.
  auto m = Message::parse(full);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->verify_message_integrity(as_bytes(kPassword)));
  EXPECT_TRUE(m->verify_fingerprint());
}

TEST(Stun, RoundTripOfEveryAttribute) {
  const TransactionId id = new_transaction_id();
  MessageBuilder b(MessageClass::error_response, kBindingMethod, id);
  const std::uint16_t unknown[] = {0x0031, 0x7000};
  b.add_username("a:b")
      .add_priority(7)
      .add_use_candidate()
      .add_ice_controlling(0x0102030405060708)
      .add_error_code(487, "Role Conflict")
      .add_unknown_attributes(unknown);
  const Bytes bytes = std::move(b).finish(as_bytes("key"), true).value();
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m) << m.error().what();
  EXPECT_EQ(m->message_class(), MessageClass::error_response);
  EXPECT_EQ(m->transaction_id(), id);
  EXPECT_EQ(m->username().value(), "a:b");
  EXPECT_EQ(m->priority().value(), 7u);
  EXPECT_TRUE(m->has(AttributeType::use_candidate));
  EXPECT_EQ(m->ice_controlling().value(), 0x0102030405060708u);
  EXPECT_EQ(m->error_code()->code, 487);
  EXPECT_EQ(m->error_code()->reason, "Role Conflict");
  EXPECT_TRUE(m->verify_message_integrity(as_bytes("key")));
  EXPECT_TRUE(m->verify_fingerprint());
}

TEST(Stun, MessageTypeBitsOfEveryClass) {
  const TransactionId id{};
  for (auto cls : {MessageClass::request, MessageClass::indication, MessageClass::success_response,
                   MessageClass::error_response}) {
    const Bytes bytes = MessageBuilder(cls, 0x0ABC, id).finish({}, false).value();
    auto m = Message::parse(bytes);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->message_class(), cls);
    EXPECT_EQ(m->method(), 0x0ABC);
  }
  EXPECT_EQ(to_hex(MessageBuilder(MessageClass::success_response, kBindingMethod, id)
                       .finish({}, false)
                       .value())
                .substr(0, 4),
            "0101");
}

TEST(Stun, RejectsMalformedHeaders) {
  const Bytes good = from_hex(kRfc5769Request).value();
  EXPECT_EQ(Message::parse(ByteView(good).first(19)).error().code, Errc::truncated);
  Bytes b = good;
  b[0] |= 0x40;
  EXPECT_EQ(Message::parse(b).error().code, Errc::invalid_encoding);
  b = good;
  b[4] ^= 1;  // magic cookie
  EXPECT_EQ(Message::parse(b).error().code, Errc::invalid_encoding);
  b = good;
  b[3] = 0x59;  // length not a multiple of 4
  EXPECT_EQ(Message::parse(b).error().code, Errc::invalid_encoding);
  b = good;
  b.push_back(0);
  b.push_back(0);
  b.push_back(0);
  b.push_back(0);
  EXPECT_EQ(Message::parse(b).error().code, Errc::trailing_data);
}

TEST(Stun, RejectsAttributeOverrunAndBadSizes) {
  const TransactionId id{};
  // An attribute whose length runs into missing padding.
  Bytes b = MessageBuilder(MessageClass::request, kBindingMethod, id)
                .add_username("abcd")
                .finish({}, false)
                .value();
  b[20 + 3] = 5;  // USERNAME claims 5 bytes: padded to 8, past the end
  EXPECT_EQ(Message::parse(b).error().code, Errc::truncated);
  // PRIORITY of 8 bytes.
  const std::uint8_t eight[8] = {};
  b = MessageBuilder(MessageClass::request, kBindingMethod, id)
          .add(AttributeType::priority, eight)
          .finish({}, false)
          .value();
  EXPECT_EQ(Message::parse(b).error().code, Errc::invalid_encoding);
}

TEST(Stun, FingerprintMustBeLast) {
  const TransactionId id{};
  Bytes b = MessageBuilder(MessageClass::request, kBindingMethod, id).finish({}, true).value();
  const std::uint8_t trailer[] = {0x00, 0x25, 0x00, 0x00};  // USE-CANDIDATE after it
  append(b, trailer);
  b[3] = static_cast<std::uint8_t>(b.size() - 20);
  EXPECT_EQ(Message::parse(b).error().code, Errc::protocol_violation);
}

TEST(Stun, AttributesAfterIntegrityAreIgnored) {
  const TransactionId id{};
  Bytes b = MessageBuilder(MessageClass::request, kBindingMethod, id)
                .add_priority(1)
                .finish(as_bytes("k"), false)
                .value();
  const std::uint8_t late[] = {0x00, 0x06, 0x00, 0x04, 'e', 'v', 'i', 'l'};
  append(b, late);
  b[3] = static_cast<std::uint8_t>(b.size() - 20);
  auto m = Message::parse(b);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->has(AttributeType::username));
  EXPECT_TRUE(m->verify_message_integrity(as_bytes("k")));
}

TEST(Stun, AttributeCountIsBounded) {
  const TransactionId id{};
  MessageBuilder b(MessageClass::indication, kBindingMethod, id);
  for (std::size_t i = 0; i <= kMaxAttributes; ++i) b.add(AttributeType::software, {});
  const Bytes bytes = std::move(b).finish({}, false).value();
  EXPECT_EQ(Message::parse(bytes).error().code, Errc::limit_exceeded);
}

TEST(Stun, ReportsUnknownComprehensionRequired) {
  const TransactionId id{};
  const Bytes bytes = MessageBuilder(MessageClass::request, kBindingMethod, id)
                          .add(static_cast<AttributeType>(0x7777), as_bytes("x"))
                          .add(static_cast<AttributeType>(0xC001), as_bytes("y"))
                          .finish({}, false)
                          .value();
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->unknown_comprehension_required().size(), 1u);
  EXPECT_EQ(m->unknown_comprehension_required()[0], 0x7777);
}

TEST(Stun, TamperingBreaksFingerprintAndIntegrity) {
  Bytes b = from_hex(kRfc5769Request).value();
  b[30] ^= 0x01;  // inside SOFTWARE
  auto m = Message::parse(b);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->verify_fingerprint().error().code, Errc::authentication_failed);
  EXPECT_EQ(m->verify_message_integrity(as_bytes(kPassword)).error().code,
            Errc::authentication_failed);
}

TEST(Stun, BuilderRejectsBadArguments) {
  const TransactionId id{};
  EXPECT_EQ(MessageBuilder(MessageClass::request, kBindingMethod, id)
                .add_error_code(200, "no")
                .finish({}, false)
                .error()
                .code,
            Errc::invalid_argument);
  EXPECT_EQ(MessageBuilder(MessageClass::request, kBindingMethod, id)
                .add_username(std::string(600, 'u'))
                .finish({}, false)
                .error()
                .code,
            Errc::invalid_argument);
  EXPECT_EQ(MessageBuilder(MessageClass::request, 0x1000, id).finish({}, false).error().code,
            Errc::invalid_argument);
}

TEST(Stun, MalformedTypedValues) {
  const TransactionId id{};
  const std::uint8_t bad_family[8] = {0, 3, 0, 0, 0, 0, 0, 0};
  const std::uint8_t bad_class[4] = {0, 0, 7, 0};
  const Bytes bytes = MessageBuilder(MessageClass::request, kBindingMethod, id)
                          .add(AttributeType::xor_mapped_address, bad_family)
                          .add(AttributeType::error_code, bad_class)
                          .finish({}, false)
                          .value();
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->xor_mapped_address().error().code, Errc::invalid_encoding);
  EXPECT_EQ(m->error_code().error().code, Errc::invalid_encoding);
  EXPECT_EQ(m->username().error().code, Errc::not_found);
  EXPECT_EQ(m->verify_fingerprint().error().code, Errc::not_found);
  EXPECT_EQ(m->verify_message_integrity(as_bytes("k")).error().code, Errc::not_found);
}

}  // namespace
}  // namespace ztm::net::stun
