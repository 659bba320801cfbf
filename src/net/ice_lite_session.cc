#include "ztm/net/ice_lite_session.h"

#include <algorithm>

namespace ztm::net::ice {

IceLiteSession::IceLiteSession(IceCredentials local, std::string remote_ufrag)
    : local_(std::move(local)), remote_ufrag_(std::move(remote_ufrag)) {}

IceLiteSession::Remote* IceLiteSession::find(const TransportAddress& address) {
  for (Remote& r : remotes_) {
    if (r.in_use && r.address == address) return &r;
  }
  return nullptr;
}

const IceLiteSession::Remote* IceLiteSession::find(const TransportAddress& address) const {
  for (const Remote& r : remotes_) {
    if (r.in_use && r.address == address) return &r;
  }
  return nullptr;
}

Result<Bytes> IceLiteSession::handle_stun(ByteView datagram, const TransportAddress& source,
                                          Clock::time_point now) {
  ZTM_TRY_ASSIGN(BindingAnswer answer, answer_binding_request(datagram, source, local_));
  if (!answer.accepted) return std::move(answer.response);  // 400/401/420/487
  if (answer.accepted->remote_ufrag != remote_ufrag_) {
    // Authentic for our password but meant for another session's peer: a stale or
    // misrouted check. Answering would confirm a path that signaling did not set up.
    return fail(Errc::untrusted, "ice: check from remote ufrag other than the signaled one");
  }
  Remote* r = find(source);
  if (r == nullptr) {
    auto slot =
        std::find_if(remotes_.begin(), remotes_.end(), [](const Remote& x) { return !x.in_use; });
    if (slot == remotes_.end()) {
      // Full: forget the least recently checked address that is not selected.
      slot =
          std::min_element(remotes_.begin(), remotes_.end(), [&](const Remote& a, const Remote& b) {
            const bool a_sel = selected_ && a.address == *selected_;
            const bool b_sel = selected_ && b.address == *selected_;
            if (a_sel != b_sel) return b_sel;
            return a.last_check < b.last_check;
          });
    }
    *slot = Remote{source, now, true};
    r = &*slot;
  }
  r->last_check = now;
  if (answer.accepted->use_candidate) selected_ = source;
  return std::move(answer.response);
}

std::optional<TransportAddress> IceLiteSession::selected(Clock::time_point now) const {
  if (!selected_ || !is_verified(*selected_, now)) return std::nullopt;
  return selected_;
}

bool IceLiteSession::is_verified(const TransportAddress& source, Clock::time_point now) const {
  const Remote* r = find(source);
  return r != nullptr && now - r->last_check < kConsentTimeout;
}

bool IceLiteSession::consent_expired(Clock::time_point now) const {
  return selected_.has_value() && !is_verified(*selected_, now);
}

}  // namespace ztm::net::ice
