// Fuzzes the STUN parser and the ICE-lite responder on untrusted datagrams.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ztm/net/ice.h"
#include "ztm/net/stun.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ztm;
  using namespace ztm::net;
  const ByteView input(data, size);
  auto m = stun::Message::parse(input);
  if (m) {
    if (m->attributes().size() > stun::kMaxAttributes) std::abort();
    (void)m->username();
    (void)m->xor_mapped_address();
    (void)m->priority();
    (void)m->ice_controlling();
    (void)m->ice_controlled();
    (void)m->error_code();
    (void)m->verify_fingerprint();
    (void)m->verify_message_integrity(as_bytes("VOkJxbRl1RmTxUk/WvJxBt"));
    for (const auto& a : m->attributes()) {
      if (a.value.data() < data || a.value.data() + a.value.size() > data + size) std::abort();
    }
  }
  const ice::IceCredentials local{"evtj", "VOkJxbRl1RmTxUk/WvJxBt"};
  auto answer = ice::answer_binding_request(input, TransportAddress::v4(192, 0, 2, 1, 3478), local);
  if (answer) {
    // Whatever we send back must itself be a valid STUN message.
    auto reply = stun::Message::parse(answer->response);
    if (!reply || !reply->verify_fingerprint()) std::abort();
  }
  return 0;
}
