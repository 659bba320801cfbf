// Sfu: the SfuCore driven by one Boost.Asio UDP socket on a thread of its own
// (sfu.h). This is the only file of the SFU that sees Asio.
#include "ztm/server/sfu.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <future>
#include <thread>
#include <type_traits>

#include "ztm/net/udp_socket.h"

namespace ztm::server {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

// kDrainBatch: datagrams read without returning to the event loop once one arrived.
constexpr int kDrainBatch = 64;
// kSocketBufferBytes: kernel buffers sized for bursts of video keyframes to many peers.
constexpr int kSocketBufferBytes = 4 << 20;

}  // namespace

struct Sfu::Impl final : SfuOutput {
  asio::io_context io;
  udp::socket socket{io};
  asio::steady_timer timer{io};
  std::unique_ptr<SfuCore> core;
  TransportCallback callback;
  net::TransportAddress local;
  net::CertificateFingerprint fingerprint;
  std::array<std::uint8_t, SfuCore::kMaxDatagramSize + 64> rx{};
  udp::endpoint rx_from;
  std::thread thread;
  bool ipv6_socket = false;

  bool send(const net::TransportAddress& to, ByteView datagram) override {
    boost::system::error_code ec;
    const udp::endpoint destination = net::udp_destination(to, ipv6_socket);
    socket.send_to(asio::buffer(datagram.data(), datagram.size()), destination, 0, ec);
    return !ec;
  }
  void on_transport(const TransportEvent& event) override {
    if (callback) callback(event);
  }

  void handle(std::size_t size) {
    if (size > SfuCore::kMaxDatagramSize) return;  // truncated jumbo: not ours
    core->handle_datagram(net::to_transport_address(rx_from), MutableByteView(rx.data(), size),
                          SfuCore::Clock::now());
  }

  void receive() {
    socket.async_receive_from(asio::buffer(rx), rx_from,
                              [this](const boost::system::error_code& ec, std::size_t n) {
                                if (ec == asio::error::operation_aborted || !socket.is_open()) {
                                  return;
                                }
                                if (!ec) {
                                  handle(n);
                                  drain();
                                }
                                receive();
                              });
  }

  // drain reads what else is queued without a trip through the reactor.
  void drain() {
    for (int i = 0; i < kDrainBatch; ++i) {
      boost::system::error_code ec;
      const std::size_t n = socket.receive_from(asio::buffer(rx), rx_from, 0, ec);
      if (ec) return;
      handle(n);
    }
  }

  void tick() {
    timer.expires_after(SfuCore::kTimerInterval);
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      core->handle_timer(SfuCore::Clock::now());
      tick();
    });
  }

  // run_on runs f on the SFU thread and waits for its result (directly when called
  // from that thread, e.g. from the transport callback).
  template <class F>
  auto run_on(F f) -> std::invoke_result_t<F> {
    if (io.get_executor().running_in_this_thread() || !thread.joinable()) return f();
    std::packaged_task<std::invoke_result_t<F>()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io, [&task] { task(); });
    return result.get();
  }
};

Result<std::unique_ptr<Sfu>> Sfu::create(const SfuConfig& config, TransportCallback on_transport) {
  auto impl = std::make_unique<Impl>();
  impl->callback = std::move(on_transport);
  net::UdpSocketOptions socket_options;
  socket_options.non_blocking = true;  // drain() reads synchronously
  socket_options.buffer_size_bytes = kSocketBufferBytes;
  ZTM_TRY(
      net::open_udp_socket(impl->socket, config.bind_address, config.port, socket_options, "sfu"));
  const udp::endpoint bound = impl->socket.local_endpoint();
  impl->ipv6_socket = bound.protocol() == udp::v6();
  impl->local = net::to_transport_address(bound);

  SfuCoreConfig core_config = config.core;
  core_config.candidate = impl->local;
  if (!config.advertised_address.empty()) {
    boost::system::error_code ec;
    const auto advertised = asio::ip::make_address(config.advertised_address, ec);
    if (ec) {
      return fail(Errc::invalid_argument,
                  "sfu: bad advertised address " + config.advertised_address);
    }
    core_config.candidate = net::to_transport_address(udp::endpoint(advertised, impl->local.port));
  } else if (bound.address().is_unspecified()) {
    return fail(Errc::invalid_argument,
                "sfu: a wildcard bind address needs advertised_address for the candidate");
  }
  net::DtlsCertificate certificate;
  if (config.certificate) {
    certificate = *config.certificate;
  } else {
    ZTM_TRY_ASSIGN(certificate, net::DtlsCertificate::generate("ztmeet-sfu"));
  }
  impl->fingerprint = certificate.fingerprint();
  ZTM_TRY_ASSIGN(impl->core, SfuCore::create(certificate, core_config, *impl));

  impl->receive();
  impl->tick();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<Sfu>(new Sfu(std::move(impl)));
}

Sfu::Sfu(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Sfu::~Sfu() {
  Impl& s = *impl_;
  s.run_on([&s] {
    // Say goodbye (close_notify) to every peer, then stop the loop.
    for (const PeerStats& p : s.core->stats().peers) s.core->remove_peer(p.peer);
    boost::system::error_code ec;
    s.timer.cancel();
    s.socket.close(ec);
    s.io.stop();
  });
  if (s.thread.joinable()) s.thread.join();
}

Result<PeerAnswer> Sfu::add_peer(const PeerOffer& offer) {
  return impl_->run_on([this, &offer]() -> Result<PeerAnswer> {
    // A fresh ufrag collides with a live one with probability 2^-48 per pair; retry.
    for (int attempt = 0; attempt < 4; ++attempt) {
      auto answer = impl_->core->add_peer(offer, generate_ice_credentials(), SfuCore::Clock::now());
      if (answer || answer.error().message != SfuCore::kUfragInUse) return answer;
    }
    return fail(Errc::crypto_failure, "sfu: could not draw an unused ICE ufrag");
  });
}

bool Sfu::remove_peer(const PeerKey& peer) {
  return impl_->run_on([this, &peer] { return impl_->core->remove_peer(peer); });
}

bool Sfu::request_keyframe(const PeerKey& from) {
  return impl_->run_on(
      [this, &from] { return impl_->core->request_keyframe(from, SfuCore::Clock::now()); });
}

SfuStats Sfu::stats() const {
  return impl_->run_on([this] { return impl_->core->stats(); });
}

const net::TransportAddress& Sfu::local_address() const {
  return impl_->local;
}

const net::CertificateFingerprint& Sfu::fingerprint() const {
  return impl_->fingerprint;
}

}  // namespace ztm::server
