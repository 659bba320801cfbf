// JSON codec of the signaling protocol (docs/protocol.md). Decoding never throws
// out of this file: nlohmann's parse errors and every field check become a typed
// Error naming the message type and field.
#include "ztm/meeting/protocol.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <type_traits>

#include "ztm/identity/jws.h"

namespace ztm::meeting::protocol {
namespace {

using nlohmann::json;

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// ---------------------------------------------------------------- writing

std::string b64(ByteView bytes) {
  return identity::base64url_encode(bytes);
}

json roster_json(const std::vector<RosterEntry>& roster) {
  json out = json::array();
  for (const auto& e : roster) {
    json j{
        {"participant", e.participant}, {"display_hint", e.display_hint}, {"in_group", e.in_group}};
    if (e.leaf) j["leaf"] = *e.leaf;
    out.push_back(std::move(j));
  }
  return out;
}

// ---------------------------------------------------------------- reading

// Reader pulls typed fields out of one message object and remembers the first
// failure, so decoders read straight through and check once at the end.
class Reader {
 public:
  Reader(const json& object, std::string_view type) : object_(object), type_(type) {}

  const std::optional<Error>& error() const { return error_; }

  std::string string(const char* field, std::size_t max = kMaxIdLength) {
    auto v = optional_string(field, max);
    if (!v && !error_) fail(Errc::invalid_encoding, field, "missing");
    return v.value_or(std::string{});
  }

  std::optional<std::string> optional_string(const char* field, std::size_t max = kMaxIdLength) {
    const json* v = find(field);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) return fail(Errc::invalid_encoding, field, "not a string"), std::nullopt;
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > max) return fail(Errc::length_too_large, field, "too long"), std::nullopt;
    return s;
  }

  template <class T>
  T number(const char* field) {
    auto v = optional_number<T>(field);
    if (!v && !error_) fail(Errc::invalid_encoding, field, "missing");
    return v.value_or(T{});
  }

  template <class T>
  std::optional<T> optional_number(const char* field) {
    const json* v = find(field);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number_unsigned()) {
      // A non-negative integer only: JSON floats and negatives are malformed here.
      if (!(v->is_number_integer() && v->get<std::int64_t>() >= 0)) {
        return fail(Errc::invalid_encoding, field, "not a non-negative integer"), std::nullopt;
      }
    }
    auto n = v->get<std::uint64_t>();
    if (n > std::numeric_limits<T>::max()) {
      return fail(Errc::invalid_encoding, field, "out of range"), std::nullopt;
    }
    return static_cast<T>(n);
  }

  bool boolean(const char* field) {
    const json* v = find(field);
    if (v == nullptr || !v->is_boolean()) {
      fail(Errc::invalid_encoding, field, "missing or not a boolean");
      return false;
    }
    return v->get<bool>();
  }

  Bytes bytes(const char* field) {
    auto v = optional_bytes(field);
    if (!v && !error_) fail(Errc::invalid_encoding, field, "missing");
    return v.value_or(Bytes{});
  }

  std::optional<Bytes> optional_bytes(const char* field) {
    auto text = optional_string(field, kMaxMessageBytes);
    if (!text) return std::nullopt;
    auto decoded = identity::base64url_decode(*text);
    if (!decoded) return fail(Errc::invalid_encoding, field, "not base64url"), std::nullopt;
    return std::move(*decoded);
  }

  // array visits each element of an array field (absent = empty).
  template <class F>
  void array(const char* field, F&& each) {
    const json* v = find(field);
    if (v == nullptr) return;
    if (!v->is_array()) return fail(Errc::invalid_encoding, field, "not an array");
    if (v->size() > kMaxListLength) return fail(Errc::length_too_large, field, "too many entries");
    for (const auto& element : *v) {
      if (error_) return;
      each(element);
    }
  }

  const json* object(const char* field) {
    const json* v = find(field);
    if (v != nullptr && !v->is_object()) {
      fail(Errc::invalid_encoding, field, "not an object");
      return nullptr;
    }
    return v;
  }

  void fail(Errc code, std::string_view field, std::string_view what) {
    if (error_) return;
    error_ = Error{code, "protocol." + std::string(type_) + "." + std::string(field) + ": " +
                             std::string(what)};
  }

 private:
  const json* find(const char* field) const {
    auto it = object_.find(field);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  const json& object_;
  std::string_view type_;
  std::optional<Error> error_;
};

template <class T>
Result<T> finish(const Reader& r, T value) {
  if (r.error()) return tl::unexpected(*r.error());
  return value;
}

Role parse_role(Reader& r, const std::string& s) {
  if (s == "creator") return Role::creator;
  if (s == "leader") return Role::leader;
  if (s == "member") return Role::member;
  if (s == "joiner") return Role::joiner;
  r.fail(Errc::invalid_encoding, "role", "unknown role");
  return Role::joiner;
}

MlsKind parse_kind(Reader& r, const std::string& s) {
  if (s == "commit") return MlsKind::commit;
  if (s == "proposal") return MlsKind::proposal;
  if (s == "application") return MlsKind::application;
  r.fail(Errc::invalid_encoding, "kind", "unknown kind");
  return MlsKind::application;
}

std::vector<RosterEntry> parse_roster(Reader& r) {
  std::vector<RosterEntry> roster;
  r.array("roster", [&](const json& element) {
    if (!element.is_object()) return r.fail(Errc::invalid_encoding, "roster", "not an object");
    Reader e(element, "roster_entry");
    RosterEntry entry;
    entry.participant = e.string("participant");
    entry.display_hint = e.optional_string("display_hint").value_or("");
    entry.leaf = e.optional_number<std::uint32_t>("leaf");
    entry.in_group = e.boolean("in_group");
    if (e.error()) return r.fail(e.error()->code, "roster", e.error()->message);
    roster.push_back(std::move(entry));
  });
  return roster;
}

Result<ClientMessage> decode_client(const json& j, const std::string& type) {
  Reader r(j, type);
  if (type == "hello") {
    Hello m;
    m.version = r.number<int>("version");
    m.meeting = r.string("meeting");
    m.auth_token = r.optional_string("auth_token", 4096).value_or("");
    m.display_hint = r.optional_string("display_hint").value_or("");
    m.cipher_suite = r.number<std::uint16_t>("cipher_suite");
    m.resume_token = r.optional_string("resume_token");
    m.last_seq = r.optional_number<std::uint64_t>("last_seq");
    return finish<ClientMessage>(r, std::move(m));
  }
  if (type == "group_created") {
    GroupCreated m;
    m.group_id = r.bytes("group_id");
    m.group_info = r.bytes("group_info");
    return finish<ClientMessage>(r, std::move(m));
  }
  if (type == "key_package") {
    return finish<ClientMessage>(r, SubmitKeyPackage{r.bytes("key_package")});
  }
  if (type == "commit") {
    SubmitCommit m;
    m.epoch = r.number<std::uint64_t>("epoch");
    m.commit = r.bytes("commit");
    m.welcome = r.optional_bytes("welcome");
    m.group_info = r.optional_bytes("group_info");
    r.array("added", [&](const json& element) {
      if (!element.is_object()) return r.fail(Errc::invalid_encoding, "added", "not an object");
      Reader a(element, "admission");
      Admission admission{a.string("participant"), a.number<std::uint32_t>("leaf")};
      if (a.error()) return r.fail(a.error()->code, "added", a.error()->message);
      m.added.push_back(std::move(admission));
    });
    r.array("removed", [&](const json& element) {
      if (!element.is_string() || element.get_ref<const std::string&>().size() > kMaxIdLength) {
        return r.fail(Errc::invalid_encoding, "removed", "not a participant id");
      }
      m.removed.push_back(element.get<std::string>());
    });
    return finish<ClientMessage>(r, std::move(m));
  }
  if (type == "mls") {
    SendMls m;
    m.kind = parse_kind(r, r.string("kind"));
    m.epoch = r.number<std::uint64_t>("epoch");
    m.message = r.bytes("message");
    return finish<ClientMessage>(r, std::move(m));
  }
  if (type == "ready") return finish<ClientMessage>(r, Ready{r.number<std::uint64_t>("epoch")});
  if (type == "media_offer") {
    MediaOffer m;
    m.ice_ufrag = r.string("ice_ufrag");
    m.ice_pwd = r.string("ice_pwd");
    m.fingerprint = r.string("fingerprint", 256);
    return finish<ClientMessage>(r, std::move(m));
  }
  if (type == "report") {
    Report m;
    m.kind = r.string("kind");
    m.detail = r.optional_string("detail", 4096).value_or("");
    return finish<ClientMessage>(r, std::move(m));
  }
  if (type == "leave") return finish<ClientMessage>(r, Leave{});
  return tl::unexpected(Error{Errc::invalid_encoding, "protocol: unknown client message type \"" +
                                                          type.substr(0, 32) + "\""});
}

Result<ServerMessage> decode_server(const json& j, const std::string& type) {
  Reader r(j, type);
  if (type == "session") {
    Session m;
    m.participant = r.string("participant");
    m.resume_token = r.string("resume_token");
    m.role = parse_role(r, r.string("role"));
    m.epoch = r.number<std::uint64_t>("epoch");
    m.group_id = r.optional_bytes("group_id");
    if (const json* ext = r.object("external_sender")) {
      Reader e(*ext, "external_sender");
      ExternalSender sender{e.bytes("signature_key"), e.bytes("credential")};
      if (e.error()) r.fail(e.error()->code, "external_sender", e.error()->message);
      m.external_sender = std::move(sender);
    }
    m.roster = parse_roster(r);
    return finish<ServerMessage>(r, std::move(m));
  }
  if (type == "leader_changed") {
    LeaderChanged m;
    m.leader = r.string("leader");
    m.previous = r.optional_string("previous");
    m.previous_leaf = r.optional_number<std::uint32_t>("previous_leaf");
    return finish<ServerMessage>(r, std::move(m));
  }
  if (type == "join_request") {
    JoinRequest m;
    m.participant = r.string("participant");
    m.key_package = r.bytes("key_package");
    return finish<ServerMessage>(r, std::move(m));
  }
  if (type == "remove_request") {
    RemoveRequest m;
    m.participant = r.string("participant");
    m.leaf = r.optional_number<std::uint32_t>("leaf");
    m.proposal = r.optional_bytes("proposal");
    return finish<ServerMessage>(r, std::move(m));
  }
  if (type == "mls") {
    MlsDelivery m;
    m.seq = r.number<std::uint64_t>("seq");
    m.kind = parse_kind(r, r.string("kind"));
    m.epoch = r.number<std::uint64_t>("epoch");
    m.sender = r.optional_string("sender").value_or("");
    m.message = r.bytes("message");
    return finish<ServerMessage>(r, std::move(m));
  }
  if (type == "welcome") {
    WelcomeDelivery m;
    m.epoch = r.number<std::uint64_t>("epoch");
    m.seq = r.number<std::uint64_t>("seq");
    m.welcome = r.bytes("welcome");
    return finish<ServerMessage>(r, std::move(m));
  }
  if (type == "commit_result") {
    CommitResult m;
    m.accepted = r.boolean("accepted");
    m.epoch = r.number<std::uint64_t>("epoch");
    m.seq = r.optional_number<std::uint64_t>("seq");
    m.reason = r.optional_string("reason", 1024).value_or("");
    return finish<ServerMessage>(r, std::move(m));
  }
  if (type == "switch_epoch") {
    return finish<ServerMessage>(r, SwitchEpoch{r.number<std::uint64_t>("epoch")});
  }
  if (type == "roster") return finish<ServerMessage>(r, RosterUpdate{parse_roster(r)});
  if (type == "media_answer") {
    MediaAnswer m;
    m.ice_ufrag = r.string("ice_ufrag");
    m.ice_pwd = r.string("ice_pwd");
    m.fingerprint = r.string("fingerprint", 256);
    m.candidate = r.string("candidate");
    return finish<ServerMessage>(r, std::move(m));
  }
  if (type == "keyframe_request") {
    return finish<ServerMessage>(r, KeyframeRequest{r.string("requester")});
  }
  if (type == "meeting_ended") {
    return finish<ServerMessage>(r, MeetingEnded{r.optional_string("reason", 1024).value_or("")});
  }
  if (type == "redirect") {
    Redirect m;
    m.url = r.string("url", kMaxUrlLength);
    // Only to another TLS WebSocket: the client checks it with the same trust anchors.
    if (!r.error() && !m.url.starts_with("wss://"))
      r.fail(Errc::invalid_encoding, "url", "want wss://");
    return finish<ServerMessage>(r, std::move(m));
  }
  if (type == "error") {
    ServiceError m;
    m.code = r.string("code");
    m.message = r.optional_string("message", 4096).value_or("");
    return finish<ServerMessage>(r, std::move(m));
  }
  return tl::unexpected(Error{Errc::invalid_encoding, "protocol: unknown service message type \"" +
                                                          type.substr(0, 32) + "\""});
}

// parse_object checks size, syntax and the "type" member before any field is read.
Result<std::pair<json, std::string>> parse_object(std::string_view text) {
  if (text.size() > kMaxMessageBytes) {
    return tl::unexpected(Error{Errc::length_too_large, "protocol: message exceeds 16 MiB"});
  }
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return tl::unexpected(Error{Errc::invalid_encoding, "protocol: not JSON"});
  if (!j.is_object()) {
    return tl::unexpected(Error{Errc::invalid_encoding, "protocol: not a JSON object"});
  }
  auto it = j.find("type");
  if (it == j.end() || !it->is_string()) {
    return tl::unexpected(Error{Errc::invalid_encoding, "protocol: missing \"type\""});
  }
  std::string type = it->get<std::string>();
  return std::pair{std::move(j), std::move(type)};
}

}  // namespace

std::string_view to_string(Role role) {
  switch (role) {
    case Role::creator:
      return "creator";
    case Role::leader:
      return "leader";
    case Role::member:
      return "member";
    case Role::joiner:
      return "joiner";
  }
  return "joiner";
}

std::string_view to_string(MlsKind kind) {
  switch (kind) {
    case MlsKind::commit:
      return "commit";
    case MlsKind::proposal:
      return "proposal";
    case MlsKind::application:
      return "application";
  }
  return "application";
}

std::string_view type_name(const ClientMessage& message) {
  return std::visit(
      Overloaded{
          [](const Hello&) { return "hello"; }, [](const GroupCreated&) { return "group_created"; },
          [](const SubmitKeyPackage&) { return "key_package"; },
          [](const SubmitCommit&) { return "commit"; }, [](const SendMls&) { return "mls"; },
          [](const Ready&) { return "ready"; }, [](const MediaOffer&) { return "media_offer"; },
          [](const Report&) { return "report"; }, [](const Leave&) { return "leave"; }},
      message);
}

std::string_view type_name(const ServerMessage& message) {
  return std::visit(Overloaded{[](const Session&) { return "session"; },
                               [](const LeaderChanged&) { return "leader_changed"; },
                               [](const JoinRequest&) { return "join_request"; },
                               [](const RemoveRequest&) { return "remove_request"; },
                               [](const MlsDelivery&) { return "mls"; },
                               [](const WelcomeDelivery&) { return "welcome"; },
                               [](const CommitResult&) { return "commit_result"; },
                               [](const SwitchEpoch&) { return "switch_epoch"; },
                               [](const RosterUpdate&) { return "roster"; },
                               [](const MediaAnswer&) { return "media_answer"; },
                               [](const KeyframeRequest&) { return "keyframe_request"; },
                               [](const MeetingEnded&) { return "meeting_ended"; },
                               [](const ServiceError&) { return "error"; },
                               [](const Redirect&) { return "redirect"; }},
                    message);
}

std::string encode(const ClientMessage& message) {
  json j = std::visit(
      Overloaded{
          [](const Hello& m) {
            json o{{"version", m.version},
                   {"meeting", m.meeting},
                   {"auth_token", m.auth_token},
                   {"display_hint", m.display_hint},
                   {"cipher_suite", m.cipher_suite}};
            if (m.resume_token) o["resume_token"] = *m.resume_token;
            if (m.last_seq) o["last_seq"] = *m.last_seq;
            return o;
          },
          [](const GroupCreated& m) {
            return json{{"group_id", b64(m.group_id)}, {"group_info", b64(m.group_info)}};
          },
          [](const SubmitKeyPackage& m) {
            return json{{"key_package", b64(m.key_package)}};
          },
          [](const SubmitCommit& m) {
            json o{{"epoch", m.epoch}, {"commit", b64(m.commit)}};
            if (m.welcome) o["welcome"] = b64(*m.welcome);
            if (m.group_info) o["group_info"] = b64(*m.group_info);
            json added = json::array();
            for (const auto& a : m.added)
              added.push_back({{"participant", a.participant}, {"leaf", a.leaf}});
            o["added"] = std::move(added);
            o["removed"] = m.removed;
            return o;
          },
          [](const SendMls& m) {
            return json{
                {"kind", to_string(m.kind)}, {"epoch", m.epoch}, {"message", b64(m.message)}};
          },
          [](const Ready& m) {
            return json{{"epoch", m.epoch}};
          },
          [](const MediaOffer& m) {
            return json{
                {"ice_ufrag", m.ice_ufrag}, {"ice_pwd", m.ice_pwd}, {"fingerprint", m.fingerprint}};
          },
          [](const Report& m) {
            return json{{"kind", m.kind}, {"detail", m.detail}};
          },
          [](const Leave&) { return json::object(); }},
      message);
  j["type"] = type_name(message);
  return j.dump();
}

std::string encode(const ServerMessage& message) {
  json j = std::visit(
      Overloaded{[](const Session& m) {
                   json o{{"participant", m.participant},
                          {"resume_token", m.resume_token},
                          {"role", to_string(m.role)},
                          {"epoch", m.epoch},
                          {"roster", roster_json(m.roster)}};
                   if (m.group_id) o["group_id"] = b64(*m.group_id);
                   if (m.external_sender) {
                     o["external_sender"] = {
                         {"signature_key", b64(m.external_sender->signature_key)},
                         {"credential", b64(m.external_sender->credential)}};
                   }
                   return o;
                 },
                 [](const LeaderChanged& m) {
                   json o{{"leader", m.leader}};
                   if (m.previous) o["previous"] = *m.previous;
                   if (m.previous_leaf) o["previous_leaf"] = *m.previous_leaf;
                   return o;
                 },
                 [](const JoinRequest& m) {
                   return json{{"participant", m.participant}, {"key_package", b64(m.key_package)}};
                 },
                 [](const RemoveRequest& m) {
                   json o{{"participant", m.participant}};
                   if (m.leaf) o["leaf"] = *m.leaf;
                   if (m.proposal) o["proposal"] = b64(*m.proposal);
                   return o;
                 },
                 [](const MlsDelivery& m) {
                   return json{{"seq", m.seq},
                               {"kind", to_string(m.kind)},
                               {"epoch", m.epoch},
                               {"sender", m.sender},
                               {"message", b64(m.message)}};
                 },
                 [](const WelcomeDelivery& m) {
                   return json{{"epoch", m.epoch}, {"seq", m.seq}, {"welcome", b64(m.welcome)}};
                 },
                 [](const CommitResult& m) {
                   json o{{"accepted", m.accepted}, {"epoch", m.epoch}, {"reason", m.reason}};
                   if (m.seq) o["seq"] = *m.seq;
                   return o;
                 },
                 [](const SwitchEpoch& m) {
                   return json{{"epoch", m.epoch}};
                 },
                 [](const RosterUpdate& m) {
                   return json{{"roster", roster_json(m.roster)}};
                 },
                 [](const MediaAnswer& m) {
                   return json{{"ice_ufrag", m.ice_ufrag},
                               {"ice_pwd", m.ice_pwd},
                               {"fingerprint", m.fingerprint},
                               {"candidate", m.candidate}};
                 },
                 [](const KeyframeRequest& m) {
                   return json{{"requester", m.requester}};
                 },
                 [](const MeetingEnded& m) {
                   return json{{"reason", m.reason}};
                 },
                 [](const ServiceError& m) {
                   return json{{"code", m.code}, {"message", m.message}};
                 },
                 [](const Redirect& m) {
                   return json{{"url", m.url}};
                 }},
      message);
  j["type"] = type_name(message);
  return j.dump();
}

Result<ClientMessage> decode_client_message(std::string_view text) {
  auto parsed = parse_object(text);
  if (!parsed) return tl::unexpected(parsed.error());
  try {
    return decode_client(parsed->first, parsed->second);
  } catch (const json::exception& e) {
    // Reader checks types before every get<>, so this is a bug guard, not a path.
    return tl::unexpected(Error{Errc::invalid_encoding, std::string("protocol: ") + e.what()});
  }
}

Result<ServerMessage> decode_server_message(std::string_view text) {
  auto parsed = parse_object(text);
  if (!parsed) return tl::unexpected(parsed.error());
  try {
    return decode_server(parsed->first, parsed->second);
  } catch (const json::exception& e) {
    return tl::unexpected(Error{Errc::invalid_encoding, std::string("protocol: ") + e.what()});
  }
}

}  // namespace ztm::meeting::protocol
