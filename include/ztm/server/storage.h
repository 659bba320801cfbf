// Storage of the meeting service's state: meetings, their roster, epoch, pending
// KeyPackages and handshake log, so that a restarted service resumes every meeting at
// its epoch (docs/operations.md). Three implementations: MemoryStorage (tests, demos, a
// service that may forget everything when it stops), SqliteStorage (the default of
// `ztmeet server --db FILE`) and RedisStorage (`ztmeet server --redis URL`, shared by
// the nodes of a cluster, docs/decisions/0075-multi-node-redis-leases.md).
//
// What is stored is what the service already sees: routing hints, MLS messages it
// relays (signed and, for Welcomes and application data, encrypted end to end) and
// SHA-256 hashes of resume tokens. No E2E key is ever stored, because the service has
// none. The service's own MLS external-sender signature key is stored (it must
// survive a restart, since groups list its public key).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/meeting/protocol.h"

namespace ztm::server {

// ParticipantRecord is one participant of a meeting as the service keeps it.
struct ParticipantRecord {
  std::string participant;
  std::string display_hint;
  Bytes resume_token_hash;            // SHA-256 of the resume token; the token itself is not kept
  bool creator = false;               // told role creator and has not created the group yet
  bool in_group = false;              // admitted by group_created or by an accepted Commit
  std::optional<std::uint32_t> leaf;  // leaf hint given by the admitting Commit
  std::uint64_t admission_seq = 0;    // seq of the admitting Commit (creator: 0)
  bool removal_pending = false;       // left, dead, or a replaced leader: to be removed
  bool demoted = false;               // missed the leader timeout: never leader again
  bool host = false;                  // the meeting's host (DeliveryConfig::is_host): it leads
  std::optional<Bytes> key_package;   // pending KeyPackage (MLSMessage), joiners only
  std::optional<Bytes> welcome;       // the Welcome that admitted it (for resume)
  std::uint64_t welcome_epoch = 0;
  std::uint64_t welcome_seq = 0;
};

// LogRecord is one handshake message (Commit or proposal) of a meeting's ordered log.
struct LogRecord {
  std::uint64_t seq = 0;
  meeting::protocol::MlsKind kind = meeting::protocol::MlsKind::commit;
  std::uint64_t epoch = 0;  // the epoch the message was sent in (its MLS header)
  std::string sender;
  Bytes message;
};

// MeetingRecord is one meeting's row; participants and log are filled by load_all.
struct MeetingRecord {
  std::string meeting;
  std::uint16_t cipher_suite = 1;
  std::optional<Bytes> group_id;
  std::uint64_t epoch = 0;
  std::uint64_t last_seq = 0;
  std::optional<std::string> leader;
  std::uint64_t next_participant_number = 1;
  std::optional<Bytes> group_info;  // latest GroupInfo (MLSMessage) a committer gave
  std::vector<ParticipantRecord> participants;
  std::vector<LogRecord> log;
};

// Storage is written through by the DeliveryService after every event it handles.
// Implementations need not be thread-safe: the service calls them from one thread.
class Storage {
 public:
  virtual ~Storage() = default;
  // load_all returns every stored meeting with its participants and log (in seq order).
  virtual Result<std::vector<MeetingRecord>> load_all() = 0;
  // load_meeting returns one stored meeting with its participants and log, or nullopt.
  // A cluster node loads only the meetings it owns. The default reads everything.
  virtual Result<std::optional<MeetingRecord>> load_meeting(const std::string& meeting) {
    ZTM_TRY_ASSIGN(auto all, load_all());
    for (auto& m : all) {
      if (m.meeting == meeting) return std::optional<MeetingRecord>(std::move(m));
    }
    return std::optional<MeetingRecord>();
  }
  // begin/commit group the writes of one event (a SQLite transaction).
  virtual Result<void> begin() = 0;
  virtual Result<void> commit() = 0;
  // put_meeting inserts or replaces the meeting's row (participants and log ignored).
  virtual Result<void> put_meeting(const MeetingRecord& meeting) = 0;
  virtual Result<void> delete_meeting(const std::string& meeting) = 0;
  virtual Result<void> put_participant(const std::string& meeting,
                                       const ParticipantRecord& participant) = 0;
  virtual Result<void> delete_participant(const std::string& meeting,
                                          const std::string& participant) = 0;
  virtual Result<void> append_log(const std::string& meeting, const LogRecord& entry) = 0;
  // service_key/put_service_key keep the service's own long-term keys by name (the
  // external-sender signature key per cipher suite).
  virtual Result<std::optional<SecretBytes>> service_key(const std::string& name) = 0;
  virtual Result<void> put_service_key(const std::string& name, const SecretBytes& key) = 0;
};

// MemoryStorage keeps everything in this process. A DeliveryService created again on
// the same MemoryStorage resumes its meetings (used to test restarts cheaply).
class MemoryStorage final : public Storage {
 public:
  Result<std::vector<MeetingRecord>> load_all() override;
  Result<void> begin() override { return ok(); }
  Result<void> commit() override { return ok(); }
  Result<void> put_meeting(const MeetingRecord& meeting) override;
  Result<void> delete_meeting(const std::string& meeting) override;
  Result<void> put_participant(const std::string& meeting,
                               const ParticipantRecord& participant) override;
  Result<void> delete_participant(const std::string& meeting,
                                  const std::string& participant) override;
  Result<void> append_log(const std::string& meeting, const LogRecord& entry) override;
  Result<std::optional<SecretBytes>> service_key(const std::string& name) override;
  Result<void> put_service_key(const std::string& name, const SecretBytes& key) override;

 private:
  struct Stored {
    MeetingRecord row;
    std::map<std::string, ParticipantRecord> participants;
    std::vector<LogRecord> log;
  };
  std::map<std::string, Stored> meetings_;
  std::map<std::string, SecretBytes> keys_;
};

// open_sqlite_storage opens (creating if needed) a SQLite database file with the
// service's schema (WAL journal, synchronous=NORMAL: a crash of the machine may lose
// the last few events, a crash of the process loses none). The file is created 0600.
// Errors: io_error (cannot open, schema mismatch).
Result<std::unique_ptr<Storage>> open_sqlite_storage(const std::string& path);

// RedisAuth is what a node presents to Redis right after connecting (AUTH): a
// password (Redis's `requirepass`, or an ACL user's password with `user`, Redis 6+).
// An empty password sends no AUTH. Credentials never go in the URL, which is logged.
struct RedisAuth {
  std::string user;
  SecretBytes password;
};

// open_redis_storage connects to Redis at `url` (redis://host[:port][/db]). Each
// meeting has its own keys (ztm:row:M, ztm:participants:M, ztm:log:M, in the set
// ztm:meetings); the service keys are in the hash ztm:service_keys, stored as they are
// (Redis is inside the service's trust boundary, docs/security.md) and never logged.
// The writes between begin() and commit() go to Redis as one Lua script, which
// Redis runs atomically (as MULTI/EXEC would) and which can check before writing:
//  - with a non-empty `fence` (a cluster node's id), every write of meeting M is
//    refused unless the lease ztm:lease:M holds `fence` (include/ztm/server/cluster.h),
//    so a node that lost a meeting's lease cannot write it (fencing);
//  - a log entry whose seq is already stored refuses the whole batch.
// A refused or failed batch writes nothing. put_service_key keeps the first value
// stored under a name (two nodes starting at once must not replace each other's
// external-sender key) and fails if another value is already there.
// With `auth`, every connection (and reconnection) authenticates first.
// Errors: invalid_argument (URL), io_error (connection, Redis error, refused batch),
// authentication_failed (Redis refused the credentials, or wants some).
Result<std::unique_ptr<Storage>> open_redis_storage(const std::string& url,
                                                    const std::string& fence = {},
                                                    const RedisAuth& auth = {});

}  // namespace ztm::server
