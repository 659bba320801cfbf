// STUN messages (RFC 8489, which obsoletes RFC 5389): strict parsing of a received
// datagram into a borrowed view, typed attribute accessors, MESSAGE-INTEGRITY and
// FINGERPRINT checks, and a builder for the messages ICE-lite sends.
//
// RFC 8489 §5, the header:
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |0 0|     STUN Message Type     |         Message Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         Magic Cookie                          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     Transaction ID (96 bits)                  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// RFC 8489 §14, each attribute (value padded to a multiple of 4 bytes):
//   |         Type                  |            Length             |
//   |                         Value (variable)                ....
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/net/address.h"

namespace ztm::net::stun {

inline constexpr std::uint32_t kMagicCookie = 0x2112A442;
inline constexpr std::size_t kHeaderSize = 20;
// kMaxAttributes bounds the work on one message. An ICE Binding request carries
// six or seven attributes; 32 leaves room for SOFTWARE and extensions.
inline constexpr std::size_t kMaxAttributes = 32;
inline constexpr std::size_t kMessageIntegritySize = 20;  // HMAC-SHA1
inline constexpr std::uint32_t kFingerprintXor = 0x5354554e;
inline constexpr std::size_t kMaxUsernameSize = 513;      // RFC 8489 §14.3
inline constexpr std::size_t kMaxReasonPhraseSize = 763;  // RFC 8489 §14.8

// MessageClass is the C1C0 pair of the message type (RFC 8489 §5).
enum class MessageClass : std::uint8_t {
  request = 0,
  indication = 1,
  success_response = 2,
  error_response = 3,
};

inline constexpr std::uint16_t kBindingMethod = 0x001;

// AttributeType names the attributes ztmeet reads or writes (RFC 8489 §18.3,
// RFC 8445 §16.1).
enum class AttributeType : std::uint16_t {
  mapped_address = 0x0001,
  username = 0x0006,
  message_integrity = 0x0008,
  error_code = 0x0009,
  unknown_attributes = 0x000A,
  realm = 0x0014,
  nonce = 0x0015,
  message_integrity_sha256 = 0x001C,
  xor_mapped_address = 0x0020,
  priority = 0x0024,
  use_candidate = 0x0025,
  software = 0x8022,
  fingerprint = 0x8028,
  ice_controlled = 0x8029,
  ice_controlling = 0x802A,
};

using TransactionId = std::array<std::uint8_t, 12>;

// new_transaction_id draws 96 random bits (RFC 8489 §5: uniformly random).
TransactionId new_transaction_id();

// RawAttribute is one attribute as it appears in a parsed message. value borrows the
// message; offset is where the attribute's 4-byte header starts in the message.
struct RawAttribute {
  std::uint16_t type = 0;
  ByteView value;
  std::size_t offset = 0;
};

// ErrorCode is the ERROR-CODE attribute (RFC 8489 §14.8): code 300..699.
struct ErrorCode {
  std::uint16_t code = 0;
  std::string reason;
};

// Message is a parsed STUN message. It borrows the datagram, which must outlive it.
// Parsing checks the header, every attribute's length and padding, the attribute
// count, the sizes of the attributes ztmeet interprets and that FINGERPRINT comes last;
// it does not check MESSAGE-INTEGRITY (that needs a key: verify_message_integrity).
// Attributes after MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and
// FINGERPRINT are ignored, as RFC 8489 §14.5 requires, and are not listed.
class Message {
 public:
  static Result<Message> parse(ByteView datagram);

  MessageClass message_class() const { return class_; }
  std::uint16_t method() const { return method_; }
  const TransactionId& transaction_id() const { return transaction_id_; }
  ByteView bytes() const { return bytes_; }
  std::span<const RawAttribute> attributes() const { return {attributes_.data(), count_}; }

  // find returns the first attribute of a type (RFC 8489 §14: later duplicates are
  // ignored), or nullptr.
  const RawAttribute* find(AttributeType type) const;
  bool has(AttributeType type) const { return find(type) != nullptr; }

  // Typed accessors fail with not_found when the attribute is absent and with
  // invalid_encoding when its value is malformed.
  Result<std::string_view> username() const;
  Result<TransportAddress> xor_mapped_address() const;
  Result<std::uint32_t> priority() const;
  Result<std::uint64_t> ice_controlling() const;
  Result<std::uint64_t> ice_controlled() const;
  Result<ErrorCode> error_code() const;
  // unknown_comprehension_required lists attribute types 0x0000..0x7FFF that ztmeet
  // does not understand (RFC 8489 §6.3: a request with one gets a 420 response).
  std::span<const std::uint16_t> unknown_comprehension_required() const {
    return {unknown_.data(), unknown_count_};
  }

  // verify_fingerprint checks FINGERPRINT (RFC 8489 §14.7): not_found when absent,
  // authentication_failed when it does not match.
  Result<void> verify_fingerprint() const;
  // verify_message_integrity checks MESSAGE-INTEGRITY (RFC 8489 §14.5) with a
  // short-term credential key (the ICE password, RFC 8445 §7.2.2): not_found when
  // absent, authentication_failed when it does not match. Constant-time compare.
  Result<void> verify_message_integrity(ByteView key) const;

 private:
  Message() = default;
  ByteView bytes_;
  MessageClass class_ = MessageClass::request;
  std::uint16_t method_ = 0;
  TransactionId transaction_id_{};
  std::array<RawAttribute, kMaxAttributes> attributes_{};
  std::size_t count_ = 0;
  std::array<std::uint16_t, kMaxAttributes> unknown_{};
  std::size_t unknown_count_ = 0;
};

// MessageBuilder writes a STUN message attribute by attribute, then appends
// MESSAGE-INTEGRITY and FINGERPRINT as asked. It owns its bytes (STUN is not the
// media hot path). The first invalid argument is remembered and reported by finish.
class MessageBuilder {
 public:
  MessageBuilder(MessageClass message_class, std::uint16_t method, const TransactionId& id);

  MessageBuilder& add(AttributeType type, ByteView value);
  MessageBuilder& add_username(std::string_view username);
  MessageBuilder& add_xor_mapped_address(const TransportAddress& address);
  MessageBuilder& add_priority(std::uint32_t priority);
  MessageBuilder& add_use_candidate();
  MessageBuilder& add_ice_controlling(std::uint64_t tiebreaker);
  MessageBuilder& add_ice_controlled(std::uint64_t tiebreaker);
  MessageBuilder& add_error_code(std::uint16_t code, std::string_view reason);
  MessageBuilder& add_unknown_attributes(std::span<const std::uint16_t> types);

  // finish appends MESSAGE-INTEGRITY keyed with integrity_key when it is non-empty,
  // then FINGERPRINT when asked, and returns the message; the builder is spent after.
  Result<Bytes> finish(ByteView integrity_key, bool fingerprint);

 private:
  void set_length();
  Bytes out_;
  TransactionId transaction_id_;
  std::optional<Error> error_;
};

}  // namespace ztm::net::stun
