// MLSClient service: reinitialization (RFC 9420 §11.2), subgroup branching
// (§11.3) and external proposals (§12.1.8).
#include "internal/service.h"

// GCC 12 reports -Wmaybe-uninitialized inside std::variant's move constructor
// for the Proposal and MLSMessage variants built here (a known false positive;
// see src/mls/group/group_framing.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "ztm/mls/extensions.h"

namespace ztm::mls_interop {
namespace {

Result<std::optional<mls::RatchetTree>> optional_tree(const mls::CipherSuite& suite,
                                                      const std::string& data) {
  if (data.empty()) return std::optional<mls::RatchetTree>{};
  ZTM_TRY_ASSIGN(auto tree, mls::RatchetTree::decode(suite, as_bytes(data)));
  return std::optional<mls::RatchetTree>{std::move(tree)};
}

Result<std::vector<mls::KeyPackage>> key_packages(
    const google::protobuf::RepeatedPtrField<std::string>& list) {
  std::vector<mls::KeyPackage> out;
  for (const auto& data : list) {
    ZTM_TRY_ASSIGN(auto kp, decode_message<mls::KeyPackage>(data, "a KeyPackage"));
    out.push_back(std::move(kp));
  }
  return out;
}

}  // namespace

// --- reinitialization -------------------------------------------------------------

Result<void> MlsClientService::start_reinit(const StateEntry& entry, const mls::Group& finished,
                                            mls_client::HandleReInitCommitResponse& resp) {
  ZTM_TRY_ASSIGN(mls::PriorGroup prior, finished.reinit_prior());
  // A KeyPackage for the new group's suite, with the same identity.
  ZTM_TRY_ASSIGN(auto suite, mls::CipherSuite::create(prior.reinit->cipher_suite));
  ZTM_TRY_ASSIGN(auto key, crypto::SignaturePrivateKey::generate(suite.signature_scheme()));
  ZTM_TRY_ASSIGN(auto bundle,
                 mls::create_key_package(
                     suite, mls::MemberSigner{std::move(key), finished.signer().credential}));
  resp.set_key_package(to_string(mls::MLSMessage{bundle.key_package}.encode()));
  resp.set_epoch_authenticator(to_string(finished.epoch_authenticator()));
  const std::uint32_t id = next_handle();
  reinits_.emplace(
      id, ReInitEntry{std::move(prior), std::move(bundle), entry.encrypt_handshake, entry.psks});
  resp.set_reinit_id(id);
  return ok();
}

grpc::Status MlsClientService::ReInitCommit(grpc::ServerContext*,
                                            const mls_client::CommitRequest* req,
                                            mls_client::CommitResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    ZTM_TRY(commit(*entry, *req, *resp));
    if (!entry->pending_next->pending_reinit()) {
      entry->pending_commit.reset();
      entry->pending_next.reset();
      return fail(Errc::invalid_argument,
                  "interop.no_reinit: the committed proposals hold no ReInit (§12.1.5)");
    }
    return ok();
  });
}

grpc::Status MlsClientService::HandlePendingReInitCommit(
    grpc::ServerContext*, const mls_client::HandlePendingCommitRequest* req,
    mls_client::HandleReInitCommitResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    if (!entry->pending_next) {
      return fail(Errc::invalid_state, "interop.no_pending_commit: this state made no Commit");
    }
    auto next = entry->pending_next;
    ZTM_TRY(start_reinit(*entry, *next, *resp));
    entry->pending_commit.reset();
    entry->pending_next.reset();
    return ok();
  });
}

grpc::Status MlsClientService::HandleReInitCommit(grpc::ServerContext*,
                                                  const mls_client::HandleCommitRequest* req,
                                                  mls_client::HandleReInitCommitResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    ZTM_TRY_ASSIGN(auto next, handle_commit(*entry, *req));
    if (next == nullptr) {
      return fail(Errc::invalid_argument, "interop.removed: the ReInit Commit removed us");
    }
    return start_reinit(*entry, *next, *resp);
  });
}

grpc::Status MlsClientService::ReInitWelcome(grpc::ServerContext*,
                                             const mls_client::ReInitWelcomeRequest* req,
                                             mls_client::CreateSubgroupResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(ReInitEntry * r, reinit(req->reinit_id()));
    mls::ResumedGroupOptions options;
    ZTM_TRY_ASSIGN(options.key_packages, key_packages(req->key_package()));
    options.force_path = req->force_path();
    options.inline_tree = !req->external_tree();
    ZTM_TRY_ASSIGN(auto resumed, mls::Group::create_resumed(
                                     r->prior, r->bundle.signer,
                                     config(r->encrypt_handshake, r->psks.get()), options));
    resp->set_welcome(to_string(resumed.welcome.encode()));
    if (req->external_tree()) resp->set_ratchet_tree(to_string(resumed.group.tree().encode()));
    resp->set_epoch_authenticator(to_string(resumed.group.epoch_authenticator()));
    resp->set_state_id(store_state(std::make_shared<mls::Group>(std::move(resumed.group)),
                                   r->encrypt_handshake, r->psks));
    return ok();
  });
}

grpc::Status MlsClientService::HandleReInitWelcome(
    grpc::ServerContext*, const mls_client::HandleReInitWelcomeRequest* req,
    mls_client::JoinGroupResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(ReInitEntry * r, reinit(req->reinit_id()));
    ZTM_TRY_ASSIGN(auto welcome, decode_message<mls::Welcome>(req->welcome(), "a Welcome"));
    ZTM_TRY_ASSIGN(auto suite, mls::CipherSuite::create(r->bundle.key_package.cipher_suite));
    mls::JoinOptions options;
    ZTM_TRY_ASSIGN(options.tree, optional_tree(suite, req->ratchet_tree()));
    options.prior = &r->prior;
    ZTM_TRY_ASSIGN(
        auto group,
        mls::Group::join(welcome, r->bundle, config(r->encrypt_handshake, r->psks.get()), options));
    resp->set_epoch_authenticator(to_string(group.epoch_authenticator()));
    resp->set_state_id(
        store_state(std::make_shared<mls::Group>(std::move(group)), r->encrypt_handshake, r->psks));
    return ok();
  });
}

// --- branching -----------------------------------------------------------------

grpc::Status MlsClientService::CreateBranch(grpc::ServerContext*,
                                            const mls_client::CreateBranchRequest* req,
                                            mls_client::CreateSubgroupResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    const mls::Group& old = *entry->group;
    mls::ResumedGroupOptions options;
    options.group_id = to_bytes(req->group_id());
    ZTM_TRY_ASSIGN(options.extensions, decode_extensions(req->extensions()));
    ZTM_TRY_ASSIGN(options.key_packages, key_packages(req->key_packages()));
    options.force_path = req->force_path();
    options.inline_tree = !req->external_tree();
    // A fresh signature key in the branch, under the same credential.
    ZTM_TRY_ASSIGN(auto key, crypto::SignaturePrivateKey::generate(old.suite().signature_scheme()));
    ZTM_TRY_ASSIGN(auto branch, mls::Group::create_resumed(
                                    old.branch_prior(),
                                    mls::MemberSigner{std::move(key), old.signer().credential},
                                    config(entry->encrypt_handshake, entry->psks.get()), options));
    resp->set_welcome(to_string(branch.welcome.encode()));
    if (req->external_tree()) resp->set_ratchet_tree(to_string(branch.group.tree().encode()));
    resp->set_epoch_authenticator(to_string(branch.group.epoch_authenticator()));
    resp->set_state_id(store_state(std::make_shared<mls::Group>(std::move(branch.group)),
                                   entry->encrypt_handshake, entry->psks));
    return ok();
  });
}

grpc::Status MlsClientService::HandleBranch(grpc::ServerContext*,
                                            const mls_client::HandleBranchRequest* req,
                                            mls_client::HandleBranchResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    ZTM_TRY_ASSIGN(Transaction * tx, transaction(req->transaction_id()));
    ZTM_TRY_ASSIGN(auto welcome, decode_message<mls::Welcome>(req->welcome(), "a Welcome"));
    const mls::PriorGroup prior = entry->group->branch_prior();
    mls::JoinOptions options;
    ZTM_TRY_ASSIGN(options.tree, optional_tree(entry->group->suite(), req->ratchet_tree()));
    options.prior = &prior;
    ZTM_TRY_ASSIGN(auto group,
                   mls::Group::join(welcome, tx->bundle,
                                    config(entry->encrypt_handshake, entry->psks.get()), options));
    resp->set_epoch_authenticator(to_string(group.epoch_authenticator()));
    resp->set_state_id(store_state(std::make_shared<mls::Group>(std::move(group)),
                                   entry->encrypt_handshake, entry->psks));
    return ok();
  });
}

// --- external proposals -----------------------------------------------------------

grpc::Status MlsClientService::NewMemberAddProposal(
    grpc::ServerContext*, const mls_client::NewMemberAddProposalRequest* req,
    mls_client::NewMemberAddProposalResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(auto info, decode_message<mls::GroupInfo>(req->group_info(), "a GroupInfo"));
    ZTM_TRY_ASSIGN(auto suite, mls::CipherSuite::create(info.group_context.cipher_suite));
    ZTM_TRY_ASSIGN(auto signer, new_signer(suite, req->identity()));
    ZTM_TRY_ASSIGN(auto bundle, mls::create_key_package(suite, std::move(signer)));
    ZTM_TRY_ASSIGN(auto proposal, mls::propose_new_member_add(info.group_context, bundle));
    resp->set_proposal(to_string(proposal.encode()));
    resp->set_init_priv(export_private(bundle.init_key.export_raw()));
    resp->set_encryption_priv(export_private(bundle.encryption_key.export_raw()));
    resp->set_signature_priv(export_private(bundle.signer.signature_key.export_raw()));
    const std::uint32_t id = next_handle();
    transactions_.emplace(id, Transaction{std::move(bundle), std::make_shared<mls::PskStore>()});
    resp->set_transaction_id(id);
    return ok();
  });
}

grpc::Status MlsClientService::CreateExternalSigner(
    grpc::ServerContext*, const mls_client::CreateExternalSignerRequest* req,
    mls_client::CreateExternalSignerResponse* resp) {
  return guarded([&]() -> Result<void> {
    if (req->cipher_suite() > 0xffff) {
      return fail(Errc::invalid_argument, "interop.cipher_suite: not a uint16");
    }
    ZTM_TRY_ASSIGN(auto suite,
                   mls::CipherSuite::create(static_cast<std::uint16_t>(req->cipher_suite())));
    ZTM_TRY_ASSIGN(auto signer,
                   mls::ExternalSigner::generate(suite, basic_credential(req->identity())));
    resp->set_external_sender(to_string(tls::encode(signer.external_sender())));
    const std::uint32_t id = next_handle();
    signers_.emplace(id, std::move(signer));
    resp->set_signer_id(id);
    return ok();
  });
}

grpc::Status MlsClientService::AddExternalSigner(grpc::ServerContext*,
                                                 const mls_client::AddExternalSignerRequest* req,
                                                 mls_client::ProposalResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    ZTM_TRY_ASSIGN(auto sender, tls::decode<mls::ExternalSender>(as_bytes(req->external_sender())));
    // §12.1.7 replaces the whole list: keep the current extensions and append
    // the sender to external_senders.
    mls::ExtensionList extensions = entry->group->context().extensions;
    ZTM_TRY_ASSIGN(auto senders, extensions.get<mls::ExternalSendersExtension>());
    mls::ExternalSendersExtension updated = senders.value_or(mls::ExternalSendersExtension{});
    updated.senders.push_back(std::move(sender));
    extensions.put(updated);
    ZTM_TRY_ASSIGN(auto message,
                   entry->group->propose(mls::Proposal{mls::GroupContextExtensions{extensions}}));
    resp->set_proposal(to_string(message.encode()));
    return ok();
  });
}

grpc::Status MlsClientService::ExternalSignerProposal(
    grpc::ServerContext*, const mls_client::ExternalSignerProposalRequest* req,
    mls_client::ProposalResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(mls::ExternalSigner * ext, signer(req->signer_id()));
    ZTM_TRY_ASSIGN(auto info, decode_message<mls::GroupInfo>(req->group_info(), "a GroupInfo"));
    const mls::CipherSuite& suite = ext->suite();
    // The tree comes out of band or in the GroupInfo; either way it must be the
    // one the GroupInfo's signer vouches for.
    ZTM_TRY_ASSIGN(auto tree, optional_tree(suite, req->ratchet_tree()));
    if (!tree) {
      const mls::Extension* in_info = info.extensions.find(mls::ExtensionType::ratchet_tree);
      if (in_info == nullptr) {
        return fail(Errc::not_found, "interop.no_ratchet_tree: the external signer needs a tree");
      }
      ZTM_TRY_ASSIGN(tree, mls::RatchetTree::decode(suite, in_info->extension_data));
    }
    ZTM_TRY(mls::verify_group_info(info, *tree));
    ZTM_TRY_ASSIGN(auto proposal,
                   proposal_from_description(req->description(),
                                             {&suite, &info.group_context.group_id, &*tree}));
    ZTM_TRY_ASSIGN(auto message, ext->propose(info.group_context, std::move(proposal)));
    resp->set_proposal(to_string(message.encode()));
    return ok();
  });
}

}  // namespace ztm::mls_interop
