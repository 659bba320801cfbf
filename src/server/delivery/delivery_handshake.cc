// DeliveryService: the handshake rules of docs/protocol.md — group creation,
// KeyPackage routing, exactly one Commit per epoch checked against its MLS header
// (rule 4), ordered fan-out and the handshake log (rule 5), ready/switch_epoch
// (rule 7) and media offers (rule 8).
#include <algorithm>
#include <set>

#include "internal/delivery_state.h"
#include "ztm/mls/messages/mls_message.h"

namespace ztm::server {
namespace {

// MlsHeader is what the service can see of a Public or PrivateMessage: the
// cleartext group_id, epoch and content_type (RFC 9420 §6.2, §6.3).
struct MlsHeader {
  mls::WireFormat wire_format = mls::WireFormat::reserved;
  Bytes group_id;
  std::uint64_t epoch = 0;
  mls::ContentType content_type = mls::ContentType::application;
};

Result<MlsHeader> framed_header(ByteView message) {
  ZTM_TRY_ASSIGN(auto decoded, mls::MLSMessage::decode(message));
  MlsHeader header;
  header.wire_format = decoded.wire_format();
  if (const auto* pub = std::get_if<mls::PublicMessage>(&decoded.value)) {
    header.group_id = pub->content.group_id;
    header.epoch = pub->content.epoch;
    header.content_type = pub->content.content_type();
  } else if (const auto* priv = std::get_if<mls::PrivateMessage>(&decoded.value)) {
    header.group_id = priv->group_id;
    header.epoch = priv->epoch;
    header.content_type = priv->content_type;
  } else {
    return fail(Errc::protocol_violation, "not a PublicMessage or PrivateMessage");
  }
  return header;
}

// group_context_of parses an MLSMessage(GroupInfo) and returns its GroupContext.
Result<mls::GroupContext> group_context_of(ByteView message) {
  ZTM_TRY_ASSIGN(auto decoded, mls::MLSMessage::decode(message));
  const auto* info = std::get_if<mls::GroupInfo>(&decoded.value);
  if (!info) return fail(Errc::protocol_violation, "not a GroupInfo");
  return info->group_context;
}

}  // namespace

void DeliveryService::State::on_group_created(ConnectionId c, Meeting& m, Participant& p,
                                              const protocol::GroupCreated& msg, TimePoint now) {
  if (m.row.group_id || !p.record.creator) {
    error(c, "not_leader", "protocol.group_created: only the creator of a new meeting creates it");
    return;
  }
  auto context = group_context_of(msg.group_info);
  if (!context) {
    error(c, "malformed", "protocol.group_created.group_info: " + context.error().message);
    return;
  }
  if (!equal(context->group_id, msg.group_id) || context->epoch != 0 ||
      context->cipher_suite != m.row.cipher_suite) {
    error(c, "malformed",
          "protocol.group_created.group_info: not epoch 0 of this group and cipher suite");
    return;
  }
  if (msg.group_id.empty() || msg.group_id.size() > 255) {
    error(c, "malformed", "protocol.group_created.group_id: 1..255 bytes");
    return;
  }
  const std::string id = p.record.participant;
  m.row.group_id = msg.group_id;
  m.row.group_info = msg.group_info;
  m.row.epoch = 0;
  p.record.creator = false;
  p.record.in_group = true;
  p.record.leaf = 0;
  p.record.admission_seq = 0;
  touch(m, p);
  info("meeting " + m.row.meeting + ": group created by " + id);
  m.row.leader.reset();
  designate(m, std::nullopt, now);  // the creator is the only member: it leads
  broadcast_roster(m);
}

void DeliveryService::State::on_key_package(ConnectionId c, Meeting& m, Participant& p,
                                            const protocol::SubmitKeyPackage& msg, TimePoint now) {
  if (p.record.in_group) {
    error(c, "malformed", "protocol.key_package: members do not send KeyPackages");
    return;
  }
  auto decoded = mls::MLSMessage::decode(msg.key_package);
  const mls::KeyPackage* kp = decoded ? std::get_if<mls::KeyPackage>(&decoded->value) : nullptr;
  if (!kp) {
    error(c, "malformed", "protocol.key_package.key_package: not an MLSMessage(KeyPackage)");
    return;
  }
  if (kp->cipher_suite != m.row.cipher_suite) {
    error(c, "malformed",
          "protocol.key_package.key_package: cipher suite differs from the meeting's");
    return;
  }
  p.record.key_package = msg.key_package;
  touch(m, p);
  if (!m.row.leader) return;  // served when a leader is designated
  auto l = m.participants.find(*m.row.leader);
  if (l == m.participants.end() || !l->second.connection) return;
  send(*l->second.connection, protocol::JoinRequest{p.record.participant, msg.key_package});
  if (!m.leader_deadline) m.leader_deadline = now + config.leader_timeout;
}

void DeliveryService::State::on_commit(ConnectionId c, Meeting& m, Participant& p,
                                       const protocol::SubmitCommit& msg, TimePoint now) {
  auto refuse = [&](std::string reason) {
    ++stats.commits_refused;
    send(c, protocol::CommitResult{false, m.row.epoch, std::nullopt, std::move(reason)});
  };
  if (!p.record.in_group || !m.row.group_id) return refuse("not_a_member");
  // Rule 4: the first Commit for the current epoch wins; every other one is refused.
  if (msg.epoch < m.row.epoch) return refuse("epoch_taken");
  if (msg.epoch > m.row.epoch) return refuse("wrong_epoch");
  if (m.log.size() >= config.max_log_entries) return refuse("log_full");

  auto header = framed_header(msg.commit);
  if (!header) return refuse("malformed_commit");
  if (!equal(header->group_id, *m.row.group_id)) return refuse("wrong_group");
  if (header->epoch != msg.epoch) return refuse("epoch_mismatch");
  if (header->content_type != mls::ContentType::commit) return refuse("not_a_commit");

  if (!msg.added.empty() && !msg.welcome) return refuse("missing_welcome");
  if (msg.welcome) {
    auto welcome = mls::MLSMessage::decode(*msg.welcome);
    if (!welcome || welcome->wire_format() != mls::WireFormat::mls_welcome) {
      return refuse("malformed_welcome");
    }
  }
  if (msg.group_info) {
    auto context = group_context_of(*msg.group_info);
    if (!context || !equal(context->group_id, *m.row.group_id) || context->epoch != msg.epoch + 1) {
      return refuse("malformed_group_info");
    }
  }
  std::set<std::string> seen;
  for (const auto& a : msg.added) {
    auto it = m.participants.find(a.participant);
    if (it == m.participants.end() || it->second.record.in_group ||
        !seen.insert(a.participant).second) {
      return refuse("unknown_participant");
    }
  }

  // Accepted.
  const std::string id = p.record.participant;
  const std::uint64_t seq = ++m.row.last_seq;
  LogRecord entry{seq, protocol::MlsKind::commit, msg.epoch, id, msg.commit};
  m.log.push_back(entry);
  new_log.emplace_back(m.row.meeting, std::move(entry));
  m.row.epoch = msg.epoch + 1;
  m.row.group_info = msg.group_info;  // absent: remove proposals need a fresher one
  touch(m);
  ++stats.commits_accepted;
  info("meeting " + m.row.meeting + ": epoch " + std::to_string(m.row.epoch) + " by " + id +
       " (seq " + std::to_string(seq) + ", +" + std::to_string(msg.added.size()) + " -" +
       std::to_string(msg.removed.size()) + ")");

  send(c, protocol::CommitResult{true, m.row.epoch, seq, ""});
  // Every member of the old epoch (the committer and the removed ones included) gets
  // the Commit; the added ones get their Welcome instead.
  fan_out(m,
          std::make_shared<const protocol::ServerMessage>(
              protocol::MlsDelivery{seq, protocol::MlsKind::commit, msg.epoch, id, msg.commit}),
          nullptr);

  std::vector<std::string> forget;
  for (const auto& r : msg.removed) {
    auto it = m.participants.find(r);
    if (it == m.participants.end() || !it->second.record.in_group) continue;
    Participant& q = it->second;
    q.record.in_group = false;
    q.record.leaf.reset();
    q.record.removal_pending = false;
    q.record.demoted = false;
    q.record.welcome.reset();
    q.remove_requested = false;
    m.ready.erase(r);
    touch(m, q);
    if (config.media) config.media->remove_peer(m.row.meeting, r);
    if (!q.connection) forget.push_back(r);
    if (m.lost_leader == r) m.lost_leader.reset();
  }
  for (const auto& a : msg.added) {
    Participant& q = m.participants.at(a.participant);
    q.record.in_group = true;
    q.record.leaf = a.leaf;
    q.record.admission_seq = seq;
    q.record.key_package.reset();
    q.record.welcome = msg.welcome;
    q.record.welcome_epoch = m.row.epoch;
    q.record.welcome_seq = seq;
    touch(m, q);
    if (q.connection) {
      send(*q.connection, protocol::WelcomeDelivery{m.row.epoch, seq, *msg.welcome});
    }
  }
  for (const auto& r : forget) forget_participant(m, r);

  // Rule 7: a Commit that adds (or only updates) starts prepare/ready/execute; one
  // that only removes needs no switch and supersedes a pending one.
  m.ready.clear();
  if (!msg.added.empty() || msg.removed.empty()) {
    m.switch_epoch = m.row.epoch;
    m.switch_deadline = now + config.switch_timeout;
  } else {
    m.switch_epoch.reset();
    m.switch_deadline.reset();
  }

  // The leader's request is answered; what is still pending gets a fresh deadline,
  // and pending removals a Remove proposal for the new epoch.
  m.leader_deadline.reset();
  auto leader_it = m.row.leader ? m.participants.find(*m.row.leader) : m.participants.end();
  if (m.row.leader && (leader_it == m.participants.end() || !leader_it->second.record.in_group)) {
    m.row.leader.reset();
    designate(m, std::nullopt, now);  // the leader removed itself
  } else if (m.row.leader) {
    auto l = m.participants.find(*m.row.leader);
    bool pending = false;
    for (auto& [qid, q] : m.participants) {
      if (qid == *m.row.leader) continue;
      if (q.record.in_group && q.record.removal_pending) {
        if (l->second.connection) send(*l->second.connection, remove_request(m, qid, q));
        q.remove_requested = true;
        pending = true;
      } else if (!q.record.in_group && q.record.key_package) {
        pending = true;
      }
    }
    if (pending) m.leader_deadline = now + config.leader_timeout;
  }
  // Rule 3: a host this Commit admitted leads from now on; the previous leader stays a
  // member (leader_changed without `previous`).
  for (const auto& a : msg.added) {
    auto h = m.participants.find(a.participant);
    if (h != m.participants.end() && h->second.record.host && eligible_leader(h->second) &&
        m.row.leader != a.participant) {
      designate(m, std::nullopt, now);
      break;
    }
  }
  broadcast_roster(m);
}

void DeliveryService::State::on_mls(ConnectionId c, Meeting& m, Participant& p,
                                    const protocol::SendMls& msg) {
  if (!p.record.in_group || !m.row.group_id) {
    error(c, "not_a_member", "protocol.mls: only group members send MLS messages");
    return;
  }
  if (msg.kind == protocol::MlsKind::commit) {
    error(c, "malformed", "protocol.mls.kind: commits are sent as commit");
    return;
  }
  auto header = framed_header(msg.message);
  if (!header) {
    error(c, "malformed", "protocol.mls.message: " + header.error().message);
    return;
  }
  const auto want = msg.kind == protocol::MlsKind::proposal ? mls::ContentType::proposal
                                                            : mls::ContentType::application;
  if (!equal(header->group_id, *m.row.group_id) || header->epoch != msg.epoch ||
      header->content_type != want) {
    error(c, "malformed", "protocol.mls.message: MLS header disagrees with kind/epoch/group");
    return;
  }
  const std::string id = p.record.participant;
  if (msg.kind == protocol::MlsKind::application) {
    // RFC 9420 §6: application data is only ever a PrivateMessage.
    if (header->wire_format != mls::WireFormat::mls_private_message || msg.epoch > m.row.epoch) {
      error(c, "malformed",
            "protocol.mls.message: application data must be a PrivateMessage of a past or current "
            "epoch");
      return;
    }
    fan_out(m,
            std::make_shared<const protocol::ServerMessage>(protocol::MlsDelivery{
                m.row.last_seq, protocol::MlsKind::application, msg.epoch, id, msg.message}),
            &id);
    return;
  }
  if (msg.epoch != m.row.epoch) {
    error(c, "malformed",
          "protocol.mls.epoch: a proposal must be for the current epoch " +
              std::to_string(m.row.epoch));
    return;
  }
  if (m.log.size() >= config.max_log_entries) {
    error(c, "rate_limited", "protocol.mls: the handshake log of this meeting is full");
    return;
  }
  const std::uint64_t seq = ++m.row.last_seq;
  LogRecord entry{seq, protocol::MlsKind::proposal, msg.epoch, id, msg.message};
  m.log.push_back(entry);
  new_log.emplace_back(m.row.meeting, std::move(entry));
  touch(m);
  fan_out(m,
          std::make_shared<const protocol::ServerMessage>(
              protocol::MlsDelivery{seq, protocol::MlsKind::proposal, msg.epoch, id, msg.message}),
          &id);
}

void DeliveryService::State::on_ready(Meeting& m, Participant& p, const protocol::Ready& msg) {
  if (!p.record.in_group || !m.switch_epoch || *m.switch_epoch != msg.epoch) return;
  m.ready.insert(p.record.participant);
  check_switch(m, false);
}

void DeliveryService::State::check_switch(Meeting& m, bool timed_out) {
  if (!m.switch_epoch) return;
  if (!timed_out) {
    // Every connected member of the epoch must be ready; one that is disconnected
    // cannot answer and would otherwise hold the switch until the timeout.
    for (const auto& [id, p] : m.participants) {
      if (p.record.in_group && p.connection && !m.ready.contains(id)) return;
    }
  }
  fan_out(m,
          std::make_shared<const protocol::ServerMessage>(protocol::SwitchEpoch{*m.switch_epoch}),
          nullptr);
  m.switch_epoch.reset();
  m.switch_deadline.reset();
  m.ready.clear();
}

void DeliveryService::State::on_media_offer(ConnectionId c, Meeting& m, Participant& p,
                                            const protocol::MediaOffer& msg) {
  if (!config.media) {
    error(c, "internal", "protocol.media_offer: this service runs no SFU");
    return;
  }
  auto answer = config.media->add_peer(m.row.meeting, p.record.participant, msg);
  if (!answer) {
    error(c, "malformed", "protocol.media_offer: " + answer.error().message);
    return;
  }
  send(c, std::move(*answer));
}

}  // namespace ztm::server
