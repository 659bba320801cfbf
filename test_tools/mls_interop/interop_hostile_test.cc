// The interop service under bad input: every RPC is implemented, garbage bytes,
// unknown handles and wrong epochs get error statuses naming the rule, and the
// server keeps serving.
#include <gtest/gtest.h>

#include <string>

#include "interop_driver.h"

namespace ztm_interop {
namespace {

mls_client::MLSClient::Stub& stub() {
  return Servers::get().stub(0);
}

// call runs one RPC with an empty or given request and returns its status.
template <class Req, class Resp, class Method>
grpc::Status call(Method method, const Req& req = Req{}) {
  auto ctx = client_context();
  Resp resp;
  return (stub().*method)(ctx.get(), req, &resp);
}

TEST(InteropService, EveryRpcIsImplemented) {
  using S = mls_client::MLSClient::Stub;
  using namespace mls_client;
  std::vector<std::pair<std::string, grpc::Status>> results{
      {"Name", call<NameRequest, NameResponse>(&S::Name)},
      {"SupportedCiphersuites", call<SupportedCiphersuitesRequest, SupportedCiphersuitesResponse>(
                                    &S::SupportedCiphersuites)},
      {"CreateGroup", call<CreateGroupRequest, CreateGroupResponse>(&S::CreateGroup)},
      {"CreateKeyPackage",
       call<CreateKeyPackageRequest, CreateKeyPackageResponse>(&S::CreateKeyPackage)},
      {"JoinGroup", call<JoinGroupRequest, JoinGroupResponse>(&S::JoinGroup)},
      {"ExternalJoin", call<ExternalJoinRequest, ExternalJoinResponse>(&S::ExternalJoin)},
      {"GroupInfo", call<GroupInfoRequest, GroupInfoResponse>(&S::GroupInfo)},
      {"StateAuth", call<StateAuthRequest, StateAuthResponse>(&S::StateAuth)},
      {"Export", call<ExportRequest, ExportResponse>(&S::Export)},
      {"Protect", call<ProtectRequest, ProtectResponse>(&S::Protect)},
      {"Unprotect", call<UnprotectRequest, UnprotectResponse>(&S::Unprotect)},
      {"StorePSK", call<StorePSKRequest, StorePSKResponse>(&S::StorePSK)},
      {"AddProposal", call<AddProposalRequest, ProposalResponse>(&S::AddProposal)},
      {"UpdateProposal", call<UpdateProposalRequest, ProposalResponse>(&S::UpdateProposal)},
      {"RemoveProposal", call<RemoveProposalRequest, ProposalResponse>(&S::RemoveProposal)},
      {"ExternalPSKProposal",
       call<ExternalPSKProposalRequest, ProposalResponse>(&S::ExternalPSKProposal)},
      {"ResumptionPSKProposal",
       call<ResumptionPSKProposalRequest, ProposalResponse>(&S::ResumptionPSKProposal)},
      {"GroupContextExtensionsProposal",
       call<GroupContextExtensionsProposalRequest, ProposalResponse>(
           &S::GroupContextExtensionsProposal)},
      {"Commit", call<CommitRequest, CommitResponse>(&S::Commit)},
      {"HandleCommit", call<HandleCommitRequest, HandleCommitResponse>(&S::HandleCommit)},
      {"HandlePendingCommit",
       call<HandlePendingCommitRequest, HandleCommitResponse>(&S::HandlePendingCommit)},
      {"ReInitProposal", call<ReInitProposalRequest, ProposalResponse>(&S::ReInitProposal)},
      {"ReInitCommit", call<CommitRequest, CommitResponse>(&S::ReInitCommit)},
      {"HandlePendingReInitCommit",
       call<HandlePendingCommitRequest, HandleReInitCommitResponse>(&S::HandlePendingReInitCommit)},
      {"HandleReInitCommit",
       call<HandleCommitRequest, HandleReInitCommitResponse>(&S::HandleReInitCommit)},
      {"ReInitWelcome", call<ReInitWelcomeRequest, CreateSubgroupResponse>(&S::ReInitWelcome)},
      {"HandleReInitWelcome",
       call<HandleReInitWelcomeRequest, JoinGroupResponse>(&S::HandleReInitWelcome)},
      {"CreateBranch", call<CreateBranchRequest, CreateSubgroupResponse>(&S::CreateBranch)},
      {"HandleBranch", call<HandleBranchRequest, HandleBranchResponse>(&S::HandleBranch)},
      {"NewMemberAddProposal",
       call<NewMemberAddProposalRequest, NewMemberAddProposalResponse>(&S::NewMemberAddProposal)},
      {"CreateExternalSigner",
       call<CreateExternalSignerRequest, CreateExternalSignerResponse>(&S::CreateExternalSigner)},
      {"AddExternalSigner",
       call<AddExternalSignerRequest, ProposalResponse>(&S::AddExternalSigner)},
      {"ExternalSignerProposal",
       call<ExternalSignerProposalRequest, ProposalResponse>(&S::ExternalSignerProposal)},
      {"Free", call<FreeRequest, FreeResponse>(&S::Free)},
  };
  EXPECT_EQ(results.size(), 34u);
  for (const auto& [name, status] : results) {
    EXPECT_NE(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << name;
    EXPECT_NE(status.error_code(), grpc::StatusCode::UNAVAILABLE) << name;
    if (!status.ok()) {
      EXPECT_FALSE(status.error_message().empty()) << name;
    }
  }
  // Handle 0 means "unknown", and cipher suite 0 does not exist.
  EXPECT_EQ(results[2].second.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(results[6].second.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(results[6].second.error_message().find("interop.unknown_state"), std::string::npos);
  EXPECT_EQ(results[33].second.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Servers::get().alive());
}

TEST(InteropService, NameAndSuites) {
  auto ctx = client_context();
  mls_client::NameResponse name;
  ASSERT_TRUE(stub().Name(ctx.get(), {}, &name).ok());
  EXPECT_EQ(name.name(), "ztmeet");
  auto ctx2 = client_context();
  mls_client::SupportedCiphersuitesResponse suites;
  ASSERT_TRUE(stub().SupportedCiphersuites(ctx2.get(), {}, &suites).ok());
  std::vector<std::uint32_t> got(suites.ciphersuites().begin(), suites.ciphersuites().end());
  for (std::uint32_t s : {1u, 2u, 3u}) {
    EXPECT_NE(std::find(got.begin(), got.end(), s), got.end()) << s;
  }
}

// garbage_cases feeds malformed MLS bytes to every RPC that parses some.
TEST(InteropService, GarbageBytesAreRejectedWithTheRule) {
  Script s(1, false, 0);
  s.create_group("alice", {"bob"});
  const std::vector<std::string> garbage{
      "", std::string(1, '\x01'), std::string("\x00\x01\x00\x05\x00", 5), std::string(300, '\xff'),
      std::string("\x00\x01\x00\x01", 4) + std::string(64, 'A')};
  using S = mls_client::MLSClient::Stub;
  for (const auto& bytes : garbage) {
    mls_client::CreateKeyPackageRequest kreq;
    kreq.set_cipher_suite(1);
    kreq.set_identity("carol");
    mls_client::CreateKeyPackageResponse kresp;
    auto kctx = client_context();
    ASSERT_TRUE(stub().CreateKeyPackage(kctx.get(), kreq, &kresp).ok());

    mls_client::JoinGroupRequest join;
    join.set_transaction_id(kresp.transaction_id());
    join.set_welcome(bytes);
    auto st =
        call<mls_client::JoinGroupRequest, mls_client::JoinGroupResponse>(&S::JoinGroup, join);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();

    mls_client::ExternalJoinRequest ext;
    ext.set_group_info(bytes);
    ext.set_identity("carol");
    st = call<mls_client::ExternalJoinRequest, mls_client::ExternalJoinResponse>(&S::ExternalJoin,
                                                                                 ext);
    EXPECT_FALSE(st.ok());
    EXPECT_FALSE(st.error_message().empty());

    mls_client::AddExternalSignerRequest signer;
    signer.set_state_id(1);
    signer.set_external_sender(bytes);
    st = call<mls_client::AddExternalSignerRequest, mls_client::ProposalResponse>(
        &S::AddExternalSigner, signer);
    EXPECT_FALSE(st.ok());
  }
  EXPECT_TRUE(Servers::get().alive());
}

TEST(InteropService, WrongEpochAndReplayAreRefused) {
  for (bool encrypt : {false, true}) {
    Script s(1, encrypt, 0);
    s.create_group("alice", {"bob"});
    // Everything a member receives goes through HandleCommit / Unprotect; the
    // driver's own checks must fail on a stale or replayed message.
    auto ct = s.protect("alice", "a", "once");
    s.unprotect("bob", ct, "a", "once");
    EXPECT_THROW(s.unprotect("bob", ct, "a", "once"), StepFailed);  // replay
    EXPECT_THROW(s.unprotect("bob", "garbage", "a", "once"), StepFailed);
    EXPECT_THROW(s.remove_proposal("alice", "nobody"), StepFailed);
    EXPECT_THROW(s.full_commit("alice", {{"not a proposal"}, {}, {"bob"}, {}, false, false}),
                 StepFailed);
    s.full_commit("alice", {{}, {}, {"bob"}, {}, false, false});
    s.free_all();
  }
  EXPECT_TRUE(Servers::get().alive());
}

TEST(InteropService, CommitOfAnotherEpochIsRefused) {
  for (bool encrypt : {false, true}) {
    // Alice commits twice without Bob; Bob then gets the second Commit only.
    auto ctx = client_context();
    mls_client::CreateGroupRequest create;
    create.set_group_id("epochs");
    create.set_cipher_suite(1);
    create.set_encrypt_handshake(encrypt);
    create.set_identity("alice");
    mls_client::CreateGroupResponse alice;
    ASSERT_TRUE(stub().CreateGroup(ctx.get(), create, &alice).ok());
    mls_client::CreateKeyPackageRequest kreq;
    kreq.set_cipher_suite(1);
    kreq.set_identity("bob");
    mls_client::CreateKeyPackageResponse kp;
    ctx = client_context();
    ASSERT_TRUE(stub().CreateKeyPackage(ctx.get(), kreq, &kp).ok());
    mls_client::CommitRequest commit;
    commit.set_state_id(alice.state_id());
    auto* add = commit.add_by_value();
    add->set_proposal_type("add");
    add->set_key_package(kp.key_package());
    mls_client::CommitResponse c1;
    ctx = client_context();
    ASSERT_TRUE(stub().Commit(ctx.get(), commit, &c1).ok());
    mls_client::HandlePendingCommitRequest pending;
    pending.set_state_id(alice.state_id());
    mls_client::HandleCommitResponse a1;
    ctx = client_context();
    ASSERT_TRUE(stub().HandlePendingCommit(ctx.get(), pending, &a1).ok());
    mls_client::JoinGroupRequest join;
    join.set_transaction_id(kp.transaction_id());
    join.set_welcome(c1.welcome());
    join.set_encrypt_handshake(encrypt);
    mls_client::JoinGroupResponse bob;
    ctx = client_context();
    ASSERT_TRUE(stub().JoinGroup(ctx.get(), join, &bob).ok());
    EXPECT_EQ(bob.epoch_authenticator(), a1.epoch_authenticator());

    mls_client::CommitRequest empty;
    empty.set_state_id(a1.state_id());
    mls_client::CommitResponse c2;
    ctx = client_context();
    ASSERT_TRUE(stub().Commit(ctx.get(), empty, &c2).ok());
    mls_client::HandlePendingCommitRequest pending2;
    pending2.set_state_id(a1.state_id());
    mls_client::HandleCommitResponse a2;
    ctx = client_context();
    ASSERT_TRUE(stub().HandlePendingCommit(ctx.get(), pending2, &a2).ok());
    mls_client::CommitRequest empty3;
    empty3.set_state_id(a2.state_id());
    mls_client::CommitResponse c3;
    ctx = client_context();
    ASSERT_TRUE(stub().Commit(ctx.get(), empty3, &c3).ok());

    // Bob is at epoch 1; the Commit of epoch 2 is for another epoch.
    mls_client::HandleCommitRequest handle;
    handle.set_state_id(bob.state_id());
    handle.set_commit(c3.commit());
    mls_client::HandleCommitResponse out;
    ctx = client_context();
    auto st = stub().HandleCommit(ctx.get(), handle, &out);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
    EXPECT_NE(st.error_message().find("epoch"), std::string::npos) << st.error_message();
    // The right one still works afterwards: the refusal changed nothing.
    handle.set_commit(c2.commit());
    ctx = client_context();
    st = stub().HandleCommit(ctx.get(), handle, &out);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(out.epoch_authenticator(), a2.epoch_authenticator());
  }
  EXPECT_TRUE(Servers::get().alive());
}

}  // namespace
}  // namespace ztm_interop
