// RedisStorage: the Storage interface over Redis (storage.h, open_redis_storage).
//
// Records are CBOR maps with named fields (nlohmann::json's CBOR codec, byte strings
// as CBOR byte strings): self-describing, so a field added later reads as absent in
// old records. The writes of one event are queued between begin() and commit() and
// sent as one EVAL of kApplyScript, which checks (fencing, duplicate log seq) before
// it writes anything, so a refused batch leaves Redis as it was.
#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "storage/redis_connection.h"
#include "storage/redis_keys.h"
#include "ztm/server/storage.h"

namespace ztm::server {
namespace {

using nlohmann::json;
namespace keys = redis_keys;

// kApplyScript: ARGV = fence, n, n lease keys, then operations, each as name, argc,
// argc arguments. Names are Redis commands, plus HSETNEW (HSET that refuses the batch
// when the field exists: log entries are written once) and HSETSAME (HSET that refuses
// the batch when the field holds another value: service keys). A first pass checks,
// a second writes: Redis does not roll back a script's writes when it fails midway.
constexpr std::string_view kApplyScript = R"lua(
local fence = ARGV[1]
local n = tonumber(ARGV[2])
local i = 3
for _ = 1, n do
  if redis.call('GET', ARGV[i]) ~= fence then
    return redis.error_reply('ZTM fenced: this node does not hold ' .. ARGV[i])
  end
  i = i + 1
end
local first = i
local deleted = {}
local added = {}
while i <= #ARGV do
  local op, argc = ARGV[i], tonumber(ARGV[i + 1])
  if op == 'DEL' then
    for k = 1, argc do
      deleted[ARGV[i + 1 + k]] = true
      added[ARGV[i + 1 + k]] = nil
    end
  elseif op == 'HSETNEW' then
    local key, field = ARGV[i + 2], ARGV[i + 3]
    added[key] = added[key] or {}
    if added[key][field] or (not deleted[key] and redis.call('HEXISTS', key, field) == 1) then
      return redis.error_reply('ZTM duplicate log entry')
    end
    added[key][field] = true
  elseif op == 'HSETSAME' then
    local current = redis.call('HGET', ARGV[i + 2], ARGV[i + 3])
    if current and current ~= ARGV[i + 4] then
      return redis.error_reply('ZTM another service key is stored under this name')
    end
  end
  i = i + 2 + argc
end
i = first
while i <= #ARGV do
  local op, argc = ARGV[i], tonumber(ARGV[i + 1])
  if op == 'HSETNEW' or op == 'HSETSAME' then op = 'HSET' end
  redis.call(op, unpack(ARGV, i + 2, i + 1 + argc))
  i = i + 2 + argc
end
return 1
)lua";

json binary(const Bytes& b) {
  return json::binary(json::binary_t::container_type(b.begin(), b.end()));
}

std::string to_cbor(const json& j) {
  const auto bytes = json::to_cbor(j);
  return std::string(bytes.begin(), bytes.end());
}

// Field readers: a missing optional field is absent; a field of the wrong type fails
// the whole record (json::type_error, caught by decode()).
Bytes get_bytes(const json& j, const char* name) {
  const auto& b = j.at(name).get_binary();
  return Bytes(b.begin(), b.end());
}
std::optional<Bytes> opt_bytes(const json& j, const char* name) {
  if (!j.contains(name)) return std::nullopt;
  return get_bytes(j, name);
}

std::string encode_row(const MeetingRecord& m) {
  json j = json::object();
  j["meeting"] = m.meeting;
  j["cipher_suite"] = m.cipher_suite;
  if (m.group_id) j["group_id"] = binary(*m.group_id);
  j["epoch"] = m.epoch;
  j["last_seq"] = m.last_seq;
  if (m.leader) j["leader"] = *m.leader;
  j["next_participant_number"] = m.next_participant_number;
  if (m.group_info) j["group_info"] = binary(*m.group_info);
  return to_cbor(j);
}

MeetingRecord decode_row(const json& j) {
  MeetingRecord m;
  m.meeting = j.at("meeting").get<std::string>();
  m.cipher_suite = j.at("cipher_suite").get<std::uint16_t>();
  m.group_id = opt_bytes(j, "group_id");
  m.epoch = j.at("epoch").get<std::uint64_t>();
  m.last_seq = j.at("last_seq").get<std::uint64_t>();
  if (j.contains("leader")) m.leader = j.at("leader").get<std::string>();
  m.next_participant_number = j.at("next_participant_number").get<std::uint64_t>();
  m.group_info = opt_bytes(j, "group_info");
  return m;
}

std::string encode_participant(const ParticipantRecord& p) {
  json j = json::object();
  j["participant"] = p.participant;
  j["display_hint"] = p.display_hint;
  j["resume_token_hash"] = binary(p.resume_token_hash);
  j["creator"] = p.creator;
  j["in_group"] = p.in_group;
  if (p.leaf) j["leaf"] = *p.leaf;
  j["admission_seq"] = p.admission_seq;
  j["removal_pending"] = p.removal_pending;
  j["demoted"] = p.demoted;
  j["host"] = p.host;
  if (p.key_package) j["key_package"] = binary(*p.key_package);
  if (p.welcome) j["welcome"] = binary(*p.welcome);
  j["welcome_epoch"] = p.welcome_epoch;
  j["welcome_seq"] = p.welcome_seq;
  return to_cbor(j);
}

ParticipantRecord decode_participant(const json& j) {
  ParticipantRecord p;
  p.participant = j.at("participant").get<std::string>();
  p.display_hint = j.at("display_hint").get<std::string>();
  p.resume_token_hash = get_bytes(j, "resume_token_hash");
  p.creator = j.at("creator").get<bool>();
  p.in_group = j.at("in_group").get<bool>();
  if (j.contains("leaf")) p.leaf = j.at("leaf").get<std::uint32_t>();
  p.admission_seq = j.at("admission_seq").get<std::uint64_t>();
  p.removal_pending = j.at("removal_pending").get<bool>();
  p.demoted = j.at("demoted").get<bool>();
  p.host = j.value("host", false);
  p.key_package = opt_bytes(j, "key_package");
  p.welcome = opt_bytes(j, "welcome");
  p.welcome_epoch = j.at("welcome_epoch").get<std::uint64_t>();
  p.welcome_seq = j.at("welcome_seq").get<std::uint64_t>();
  return p;
}

std::string encode_log(const LogRecord& e) {
  json j = json::object();
  j["seq"] = e.seq;
  j["kind"] = static_cast<int>(e.kind);
  j["epoch"] = e.epoch;
  j["sender"] = e.sender;
  j["message"] = binary(e.message);
  return to_cbor(j);
}

LogRecord decode_log(const json& j) {
  LogRecord e;
  e.seq = j.at("seq").get<std::uint64_t>();
  const int kind = j.at("kind").get<int>();
  if (kind < 0 || kind > 2) throw std::out_of_range("kind");
  e.kind = static_cast<meeting::protocol::MlsKind>(kind);
  e.epoch = j.at("epoch").get<std::uint64_t>();
  e.sender = j.at("sender").get<std::string>();
  e.message = get_bytes(j, "message");
  return e;
}

// decode parses one stored record; anything malformed is an io_error naming the key
// (never the content).
template <class T, class F>
Result<T> decode(const std::string& stored, F&& from_json, const std::string& where) {
  try {
    return from_json(json::from_cbor(stored));
  } catch (const std::exception&) {
    return fail(Errc::io_error, "storage: malformed record in " + where);
  }
}

class RedisStorage final : public Storage {
 public:
  RedisStorage(std::unique_ptr<redis::Connection> connection, std::string fence)
      : redis_(std::move(connection)), fence_(std::move(fence)) {}

  Result<std::vector<MeetingRecord>> load_all() override {
    ZTM_TRY_ASSIGN(auto ids, redis_->command({"SMEMBERS", keys::kMeetings}));
    std::vector<MeetingRecord> all;
    for (const auto& id : ids.elements) {
      ZTM_TRY_ASSIGN(auto m, load_meeting(id.text));
      if (m) all.push_back(std::move(*m));
    }
    std::sort(all.begin(), all.end(),
              [](const MeetingRecord& a, const MeetingRecord& b) { return a.meeting < b.meeting; });
    return all;
  }

  Result<std::optional<MeetingRecord>> load_meeting(const std::string& meeting) override {
    // Three reads, not one snapshot: only the meeting's owner writes it (the lease
    // fences everyone else), and the owner is the node reading it now.
    const std::string row_key = keys::row(meeting);
    ZTM_TRY_ASSIGN(auto row, redis_->command({"GET", row_key}));
    if (row.is_nil()) return std::optional<MeetingRecord>();
    ZTM_TRY_ASSIGN(auto m, decode<MeetingRecord>(row.text, decode_row, row_key));
    const std::string participants_key = keys::participants(meeting);
    ZTM_TRY_ASSIGN(auto participants, redis_->command({"HGETALL", participants_key}));
    for (std::size_t i = 1; i < participants.elements.size(); i += 2) {
      ZTM_TRY_ASSIGN(auto p, decode<ParticipantRecord>(participants.elements[i].text,
                                                       decode_participant, participants_key));
      m.participants.push_back(std::move(p));
    }
    std::sort(m.participants.begin(), m.participants.end(),
              [](const ParticipantRecord& a, const ParticipantRecord& b) {
                return a.participant < b.participant;
              });
    const std::string log_key = keys::log(meeting);
    ZTM_TRY_ASSIGN(auto log, redis_->command({"HGETALL", log_key}));
    for (std::size_t i = 1; i < log.elements.size(); i += 2) {
      ZTM_TRY_ASSIGN(auto e, decode<LogRecord>(log.elements[i].text, decode_log, log_key));
      m.log.push_back(std::move(e));
    }
    std::sort(m.log.begin(), m.log.end(),
              [](const LogRecord& a, const LogRecord& b) { return a.seq < b.seq; });
    return std::optional<MeetingRecord>(std::move(m));
  }

  Result<void> begin() override {
    // A batch left by an event whose writes failed halfway is dropped, not sent.
    clear_batch();
    in_batch_ = true;
    return ok();
  }

  Result<void> commit() override {
    in_batch_ = false;
    return apply();
  }

  Result<void> put_meeting(const MeetingRecord& m) override {
    fence(m.meeting);
    add({"SET", keys::row(m.meeting), encode_row(m)});
    add({"SADD", std::string(keys::kMeetings), m.meeting});
    return flush_single();
  }

  Result<void> delete_meeting(const std::string& meeting) override {
    fence(meeting);
    add({"DEL", keys::row(meeting), keys::participants(meeting), keys::log(meeting)});
    add({"SREM", std::string(keys::kMeetings), meeting});
    return flush_single();
  }

  Result<void> put_participant(const std::string& meeting, const ParticipantRecord& p) override {
    fence(meeting);
    add({"HSET", keys::participants(meeting), p.participant, encode_participant(p)});
    return flush_single();
  }

  Result<void> delete_participant(const std::string& meeting,
                                  const std::string& participant) override {
    fence(meeting);
    add({"HDEL", keys::participants(meeting), participant});
    return flush_single();
  }

  Result<void> append_log(const std::string& meeting, const LogRecord& entry) override {
    fence(meeting);
    add({"HSETNEW", keys::log(meeting), std::to_string(entry.seq), encode_log(entry)});
    return flush_single();
  }

  Result<std::optional<SecretBytes>> service_key(const std::string& name) override {
    ZTM_TRY_ASSIGN(auto reply, redis_->command({"HGET", keys::kServiceKeys, name}));
    if (reply.is_nil()) return std::optional<SecretBytes>();
    SecretBytes key(as_bytes(reply.text));
    secure_zero(reply.text.data(), reply.text.size());
    return std::optional<SecretBytes>(std::move(key));
  }

  Result<void> put_service_key(const std::string& name, const SecretBytes& key) override {
    const ByteView raw = key.expose();
    std::string value(raw.begin(), raw.end());
    add({"HSETSAME", std::string(keys::kServiceKeys), name, value});
    secure_zero(value.data(), value.size());
    return flush_single();
  }

 private:
  void fence(const std::string& meeting) {
    if (!fence_.empty()) fenced_.insert(keys::lease(meeting));
  }
  void add(std::vector<std::string> op) { batch_.push_back(std::move(op)); }

  // flush_single sends a write made outside begin()/commit() at once (as SQLite's
  // autocommit does).
  Result<void> flush_single() {
    if (in_batch_) return ok();
    return apply();
  }

  Result<void> apply() {
    if (batch_.empty()) {
      clear_batch();
      return ok();
    }
    std::vector<std::string> counts;
    counts.reserve(batch_.size() + 1);
    counts.push_back(std::to_string(fenced_.size()));
    for (const auto& op : batch_) counts.push_back(std::to_string(op.size() - 1));
    std::vector<std::string_view> args = {"EVAL", kApplyScript, "0", fence_, counts[0]};
    for (const auto& lease : fenced_) args.push_back(lease);
    for (std::size_t i = 0; i < batch_.size(); ++i) {
      args.push_back(batch_[i][0]);
      args.push_back(counts[i + 1]);
      for (std::size_t k = 1; k < batch_[i].size(); ++k) args.push_back(batch_[i][k]);
    }
    auto reply = redis_->command(args);
    clear_batch();
    if (!reply) return fail(Errc::io_error, "storage: " + reply.error().message);
    return ok();
  }

  // clear_batch drops the queued writes; a service key's copy is wiped first.
  void clear_batch() {
    for (auto& op : batch_) {
      if (op[0] != "HSETSAME") continue;
      for (auto& arg : op) secure_zero(arg.data(), arg.size());
    }
    batch_.clear();
    fenced_.clear();
  }

  std::unique_ptr<redis::Connection> redis_;
  std::string fence_;
  bool in_batch_ = false;
  std::vector<std::vector<std::string>> batch_;
  std::set<std::string> fenced_;
};

}  // namespace

Result<std::unique_ptr<Storage>> open_redis_storage(const std::string& url,
                                                    const std::string& fence,
                                                    const RedisAuth& auth) {
  ZTM_TRY_ASSIGN(auto parsed, redis::parse_url(url));
  ZTM_TRY_ASSIGN(auto connection, redis::Connection::connect(parsed, redis::kDefaultTimeout, auth));
  // Fail at start, not at the first event, when Redis answers but is unusable.
  ZTM_TRY(connection->command({"PING"}));
  return std::unique_ptr<Storage>(std::make_unique<RedisStorage>(std::move(connection), fence));
}

}  // namespace ztm::server
