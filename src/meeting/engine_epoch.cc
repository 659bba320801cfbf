// Entering an epoch: the participant list from the group's leaves, the policy
// check of every new member, the security code, and the SFrame keys
// (docs/meeting.md "Epochs", docs/security.md "Security code").
#include <algorithm>
#include <cstdio>

#include "internal/engine_impl.h"
#include "ztm/base/tls_codec.h"
#include "ztm/mls/tree_math.h"

namespace ztm::meeting {

namespace {

// bit_reverse reverses the low `bits` bits of v: the stagger order that fills the
// tree from the top (leaf 0, then the first leaf of the right half, ...).
std::uint32_t bit_reverse(std::uint32_t v, unsigned bits) {
  std::uint32_t r = 0;
  for (unsigned i = 0; i < bits; ++i) {
    r = (r << 1) | ((v >> i) & 1U);
  }
  return r;
}

}  // namespace

Bytes leaf_key(const mls::LeafNode& leaf) {
  Bytes key = leaf.signature_key;
  tls::encode_into(key, leaf.credential);
  return key;
}

Result<std::string> security_code_for(const mls::Group& group) {
  ZTM_TRY_ASSIGN(const SecretBytes out, group.exporter(kSecurityCodeLabel, {}, 32));
  const ByteView b = out.expose();
  std::string code;
  for (int g = 0; g < 4; ++g) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | b[static_cast<std::size_t>(g * 8 + i)];
    char digits[8];
    std::snprintf(digits, sizeof digits, "%05u", static_cast<unsigned>(v % 100000));
    if (g > 0) code += ' ';
    code += digits;
  }
  return code;
}

void Engine::Impl::enter_epoch(mls::Group next, std::optional<Bytes> commit_hash, bool joined,
                               TimePoint now, Output& out) {
  const bool first = !group.has_value();
  const std::optional<std::uint64_t> previous_epoch =
      first ? std::nullopt : std::optional<std::uint64_t>(group->epoch());

  // --- who is in: diff the leaves against the previous epoch.
  const std::uint32_t leaf_count = next.tree().leaf_count().value;
  std::vector<Bytes> keys(leaf_count);
  std::vector<RosterMember> members;
  std::vector<std::uint32_t> added;
  bool removed_any = false;
  for (const auto& m : next.members()) {
    const std::uint32_t i = m.leaf.value;
    keys[i] = leaf_key(*m.leaf_node);
    RosterMember entry;
    entry.leaf = i;
    entry.is_self = i == next.own_leaf().value;
    const bool same = i < leaf_keys.size() && leaf_keys[i] == keys[i];
    if (same) {
      auto it = std::find_if(roster.begin(), roster.end(),
                             [&](const RosterMember& r) { return r.leaf == i; });
      if (it != roster.end()) entry.identity = it->identity;
    }
    if (!same) {
      entry.identity =
          config.verifier->inspect(m.leaf_node->credential, m.leaf_node->signature_key);
      added.push_back(i);
    }
    members.push_back(std::move(entry));
  }
  for (std::uint32_t i = 0; i < leaf_keys.size(); ++i) {
    if (leaf_keys[i].empty()) continue;
    if (i >= keys.size() || keys[i] != leaf_keys[i]) {
      removed_any = true;
      participant_by_leaf.erase(i);
    }
  }
  for (auto& m : members) {
    auto it = participant_by_leaf.find(m.leaf);
    if (it != participant_by_leaf.end()) m.participant = it->second;
  }

  // --- the policy, from the group itself; every new member is checked against it.
  auto group_policy = policy_of(next.context().extensions);
  if (!group_policy) {
    policy_violated = true;
    report(out, MisbehaviorKind::policy_violation, group_policy.error().message);
  } else {
    if (policy && *policy != *group_policy) {
      policy_violated = true;
      report(out, MisbehaviorKind::policy_violation,
             std::string("the group's policy changed from ") + std::string(to_string(*policy)) +
                 " to " + std::string(to_string(*group_policy)));
    }
    policy = *group_policy;
    for (auto leaf : added) {
      const auto& m = *std::find_if(members.begin(), members.end(),
                                    [&](const RosterMember& r) { return r.leaf == leaf; });
      if (!policy_allows(*policy, m.identity)) {
        policy_violated = true;
        report(out, MisbehaviorKind::policy_violation,
               "leaf " + std::to_string(leaf) + " (" + m.identity.display + ", " +
                   std::string(identity::credential_status_name(m.identity.status)) +
                   ") breaks policy " + std::string(to_string(*policy)));
      }
    }
  }

  // --- commit bookkeeping
  if (previous_epoch && commit_hash) {
    commit_by_epoch[*previous_epoch] = *commit_hash;
    while (commit_by_epoch.size() > kCommitHistory) commit_by_epoch.erase(commit_by_epoch.begin());
  }
  last_commit_hash = commit_hash;
  group = std::move(next);
  leaf_keys = std::move(keys);
  last_commit_at = now;
  const std::uint64_t epoch = group->epoch();
  const bool adds = !added.empty() && !first;

  // --- security code: new at epochs that admit someone (or change a credential),
  // carried through epochs that only remove members or refresh keys.
  if (first || adds) {
    auto code = security_code_for(*group);
    if (code && *code != security_code) {
      security_code = *code;
      out.events.push_back(SecurityCodeChanged{epoch, security_code});
    }
  }
  const bool roster_changed = members != roster;
  roster = std::move(members);
  if (roster_changed || first) out.events.push_back(RosterChanged{roster});
  (void)removed_any;

  // --- media keys
  if (auto r = install_media_keys(adds, first, now, out); !r) {
    report(out, MisbehaviorKind::protocol_violation, "media keys: " + r.error().what());
  }

  // --- leader queue: drop what this Commit already did, commit the rest now.
  prune_pending();
  if (is_leader() && has_pending()) batch_deadline = now;
  if (disagreement_since) disagreement_since = now;  // the hint gets time to follow
  check_roster(now, out);
  schedule_self_update(now);
  (void)joined;
}

Result<void> Engine::Impl::install_media_keys(bool adds, bool first, TimePoint now, Output& out) {
  const std::uint64_t epoch = group->epoch();
  ZTM_TRY_ASSIGN(const SecretBytes secret, group->exporter(kSFrameExporterLabel, {}, sframe_nk));
  const std::uint32_t leaf_count = group->tree().leaf_count().value;
  const std::uint32_t own = group->own_leaf().value;
  ZTM_TRY(media.prepare_epoch(epoch, secret, leaf_count, own, now));
  if (config.key_log) config.key_log(epoch, leaf_count, secret);
  // A creator alone sends at once. A joiner and every member of an epoch that
  // admitted someone wait for switch_epoch (prepare / ready / execute); an epoch
  // that only removed members or refreshed keys is used at once, so a removed
  // member never receives media under a key it holds (docs/protocol.md rule 7).
  const bool switch_now = (first && role == protocol::Role::creator) || (!first && !adds);
  if (adds) epochs_with_adds.insert(epoch);
  while (epochs_with_adds.size() > 64) epochs_with_adds.erase(epochs_with_adds.begin());
  if (switch_now || (early_switch && *early_switch == epoch)) {
    ZTM_TRY(media.switch_epoch(epoch, now));
    if (!first) grace_erase_at = now + config.grace_period;
    early_switch.reset();
    awaiting_switch.reset();
    out.events.push_back(EpochChanged{epoch, true});
    if (adds) out.events.push_back(KeyframeNeeded{});
  } else {
    awaiting_switch = epoch;
    switch_deadline = now + kSwitchTimeout;
    out.events.push_back(EpochChanged{epoch, false});
  }
  if (!(first && role == protocol::Role::creator)) send(out, protocol::Ready{epoch});
  return ok();
}

namespace {

// path_complete: every node of the leaf's filtered direct path is set and does not
// list the leaf as unmerged (its key reaches the leaf's own key).
bool path_complete(const mls::RatchetTree& tree, mls::LeafIndex leaf) {
  for (const mls::NodeIndex n : tree.filtered_direct_path(leaf)) {
    const mls::ParentNode* parent = tree.parent_node(n);
    if (parent == nullptr) return false;
    if (std::find(parent->unmerged_leaves.begin(), parent->unmerged_leaves.end(), leaf.value) !=
        parent->unmerged_leaves.end()) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool Engine::Impl::own_path_complete() const {
  return path_complete(group->tree(), group->own_leaf());
}

void Engine::Impl::schedule_self_update(TimePoint now) {
  self_update_at.reset();
  if (!config.fill_tree || state != EngineState::member || !group) return;
  if (own_path_complete()) return;
  const mls::RatchetTree& tree = group->tree();
  const std::uint32_t leaves = tree.leaf_count().value;
  unsigned bits = 0;
  while (bits < 32 && (std::uint64_t{1} << bits) < leaves) ++bits;
  const std::uint32_t own = group->own_leaf().value;
  const std::uint32_t own_rank = bit_reverse(own, bits);
  // Our turn is our position, in bit-reversed leaf order, among the members whose
  // path is incomplete: every member computes the same order from the same tree,
  // so the first one goes right after the quiet period and the others follow one
  // slot apart (every Commit reschedules everyone). Only members with an
  // incomplete path count, and the count stops at kFillLookahead: members further
  // back wait their bit-reversed rank on top of it.
  constexpr std::uint32_t kFillLookahead = 32;
  std::uint32_t position = 0;
  for (std::uint32_t r = 0; r < own_rank && position < kFillLookahead; ++r) {
    const std::uint32_t i = bit_reverse(r, bits);
    if (i >= leaves || i == own || tree.leaf(mls::LeafIndex{i}) == nullptr) continue;
    if (!path_complete(tree, mls::LeafIndex{i})) ++position;
  }
  if (position >= kFillLookahead) position = kFillLookahead + own_rank;
  self_update_at = now + config.fill_quiet_period + config.fill_slot * position;
}

}  // namespace ztm::meeting
