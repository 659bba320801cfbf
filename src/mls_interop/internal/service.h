// The MLSClient gRPC service: a thin adapter from the interop protocol's
// requests to ztm::mls calls, plus the handle tables the protocol needs (group
// states, KeyPackage transactions, reinitializations, external signers).
//
// Every RPC takes the one mutex: gRPC calls handlers from several threads and
// the runner drives one step at a time anyway.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "mls_client.grpc.pb.h"
#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/mls/external_sender.h"
#include "ztm/mls/group.h"
#include "ztm/mls/psk.h"

namespace ztm::mls_interop {

// StateEntry is one member's group state at one epoch, as the runner names it.
struct StateEntry {
  std::shared_ptr<mls::Group> group;
  bool encrypt_handshake = false;
  // psks is shared by every state of one member's lineage (StorePSK on any of
  // them reaches the next ones): GroupConfig::psks points into it.
  std::shared_ptr<mls::PskStore> psks;
  // The member's own Commit awaiting HandlePendingCommit / HandleCommit.
  std::optional<Bytes> pending_commit;
  std::shared_ptr<const mls::Group> pending_next;
};

// Transaction is a KeyPackage (with its private keys) awaiting a Welcome.
struct Transaction {
  mls::KeyPackageBundle bundle;
  std::shared_ptr<mls::PskStore> psks;
};

// ReInitEntry is a member between the ReInit Commit and the new group's
// Welcome: the link to the old group and a KeyPackage for the new suite.
struct ReInitEntry {
  mls::PriorGroup prior;
  mls::KeyPackageBundle bundle;
  bool encrypt_handshake = false;
  std::shared_ptr<mls::PskStore> psks;
};

// to_status maps a ztmeet error to a gRPC status whose message is the error's
// category and rule ("protocol_violation: proposal_list.duplicate_add: ...").
grpc::Status to_status(const Error& error);

class MlsClientService final : public mls_client::MLSClient::Service {
 public:
#define ZTM_INTEROP_RPC(name, request, response)                                  \
  grpc::Status name(grpc::ServerContext* context, const mls_client::request* req, \
                    mls_client::response* resp) override;
  ZTM_INTEROP_RPC(Name, NameRequest, NameResponse)
  ZTM_INTEROP_RPC(SupportedCiphersuites, SupportedCiphersuitesRequest,
                  SupportedCiphersuitesResponse)
  ZTM_INTEROP_RPC(CreateGroup, CreateGroupRequest, CreateGroupResponse)
  ZTM_INTEROP_RPC(CreateKeyPackage, CreateKeyPackageRequest, CreateKeyPackageResponse)
  ZTM_INTEROP_RPC(JoinGroup, JoinGroupRequest, JoinGroupResponse)
  ZTM_INTEROP_RPC(ExternalJoin, ExternalJoinRequest, ExternalJoinResponse)
  ZTM_INTEROP_RPC(GroupInfo, GroupInfoRequest, GroupInfoResponse)
  ZTM_INTEROP_RPC(StateAuth, StateAuthRequest, StateAuthResponse)
  ZTM_INTEROP_RPC(Export, ExportRequest, ExportResponse)
  ZTM_INTEROP_RPC(Protect, ProtectRequest, ProtectResponse)
  ZTM_INTEROP_RPC(Unprotect, UnprotectRequest, UnprotectResponse)
  ZTM_INTEROP_RPC(StorePSK, StorePSKRequest, StorePSKResponse)
  ZTM_INTEROP_RPC(AddProposal, AddProposalRequest, ProposalResponse)
  ZTM_INTEROP_RPC(UpdateProposal, UpdateProposalRequest, ProposalResponse)
  ZTM_INTEROP_RPC(RemoveProposal, RemoveProposalRequest, ProposalResponse)
  ZTM_INTEROP_RPC(ExternalPSKProposal, ExternalPSKProposalRequest, ProposalResponse)
  ZTM_INTEROP_RPC(ResumptionPSKProposal, ResumptionPSKProposalRequest, ProposalResponse)
  ZTM_INTEROP_RPC(GroupContextExtensionsProposal, GroupContextExtensionsProposalRequest,
                  ProposalResponse)
  ZTM_INTEROP_RPC(Commit, CommitRequest, CommitResponse)
  ZTM_INTEROP_RPC(HandleCommit, HandleCommitRequest, HandleCommitResponse)
  ZTM_INTEROP_RPC(HandlePendingCommit, HandlePendingCommitRequest, HandleCommitResponse)
  ZTM_INTEROP_RPC(ReInitProposal, ReInitProposalRequest, ProposalResponse)
  ZTM_INTEROP_RPC(ReInitCommit, CommitRequest, CommitResponse)
  ZTM_INTEROP_RPC(HandlePendingReInitCommit, HandlePendingCommitRequest, HandleReInitCommitResponse)
  ZTM_INTEROP_RPC(HandleReInitCommit, HandleCommitRequest, HandleReInitCommitResponse)
  ZTM_INTEROP_RPC(ReInitWelcome, ReInitWelcomeRequest, CreateSubgroupResponse)
  ZTM_INTEROP_RPC(HandleReInitWelcome, HandleReInitWelcomeRequest, JoinGroupResponse)
  ZTM_INTEROP_RPC(CreateBranch, CreateBranchRequest, CreateSubgroupResponse)
  ZTM_INTEROP_RPC(HandleBranch, HandleBranchRequest, HandleBranchResponse)
  ZTM_INTEROP_RPC(NewMemberAddProposal, NewMemberAddProposalRequest, NewMemberAddProposalResponse)
  ZTM_INTEROP_RPC(CreateExternalSigner, CreateExternalSignerRequest, CreateExternalSignerResponse)
  ZTM_INTEROP_RPC(AddExternalSigner, AddExternalSignerRequest, ProposalResponse)
  ZTM_INTEROP_RPC(ExternalSignerProposal, ExternalSignerProposalRequest, ProposalResponse)
  ZTM_INTEROP_RPC(Free, FreeRequest, FreeResponse)
#undef ZTM_INTEROP_RPC

 private:
  // guarded runs one RPC body under the lock and turns its error into a status.
  template <class F>
  grpc::Status guarded(F&& body) {
    std::lock_guard<std::mutex> lock(mu_);
    Result<void> result = body();
    return result ? grpc::Status::OK : to_status(result.error());
  }

  std::uint32_t next_handle() {
    return next_handle_++;
  }
  Result<StateEntry*> state(std::uint32_t id);
  Result<Transaction*> transaction(std::uint32_t id);
  Result<ReInitEntry*> reinit(std::uint32_t id);
  Result<mls::ExternalSigner*> signer(std::uint32_t id);
  // store_state files a new state and returns its handle.
  std::uint32_t store_state(std::shared_ptr<mls::Group> group, bool encrypt_handshake,
                            std::shared_ptr<mls::PskStore> psks);
  mls::GroupConfig config(bool encrypt_handshake, mls::PskStore* psks) const;

  // Shared steps of the commit RPCs (service_commit.cc).
  Result<void> receive_proposals(StateEntry& entry,
                                 const google::protobuf::RepeatedPtrField<std::string>& proposals);
  Result<void> commit(StateEntry& entry, const mls_client::CommitRequest& req,
                      mls_client::CommitResponse& resp);
  // handle_commit processes a Commit (or recognizes the member's own) and
  // returns the next state, or nullptr if it removed the member.
  Result<std::shared_ptr<const mls::Group>> handle_commit(
      StateEntry& entry, const mls_client::HandleCommitRequest& req);
  // start_reinit files a ReInitEntry for a state whose epoch committed a ReInit.
  Result<void> start_reinit(const StateEntry& entry, const mls::Group& finished,
                            mls_client::HandleReInitCommitResponse& resp);

  std::mutex mu_;
  std::uint32_t next_handle_ = 1;
  std::map<std::uint32_t, StateEntry> states_;
  std::map<std::uint32_t, Transaction> transactions_;
  std::map<std::uint32_t, ReInitEntry> reinits_;
  std::map<std::uint32_t, mls::ExternalSigner> signers_;
  mls::BasicCredentialValidator validator_;
};

// --- conversions shared by the service files (service_common.cc)

// to_string copies bytes into a protobuf `bytes` field.
inline std::string to_string(ByteView b) {
  return std::string(b.begin(), b.end());
}
// decode_message parses an MLSMessage and checks it is of wire format T.
template <class T>
Result<T> decode_message(const std::string& data, const char* what) {
  ZTM_TRY_ASSIGN(mls::MLSMessage message, mls::MLSMessage::decode(as_bytes(data)));
  if (auto* value = std::get_if<T>(&message.value)) return std::move(*value);
  return fail(Errc::invalid_argument,
              std::string("interop.wrong_wire_format: expected an MLSMessage holding ") + what);
}
// decode_extensions turns the proto's extension list into an ExtensionList
// (duplicates refused as in §13.4).
Result<mls::ExtensionList> decode_extensions(
    const google::protobuf::RepeatedPtrField<mls_client::Extension>& extensions);
// basic_credential is the runner's credential: basic, identity = actor name.
mls::Credential basic_credential(const std::string& identity);
// new_signer makes a fresh signature key for suite with a basic credential.
Result<mls::MemberSigner> new_signer(const mls::CipherSuite& suite, const std::string& identity);
// member_leaf finds the leaf whose basic identity is `identity` (removed_id).
Result<mls::LeafIndex> member_leaf(const mls::RatchetTree& tree, const std::string& identity);
// ProposalTarget is what a ProposalDescription is read against.
struct ProposalTarget {
  const mls::CipherSuite* suite;
  const Bytes* group_id;
  const mls::RatchetTree* tree;  // for "remove"
};
// proposal_from_description builds the Proposal a ProposalDescription asks for
// ("add", "remove", "externalPSK", "resumptionPSK", "groupContextExtensions",
// "reinit").
Result<mls::Proposal> proposal_from_description(const mls_client::ProposalDescription& desc,
                                                const ProposalTarget& target);
// export_private returns a private key's raw bytes for the runner's transcript.
std::string export_private(const Result<SecretBytes>& raw);

}  // namespace ztm::mls_interop
