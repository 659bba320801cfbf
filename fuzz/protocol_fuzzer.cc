// Fuzzes the signaling protocol codec (src/meeting/protocol/protocol.cc): any frame
// decodes to a typed error or a message; a message that decodes re-encodes to JSON
// that decodes to the same message (the codec is its own inverse on its image).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ztm/meeting/protocol.h"

namespace protocol = ztm::meeting::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto client = protocol::decode_client_message(text)) {
    const std::string again = protocol::encode(*client);
    auto twice = protocol::decode_client_message(again);
    if (!twice || protocol::encode(*twice) != again) std::abort();
  }
  if (auto server = protocol::decode_server_message(text)) {
    const std::string again = protocol::encode(*server);
    auto twice = protocol::decode_server_message(again);
    if (!twice || protocol::encode(*twice) != again) std::abort();
  }
  return 0;
}
