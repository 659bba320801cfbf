// DeliveryService: the meeting service's signaling logic, free of I/O (sans-I/O, like
// the meeting engine). It takes connection events, decoded client messages and timer
// ticks, each with the current time, and returns the messages to send and the
// connections to close. It implements every rule of docs/protocol.md ("Rules the
// service follows"): sessions and resume tokens, roles, deterministic leader
// designation and failover, KeyPackage routing, Welcome routing, exactly one Commit
// per epoch (checked against the MLS header), ordered fan-out with the handshake log,
// catch-up on resume, ready/switch_epoch, dead-connection Remove requests with the
// service's external Remove proposal, roster hints and meeting end.
//
// The service is untrusted by design: nothing here decides who is in the MLS group.
// It relays what members sign and only refuses what breaks the ordering rules.
//
// Threading: not thread-safe. One thread (the signaling io_context) owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/meeting/protocol.h"
#include "ztm/server/storage.h"

namespace ztm::server {

namespace protocol = ::ztm::meeting::protocol;

// ConnectionId names one transport connection (one WebSocket); the transport assigns
// it and never reuses it while the service runs.
using ConnectionId = std::uint64_t;
using TimePoint = std::chrono::steady_clock::time_point;

// Outgoing is one message for one connection. Fan-out shares one message object
// among all its recipients so the transport can encode it once.
struct Outgoing {
  ConnectionId connection = 0;
  std::shared_ptr<const protocol::ServerMessage> message;
};

// LogEvent is a line for the operator's log: what happened, never a message body,
// token or key. `level` 0 = info, 1 = warning.
struct LogEvent {
  int level = 0;
  std::string text;
};

// Output is what one event asks the transport to do, in order: send `messages`,
// then close `close` (after their pending messages are flushed).
struct Output {
  std::vector<Outgoing> messages;
  std::vector<ConnectionId> close;
  std::vector<LogEvent> log;
};

// MediaRelay is the SFU as signaling sees it: add_peer answers a participant's
// media_offer, remove_peer ends its forwarding when it leaves the meeting.
class MediaRelay {
 public:
  virtual ~MediaRelay() = default;
  virtual Result<protocol::MediaAnswer> add_peer(const std::string& meeting,
                                                 const std::string& participant,
                                                 const protocol::MediaOffer& offer) = 0;
  virtual void remove_peer(const std::string& meeting, const std::string& participant) = 0;
};

// ExternalSenderProvider is the service's MLS external-sender identity (RFC 9420
// §12.1.8.1): what the creator lists in external_senders, and the signer of Remove
// proposals for participants whose connection died.
class ExternalSenderProvider {
 public:
  virtual ~ExternalSenderProvider() = default;
  // identity is the external-sender entry for groups of cipher_suite, or nullopt when
  // the service has none for that suite.
  virtual std::optional<protocol::ExternalSender> identity(std::uint16_t cipher_suite) = 0;
  // remove_proposal signs a Remove of `leaf` for the epoch of group_info (an
  // MLSMessage(GroupInfo) published by a member). Fails when the group does not list
  // the service as an external sender, or the GroupInfo does not parse.
  virtual Result<Bytes> remove_proposal(ByteView group_info, std::uint32_t leaf) = 0;
};

// Authorizer decides whether a hello's auth_token grants a seat in the meeting's
// signaling. Empty: every hello is authorized (`ztmeet server --open`).
using Authorizer = std::function<bool(const protocol::Hello& hello)>;
// HostCheck decides whether an authorized hello makes its participant the meeting's
// host, which leads whenever it is a connected group member (rule 3). Empty: no host.
using HostCheck = std::function<bool(const protocol::Hello& hello)>;

struct DeliveryConfig {
  // leader_timeout: a leader that has not answered a pending join/remove request
  // with a Commit within this time is replaced (rule 3).
  std::chrono::milliseconds leader_timeout{5000};
  // reconnect_grace: a member whose connection is gone this long is to be removed
  // (rule 6); a joiner is forgotten.
  std::chrono::milliseconds reconnect_grace{10000};
  // switch_timeout: switch_epoch is sent at the latest this long after the Commit
  // (rule 7).
  std::chrono::milliseconds switch_timeout{1000};
  // roster_interval: roster updates (hints) are coalesced and sent at most this often
  // per meeting, from on_tick; a meeting of n participants waits max(1, n/25) times it.
  std::chrono::milliseconds roster_interval{250};
  // idle_meeting_timeout: a meeting nobody has been connected to for this long ends.
  std::chrono::milliseconds idle_meeting_timeout{std::chrono::minutes(30)};
  // Bounds on the work hostile clients can cause (STYLE rule 10).
  std::size_t max_participants_per_meeting = 5000;
  std::size_t max_meetings = 100000;
  std::size_t max_log_entries = 1000000;  // per meeting; further handshake is refused
  Authorizer authorize;
  HostCheck is_host;
  MediaRelay* media = nullptr;                        // not owned; may be null
  ExternalSenderProvider* external_sender = nullptr;  // not owned; may be null
  // make_token returns a fresh resume token; empty: 32 random bytes, base64url.
  std::function<std::string()> make_token;
  // load_stored_meetings: create() loads every stored meeting. A cluster node starts
  // empty instead and adopts the meetings whose lease it takes (adopt_meeting).
  bool load_stored_meetings = true;
};

// DeliveryStats are counters for /healthz and the load bench.
struct DeliveryStats {
  std::size_t meetings = 0;
  std::size_t participants = 0;
  std::size_t sessions = 0;  // connections with an open session
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t commits_accepted = 0;
  std::uint64_t commits_refused = 0;
  std::uint64_t malformed = 0;
  std::uint64_t storage_errors = 0;
};

class DeliveryService {
 public:
  // create loads every stored meeting (a restart). Members of loaded meetings count
  // as disconnected since `now`: they have the reconnect grace to resume, and the
  // previous leader keeps its role for that long before a failover.
  static Result<std::unique_ptr<DeliveryService>> create(DeliveryConfig config, Storage& storage,
                                                         TimePoint now);
  ~DeliveryService();
  DeliveryService(const DeliveryService&) = delete;
  DeliveryService& operator=(const DeliveryService&) = delete;

  // on_open: a transport connection opened (no session until its hello).
  Output on_open(ConnectionId connection, TimePoint now);
  // on_message: a decoded client message arrived on the connection.
  Output on_message(ConnectionId connection, const protocol::ClientMessage& message, TimePoint now);
  // on_malformed: a frame on the connection did not decode; it is answered with
  // error{malformed} and the connection stays open.
  Output on_malformed(ConnectionId connection, const Error& error, TimePoint now);
  // on_close: the connection is gone (closed by either side, or failed).
  Output on_close(ConnectionId connection, TimePoint now);
  // on_tick: timers (leader timeout, reconnect grace, switch timeout, idle meetings).
  // Call it at least every 100 ms; next_deadline says when it next matters.
  Output on_tick(TimePoint now);
  // next_deadline is the earliest time on_tick has work, if any.
  std::optional<TimePoint> next_deadline() const;
  // end_meeting ends a meeting: meeting_ended to everyone, connections closed, state
  // erased. false if there is no such meeting.
  Output end_meeting(const std::string& meeting, const std::string& reason, TimePoint now);
  // shutdown: the service is stopping; every connection is closed (state is kept, so
  // clients resume after a restart).
  Output shutdown();

  DeliveryStats stats() const;

  // ---- a node of a multi-node service (delivery_adopt.cc; include/ztm/server/cluster.h)
  // has_meeting: the meeting is loaded here.
  bool has_meeting(const std::string& meeting) const;
  // adopt_meeting loads one stored meeting (this node took its lease), as create()
  // loads each at a restart: its members count as disconnected since `now` and have
  // the reconnect grace to resume. Error invalid_state if it is loaded already.
  Result<void> adopt_meeting(MeetingRecord record, TimePoint now);
  // drop_meeting forgets a meeting here without touching storage (this node lost its
  // lease; the new owner continues it): its connections are closed, its media peers
  // removed. The Output's close list is exactly the meeting's connections.
  Output drop_meeting(const std::string& meeting);

  struct State;

 private:
  explicit DeliveryService(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ztm::server
