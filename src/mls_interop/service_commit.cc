// MLSClient service: proposals, Commits and their processing (RFC 9420 §12).
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

Result<std::string> send_proposal(StateEntry& entry, mls::Proposal proposal) {
  ZTM_TRY_ASSIGN(auto message, entry.group->propose(std::move(proposal)));
  return to_string(message.encode());
}

// send_described_proposal builds a proposal from the runner's description (the same
// path Commit's by-value proposals take) and sends it.
Result<std::string> send_described_proposal(StateEntry& entry,
                                            const mls_client::ProposalDescription& desc) {
  const mls::Group& g = *entry.group;
  ZTM_TRY_ASSIGN(auto proposal,
                 proposal_from_description(desc, {&g.suite(), &g.group_id(), &g.tree()}));
  return send_proposal(entry, std::move(proposal));
}

}  // namespace

// --- proposals ------------------------------------------------------------------

grpc::Status MlsClientService::AddProposal(grpc::ServerContext*,
                                           const mls_client::AddProposalRequest* req,
                                           mls_client::ProposalResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    ZTM_TRY_ASSIGN(auto kp, decode_message<mls::KeyPackage>(req->key_package(), "a KeyPackage"));
    ZTM_TRY_ASSIGN(auto message, send_proposal(*entry, mls::Proposal{mls::Add{std::move(kp)}}));
    resp->set_proposal(std::move(message));
    return ok();
  });
}

grpc::Status MlsClientService::UpdateProposal(grpc::ServerContext*,
                                              const mls_client::UpdateProposalRequest* req,
                                              mls_client::ProposalResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    ZTM_TRY_ASSIGN(auto message, entry->group->propose_update());
    resp->set_proposal(to_string(message.encode()));
    return ok();
  });
}

grpc::Status MlsClientService::RemoveProposal(grpc::ServerContext*,
                                              const mls_client::RemoveProposalRequest* req,
                                              mls_client::ProposalResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    ZTM_TRY_ASSIGN(mls::LeafIndex leaf, member_leaf(entry->group->tree(), req->removed_id()));
    ZTM_TRY_ASSIGN(auto message, send_proposal(*entry, mls::Proposal{mls::Remove{leaf.value}}));
    resp->set_proposal(std::move(message));
    return ok();
  });
}

grpc::Status MlsClientService::ExternalPSKProposal(
    grpc::ServerContext*, const mls_client::ExternalPSKProposalRequest* req,
    mls_client::ProposalResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    mls_client::ProposalDescription desc;
    desc.set_proposal_type("externalPSK");
    desc.set_psk_id(req->psk_id());
    ZTM_TRY_ASSIGN(auto message, send_described_proposal(*entry, desc));
    resp->set_proposal(std::move(message));
    return ok();
  });
}

grpc::Status MlsClientService::ResumptionPSKProposal(
    grpc::ServerContext*, const mls_client::ResumptionPSKProposalRequest* req,
    mls_client::ProposalResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    mls_client::ProposalDescription desc;
    desc.set_proposal_type("resumptionPSK");
    desc.set_epoch_id(req->epoch_id());
    ZTM_TRY_ASSIGN(auto message, send_described_proposal(*entry, desc));
    resp->set_proposal(std::move(message));
    return ok();
  });
}

grpc::Status MlsClientService::GroupContextExtensionsProposal(
    grpc::ServerContext*, const mls_client::GroupContextExtensionsProposalRequest* req,
    mls_client::ProposalResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    ZTM_TRY_ASSIGN(auto extensions, decode_extensions(req->extensions()));
    ZTM_TRY_ASSIGN(
        auto message,
        send_proposal(*entry, mls::Proposal{mls::GroupContextExtensions{std::move(extensions)}}));
    resp->set_proposal(std::move(message));
    return ok();
  });
}

grpc::Status MlsClientService::ReInitProposal(grpc::ServerContext*,
                                              const mls_client::ReInitProposalRequest* req,
                                              mls_client::ProposalResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    mls_client::ProposalDescription desc;
    desc.set_proposal_type("reinit");
    desc.set_group_id(req->group_id());
    desc.set_cipher_suite(req->cipher_suite());
    *desc.mutable_extensions() = req->extensions();
    const mls::Group& g = *entry->group;
    ZTM_TRY_ASSIGN(auto proposal,
                   proposal_from_description(desc, {&g.suite(), &g.group_id(), &g.tree()}));
    ZTM_TRY_ASSIGN(auto message, send_proposal(*entry, std::move(proposal)));
    resp->set_proposal(std::move(message));
    return ok();
  });
}

// --- commits -------------------------------------------------------------------

Result<void> MlsClientService::receive_proposals(
    StateEntry& entry, const google::protobuf::RepeatedPtrField<std::string>& proposals) {
  for (const auto& data : proposals) {
    ZTM_TRY_ASSIGN(auto message, mls::MLSMessage::decode(as_bytes(data)));
    // The runner lists the member's own proposals too; those are cached already.
    if (entry.group->is_own_proposal(message)) continue;
    ZTM_TRY_ASSIGN(auto processed, entry.group->process(message));
    if (processed.content_type != mls::ContentType::proposal) {
      return fail(Errc::invalid_argument,
                  "interop.not_a_proposal: the proposal list holds another kind of message");
    }
  }
  return ok();
}

Result<void> MlsClientService::commit(StateEntry& entry, const mls_client::CommitRequest& req,
                                      mls_client::CommitResponse& resp) {
  ZTM_TRY(receive_proposals(entry, req.by_reference()));
  mls::CommitOptions options;
  const mls::Group& g = *entry.group;
  for (const auto& desc : req.by_value()) {
    ZTM_TRY_ASSIGN(auto proposal,
                   proposal_from_description(desc, {&g.suite(), &g.group_id(), &g.tree()}));
    options.by_value.push_back(std::move(proposal));
  }
  options.force_path = req.force_path();
  options.inline_tree = !req.external_tree();
  options.external_pub = true;
  ZTM_TRY_ASSIGN(auto result, entry.group->commit(options));
  const Bytes commit_bytes = result.commit.encode();
  resp.set_commit(to_string(commit_bytes));
  if (result.welcome) resp.set_welcome(to_string(result.welcome->encode()));
  if (req.external_tree()) resp.set_ratchet_tree(to_string(result.next->tree().encode()));
  entry.pending_commit = commit_bytes;
  entry.pending_next = std::move(result.next);
  return ok();
}

Result<std::shared_ptr<const mls::Group>> MlsClientService::handle_commit(
    StateEntry& entry, const mls_client::HandleCommitRequest& req) {
  if (entry.pending_commit && as_bytes(req.commit()).size() == entry.pending_commit->size() &&
      equal(as_bytes(req.commit()), *entry.pending_commit)) {
    // Our own Commit came back from the delivery service: use the state it made.
    auto next = std::move(entry.pending_next);
    entry.pending_commit.reset();
    return next;
  }
  entry.pending_commit.reset();
  entry.pending_next.reset();
  ZTM_TRY(receive_proposals(entry, req.proposal()));
  ZTM_TRY_ASSIGN(auto message, mls::MLSMessage::decode(as_bytes(req.commit())));
  ZTM_TRY_ASSIGN(auto processed, entry.group->process(message));
  if (processed.content_type != mls::ContentType::commit) {
    return fail(Errc::invalid_argument, "interop.not_a_commit: HandleCommit needs a Commit");
  }
  return std::shared_ptr<const mls::Group>(std::move(processed.next));
}

grpc::Status MlsClientService::Commit(grpc::ServerContext*, const mls_client::CommitRequest* req,
                                      mls_client::CommitResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    return commit(*entry, *req, *resp);
  });
}

grpc::Status MlsClientService::HandleCommit(grpc::ServerContext*,
                                            const mls_client::HandleCommitRequest* req,
                                            mls_client::HandleCommitResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    ZTM_TRY_ASSIGN(auto next, handle_commit(*entry, *req));
    if (next == nullptr) {
      // The Commit removed this member: there is no state to continue with.
      resp->set_state_id(0);
      return ok();
    }
    resp->set_epoch_authenticator(to_string(next->epoch_authenticator()));
    resp->set_state_id(
        store_state(std::make_shared<mls::Group>(*next), entry->encrypt_handshake, entry->psks));
    return ok();
  });
}

grpc::Status MlsClientService::HandlePendingCommit(
    grpc::ServerContext*, const mls_client::HandlePendingCommitRequest* req,
    mls_client::HandleCommitResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    if (!entry->pending_next) {
      return fail(Errc::invalid_state, "interop.no_pending_commit: this state made no Commit");
    }
    auto next = std::move(entry->pending_next);
    entry->pending_commit.reset();
    resp->set_epoch_authenticator(to_string(next->epoch_authenticator()));
    resp->set_state_id(
        store_state(std::make_shared<mls::Group>(*next), entry->encrypt_handshake, entry->psks));
    return ok();
  });
}

}  // namespace ztm::mls_interop
