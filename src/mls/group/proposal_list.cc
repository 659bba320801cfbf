// Proposal-list validation and application (RFC 9420 §12.1–§12.3).
#include "ztm/mls/proposal_list.h"

#include <algorithm>
#include <string>

#include "ztm/base/parallel.h"
#include "ztm/mls/extensions.h"

namespace ztm::mls {
namespace {

tl::unexpected<Error> violation(std::string_view rule, std::string detail) {
  return fail(Errc::protocol_violation, std::string(rule) + ": " + detail);
}

// Extension types 1..5 are the "default" ones of RFC 9420 §7.2: members need
// not list them in their capabilities.
bool is_default_extension(ExtensionType t) {
  const auto v = static_cast<std::uint16_t>(t);
  return v >= 1 && v <= 5;
}

// check_group_extensions_supported verifies that every member of tree supports
// every non-default extension in extensions and satisfies its
// required_capabilities (§12.1.7, §11.1).
Result<void> check_group_extensions_supported(const RatchetTree& tree,
                                              const ExtensionList& extensions) {
  ZTM_TRY_ASSIGN(auto required, extensions.get<RequiredCapabilitiesExtension>());
  const std::uint32_t leaves = tree.leaf_count().value;
  for (std::uint32_t i = 0; i < leaves; ++i) {
    const LeafNode* leaf = tree.leaf(LeafIndex{i});
    if (leaf == nullptr) continue;
    for (const auto& ext : extensions.entries) {
      if (!is_default_extension(ext.extension_type) &&
          !leaf->capabilities.supports_extension(ext.extension_type)) {
        return violation("proposal.group_context_extensions_unsupported",
                         "leaf " + std::to_string(i) + " does not support extension type " +
                             std::to_string(static_cast<unsigned>(ext.extension_type)));
      }
    }
    if (required) {
      auto satisfied = required->satisfied_by(leaf->capabilities);
      if (!satisfied) {
        return violation("proposal.group_context_extensions_unsupported",
                         "leaf " + std::to_string(i) + ": " + satisfied.error().message);
      }
    }
  }
  return ok();
}

// check_psk validates one PreSharedKey proposal on its own (§12.1.4).
Result<void> check_psk(const CipherSuite& suite, const PreSharedKeyID& psk, bool reinit_or_branch) {
  if (psk.psk_nonce.size() != suite.hash_size()) {
    return violation("proposal.psk_nonce_length",
                     "psk_nonce is " + std::to_string(psk.psk_nonce.size()) + " bytes, KDF.Nh is " +
                         std::to_string(suite.hash_size()));
  }
  if (psk.psktype == PSKType::resumption && psk.usage != ResumptionPSKUsage::application &&
      !reinit_or_branch) {
    return violation("proposal.psk_usage",
                     "resumption PSK with usage reinit/branch outside a reinit or branch");
  }
  return ok();
}

}  // namespace

bool path_required_for(std::span<const CommittedProposal> proposals) {
  if (proposals.empty()) return true;
  for (const auto& p : proposals) {
    switch (p.proposal.type()) {
      case ProposalType::update:
      case ProposalType::remove:
      case ProposalType::external_init:
      case ProposalType::group_context_extensions:
        return true;
      default:
        break;
    }
  }
  return false;
}

namespace {

// check_key_package_header is the first step of validate_key_package: the
// KeyPackage is for this group's version and suite.
Result<void> check_key_package_header(const KeyPackage& key_package, const GroupContext& context) {
  if (key_package.version != context.version) {
    return violation("key_package.version_mismatch", "KeyPackage version differs from the group's");
  }
  if (key_package.cipher_suite != context.cipher_suite) {
    return violation("key_package.cipher_suite_mismatch",
                     "KeyPackage suite " + std::to_string(key_package.cipher_suite) +
                         ", group suite " + std::to_string(context.cipher_suite));
  }
  return ok();
}

// check_key_package is validate_key_package with the credential check left out
// when validator is null (the caller then asks the validator itself).
Result<void> check_key_package(const CipherSuite& suite, const KeyPackage& key_package,
                               const GroupContext& context, const CredentialValidator* validator,
                               std::optional<std::uint64_t> now_seconds) {
  ZTM_TRY(check_key_package_header(key_package, context));
  LeafNodeRules rules;
  rules.expected_source = LeafNodeSource::key_package;
  rules.group_extensions = &context.extensions;
  rules.now_seconds = now_seconds;
  rules.credential_validator = validator;
  ZTM_TRY(validate_leaf_node(suite, key_package.leaf_node, rules));
  auto signature_ok = suite.verify_with_label(key_package.leaf_node.signature_key, "KeyPackageTBS",
                                              key_package.to_be_signed(), key_package.signature);
  if (!signature_ok) {
    return fail(Errc::authentication_failed,
                "key_package.signature_invalid: KeyPackage signature does not verify");
  }
  if (key_package.init_key == key_package.leaf_node.encryption_key) {
    return violation("key_package.init_key_reused", "init_key equals leaf encryption_key");
  }
  return ok();
}

// kKeyPackagesPerTask: KeyPackages checked per parallel task (two signature
// verifications each).
constexpr std::size_t kKeyPackagesPerTask = 4;

}  // namespace

Result<void> validate_key_package(const CipherSuite& suite, const KeyPackage& key_package,
                                  const GroupContext& context, const CredentialValidator& validator,
                                  std::optional<std::uint64_t> now_seconds) {
  return check_key_package(suite, key_package, context, &validator, now_seconds);
}

Result<void> validate_proposal_sender(const Proposal& proposal, const Sender& sender) {
  const ProposalType type = proposal.type();
  switch (sender.sender_type) {
    case SenderType::member:
      if (type == ProposalType::external_init) {
        return violation("proposal.sender_not_allowed", "a member cannot send ExternalInit");
      }
      return ok();
    case SenderType::external:
      // §12.1.8: add, remove, psk, reinit and group_context_extensions only.
      if (type == ProposalType::update || type == ProposalType::external_init) {
        return violation("proposal.sender_not_allowed",
                         "an external sender cannot send this proposal type");
      }
      return ok();
    case SenderType::new_member_proposal:
      if (type != ProposalType::add) {
        return violation("proposal.sender_not_allowed",
                         "a new_member_proposal sender can only propose Add");
      }
      return ok();
    case SenderType::new_member_commit:
      // Proposals of an external Commit travel by value from the joiner.
      return ok();
  }
  return violation("proposal.sender_not_allowed", "unknown sender type");
}

Result<AppliedProposals> apply_proposal_list(const CipherSuite& suite,
                                             std::span<const CommittedProposal> proposals,
                                             const ProposalListInput& input) {
  if (input.context == nullptr || input.tree == nullptr || input.validator == nullptr) {
    return fail(Errc::invalid_argument, "apply_proposal_list: context, tree and validator needed");
  }
  const GroupContext& context = *input.context;
  const RatchetTree& old_tree = *input.tree;
  const bool external = input.committer.sender_type == SenderType::new_member_commit;
  // A plain index and flag rather than std::optional: GCC 12 misreports the
  // optional as maybe-uninitialized here.
  const bool member_committer = input.committer.sender_type == SenderType::member;
  const std::uint32_t committer_leaf = input.committer.index;
  if (!external && !member_committer) {
    return fail(Errc::protocol_violation,
                "commit.sender_type: a Commit comes from a member or a "
                "new_member_commit");
  }

  // Sort the list by type, checking the rules that need only the list (§12.2).
  const GroupContextExtensions* gce = nullptr;
  std::vector<const CommittedProposal*> updates, removes, adds, psks;
  const ExternalInit* external_init = nullptr;
  const ReInit* reinit = nullptr;
  std::size_t external_init_count = 0;
  for (const auto& p : proposals) {
    ZTM_TRY(validate_proposal_sender(p.proposal, p.sender));
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, Add>) adds.push_back(&p);
          if constexpr (std::is_same_v<T, Update>) updates.push_back(&p);
          if constexpr (std::is_same_v<T, Remove>) removes.push_back(&p);
          if constexpr (std::is_same_v<T, PreSharedKey>) psks.push_back(&p);
          if constexpr (std::is_same_v<T, ReInit>) reinit = &body;
          if constexpr (std::is_same_v<T, ExternalInit>) {
            external_init = &body;
            ++external_init_count;
          }
          if constexpr (std::is_same_v<T, GroupContextExtensions>) {
            if (gce == nullptr) gce = &body;
          }
        },
        p.proposal.value);
  }
  const auto count_type = [&](ProposalType t) {
    return std::count_if(proposals.begin(), proposals.end(),
                         [t](const CommittedProposal& p) { return p.proposal.type() == t; });
  };

  if (external) {
    // §12.2, external Commit: exactly one ExternalInit, at most one Remove, any
    // number of PreSharedKey, nothing else.
    if (external_init_count != 1) {
      return violation("external_commit.external_init_count",
                       "an external Commit carries exactly one ExternalInit, found " +
                           std::to_string(external_init_count));
    }
    if (removes.size() > 1) {
      return violation("external_commit.multiple_removes", "at most one Remove is allowed");
    }
    if (proposals.size() != 1 + removes.size() + psks.size()) {
      return violation("external_commit.disallowed_proposal",
                       "only ExternalInit, Remove and PreSharedKey may appear");
    }
  } else {
    if (external_init_count != 0) {
      return violation("proposal_list.external_init", "ExternalInit in a regular Commit");
    }
    if (reinit != nullptr && proposals.size() != 1) {
      return violation("proposal_list.reinit_not_alone", "ReInit with other proposals");
    }
    if (count_type(ProposalType::group_context_extensions) > 1) {
      return violation("proposal_list.multiple_group_context_extensions",
                       "more than one GroupContextExtensions proposal");
    }
  }

  // Updates and Removes: each names a distinct member leaf (§12.2).
  std::vector<std::uint32_t> changed_leaves;
  for (const auto* p : updates) {
    if (p->sender.sender_type != SenderType::member) {
      return violation("proposal.update_sender", "an Update comes from a member");
    }
    if (member_committer && p->sender.index == committer_leaf) {
      return violation("proposal_list.update_by_committer",
                       "the committer's own Update cannot be committed");
    }
    if (old_tree.leaf(LeafIndex{p->sender.index}) == nullptr) {
      return violation("proposal.update_sender", "Update from a blank leaf");
    }
    changed_leaves.push_back(p->sender.index);
  }
  for (const auto* p : removes) {
    const auto removed = std::get<Remove>(p->proposal.value).removed;
    if (old_tree.leaf(LeafIndex{removed}) == nullptr) {
      return violation("proposal.remove_blank_leaf",
                       "Remove of leaf " + std::to_string(removed) + ", which is blank");
    }
    if (member_committer && removed == committer_leaf) {
      return violation("proposal_list.remove_committer", "the committer cannot remove itself");
    }
    changed_leaves.push_back(removed);
  }
  std::sort(changed_leaves.begin(), changed_leaves.end());
  if (std::adjacent_find(changed_leaves.begin(), changed_leaves.end()) != changed_leaves.end()) {
    return violation("proposal_list.duplicate_leaf_change",
                     "several Update/Remove proposals for one leaf");
  }

  // PreSharedKey: valid on its own, and no PreSharedKeyID twice.
  for (std::size_t i = 0; i < psks.size(); ++i) {
    const auto& id = std::get<PreSharedKey>(psks[i]->proposal.value).psk;
    ZTM_TRY(check_psk(suite, id, input.reinit_or_branch));
    for (std::size_t j = 0; j < i; ++j) {
      if (std::get<PreSharedKey>(psks[j]->proposal.value).psk == id) {
        return violation("proposal_list.duplicate_psk", "one PreSharedKeyID referenced twice");
      }
    }
  }
  if (reinit != nullptr && reinit->version < context.version) {
    return violation("proposal.reinit_version", "ReInit to an older protocol version");
  }

  // Apply (§12.3): GroupContextExtensions first, then Updates, Removes, Adds.
  AppliedProposals out{old_tree, context.extensions, {}, {}, {}, {}, {}, {}, true};
  out.path_required = path_required_for(proposals);
  if (gce != nullptr) out.extensions = gce->extensions;
  GroupContext new_context = context;
  new_context.extensions = out.extensions;

  for (const auto* p : updates) {
    const LeafIndex sender{p->sender.index};
    const auto& update = std::get<Update>(p->proposal.value);
    LeafNodeRules rules;
    rules.expected_source = LeafNodeSource::update;
    rules.group_id = context.group_id;
    rules.leaf_index = sender;
    rules.group_extensions = &out.extensions;
    rules.credential_validator = input.validator;
    ZTM_TRY(validate_leaf_node(suite, update.leaf_node, rules));
    ZTM_TRY(out.tree.validate_leaf_against_tree(update.leaf_node, sender));
    ZTM_TRY(out.tree.update_leaf(sender, update.leaf_node));
    out.updated.push_back(sender);
  }
  for (const auto* p : removes) {
    const LeafIndex removed{std::get<Remove>(p->proposal.value).removed};
    ZTM_TRY(out.tree.remove_leaf(removed));
    out.removed.push_back(removed);
  }
  // The Adds' KeyPackage checks (two signature verifications each) do not depend on
  // the tree, so they run in parallel up front; the results are then used in
  // proposal order, so the first failing Add decides the error as in a serial loop.
  // A validator that is not thread-safe is asked here, in order, after the cheap
  // header check and before the rest, which is validate_key_package's own order.
  const bool validate_in_parallel = input.validator->thread_safe();
  std::vector<Result<void>> key_package_checks(adds.size());
  parallel_for(adds.size(), kKeyPackagesPerTask, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      key_package_checks[i] =
          check_key_package(suite, std::get<Add>(adds[i]->proposal.value).key_package, new_context,
                            validate_in_parallel ? input.validator : nullptr, input.now_seconds);
    }
  });
  for (std::size_t i = 0; i < adds.size(); ++i) {
    const auto& add = std::get<Add>(adds[i]->proposal.value);
    Result<void> valid = ok();
    if (!validate_in_parallel) {
      valid = check_key_package_header(add.key_package, new_context);
      if (valid) {
        valid = validate_leaf_credential(*input.validator, add.key_package.leaf_node);
      }
    }
    if (valid) valid = std::move(key_package_checks[i]);
    if (!valid) {
      return fail(valid.error().code, "proposal.add_invalid_key_package: " + valid.error().message);
    }
    // Signature and encryption keys must be new to the tree: this also rejects
    // two Adds of one client and an Add of a client still in the group (§12.2),
    // since Removes were applied above.
    auto fresh = out.tree.validate_leaf_against_tree(add.key_package.leaf_node, std::nullopt);
    if (!fresh) {
      return fail(fresh.error().code, "proposal_list.duplicate_add: " + fresh.error().message);
    }
    ZTM_TRY_ASSIGN(LeafIndex leaf, out.tree.add_leaf(add.key_package.leaf_node));
    out.added.push_back({leaf, add.key_package});
  }
  if (gce != nullptr) ZTM_TRY(check_group_extensions_supported(out.tree, out.extensions));

  for (const auto* p : psks) out.psks.push_back(std::get<PreSharedKey>(p->proposal.value).psk);
  if (external_init != nullptr) out.external_init = *external_init;
  if (reinit != nullptr) out.reinit = *reinit;
  return out;
}

}  // namespace ztm::mls
