// MediaLink on Boost.Asio: one UDP socket and one thread (media_link.h). With the
// socket helpers of udp_socket.cc, the only file of ztm_net that sees Asio.
#include "ztm/net/media_link.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <type_traits>

#include "ztm/crypto/random.h"
#include "ztm/net/demux.h"
#include "ztm/net/srtp.h"
#include "ztm/net/stun.h"
#include "ztm/net/udp_socket.h"

namespace ztm::net {

namespace asio = boost::asio;
using asio::ip::udp;
using Clock = std::chrono::steady_clock;

std::string_view link_state_name(LinkState state) {
  switch (state) {
    case LinkState::idle:
      return "idle";
    case LinkState::connecting:
      return "connecting";
    case LinkState::connected:
      return "connected";
    case LinkState::failed:
      return "failed";
    case LinkState::closed:
      return "closed";
  }
  return "unknown";
}

namespace {

std::string random_ice_string(std::size_t length) {
  static constexpr std::string_view kIceChars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const Bytes r = crypto::random_bytes(length);
  std::string s(length, 'A');
  for (std::size_t i = 0; i < length; ++i) s[i] = kIceChars[r[i] & 0x3F];
  return s;
}

// RFC 8445 §5.1.2.1 priority of the peer-reflexive candidate a check announces:
// type preference 110, local preference 65535, component 1.
constexpr std::uint32_t kCheckPriority = (110u << 24) | (65535u << 8) | (256u - 1u);
// kPendingChecks: transactions remembered for matching answers (a few are in
// flight while the first answer is on its way).
constexpr std::size_t kPendingChecks = 8;
// RFC 7675 §5.1: consent is lost 30 s after the last answered check.
constexpr std::chrono::seconds kConsentTimeout{30};
constexpr std::chrono::milliseconds kTick{20};
// kMaxReceivedSize: the largest datagram accepted (the SFU forwards up to 1500 bytes
// of other senders' RTP, plus the SRTCP index and tag).
constexpr std::size_t kMaxReceivedSize = 1500 + kSrtcpMaxOverhead;

}  // namespace

struct MediaLink::Impl {
  MediaLinkConfig config;
  Callbacks callbacks;
  MediaLinkLocal local;
  DtlsCertificate certificate;
  TransportAddress local_address;

  asio::io_context io;
  udp::socket socket{io};
  asio::steady_timer timer{io};
  std::thread thread;
  std::array<std::uint8_t, 2048> rx{};
  udp::endpoint rx_from;
  std::array<std::uint8_t, kMaxPacketSize + kSrtcpMaxOverhead> tx{};

  // Everything below is touched on the link thread only, except `state` and the
  // counters, which other threads read.
  std::atomic<LinkState> state{LinkState::idle};
  mutable std::mutex stats_mutex;
  MediaLinkStats counters;

  std::optional<MediaLinkRemote> remote;
  udp::endpoint remote_endpoint;
  std::uint64_t tiebreaker = 0;
  std::array<stun::TransactionId, kPendingChecks> pending{};
  std::size_t pending_next = 0;
  bool ice_answered = false;
  Clock::time_point started{};
  Clock::time_point last_check_sent{};
  Clock::time_point last_answer{};
  std::optional<DtlsEndpoint> dtls;
  std::optional<SrtpSession> srtp;

  template <class F>
  void count(F f) {
    std::lock_guard lock(stats_mutex);
    f(counters);
  }

  void set_state(LinkState s, const std::string& reason) {
    const LinkState old = state.exchange(s);
    if (old != s && callbacks.on_state) callbacks.on_state(s, reason);
  }

  void fail_link(const std::string& reason) {
    srtp.reset();
    set_state(LinkState::failed, reason);
  }

  bool send(ByteView datagram) {
    boost::system::error_code ec;
    socket.send_to(asio::buffer(datagram.data(), datagram.size()), remote_endpoint, 0, ec);
    if (ec) count([](MediaLinkStats& c) { ++c.send_errors; });
    return !ec;
  }

  void flush_dtls() {
    if (!dtls) return;
    while (auto d = dtls->pop_datagram()) send(*d);
  }

  void send_check(Clock::time_point now) {
    ice::BindingRequestParams params;
    params.local_ufrag = local.ice.ufrag;
    params.remote = remote->ice;
    params.priority = kCheckPriority;
    params.use_candidate = true;  // aggressive nomination: a single pair exists
    params.tiebreaker = tiebreaker;
    const auto txid = stun::new_transaction_id();
    auto request = ice::make_binding_request(params, txid);
    if (!request) return;
    pending[pending_next] = txid;
    pending_next = (pending_next + 1) % kPendingChecks;
    last_check_sent = now;
    send(*request);
  }

  void handle_stun(ByteView datagram, Clock::time_point now) {
    auto msg = stun::Message::parse(datagram);
    if (!msg) return drop();
    const auto& txid = msg->transaction_id();
    if (std::find(pending.begin(), pending.end(), txid) == pending.end()) return drop();
    if (!ice::check_binding_response(datagram, txid, remote->ice.pwd)) return drop();
    last_answer = now;
    if (ice_answered) return;
    ice_answered = true;
    // The pair works: start DTLS as the client (the SFU is a=setup:passive).
    auto started_dtls = dtls->start(now);
    flush_dtls();
    if (!started_dtls) fail_link(started_dtls.error().what());
  }

  void after_dtls() {
    flush_dtls();
    switch (dtls->state()) {
      case DtlsState::handshaking:
        return;
      case DtlsState::failed:
        fail_link("dtls: " + dtls->failure());
        return;
      case DtlsState::closed:
        srtp.reset();
        set_state(LinkState::closed, "the SFU closed the DTLS association");
        return;
      case DtlsState::connected:
        break;
    }
    if (srtp) return;
    auto keys = dtls->srtp_keys();
    if (!keys) return fail_link(keys.error().what());
    auto session = SrtpSession::create(keys->profile, keys->role, keys->keying_material);
    if (!session) return fail_link(session.error().what());
    srtp.emplace(std::move(*session));
    set_state(LinkState::connected, {});
  }

  void drop() {
    count([](MediaLinkStats& c) { ++c.dropped; });
  }

  void handle(std::size_t size) {
    const Clock::time_point now = Clock::now();
    const LinkState s = state.load();
    if (!remote || s == LinkState::failed || s == LinkState::closed) return drop();
    if (rx_from != remote_endpoint) return drop();  // only the SFU's candidate speaks
    MutableByteView datagram(rx.data(), size);
    switch (classify(datagram)) {
      case PacketKind::stun:
        return handle_stun(datagram, now);
      case PacketKind::dtls:
        if (!ice_answered) return drop();
        if (!dtls->handle_datagram(datagram, now)) drop();
        return after_dtls();
      case PacketKind::rtp: {
        if (!srtp) return drop();
        auto clear = srtp->unprotect_rtp(datagram);
        if (!clear) return drop();
        count([&](MediaLinkStats& c) {
          ++c.rtp_packets_received;
          c.rtp_bytes_received += size;
        });
        if (callbacks.on_rtp) callbacks.on_rtp(*clear);
        return;
      }
      case PacketKind::rtcp: {
        if (!srtp) return drop();
        auto clear = srtp->unprotect_rtcp(datagram);
        if (!clear) return drop();
        count([](MediaLinkStats& c) { ++c.rtcp_packets_received; });
        if (callbacks.on_rtcp) callbacks.on_rtcp(*clear);
        return;
      }
      default:
        return drop();
    }
  }

  void receive() {
    socket.async_receive_from(asio::buffer(rx), rx_from,
                              [this](const boost::system::error_code& ec, std::size_t n) {
                                if (ec == asio::error::operation_aborted || !socket.is_open()) {
                                  return;
                                }
                                if (!ec && n <= kMaxReceivedSize) handle(n);
                                receive();
                              });
  }

  void on_tick() {
    const Clock::time_point now = Clock::now();
    const LinkState s = state.load();
    if (s == LinkState::connecting || s == LinkState::connected) {
      const auto interval = ice_answered ? config.consent_interval : config.check_interval;
      if (now - last_check_sent >= interval) send_check(now);
      if (dtls && ice_answered && dtls->state() == DtlsState::handshaking) {
        if (!dtls->handle_timeout(now)) drop();
        after_dtls();
      }
      if (state.load() == LinkState::connecting && now - started > config.connect_timeout) {
        fail_link(ice_answered ? "dtls: handshake did not finish in time"
                               : "ice: the SFU did not answer connectivity checks");
      } else if (ice_answered && now - last_answer > kConsentTimeout) {
        fail_link("ice: consent expired");  // RFC 7675 §5.1
      }
    }
    timer.expires_after(kTick);
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) on_tick();
    });
  }

  Result<void> send_protected(ByteView packet, bool rtcp) {
    if (state.load() != LinkState::connected) {
      return fail(Errc::invalid_state, "media link: not connected");
    }
    if (packet.size() > kMaxPacketSize) {
      return fail(Errc::length_too_large, "media link: packet larger than kMaxPacketSize");
    }
    if (packet.size() < (rtcp ? 8u : 12u)) {
      return fail(Errc::invalid_argument, "media link: packet shorter than its header");
    }
    // The packet is copied into the closure: the caller's buffer is free on return.
    asio::post(io, [this, copy = Bytes(packet.begin(), packet.end()), rtcp] {
      if (!srtp) return;
      std::copy(copy.begin(), copy.end(), tx.begin());
      auto sealed = rtcp ? srtp->protect_rtcp(tx, copy.size()) : srtp->protect_rtp(tx, copy.size());
      if (!sealed) {
        count([](MediaLinkStats& c) { ++c.send_errors; });
        return;
      }
      if (!send(*sealed)) return;
      count([&](MediaLinkStats& c) {
        if (rtcp) {
          ++c.rtcp_packets_sent;
        } else {
          ++c.rtp_packets_sent;
          c.rtp_bytes_sent += sealed->size();
        }
      });
    });
    return ok();
  }

  void do_close() {
    if (dtls && dtls->state() == DtlsState::connected) {
      dtls->close();
      flush_dtls();
    }
    srtp.reset();
    const LinkState s = state.load();
    if (s != LinkState::failed && s != LinkState::closed) set_state(LinkState::closed, "closed");
  }

  template <class F>
  auto run_on(F f) -> std::invoke_result_t<F> {
    if (io.get_executor().running_in_this_thread() || !thread.joinable()) return f();
    std::packaged_task<std::invoke_result_t<F>()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io, [&task] { task(); });
    return result.get();
  }
};

Result<std::unique_ptr<MediaLink>> MediaLink::create(const MediaLinkConfig& config,
                                                     Callbacks callbacks) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->callbacks = std::move(callbacks);
  if (config.certificate) {
    impl->certificate = *config.certificate;
  } else {
    ZTM_TRY_ASSIGN(impl->certificate, DtlsCertificate::generate("ztmeet-participant"));
  }
  impl->local.ice = {random_ice_string(8), random_ice_string(24)};
  impl->local.fingerprint = impl->certificate.fingerprint();
  ZTM_TRY(open_udp_socket(impl->socket, config.bind_address, config.port, {}, "media link"));
  impl->local_address = to_transport_address(impl->socket.local_endpoint());
  Bytes tb = crypto::random_bytes(8);
  for (std::uint8_t b : tb) impl->tiebreaker = (impl->tiebreaker << 8) | b;

  impl->receive();
  impl->on_tick();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<MediaLink>(new MediaLink(std::move(impl)));
}

MediaLink::MediaLink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MediaLink::~MediaLink() {
  Impl& s = *impl_;
  s.run_on([&s] {
    s.do_close();
    boost::system::error_code ec;
    s.timer.cancel();
    s.socket.close(ec);
    s.io.stop();
  });
  if (s.thread.joinable()) s.thread.join();
}

const MediaLinkLocal& MediaLink::local() const {
  return impl_->local;
}

const TransportAddress& MediaLink::local_address() const {
  return impl_->local_address;
}

Result<void> MediaLink::connect(const MediaLinkRemote& remote) {
  return impl_->run_on([this, &remote]() -> Result<void> {
    Impl& s = *impl_;
    if (s.remote || s.state.load() != LinkState::idle) {
      return fail(Errc::invalid_state, "media link: connect called twice");
    }
    DtlsConfig dtls_config;
    dtls_config.role = SrtpRole::client;
    dtls_config.remote_fingerprint = remote.fingerprint;
    ZTM_TRY_ASSIGN(auto endpoint, DtlsEndpoint::create(s.certificate, dtls_config));
    s.dtls.emplace(std::move(endpoint));
    s.remote = remote;
    s.remote_endpoint =
        udp_destination(remote.candidate, s.socket.local_endpoint().protocol() == udp::v6());
    s.started = Clock::now();
    s.set_state(LinkState::connecting, {});
    s.send_check(s.started);
    return ok();
  });
}

Result<void> MediaLink::send_rtp(ByteView rtp_packet) {
  return impl_->send_protected(rtp_packet, false);
}

Result<void> MediaLink::send_rtcp(ByteView rtcp_packet) {
  return impl_->send_protected(rtcp_packet, true);
}

void MediaLink::close() {
  impl_->run_on([this] { impl_->do_close(); });
}

LinkState MediaLink::state() const {
  return impl_->state.load();
}

MediaLinkStats MediaLink::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->counters;
}

Result<TransportAddress> parse_transport_address(std::string_view text) {
  // "[v6]:port" or "v4:port": the port follows the last colon.
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 >= text.size() || text.size() > 64) {
    return fail(Errc::invalid_encoding, "address: expected ip:port");
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  std::uint32_t port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || port_text.size() > 5) {
      return fail(Errc::invalid_encoding, "address: bad port");
    }
    port = port * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (port == 0 || port > 65535) return fail(Errc::invalid_encoding, "address: port out of range");
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(std::string(host), ec);
  if (ec || ip.is_v6() != bracketed) return fail(Errc::invalid_encoding, "address: bad IP");
  return to_transport_address(udp::endpoint(ip, static_cast<std::uint16_t>(port)));
}

}  // namespace ztm::net
