// Service: wires the DeliveryService to the WebSocket transport, storage, the
// external-sender key and the SFU. Logs are key=value lines through spdlog; they name
// meetings, participants, message types and counts, never message bodies, tokens or
// keys.
#include "ztm/server/service.h"

#include <openssl/crypto.h>

#include <atomic>
#include <future>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "ztm/crypto/hash.h"
#include "ztm/identity/jws.h"
#include "ztm/net/websocket.h"
#include "ztm/server/external_sender.h"
#include "ztm/server/sfu.h"

namespace ztm::server {
namespace {

namespace ws = ::ztm::net::websocket;

// token_input is what a token's MAC covers. A host token has its own label, so the MAC
// of a participant's token does not verify as a host token (docs/decisions/0074).
Bytes token_input(std::string_view meeting, std::string_view name, bool host) {
  Bytes input = to_bytes(host ? std::string_view("ztmeet host token v1")
                              : std::string_view("ztmeet meeting token v1"));
  input.push_back(0);
  append(input, as_bytes(meeting));
  input.push_back(0);
  append(input, as_bytes(name));
  return input;
}

// SfuRelay is the MediaRelay over the SFU (signaling's view of media).
class SfuRelay final : public MediaRelay {
 public:
  explicit SfuRelay(Sfu& sfu) : sfu_(sfu) {}

  Result<protocol::MediaAnswer> add_peer(const std::string& meeting, const std::string& participant,
                                         const protocol::MediaOffer& offer) override {
    PeerOffer peer;
    peer.peer = {meeting, participant};
    peer.remote_ice = {offer.ice_ufrag, offer.ice_pwd};
    ZTM_TRY_ASSIGN(peer.remote_fingerprint,
                   net::CertificateFingerprint::from_sdp(offer.fingerprint));
    sfu_.remove_peer(peer.peer);  // a renewed offer (e.g. after a reconnect) replaces the old link
    ZTM_TRY_ASSIGN(auto answer, sfu_.add_peer(peer));
    return protocol::MediaAnswer{answer.local_ice.ufrag, answer.local_ice.pwd,
                                 answer.fingerprint.to_sdp(), answer.candidate.to_string()};
  }

  void remove_peer(const std::string& meeting, const std::string& participant) override {
    sfu_.remove_peer({meeting, participant});
  }

 private:
  Sfu& sfu_;
};

}  // namespace

std::string mint_meeting_token(const SecretBytes& secret, std::string_view meeting,
                               std::string_view name, bool host) {
  const Bytes mac =
      crypto::hmac(crypto::HashId::sha256, secret.expose(), token_input(meeting, name, host));
  return (host ? "v1h." : "v1.") + identity::base64url_encode(mac);
}

namespace {

// token_matches: a token minted for (meeting, display_hint) or (meeting, ""), of the
// given kind. Both forms are computed, so the time taken does not tell which it is.
bool token_matches(const SecretBytes& secret, std::string_view meeting,
                   std::string_view display_hint, std::string_view token, bool host) {
  auto matches = [&](std::string_view name) {
    const std::string expected = mint_meeting_token(secret, meeting, name, host);
    return expected.size() == token.size() &&
           CRYPTO_memcmp(expected.data(), token.data(), token.size()) == 0;
  };
  const bool named = matches(display_hint);
  const bool any = matches("");
  return named || any;
}

}  // namespace

bool check_meeting_token(const SecretBytes& secret, std::string_view meeting,
                         std::string_view display_hint, std::string_view token) {
  const bool member = token_matches(secret, meeting, display_hint, token, false);
  const bool host = token_matches(secret, meeting, display_hint, token, true);
  return member || host;
}

bool check_host_token(const SecretBytes& secret, std::string_view meeting,
                      std::string_view display_hint, std::string_view token) {
  return token_matches(secret, meeting, display_hint, token, true);
}

struct Service::Impl {
  ServiceConfig config;
  std::unique_ptr<Storage> storage;
  std::unique_ptr<MlsExternalSender> external_sender;
  std::unique_ptr<Sfu> sfu;
  std::unique_ptr<SfuRelay> relay;
  std::unique_ptr<DeliveryService> delivery;  // touched only on the server thread
  std::unique_ptr<MeetingLeases> leases;      // cluster node only; server thread
  std::unique_ptr<ClusterNode> cluster;       // cluster node only; server thread
  std::unique_ptr<ws::WebSocketServer> server;
  // The server thread may take a connection before start() has stored `server`;
  // dispatch reads it through this atomic and waits the few microseconds if needed.
  std::atomic<ws::WebSocketServer*> server_ptr{nullptr};
  bool stopping = false;  // server thread
  std::once_flag stop_once;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  void dispatch(Output&& output) {
    ws::WebSocketServer* out = server_ptr.load();
    while (!out) {
      std::this_thread::yield();
      out = server_ptr.load();
    }
    // Fan-out shares one message among many connections: encode it once.
    std::unordered_map<const protocol::ServerMessage*, std::string> encoded;
    for (const auto& o : output.messages) {
      auto it = encoded.find(o.message.get());
      if (it == encoded.end())
        it = encoded.emplace(o.message.get(), protocol::encode(*o.message)).first;
      out->send(o.connection, it->second);
    }
    for (auto c : output.close) out->close(c);
    for (const auto& line : output.log) {
      if (line.level == 0) {
        spdlog::info("delivery: {}", line.text);
      } else {
        spdlog::warn("delivery: {}", line.text);
      }
    }
  }

  std::string health_json() {
    const auto stats = delivery->stats();
    const auto counters = server_ptr.load()->counters();
    nlohmann::json j;
    j["status"] = "ok";
    j["version"] = 1;
    j["uptime_s"] =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
            .count();
    j["meetings"] = stats.meetings;
    j["participants"] = stats.participants;
    j["sessions"] = stats.sessions;
    j["connections"] = counters.connections;
    j["messages_in"] = stats.messages_in;
    j["messages_out"] = stats.messages_out;
    j["commits_accepted"] = stats.commits_accepted;
    j["commits_refused"] = stats.commits_refused;
    j["malformed"] = stats.malformed;
    j["storage_errors"] = stats.storage_errors;
    j["storage"] = !config.redis_url.empty() ? "redis"
                   : config.db_path.empty()  ? "memory"
                                             : "sqlite";
    if (cluster) {
      // The node id is the operator's own label, not a secret; meeting names stay out.
      j["node"] = config.cluster->node_id;
      j["owned_meetings"] = cluster->owned().size();
    }
    j["media"] = sfu != nullptr;
    return j.dump();
  }
};

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Service::~Service() {
  stop();
}

Result<std::unique_ptr<Service>> Service::start(ServiceConfig config) {
  if (config.open == config.token_secret.has_value()) {
    return fail(Errc::invalid_argument, "service: choose exactly one of a token secret or open");
  }
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  ServiceConfig& c = impl->config;
  if (!c.redis_url.empty() && !c.db_path.empty()) {
    return fail(Errc::invalid_argument, "service: choose a SQLite file or Redis, not both");
  }
  if (c.cluster && c.redis_url.empty()) {
    return fail(Errc::invalid_argument, "service: a cluster node keeps its state in Redis");
  }
  if (!c.redis_url.empty()) {
    // A cluster node's writes are fenced by its node id (cluster.h).
    ZTM_TRY_ASSIGN(impl->storage,
                   open_redis_storage(c.redis_url, c.cluster ? c.cluster->node_id : std::string(),
                                      c.redis_auth));
    if (c.cluster) {
      ZTM_TRY_ASSIGN(impl->leases, MeetingLeases::open(c.redis_url, *c.cluster, c.redis_auth));
    }
  } else if (c.db_path.empty()) {
    impl->storage = std::make_unique<MemoryStorage>();
  } else {
    ZTM_TRY_ASSIGN(impl->storage, open_sqlite_storage(c.db_path));
  }
  impl->external_sender = std::make_unique<MlsExternalSender>(*impl->storage);
  if (c.media) {
    SfuConfig sfu_config;
    sfu_config.bind_address = c.media_address;
    sfu_config.port = c.media_port;
    sfu_config.advertised_address = c.media_advertised_address;
    ZTM_TRY_ASSIGN(impl->sfu, Sfu::create(sfu_config, [](const TransportEvent& event) {
                     spdlog::info("sfu: meeting={} participant={} transport={} {}",
                                  event.peer.meeting_id, event.peer.participant_id,
                                  transport_state_name(event.state), event.reason);
                   }));
    impl->relay = std::make_unique<SfuRelay>(*impl->sfu);
  }

  DeliveryConfig delivery = c.delivery;
  delivery.external_sender = impl->external_sender.get();
  delivery.media = impl->relay.get();
  if (c.token_secret) {
    delivery.authorize = [secret = *c.token_secret](const protocol::Hello& hello) {
      return check_meeting_token(secret, hello.meeting, hello.display_hint, hello.auth_token);
    };
    delivery.is_host = [secret = *c.token_secret](const protocol::Hello& hello) {
      return check_host_token(secret, hello.meeting, hello.display_hint, hello.auth_token);
    };
  } else {
    delivery.authorize = nullptr;
    delivery.is_host = nullptr;
    if (c.open_host) {
      // Open mode has no credential to check: the display name is the claim (demos).
      delivery.is_host = [name = *c.open_host](const protocol::Hello& hello) {
        return hello.display_hint == name;
      };
    }
  }
  // A cluster node loads no meeting at start: it adopts each one whose lease it takes.
  delivery.load_stored_meetings = !c.cluster;
  Authorizer authorize = delivery.authorize;
  ZTM_TRY_ASSIGN(impl->delivery, DeliveryService::create(std::move(delivery), *impl->storage,
                                                         std::chrono::steady_clock::now()));
  if (c.cluster) {
    impl->cluster = std::make_unique<ClusterNode>(*impl->leases, *impl->storage, *impl->delivery,
                                                  std::move(authorize));
    spdlog::info("cluster: node={} url={} lease_ttl_ms={}", c.cluster->node_id,
                 c.cluster->advertised_url, c.cluster->lease_ttl.count());
  }
  const auto loaded = impl->delivery->stats();
  if (loaded.meetings > 0) {
    spdlog::info("storage: resumed meetings={} participants={}", loaded.meetings,
                 loaded.participants);
  }

  ws::ServerOptions options;
  options.address = c.address;
  options.port = c.port;
  options.cert_chain_file = c.cert_file;
  options.private_key_file = c.key_file;
  options.cert_chain_pem = c.cert_pem;
  options.private_key_pem = c.key_pem;
  options.max_connections = c.max_connections;
  options.max_message_bytes = c.max_message_bytes;

  Impl* raw = impl.get();
  ws::ServerHandlers handlers;
  handlers.on_open = [raw](ws::ConnectionId id, const std::string& remote) {
    spdlog::debug("connection={} open remote={}", id, remote);
    raw->dispatch(raw->delivery->on_open(id, std::chrono::steady_clock::now()));
  };
  handlers.on_message = [raw](ws::ConnectionId id, std::string&& text) {
    if (raw->stopping) return;
    const auto now = std::chrono::steady_clock::now();
    auto message = protocol::decode_client_message(text);
    if (!message) {
      spdlog::info("connection={} malformed frame bytes={}", id, text.size());
      return raw->dispatch(raw->delivery->on_malformed(id, message.error(), now));
    }
    // A node that was paused past its renewal time renews before it acts: if a
    // lease expired meanwhile, the meeting is dropped here instead of accepting a
    // Commit its successor never sees (the storage fence refuses the write anyway).
    if (raw->cluster) raw->dispatch(raw->cluster->on_tick(now));
    if (const auto* hello = std::get_if<protocol::Hello>(&*message); hello && raw->cluster) {
      auto route = raw->cluster->on_hello(id, *hello, now);
      raw->dispatch(std::move(route.output));
      if (!route.deliver) return;
    }
    raw->dispatch(raw->delivery->on_message(id, *message, now));
  };
  handlers.on_close = [raw](ws::ConnectionId id) {
    // While stopping, closes are not departures: the stored state keeps everyone a
    // member with a leader, as it was, for the restart.
    if (raw->stopping) return;
    raw->dispatch(raw->delivery->on_close(id, std::chrono::steady_clock::now()));
  };
  handlers.on_tick = [raw] {
    if (raw->stopping) return;
    const auto now = std::chrono::steady_clock::now();
    raw->dispatch(raw->delivery->on_tick(now));
    if (raw->cluster) raw->dispatch(raw->cluster->on_tick(now));
  };
  handlers.health = [raw] { return raw->health_json(); };
  ZTM_TRY_ASSIGN(impl->server, ws::WebSocketServer::start(options, std::move(handlers)));
  impl->server_ptr = impl->server.get();
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

std::uint16_t Service::port() const {
  return impl_->server->port();
}

std::optional<std::string> Service::media_endpoint() const {
  if (!impl_->sfu) return std::nullopt;
  return impl_->sfu->local_address().to_string();
}

std::string Service::health() {
  std::promise<std::string> result;
  auto future = result.get_future();
  impl_->server->post([&] { result.set_value(impl_->health_json()); });
  return future.get();
}

DeliveryStats Service::stats() {
  std::promise<DeliveryStats> result;
  auto future = result.get_future();
  impl_->server->post([&] { result.set_value(impl_->delivery->stats()); });
  return future.get();
}

void Service::stop() {
  if (!impl_) return;
  std::call_once(impl_->stop_once, [this] {
    std::promise<void> marked;
    auto done = marked.get_future();
    impl_->server->post([&] {
      impl_->stopping = true;
      impl_->dispatch(impl_->delivery->shutdown());
      // The state stays in Redis; giving the leases back lets another node take the
      // meetings at the members' next hello rather than after the lease TTL.
      if (impl_->cluster) impl_->cluster->release_all();
      marked.set_value();
    });
    done.wait();
    impl_->server->stop();
    impl_->sfu.reset();
    spdlog::info("service stopped");
  });
}

}  // namespace ztm::server
