// MLSMessage (RFC 9420 §6): the envelope of everything MLS sends.
#pragma once

#include <cstddef>
#include <variant>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/tls_codec.h"
#include "ztm/mls/messages/framed_content.h"
#include "ztm/mls/messages/key_package.h"
#include "ztm/mls/messages/types.h"
#include "ztm/mls/messages/welcome.h"

namespace ztm::mls {

// struct {
//     ProtocolVersion version = mls10;
//     WireFormat wire_format;
//     select (MLSMessage.wire_format) {
//         case mls_public_message:  PublicMessage public_message;
//         case mls_private_message: PrivateMessage private_message;
//         case mls_welcome:         Welcome welcome;
//         case mls_group_info:      GroupInfo group_info;
//         case mls_key_package:     KeyPackage key_package;
//     };
// } MLSMessage;   (RFC 9420 §6)
// A version other than mls10, or a wire format outside 1..5, is invalid_encoding.
struct MLSMessage {
  std::variant<PublicMessage, PrivateMessage, Welcome, GroupInfo, KeyPackage> value;

  WireFormat wire_format() const { return static_cast<WireFormat>(value.index() + 1); }

  // decode parses one message, first checking limits::kMaxMessageBytes.
  static Result<MLSMessage> decode(ByteView data);
  Bytes encode() const { return tls::encode(*this); }

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const MLSMessage&) const = default;
};

}  // namespace ztm::mls
