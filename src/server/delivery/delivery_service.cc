// DeliveryService: sessions, resume, leader designation and failover, timers, meeting
// end and persistence (docs/protocol.md, rules 1, 2, 3, 5, 6). The handshake rules
// (4, 5, 7, 8) are in delivery_handshake.cc.
#include "ztm/server/delivery_service.h"

#include <algorithm>
#include <utility>

#include "internal/delivery_state.h"
#include "ztm/base/bytes.h"
#include "ztm/crypto/hash.h"
#include "ztm/crypto/random.h"
#include "ztm/identity/jws.h"

namespace ztm::server {
namespace {

std::string token_key(std::string_view token) {
  return to_hex(crypto::hash(crypto::HashId::sha256, as_bytes(token)));
}

std::string default_token() {
  return identity::base64url_encode(crypto::random_bytes(32));
}

// clip keeps client-chosen text short and printable before it reaches a log line.
std::string clip(std::string_view text, std::size_t max = 64) {
  std::string out;
  for (char ch : text.substr(0, max)) {
    out.push_back(ch >= 0x20 && ch < 0x7f ? ch : '?');
  }
  return out;
}

bool pending_work(const Meeting& m) {
  for (const auto& [id, p] : m.participants) {
    if (!p.record.in_group && p.record.key_package) return true;
    if (p.record.in_group && p.record.removal_pending && m.row.leader != id) return true;
  }
  return false;
}

}  // namespace

std::size_t connected_members(const Meeting& meeting) {
  std::size_t n = 0;
  for (const auto& [id, p] : meeting.participants) {
    if (p.record.in_group && p.connection) ++n;
  }
  return n;
}

// ------------------------------------------------------------------ output helpers

void DeliveryService::State::send(ConnectionId to, protocol::ServerMessage message) {
  out.messages.push_back({to, std::make_shared<const protocol::ServerMessage>(std::move(message))});
  ++stats.messages_out;
}

void DeliveryService::State::send_shared(ConnectionId to,
                                         const std::shared_ptr<const protocol::ServerMessage>& m) {
  out.messages.push_back({to, m});
  ++stats.messages_out;
}

void DeliveryService::State::error(ConnectionId to, std::string code, std::string message) {
  send(to, protocol::ServiceError{std::move(code), std::move(message)});
}

Output DeliveryService::State::take() {
  flush();
  Output result = std::move(out);
  out = Output{};
  return result;
}

Participant* DeliveryService::State::participant_of(ConnectionId connection, Meeting** meeting) {
  auto c = connections.find(connection);
  if (c == connections.end() || !c->second.meeting) return nullptr;
  auto m = meetings.find(*c->second.meeting);
  if (m == meetings.end()) return nullptr;
  auto p = m->second.participants.find(*c->second.participant);
  if (p == m->second.participants.end()) return nullptr;
  *meeting = &m->second;
  return &p->second;
}

std::vector<protocol::RosterEntry> DeliveryService::State::roster(const Meeting& meeting) {
  std::vector<protocol::RosterEntry> entries;
  entries.reserve(meeting.participants.size());
  for (const auto& [id, p] : meeting.participants) {
    entries.push_back({id, p.record.display_hint, p.record.leaf, p.record.in_group});
  }
  return entries;
}

void DeliveryService::State::broadcast_roster(Meeting& meeting, std::optional<ConnectionId>) {
  // Coalesced: a roster update goes out at most once per roster_interval, from
  // on_tick. Sent at every change, a join storm in a large meeting costs O(n^2) roster
  // entries per join (every member gets every entry).
  roster_due.insert(meeting.row.meeting);
}

std::chrono::milliseconds DeliveryService::State::roster_interval(const Meeting& meeting) const {
  // Each update carries every entry to every participant: a larger meeting gets
  // them less often (250 ms up to 25 participants, 2 s at 200).
  const auto scale = std::max<std::size_t>(1, meeting.participants.size() / 25);
  return config.roster_interval * static_cast<long>(scale);
}

void DeliveryService::State::send_rosters(TimePoint now) {
  for (auto it = roster_due.begin(); it != roster_due.end();) {
    auto m = meetings.find(*it);
    if (m == meetings.end()) {
      it = roster_due.erase(it);
      continue;
    }
    Meeting& meeting = m->second;
    if (meeting.roster_sent_at && now < *meeting.roster_sent_at + roster_interval(meeting)) {
      ++it;
      continue;
    }
    auto update =
        std::make_shared<const protocol::ServerMessage>(protocol::RosterUpdate{roster(meeting)});
    for (const auto& [id, p] : meeting.participants) {
      if (p.connection) send_shared(*p.connection, update);
    }
    meeting.roster_sent_at = now;
    it = roster_due.erase(it);
  }
}

void DeliveryService::State::fan_out(Meeting& meeting,
                                     const std::shared_ptr<const protocol::ServerMessage>& m,
                                     const std::string* except_participant) {
  for (const auto& [id, p] : meeting.participants) {
    if (!p.record.in_group || !p.connection) continue;
    if (except_participant && id == *except_participant) continue;
    send_shared(*p.connection, m);
  }
}

void DeliveryService::State::touch(Meeting& meeting) {
  dirty_meetings.insert(meeting.row.meeting);
}

void DeliveryService::State::touch(Meeting& meeting, Participant& p) {
  p.dirty = true;
  dirty_meetings.insert(meeting.row.meeting);
}

// ------------------------------------------------------------------ leader (rule 3)

bool DeliveryService::State::eligible_leader(const Participant& p) const {
  return p.record.in_group && p.connection && !p.record.removal_pending && !p.record.demoted;
}

void DeliveryService::State::designate(Meeting& m, std::optional<std::string> previous,
                                       TimePoint now) {
  // The connected, eligible host leads if there is one; otherwise the connected,
  // eligible member with the lowest admission order. Ties (none in a correct meeting)
  // break on the participant id so the choice is deterministic.
  const Participant* best = nullptr;
  const std::string* best_id = nullptr;
  for (const auto& [id, p] : m.participants) {
    if (previous && id == *previous) continue;
    if (!eligible_leader(p)) continue;
    if (!best || (p.record.host && !best->record.host) ||
        (p.record.host == best->record.host &&
         p.record.admission_seq < best->record.admission_seq)) {
      best = &p;
      best_id = &id;
    }
  }
  if (!best) {
    // Nobody can lead now: the next member to connect will, and it removes `previous`.
    if (previous) m.lost_leader = previous;
    m.row.leader.reset();
    m.leader_deadline.reset();
    touch(m);
    return;
  }
  std::optional<std::string> gone = previous;
  if (!gone && m.lost_leader && *m.lost_leader != *best_id) gone = m.lost_leader;
  m.lost_leader.reset();
  if (!gone && m.row.leader == *best_id) return;  // unchanged

  protocol::LeaderChanged changed{*best_id, std::nullopt, std::nullopt};
  if (gone) {
    auto g = m.participants.find(*gone);
    if (g != m.participants.end() && g->second.record.in_group) {
      changed.previous = *gone;
      changed.previous_leaf = g->second.record.leaf;
      g->second.record.removal_pending = true;
      g->second.remove_requested = true;  // the leader_changed itself asks for it
      touch(m, g->second);
    }
  }
  m.row.leader = *best_id;
  touch(m);
  info("meeting " + m.row.meeting + ": leader " + *best_id +
       (changed.previous ? " replaces " + *changed.previous : std::string()));
  auto message = std::make_shared<const protocol::ServerMessage>(changed);
  for (const auto& [id, p] : m.participants) {
    if (p.connection) send_shared(*p.connection, message);
  }
  m.leader_deadline.reset();
  serve_leader(m, now);
}

void DeliveryService::State::serve_leader(Meeting& m, TimePoint now) {
  if (!m.row.leader) return;
  auto l = m.participants.find(*m.row.leader);
  if (l == m.participants.end() || !l->second.connection) return;
  const ConnectionId to = *l->second.connection;
  bool sent = false;
  for (auto& [id, p] : m.participants) {
    if (id == *m.row.leader) continue;
    if (!p.record.in_group && p.record.key_package) {
      send(to, protocol::JoinRequest{id, *p.record.key_package});
      sent = true;
    } else if (p.record.in_group && p.record.removal_pending) {
      send(to, remove_request(m, id, p));
      p.remove_requested = true;
      sent = true;
    }
  }
  if (sent && !m.leader_deadline) m.leader_deadline = now + config.leader_timeout;
}

protocol::RemoveRequest DeliveryService::State::remove_request(Meeting& m, const std::string& id,
                                                               const Participant& p) {
  protocol::RemoveRequest request{id, p.record.leaf, std::nullopt};
  // Rule 6: the service's own signed Remove proposal, when the group lists it as an
  // external sender (RFC 9420 §12.1.8.1) and we hold the GroupInfo of this epoch.
  if (config.external_sender && p.record.leaf && m.row.group_info) {
    auto proposal = config.external_sender->remove_proposal(*m.row.group_info, *p.record.leaf);
    if (proposal) request.proposal = std::move(*proposal);
  }
  return request;
}

void DeliveryService::State::request_removal(Meeting& m, Participant& p, const std::string& id,
                                             TimePoint now) {
  if (p.record.removal_pending) return;
  p.record.removal_pending = true;
  touch(m, p);
  if (m.row.leader == id) {
    designate(m, id, now);
    return;
  }
  if (!m.row.leader) return;
  auto l = m.participants.find(*m.row.leader);
  if (l == m.participants.end() || !l->second.connection) return;
  send(*l->second.connection, remove_request(m, id, p));
  p.remove_requested = true;
  if (!m.leader_deadline) m.leader_deadline = now + config.leader_timeout;
}

void DeliveryService::State::forget_participant(Meeting& m, const std::string& id) {
  auto it = m.participants.find(id);
  if (it == m.participants.end()) return;
  if (!it->second.record.resume_token_hash.empty()) {
    tokens.erase(to_hex(it->second.record.resume_token_hash));
  }
  if (it->second.connection) {
    auto c = connections.find(*it->second.connection);
    if (c != connections.end()) c->second = ConnectionState{};
  }
  if (config.media) config.media->remove_peer(m.row.meeting, id);
  deleted_participants.emplace_back(m.row.meeting, id);
  m.ready.erase(id);
  m.participants.erase(it);
  touch(m);
}

void DeliveryService::State::end_meeting(Meeting& m, const std::string& reason) {
  info("meeting " + m.row.meeting + " ended: " + reason);
  auto ended = std::make_shared<const protocol::ServerMessage>(protocol::MeetingEnded{reason});
  for (auto& [id, p] : m.participants) {
    if (!p.record.resume_token_hash.empty()) tokens.erase(to_hex(p.record.resume_token_hash));
    if (config.media) config.media->remove_peer(m.row.meeting, id);
    if (p.connection) {
      send_shared(*p.connection, ended);
      out.close.push_back(*p.connection);
      connections.erase(*p.connection);
    }
  }
  deleted_meetings.insert(m.row.meeting);
  dirty_meetings.erase(m.row.meeting);
  roster_due.erase(m.row.meeting);
  std::erase_if(deleted_participants, [&](const auto& d) { return d.first == m.row.meeting; });
  std::erase_if(new_log, [&](const auto& d) { return d.first == m.row.meeting; });
  meetings.erase(m.row.meeting);  // m is dangling from here on
}

void DeliveryService::State::update_idle(Meeting& m, TimePoint now) {
  bool anyone = false;
  for (const auto& [id, p] : m.participants) anyone = anyone || p.connection.has_value();
  if (anyone) {
    m.idle_since.reset();
  } else if (!m.idle_since) {
    m.idle_since = now;
  }
}

// ------------------------------------------------------------------ persistence

void DeliveryService::State::flush() {
  if (dirty_meetings.empty() && deleted_meetings.empty() && deleted_participants.empty() &&
      new_log.empty()) {
    return;
  }
  auto write = [&]() -> Result<void> {
    ZTM_TRY(storage->begin());
    for (const auto& id : deleted_meetings) ZTM_TRY(storage->delete_meeting(id));
    for (const auto& [mid, pid] : deleted_participants) {
      ZTM_TRY(storage->delete_participant(mid, pid));
    }
    for (const auto& id : dirty_meetings) {
      auto m = meetings.find(id);
      if (m == meetings.end()) continue;
      ZTM_TRY(storage->put_meeting(m->second.row));
      for (auto& [pid, p] : m->second.participants) {
        if (!p.dirty) continue;
        ZTM_TRY(storage->put_participant(id, p.record));
        p.dirty = false;
      }
    }
    for (const auto& [mid, entry] : new_log) ZTM_TRY(storage->append_log(mid, entry));
    return storage->commit();
  };
  auto written = write();
  if (!written) {
    ++stats.storage_errors;
    warn("storage: " + written.error().what());
  }
  dirty_meetings.clear();
  deleted_meetings.clear();
  deleted_participants.clear();
  new_log.clear();
}

// ------------------------------------------------------------------ sessions (rules 1, 2, 5)

void DeliveryService::State::on_hello(ConnectionId c, const protocol::Hello& h, TimePoint now) {
  auto& conn = connections[c];
  if (conn.participant) {
    error(c, "malformed", "protocol.hello: this connection already has a session");
    return;
  }
  if (h.version != protocol::kVersion) {
    error(c, "unsupported_version", "this service speaks signaling version 1");
    return;
  }
  if (h.meeting.empty()) {
    error(c, "malformed", "protocol.hello.meeting: empty");
    return;
  }
  if (config.authorize && !config.authorize(h)) {
    info("hello refused for meeting " + clip(h.meeting) + ": unauthorized");
    error(c, "unauthorized", "the auth_token does not grant a seat in this meeting");
    out.close.push_back(c);
    return;
  }
  auto mit = meetings.find(h.meeting);
  if (mit == meetings.end()) {
    if (meetings.size() >= config.max_meetings) {
      error(c, "rate_limited", "too many meetings on this service");
      return;
    }
    Meeting fresh;
    fresh.row.meeting = h.meeting;
    fresh.row.cipher_suite = h.cipher_suite;
    mit = meetings.emplace(h.meeting, std::move(fresh)).first;
    touch(mit->second);
    info("meeting " + clip(h.meeting) + " opened");
  }
  Meeting& m = mit->second;
  if (h.cipher_suite != m.row.cipher_suite) {
    error(c, "malformed",
          "protocol.hello.cipher_suite: the meeting uses suite " +
              std::to_string(m.row.cipher_suite));
    return;
  }

  Participant* p = nullptr;
  std::string id;
  bool resumed = false;
  if (h.resume_token) {
    auto t = tokens.find(token_key(*h.resume_token));
    if (t != tokens.end() && t->second.first == m.row.meeting) {
      id = t->second.second;
      p = &m.participants.at(id);
      resumed = true;
      tokens.erase(t);
      if (p->connection) {  // the old connection is replaced by this one
        out.close.push_back(*p->connection);
        connections.erase(*p->connection);
      }
    }
  }
  if (!p) {
    if (m.participants.size() >= config.max_participants_per_meeting) {
      error(c, "rate_limited", "this meeting is full");
      return;
    }
    id = "p" + std::to_string(m.row.next_participant_number++);
    Participant fresh;
    fresh.record.participant = id;
    bool creator_taken = false;
    for (const auto& [other, q] : m.participants) creator_taken |= q.record.creator;
    fresh.record.creator = !m.row.group_id && !creator_taken;
    p = &m.participants.emplace(id, std::move(fresh)).first->second;
  }
  // A fresh token at every session: only its hash is kept, so the old one cannot be
  // handed back, and a stolen old token stops working once its owner resumes.
  const std::string token = config.make_token ? config.make_token() : default_token();
  p->record.resume_token_hash = crypto::hash(crypto::HashId::sha256, as_bytes(token));
  tokens[to_hex(p->record.resume_token_hash)] = {m.row.meeting, id};
  p->record.display_hint = clip(h.display_hint, protocol::kMaxIdLength);
  p->record.host = config.is_host && config.is_host(h);
  p->connection = c;
  p->disconnected_at.reset();
  if (p->record.removal_pending && !p->remove_requested && m.lost_leader != id) {
    p->record.removal_pending = false;  // back before any leader was asked to remove it
  }
  if (m.lost_leader == id && !m.row.leader) m.lost_leader.reset();
  conn.meeting = m.row.meeting;
  conn.participant = id;
  touch(m, *p);

  protocol::Session session;
  session.participant = id;
  session.resume_token = token;
  session.epoch = m.row.epoch;
  session.group_id = m.row.group_id;
  if (p->record.in_group) {
    session.role = m.row.leader == id ? protocol::Role::leader : protocol::Role::member;
  } else {
    session.role = p->record.creator ? protocol::Role::creator : protocol::Role::joiner;
  }
  if (config.external_sender)
    session.external_sender = config.external_sender->identity(m.row.cipher_suite);
  session.roster = roster(m);
  const std::string role(protocol::to_string(session.role));
  send(c, std::move(session));
  info("meeting " + m.row.meeting + ": " + id + (resumed ? " resumed" : " joined") + " as " + role);

  if (resumed && p->record.in_group) {
    // Rule 5: catch-up. A member that never saw its Welcome gets it again, then
    // every handshake message after max(last_seq, its admission).
    const std::uint64_t last = h.last_seq.value_or(0);
    if (p->record.welcome && (!h.last_seq || last < p->record.welcome_seq)) {
      send(c, protocol::WelcomeDelivery{p->record.welcome_epoch, p->record.welcome_seq,
                                        *p->record.welcome});
    }
    const std::uint64_t from = std::max(last, p->record.admission_seq);
    auto first = std::lower_bound(m.log.begin(), m.log.end(), from + 1,
                                  [](const LogRecord& e, std::uint64_t s) { return e.seq < s; });
    for (auto e = first; e != m.log.end(); ++e) {
      send(c, protocol::MlsDelivery{e->seq, e->kind, e->epoch, e->sender, e->message});
    }
  }
  if (p->record.in_group) {
    if (!m.row.leader || (p->record.host && eligible_leader(*p) && m.row.leader != id)) {
      // Rule 3: a host that can lead but does not (another member was designated
      // while it was away) takes over; the other leader stays a member.
      designate(m, std::nullopt, now);
    } else if (m.row.leader == id) {
      m.leader_deadline.reset();
      serve_leader(m, now);
    }
  }
  update_idle(m, now);
  broadcast_roster(m, c);
}

void DeliveryService::State::on_leave(Meeting& m, Participant& p, const std::string& id,
                                      TimePoint now) {
  info("meeting " + m.row.meeting + ": " + id + " leaves");
  if (!p.record.in_group) {
    forget_participant(m, id);
    broadcast_roster(m);
    return;
  }
  std::size_t members = 0;
  for (const auto& [other, q] : m.participants) members += q.record.in_group ? 1 : 0;
  if (members <= 1) {
    end_meeting(m, "the last member left");
    return;
  }
  request_removal(m, p, id, now);
  broadcast_roster(m);
}

// ------------------------------------------------------------------ public API

DeliveryService::DeliveryService(std::unique_ptr<State> state) : state_(std::move(state)) {}
DeliveryService::~DeliveryService() = default;

Result<std::unique_ptr<DeliveryService>> DeliveryService::create(DeliveryConfig config,
                                                                 Storage& storage, TimePoint now) {
  auto state = std::make_unique<State>();
  state->config = std::move(config);
  state->storage = &storage;
  const bool load = state->config.load_stored_meetings;
  auto service = std::unique_ptr<DeliveryService>(new DeliveryService(std::move(state)));
  if (!load) return service;  // a cluster node adopts its meetings one by one
  ZTM_TRY_ASSIGN(auto loaded, storage.load_all());
  // A restart loads each meeting as a cluster node adopts one (delivery_adopt.cc).
  for (auto& record : loaded) ZTM_TRY(service->adopt_meeting(std::move(record), now));
  return service;
}

Output DeliveryService::on_open(ConnectionId connection, TimePoint /*now*/) {
  state_->connections[connection] = ConnectionState{};
  return state_->take();
}

Output DeliveryService::on_message(ConnectionId c, const protocol::ClientMessage& message,
                                   TimePoint now) {
  State& s = *state_;
  ++s.stats.messages_in;
  if (const auto* hello = std::get_if<protocol::Hello>(&message)) {
    s.on_hello(c, *hello, now);
    return s.take();
  }
  Meeting* m = nullptr;
  Participant* p = s.participant_of(c, &m);
  if (!p) {
    s.error(c, "unknown_participant", "send hello first");
    return s.take();
  }
  const std::string id = p->record.participant;
  std::visit(
      [&](const auto& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, protocol::GroupCreated>) {
          s.on_group_created(c, *m, *p, msg, now);
        } else if constexpr (std::is_same_v<T, protocol::SubmitKeyPackage>) {
          s.on_key_package(c, *m, *p, msg, now);
        } else if constexpr (std::is_same_v<T, protocol::SubmitCommit>) {
          s.on_commit(c, *m, *p, msg, now);
        } else if constexpr (std::is_same_v<T, protocol::SendMls>) {
          s.on_mls(c, *m, *p, msg);
        } else if constexpr (std::is_same_v<T, protocol::Ready>) {
          s.on_ready(*m, *p, msg);
        } else if constexpr (std::is_same_v<T, protocol::MediaOffer>) {
          s.on_media_offer(c, *m, *p, msg);
        } else if constexpr (std::is_same_v<T, protocol::Report>) {
          s.warn("meeting " + m->row.meeting + ": " + id + " reports " + clip(msg.kind));
        } else if constexpr (std::is_same_v<T, protocol::Leave>) {
          s.on_leave(*m, *p, id, now);
        }
      },
      message);
  return s.take();
}

Output DeliveryService::on_malformed(ConnectionId c, const Error& error, TimePoint /*now*/) {
  ++state_->stats.malformed;
  state_->error(c, "malformed", clip(error.message, 200));
  return state_->take();
}

Output DeliveryService::on_close(ConnectionId c, TimePoint now) {
  State& s = *state_;
  Meeting* m = nullptr;
  Participant* p = s.participant_of(c, &m);
  s.connections.erase(c);
  if (!p || p->connection != c) return s.take();
  const std::string id = p->record.participant;
  p->connection.reset();
  p->disconnected_at = now;
  s.info("meeting " + m->row.meeting + ": " + id + " disconnected");
  if (p->record.creator && !m->row.group_id) {
    p->record.creator = false;  // the next hello may create the group
    s.touch(*m, *p);
  }
  if (p->record.in_group && m->row.leader == id) {
    s.designate(*m, id, now);  // rule 3: the leader's connection closed
  } else if (!p->record.in_group && !p->record.key_package) {
    s.forget_participant(*m, id);  // nothing to keep for a joiner that sent nothing
  }
  s.update_idle(*m, now);
  s.broadcast_roster(*m);
  s.check_switch(*m, false);
  return s.take();
}

Output DeliveryService::on_tick(TimePoint now) {
  State& s = *state_;
  std::vector<std::string> idle;
  for (auto& [mid, m] : s.meetings) {
    // Rule 6: members gone past the reconnect grace are to be removed; joiners are
    // forgotten. A leader loaded from storage fails over only now.
    std::vector<std::string> forget;
    std::vector<std::string> remove;
    bool leader_gone = false;
    for (auto& [id, p] : m.participants) {
      if (p.connection || !p.disconnected_at ||
          now - *p.disconnected_at < s.config.reconnect_grace) {
        continue;
      }
      if (!p.record.in_group) {
        forget.push_back(id);
      } else if (m.row.leader == id) {
        leader_gone = true;
      } else if (!p.record.removal_pending) {
        remove.push_back(id);
      }
    }
    bool roster_changed = !forget.empty() || !remove.empty();
    for (const auto& id : forget) s.forget_participant(m, id);
    if (leader_gone) s.designate(m, *m.row.leader, now);
    for (const auto& id : remove) {
      auto it = m.participants.find(id);
      if (it != m.participants.end()) s.request_removal(m, it->second, id, now);
    }
    // Rule 3: a leader that sits on a pending request past the leader timeout.
    if (m.leader_deadline && now >= *m.leader_deadline) {
      m.leader_deadline.reset();
      if (m.row.leader && pending_work(m)) {
        const std::string old = *m.row.leader;
        auto& leader = m.participants.at(old);
        leader.record.demoted = true;
        s.designate(m, old, now);
        if (!m.row.leader) {
          // Nobody else can lead: keep the slow leader and give it another period.
          leader.record.demoted = false;
          leader.record.removal_pending = false;
          m.lost_leader.reset();
          m.row.leader = old;
          m.leader_deadline = now + s.config.leader_timeout;
        } else {
          s.warn("meeting " + mid + ": leader " + old + " missed the leader timeout");
        }
        s.touch(m, leader);
      }
    }
    if (m.switch_deadline && now >= *m.switch_deadline) s.check_switch(m, true);
    if (roster_changed) s.broadcast_roster(m);
    if (m.idle_since && now - *m.idle_since >= s.config.idle_meeting_timeout) idle.push_back(mid);
  }
  for (const auto& mid : idle) {
    auto it = s.meetings.find(mid);
    if (it != s.meetings.end()) s.end_meeting(it->second, "idle");
  }
  s.send_rosters(now);
  return s.take();
}

std::optional<TimePoint> DeliveryService::next_deadline() const {
  std::optional<TimePoint> next;
  auto consider = [&](std::optional<TimePoint> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  for (const auto& [mid, m] : state_->meetings) {
    consider(m.leader_deadline);
    consider(m.switch_deadline);
    if (state_->roster_due.contains(mid)) {
      consider(m.roster_sent_at ? *m.roster_sent_at + state_->roster_interval(m) : TimePoint{});
    }
    if (m.idle_since) consider(*m.idle_since + state_->config.idle_meeting_timeout);
    for (const auto& [id, p] : m.participants) {
      if (!p.connection && p.disconnected_at) {
        consider(*p.disconnected_at + state_->config.reconnect_grace);
      }
    }
  }
  return next;
}

Output DeliveryService::end_meeting(const std::string& meeting, const std::string& reason,
                                    TimePoint /*now*/) {
  auto it = state_->meetings.find(meeting);
  if (it != state_->meetings.end()) state_->end_meeting(it->second, reason);
  return state_->take();
}

Output DeliveryService::shutdown() {
  for (const auto& [c, conn] : state_->connections) state_->out.close.push_back(c);
  return state_->take();
}

DeliveryStats DeliveryService::stats() const {
  DeliveryStats stats = state_->stats;
  stats.meetings = state_->meetings.size();
  stats.participants = 0;
  stats.sessions = 0;
  for (const auto& [mid, m] : state_->meetings) {
    stats.participants += m.participants.size();
    for (const auto& [id, p] : m.participants) stats.sessions += p.connection ? 1 : 0;
  }
  return stats;
}

}  // namespace ztm::server
