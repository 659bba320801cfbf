// Fuzzes the MLS wire-struct decoders (src/mls/messages/). The first input byte
// picks the structure; the rest is decoded as it. Whatever decodes must re-encode to
// exactly the input and report exactly its size: decoding is strict, so a value has
// one encoding.
#include <cstdint>
#include <cstdlib>

#include "ztm/mls/messages/messages.h"

namespace {

using ztm::Bytes;
using ztm::ByteView;

template <class T>
void round_trip(ByteView data) {
  auto value = ztm::tls::decode<T>(data);
  if (!value) return;
  if (ztm::tls::size_of(*value) != data.size()) std::abort();
  const Bytes again = ztm::tls::encode(*value);
  if (again.size() != data.size() || !ztm::equal(again, data)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView body(data + 1, size - 1);
  switch (data[0] % 8) {
    case 0: {
      round_trip<ztm::mls::MLSMessage>(body);
      // MLSMessage::decode (size limit first) must agree with the plain decoder.
      auto message = ztm::mls::MLSMessage::decode(body);
      if (message && !ztm::equal(message->encode(), body)) std::abort();
      break;
    }
    case 1:
      round_trip<ztm::mls::Commit>(body);
      break;
    case 2:
      round_trip<ztm::mls::Proposal>(body);
      break;
    case 3:
      round_trip<ztm::mls::GroupSecrets>(body);
      break;
    case 4:
      round_trip<ztm::mls::LeafNode>(body);
      break;
    case 5:
      round_trip<ztm::mls::UpdatePath>(body);
      break;
    case 6:
      round_trip<ztm::mls::AuthenticatedContent>(body);
      break;
    default:
      for (auto type : {ztm::mls::ContentType::application, ztm::mls::ContentType::proposal,
                        ztm::mls::ContentType::commit}) {
        auto content = ztm::mls::PrivateMessageContent::decode(body, type);
        if (content && !ztm::equal(content->encode(), body)) std::abort();
      }
      break;
  }
  return 0;
}
