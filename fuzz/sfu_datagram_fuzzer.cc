// Fuzzes the SFU's receive path: arbitrary datagrams into SfuCore::handle_datagram
// from a participant's verified address (and from a stranger's), with two peers of
// one meeting connected through real DTLS handshakes done once at start-up. To reach
// past SRTP authentication, the first byte can ask for the rest to be protected
// with the participant's own SRTP session first, so the RTP/RTCP parsing, SSRC
// bookkeeping, Dependency Descriptor reading and forwarding see hostile clear
// packets. The last mode feeds parse_transport_address. Nothing may crash, and one
// datagram may make the SFU send at most one datagram per RTCP packet it carried
// (or one forwarded RTP packet plus one keyframe request).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <string_view>

#include "ztm/net/media_link.h"
#include "ztm/net/rtcp.h"
#include "ztm/net/srtp.h"
#include "ztm/net/stun.h"
#include "ztm/server/sfu_core.h"

namespace {

using namespace ztm;
using ztm::server::SfuCore;
using Clock = SfuCore::Clock;

template <class T>
T must(Result<T> r) {
  if (!r) std::abort();
  return std::move(*r);
}

struct Sink : server::SfuOutput {
  std::map<std::uint16_t, std::deque<Bytes>> inbox;
  std::size_t sent = 0;
  bool send(const net::TransportAddress& to, ByteView d) override {
    ++sent;
    auto& q = inbox[to.port];
    q.emplace_back(d.begin(), d.end());
    if (q.size() > 64) q.pop_front();
    return true;
  }
  void on_transport(const server::TransportEvent&) override {}
};

struct World {
  Sink sink;
  net::DtlsCertificate sfu_cert = must(net::DtlsCertificate::generate("sfu"));
  std::unique_ptr<SfuCore> core;
  std::optional<net::SrtpSession> alice;
  net::TransportAddress alice_address = net::TransportAddress::v4(192, 0, 2, 1, 1000);

  World() {
    server::SfuCoreConfig config;
    config.candidate = net::TransportAddress::v4(10, 0, 0, 1, 3478);
    core = must(SfuCore::create(sfu_cert, config, sink));
    alice.emplace(connect("alice", alice_address));
    (void)connect("bob", net::TransportAddress::v4(192, 0, 2, 1, 1001));
  }

  net::SrtpSession connect(const std::string& id, const net::TransportAddress& address) {
    const auto cert = must(net::DtlsCertificate::generate(id));
    const auto ice = server::generate_ice_credentials();
    const auto answer = must(core->add_peer({{"m", id}, ice, cert.fingerprint()},
                                            server::generate_ice_credentials(), Clock::now()));
    net::ice::BindingRequestParams check{ice.ufrag, answer.local_ice, 1, true, 7};
    Bytes request = must(net::ice::make_binding_request(check, net::stun::new_transaction_id()));
    core->handle_datagram(address, request, Clock::now());
    auto dtls = must(net::DtlsEndpoint::create(cert, {net::SrtpRole::client, answer.fingerprint}));
    if (!dtls.start(Clock::now())) std::abort();
    for (int round = 0; round < 10 && dtls.state() == net::DtlsState::handshaking; ++round) {
      while (auto d = dtls.pop_datagram()) core->handle_datagram(address, *d, Clock::now());
      for (Bytes& d : sink.inbox[address.port]) (void)dtls.handle_datagram(d, Clock::now());
      sink.inbox[address.port].clear();
    }
    auto keys = must(dtls.srtp_keys());
    return must(net::SrtpSession::create(keys.profile, keys.role, keys.keying_material));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  if (size < 1 || size > SfuCore::kMaxDatagramSize) return 0;
  const std::uint8_t mode = data[0] % 5;
  Bytes buf(data + 1, data + size);
  buf.resize(buf.size() + net::kSrtcpMaxOverhead);
  std::size_t length = size - 1;
  net::TransportAddress source = world.alice_address;
  switch (mode) {
    case 0:
      break;  // raw datagram from alice's verified address
    case 1:
      source.port = 4242;
      break;  // raw datagram from a stranger
    case 2: {
      auto sealed = world.alice->protect_rtp(buf, length);
      if (!sealed) return 0;
      length = sealed->size();
      break;
    }
    case 3: {
      auto sealed = world.alice->protect_rtcp(buf, length);
      if (!sealed) return 0;
      length = sealed->size();
      break;
    }
    default: {
      auto parsed = net::parse_transport_address(
          std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
      if (parsed && net::parse_transport_address(parsed->to_string()).value() != *parsed) {
        std::abort();
      }
      return 0;
    }
  }
  const std::size_t before = world.sink.sent;
  world.core->handle_datagram(source, MutableByteView(buf.data(), length), Clock::now());
  if (world.sink.sent - before > net::rtcp::kMaxPackets) std::abort();
  return 0;
}
