// IceLiteSession: the ICE-lite state of one participant's connection to the SFU
// (RFC 8445 §2.5, §8.2; consent freshness of RFC 7675). It answers connectivity
// checks, remembers which remote addresses passed them, follows the controlling
// agent's nomination, and tells when consent has lapsed. Time is passed in.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/net/address.h"
#include "ztm/net/ice.h"

namespace ztm::net::ice {

class IceLiteSession {
 public:
  using Clock = std::chrono::steady_clock;

  // kMaxRemoteAddresses bounds the remote addresses remembered; past it, the one
  // checked least recently (never the selected one) is forgotten.
  static constexpr std::size_t kMaxRemoteAddresses = 8;
  // kConsentTimeout: RFC 7675 §5.1, consent expires 30 s after the last response.
  static constexpr std::chrono::seconds kConsentTimeout{30};

  // local: this connection's ufrag and pwd; remote_ufrag: the peer's, from signaling.
  IceLiteSession(IceCredentials local, std::string remote_ufrag);

  // handle_stun answers a datagram the demux classified as STUN. It returns the
  // response to send back to `source`, or an error when nothing is to be sent
  // (malformed, not a Binding request, bad FINGERPRINT, or a USERNAME naming another
  // remote ufrag). Authenticated checks refresh consent for `source`; a check with
  // USE-CANDIDATE selects `source`: the latest nomination wins, which follows a
  // controlling agent that moves the connection to another network path.
  Result<Bytes> handle_stun(ByteView datagram, const TransportAddress& source,
                            Clock::time_point now);

  // selected is where media goes: the nominated address, while its consent lasts.
  std::optional<TransportAddress> selected(Clock::time_point now) const;
  // is_verified tells whether media from `source` may be accepted: it passed an
  // authenticated check within the consent timeout.
  bool is_verified(const TransportAddress& source, Clock::time_point now) const;
  // consent_expired: a pair was selected, and its consent has lapsed (RFC 7675 §5.1);
  // the caller should stop sending and may close the connection.
  bool consent_expired(Clock::time_point now) const;

 private:
  struct Remote {
    TransportAddress address;
    Clock::time_point last_check{};
    bool in_use = false;
  };
  Remote* find(const TransportAddress& address);
  const Remote* find(const TransportAddress& address) const;

  IceCredentials local_;
  std::string remote_ufrag_;
  std::array<Remote, kMaxRemoteAddresses> remotes_{};
  std::optional<TransportAddress> selected_;
};

}  // namespace ztm::net::ice
