// SfuCore: demultiplexing, ICE-lite, DTLS-SRTP and forwarding for every peer of
// every meeting, on one thread, without I/O (sfu_core.h, docs/sfu.md).
#include "ztm/server/sfu_core.h"

#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ztm/net/demux.h"
#include "ztm/net/dependency_descriptor.h"
#include "ztm/net/ice_lite_session.h"
#include "ztm/net/rtcp.h"
#include "ztm/net/rtp.h"
#include "ztm/net/srtp.h"
#include "ztm/net/stun.h"

namespace ztm::server {

namespace {

using Clock = SfuCore::Clock;
using net::TransportAddress;

// kPliInterval: the least time between two keyframe requests the SFU itself sends
// for one stream, so a burst of waiting receivers costs the sender one keyframe.
constexpr std::chrono::milliseconds kPliInterval{300};

struct AddressHash {
  std::size_t operator()(const TransportAddress& a) const noexcept {
    std::size_t h = static_cast<std::size_t>(a.family) * 1000003u ^ a.port;
    for (std::size_t i = 0; i < a.ip_size(); ++i) h = h * 131 + a.ip[i];
    return h;
  }
};

// Stream is one media SSRC a peer sends.
struct Stream {
  std::uint32_t ssrc = 0;
  bool video = false;  // carries a Dependency Descriptor: forwarded from keyframes on
  std::optional<Clock::time_point> last_pli;
};

struct Meeting;

struct Peer {
  PeerKey key;
  Meeting* meeting = nullptr;
  net::ice::IceCredentials local_ice;
  net::ice::IceLiteSession ice;
  net::DtlsEndpoint dtls;
  std::optional<net::SrtpSession> srtp;
  TransportState state = TransportState::connecting;
  Clock::time_point added{};
  // dtls_address: where the peer's DTLS came from; handshake replies go there.
  std::optional<TransportAddress> dtls_address;
  // addresses: every source ICE verified for this peer (keys of by_address).
  std::vector<TransportAddress> addresses;
  std::vector<Stream> streams;
  // started: video SSRCs of other peers this receiver has had a keyframe of.
  std::vector<std::uint32_t> started;
  PeerStats stats;

  Peer(PeerKey k, net::ice::IceCredentials local, std::string remote_ufrag,
       net::DtlsEndpoint endpoint)
      : key(std::move(k)),
        local_ice(local),
        ice(std::move(local), std::move(remote_ufrag)),
        dtls(std::move(endpoint)) {}

  Stream* stream(std::uint32_t ssrc) {
    for (Stream& s : streams) {
      if (s.ssrc == ssrc) return &s;
    }
    return nullptr;
  }
  bool has_started(std::uint32_t ssrc) const {
    return std::find(started.begin(), started.end(), ssrc) != started.end();
  }
};

struct Meeting {
  std::vector<Peer*> peers;
  std::unordered_map<std::uint32_t, Peer*> ssrc_owner;
};

}  // namespace

struct SfuCore::Impl {
  net::DtlsCertificate certificate;
  SfuCoreConfig config;
  SfuOutput& output;

  std::map<std::pair<std::string, std::string>, std::unique_ptr<Peer>> peers;
  std::unordered_map<std::string, Peer*> by_ufrag;
  std::unordered_map<TransportAddress, Peer*, AddressHash> by_address;
  std::unordered_map<std::string, Meeting> meetings;

  DropCounters drops{};
  std::uint64_t datagrams_in = 0;
  std::uint64_t datagrams_out = 0;
  std::vector<TransportEvent> pending_events;
  // scratch holds one packet being re-protected for a receiver: no allocation per
  // forwarded packet.
  std::array<std::uint8_t, kMaxDatagramSize + net::kSrtcpMaxOverhead> scratch{};

  Impl(net::DtlsCertificate cert, const SfuCoreConfig& c, SfuOutput& out)
      : certificate(std::move(cert)), config(c), output(out) {}

  void drop(DropReason reason, Peer* peer = nullptr) {
    ++drops[static_cast<std::size_t>(reason)];
    if (peer != nullptr) ++peer->stats.drops[static_cast<std::size_t>(reason)];
  }

  // flush_events reports state changes after the work that caused them is done, so
  // a callback may call back into the core (remove_peer) safely.
  void flush_events() {
    while (!pending_events.empty()) {
      std::vector<TransportEvent> events;
      events.swap(pending_events);
      for (const TransportEvent& e : events) output.on_transport(e);
    }
  }

  void set_state(Peer& p, TransportState s, std::string reason) {
    if (p.state == s) return;
    p.state = s;
    p.stats.state = s;
    pending_events.push_back({p.key, s, std::move(reason)});
  }

  bool send(const TransportAddress& to, ByteView datagram) {
    if (!output.send(to, datagram)) {
      drop(DropReason::send_failed);
      return false;
    }
    ++datagrams_out;
    return true;
  }

  void flush_dtls(Peer& p) {
    while (auto d = p.dtls.pop_datagram()) {
      if (p.dtls_address) send(*p.dtls_address, *d);
    }
  }

  // after_dtls moves the peer on when its handshake finished or failed.
  void after_dtls(Peer& p, Clock::time_point now) {
    flush_dtls(p);
    if (p.state != TransportState::connecting) {
      if (p.dtls.state() == net::DtlsState::closed && p.state == TransportState::connected) {
        p.srtp.reset();
        set_state(p, TransportState::closed, "peer closed the DTLS association");
      }
      return;
    }
    switch (p.dtls.state()) {
      case net::DtlsState::handshaking:
        return;
      case net::DtlsState::failed:
        set_state(p, TransportState::failed, p.dtls.failure());
        return;
      case net::DtlsState::closed:
        set_state(p, TransportState::closed, "peer closed the DTLS association");
        return;
      case net::DtlsState::connected:
        break;
    }
    auto keys = p.dtls.srtp_keys();
    if (!keys) {
      set_state(p, TransportState::failed, keys.error().what());
      return;
    }
    auto session = net::SrtpSession::create(keys->profile, keys->role, keys->keying_material);
    if (!session) {
      set_state(p, TransportState::failed, session.error().what());
      return;
    }
    p.srtp.emplace(std::move(*session));
    set_state(p, TransportState::connected, {});
    // The newcomer needs a keyframe of every video stream already flowing.
    for (Peer* sender : p.meeting->peers) {
      if (sender == &p) continue;
      for (Stream& s : sender->streams) {
        if (s.video) send_pli(*sender, s, now);
      }
    }
  }

  // usable_receiver: connected, with a nominated address whose consent holds.
  static std::optional<TransportAddress> route(const Peer& p, Clock::time_point now) {
    if (p.state != TransportState::connected || !p.srtp) return std::nullopt;
    return p.ice.selected(now);
  }

  // send_rtcp_to protects `packet` (one RTCP packet or compound) for p and sends it.
  bool send_rtcp_to(Peer& p, ByteView packet, Clock::time_point now) {
    auto to = route(p, now);
    if (!to) return false;
    if (packet.size() > kMaxDatagramSize) {
      drop(DropReason::protect_failed, &p);
      return false;
    }
    std::copy(packet.begin(), packet.end(), scratch.begin());
    auto sealed = p.srtp->protect_rtcp(scratch, packet.size());
    if (!sealed) {
      drop(DropReason::protect_failed, &p);
      return false;
    }
    if (!send(*to, *sealed)) {
      ++p.stats.drops[static_cast<std::size_t>(DropReason::send_failed)];
      return false;
    }
    ++p.stats.rtcp_packets_out;
    p.stats.rtcp_bytes_out += sealed->size();
    return true;
  }

  bool send_pli(Peer& sender, Stream& s, Clock::time_point now) {
    if (s.last_pli && now - *s.last_pli < kPliInterval) return false;
    std::array<std::uint8_t, 12> pli{};
    auto written = net::rtcp::write_pli(kSfuSsrc, s.ssrc, pli);
    if (!written) return false;
    if (!send_rtcp_to(sender, *written, now)) return false;
    s.last_pli = now;
    ++sender.stats.keyframe_requests_out;
    return true;
  }

  Peer* verified_peer(const TransportAddress& source, Clock::time_point now) {
    auto it = by_address.find(source);
    if (it == by_address.end() || !it->second->ice.is_verified(source, now)) {
      drop(DropReason::unknown_source);
      return nullptr;
    }
    return it->second;
  }

  void handle_stun(const TransportAddress& source, ByteView datagram, Clock::time_point now) {
    auto msg = net::stun::Message::parse(datagram);
    if (!msg || msg->message_class() != net::stun::MessageClass::request ||
        msg->method() != net::stun::kBindingMethod) {
      drop(DropReason::stun_malformed);
      return;
    }
    // RFC 8445 §7.2.2: USERNAME is "<ufrag of the receiver>:<ufrag of the sender>";
    // our half names the peer. No USERNAME means no authentication either.
    auto username = msg->username();
    if (!username) {
      drop(DropReason::stun_bad_integrity);
      return;
    }
    const auto colon = username->find(':');
    const std::string local_ufrag(username->substr(0, colon));
    auto it = by_ufrag.find(local_ufrag);
    if (colon == std::string_view::npos || it == by_ufrag.end()) {
      drop(DropReason::stun_unknown_ufrag);
      return;
    }
    Peer& p = *it->second;
    // An unauthenticated check gets no answer at all: nothing is learned from it and
    // nothing is reflected to a sender that cannot prove it holds the password.
    if (!msg->verify_message_integrity(as_bytes(p.local_ice.pwd))) {
      drop(DropReason::stun_bad_integrity, &p);
      return;
    }
    auto response = p.ice.handle_stun(datagram, source, now);
    if (!response) {
      drop(DropReason::stun_rejected, &p);
      return;
    }
    send(source, *response);
    if (p.ice.is_verified(source, now)) {
      auto [slot, inserted] = by_address.try_emplace(source, &p);
      if (!inserted && slot->second != &p) {
        // The address moved to another peer (a reused port): the latest proof wins.
        Peer* old = slot->second;
        old->addresses.erase(std::remove(old->addresses.begin(), old->addresses.end(), source),
                             old->addresses.end());
        slot->second = &p;
      }
      if (std::find(p.addresses.begin(), p.addresses.end(), source) == p.addresses.end()) {
        // Forget addresses ICE no longer vouches for, so the table stays bounded by
        // IceLiteSession::kMaxRemoteAddresses per peer.
        std::erase_if(p.addresses, [&](const TransportAddress& a) {
          if (p.ice.is_verified(a, now)) return false;
          auto it = by_address.find(a);
          if (it != by_address.end() && it->second == &p) by_address.erase(it);
          return true;
        });
        p.addresses.push_back(source);
      }
      if (auto sel = p.ice.selected(now)) p.stats.selected = *sel;
    }
  }

  void handle_dtls(const TransportAddress& source, ByteView datagram, Clock::time_point now) {
    Peer* p = verified_peer(source, now);
    if (p == nullptr) return;
    if (p->state == TransportState::failed || p->state == TransportState::closed) {
      drop(DropReason::dtls_error, p);
      return;
    }
    p->dtls_address = source;
    if (!p->dtls.handle_datagram(datagram, now)) drop(DropReason::dtls_error, p);
    after_dtls(*p, now);
  }

  static DropReason srtp_drop(const Error& e) {
    return e.code == Errc::replay ? DropReason::srtp_replay : DropReason::srtp_auth_failed;
  }

  void handle_rtp(const TransportAddress& source, MutableByteView datagram, Clock::time_point now) {
    Peer* p = verified_peer(source, now);
    if (p == nullptr) return;
    if (p->state != TransportState::connected || !p->srtp) {
      drop(DropReason::not_connected, p);
      return;
    }
    auto clear = p->srtp->unprotect_rtp(datagram);
    if (!clear) {
      drop(srtp_drop(clear.error()), p);
      return;
    }
    auto packet = net::rtp::PacketView::parse(*clear);
    if (!packet || clear->size() > kMaxDatagramSize) {
      drop(DropReason::rtp_malformed, p);
      return;
    }
    Meeting& m = *p->meeting;
    const std::uint32_t ssrc = packet->ssrc();
    Stream* stream = p->stream(ssrc);
    if (stream == nullptr) {
      auto [owner, inserted] = m.ssrc_owner.try_emplace(ssrc, p);
      if ((!inserted && owner->second != p) || p->streams.size() >= config.max_ssrcs_per_peer) {
        if (inserted) m.ssrc_owner.erase(owner);
        drop(DropReason::ssrc_conflict, p);
        return;
      }
      p->streams.push_back({ssrc, false, std::nullopt});
      stream = &p->streams.back();
    }
    ++p->stats.rtp_packets_in;
    p->stats.rtp_bytes_in += datagram.size();

    // Frame boundaries and keyframes come from the clear header only: the
    // Dependency Descriptor (AV1 RTP spec, Appendix A) when present, else the marker.
    bool keyframe_start = false;
    std::optional<ByteView> dd_bytes;
    if (config.dependency_descriptor_id != 0) {
      dd_bytes = packet->find_extension(config.dependency_descriptor_id);
    }
    if (dd_bytes) {
      auto dd = net::dd::parse(*dd_bytes);
      if (dd) {
        stream->video = true;
        if (dd->start_of_frame) ++p->stats.frames_in;
        keyframe_start = dd->start_of_frame && dd->is_keyframe();
        if (keyframe_start) ++p->stats.keyframes_in;
      }
    } else if (packet->marker()) {
      ++p->stats.frames_in;
    }

    const ByteView rtp = *clear;
    for (Peer* r : m.peers) {
      if (r == p) continue;
      auto to = route(*r, now);
      if (!to) continue;
      if (stream->video && config.keyframe_gating && !r->has_started(ssrc)) {
        if (!keyframe_start) {
          drop(DropReason::waiting_for_keyframe, r);
          send_pli(*p, *stream, now);
          continue;
        }
        r->started.push_back(ssrc);
      }
      std::copy(rtp.begin(), rtp.end(), scratch.begin());
      auto sealed = r->srtp->protect_rtp(scratch, rtp.size());
      if (!sealed) {
        drop(DropReason::protect_failed, r);
        continue;
      }
      if (!send(*to, *sealed)) {
        ++r->stats.drops[static_cast<std::size_t>(DropReason::send_failed)];
        continue;
      }
      ++r->stats.rtp_packets_out;
      r->stats.rtp_bytes_out += sealed->size();
    }
  }

  Peer* owner_of(Meeting& m, std::uint32_t ssrc) {
    auto it = m.ssrc_owner.find(ssrc);
    return it == m.ssrc_owner.end() ? nullptr : it->second;
  }

  void handle_rtcp(const TransportAddress& source, MutableByteView datagram,
                   Clock::time_point now) {
    Peer* p = verified_peer(source, now);
    if (p == nullptr) return;
    if (p->state != TransportState::connected || !p->srtp) {
      drop(DropReason::not_connected, p);
      return;
    }
    auto clear = p->srtp->unprotect_rtcp(datagram);
    if (!clear) {
      drop(srtp_drop(clear.error()), p);
      return;
    }
    auto compound = net::rtcp::Compound::parse(*clear);
    if (!compound) {
      drop(DropReason::rtcp_malformed, p);
      return;
    }
    ++p->stats.rtcp_packets_in;
    p->stats.rtcp_bytes_in += datagram.size();
    Meeting& m = *p->meeting;
    for (const net::rtcp::Packet& packet : compound->packets()) {
      // Feedback travels alone to the media sender (reduced-size RTCP, RFC 5506).
      if (net::rtcp::is_pli(packet) || net::rtcp::is_nack(packet) || net::rtcp::is_fir(packet)) {
        auto fb = net::rtcp::parse_feedback(packet);
        if (!fb) {
          drop(DropReason::rtcp_malformed, p);
          continue;
        }
        std::uint32_t media_ssrc = fb->media_ssrc;
        if (net::rtcp::is_fir(packet)) {
          // RFC 5104 §4.3.1.2: the SSRCs asked for are in the FCI entries.
          auto entry = net::rtcp::fir_entry(*fb, 0);
          if (!entry) {
            drop(DropReason::rtcp_malformed, p);
            continue;
          }
          media_ssrc = entry->ssrc;
        }
        Peer* owner = owner_of(m, media_ssrc);
        if (owner == nullptr || owner == p) {
          drop(DropReason::no_route, p);
          continue;
        }
        if (send_rtcp_to(*owner, packet.bytes, now) && !net::rtcp::is_nack(packet)) {
          ++owner->stats.keyframe_requests_out;
        }
      } else if (packet.type == static_cast<std::uint8_t>(net::rtcp::PacketType::sr)) {
        // Sender reports carry the RTP/NTP clock mapping receivers need for lip sync.
        for (Peer* r : m.peers) {
          if (r != p) send_rtcp_to(*r, packet.bytes, now);
        }
      }
      // RR, SDES, BYE, APP, REMB: consumed here; the SFU terminates them.
    }
  }

  void forget(Peer& p) {
    for (const TransportAddress& a : p.addresses) {
      auto it = by_address.find(a);
      if (it != by_address.end() && it->second == &p) by_address.erase(it);
    }
    by_ufrag.erase(p.local_ice.ufrag);
    Meeting& m = *p.meeting;
    m.peers.erase(std::remove(m.peers.begin(), m.peers.end(), &p), m.peers.end());
    for (const Stream& s : p.streams) {
      auto it = m.ssrc_owner.find(s.ssrc);
      if (it != m.ssrc_owner.end() && it->second == &p) m.ssrc_owner.erase(it);
    }
    for (Peer* r : m.peers) {
      for (const Stream& s : p.streams) {
        r->started.erase(std::remove(r->started.begin(), r->started.end(), s.ssrc),
                         r->started.end());
      }
    }
    if (m.peers.empty()) meetings.erase(p.key.meeting_id);
  }
};

Result<std::unique_ptr<SfuCore>> SfuCore::create(const net::DtlsCertificate& certificate,
                                                 const SfuCoreConfig& config, SfuOutput& output) {
  if (config.max_peers == 0 || config.max_ssrcs_per_peer == 0) {
    return fail(Errc::invalid_argument, "sfu: max_peers and max_ssrcs_per_peer must be > 0");
  }
  return std::unique_ptr<SfuCore>(new SfuCore(std::make_unique<Impl>(certificate, config, output)));
}

SfuCore::SfuCore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SfuCore::~SfuCore() = default;

Result<PeerAnswer> SfuCore::add_peer(const PeerOffer& offer,
                                     const net::ice::IceCredentials& local_ice,
                                     Clock::time_point now) {
  Impl& s = *impl_;
  if (offer.peer.meeting_id.empty() || offer.peer.participant_id.empty()) {
    return fail(Errc::invalid_argument, "sfu: empty meeting or participant id");
  }
  if (local_ice.ufrag.empty() || local_ice.ufrag.find(':') != std::string::npos ||
      local_ice.pwd.size() < 22 || offer.remote_ice.ufrag.empty()) {
    return fail(Errc::invalid_argument, "sfu: ICE ufrag/pwd outside RFC 8839 §5.4");
  }
  if (s.peers.size() >= s.config.max_peers) {
    return fail(Errc::limit_exceeded, "sfu: max_peers reached");
  }
  auto key = std::make_pair(offer.peer.meeting_id, offer.peer.participant_id);
  if (s.peers.contains(key)) return fail(Errc::invalid_argument, "sfu: peer already added");
  if (s.by_ufrag.contains(local_ice.ufrag)) {
    return fail(Errc::invalid_argument, std::string(kUfragInUse));
  }
  net::DtlsConfig dtls_config;
  dtls_config.role = net::SrtpRole::server;
  dtls_config.remote_fingerprint = offer.remote_fingerprint;
  ZTM_TRY_ASSIGN(auto endpoint, net::DtlsEndpoint::create(s.certificate, dtls_config));
  ZTM_TRY(endpoint.start(now));
  auto peer =
      std::make_unique<Peer>(offer.peer, local_ice, offer.remote_ice.ufrag, std::move(endpoint));
  peer->added = now;
  peer->stats.peer = offer.peer;
  Meeting& m = s.meetings[offer.peer.meeting_id];
  peer->meeting = &m;
  m.peers.push_back(peer.get());
  s.by_ufrag.emplace(local_ice.ufrag, peer.get());
  s.peers.emplace(std::move(key), std::move(peer));
  return PeerAnswer{local_ice, s.certificate.fingerprint(), s.config.candidate};
}

bool SfuCore::remove_peer(const PeerKey& key) {
  Impl& s = *impl_;
  auto it = s.peers.find({key.meeting_id, key.participant_id});
  if (it == s.peers.end()) return false;
  Peer& p = *it->second;
  if (p.dtls.state() == net::DtlsState::connected) {
    p.dtls.close();
    s.flush_dtls(p);
  }
  s.forget(p);
  s.peers.erase(it);
  s.flush_events();
  return true;
}

bool SfuCore::request_keyframe(const PeerKey& from, Clock::time_point now) {
  Impl& s = *impl_;
  auto it = s.peers.find({from.meeting_id, from.participant_id});
  if (it == s.peers.end() || it->second->state != TransportState::connected) return false;
  for (Stream& stream : it->second->streams) {
    stream.last_pli.reset();  // an explicit request is never rate-limited away
    s.send_pli(*it->second, stream, now);
  }
  s.flush_events();
  return true;
}

void SfuCore::handle_datagram(const net::TransportAddress& source, MutableByteView datagram,
                              Clock::time_point now) {
  Impl& s = *impl_;
  ++s.datagrams_in;
  switch (net::classify(datagram)) {
    case net::PacketKind::stun:
      s.handle_stun(source, datagram, now);
      break;
    case net::PacketKind::dtls:
      s.handle_dtls(source, datagram, now);
      break;
    case net::PacketKind::rtp:
      s.handle_rtp(source, datagram, now);
      break;
    case net::PacketKind::rtcp:
      s.handle_rtcp(source, datagram, now);
      break;
    default:
      s.drop(DropReason::unclassified);
      break;
  }
  s.flush_events();
}

void SfuCore::handle_timer(Clock::time_point now) {
  Impl& s = *impl_;
  for (auto& [key, peer] : s.peers) {
    Peer& p = *peer;
    if (p.state == TransportState::connecting) {
      if (p.dtls.state() == net::DtlsState::handshaking) {
        if (!p.dtls.handle_timeout(now)) s.drop(DropReason::dtls_error, &p);
        s.after_dtls(p, now);
      }
      if (p.state == TransportState::connecting && now - p.added > s.config.connect_timeout) {
        s.set_state(p, TransportState::failed, "ICE/DTLS did not complete in time");
      }
    } else if (p.state == TransportState::connected && p.ice.consent_expired(now)) {
      // RFC 7675 §5.1: stop sending once consent lapses.
      p.srtp.reset();
      s.set_state(p, TransportState::failed, "ICE consent expired");
    }
  }
  s.flush_events();
}

const net::CertificateFingerprint& SfuCore::fingerprint() const {
  return impl_->certificate.fingerprint();
}

std::size_t SfuCore::peer_count() const {
  return impl_->peers.size();
}

SfuStats SfuCore::stats() const {
  const Impl& s = *impl_;
  SfuStats out;
  out.drops = s.drops;
  out.datagrams_in = s.datagrams_in;
  out.datagrams_out = s.datagrams_out;
  out.peers.reserve(s.peers.size());
  for (const auto& [key, p] : s.peers) out.peers.push_back(p->stats);
  return out;
}

}  // namespace ztm::server
