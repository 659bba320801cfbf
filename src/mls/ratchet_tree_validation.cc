// Validation of leaf nodes (RFC 9420 §7.3) and of whole trees for joiners (§7.9.2,
// §12.4.3.1).
#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "ztm/base/parallel.h"
#include "ztm/mls/extensions.h"
#include "ztm/mls/ratchet_tree.h"

namespace ztm::mls {

namespace {

constexpr std::string_view kLeafNodeLabel = "LeafNodeTBS";

// kLeavesPerTask: leaves checked per parallel task when a joiner validates a tree;
// one leaf costs a signature verification (~60 us), so 8 amortize the hand-off.
constexpr std::size_t kLeavesPerTask = 8;

Result<void> violation(std::string message) {
  return fail(Errc::protocol_violation, std::move(message));
}

std::string_view as_key(ByteView v) {
  return {reinterpret_cast<const char*>(v.data()), v.size()};
}

// subtree_contains_leaf says whether leaf u lies under node n.
bool subtree_contains_leaf(NodeIndex n, std::uint32_t u) {
  return is_in_subtree(LeafIndex{u}.node(), n);
}

}  // namespace

Result<void> verify_leaf_signature(const CipherSuite& suite, const LeafNode& leaf,
                                   ByteView group_id, LeafIndex leaf_index) {
  const Bytes tbs = leaf.to_be_signed(group_id, leaf_index.value);
  auto verified = suite.verify_with_label(leaf.signature_key, kLeafNodeLabel, tbs, leaf.signature);
  if (!verified) {
    return fail(Errc::authentication_failed, "leaf_node.signature_invalid: leaf " +
                                                 std::to_string(leaf_index.value) + ": " +
                                                 verified.error().message);
  }
  return ok();
}

Result<void> sign_leaf_node(const CipherSuite& suite, const crypto::SignaturePrivateKey& key,
                            LeafNode& leaf, ByteView group_id, LeafIndex leaf_index) {
  ZTM_TRY_ASSIGN(
      leaf.signature,
      suite.sign_with_label(key, kLeafNodeLabel, leaf.to_be_signed(group_id, leaf_index.value)));
  return ok();
}

Result<void> validate_leaf_credential(const CredentialValidator& validator, const LeafNode& leaf) {
  auto accepted = validator.validate(leaf.credential, leaf.signature_key);
  if (!accepted) {
    return fail(accepted.error().code,
                "leaf_node.credential_rejected: " + accepted.error().message);
  }
  return ok();
}

namespace {

// check_leaf_content is validate_leaf_node after the credential check: the
// signature and the rules on the leaf's own fields.
Result<void> check_leaf_content(const CipherSuite& suite, const LeafNode& leaf,
                                const LeafNodeRules& rules) {
  ZTM_TRY(verify_leaf_signature(suite, leaf, rules.group_id, rules.leaf_index));
  if (rules.expected_source && leaf.leaf_node_source != *rules.expected_source) {
    return violation("leaf_node.wrong_source: leaf_node_source " +
                     std::to_string(static_cast<unsigned>(leaf.leaf_node_source)) + " where " +
                     std::to_string(static_cast<unsigned>(*rules.expected_source)) +
                     " is required");
  }
  const Capabilities& caps = leaf.capabilities;
  if (!caps.supports_version(ProtocolVersion::mls10) || !caps.supports_cipher_suite(suite.id())) {
    return violation("leaf_node.unsupported_group_parameters: capabilities lack mls10 or suite " +
                     std::to_string(suite.id()));
  }
  if (!caps.supports_credential(leaf.credential.type())) {
    return violation("leaf_node.credential_type_not_in_capabilities");
  }
  for (const auto& ext : leaf.extensions.entries) {
    if (!caps.supports_extension(ext.extension_type)) {
      return violation("leaf_node.unsupported_extension: extension " +
                       std::to_string(static_cast<unsigned>(ext.extension_type)) +
                       " not in capabilities");
    }
  }
  if (rules.group_extensions != nullptr) {
    for (const auto& ext : rules.group_extensions->entries) {
      if (!caps.supports_extension(ext.extension_type)) {
        return violation("leaf_node.unsupported_group_extension: extension " +
                         std::to_string(static_cast<unsigned>(ext.extension_type)));
      }
    }
    ZTM_TRY_ASSIGN(auto required, rules.group_extensions->get<RequiredCapabilitiesExtension>());
    if (required) ZTM_TRY(required->satisfied_by(caps));
  }
  if (leaf.leaf_node_source == LeafNodeSource::key_package) {
    const Lifetime& life = leaf.lifetime;
    if (life.not_before > life.not_after) {
      return fail(Errc::expired, "leaf_node.lifetime_invalid: not_before after not_after");
    }
    if (rules.max_lifetime_seconds != 0 &&
        life.not_after - life.not_before > rules.max_lifetime_seconds) {
      return violation("leaf_node.lifetime_too_long");
    }
    if (rules.now_seconds &&
        (*rules.now_seconds < life.not_before || *rules.now_seconds > life.not_after)) {
      return fail(Errc::expired, "leaf_node.lifetime_expired: now outside lifetime");
    }
  }
  return ok();
}

}  // namespace

Result<void> validate_leaf_node(const CipherSuite& suite, const LeafNode& leaf,
                                const LeafNodeRules& rules) {
  if (rules.credential_validator != nullptr) {
    ZTM_TRY(validate_leaf_credential(*rules.credential_validator, leaf));
  }
  return check_leaf_content(suite, leaf, rules);
}

Result<void> RatchetTree::validate_leaf_against_tree(const LeafNode& leaf,
                                                     std::optional<LeafIndex> replacing) const {
  const CredentialType own = leaf.credential.type();
  for (std::uint32_t i = 0; i < width(); ++i) {
    const auto& node = nodes_[i];
    if (!node) continue;
    const bool replaced = replacing && replacing->node().value == i;
    if (node->is_leaf()) {
      const LeafNode& other = node->leaf();
      if (replaced) {
        if (other.encryption_key == leaf.encryption_key) {
          return violation("leaf_node.encryption_key_not_updated: leaf " + std::to_string(i / 2) +
                           " keeps its encryption key");
        }
        continue;
      }
      if (!other.capabilities.supports_credential(own) ||
          !leaf.capabilities.supports_credential(other.credential.type())) {
        return violation(
            "leaf_node.credential_unsupported: credential types of the new leaf "
            "and leaf " +
            std::to_string(i / 2) + " are not mutually supported");
      }
      if (other.signature_key == leaf.signature_key) {
        return violation("leaf_node.duplicate_signature_key: same as leaf " +
                         std::to_string(i / 2));
      }
    }
    if (!replaced && node->encryption_key() == leaf.encryption_key) {
      return violation("leaf_node.duplicate_encryption_key: same as node " + std::to_string(i));
    }
  }
  return ok();
}

// §7.9.2: D (in the resolution of c) chains to p with copath child s when
// D.parent_hash is the parent hash of p with copath child s and the resolution of c
// is exactly {D} plus p's unmerged leaves under c.
Result<bool> RatchetTree::side_chains_to(NodeIndex p, NodeIndex c, NodeIndex s) const {
  const ParentNode& pn = *parent_node(p);
  std::size_t unmerged_under_c = 0;
  for (std::uint32_t u : pn.unmerged_leaves) {
    unmerged_under_c += leaf(LeafIndex{u}) != nullptr && subtree_contains_leaf(c, u);
  }
  std::vector<NodeIndex> res;
  if (!append_resolution_capped(c, res, unmerged_under_c + 1)) return false;
  if (res.size() != unmerged_under_c + 1) return false;
  // Membership tests use a sorted view: a root may list thousands of leaves added
  // without a path, and a linear search per entry would be quadratic.
  const std::vector<std::uint32_t>* sorted = &pn.unmerged_leaves;
  std::vector<std::uint32_t> sorted_copy;
  if (!std::is_sorted(sorted->begin(), sorted->end())) {
    sorted_copy = *sorted;
    std::sort(sorted_copy.begin(), sorted_copy.end());
    sorted = &sorted_copy;
  }
  std::optional<NodeIndex> d;
  for (NodeIndex n : res) {
    const bool unmerged =
        n.is_leaf() && std::binary_search(sorted->begin(), sorted->end(), n.leaf().value);
    if (unmerged) continue;
    if (d) return false;
    d = n;
  }
  if (!d) return false;
  const Node& dn = *nodes_[d->value];
  const Bytes* stored = nullptr;
  if (dn.is_leaf()) {
    if (dn.leaf().leaf_node_source != LeafNodeSource::commit) return false;
    stored = &dn.leaf().parent_hash;
  } else {
    stored = &dn.parent().parent_hash;
  }
  ZTM_TRY_ASSIGN(Bytes expected, parent_hash(p, s));
  return *stored == expected;
}

Result<void> RatchetTree::verify_parent_hashes() const {
  for (std::uint32_t i = 1; i < width(); i += 2) {
    const NodeIndex p{i};
    if (!nodes_[i]) continue;
    ZTM_TRY_ASSIGN(bool from_left, side_chains_to(p, left(p), right(p)));
    ZTM_TRY_ASSIGN(bool from_right, side_chains_to(p, right(p), left(p)));
    if (from_left == from_right) {
      return violation("tree.parent_hash_mismatch: parent node " + std::to_string(i) +
                       (from_left ? " is linked from both children" : " is not parent-hash valid"));
    }
  }
  return ok();
}

Result<void> RatchetTree::verify_unmerged_leaves() const {
  const LeafCount count = leaf_count();
  for (std::uint32_t i = 1; i < width(); i += 2) {
    const ParentNode* pn = parent_node(NodeIndex{i});
    if (pn == nullptr) continue;
    const auto& unmerged = pn->unmerged_leaves;
    for (std::size_t k = 0; k < unmerged.size(); ++k) {
      const std::uint32_t u = unmerged[k];
      if (k > 0 && unmerged[k - 1] >= u) {
        return violation("tree.unmerged_leaves_unsorted: node " + std::to_string(i));
      }
      if (u >= count.value || !subtree_contains_leaf(NodeIndex{i}, u) ||
          leaf(LeafIndex{u}) == nullptr) {
        return violation("tree.unmerged_leaf_invalid: node " + std::to_string(i) + " lists leaf " +
                         std::to_string(u));
      }
      // Every non-blank node between the leaf and this one lists it too.
      for (NodeIndex a = parent(LeafIndex{u}.node(), count); a.value != i; a = parent(a, count)) {
        const ParentNode* between = parent_node(a);
        if (between != nullptr && !std::binary_search(between->unmerged_leaves.begin(),
                                                      between->unmerged_leaves.end(), u)) {
          return violation("tree.unmerged_leaf_missing: node " + std::to_string(a.value) +
                           " does not list leaf " + std::to_string(u));
        }
      }
    }
  }
  return ok();
}

Result<void> RatchetTree::verify_unique_keys() const {
  std::unordered_set<std::string_view> encryption_keys;
  std::unordered_set<std::string_view> signature_keys;
  encryption_keys.reserve(width());
  signature_keys.reserve(width() / 2 + 1);
  for (std::uint32_t i = 0; i < width(); ++i) {
    const auto& node = nodes_[i];
    if (!node) continue;
    if (!encryption_keys.insert(as_key(node->encryption_key())).second) {
      return violation("tree.duplicate_encryption_key: node " + std::to_string(i));
    }
    if (node->is_leaf() && !signature_keys.insert(as_key(node->leaf().signature_key)).second) {
      return violation("tree.duplicate_signature_key: leaf " + std::to_string(i / 2));
    }
  }
  return ok();
}

Result<void> RatchetTree::validate_for_join(const GroupContext& context,
                                            const CredentialValidator& validator,
                                            std::optional<std::uint64_t> now_seconds) const {
  if (empty()) return violation("tree.empty");
  if (root_tree_hash() != context.tree_hash) {
    return violation("tree.hash_mismatch: ratchet tree does not match GroupContext.tree_hash");
  }
  ZTM_TRY(verify_unmerged_leaves());
  ZTM_TRY(verify_unique_keys());
  ZTM_TRY(verify_parent_hashes());
  // Credential types in use; every member must support all of them (§7.3, §13.3).
  std::vector<CredentialType> in_use;
  for (std::uint32_t i = 0; i < width(); i += 2) {
    if (!nodes_[i]) continue;
    const CredentialType t = nodes_[i]->leaf().credential.type();
    if (std::find(in_use.begin(), in_use.end(), t) == in_use.end()) in_use.push_back(t);
  }
  // The leaves' checks are independent and each costs a signature verification:
  // they dominate a join (N verifications, §12.4.3.1), so they run in parallel.
  // Every leaf's outcome is kept and the first failure in leaf order is returned, so
  // the error does not depend on the thread count. A validator that is not
  // thread-safe is called afterwards on this thread, in leaf order; within a leaf its
  // verdict comes first, as in validate_leaf_node.
  std::vector<std::uint32_t> leaves;  // node indices of the non-blank leaves
  for (std::uint32_t i = 0; i < width(); i += 2) {
    if (nodes_[i]) leaves.push_back(i);
  }
  const bool validate_in_parallel = validator.thread_safe();
  std::vector<Result<void>> outcome(leaves.size());
  const auto check_leaf = [&](std::uint32_t i) -> Result<void> {
    const LeafNode& leaf_node = nodes_[i]->leaf();
    LeafNodeRules rules;
    rules.group_id = context.group_id;
    rules.group_extensions = &context.extensions;
    rules.now_seconds = now_seconds;
    rules.leaf_index = NodeIndex{i}.leaf();
    if (validate_in_parallel) ZTM_TRY(validate_leaf_credential(validator, leaf_node));
    ZTM_TRY(check_leaf_content(suite_, leaf_node, rules));
    for (CredentialType t : in_use) {
      if (!leaf_node.capabilities.supports_credential(t)) {
        return violation("leaf_node.credential_unsupported: leaf " + std::to_string(i / 2) +
                         " does not support credential type " +
                         std::to_string(static_cast<unsigned>(t)) + " in use");
      }
    }
    return ok();
  };
  parallel_for(leaves.size(), kLeavesPerTask, [&](std::size_t begin, std::size_t end) {
    for (std::size_t k = begin; k < end; ++k) outcome[k] = check_leaf(leaves[k]);
  });
  for (std::size_t k = 0; k < leaves.size(); ++k) {
    if (!validate_in_parallel)
      ZTM_TRY(validate_leaf_credential(validator, nodes_[leaves[k]]->leaf()));
    if (!outcome[k]) return outcome[k];
  }
  return ok();
}

}  // namespace ztm::mls
