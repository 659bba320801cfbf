#include "ztm/net/stun.h"

#include <algorithm>

#include "internal/be.h"
#include "internal/stun_crypto.h"
#include "ztm/base/secret.h"
#include "ztm/crypto/random.h"

namespace ztm::net::stun {

using internal::load16;
using internal::load32;
using internal::load64;
using internal::store16;
using internal::store32;
using internal::store64;

namespace {

constexpr std::size_t padded(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}

// Message type bits (RFC 8489 §5): M11..M7 C1 M6..M4 C0 M3..M0.
constexpr std::uint16_t encode_type(MessageClass c, std::uint16_t method) {
  const auto cls = static_cast<std::uint16_t>(c);
  return static_cast<std::uint16_t>((method & 0x000F) | ((method & 0x0070) << 1) |
                                    ((method & 0x0F80) << 2) | ((cls & 1) << 4) | ((cls & 2) << 7));
}

bool understood(std::uint16_t type) {
  switch (static_cast<AttributeType>(type)) {
    case AttributeType::mapped_address:
    case AttributeType::username:
    case AttributeType::message_integrity:
    case AttributeType::error_code:
    case AttributeType::unknown_attributes:
    case AttributeType::realm:
    case AttributeType::nonce:
    case AttributeType::message_integrity_sha256:
    case AttributeType::xor_mapped_address:
    case AttributeType::priority:
    case AttributeType::use_candidate:
      return true;
    default:
      return type >= 0x8000;  // comprehension-optional: always safe to ignore
  }
}

// Fixed value sizes of the attributes ztmeet interprets; 0 means "no fixed size".
std::size_t fixed_size(std::uint16_t type) {
  switch (static_cast<AttributeType>(type)) {
    case AttributeType::message_integrity:
      return kMessageIntegritySize;
    case AttributeType::message_integrity_sha256:
      return 0;  // 16..32, checked below
    case AttributeType::fingerprint:
      return 4;
    case AttributeType::priority:
      return 4;
    case AttributeType::ice_controlled:
    case AttributeType::ice_controlling:
      return 8;
    default:
      return 0;
  }
}

// with_length copies the 20-byte header with its length field replaced, as the
// integrity and fingerprint computations require (RFC 8489 §14.5, §14.7).
std::array<std::uint8_t, kHeaderSize> with_length(ByteView message, std::size_t length) {
  std::array<std::uint8_t, kHeaderSize> header{};
  std::copy_n(message.begin(), kHeaderSize, header.begin());
  store16(header.data() + 2, static_cast<std::uint16_t>(length));
  return header;
}

}  // namespace

TransactionId new_transaction_id() {
  TransactionId id;
  crypto::random_fill(id);
  return id;
}

Result<Message> Message::parse(ByteView datagram) {
  if (datagram.size() < kHeaderSize) return fail(Errc::truncated, "stun: shorter than a header");
  if ((datagram[0] & 0xC0) != 0) {
    return fail(Errc::invalid_encoding, "stun: top two bits of the message type must be zero");
  }
  const std::size_t length = load16(datagram.data() + 2);
  if (length % 4 != 0) return fail(Errc::invalid_encoding, "stun: length not a multiple of 4");
  if (length + kHeaderSize != datagram.size()) {
    return fail(length + kHeaderSize > datagram.size() ? Errc::truncated : Errc::trailing_data,
                "stun: message length does not match the datagram");
  }
  if (load32(datagram.data() + 4) != kMagicCookie) {
    return fail(Errc::invalid_encoding, "stun: wrong magic cookie");
  }
  Message m;
  m.bytes_ = datagram;
  const std::uint16_t type = load16(datagram.data());
  m.class_ = static_cast<MessageClass>(((type >> 4) & 1) | ((type >> 7) & 2));
  m.method_ =
      static_cast<std::uint16_t>((type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80));
  std::copy_n(datagram.begin() + 8, 12, m.transaction_id_.begin());

  bool after_integrity = false;
  std::size_t pos = kHeaderSize;
  while (pos < datagram.size()) {
    if (datagram.size() - pos < 4) return fail(Errc::truncated, "stun: attribute header");
    const std::uint16_t at = load16(datagram.data() + pos);
    const std::size_t len = load16(datagram.data() + pos + 2);
    // RFC 8489 §14: padding bytes are not covered by Length but must be present; their
    // values are ignored by the receiver.
    if (padded(len) > datagram.size() - pos - 4) {
      return fail(Errc::truncated, "stun: attribute value or padding runs past the message");
    }
    const RawAttribute attr{at, datagram.subspan(pos + 4, len), pos};
    pos += 4 + padded(len);

    if (m.count_ > 0 && m.attributes_[m.count_ - 1].type ==
                            static_cast<std::uint16_t>(AttributeType::fingerprint)) {
      return fail(Errc::protocol_violation, "stun: FINGERPRINT must be the last attribute");
    }
    const bool is_fingerprint = at == static_cast<std::uint16_t>(AttributeType::fingerprint);
    const bool is_integrity = at == static_cast<std::uint16_t>(AttributeType::message_integrity);
    const bool is_integrity256 =
        at == static_cast<std::uint16_t>(AttributeType::message_integrity_sha256);
    if (after_integrity && !is_fingerprint && !is_integrity256) continue;  // §14.5: ignored
    if (const std::size_t want = fixed_size(at); want != 0 && len != want) {
      return fail(Errc::invalid_encoding,
                  "stun: attribute " + std::to_string(at) + " has length " + std::to_string(len));
    }
    if (is_integrity256 && (len < 16 || len > 32 || len % 4 != 0)) {
      return fail(Errc::invalid_encoding, "stun: MESSAGE-INTEGRITY-SHA256 length");
    }
    if (m.count_ == kMaxAttributes) {
      return fail(Errc::limit_exceeded,
                  "stun: more than " + std::to_string(kMaxAttributes) + " attributes");
    }
    m.attributes_[m.count_++] = attr;
    if (!understood(at)) m.unknown_[m.unknown_count_++] = at;
    if (is_integrity) after_integrity = true;
  }
  return m;
}

const RawAttribute* Message::find(AttributeType type) const {
  for (std::size_t i = 0; i < count_; ++i) {
    if (attributes_[i].type == static_cast<std::uint16_t>(type)) return &attributes_[i];
  }
  return nullptr;
}

Result<std::string_view> Message::username() const {
  const RawAttribute* a = find(AttributeType::username);
  if (a == nullptr) return fail(Errc::not_found, "stun: no USERNAME");
  if (a->value.size() > kMaxUsernameSize) {
    return fail(Errc::invalid_encoding, "stun: USERNAME longer than 513 bytes");
  }
  return std::string_view(reinterpret_cast<const char*>(a->value.data()), a->value.size());
}

// RFC 8489 §14.2, XOR-MAPPED-ADDRESS:
//   |x x x x x x x x|    Family     |         X-Port                |
//   |                X-Address (Variable)
Result<TransportAddress> Message::xor_mapped_address() const {
  const RawAttribute* a = find(AttributeType::xor_mapped_address);
  if (a == nullptr) return fail(Errc::not_found, "stun: no XOR-MAPPED-ADDRESS");
  const ByteView v = a->value;
  if (v.size() < 4) return fail(Errc::invalid_encoding, "stun: XOR-MAPPED-ADDRESS too short");
  TransportAddress addr;
  if (v[1] == 0x01 && v.size() == 8) {
    addr.family = TransportAddress::Family::ipv4;
  } else if (v[1] == 0x02 && v.size() == 20) {
    addr.family = TransportAddress::Family::ipv6;
  } else {
    return fail(Errc::invalid_encoding, "stun: XOR-MAPPED-ADDRESS family or length");
  }
  addr.port = static_cast<std::uint16_t>(load16(v.data() + 2) ^ (kMagicCookie >> 16));
  std::array<std::uint8_t, 16> mask{};
  store32(mask.data(), kMagicCookie);
  std::copy(transaction_id_.begin(), transaction_id_.end(), mask.begin() + 4);
  for (std::size_t i = 0; i < addr.ip_size(); ++i) addr.ip[i] = v[4 + i] ^ mask[i];
  return addr;
}

Result<std::uint32_t> Message::priority() const {
  const RawAttribute* a = find(AttributeType::priority);
  if (a == nullptr) return fail(Errc::not_found, "stun: no PRIORITY");
  return load32(a->value.data());
}

Result<std::uint64_t> Message::ice_controlling() const {
  const RawAttribute* a = find(AttributeType::ice_controlling);
  if (a == nullptr) return fail(Errc::not_found, "stun: no ICE-CONTROLLING");
  return load64(a->value.data());
}

Result<std::uint64_t> Message::ice_controlled() const {
  const RawAttribute* a = find(AttributeType::ice_controlled);
  if (a == nullptr) return fail(Errc::not_found, "stun: no ICE-CONTROLLED");
  return load64(a->value.data());
}

// RFC 8489 §14.8, ERROR-CODE:
//   |           Reserved, should be 0         |Class|     Number    |
//   |      Reason Phrase (variable)                                ..
Result<ErrorCode> Message::error_code() const {
  const RawAttribute* a = find(AttributeType::error_code);
  if (a == nullptr) return fail(Errc::not_found, "stun: no ERROR-CODE");
  const ByteView v = a->value;
  if (v.size() < 4 || v.size() - 4 > kMaxReasonPhraseSize) {
    return fail(Errc::invalid_encoding, "stun: ERROR-CODE length");
  }
  const unsigned cls = v[2] & 0x07;
  const unsigned number = v[3];
  if (cls < 3 || cls > 6 || number > 99) {
    return fail(Errc::invalid_encoding, "stun: ERROR-CODE class or number out of range");
  }
  ErrorCode e;
  e.code = static_cast<std::uint16_t>(cls * 100 + number);
  e.reason.assign(reinterpret_cast<const char*>(v.data() + 4), v.size() - 4);
  return e;
}

Result<void> Message::verify_fingerprint() const {
  const RawAttribute* a = find(AttributeType::fingerprint);
  if (a == nullptr) return fail(Errc::not_found, "stun: no FINGERPRINT");
  // FINGERPRINT is last (parse enforces it), so the header's length already covers it.
  const std::uint32_t expected = internal::crc32({bytes_.first(a->offset)}) ^ kFingerprintXor;
  if (load32(a->value.data()) != expected) {
    return fail(Errc::authentication_failed, "stun: FINGERPRINT mismatch");
  }
  return ok();
}

Result<void> Message::verify_message_integrity(ByteView key) const {
  const RawAttribute* a = find(AttributeType::message_integrity);
  if (a == nullptr) return fail(Errc::not_found, "stun: no MESSAGE-INTEGRITY");
  // The HMAC covers everything before MESSAGE-INTEGRITY, with the header's length set
  // as if MESSAGE-INTEGRITY were the last attribute.
  const auto header = with_length(bytes_, a->offset - kHeaderSize + 4 + kMessageIntegritySize);
  ZTM_TRY_ASSIGN(
      const auto mac,
      internal::hmac_sha1(key, {header, bytes_.subspan(kHeaderSize, a->offset - kHeaderSize)}));
  if (!constant_time_equal(mac, a->value)) {
    return fail(Errc::authentication_failed, "stun: MESSAGE-INTEGRITY mismatch");
  }
  return ok();
}

MessageBuilder::MessageBuilder(MessageClass message_class, std::uint16_t method,
                               const TransactionId& id)
    : out_(kHeaderSize, 0), transaction_id_(id) {
  if (method > 0x0FFF) error_ = Error{Errc::invalid_argument, "stun: method beyond 12 bits"};
  store16(out_.data(), encode_type(message_class, method & 0x0FFF));
  store32(out_.data() + 4, kMagicCookie);
  std::copy(id.begin(), id.end(), out_.begin() + 8);
}

void MessageBuilder::set_length() {
  store16(out_.data() + 2, static_cast<std::uint16_t>(out_.size() - kHeaderSize));
}

MessageBuilder& MessageBuilder::add(AttributeType type, ByteView value) {
  if (error_) return *this;
  if (value.size() > 0xFFFF || out_.size() + 4 + padded(value.size()) > 0xFFFF + kHeaderSize) {
    error_ = Error{Errc::length_too_large, "stun: message beyond 64 KiB"};
    return *this;
  }
  const std::size_t at = out_.size();
  out_.resize(at + 4 + padded(value.size()), 0);  // padding written as zeros (§14)
  store16(out_.data() + at, static_cast<std::uint16_t>(type));
  store16(out_.data() + at + 2, static_cast<std::uint16_t>(value.size()));
  std::copy(value.begin(), value.end(), out_.begin() + static_cast<std::ptrdiff_t>(at + 4));
  return *this;
}

MessageBuilder& MessageBuilder::add_username(std::string_view username) {
  if (username.size() > kMaxUsernameSize) {
    if (!error_) error_ = Error{Errc::invalid_argument, "stun: USERNAME longer than 513 bytes"};
    return *this;
  }
  return add(AttributeType::username, as_bytes(username));
}

MessageBuilder& MessageBuilder::add_xor_mapped_address(const TransportAddress& address) {
  std::array<std::uint8_t, 20> v{};
  v[1] = static_cast<std::uint8_t>(address.family);
  store16(v.data() + 2, static_cast<std::uint16_t>(address.port ^ (kMagicCookie >> 16)));
  std::array<std::uint8_t, 16> mask{};
  store32(mask.data(), kMagicCookie);
  std::copy(transaction_id_.begin(), transaction_id_.end(), mask.begin() + 4);
  for (std::size_t i = 0; i < address.ip_size(); ++i) v[4 + i] = address.ip[i] ^ mask[i];
  return add(AttributeType::xor_mapped_address, ByteView(v).first(4 + address.ip_size()));
}

MessageBuilder& MessageBuilder::add_priority(std::uint32_t priority) {
  std::array<std::uint8_t, 4> v{};
  store32(v.data(), priority);
  return add(AttributeType::priority, v);
}

MessageBuilder& MessageBuilder::add_use_candidate() {
  return add(AttributeType::use_candidate, {});
}

MessageBuilder& MessageBuilder::add_ice_controlling(std::uint64_t tiebreaker) {
  std::array<std::uint8_t, 8> v{};
  store64(v.data(), tiebreaker);
  return add(AttributeType::ice_controlling, v);
}

MessageBuilder& MessageBuilder::add_ice_controlled(std::uint64_t tiebreaker) {
  std::array<std::uint8_t, 8> v{};
  store64(v.data(), tiebreaker);
  return add(AttributeType::ice_controlled, v);
}

MessageBuilder& MessageBuilder::add_error_code(std::uint16_t code, std::string_view reason) {
  if (code < 300 || code > 699 || reason.size() > kMaxReasonPhraseSize) {
    if (!error_) error_ = Error{Errc::invalid_argument, "stun: ERROR-CODE out of range"};
    return *this;
  }
  Bytes v(4 + reason.size(), 0);
  v[2] = static_cast<std::uint8_t>(code / 100);
  v[3] = static_cast<std::uint8_t>(code % 100);
  std::copy(reason.begin(), reason.end(), v.begin() + 4);
  return add(AttributeType::error_code, v);
}

MessageBuilder& MessageBuilder::add_unknown_attributes(std::span<const std::uint16_t> types) {
  Bytes v(types.size() * 2);
  for (std::size_t i = 0; i < types.size(); ++i) store16(v.data() + 2 * i, types[i]);
  return add(AttributeType::unknown_attributes, v);
}

Result<Bytes> MessageBuilder::finish(ByteView integrity_key, bool fingerprint) {
  if (error_) return tl::unexpected(*error_);
  if (!integrity_key.empty()) {
    const std::size_t at = out_.size();
    // The length counts MESSAGE-INTEGRITY itself but not a FINGERPRINT after it.
    store16(out_.data() + 2, static_cast<std::uint16_t>(at - kHeaderSize + 24));
    ZTM_TRY_ASSIGN(const auto mac, internal::hmac_sha1(integrity_key, {out_}));
    add(AttributeType::message_integrity, mac);
  }
  if (fingerprint) {
    store16(out_.data() + 2, static_cast<std::uint16_t>(out_.size() - kHeaderSize + 8));
    const std::uint32_t crc = internal::crc32({out_}) ^ kFingerprintXor;
    std::array<std::uint8_t, 4> v{};
    store32(v.data(), crc);
    add(AttributeType::fingerprint, v);
  }
  if (error_) return tl::unexpected(*error_);
  set_length();
  return std::move(out_);
}

}  // namespace ztm::net::stun
