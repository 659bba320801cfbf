#include "ztm/mls/messages/mls_message.h"

#include "ztm/mls/limits.h"

namespace ztm::mls {

Result<MLSMessage> MLSMessage::decode(ByteView data) {
  if (data.size() > limits::kMaxMessageBytes) {
    return fail(Errc::limit_exceeded, "mls_message.too_large: " + std::to_string(data.size()) +
                                          " bytes exceeds limits::kMaxMessageBytes");
  }
  return tls::decode<MLSMessage>(data);
}

void MLSMessage::tls_encode(tls::Writer& w) const {
  tls::write(w, ProtocolVersion::mls10);
  tls::write(w, wire_format());
  std::visit([&w](const auto& body) { tls::write(w, body); }, value);
}

Result<void> MLSMessage::tls_decode(tls::Reader& r) {
  ProtocolVersion version{};
  ZTM_TRY(tls::read(r, version));
  if (version != ProtocolVersion::mls10) {
    return fail(Errc::invalid_encoding, "mls_message.unsupported_version: version " +
                                            std::to_string(static_cast<unsigned>(version)));
  }
  WireFormat format{};
  ZTM_TRY(tls::read(r, format));
  switch (format) {
    case WireFormat::mls_public_message:
      return tls::read(r, value.emplace<PublicMessage>());
    case WireFormat::mls_private_message:
      return tls::read(r, value.emplace<PrivateMessage>());
    case WireFormat::mls_welcome:
      return tls::read(r, value.emplace<Welcome>());
    case WireFormat::mls_group_info:
      return tls::read(r, value.emplace<GroupInfo>());
    case WireFormat::mls_key_package:
      return tls::read(r, value.emplace<KeyPackage>());
    case WireFormat::reserved:
      break;
  }
  return fail(Errc::invalid_encoding, "mls_message.unknown_wire_format: wire format " +
                                          std::to_string(static_cast<unsigned>(format)));
}

std::size_t MLSMessage::tls_size() const {
  return 4 + std::visit([](const auto& body) { return tls::size_of(body); }, value);
}

}  // namespace ztm::mls
