// A C++ stand-in for the MLS working group's interop test runner: it starts two
// `ztmeet mls-interop` processes, assigns the actors of a scenario to them, and
// plays scenario steps over gRPC, checking after every epoch change that each
// member involved reports the same epoch authenticator (both in the step's
// response and through StateAuth).
//
// A failed step throws StepFailed; run_script() turns that into a test failure
// naming the script and the step.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "mls_client.grpc.pb.h"
#include "ztm_test/process.h"

namespace ztm_interop {

struct StepFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Servers is the pair of ztmeet processes, started once per test binary.
class Servers {
 public:
  static Servers& get();
  mls_client::MLSClient::Stub& stub(std::size_t i) { return *stubs_.at(i); }
  std::size_t size() const { return stubs_.size(); }
  // alive reports whether every server process still runs.
  bool alive();

 private:
  Servers();
  ztm_test::TempDir dir_{"ztm-mls-interop"};
  std::vector<std::unique_ptr<ztm_test::ChildProcess>> processes_;
  std::vector<std::unique_ptr<mls_client::MLSClient::Stub>> stubs_;
};

// check_status throws StepFailed unless status is OK.
void check_status(const grpc::Status& status, const std::string& what);
// client_context gives a call a generous deadline (a safety net, not a test).
std::unique_ptr<grpc::ClientContext> client_context();

// A ProposalDescription as a scenario writes it.
struct Desc {
  explicit Desc(std::string t, std::string kp = {})
      : type(std::move(t)), key_package(std::move(kp)) {}
  std::string type;  // add, remove, externalPSK, resumptionPSK, groupContextExtensions, reinit
  std::string key_package;  // add
  std::string removed;      // remove
  std::string psk_id;       // externalPSK
  std::uint64_t epoch = 0;  // resumptionPSK
  std::vector<mls_client::Extension> extensions;
  bool change_group_id = false;  // reinit
  bool change_suite = false;     // reinit
};

mls_client::Extension extension(std::uint32_t type, const std::string& data);

// Script is one run of a scenario under one cipher suite, handshake mode and
// assignment of actors to servers.
class Script {
 public:
  Script(std::uint32_t suite, bool encrypt_handshake, std::size_t assignment);

  // --- the runner's actions
  void create_group(const std::string& actor, const std::vector<std::string>& members = {});
  std::string key_package(const std::string& actor);
  std::string add_proposal(const std::string& actor, const std::string& key_package);
  std::string update_proposal(const std::string& actor);
  std::string remove_proposal(const std::string& actor, const std::string& removed);
  std::string external_psk_proposal(const std::string& actor, const std::string& psk_id);
  std::string resumption_psk_proposal(const std::string& actor, std::uint64_t epoch);
  std::string gce_proposal(const std::string& actor,
                           const std::vector<mls_client::Extension>& extensions);
  // install_psk stores a fresh external PSK at every client; returns its id.
  std::string install_psk(const std::vector<std::string>& clients);
  struct CommitArgs {
    std::vector<std::string> by_reference;
    std::vector<Desc> by_value;
    std::vector<std::string> members;  // process the Commit
    std::vector<std::string> joiners;  // join from the Welcome
    bool force_path = false;
    bool external_tree = false;
  };
  void full_commit(const std::string& actor, const CommitArgs& args);
  struct ExternalJoinArgs {
    std::vector<std::string> members;
    bool external_tree = false;
    bool remove_prior = false;
    std::vector<std::string> psk_ids;
  };
  void external_join(const std::string& actor, const std::string& joiner,
                     const ExternalJoinArgs& args);
  void external_join(const std::string& actor, const std::string& joiner) {
    external_join(actor, joiner, ExternalJoinArgs{{}, false, false, {}});
  }
  // protect returns the ciphertext; unprotect checks plaintext and AAD.
  std::string protect(const std::string& actor, const std::string& aad, const std::string& pt);
  void unprotect(const std::string& actor, const std::string& ciphertext, const std::string& aad,
                 const std::string& pt);
  struct ReInitArgs {
    std::string proposer;  // empty: use external_proposal
    std::string committer;
    std::string welcomer;
    std::vector<std::string> members;
    bool change_suite = false;
    bool change_group_id = false;
    std::vector<mls_client::Extension> extensions;
    bool force_path = false;
    bool external_tree = false;
    std::string external_proposal;
  };
  void reinit(const ReInitArgs& args);
  struct BranchArgs {
    std::vector<std::string> members;
    std::vector<mls_client::Extension> extensions;
    bool force_path = false;
    bool external_tree = false;
  };
  void branch(const std::string& actor, const BranchArgs& args);
  std::string new_member_add_proposal(const std::string& actor, const std::string& joiner);
  std::string add_external_signer(const std::string& actor, const std::string& signer);
  std::string external_signer_proposal(const std::string& signer, const std::string& member,
                                       const Desc& desc);

  // handle_removal has `actor` process the last full_commit, which removed it:
  // the service must answer OK with state_id 0 (no state to continue with).
  void handle_removal(const std::string& actor);
  // agree checks StateAuth of every actor against `expected`.
  void agree(const std::vector<std::string>& actors, const std::string& expected);
  // free releases every handle the script still holds.
  void free_all();

  std::uint32_t suite() const { return suite_; }
  // next_suite is the suite a "change cipher suite" step moves to.
  std::uint32_t next_suite() const { return suite_ % 3 + 1; }

 private:
  mls_client::MLSClient::Stub& client(const std::string& actor);
  std::uint32_t state_of(const std::string& actor) const;
  mls_client::ProposalDescription to_proto(const Desc& desc);

  std::uint32_t suite_;
  bool encrypt_;
  std::size_t assignment_;
  std::string group_id_;
  std::map<std::string, std::size_t> server_of_;
  std::map<std::string, std::uint32_t> state_;
  std::map<std::string, std::uint32_t> transaction_;
  std::map<std::string, std::uint32_t> signer_;
  std::map<std::string, std::string> psk_secret_;  // by psk id
  std::string last_commit_;
  std::vector<std::string> last_by_reference_;
};

// run_script plays body once for each assignment of actors to the two servers,
// reporting a thrown StepFailed as a test failure with `name`.
void run_script(const std::string& name, std::uint32_t suite, bool encrypt,
                const std::function<void(Script&)>& body);

}  // namespace ztm_interop
