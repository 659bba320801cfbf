// mls::Group: starting a group linked to an earlier one by a resumption PSK —
// reinitialization (RFC 9420 §11.2) and subgroup branching (§11.3).
#include <algorithm>

#include "internal/group_state.h"
#include "ztm/crypto/random.h"

namespace ztm::mls {
namespace {

// check_resumed_members applies the membership rule of the link on the
// credentials of the new group's KeyPackages plus the creator's.
Result<void> check_resumed_members(const PriorGroup& prior, const Credential& creator,
                                   const std::vector<KeyPackage>& key_packages) {
  std::vector<const Credential*> joining{&creator};
  for (const auto& kp : key_packages) joining.push_back(&kp.leaf_node.credential);
  if (prior.usage == ResumptionPSKUsage::reinit) {
    for (const Credential& old : prior.members) {
      const bool present = std::any_of(joining.begin(), joining.end(),
                                       [&](const Credential* c) { return *c == old; });
      if (!present) {
        return fail(Errc::invalid_argument,
                    "reinit.member_missing: a reinitialized group must hold every member of "
                    "the old group (§11.2)");
      }
    }
    return ok();
  }
  for (const Credential* c : joining) {
    if (std::find(prior.members.begin(), prior.members.end(), *c) == prior.members.end()) {
      return fail(Errc::invalid_argument,
                  "branch.foreign_member: a branch takes only members of the old group (§11.3)");
    }
  }
  return ok();
}

}  // namespace

Result<ResumedGroup> Group::create_resumed(const PriorGroup& prior, MemberSigner signer,
                                           const GroupConfig& config,
                                           const ResumedGroupOptions& options) {
  if (prior.usage == ResumptionPSKUsage::application) {
    return fail(Errc::invalid_argument,
                "resumed_group.usage: a resumed group links by a reinit or branch PSK");
  }
  Bytes group_id = options.group_id;
  ExtensionList extensions = options.extensions;
  CipherSuiteId suite_id = prior.cipher_suite;
  if (prior.usage == ResumptionPSKUsage::reinit) {
    if (!prior.reinit) {
      return fail(Errc::invalid_argument, "reinit.missing: the prior group carries no ReInit");
    }
    // §11.2: version, cipher_suite, group_id and extensions come from the
    // ReInit.
    if (prior.reinit->version != ProtocolVersion::mls10) {
      return fail(Errc::unsupported, "reinit.version: only mls10 is implemented");
    }
    group_id = prior.reinit->group_id;
    extensions = prior.reinit->extensions;
    suite_id = prior.reinit->cipher_suite;
  }
  ZTM_TRY(check_resumed_members(prior, signer.credential, options.key_packages));
  ZTM_TRY_ASSIGN(CipherSuite suite, CipherSuite::create(suite_id));
  ZTM_TRY_ASSIGN(Group group, create(suite, std::move(group_id), std::move(signer),
                                     std::move(extensions), config));

  // §11.2/§11.3: a PreSharedKey proposal of type resumption with the link's
  // usage, naming the old group's epoch, with a fresh KDF.Nh-byte nonce.
  PreSharedKeyID id;
  id.psktype = PSKType::resumption;
  id.usage = prior.usage;
  id.psk_group_id = prior.group_id;
  id.psk_epoch = prior.epoch;
  id.psk_nonce = crypto::random_bytes(suite.hash_size());
  GroupAccess::state(group).linked_psk = PskInput{id, prior.resumption_psk};

  CommitOptions commit_options;
  for (const auto& kp : options.key_packages) {
    commit_options.by_value.push_back(Proposal{Add{kp}});
  }
  commit_options.by_value.push_back(Proposal{PreSharedKey{std::move(id)}});
  commit_options.force_path = options.force_path;
  commit_options.inline_tree = options.inline_tree;
  commit_options.external_pub = options.external_pub;
  ZTM_TRY_ASSIGN(CommitResult committed, group.commit(commit_options));
  if (!committed.welcome) {
    return fail(Errc::invalid_argument,
                "resumed_group.no_members: a resumed group needs at least one other member");
  }
  return ResumedGroup{*committed.next, std::move(*committed.welcome),
                      std::move(committed.group_info)};
}

}  // namespace ztm::mls
