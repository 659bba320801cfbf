// Service: the running meeting service (`ztmeet server`): the DeliveryService behind
// the TLS WebSocket transport, its Storage (SQLite, Redis or memory), the service's MLS
// external-sender key, the SFU when media is enabled, transport authentication, the
// /healthz endpoint and structured logs. docs/operations.md describes running it.
//
// With a ClusterConfig it is one node of a multi-node service over Redis
// (include/ztm/server/cluster.h): it serves the meetings whose lease it holds and
// redirects the hellos of the others to their owner.
//
// Threading: the DeliveryService lives on the WebSocket server's one thread; every
// frame, close and timer is handled there in order. The SFU runs its own thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/server/cluster.h"
#include "ztm/server/delivery_service.h"

namespace ztm::server {

struct ServiceConfig {
  // Signaling: wss://address:port/v1/meetings and GET /healthz on the same port.
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  // TLS identity (PEM files, or PEM text).
  std::string cert_file;
  std::string key_file;
  std::string cert_pem;
  SecretBytes key_pem;
  // db_path: the SQLite file; empty keeps state in memory (lost when the process ends).
  std::string db_path;
  // redis_url: keep state in Redis (redis://host[:port][/db]) instead; excludes db_path.
  std::string redis_url;
  // redis_auth: the credentials for it (storage and leases), if Redis requires them.
  RedisAuth redis_auth;
  // cluster: with redis_url, run as one node of a multi-node service.
  std::optional<ClusterConfig> cluster;
  // Authentication: with a token secret, hello.auth_token must be a meeting token
  // (mint_meeting_token); with `open`, every hello is admitted. Exactly one of them.
  std::optional<SecretBytes> token_secret;
  bool open = false;
  // open_host: in open mode, the display name whose hello makes its participant the
  // meeting's host (it leads while connected; docs/protocol.md rule 3). Anyone may
  // claim it, so it is for demos; with a token secret, host tokens name the host.
  std::optional<std::string> open_host;
  // Media: the SFU on UDP when enabled.
  bool media = false;
  std::string media_address = "127.0.0.1";
  std::uint16_t media_port = 0;
  std::string media_advertised_address;
  DeliveryConfig delivery;  // timeouts and limits (authorize/media/external_sender are set here)
  std::size_t max_connections = 20000;
  std::size_t max_message_bytes = 16 * 1024 * 1024;
};

class Service {
 public:
  // start opens the storage, loads its meetings, starts the SFU (if enabled) and the
  // listener. Errors: io_error (bind, database), invalid_key (TLS), invalid_argument.
  static Result<std::unique_ptr<Service>> start(ServiceConfig config);
  ~Service();  // stop()
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  std::uint16_t port() const;
  // media_endpoint is the SFU's "ip:port" when media is enabled.
  std::optional<std::string> media_endpoint() const;
  // health is the /healthz JSON (counters, no meeting names or secrets).
  std::string health();
  DeliveryStats stats();
  // stop closes every connection (1001 going away) and keeps the stored state, so
  // clients resume after a restart. Idempotent.
  void stop();

  struct Impl;

 private:
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// mint_meeting_token makes the auth_token that admits `name` (the hello's
// display_hint) to `meeting`: "v1." + base64url(HMAC-SHA256(secret, "ztmeet meeting
// token v1" || 0 || meeting || 0 || name)). An empty name admits any display name.
// A host token (host = true) also makes its bearer the meeting's host: "v1h." +
// base64url(HMAC-SHA256(secret, "ztmeet host token v1" || 0 || meeting || 0 || name)).
std::string mint_meeting_token(const SecretBytes& secret, std::string_view meeting,
                               std::string_view name, bool host = false);
// check_meeting_token accepts a token (either kind) minted for (meeting, display_hint)
// or for (meeting, ""). Compares in constant time.
bool check_meeting_token(const SecretBytes& secret, std::string_view meeting,
                         std::string_view display_hint, std::string_view token);
// check_host_token accepts only a host token minted for (meeting, display_hint) or
// (meeting, ""). Compares in constant time.
bool check_host_token(const SecretBytes& secret, std::string_view meeting,
                      std::string_view display_hint, std::string_view token);

}  // namespace ztm::server
