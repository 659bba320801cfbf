#include "ztm_sim/service.h"

#include <algorithm>

#include "ztm/mls/messages/mls_message.h"

namespace ztm_sim {

Service::Participant* Service::by_conn(ConnId conn) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return nullptr;
  auto p = parts_.find(it->second);
  return p == parts_.end() ? nullptr : &p->second;
}

protocol::ParticipantId Service::participant_of(ConnId conn) const {
  auto it = conns_.find(conn);
  return it == conns_.end() ? protocol::ParticipantId{} : it->second;
}

std::size_t Service::in_group_count() const {
  std::size_t n = 0;
  for (const auto& [id, p] : parts_) n += p.in_group ? 1 : 0;
  return n;
}

std::vector<protocol::RosterEntry> Service::roster() const {
  std::vector<protocol::RosterEntry> r;
  for (const auto& [id, p] : parts_) {
    if (p.left) continue;
    r.push_back({p.id, p.display, p.leaf, p.in_group});
  }
  return r;
}

void Service::send_roster(Outbox& out) {
  const auto r = roster();
  for (const auto& [id, p] : parts_) {
    if (p.in_group) to(p, protocol::RosterUpdate{r}, out);
  }
}

void Service::session(Participant& p, protocol::Role role, const protocol::Hello& /*h*/,
                      Outbox& out) {
  protocol::Session s;
  s.participant = p.id;
  s.resume_token = p.token;
  s.role = role;
  s.epoch = epoch_;
  if (group_) s.group_id = group_id_;
  s.roster = roster();
  to(p, std::move(s), out);
}

void Service::receive(ConnId conn, const protocol::ClientMessage& message, TimePoint now,
                      Outbox& out) {
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, protocol::Hello>) {
          // Resume?
          if (m.resume_token) {
            for (auto& [id, p] : parts_) {
              if (p.token == *m.resume_token && !p.left) {
                conns_.erase(p.conn);
                p.conn = conn;
                p.connected = true;
                p.disconnected_at.reset();
                conns_[conn] = id;
                protocol::Role role = !p.in_group                   ? protocol::Role::joiner
                                      : (leader_ && *leader_ == id) ? protocol::Role::leader
                                                                    : protocol::Role::member;
                session(p, role, m, out);
                // Catch-up: every handshake message after last_seq (rule 5).
                if (p.in_group) {
                  for (const auto& d : log_) {
                    if (!m.last_seq || d.seq > *m.last_seq) to(p, d, out);
                  }
                }
                if (!leader_) designate_leader(now, out, std::nullopt);
                return;
              }
            }
          }
          Participant p;
          p.id = "p" + std::to_string(next_id_++);
          p.conn = conn;
          p.connected = true;
          p.display = m.display_hint;
          p.token = "token-" + p.id;
          conns_[conn] = p.id;
          auto& stored = parts_[p.id] = p;
          if (!group_ && !leader_) {
            leader_ = stored.id;  // the creator (rule 2)
            session(stored, protocol::Role::creator, m, out);
          } else {
            session(stored, protocol::Role::joiner, m, out);
          }
        } else if constexpr (std::is_same_v<T, protocol::GroupCreated>) {
          Participant* p = by_conn(conn);
          if (p == nullptr || group_ || !leader_ || *leader_ != p->id) return;
          group_ = true;
          group_id_ = m.group_id;
          epoch_ = 0;
          p->in_group = true;
          p->leaf = 0;
          p->admission = 0;
          // Joiners that arrived before the group existed.
          for (const auto& [id, kp] : pending_joins_) to(*p, protocol::JoinRequest{id, kp}, out);
          if (!pending_joins_.empty()) leader_deadline_ = now + config_.leader_timeout;
          send_roster(out);
        } else if constexpr (std::is_same_v<T, protocol::SubmitKeyPackage>) {
          Participant* p = by_conn(conn);
          if (p == nullptr || p->in_group) return;
          pending_joins_[p->id] = m.key_package;
          if (group_ && leader_) {
            auto l = parts_.find(*leader_);
            if (l != parts_.end()) to(l->second, protocol::JoinRequest{p->id, m.key_package}, out);
            if (!leader_deadline_) leader_deadline_ = now + config_.leader_timeout;
          }
        } else if constexpr (std::is_same_v<T, protocol::SubmitCommit>) {
          Participant* p = by_conn(conn);
          protocol::CommitResult result;
          result.epoch = epoch_;
          if (p == nullptr || !p->in_group) {
            result.reason = "not_a_member";
            ++commits_refused_;
            if (p) to(*p, result, out);
            return;
          }
          auto mls = ztm::mls::MLSMessage::decode(m.commit);
          bool header_ok = false;
          if (mls) {
            if (const auto* pub = std::get_if<ztm::mls::PublicMessage>(&mls->value)) {
              header_ok = pub->content.epoch == m.epoch && pub->content.group_id == group_id_ &&
                          pub->content.content_type() == ztm::mls::ContentType::commit;
            } else if (const auto* priv = std::get_if<ztm::mls::PrivateMessage>(&mls->value)) {
              header_ok = priv->epoch == m.epoch && priv->group_id == group_id_ &&
                          priv->content_type == ztm::mls::ContentType::commit;
            }
          }
          if (!header_ok) {
            result.reason = "malformed";
            ++commits_refused_;
            to(*p, result, out);
            return;
          }
          if (m.epoch != epoch_ && !accept_any_commit) {
            result.reason = "epoch_taken";
            ++commits_refused_;
            to(*p, result, out);
            return;
          }
          // Accepted (rule 4).
          ++epoch_;
          ++seq_;
          protocol::MlsDelivery d{seq_, protocol::MlsKind::commit, m.epoch, p->id, m.commit};
          log_.push_back(d);
          result.accepted = true;
          result.epoch = epoch_;
          result.seq = seq_;
          to(*p, result, out);
          for (const auto& removed : m.removed) {
            auto it = parts_.find(removed);
            if (it == parts_.end()) continue;
            pending_removals_.erase(removed);
          }
          // Fan out to the members of the old epoch (the removed ones learn of it).
          for (auto& [id, q] : parts_) {
            if (q.in_group) to(q, d, out);
          }
          for (const auto& removed : m.removed) {
            auto it = parts_.find(removed);
            if (it == parts_.end()) continue;
            it->second.in_group = false;
            it->second.leaf.reset();
            if (!it->second.connected) {
              it->second.left = true;
            }
          }
          for (const auto& a : m.added) {
            auto it = parts_.find(a.participant);
            if (it == parts_.end()) continue;
            it->second.in_group = true;
            it->second.leaf = a.leaf;
            it->second.admission = seq_;
            pending_joins_.erase(a.participant);
            if (m.welcome && muted_.count(it->second.conn) == 0) {
              to(it->second, protocol::WelcomeDelivery{epoch_, seq_, *m.welcome}, out);
            }
          }
          leader_deadline_.reset();
          if (!pending_joins_.empty() || !pending_removals_.empty()) {
            leader_deadline_ = now + config_.leader_timeout;
          }
          ready_.clear();
          switch_deadline_ = now + config_.switch_timeout;
          send_roster(out);
        } else if constexpr (std::is_same_v<T, protocol::Ready>) {
          Participant* p = by_conn(conn);
          if (p == nullptr || m.epoch != epoch_ || !switch_deadline_) return;
          ready_.insert(p->id);
          check_switch(out);
        } else if constexpr (std::is_same_v<T, protocol::Report>) {
          Participant* p = by_conn(conn);
          const std::string who = p ? p->id : "?";
          if (m.kind == "join_refused" && leader_ && who == *leader_) {
            pending_joins_.erase(m.detail);
            return;
          }
          reports_.push_back({who, m.kind, m.detail});
        } else if constexpr (std::is_same_v<T, protocol::Leave>) {
          Participant* p = by_conn(conn);
          if (p == nullptr) return;
          p->left = true;
          p->connected = false;
          conns_.erase(conn);
          pending_joins_.erase(p->id);
          if (!p->in_group) return;
          if (leader_ && *leader_ == p->id) {
            designate_leader(now, out, p->id);
          } else {
            request_removal(*p, now, out);
          }
        } else {
          // media_offer: no SFU in the simulation.
        }
      },
      message);
}

void Service::check_switch(Outbox& out) {
  for (const auto& [id, p] : parts_) {
    if (p.in_group && p.connected && ready_.count(id) == 0) return;
  }
  switch_deadline_.reset();
  for (const auto& [id, p] : parts_) {
    if (p.in_group) to(p, protocol::SwitchEpoch{epoch_}, out);
  }
}

void Service::request_removal(Participant& p, TimePoint now, Outbox& out) {
  if (!p.in_group || !leader_) return;
  pending_removals_.insert(p.id);
  auto l = parts_.find(*leader_);
  if (l != parts_.end()) to(l->second, protocol::RemoveRequest{p.id, p.leaf, std::nullopt}, out);
  if (!leader_deadline_) leader_deadline_ = now + config_.leader_timeout;
}

void Service::designate_leader(TimePoint now, Outbox& out,
                               std::optional<protocol::ParticipantId> previous) {
  std::optional<std::uint32_t> previous_leaf;
  if (previous) {
    auto it = parts_.find(*previous);
    if (it != parts_.end()) previous_leaf = it->second.leaf;
  }
  const Participant* best = nullptr;
  for (const auto& [id, p] : parts_) {
    if (!p.in_group || !p.connected || p.left || demoted_.count(id) != 0) continue;
    if (previous && id == *previous) continue;
    if (best == nullptr || p.admission < best->admission) best = &p;
  }
  leader_changes_ += 1;
  if (best == nullptr) {
    leader_.reset();
    return;
  }
  leader_ = best->id;
  for (const auto& [id, p] : parts_) {
    if (p.in_group) to(p, protocol::LeaderChanged{best->id, previous, previous_leaf}, out);
  }
  // Pending requests go to each new leader until done (rule 3).
  const Participant& l = *best;
  for (const auto& [id, kp] : pending_joins_) to(l, protocol::JoinRequest{id, kp}, out);
  for (const auto& id : pending_removals_) {
    auto it = parts_.find(id);
    if (it != parts_.end() && it->second.in_group && (!previous || id != *previous)) {
      to(l, protocol::RemoveRequest{id, it->second.leaf, std::nullopt}, out);
    }
  }
  if (previous) pending_removals_.insert(*previous);
  leader_deadline_.reset();
  if (!pending_joins_.empty() || !pending_removals_.empty()) {
    leader_deadline_ = now + config_.leader_timeout;
  }
}

void Service::disconnect(ConnId conn, TimePoint now, Outbox& out) {
  Participant* p = by_conn(conn);
  if (p == nullptr) return;
  p->connected = false;
  p->disconnected_at = now;
  conns_.erase(conn);
  if (!p->in_group) {
    pending_joins_.erase(p->id);
    return;
  }
  if (leader_ && *leader_ == p->id) designate_leader(now, out, p->id);
  check_switch(out);
}

void Service::tick(TimePoint now, Outbox& out) {
  if (switch_deadline_ && now >= *switch_deadline_) {
    switch_deadline_.reset();
    for (const auto& [id, p] : parts_) {
      if (p.in_group) to(p, protocol::SwitchEpoch{epoch_}, out);
    }
  }
  for (auto& [id, p] : parts_) {
    if (p.in_group && !p.connected && p.disconnected_at && !p.remove_requested &&
        now - *p.disconnected_at >= config_.reconnect_grace) {
      p.remove_requested = true;
      request_removal(p, now, out);
    }
  }
  if (leader_deadline_ && now >= *leader_deadline_) {
    leader_deadline_.reset();
    if (!leader_) return;
    // The leader did not commit what was pending: the next one leads (rule 3).
    const auto stalled = *leader_;
    demoted_.insert(stalled);
    designate_leader(now, out, stalled);
  }
}

std::optional<TimePoint> Service::next_deadline() const {
  std::optional<TimePoint> next;
  auto consider = [&](std::optional<TimePoint> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  consider(switch_deadline_);
  consider(leader_deadline_);
  for (const auto& [id, p] : parts_) {
    if (p.in_group && !p.connected && p.disconnected_at && !p.remove_requested) {
      consider(*p.disconnected_at + config_.reconnect_grace);
    }
  }
  return next;
}

void Service::fan_out(const protocol::MlsDelivery& delivery, Outbox& out, bool advance_epoch) {
  protocol::MlsDelivery d = delivery;
  d.seq = ++seq_;
  log_.push_back(d);
  if (advance_epoch) ++epoch_;
  for (const auto& [id, p] : parts_) {
    if (p.in_group) to(p, d, out);
  }
}

}  // namespace ztm_sim
