// The interop driver's plumbing: server processes, gRPC calls and the steps of
// a scenario (see interop_driver.h).
#include "interop_driver.h"

#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <set>

namespace ztm_interop {
namespace {

constexpr auto kCallDeadline = std::chrono::seconds(120);

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
  return out;
}

std::string hex_prefix(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < 8; ++i) {
    out += digits[static_cast<unsigned char>(s[i]) >> 4];
    out += digits[static_cast<unsigned char>(s[i]) & 15];
  }
  return out;
}

}  // namespace

// --- servers ---------------------------------------------------------------------

Servers& Servers::get() {
  static Servers servers;
  return servers;
}

Servers::Servers() {
  for (int i = 0; i < 2; ++i) {
    const std::uint16_t port = ztm_test::free_port();
    const std::string address = "127.0.0.1:" + std::to_string(port);
    processes_.push_back(std::make_unique<ztm_test::ChildProcess>(
        ZTM_ZTMEET_BINARY, std::vector<std::string>{"mls-interop", "--listen", address},
        std::map<std::string, std::string>{},
        dir_.path() / ("server" + std::to_string(i) + ".log")));
    auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    // Startup wait only (a sanitized binary starts slowly): not a test assertion.
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(60))) {
      throw std::runtime_error(
          "ztmeet mls-interop did not come up on " + address + ": " +
          ztm_test::read_text(dir_.path() / ("server" + std::to_string(i) + ".log")));
    }
    stubs_.push_back(mls_client::MLSClient::NewStub(channel));
  }
}

bool Servers::alive() {
  return std::all_of(processes_.begin(), processes_.end(),
                     [](const auto& p) { return p->running(); });
}

void check_status(const grpc::Status& status, const std::string& what) {
  if (!status.ok()) {
    throw StepFailed(what + " failed: [" + std::to_string(status.error_code()) + "] " +
                     status.error_message());
  }
}

std::unique_ptr<grpc::ClientContext> client_context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  return context;
}

mls_client::Extension extension(std::uint32_t type, const std::string& data) {
  mls_client::Extension ext;
  ext.set_extension_type(type);
  ext.set_extension_data(data);
  return ext;
}

// --- script ----------------------------------------------------------------------

#define ZTM_CALL(actor, method, req, resp)                                                \
  do {                                                                                    \
    auto ctx_ = client_context();                                                         \
    check_status(client(actor).method(ctx_.get(), req, &resp), #method " at " + (actor)); \
  } while (0)

Script::Script(std::uint32_t suite, bool encrypt_handshake, std::size_t assignment)
    : suite_(suite), encrypt_(encrypt_handshake), assignment_(assignment) {}

mls_client::MLSClient::Stub& Script::client(const std::string& actor) {
  auto it = server_of_.find(actor);
  if (it == server_of_.end()) {
    // Actors alternate between the servers in order of appearance; the
    // assignment shifts who lands where.
    it = server_of_.emplace(actor, (server_of_.size() + assignment_) % Servers::get().size()).first;
  }
  return Servers::get().stub(it->second);
}

std::uint32_t Script::state_of(const std::string& actor) const {
  auto it = state_.find(actor);
  if (it == state_.end()) throw StepFailed("no state for " + actor);
  return it->second;
}

void Script::agree(const std::vector<std::string>& actors, const std::string& expected) {
  for (const auto& actor : actors) {
    mls_client::StateAuthRequest req;
    req.set_state_id(state_of(actor));
    mls_client::StateAuthResponse resp;
    ZTM_CALL(actor, StateAuth, req, resp);
    if (resp.state_auth_secret() != expected || expected.empty()) {
      throw StepFailed("epoch authenticator of " + actor + " is " +
                       hex_prefix(resp.state_auth_secret()) + "..., expected " +
                       hex_prefix(expected) + "...");
    }
  }
}

void Script::create_group(const std::string& actor, const std::vector<std::string>& members) {
  group_id_ = "group-" + hex_prefix(random_bytes(8));
  mls_client::CreateGroupRequest req;
  req.set_group_id(group_id_);
  req.set_cipher_suite(suite_);
  req.set_encrypt_handshake(encrypt_);
  req.set_identity(actor);
  mls_client::CreateGroupResponse resp;
  ZTM_CALL(actor, CreateGroup, req, resp);
  state_[actor] = resp.state_id();
  if (members.empty()) return;
  CommitArgs args;
  for (const auto& m : members) args.by_reference.push_back(add_proposal(actor, key_package(m)));
  args.joiners = members;
  full_commit(actor, args);
}

std::string Script::key_package(const std::string& actor) {
  mls_client::CreateKeyPackageRequest req;
  req.set_cipher_suite(suite_);
  req.set_identity(actor);
  mls_client::CreateKeyPackageResponse resp;
  ZTM_CALL(actor, CreateKeyPackage, req, resp);
  transaction_[actor] = resp.transaction_id();
  return resp.key_package();
}

std::string Script::add_proposal(const std::string& actor, const std::string& key_package) {
  mls_client::AddProposalRequest req;
  req.set_state_id(state_of(actor));
  req.set_key_package(key_package);
  mls_client::ProposalResponse resp;
  ZTM_CALL(actor, AddProposal, req, resp);
  return resp.proposal();
}

std::string Script::update_proposal(const std::string& actor) {
  mls_client::UpdateProposalRequest req;
  req.set_state_id(state_of(actor));
  mls_client::ProposalResponse resp;
  ZTM_CALL(actor, UpdateProposal, req, resp);
  return resp.proposal();
}

std::string Script::remove_proposal(const std::string& actor, const std::string& removed) {
  mls_client::RemoveProposalRequest req;
  req.set_state_id(state_of(actor));
  req.set_removed_id(removed);
  mls_client::ProposalResponse resp;
  ZTM_CALL(actor, RemoveProposal, req, resp);
  return resp.proposal();
}

std::string Script::external_psk_proposal(const std::string& actor, const std::string& psk_id) {
  mls_client::ExternalPSKProposalRequest req;
  req.set_state_id(state_of(actor));
  req.set_psk_id(psk_id);
  mls_client::ProposalResponse resp;
  ZTM_CALL(actor, ExternalPSKProposal, req, resp);
  return resp.proposal();
}

std::string Script::resumption_psk_proposal(const std::string& actor, std::uint64_t epoch) {
  mls_client::ResumptionPSKProposalRequest req;
  req.set_state_id(state_of(actor));
  req.set_epoch_id(epoch);
  mls_client::ProposalResponse resp;
  ZTM_CALL(actor, ResumptionPSKProposal, req, resp);
  return resp.proposal();
}

std::string Script::gce_proposal(const std::string& actor,
                                 const std::vector<mls_client::Extension>& extensions) {
  mls_client::GroupContextExtensionsProposalRequest req;
  req.set_state_id(state_of(actor));
  for (const auto& e : extensions) *req.add_extensions() = e;
  mls_client::ProposalResponse resp;
  ZTM_CALL(actor, GroupContextExtensionsProposal, req, resp);
  return resp.proposal();
}

std::string Script::install_psk(const std::vector<std::string>& clients) {
  const std::string id = random_bytes(32);
  const std::string secret = random_bytes(32);
  psk_secret_[id] = secret;
  for (const auto& c : clients) {
    mls_client::StorePSKRequest req;
    auto s = state_.find(c);
    req.set_state_or_transaction_id(s != state_.end() ? s->second : transaction_.at(c));
    req.set_psk_id(id);
    req.set_psk_secret(secret);
    mls_client::StorePSKResponse resp;
    ZTM_CALL(c, StorePSK, req, resp);
  }
  return id;
}

mls_client::ProposalDescription Script::to_proto(const Desc& desc) {
  mls_client::ProposalDescription out;
  out.set_proposal_type(desc.type);
  out.set_key_package(desc.key_package);
  out.set_removed_id(desc.removed);
  out.set_psk_id(desc.psk_id);
  out.set_epoch_id(desc.epoch);
  for (const auto& e : desc.extensions) *out.add_extensions() = e;
  if (desc.type == "reinit") {
    if (desc.change_suite) suite_ = next_suite();
    out.set_cipher_suite(suite_);
    out.set_group_id(desc.change_group_id ? group_id_ + "++" : group_id_);
  }
  return out;
}

void Script::full_commit(const std::string& actor, const CommitArgs& args) {
  mls_client::CommitRequest req;
  req.set_state_id(state_of(actor));
  for (const auto& p : args.by_reference) req.add_by_reference(p);
  for (const auto& d : args.by_value) *req.add_by_value() = to_proto(d);
  req.set_force_path(args.force_path);
  req.set_external_tree(args.external_tree);
  mls_client::CommitResponse commit;
  ZTM_CALL(actor, Commit, req, commit);
  if (!args.external_tree && !commit.ratchet_tree().empty()) {
    throw StepFailed("Commit returned a ratchet_tree without external_tree");
  }

  last_commit_ = commit.commit();
  last_by_reference_ = args.by_reference;
  mls_client::HandlePendingCommitRequest pending;
  pending.set_state_id(state_of(actor));
  mls_client::HandleCommitResponse applied;
  ZTM_CALL(actor, HandlePendingCommit, pending, applied);
  state_[actor] = applied.state_id();
  const std::string authenticator = applied.epoch_authenticator();

  for (const auto& m : args.members) {
    mls_client::HandleCommitRequest hreq;
    hreq.set_state_id(state_of(m));
    for (const auto& p : args.by_reference) hreq.add_proposal(p);
    hreq.set_commit(commit.commit());
    mls_client::HandleCommitResponse hresp;
    ZTM_CALL(m, HandleCommit, hreq, hresp);
    if (hresp.epoch_authenticator() != authenticator) {
      throw StepFailed("member " + m + " disagrees on the epoch authenticator");
    }
    state_[m] = hresp.state_id();
  }
  for (const auto& j : args.joiners) {
    mls_client::JoinGroupRequest jreq;
    jreq.set_transaction_id(transaction_.at(j));
    jreq.set_welcome(commit.welcome());
    jreq.set_encrypt_handshake(encrypt_);
    jreq.set_identity(j);
    if (args.external_tree) jreq.set_ratchet_tree(commit.ratchet_tree());
    mls_client::JoinGroupResponse jresp;
    ZTM_CALL(j, JoinGroup, jreq, jresp);
    if (jresp.epoch_authenticator() != authenticator) {
      throw StepFailed("joiner " + j + " disagrees on the epoch authenticator");
    }
    state_[j] = jresp.state_id();
  }
  std::vector<std::string> everyone{actor};
  everyone.insert(everyone.end(), args.members.begin(), args.members.end());
  everyone.insert(everyone.end(), args.joiners.begin(), args.joiners.end());
  agree(everyone, authenticator);
}

void Script::handle_removal(const std::string& actor) {
  mls_client::HandleCommitRequest req;
  req.set_state_id(state_of(actor));
  for (const auto& p : last_by_reference_) req.add_proposal(p);
  req.set_commit(last_commit_);
  mls_client::HandleCommitResponse resp;
  ZTM_CALL(actor, HandleCommit, req, resp);
  if (resp.state_id() != 0 || !resp.epoch_authenticator().empty()) {
    throw StepFailed(actor + " was removed but got a state");
  }
}

void Script::external_join(const std::string& actor, const std::string& joiner,
                           const ExternalJoinArgs& args) {
  mls_client::GroupInfoRequest ireq;
  ireq.set_state_id(state_of(actor));
  ireq.set_external_tree(args.external_tree);
  mls_client::GroupInfoResponse info;
  ZTM_CALL(actor, GroupInfo, ireq, info);

  mls_client::ExternalJoinRequest req;
  req.set_group_info(info.group_info());
  req.set_ratchet_tree(info.ratchet_tree());
  req.set_encrypt_handshake(encrypt_);
  req.set_identity(joiner);
  req.set_remove_prior(args.remove_prior);
  for (const auto& id : args.psk_ids) {
    auto* psk = req.add_psks();
    psk->set_psk_id(id);
    psk->set_psk_secret(psk_secret_.at(id));
  }
  mls_client::ExternalJoinResponse joined;
  ZTM_CALL(joiner, ExternalJoin, req, joined);
  state_[joiner] = joined.state_id();

  std::vector<std::string> members = args.members;
  members.push_back(actor);
  for (const auto& m : members) {
    mls_client::HandleCommitRequest hreq;
    hreq.set_state_id(state_of(m));
    hreq.set_commit(joined.commit());
    mls_client::HandleCommitResponse hresp;
    ZTM_CALL(m, HandleCommit, hreq, hresp);
    if (hresp.epoch_authenticator() != joined.epoch_authenticator()) {
      throw StepFailed("member " + m + " disagrees after the external join");
    }
    state_[m] = hresp.state_id();
  }
  members.push_back(joiner);
  agree(members, joined.epoch_authenticator());
}

std::string Script::protect(const std::string& actor, const std::string& aad,
                            const std::string& pt) {
  mls_client::ProtectRequest req;
  req.set_state_id(state_of(actor));
  req.set_authenticated_data(aad);
  req.set_plaintext(pt);
  mls_client::ProtectResponse resp;
  ZTM_CALL(actor, Protect, req, resp);
  return resp.ciphertext();
}

void Script::unprotect(const std::string& actor, const std::string& ciphertext,
                       const std::string& aad, const std::string& pt) {
  mls_client::UnprotectRequest req;
  req.set_state_id(state_of(actor));
  req.set_ciphertext(ciphertext);
  mls_client::UnprotectResponse resp;
  ZTM_CALL(actor, Unprotect, req, resp);
  if (resp.plaintext() != pt || resp.authenticated_data() != aad) {
    throw StepFailed("Unprotect at " + actor + " returned other plaintext or AAD");
  }
}

void Script::reinit(const ReInitArgs& args) {
  // Who handles the Commit, and who joins the new group from the Welcome.
  std::set<std::string> not_committer{args.welcomer}, not_welcomer{args.committer};
  for (const auto& m : args.members) {
    not_committer.insert(m);
    not_welcomer.insert(m);
  }
  if (!args.proposer.empty()) {
    not_committer.insert(args.proposer);
    not_welcomer.insert(args.proposer);
  }
  not_committer.erase(args.committer);
  not_welcomer.erase(args.welcomer);

  std::string proposal = args.external_proposal;
  if (!args.proposer.empty()) {
    if (args.change_suite) suite_ = next_suite();
    mls_client::ReInitProposalRequest req;
    req.set_state_id(state_of(args.proposer));
    req.set_cipher_suite(suite_);
    req.set_group_id(args.change_group_id ? group_id_ + "++" : group_id_);
    for (const auto& e : args.extensions) *req.add_extensions() = e;
    mls_client::ProposalResponse resp;
    ZTM_CALL(args.proposer, ReInitProposal, req, resp);
    proposal = resp.proposal();
  }

  mls_client::CommitRequest creq;
  creq.set_state_id(state_of(args.committer));
  creq.add_by_reference(proposal);
  mls_client::CommitResponse commit;
  ZTM_CALL(args.committer, ReInitCommit, creq, commit);
  mls_client::HandlePendingCommitRequest preq;
  preq.set_state_id(state_of(args.committer));
  mls_client::HandleReInitCommitResponse committed;
  ZTM_CALL(args.committer, HandlePendingReInitCommit, preq, committed);
  std::map<std::string, mls_client::HandleReInitCommitResponse> reinits{
      {args.committer, committed}};
  for (const auto& m : not_committer) {
    mls_client::HandleCommitRequest hreq;
    hreq.set_state_id(state_of(m));
    hreq.add_proposal(proposal);
    hreq.set_commit(commit.commit());
    mls_client::HandleReInitCommitResponse hresp;
    ZTM_CALL(m, HandleReInitCommit, hreq, hresp);
    if (hresp.epoch_authenticator() != committed.epoch_authenticator()) {
      throw StepFailed("member " + m + " disagrees on the ReInit epoch");
    }
    reinits[m] = hresp;
  }

  mls_client::ReInitWelcomeRequest wreq;
  wreq.set_reinit_id(reinits.at(args.welcomer).reinit_id());
  for (const auto& m : not_welcomer) wreq.add_key_package(reinits.at(m).key_package());
  wreq.set_force_path(args.force_path);
  wreq.set_external_tree(args.external_tree);
  mls_client::CreateSubgroupResponse welcome;
  ZTM_CALL(args.welcomer, ReInitWelcome, wreq, welcome);
  state_[args.welcomer] = welcome.state_id();
  for (const auto& m : not_welcomer) {
    mls_client::HandleReInitWelcomeRequest jreq;
    jreq.set_reinit_id(reinits.at(m).reinit_id());
    jreq.set_welcome(welcome.welcome());
    jreq.set_ratchet_tree(welcome.ratchet_tree());
    mls_client::JoinGroupResponse jresp;
    ZTM_CALL(m, HandleReInitWelcome, jreq, jresp);
    if (jresp.epoch_authenticator() != welcome.epoch_authenticator()) {
      throw StepFailed("member " + m + " disagrees on the reinitialized group");
    }
    state_[m] = jresp.state_id();
  }
  if (args.change_group_id) group_id_ += "++";
  std::vector<std::string> everyone(not_welcomer.begin(), not_welcomer.end());
  everyone.push_back(args.welcomer);
  agree(everyone, welcome.epoch_authenticator());
  // The new group works: its creator talks, everybody reads.
  const std::string ct = protect(args.welcomer, "reinit", "hello new group");
  for (const auto& m : not_welcomer) unprotect(m, ct, "reinit", "hello new group");
}

void Script::branch(const std::string& actor, const BranchArgs& args) {
  std::map<std::string, std::uint32_t> transactions;
  mls_client::CreateBranchRequest req;
  for (const auto& m : args.members) {
    req.add_key_packages(key_package(m));
    transactions[m] = transaction_.at(m);
  }
  req.set_state_id(state_of(actor));
  req.set_group_id(group_id_ + "-branch");
  for (const auto& e : args.extensions) *req.add_extensions() = e;
  req.set_force_path(args.force_path);
  req.set_external_tree(args.external_tree);
  mls_client::CreateSubgroupResponse created;
  ZTM_CALL(actor, CreateBranch, req, created);
  state_[actor] = created.state_id();
  for (const auto& m : args.members) {
    mls_client::HandleBranchRequest hreq;
    hreq.set_state_id(state_of(m));
    hreq.set_transaction_id(transactions.at(m));
    hreq.set_welcome(created.welcome());
    hreq.set_ratchet_tree(created.ratchet_tree());
    mls_client::HandleBranchResponse hresp;
    ZTM_CALL(m, HandleBranch, hreq, hresp);
    if (hresp.epoch_authenticator() != created.epoch_authenticator()) {
      throw StepFailed("member " + m + " disagrees on the branch");
    }
    state_[m] = hresp.state_id();
  }
  std::vector<std::string> everyone = args.members;
  everyone.push_back(actor);
  agree(everyone, created.epoch_authenticator());
}

std::string Script::new_member_add_proposal(const std::string& actor, const std::string& joiner) {
  mls_client::GroupInfoRequest ireq;
  ireq.set_state_id(state_of(actor));
  mls_client::GroupInfoResponse info;
  ZTM_CALL(actor, GroupInfo, ireq, info);
  mls_client::NewMemberAddProposalRequest req;
  req.set_group_info(info.group_info());
  req.set_identity(joiner);
  mls_client::NewMemberAddProposalResponse resp;
  ZTM_CALL(joiner, NewMemberAddProposal, req, resp);
  transaction_[joiner] = resp.transaction_id();
  return resp.proposal();
}

std::string Script::add_external_signer(const std::string& actor, const std::string& signer) {
  mls_client::CreateExternalSignerRequest sreq;
  sreq.set_cipher_suite(suite_);
  sreq.set_identity(signer);
  mls_client::CreateExternalSignerResponse sresp;
  ZTM_CALL(signer, CreateExternalSigner, sreq, sresp);
  signer_[signer] = sresp.signer_id();
  mls_client::AddExternalSignerRequest req;
  req.set_state_id(state_of(actor));
  req.set_external_sender(sresp.external_sender());
  mls_client::ProposalResponse resp;
  ZTM_CALL(actor, AddExternalSigner, req, resp);
  return resp.proposal();
}

std::string Script::external_signer_proposal(const std::string& signer, const std::string& member,
                                             const Desc& desc) {
  mls_client::GroupInfoRequest ireq;
  ireq.set_state_id(state_of(member));
  ireq.set_external_tree(true);
  mls_client::GroupInfoResponse info;
  ZTM_CALL(member, GroupInfo, ireq, info);
  mls_client::ExternalSignerProposalRequest req;
  req.set_signer_id(signer_.at(signer));
  req.set_group_info(info.group_info());
  req.set_ratchet_tree(info.ratchet_tree());
  *req.mutable_description() = to_proto(desc);
  mls_client::ProposalResponse resp;
  ZTM_CALL(signer, ExternalSignerProposal, req, resp);
  return resp.proposal();
}

void Script::free_all() {
  auto free_one = [&](const std::string& actor, std::uint32_t id) {
    mls_client::FreeRequest req;
    req.set_state_id(id);
    mls_client::FreeResponse resp;
    ZTM_CALL(actor, Free, req, resp);
  };
  for (const auto& [actor, id] : state_) {
    if (id != 0) free_one(actor, id);
  }
  for (const auto& [actor, id] : signer_) free_one(actor, id);
  state_.clear();
  signer_.clear();
}

void run_script(const std::string& name, std::uint32_t suite, bool encrypt,
                const std::function<void(Script&)>& body) {
  for (std::size_t assignment = 0; assignment < Servers::get().size(); ++assignment) {
    Script script(suite, encrypt, assignment);
    try {
      body(script);
      script.free_all();
    } catch (const StepFailed& e) {
      ADD_FAILURE() << name << " (suite " << suite << (encrypt ? ", private" : ", public")
                    << " handshakes, assignment " << assignment << "): " << e.what();
    }
  }
  EXPECT_TRUE(Servers::get().alive()) << name << ": a server process died";
}

}  // namespace ztm_interop
