// The client loop (ztm/client/client.h): one thread owns the engine and the media
// pipelines; signaling, the media link and stdin feed it through a queue.
#include "ztm/client/client.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <variant>

#include <nlohmann/json.hpp>

#include "internal/key_log.h"
#include "internal/media_session.h"
#include "ztm/identity/crl.h"
#include "ztm/meeting/engine.h"
#include "ztm/meeting/protocol.h"
#include "ztm/net/media_link.h"

namespace ztm::client {
namespace {

namespace proto = meeting::protocol;
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using std::chrono::milliseconds;

// ---------------------------------------------------------------- inputs

struct SignalingText {
  std::uint64_t generation;
  std::string text;
};
struct SignalingClosed {
  std::uint64_t generation;
  std::string reason;
};
struct RtpIn {
  std::uint64_t generation;
  Bytes packet;
};
struct RtcpIn {
  std::uint64_t generation;
  Bytes packet;
};
struct LinkStateIn {
  std::uint64_t generation;
  net::LinkState state;
  std::string reason;
};
struct CommandIn {
  std::string line;
};
using Input = std::variant<SignalingText, SignalingClosed, RtpIn, RtcpIn, LinkStateIn, CommandIn>;

// InputQueue hands inputs from other threads to the loop.
class InputQueue {
 public:
  void push(Input input) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // Bound memory if the loop stalls: media is dropped first (as a network would).
      if (items_.size() > 20000 &&
          (std::holds_alternative<RtpIn>(input) || std::holds_alternative<RtcpIn>(input))) {
        return;
      }
      items_.push_back(std::move(input));
    }
    cv_.notify_one();
  }
  // pop waits until an input arrives or deadline.
  std::optional<Input> pop(TimePoint deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_until(lock, deadline, [&] { return !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    Input in = std::move(items_.front());
    items_.pop_front();
    return in;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Input> items_;
};

// StdinReader reads command lines on a thread of its own, polling so it can stop.
class StdinReader {
 public:
  explicit StdinReader(InputQueue& queue) : thread_([this, &queue] { run(queue); }) {}
  ~StdinReader() {
    stop_ = true;
    thread_.join();
  }

 private:
  void run(InputQueue& queue) {
    std::string buffer;
    while (!stop_) {
      pollfd pfd{0, POLLIN, 0};
      if (::poll(&pfd, 1, 100) <= 0) continue;
      char chunk[256];
      const ssize_t n = ::read(0, chunk, sizeof chunk);
      if (n <= 0) return;  // EOF: no more commands
      buffer.append(chunk, static_cast<std::size_t>(n));
      for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
        queue.push(CommandIn{buffer.substr(0, nl)});
        buffer.erase(0, nl + 1);
      }
      if (buffer.size() > 4096) buffer.clear();
    }
  }
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string status_name(meeting::IdentityStatus s) {
  switch (s) {
    case meeting::IdentityStatus::verified:
      return "verified";
    case meeting::IdentityStatus::provider_authenticated:
      return "provider-authenticated";
    case meeting::IdentityStatus::expired:
      return "expired";
    case meeting::IdentityStatus::revoked:
      return "revoked";
    default:
      return "invalid";
  }
}

// ---------------------------------------------------------------- the loop

class Loop {
 public:
  Loop(const ClientOptions& options, ClientIdentity identity, const SignalingConnector& connector,
       std::ostream& out)
      : options_(options),
        identity_(std::move(identity)),
        connector_(connector),
        out_(out),
        validator_(identity_.trust, {}, &crl_fetcher_) {}

  Result<RunSummary> run();

 private:
  // Output.
  void emit(const std::string& event, nlohmann::json body);
  void say(const std::string& line);
  ClientStatus snapshot() const;
  void show_status(bool force);

  // Signaling.
  Result<void> connect();
  // next_entry moves to the next configured node (service_url, more_service_urls):
  // the node in use could not be reached, or redirected too often.
  void next_entry();
  void follow_redirect(const proto::Redirect& redirect, TimePoint now);
  void send(const proto::ClientMessage& message);
  void handle_signaling(const std::string& text, TimePoint now);
  void process(meeting::Output output, TimePoint now);

  // Media link.
  void restart_media_link();
  void handle_input(Input& input, TimePoint now);
  bool link_up() const { return link_ && link_state_ == net::LinkState::connected; }

  void begin_leave(TimePoint now, const std::string& reason);

  const ClientOptions& options_;
  ClientIdentity identity_;
  const SignalingConnector& connector_;
  std::ostream& out_;
  // Members' leaves may name CRLs; the validator fetches them over HTTP (RFC 5280
  // §4.2.1.13) and caches them. Declared before validator_, which uses it.
  identity::HttpCrlFetcher crl_fetcher_;
  identity::Validator validator_;
  std::unique_ptr<meeting::X509IdentityVerifier> verifier_;
  std::unique_ptr<meeting::Engine> engine_;
  std::unique_ptr<internal::MediaSession> media_;
  std::optional<internal::KeyLog> key_log_;
  InputQueue queue_;

  std::unique_ptr<SignalingChannel> channel_;
  std::uint64_t channel_generation_ = 0;
  // The node connected to: a configured entry, or where a redirect pointed.
  std::string service_url_;
  std::size_t entry_ = 0;  // index into service_url, more_service_urls
  int redirects_ = 0;      // followed since the last session or entry change
  bool connected_ = false;
  std::optional<TimePoint> reconnect_at_;
  std::optional<TimePoint> disconnected_since_;

  std::unique_ptr<net::MediaLink> link_;
  std::uint64_t link_generation_ = 0;
  net::LinkState link_state_ = net::LinkState::idle;

  std::optional<proto::ParticipantId> leader_;
  std::vector<std::string> alerts_;
  std::uint64_t malformed_messages_ = 0;
  std::optional<TimePoint> joined_at_;
  TimePoint started_at_{};
  TimePoint next_status_{};
  std::string last_view_;
  // last_in_group_ is the view of the last moment in the group (the summary reports
  // who was there and what came from each, after leaving erased the group).
  std::optional<ClientStatus> last_in_group_;
  bool done_ = false;
  bool left_cleanly_ = false;
  std::string end_reason_;
};

void Loop::emit(const std::string& event, nlohmann::json body) {
  if (options_.output != OutputMode::json) return;
  body["event"] = event;
  body["t_ms"] = std::chrono::duration_cast<milliseconds>(Clock::now() - started_at_).count();
  out_ << body.dump() << "\n" << std::flush;
}

void Loop::say(const std::string& line) {
  if (options_.output == OutputMode::log) out_ << line << "\n" << std::flush;
}

ClientStatus Loop::snapshot() const {
  ClientStatus s;
  const auto state = engine_ ? engine_->state() : meeting::EngineState::idle;
  switch (state) {
    case meeting::EngineState::idle:
    case meeting::EngineState::connecting:
      s.shield = Shield::connecting;
      break;
    case meeting::EngineState::joining:
      s.shield = Shield::joining;
      break;
    case meeting::EngineState::member:
      s.shield = alerts_.empty() ? Shield::secure : Shield::alert;
      break;
    case meeting::EngineState::left:
      s.shield = Shield::ended;
      break;
  }
  if (!alerts_.empty() && s.shield != Shield::ended) s.shield = Shield::alert;
  s.meeting = options_.meeting;
  s.self_identity = identity_.identity.value;
  if (engine_) {
    s.participant_id = engine_->participant();
    s.epoch = engine_->epoch().value_or(0);
    s.security_code = engine_->security_code();
    for (const auto& m : engine_->roster()) {
      ParticipantView p;
      p.leaf = m.leaf;
      p.identity = m.identity.display;
      p.status = status_name(m.identity.status);
      p.organization = m.identity.organization;
      p.self = m.is_self;
      p.leader = m.is_self ? engine_->is_leader() : (leader_ && m.participant == leader_);
      if (media_ && !m.is_self) {
        p.audio_received = media_->received(m.leaf, media::MediaKind::audio);
        p.video_received = media_->received(m.leaf, media::MediaKind::video);
        p.decrypt_errors = media_->decrypt_errors(m.leaf);
      }
      s.participants.push_back(std::move(p));
    }
  }
  if (media_) {
    s.audio_sent = media_->audio_sent();
    s.video_sent = media_->video_sent();
    s.undecryptable_frames = media_->undecryptable_frames();
  }
  s.alerts = alerts_;
  s.media_connected = link_up();
  return s;
}

void Loop::show_status(bool force) {
  const auto s = snapshot();
  if (engine_ && engine_->state() == meeting::EngineState::member) last_in_group_ = s;
  switch (options_.output) {
    case OutputMode::json:
      emit("status", status_json(s));
      break;
    case OutputMode::live:
      out_ << render_view(s, true) << std::flush;
      break;
    case OutputMode::log: {
      // Counters change all the time; print the view when something else changed.
      auto key = s;
      key.audio_sent = key.video_sent = {};
      for (auto& p : key.participants) p.audio_received = p.video_received = {};
      const auto view = render_view(key, false);
      if (force || view != last_view_) out_ << render_view(s, false) << std::flush;
      last_view_ = view;
      break;
    }
  }
}

Result<void> Loop::connect() {
  const auto generation = ++channel_generation_;
  SignalingChannel::Callbacks cb;
  cb.on_message = [this, generation](std::string text) {
    queue_.push(SignalingText{generation, std::move(text)});
  };
  cb.on_closed = [this, generation](std::string reason) {
    queue_.push(SignalingClosed{generation, std::move(reason)});
  };
  if (service_url_.empty()) service_url_ = options_.service_url;
  ZTM_TRY_ASSIGN(channel_, connector_(service_url_, options_.service_ca_bundle, std::move(cb)));
  connected_ = true;
  return ok();
}

void Loop::next_entry() {
  const std::size_t entries = 1 + options_.more_service_urls.size();
  entry_ = (entry_ + 1) % entries;
  service_url_ = entry_ == 0 ? options_.service_url : options_.more_service_urls[entry_ - 1];
  redirects_ = 0;
}

void Loop::follow_redirect(const proto::Redirect& redirect, TimePoint now) {
  // The node we reached does not own the meeting (docs/protocol.md, redirect). The
  // same hello, with the resume token, goes to the owner. A chain of redirects ends
  // after kMaxRedirects (nodes that disagree, or a hostile one): back to an entry.
  ++channel_generation_;  // the redirecting node's close is not news
  channel_.reset();
  connected_ = false;
  engine_->disconnected();
  disconnected_since_ = disconnected_since_.value_or(now);
  if (redirects_ >= proto::kMaxRedirects) {
    emit("redirect", {{"url", redirect.url}, {"followed", false}});
    if (now - *disconnected_since_ > options_.reconnect_window) {
      // Nodes that keep sending us around are as good as no service at all.
      done_ = true;
      end_reason_ = "no node of the service would serve the meeting (redirect loop)";
      emit("error", {{"message", end_reason_}});
      return;
    }
    say("too many redirects; trying another node");
    next_entry();
    reconnect_at_ = now + milliseconds(500);
    return;
  }
  ++redirects_;
  service_url_ = redirect.url;
  emit("redirect", {{"url", redirect.url}, {"followed", true}});
  say("redirected to " + redirect.url);
  reconnect_at_ = now;
}

void Loop::send(const proto::ClientMessage& message) {
  if (!channel_ || !connected_) return;  // the engine re-sends what matters after a resume
  (void)channel_->send(proto::encode(message));
}

void Loop::restart_media_link() {
  link_.reset();  // joins the old link's thread; its late callbacks carry an old generation
  const auto generation = ++link_generation_;
  net::MediaLink::Callbacks cb;
  cb.on_rtp = [this, generation](ByteView p) {
    queue_.push(RtpIn{generation, Bytes(p.begin(), p.end())});
  };
  cb.on_rtcp = [this, generation](ByteView p) {
    queue_.push(RtcpIn{generation, Bytes(p.begin(), p.end())});
  };
  cb.on_state = [this, generation](net::LinkState state, const std::string& reason) {
    queue_.push(LinkStateIn{generation, state, reason});
  };
  net::MediaLinkConfig config;
  auto link = net::MediaLink::create(config, std::move(cb));
  if (!link) {
    alerts_.push_back("media link: " + link.error().what());
    emit("media_link", {{"state", "failed"}, {"reason", link.error().what()}});
    return;
  }
  link_ = std::move(*link);
  link_state_ = net::LinkState::idle;
  const auto& local = link_->local();
  send(proto::MediaOffer{local.ice.ufrag, local.ice.pwd, local.fingerprint.to_sdp()});
}

void Loop::handle_signaling(const std::string& text, TimePoint now) {
  auto message = proto::decode_server_message(text);
  if (!message) {
    ++malformed_messages_;
    emit("malformed_message", {{"error", message.error().what()}});
    return;
  }
  if (const auto* answer = std::get_if<proto::MediaAnswer>(&*message)) {
    if (!link_) return;
    auto fp = net::CertificateFingerprint::from_sdp(answer->fingerprint);
    auto candidate = net::parse_transport_address(answer->candidate);
    if (!fp || !candidate) {
      emit("media_link", {{"state", "failed"}, {"reason", "malformed media_answer"}});
      return;
    }
    auto connected = link_->connect({{answer->ice_ufrag, answer->ice_pwd}, *fp, *candidate});
    if (!connected) emit("media_link", {{"state", "failed"}, {"reason", connected.error().what()}});
    return;
  }
  if (const auto* redirect = std::get_if<proto::Redirect>(&*message)) {
    follow_redirect(*redirect, now);
    return;
  }
  if (const auto* changed = std::get_if<proto::LeaderChanged>(&*message)) {
    leader_ = changed->leader;
  }
  const bool is_session = std::holds_alternative<proto::Session>(*message);
  if (is_session) {
    const auto& session = std::get<proto::Session>(*message);
    emit("session", {{"participant", session.participant},
                     {"role", std::string(proto::to_string(session.role))},
                     {"epoch", session.epoch}});
    say("session with the service: participant " + session.participant + ", role " +
        std::string(proto::to_string(session.role)));
    disconnected_since_.reset();
    redirects_ = 0;
  }
  process(engine_->handle(*message, now), now);
  // A new session (first, or resumed after a reconnect or a service restart) gets a
  // fresh media link: the SFU forgets peers whose signaling went away.
  if (is_session && engine_->state() != meeting::EngineState::left) restart_media_link();
}

void Loop::process(meeting::Output output, TimePoint now) {
  for (const auto& m : output.messages) send(m);
  // The creator is in the group from its first epoch without a Welcome: report that
  // as joined too, so every member has exactly one "joined" event.
  const bool has_joined_event =
      std::any_of(output.events.begin(), output.events.end(),
                  [](const auto& e) { return std::holds_alternative<meeting::Joined>(e); });
  if (!has_joined_event && !joined_at_ && engine_->state() == meeting::EngineState::member) {
    joined_at_ = now;
    emit("joined", {{"epoch", engine_->epoch().value_or(0)},
                    {"leaf", engine_->own_leaf().value_or(0)},
                    {"creator", true}});
    say("created the group at epoch " + std::to_string(engine_->epoch().value_or(0)));
  }
  for (const auto& e : output.events) {
    std::visit(
        [&](const auto& ev) {
          using T = std::decay_t<decltype(ev)>;
          if constexpr (std::is_same_v<T, meeting::RosterChanged>) {
            nlohmann::json list = nlohmann::json::array();
            for (const auto& m : ev.roster) {
              list.push_back({{"leaf", m.leaf},
                              {"identity", m.identity.display},
                              {"status", status_name(m.identity.status)},
                              {"organization", m.identity.organization},
                              {"self", m.is_self}});
            }
            emit("roster", {{"epoch", engine_->epoch().value_or(0)}, {"participants", list}});
          } else if constexpr (std::is_same_v<T, meeting::SecurityCodeChanged>) {
            emit("security_code", {{"epoch", ev.epoch}, {"code", ev.code}});
            say("security code (epoch " + std::to_string(ev.epoch) + "): " + ev.code);
          } else if constexpr (std::is_same_v<T, meeting::EpochChanged>) {
            emit("epoch", {{"epoch", ev.epoch}, {"sending", ev.sending}});
          } else if constexpr (std::is_same_v<T, meeting::EpochSwitched>) {
            emit("epoch_switched", {{"epoch", ev.epoch}});
          } else if constexpr (std::is_same_v<T, meeting::RoleChanged>) {
            emit("role", {{"role", std::string(proto::to_string(ev.role))}});
            say("role: " + std::string(proto::to_string(ev.role)));
          } else if constexpr (std::is_same_v<T, meeting::MisbehaviorDetected>) {
            alerts_.push_back(std::string(meeting::to_string(ev.kind)) + ": " + ev.detail);
            emit("misbehavior",
                 {{"kind", std::string(meeting::to_string(ev.kind))}, {"detail", ev.detail}});
            say("ALERT " + alerts_.back());
          } else if constexpr (std::is_same_v<T, meeting::KeyframeNeeded>) {
            if (media_) media_->request_keyframe();
          } else if constexpr (std::is_same_v<T, meeting::Joined>) {
            joined_at_ = now;
            emit("joined", {{"epoch", ev.epoch}, {"leaf", ev.leaf}});
            say("admitted to the group at epoch " + std::to_string(ev.epoch) + " as leaf " +
                std::to_string(ev.leaf));
          } else if constexpr (std::is_same_v<T, meeting::Removed>) {
            emit("removed", {{"epoch", ev.epoch}});
            say("removed from the group at epoch " + std::to_string(ev.epoch));
            done_ = true;
            end_reason_ = "removed";
          } else if constexpr (std::is_same_v<T, meeting::MeetingEndedEvent>) {
            emit("meeting_ended", {{"reason", ev.reason}});
            say("meeting ended: " + ev.reason);
            done_ = true;
            left_cleanly_ = true;
            end_reason_ = "meeting ended: " + ev.reason;
          }
        },
        e);
  }
}

void Loop::begin_leave(TimePoint now, const std::string& reason) {
  if (done_) return;
  if (engine_->state() == meeting::EngineState::member) last_in_group_ = snapshot();
  process(engine_->leave(now), now);
  emit("leaving", {{"reason", reason}});
  say("leaving: " + reason);
  done_ = true;
  left_cleanly_ = true;
  end_reason_ = reason;
}

void Loop::handle_input(Input& input, TimePoint now) {
  if (auto* t = std::get_if<SignalingText>(&input)) {
    if (t->generation == channel_generation_) handle_signaling(t->text, now);
  } else if (auto* c = std::get_if<SignalingClosed>(&input)) {
    if (c->generation != channel_generation_ || done_) return;
    connected_ = false;
    channel_.reset();
    engine_->disconnected();
    disconnected_since_ = disconnected_since_.value_or(now);
    reconnect_at_ = now + milliseconds(200);
    emit("disconnected", {{"reason", c->reason}});
    say("signaling connection lost (" + c->reason + "); reconnecting");
  } else if (auto* r = std::get_if<RtpIn>(&input)) {
    if (r->generation == link_generation_ && media_) {
      media_->receive_rtp(r->packet, engine_->media_keys(), now);
    }
  } else if (auto* r = std::get_if<RtcpIn>(&input)) {
    if (r->generation == link_generation_ && media_) media_->receive_rtcp(r->packet);
  } else if (auto* l = std::get_if<LinkStateIn>(&input)) {
    if (l->generation != link_generation_) return;
    link_state_ = l->state;
    emit("media_link",
         {{"state", std::string(net::link_state_name(l->state))}, {"reason", l->reason}});
    say("media link " + std::string(net::link_state_name(l->state)) +
        (l->reason.empty() ? "" : ": " + l->reason));
  } else if (auto* cmd = std::get_if<CommandIn>(&input)) {
    if (cmd->line == "leave" || cmd->line == "quit") {
      begin_leave(now, "asked to leave");
    } else if (cmd->line == "keyframe") {
      if (media_) media_->request_keyframe();
    } else if (cmd->line == "status") {
      show_status(true);
    } else if (cmd->line.rfind("drop-signaling", 0) == 0) {
      // Test aid: lose the signaling connection as a network failure would, and come
      // back (resume + catch-up) after the given milliseconds.
      long ms = 1000;
      try {
        if (cmd->line.size() > 15) ms = std::stol(cmd->line.substr(15));
      } catch (...) {
        ms = 1000;
      }
      if (channel_) {
        ++channel_generation_;  // the old channel's close is not news
        channel_.reset();
        connected_ = false;
        engine_->disconnected();
        disconnected_since_ = now;
        reconnect_at_ = now + milliseconds(std::clamp(ms, 0L, 600000L));
        emit("disconnected", {{"reason", "dropped on request"}});
      }
    }
  }
}

Result<RunSummary> Loop::run() {
  started_at_ = Clock::now();
  auto scheme = identity::signature_scheme_for_suite(options_.cipher_suite);
  if (!scheme) return tl::unexpected(scheme.error());
  verifier_ = std::make_unique<meeting::X509IdentityVerifier>(validator_, *scheme);

  std::vector<mls::Certificate> chain;
  for (const auto& der : identity_.chain_der) chain.push_back(mls::Certificate{der});
  meeting::EngineConfig config;
  config.meeting = options_.meeting;
  config.auth_token = options_.auth_token;
  config.display_hint =
      options_.display_name.empty() ? identity_.identity.value : options_.display_name;
  config.cipher_suite = options_.cipher_suite;
  config.verifier = verifier_.get();
  config.policy = options_.policy;
  if (!options_.key_log.empty()) {
    ZTM_TRY_ASSIGN(auto log, internal::KeyLog::open(options_.key_log, options_.meeting));
    key_log_.emplace(std::move(log));
    config.key_log = [this](std::uint64_t epoch, std::uint32_t leaves, const SecretBytes& key) {
      if (auto written = key_log_->write(epoch, leaves, key); !written) {
        say("key log: " + written.error().what());
      }
    };
    say("WARNING: writing this meeting's media keys to " + options_.key_log.string() +
        " (--keylog): whoever reads that file can decrypt the media");
  }
  ZTM_TRY_ASSIGN(
      engine_, meeting::Engine::create(std::move(config),
                                       mls::MemberSigner{identity_.signature_key,
                                                         mls::Credential::x509(std::move(chain))}));
  ZTM_TRY_ASSIGN(media_,
                 internal::MediaSession::create(options_.media, options_.record_dir, started_at_));

  emit("starting", {{"meeting", options_.meeting},
                    {"identity", identity_.identity.value},
                    {"own_status", identity_.own_status.summary()},
                    {"service", options_.service_url}});
  say("joining meeting " + options_.meeting + " at " + options_.service_url + " as " +
      identity_.own_status.summary());
  {
    // Each configured node once; the first that answers is the entry.
    auto connected = connect();
    for (std::size_t i = 0; !connected && i < options_.more_service_urls.size(); ++i) {
      next_entry();
      connected = connect();
    }
    if (!connected) {
      return fail(connected.error().code, "cannot connect to the service at " + service_url_ +
                                              ": " + connected.error().message);
    }
  }
  process(engine_->start(Clock::now()), Clock::now());

  std::optional<StdinReader> stdin_reader;
  if (options_.commands_from_stdin) stdin_reader.emplace(queue_);

  next_status_ = started_at_;
  while (!done_) {
    auto now = Clock::now();
    auto deadline = std::min({media_->next_send_time(), next_status_, now + milliseconds(100)});
    if (auto d = engine_->next_deadline()) deadline = std::min(deadline, *d);
    if (reconnect_at_) deadline = std::min(deadline, *reconnect_at_);
    // Drain every input that is ready, then do the timed work.
    if (auto input = queue_.pop(deadline)) {
      handle_input(*input, Clock::now());
      while (!done_) {
        auto more = queue_.pop(Clock::now());
        if (!more) break;
        handle_input(*more, Clock::now());
      }
    }
    if (done_) break;
    now = Clock::now();
    if (auto d = engine_->next_deadline(); d && *d <= now) process(engine_->tick(now), now);
    if (reconnect_at_ && *reconnect_at_ <= now) {
      reconnect_at_.reset();
      auto connected = connect();
      if (connected) {
        emit("reconnected", {});
        process(engine_->start(now), now);
      } else if (now - *disconnected_since_ > options_.reconnect_window) {
        done_ = true;
        end_reason_ = "the service stayed unreachable: " + connected.error().what();
        emit("error", {{"message", end_reason_}});
        break;
      } else {
        // This node is gone (or a redirect pointed at a dead owner): the next one.
        next_entry();
        reconnect_at_ = now + milliseconds(500);
      }
    }
    std::optional<std::uint32_t> sending_as;
    if (engine_->state() == meeting::EngineState::member && engine_->media_allowed() && link_up() &&
        engine_->media_keys().sending_epoch()) {
      sending_as = engine_->own_leaf();
    }
    media_->send_due(now, engine_->media_keys(), sending_as,
                     [&](ByteView p) { return link_up() && link_->send_rtp(p).has_value(); });
    if (link_up()) {
      media_->send_feedback(now, [&](ByteView p) { return link_->send_rtcp(p).has_value(); });
    }
    if (now >= next_status_) {
      show_status(false);
      next_status_ = now + options_.status_interval;
    }
    if (options_.stop_requested && options_.stop_requested->load()) {
      begin_leave(now, "interrupted");
    } else if (options_.duration && now - started_at_ >= *options_.duration) {
      begin_leave(now, "--duration reached");
    } else if (options_.leave_after && joined_at_ && now - *joined_at_ >= *options_.leave_after) {
      begin_leave(now, "--leave-after reached");
    }
  }

  // Let the leave reach the service before the connection closes.
  if (channel_) {
    channel_->close();
    const auto until = Clock::now() + milliseconds(1000);
    while (auto input = queue_.pop(until)) {
      if (std::holds_alternative<SignalingClosed>(*input)) break;
    }
  }
  link_.reset();
  stdin_reader.reset();

  RunSummary summary;
  summary.final_status = snapshot();
  if (last_in_group_) {
    // Who was in the group at the end, with the media counters as they ended.
    const auto shield = summary.final_status.shield;
    const auto alerts = summary.final_status.alerts;
    summary.final_status = *last_in_group_;
    summary.final_status.shield = shield;
    summary.final_status.alerts = alerts;
    summary.final_status.audio_sent = media_->audio_sent();
    summary.final_status.video_sent = media_->video_sent();
    summary.final_status.media_connected = false;
    for (auto& p : summary.final_status.participants) {
      if (p.self) continue;
      p.audio_received = media_->received(p.leaf, media::MediaKind::audio);
      p.video_received = media_->received(p.leaf, media::MediaKind::video);
      p.decrypt_errors = media_->decrypt_errors(p.leaf);
    }
  }
  summary.left_cleanly = left_cleanly_;
  summary.end_reason = end_reason_;
  summary.keys_erased = engine_->group() == nullptr && engine_->media_keys().epoch_count() == 0 &&
                        engine_->media_keys().key_count() == 0;
  auto files = media_->finish();
  nlohmann::json body = status_json(summary.final_status);
  body["end_reason"] = end_reason_;
  body["left_cleanly"] = left_cleanly_;
  body["keys_erased"] = summary.keys_erased;
  body["frames_decrypted"] = media_->frames_decrypted_total();
  body["frames_received"] = media_->frames_received_total();
  body["decrypt_failures"] = media_->decrypt_failures_total();
  const auto& so = media_->sent_overhead();
  const auto& ro = media_->received_overhead();
  body["sframe_overhead_sent"] = {
      {"frames", so.frames}, {"total", so.total}, {"min", so.min}, {"max", so.max}};
  body["sframe_overhead_received"] = {
      {"frames", ro.frames}, {"total", ro.total}, {"min", ro.min}, {"max", ro.max}};
  body["malformed_messages"] = malformed_messages_;
  if (files) {
    body["files"] = *files;
  } else {
    body["files_error"] = files.error().what();
  }
  emit("summary", body);
  if (options_.output != OutputMode::json) {
    out_ << render_view(summary.final_status, false);
    out_ << "left: " << end_reason_ << "; keys erased: " << (summary.keys_erased ? "yes" : "NO")
         << "\n";
    if (files) {
      for (const auto& f : *files) out_ << "wrote " << f << "\n";
    }
  }
  return summary;
}

}  // namespace

Result<RunSummary> run(const ClientOptions& options, ClientIdentity identity,
                       const SignalingConnector& connector, std::ostream& out) {
  if (!connector) return fail(Errc::unsupported, "this build has no WebSocket client");
  Loop loop(options, std::move(identity), connector, out);
  return loop.run();
}

}  // namespace ztm::client
