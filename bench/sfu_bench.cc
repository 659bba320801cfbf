// SFU forwarding cost: one sender's SRTP packets through SfuCore (unprotect once,
// parse, re-protect per receiver) to N receivers, against the raw libsrtp protect and
// unprotect it is made of, measured in the same run. No sockets: this is the CPU
// the SFU spends per packet on its one thread; docs/performance.md § SFU quotes it.
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <map>

#include "ztm/crypto/random.h"
#include "ztm/net/dtls.h"
#include "ztm/net/ice.h"
#include "ztm/net/rtp.h"
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

constexpr std::size_t kPacketSize = 1200;  // a video packet; audio would be ~100 B
constexpr std::size_t kBatch = 2048;       // packets protected ahead, outside timing

// Sink counts what the SFU sends, and keeps handshake datagrams for the clients.
// With a socket, forwarded packets really go out with sendto(2) to `udp_to`.
struct Sink : server::SfuOutput {
  bool capture = true;
  int fd = -1;
  sockaddr_in udp_to{};
  std::map<std::uint16_t, std::deque<Bytes>> inbox;
  std::uint64_t sent = 0;
  bool send(const net::TransportAddress& to, ByteView d) override {
    ++sent;
    if (capture) {
      inbox[to.port].emplace_back(d.begin(), d.end());
    } else if (fd >= 0) {
      (void)::sendto(fd, d.data(), d.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&udp_to),
                     sizeof udp_to);
    }
    return true;
  }
  void on_transport(const server::TransportEvent&) override {}
};

// UdpSinkSocket: a bound loopback socket that receives (and never reads) what the
// benchmark sends, so sendto(2) does the real kernel work; overflow is dropped by the
// kernel at the receive queue, as it would be for a slow receiver.
struct UdpSinkSocket {
  int send_fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  int recv_fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  UdpSinkSocket() {
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof address;
    if (::bind(recv_fd, reinterpret_cast<sockaddr*>(&address), len) != 0 ||
        ::getsockname(recv_fd, reinterpret_cast<sockaddr*>(&address), &len) != 0) {
      std::abort();
    }
  }
  ~UdpSinkSocket() {
    ::close(send_fd);
    ::close(recv_fd);
  }
};

// connect: ICE check and DTLS handshake of one client with the core, in memory;
// returns the client's SRTP session.
net::SrtpSession connect(SfuCore& core, Sink& sink, const std::string& id, std::uint16_t port) {
  const auto address = net::TransportAddress::v4(192, 0, 2, 1, port);
  const auto cert = must(net::DtlsCertificate::generate(id));
  const auto ice = server::generate_ice_credentials();
  const auto answer = must(core.add_peer({{"bench", id}, ice, cert.fingerprint()},
                                         server::generate_ice_credentials(), Clock::now()));
  net::ice::BindingRequestParams check{ice.ufrag, answer.local_ice, 1, true, 7};
  Bytes request = must(net::ice::make_binding_request(check, net::stun::new_transaction_id()));
  core.handle_datagram(address, request, Clock::now());
  auto dtls = must(net::DtlsEndpoint::create(cert, {net::SrtpRole::client, answer.fingerprint}));
  if (!dtls.start(Clock::now())) std::abort();
  for (int round = 0; round < 10 && dtls.state() == net::DtlsState::handshaking; ++round) {
    while (auto d = dtls.pop_datagram()) core.handle_datagram(address, *d, Clock::now());
    for (Bytes& d : sink.inbox[port]) (void)dtls.handle_datagram(d, Clock::now());
    sink.inbox[port].clear();
  }
  auto keys = must(dtls.srtp_keys());
  return must(net::SrtpSession::create(keys.profile, keys.role, keys.keying_material));
}

Bytes rtp_packet(std::uint16_t seq) {
  Bytes packet(kPacketSize + net::kSrtpMaxOverhead, 0x5A);
  net::rtp::Header h;
  h.payload_type = 96;
  h.sequence_number = seq;
  h.timestamp = seq * 3000u;
  h.ssrc = 0xBE11C4;
  h.marker = true;
  (void)net::rtp::write_header(h, packet);
  return packet;
}

// forward_bench: one SRTP packet in from the sender, N SRTP packets out. Items
// are input packets; "out_pkts" is the rate of packets sent to receivers. With
// with_sendto, every forwarded packet also goes through sendto(2) on loopback.
void forward_bench(benchmark::State& state, bool with_sendto) {
  const auto receivers = static_cast<int>(state.range(0));
  Sink sink;
  UdpSinkSocket udp;
  server::SfuCoreConfig config;
  config.candidate = net::TransportAddress::v4(10, 0, 0, 1, 3478);
  const auto sfu_cert = must(net::DtlsCertificate::generate("sfu"));
  auto core = must(SfuCore::create(sfu_cert, config, sink));
  auto sender = connect(*core, sink, "sender", 1000);
  for (int r = 0; r < receivers; ++r) {
    (void)connect(*core, sink, "r" + std::to_string(r), static_cast<std::uint16_t>(2000 + r));
  }
  sink.capture = false;
  if (with_sendto) {
    sink.fd = udp.send_fd;
    sink.udp_to = udp.address;
  }
  const auto sender_address = net::TransportAddress::v4(192, 0, 2, 1, 1000);

  std::vector<Bytes> batch(kBatch);
  std::vector<std::size_t> sizes(kBatch);
  std::uint16_t seq = 0;
  auto refill = [&] {
    for (std::size_t i = 0; i < kBatch; ++i) {
      batch[i] = rtp_packet(seq++);
      sizes[i] = must(sender.protect_rtp(batch[i], kPacketSize)).size();
    }
  };
  refill();
  std::size_t next = 0;
  const std::uint64_t sent_before = sink.sent;
  for (auto _ : state) {
    if (next == kBatch) {
      state.PauseTiming();
      refill();
      next = 0;
      state.ResumeTiming();
    }
    core->handle_datagram(sender_address, MutableByteView(batch[next].data(), sizes[next]),
                          Clock::now());
    ++next;
  }
  if (sink.sent - sent_before != state.iterations() * static_cast<std::uint64_t>(receivers)) {
    state.SkipWithError("the SFU did not forward every packet to every receiver");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["out_pkts"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * receivers, benchmark::Counter::kIsRate);
}
void BM_SfuForward(benchmark::State& state) {
  forward_bench(state, false);
}
BENCHMARK(BM_SfuForward)->Arg(4)->Arg(50)->Unit(benchmark::kMicrosecond);

// BM_SfuForwardSendto/N: the same, plus the kernel's cost of sending each packet
// (what the SFU thread really spends per packet; receive-side syscalls not included).
void BM_SfuForwardSendto(benchmark::State& state) {
  forward_bench(state, true);
}
BENCHMARK(BM_SfuForwardSendto)->Arg(4)->Arg(50)->Unit(benchmark::kMicrosecond);

// BM_SfuBaselineSrtpProtect: the floor per receiver — libsrtp AES-128-GCM protect of
// one 1200-byte packet, with nothing around it.
void BM_SfuBaselineSrtpProtect(benchmark::State& state) {
  const auto profile = net::SrtpProfile::aead_aes_128_gcm;
  auto session = must(
      net::SrtpSession::create(profile, net::SrtpRole::server,
                               crypto::random_secret(net::srtp_keying_material_size(profile))));
  Bytes packet = rtp_packet(0);
  std::uint32_t index = 0;
  for (auto _ : state) {
    net::rtp::Header h;
    h.payload_type = 96;
    h.sequence_number = static_cast<std::uint16_t>(index);
    h.timestamp = index++;
    h.ssrc = 0xBE11C4;
    (void)net::rtp::write_header(h, packet);
    auto r = session.protect_rtp(packet, kPacketSize);
    if (!r) {
      state.SkipWithError("protect failed");
      break;
    }
    benchmark::DoNotOptimize(r->data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_SfuBaselineSrtpProtect);

// BM_SfuBaselineSrtpUnprotect: the floor per input packet — libsrtp unprotect of one
// 1200-byte packet (the SFU does it once, whatever N).
void BM_SfuBaselineSrtpUnprotect(benchmark::State& state) {
  const auto profile = net::SrtpProfile::aead_aes_128_gcm;
  const auto km = crypto::random_secret(net::srtp_keying_material_size(profile));
  auto tx = must(net::SrtpSession::create(profile, net::SrtpRole::client, km));
  auto rx = must(net::SrtpSession::create(profile, net::SrtpRole::server, km));
  std::vector<Bytes> batch(kBatch);
  std::vector<std::size_t> sizes(kBatch);
  std::uint16_t seq = 0;
  auto refill = [&] {
    for (std::size_t i = 0; i < kBatch; ++i) {
      batch[i] = rtp_packet(seq++);
      sizes[i] = must(tx.protect_rtp(batch[i], kPacketSize)).size();
    }
  };
  refill();
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == kBatch) {
      state.PauseTiming();
      refill();
      next = 0;
      state.ResumeTiming();
    }
    auto r = rx.unprotect_rtp(MutableByteView(batch[next].data(), sizes[next]));
    if (!r) {
      state.SkipWithError("unprotect failed");
      break;
    }
    ++next;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_SfuBaselineSrtpUnprotect);

}  // namespace
