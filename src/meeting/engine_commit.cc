// The committer's side: the leader's batched Adds and Removes, self-updates that
// fill the ratchet tree, Commits that lost their epoch, and the timers
// (docs/meeting.md "Leader", "Keeping removals O(log N)").
#include <algorithm>

#include "internal/engine_impl.h"
#include "ztm/crypto/hash.h"

namespace ztm::meeting {

void Engine::Impl::on_join_request(const protocol::JoinRequest& r, TimePoint now, Output& out) {
  if (!is_leader()) return;  // only the leader admits; a stale request is harmless
  auto message = mls::MLSMessage::decode(r.key_package);
  const auto* kp = message ? std::get_if<mls::KeyPackage>(&message->value) : nullptr;
  if (kp == nullptr || kp->cipher_suite != suite.id()) {
    send(out, protocol::Report{"join_refused", r.participant});
    return;
  }
  // RFC 9420 §10.1: the KeyPackage's signature, before anything else reads it.
  if (!suite.verify_with_label(kp->leaf_node.signature_key, "KeyPackageTBS", kp->to_be_signed(),
                               kp->signature)) {
    report(out, MisbehaviorKind::tamper, "join_request of " + r.participant + ": bad signature");
    return;
  }
  const MemberIdentity id =
      config.verifier->inspect(kp->leaf_node.credential, kp->leaf_node.signature_key);
  if (!policy || !policy_allows(*policy, id)) {
    // Not admitted: tell the service so it stops re-sending (docs/protocol.md).
    send(out, protocol::Report{"join_refused", r.participant});
    return;
  }
  if (group->tree().find_leaf(kp->leaf_node)) return;  // already admitted
  std::erase_if(pending_joins,
                [&](const PendingJoin& p) { return p.participant == r.participant; });
  pending_joins.push_back({r.participant, *kp});
  if (!batch_deadline) batch_deadline = now + config.batch_window;
}

void Engine::Impl::on_remove_request(const protocol::RemoveRequest& r, TimePoint now,
                                     Output& /*out*/) {
  if (!is_leader()) return;
  std::optional<std::uint32_t> leaf = r.leaf;
  if (!leaf && r.proposal) {
    // The service's external Remove proposal (RFC 9420 §12.1.8.1): read which leaf;
    // the Commit carries our own Remove by value, so nothing depends on its
    // signature.
    auto m = mls::MLSMessage::decode(*r.proposal);
    if (m) {
      if (const auto* pub = std::get_if<mls::PublicMessage>(&m->value)) {
        if (const auto* p = std::get_if<mls::Proposal>(&pub->content.content)) {
          if (const auto* rm = std::get_if<mls::Remove>(&p->value)) leaf = rm->removed;
        }
      }
    }
  }
  if (!leaf) {
    for (const auto& [l, p] : participant_by_leaf) {
      if (p == r.participant) leaf = l;
    }
  }
  if (leaf) queue_remove(r.participant, *leaf, now);
}

void Engine::Impl::queue_remove(std::optional<protocol::ParticipantId> who, std::uint32_t leaf,
                                TimePoint now) {
  if (!group || leaf == group->own_leaf().value) return;
  const mls::LeafNode* node = group->tree().leaf(mls::LeafIndex{leaf});
  if (node == nullptr) return;
  for (const auto& p : pending_removes) {
    if (p.leaf == leaf) return;
  }
  pending_removes.push_back({std::move(who), leaf, leaf_key(*node)});
  if (!batch_deadline) batch_deadline = now + config.batch_window;
}

void Engine::Impl::prune_pending() {
  if (!group) return;
  std::erase_if(pending_joins, [&](const PendingJoin& p) {
    return group->tree().find_leaf(p.key_package.leaf_node).has_value();
  });
  std::erase_if(pending_removes, [&](const PendingRemove& p) {
    const mls::LeafNode* node = group->tree().leaf(mls::LeafIndex{p.leaf});
    return node == nullptr || p.leaf == group->own_leaf().value || leaf_key(*node) != p.leaf_key;
  });
}

void Engine::Impl::on_commit_result(const protocol::CommitResult& r, TimePoint now,
                                    Output& /*out*/) {
  if (r.accepted || !in_flight) return;  // an accepted Commit is applied from the stream
  ++stats.commits_lost;
  const bool self_update = in_flight->self_update;
  in_flight.reset();
  if (r.reason == "epoch_taken") {
    // Another Commit won the epoch: once it arrives, enter_epoch rebuilds ours.
    return;
  }
  // Refused for another reason: try again later rather than loop.
  if (!self_update && is_leader() && has_pending()) batch_deadline = now + config.batch_window;
  if (self_update) self_update_at = now + config.fill_quiet_period;
}

void Engine::Impl::commit_pending(TimePoint now, Output& out) {
  batch_deadline.reset();
  if (!is_leader() || in_flight || !group) return;
  prune_pending();
  if (!has_pending()) return;
  std::vector<mls::Proposal> proposals;
  std::vector<std::string> removed_ids;
  std::vector<const PendingJoin*> adds;
  for (const auto& r : pending_removes) {
    if (proposals.size() >= config.max_batch) break;
    proposals.push_back(mls::Proposal{mls::Remove{r.leaf}});
    if (r.participant) {
      removed_ids.push_back(*r.participant);
    } else if (auto it = participant_by_leaf.find(r.leaf); it != participant_by_leaf.end()) {
      removed_ids.push_back(it->second);
    }
  }
  for (const auto& j : pending_joins) {
    if (proposals.size() >= config.max_batch) break;
    proposals.push_back(mls::Proposal{mls::Add{j.key_package}});
    adds.push_back(&j);
  }
  mls::CommitOptions options;
  options.by_value = std::move(proposals);
  options.inline_tree = true;
  options.external_pub = false;  // joins go through the leader, not external commits
  if (last_commit_hash) options.authenticated_data = *last_commit_hash;
  auto result = group->commit(options);
  if (!result) {
    // A KeyPackage the MLS rules refuse (e.g. one already in the group under
    // another leaf): drop the joins of this batch and keep the removals.
    report(out, MisbehaviorKind::protocol_violation, "commit: " + result.error().what());
    for (const auto* j : adds) send(out, protocol::Report{"join_refused", j->participant});
    pending_joins.clear();
    if (!pending_removes.empty()) batch_deadline = now;
    return;
  }
  protocol::SubmitCommit submit;
  submit.epoch = group->epoch();
  submit.commit = result->commit.encode();
  if (result->welcome) submit.welcome = result->welcome->encode();
  submit.group_info = mls::MLSMessage{result->group_info}.encode();
  for (const auto* j : adds) {
    auto leaf = result->next->tree().find_leaf(j->key_package.leaf_node);
    if (leaf) {
      submit.added.push_back({j->participant, leaf->value});
      participant_by_leaf[leaf->value] = j->participant;
    }
  }
  submit.removed = std::move(removed_ids);
  in_flight = InFlight{submit.epoch, crypto::hash(crypto::HashId::sha256, submit.commit),
                       std::move(result->next), now, false};
  ++stats.commits_sent;
  stats.last_commit_bytes = submit.commit.size();
  send(out, std::move(submit));
}

void Engine::Impl::commit_self_update(TimePoint now, Output& out) {
  self_update_at.reset();
  if (in_flight || !group || state != EngineState::member) return;
  mls::CommitOptions options;
  options.force_path = true;
  options.inline_tree = false;
  options.external_pub = false;
  if (last_commit_hash) options.authenticated_data = *last_commit_hash;
  auto result = group->commit(options);
  if (!result) {
    report(out, MisbehaviorKind::protocol_violation, "self-update: " + result.error().what());
    return;
  }
  protocol::SubmitCommit submit;
  submit.epoch = group->epoch();
  submit.commit = result->commit.encode();
  submit.group_info = mls::MLSMessage{result->group_info}.encode();
  in_flight = InFlight{submit.epoch, crypto::hash(crypto::HashId::sha256, submit.commit),
                       std::move(result->next), now, true};
  ++stats.commits_sent;
  stats.last_commit_bytes = submit.commit.size();
  send(out, std::move(submit));
}

void Engine::Impl::run_timers(TimePoint now, Output& out) {
  if (state == EngineState::left) return;
  media.expire(now);
  if (grace_erase_at && now >= *grace_erase_at) grace_erase_at.reset();
  if (in_flight && now - in_flight->sent_at >= kCommitTimeout) {
    // No answer: the service lost or withheld it. Rebuild (a stale copy that still
    // arrives later is refused as epoch_taken, or is the one that won).
    ++stats.commits_lost;
    in_flight.reset();
    if (is_leader() && has_pending()) batch_deadline = now;
    schedule_self_update(now);
  }
  if (state != EngineState::member) return;
  if (awaiting_switch && now >= switch_deadline) {
    // switch_epoch never came (dropped?): every member had the timeout too.
    const std::uint64_t e = *awaiting_switch;
    awaiting_switch.reset();
    on_switch(e, now, out);
  }
  if (batch_deadline && now >= *batch_deadline) commit_pending(now, out);
  if (self_update_at && now >= *self_update_at) {
    // A leader with work pending commits that first; the self-update waits.
    if (is_leader() && has_pending()) {
      self_update_at = now + config.fill_quiet_period;
    } else {
      commit_self_update(now, out);
    }
  }
  if (gap_since && now - *gap_since >= kGapTimeout && !gap_reported) {
    gap_reported = true;
    report(out, MisbehaviorKind::protocol_violation,
           "handshake messages missing after seq " + std::to_string(last_seq.value_or(0)));
    out.events.push_back(ResyncNeeded{last_seq});
  }
  if (disagreement_since) check_roster(now, out);
}

std::optional<TimePoint> Engine::Impl::next_deadline() const {
  std::optional<TimePoint> next;
  auto consider = [&](std::optional<TimePoint> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  if (state == EngineState::left) return std::nullopt;
  if (in_flight) consider(in_flight->sent_at + kCommitTimeout);
  if (awaiting_switch) consider(switch_deadline);
  consider(batch_deadline);
  consider(grace_erase_at);
  consider(self_update_at);
  if (gap_since && !gap_reported) consider(*gap_since + kGapTimeout);
  if (disagreement_since) consider(*disagreement_since + kRosterSettle);
  return next;
}

}  // namespace ztm::meeting
