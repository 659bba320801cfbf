// `ztmeet server`: the untrusted meeting service (signaling over TLS WebSockets, the
// delivery service, SQLite or Redis state, the SFU; with --node-id, one node of a
// multi-node service over Redis). `ztmeet server token` mints meeting
// tokens; `ztmeet server init-secret` makes the token secret. See docs/operations.md.
#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "commands.h"
#include "ztm/base/bytes.h"
#include "ztm/crypto/random.h"
#include "ztm/net/websocket.h"
#include "ztm/server/service.h"

namespace ztm::app {
namespace {

struct ServerArgs {
  std::string listen = "127.0.0.1:8443";
  std::string cert;
  std::string key;
  std::string self_signed_dir;
  std::vector<std::string> names;
  std::string db;
  std::string redis;
  std::string redis_user;
  std::string redis_password_file;
  std::string node_id;
  std::string advertise_url;
  int lease_ttl_ms = 10000;
  std::string media_listen;
  std::string media_advertise;
  std::string token_secret_file;
  bool open = false;
  std::string host;  // --open only: the display name of the meetings' host
  int leader_timeout_ms = 5000;
  int reconnect_grace_ms = 10000;
  int switch_timeout_ms = 1000;
  std::size_t max_connections = 20000;
  std::string log_level = "info";
};

struct TokenArgs {
  std::string secret_file;
  std::string meeting;
  std::string name;
  bool host = false;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "ztmeet server: %s\n", message.c_str());
  throw CLI::RuntimeError(1);
}

// split_host_port reads "host:port" or "[v6]:port".
std::pair<std::string, std::uint16_t> split_host_port(const std::string& text) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string::npos) die("bad address: " + text);
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) die("bad address (want host:port): " + text);
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  int value = -1;
  try {
    value = std::stoi(port);
  } catch (...) {
  }
  if (host.empty() || value < 0 || value > 65535) die("bad address: " + text);
  return {host, static_cast<std::uint16_t>(value)};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// read_private_file reads a file that holds a secret, after checking that only its
// owner may read it (as for private keys).
std::string read_private_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) die("cannot read " + path);
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    die(path + " holds a secret but group or others may read it (chmod 600 " + path + ")");
  }
  return read_file(path);
}

// load_redis_password reads --redis-password-file: the password as the file's text,
// without a trailing newline.
SecretBytes load_redis_password(const std::string& path) {
  std::string text = read_private_file(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) die(path + ": empty Redis password");
  SecretBytes out(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  secure_zero(text.data(), text.size());
  return out;
}

void write_file(const std::string& path, std::string_view data, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) die("cannot write " + path);
  ::fchmod(fd, mode);
  const bool written = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ::close(fd);
  if (!written) die("cannot write " + path);
}

// load_secret reads a token secret file: hex (as init-secret writes it), at least
// 16 bytes.
SecretBytes load_secret(const std::string& path) {
  std::string text = read_private_file(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  auto bytes = from_hex(text);
  secure_zero(text.data(), text.size());
  if (!bytes || bytes->size() < 16) die(path + ": want at least 32 hex digits");
  return SecretBytes::from_bytes(std::move(*bytes));
}

void run_server(const ServerArgs& args) {
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  spdlog::set_level(spdlog::level::from_str(args.log_level));
  if (args.open == !args.token_secret_file.empty()) {
    die("choose --token-secret-file FILE (meeting tokens) or --open (anyone may join)");
  }
  if (!args.host.empty() && !args.open) {
    die("--host is for --open; with meeting tokens, mint a host token (server token --host)");
  }
  server::ServiceConfig config;
  auto [host, port] = split_host_port(args.listen);
  config.address = host;
  config.port = port;
  std::string fingerprint_source;
  if (!args.self_signed_dir.empty()) {
    if (!args.cert.empty()) die("--self-signed and --cert exclude each other");
    std::filesystem::create_directories(args.self_signed_dir);
    const std::string cert = args.self_signed_dir + "/cert.pem";
    const std::string key = args.self_signed_dir + "/key.pem";
    if (!std::filesystem::exists(cert) || !std::filesystem::exists(key)) {
      std::vector<std::string> names = {"localhost", "127.0.0.1", "::1"};
      if (host != "0.0.0.0" && host != "::" &&
          std::find(names.begin(), names.end(), host) == names.end()) {
        names.push_back(host);
      }
      for (const auto& n : args.names) names.push_back(n);
      auto identity = net::websocket::generate_self_signed(names);
      if (!identity) die(identity.error().what());
      write_file(
          key,
          std::string_view(reinterpret_cast<const char*>(identity->private_key_pem.expose().data()),
                           identity->private_key_pem.size()),
          0600);
      write_file(cert, identity->cert_chain_pem, 0644);
      std::printf("wrote a self-signed certificate: %s (give it to clients as --ca-file)\n",
                  cert.c_str());
    }
    config.cert_file = cert;
    config.key_file = key;
  } else {
    if (args.cert.empty() || args.key.empty()) die("give --cert and --key, or --self-signed DIR");
    config.cert_file = args.cert;
    config.key_file = args.key;
  }
  auto fingerprint = net::websocket::certificate_sha256(read_file(config.cert_file));
  if (!fingerprint) die(config.cert_file + ": " + fingerprint.error().what());

  config.db_path = args.db;
  if (!args.redis.empty() && !args.db.empty()) die("--db and --redis exclude each other");
  config.redis_url = args.redis;
  if ((!args.redis_user.empty() || !args.redis_password_file.empty()) && args.redis.empty()) {
    die("--redis-user and --redis-password-file are for --redis");
  }
  if (!args.redis_user.empty() && args.redis_password_file.empty()) {
    die("--redis-user needs --redis-password-file (the user's password)");
  }
  config.redis_auth.user = args.redis_user;
  if (!args.redis_password_file.empty()) {
    config.redis_auth.password = load_redis_password(args.redis_password_file);
  }
  if (!args.node_id.empty()) {
    if (args.redis.empty()) die("--node-id needs --redis (the cluster's shared state)");
    server::ClusterConfig cluster;
    cluster.node_id = args.node_id;
    cluster.lease_ttl = std::chrono::milliseconds(args.lease_ttl_ms);
    cluster.advertised_url = args.advertise_url;
    if (cluster.advertised_url.empty()) {
      if (port == 0 || host == "0.0.0.0" || host == "::") {
        die("give --advertise-url (the wss URL other nodes send this node's members to)");
      }
      const bool v6_host = host.find(':') != std::string::npos;
      cluster.advertised_url = "wss://" + (v6_host ? "[" + host + "]" : host) + ":" +
                               std::to_string(port) + "/v1/meetings";
    }
    config.cluster = std::move(cluster);
  } else if (!args.advertise_url.empty()) {
    die("--advertise-url is for a cluster node (--node-id)");
  }
  config.open = args.open;
  if (!args.host.empty()) config.open_host = args.host;
  if (!args.token_secret_file.empty()) config.token_secret = load_secret(args.token_secret_file);
  if (!args.media_listen.empty()) {
    auto [media_host, media_port] = split_host_port(args.media_listen);
    config.media = true;
    config.media_address = media_host;
    config.media_port = media_port;
    config.media_advertised_address = args.media_advertise;
  }
  config.delivery.leader_timeout = std::chrono::milliseconds(args.leader_timeout_ms);
  config.delivery.reconnect_grace = std::chrono::milliseconds(args.reconnect_grace_ms);
  config.delivery.switch_timeout = std::chrono::milliseconds(args.switch_timeout_ms);
  config.max_connections = args.max_connections;

  // Each connection is a file descriptor: use the hard limit, not the soft one.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  // Block the signals before any thread starts, so that sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto service = server::Service::start(std::move(config));
  if (!service) die(service.error().what());
  const bool v6 = host.find(':') != std::string::npos;
  std::printf(
      "ztmeet server: listening on wss://%s%s%s:%u/v1/meetings (health: "
      "https://%s%s%s:%u/healthz)\n",
      v6 ? "[" : "", host.c_str(), v6 ? "]" : "", (*service)->port(), v6 ? "[" : "", host.c_str(),
      v6 ? "]" : "", (*service)->port());
  std::printf("ztmeet server: certificate sha-256 %s\n", fingerprint->c_str());
  // The Redis URL carries no credentials (they are refused), so it can be printed.
  const std::string state = !args.redis.empty() ? "in Redis " + args.redis
                            : args.db.empty() ? "in memory (lost at exit; use --db FILE to keep it)"
                                              : "in " + args.db;
  std::printf("ztmeet server: state %s\n", state.c_str());
  if (!args.node_id.empty()) {
    std::printf("ztmeet server: cluster node %s (lease ttl %d ms)\n", args.node_id.c_str(),
                args.lease_ttl_ms);
  }
  std::printf(
      "ztmeet server: auth %s\n",
      args.open ? "open (anyone who knows a meeting id may join its signaling)" : "meeting tokens");
  if (auto media = (*service)->media_endpoint()) {
    std::printf("ztmeet server: media (SFU) on udp %s\n", media->c_str());
  }
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  std::printf("ztmeet server: %s, stopping\n", received == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stdout);
  (*service)->stop();
  service->reset();
  std::printf("ztmeet server: stopped\n");
  std::fflush(stdout);
}

void add_server_command(CLI::App& app) {
  auto* server = app.add_subcommand(
      "server", "run the meeting service (untrusted: it relays, it cannot read)");
  auto args = std::make_shared<ServerArgs>();
  server->add_option("--listen", args->listen, "signaling address host:port (wss + /healthz)")
      ->capture_default_str();
  server->add_option("--cert", args->cert, "TLS certificate chain (PEM)");
  server->add_option("--key", args->key, "TLS private key (PEM)");
  server->add_option(
      "--self-signed", args->self_signed_dir,
      "make (once) and use a self-signed certificate in DIR (cert.pem is the clients' CA file)");
  server->add_option("--name", args->names, "extra DNS name or IP for the self-signed certificate");
  server->add_option("--db", args->db, "SQLite file for meeting state (default: in memory)");
  server->add_option("--redis", args->redis,
                     "keep meeting state in Redis: redis://host[:port][/db] (instead of --db)");
  server->add_option("--redis-password-file", args->redis_password_file,
                     "with --redis: authenticate with the password in this file (mode 0600)");
  server->add_option("--redis-user", args->redis_user,
                     "with --redis-password-file: the Redis ACL user (Redis 6+; default: the "
                     "default user)");
  server->add_option("--node-id", args->node_id,
                     "run as this node of a multi-node service sharing --redis (unique per node)");
  server->add_option("--advertise-url", args->advertise_url,
                     "with --node-id: this node's wss URL for redirects (default: from --listen)");
  server
      ->add_option("--lease-ttl-ms", args->lease_ttl_ms,
                   "with --node-id: a dead node's meetings move after this long")
      ->capture_default_str();
  server->add_option("--media-listen", args->media_listen, "enable the SFU on UDP host:port");
  server->add_option("--media-advertise", args->media_advertise,
                     "IP clients reach the SFU at (NAT; default: the bound address)");
  server->add_option("--token-secret-file", args->token_secret_file,
                     "require meeting tokens made with this secret (see `server token`)");
  server->add_flag("--open", args->open, "admit every hello (demos, tests)");
  server->add_option("--host", args->host,
                     "with --open: a participant with this display name is the meeting's host "
                     "and leads while connected");
  server->add_option("--leader-timeout-ms", args->leader_timeout_ms)->capture_default_str();
  server->add_option("--reconnect-grace-ms", args->reconnect_grace_ms)->capture_default_str();
  server->add_option("--switch-timeout-ms", args->switch_timeout_ms)->capture_default_str();
  server->add_option("--max-connections", args->max_connections)->capture_default_str();
  server->add_option("--log-level", args->log_level, "trace, debug, info, warn, error")
      ->capture_default_str();

  auto* init = server->add_subcommand("init-secret", "write a fresh token secret (hex, mode 0600)");
  auto init_out = std::make_shared<std::string>();
  init->add_option("--out", *init_out, "file to write")->required();
  init->callback([init_out] {
    if (std::filesystem::exists(*init_out)) die(*init_out + " exists; not overwriting it");
    SecretBytes secret = crypto::random_secret(32);
    std::string hex = to_hex(secret.expose());
    write_file(*init_out, hex + "\n", 0600);
    secure_zero(hex.data(), hex.size());
    std::printf("wrote %s\n", init_out->c_str());
  });

  auto* token = server->add_subcommand("token", "mint a meeting token (hello.auth_token)");
  auto token_args = std::make_shared<TokenArgs>();
  token->add_option("--secret-file", token_args->secret_file)->required();
  token->add_option("--meeting", token_args->meeting)->required();
  token->add_option("--name", token_args->name, "the participant's display name (empty: any name)");
  token->add_flag("--host", token_args->host,
                  "a host token: its bearer is the meeting's host and leads while connected");
  token->callback([token_args] {
    const SecretBytes secret = load_secret(token_args->secret_file);
    std::printf("%s\n", server::mint_meeting_token(secret, token_args->meeting, token_args->name,
                                                   token_args->host)
                            .c_str());
  });

  server->require_subcommand(0, 1);
  server->callback([server, init, token, args] {
    if (init->parsed() || token->parsed()) return;
    run_server(*args);
  });
}

}  // namespace

ZTM_REGISTER_COMMAND(52, add_server_command);

}  // namespace ztm::app
