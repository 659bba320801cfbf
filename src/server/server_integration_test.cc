// A real `ztmeet server` process on loopback with real TLS WebSocket clients speaking
// signaling protocol v1: one Commit per epoch, leader failover, resume with catch-up,
// malformed frames, a restart on the same SQLite file, meeting tokens, and 1 000
// concurrent connections. The MLS messages are envelopes whose cleartext headers are
// what the service checks (the service never sees more of them).
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <thread>

#include <gtest/gtest.h>

#include "delivery/delivery_test_util.h"
#include "ztm/http/client.h"
#include "ztm/net/websocket.h"
#include "ztm_test/process.h"

namespace ztm::server {
namespace {

using namespace std::chrono_literals;
namespace ws = ::ztm::net::websocket;
using testing::commit_message;
using testing::group_info_message;
using testing::key_package_message;
using testing::private_message;
using testing::welcome_message;

const std::string kZtmeet = std::string(ZTM_BINARY_DIR) + "/apps/ztmeet/ztmeet";
const Bytes kGroup = to_bytes(std::string_view("integration-group"));

// ServerProcess runs `ztmeet server` and waits for its "listening on" line.
class ServerProcess {
 public:
  ServerProcess(const ztm_test::TempDir& dir, std::uint16_t port, std::vector<std::string> extra,
                const std::string& log_name = "server.log")
      : log_(dir.path() / log_name) {
    std::vector<std::string> args = {"server",
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(port),
                                     "--self-signed",
                                     (dir.path() / "tls").string(),
                                     "--db",
                                     (dir.path() / "service.db").string(),
                                     "--reconnect-grace-ms",
                                     "3000",
                                     "--leader-timeout-ms",
                                     "3000"};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ztm_test::ChildProcess>(kZtmeet, args,
                                                        std::map<std::string, std::string>{}, log_);
    for (int i = 0; i < 600 && !ready(); ++i) std::this_thread::sleep_for(50ms);
  }
  bool ready() const { return ztm_test::read_text(log_).find("listening on") != std::string::npos; }
  bool running() { return process_->running(); }
  // terminate sends SIGTERM and waits for the process to exit.
  void terminate() {
    ::kill(process_->pid(), SIGTERM);
    for (int i = 0; i < 200 && process_->running(); ++i) std::this_thread::sleep_for(25ms);
  }
  std::string log() const { return ztm_test::read_text(log_); }

 private:
  std::filesystem::path log_;
  std::unique_ptr<ztm_test::ChildProcess> process_;
};

// Peer is one signaling connection with typed send and receive.
class Peer {
 public:
  static std::unique_ptr<Peer> connect(const std::string& url, const std::string& ca_file) {
    ws::ClientOptions options;
    options.url = url;
    options.ca_file = ca_file;
    auto client = ws::WebSocketClient::connect(options);
    EXPECT_TRUE(client) << client.error().what();
    if (!client) return nullptr;
    auto peer = std::make_unique<Peer>();
    peer->client = std::move(*client);
    return peer;
  }

  void send(const protocol::ClientMessage& message) {
    ASSERT_TRUE(client->send(protocol::encode(message)));
  }
  void send_raw(std::string text) { ASSERT_TRUE(client->send(std::move(text))); }

  // expect returns the next message of type T (others are kept for later).
  template <class T>
  std::optional<T> expect(std::chrono::milliseconds timeout = 10s) {
    for (auto it = kept.begin(); it != kept.end(); ++it) {
      if (auto* m = std::get_if<T>(&*it)) {
        T found = *m;
        kept.erase(it);
        return found;
      }
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto text = client->receive(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!text) return std::nullopt;
      auto decoded = protocol::decode_server_message(*text);
      EXPECT_TRUE(decoded) << decoded.error().what();
      if (!decoded) continue;
      if (auto* m = std::get_if<T>(&*decoded)) return *m;
      kept.push_back(std::move(*decoded));
    }
    return std::nullopt;
  }

  protocol::Session hello(const std::string& meeting, const std::string& name,
                          std::optional<std::string> resume = {},
                          std::optional<std::uint64_t> last_seq = {},
                          const std::string& token = "") {
    protocol::Hello h;
    h.meeting = meeting;
    h.display_hint = name;
    h.auth_token = token;
    h.resume_token = resume;
    h.last_seq = last_seq;
    send(h);
    auto session = expect<protocol::Session>();
    EXPECT_TRUE(session.has_value());
    return session.value_or(protocol::Session{});
  }

  std::unique_ptr<ws::WebSocketClient> client;
  std::deque<protocol::ServerMessage> kept;
};

class ServerIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = ztm_test::free_port();
    server_ = std::make_unique<ServerProcess>(dir_, port_, std::vector<std::string>{"--open"});
    ASSERT_TRUE(server_->ready()) << server_->log();
  }

  std::string url() const { return "wss://127.0.0.1:" + std::to_string(port_) + "/v1/meetings"; }
  std::string ca() const { return (dir_.path() / "tls" / "cert.pem").string(); }
  std::unique_ptr<Peer> peer() { return Peer::connect(url(), ca()); }

  // create_and_admit: A creates the group, B is admitted at leaf 1 (epoch 1, seq 1).
  void create_and_admit(Peer& a, protocol::Session& sa, Peer& b, protocol::Session& sb,
                        const std::string& meeting = "m") {
    sa = a.hello(meeting, "alice");
    ASSERT_EQ(sa.role, protocol::Role::creator);
    a.send(protocol::GroupCreated{kGroup, group_info_message(kGroup, 0)});
    sb = b.hello(meeting, "bob");
    ASSERT_EQ(sb.role, protocol::Role::joiner);
    b.send(protocol::SubmitKeyPackage{key_package_message()});
    auto request = a.expect<protocol::JoinRequest>();
    ASSERT_TRUE(request);
    EXPECT_EQ(request->participant, sb.participant);
    a.send(protocol::SubmitCommit{0,
                                  commit_message(kGroup, 0),
                                  welcome_message(),
                                  group_info_message(kGroup, 1),
                                  {{sb.participant, 1}},
                                  {}});
    auto result = a.expect<protocol::CommitResult>();
    ASSERT_TRUE(result && result->accepted);
    auto welcome = b.expect<protocol::WelcomeDelivery>();
    ASSERT_TRUE(welcome);
    EXPECT_EQ(welcome->epoch, 1u);
  }

  ztm_test::TempDir dir_{"ztm-server-it"};
  std::uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ServerIntegrationTest, HealthEndpointAnswersJson) {
  http::ClientOptions options;
  options.ca_bundle_file = ca();
  auto response = http::request("GET", "https://127.0.0.1:" + std::to_string(port_) + "/healthz",
                                {}, "", options);
  ASSERT_TRUE(response) << response.error().what();
  EXPECT_EQ(response->status, 200);
  EXPECT_NE(response->body.find("\"status\":\"ok\""), std::string::npos);
  EXPECT_NE(response->body.find("\"storage\":\"sqlite\""), std::string::npos);
}

TEST_F(ServerIntegrationTest, SecondCommitForAnEpochIsRefused) {
  auto a = peer();
  auto b = peer();
  protocol::Session sa, sb;
  create_and_admit(*a, sa, *b, sb);
  a->send(protocol::SubmitCommit{1, commit_message(kGroup, 1, 1), {}, {}, {}, {}});
  auto first = a->expect<protocol::CommitResult>();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->accepted);
  b->send(protocol::SubmitCommit{1, commit_message(kGroup, 1, 2), {}, {}, {}, {}});
  auto second = b->expect<protocol::CommitResult>();
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->accepted);
  EXPECT_EQ(second->reason, "epoch_taken");
  EXPECT_EQ(second->epoch, 2u);
  // B received A's Commit (seq 2) and nothing of its own.
  auto delivered = b->expect<protocol::MlsDelivery>();
  ASSERT_TRUE(delivered);
  EXPECT_EQ(delivered->seq, 2u);
  EXPECT_EQ(delivered->message, commit_message(kGroup, 1, 1));
}

TEST_F(ServerIntegrationTest, LeaderDisconnectAnnouncesNewLeader) {
  auto a = peer();
  auto b = peer();
  protocol::Session sa, sb;
  create_and_admit(*a, sa, *b, sb);
  a->client.reset();  // the leader's connection drops
  auto changed = b->expect<protocol::LeaderChanged>();
  // Bob's hello travels on its own connection and can reach the service before
  // alice's group_created; then bob also saw alice being designated at creation.
  if (changed && changed->leader == sa.participant && !changed->previous) {
    changed = b->expect<protocol::LeaderChanged>();
  }
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->leader, sb.participant);
  EXPECT_EQ(changed->previous, sa.participant);
  EXPECT_EQ(changed->previous_leaf, 0u);
  b->send(protocol::SubmitCommit{1, commit_message(kGroup, 1), {}, {}, {}, {sa.participant}});
  auto result = b->expect<protocol::CommitResult>();
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->accepted);
}

TEST_F(ServerIntegrationTest, ResumeWithLastSeqCatchesUp) {
  auto a = peer();
  auto b = peer();
  protocol::Session sa, sb;
  create_and_admit(*a, sa, *b, sb);
  b->client->close();
  a->send(protocol::SendMls{protocol::MlsKind::proposal, 1,
                            private_message(kGroup, 1, mls::ContentType::proposal, 3)});
  a->send(protocol::SubmitCommit{1, commit_message(kGroup, 1, 4), {}, {}, {}, {}});
  ASSERT_TRUE(a->expect<protocol::CommitResult>());
  auto b2 = peer();
  auto session = b2->hello("m", "bob", sb.resume_token, 1);
  EXPECT_EQ(session.participant, sb.participant);
  EXPECT_EQ(session.role, protocol::Role::member);
  EXPECT_EQ(session.epoch, 2u);
  auto p = b2->expect<protocol::MlsDelivery>();
  auto c = b2->expect<protocol::MlsDelivery>();
  ASSERT_TRUE(p && c);
  EXPECT_EQ(p->seq, 2u);
  EXPECT_EQ(p->kind, protocol::MlsKind::proposal);
  EXPECT_EQ(c->seq, 3u);
  EXPECT_EQ(c->message, commit_message(kGroup, 1, 4));
}

TEST_F(ServerIntegrationTest, MalformedFramesGetErrorsAndConnectionSurvives) {
  auto a = peer();
  for (const char* junk :
       {"not json", "{}", "{\"type\":\"commit\"}", "[1,2,3]",
        "{\"type\":\"hello\",\"version\":\"one\"}", "{\"type\":\"no_such_type\"}"}) {
    a->send_raw(junk);
    auto error = a->expect<protocol::ServiceError>();
    ASSERT_TRUE(error) << junk;
    EXPECT_EQ(error->code, "malformed") << junk;
  }
  auto session = a->hello("m", "alice");
  EXPECT_EQ(session.role, protocol::Role::creator);
}

TEST_F(ServerIntegrationTest, RestartResumesMeetingAtItsEpoch) {
  auto a = peer();
  auto b = peer();
  protocol::Session sa, sb;
  create_and_admit(*a, sa, *b, sb);
  a->send(protocol::SubmitCommit{1, commit_message(kGroup, 1, 5), {}, {}, {}, {}});
  ASSERT_TRUE(a->expect<protocol::CommitResult>());
  ASSERT_TRUE(b->expect<protocol::MlsDelivery>());  // seq 2 reached B
  server_->terminate();
  ASSERT_FALSE(server_->running());
  a.reset();
  b.reset();

  server_ = std::make_unique<ServerProcess>(dir_, port_, std::vector<std::string>{"--open"},
                                            "server2.log");
  ASSERT_TRUE(server_->ready()) << server_->log();
  EXPECT_NE(server_->log().find("resumed meetings=1"), std::string::npos);
  auto b2 = peer();
  auto session_b = b2->hello("m", "bob", sb.resume_token, 1);
  EXPECT_EQ(session_b.role, protocol::Role::member);
  EXPECT_EQ(session_b.epoch, 2u);
  auto replay = b2->expect<protocol::MlsDelivery>();
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->seq, 2u);
  auto a2 = peer();
  auto session_a = a2->hello("m", "alice", sa.resume_token, 2);
  EXPECT_EQ(session_a.role, protocol::Role::leader);
  a2->send(protocol::SubmitCommit{2, commit_message(kGroup, 2), {}, {}, {}, {}});
  auto result = a2->expect<protocol::CommitResult>();
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->accepted);
  EXPECT_EQ(result->seq, 3u);
}

TEST(ServerTokenTest, TokensAdmitOnlyTheirMeetingAndName) {
  ztm_test::TempDir dir("ztm-server-token");
  const std::string secret = (dir.path() / "secret.hex").string();
  ASSERT_EQ(ztm_test::run_command(kZtmeet + " server init-secret --out " + secret + " >/dev/null"),
            0);
  const std::string token_file = (dir.path() / "token").string();
  ASSERT_EQ(ztm_test::run_command(kZtmeet + " server token --secret-file " + secret +
                                  " --meeting m1 --name alice > " + token_file),
            0);
  std::string token = ztm_test::read_text(token_file);
  while (!token.empty() && token.back() == '\n') token.pop_back();
  ASSERT_EQ(token.rfind("v1.", 0), 0u);

  const auto port = ztm_test::free_port();
  ServerProcess server(dir, port, {"--token-secret-file", secret});
  ASSERT_TRUE(server.ready()) << server.log();
  const std::string url = "wss://127.0.0.1:" + std::to_string(port) + "/v1/meetings";
  const std::string ca = (dir.path() / "tls" / "cert.pem").string();

  auto good = Peer::connect(url, ca);
  auto session = good->hello("m1", "alice", {}, {}, token);
  EXPECT_EQ(session.role, protocol::Role::creator);

  for (auto [meeting, name] : {std::pair{"m2", "alice"}, std::pair{"m1", "mallory"}}) {
    auto bad = Peer::connect(url, ca);
    protocol::Hello h;
    h.meeting = meeting;
    h.display_hint = name;
    h.auth_token = token;
    bad->send(h);
    auto error = bad->expect<protocol::ServiceError>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, "unauthorized");
    // The service closes the connection after the error.
    auto next = bad->client->receive(5s);
    EXPECT_FALSE(next);
    EXPECT_EQ(next.error().code, Errc::io_error);
  }
  EXPECT_EQ(server.log().find(token.substr(3)), std::string::npos);  // never logged
}

// media_offer is answered by the SFU: its ICE-lite credentials, DTLS fingerprint and
// its UDP candidate (docs/sfu.md covers the media path itself).
TEST(ServerMediaTest, MediaOfferGetsSfuAnswer) {
  ztm_test::TempDir dir("ztm-server-media");
  const auto port = ztm_test::free_port();
  ServerProcess server(dir, port, {"--open", "--media-listen", "127.0.0.1:0"});
  ASSERT_TRUE(server.ready()) << server.log();
  EXPECT_NE(server.log().find("media (SFU) on udp 127.0.0.1:"), std::string::npos);
  auto a = Peer::connect("wss://127.0.0.1:" + std::to_string(port) + "/v1/meetings",
                         (dir.path() / "tls" / "cert.pem").string());
  a->hello("m", "alice");
  protocol::MediaOffer offer;
  offer.ice_ufrag = "abcd";
  offer.ice_pwd = "0123456789abcdefghijkl";
  std::string fp = "sha-256 ";
  for (int i = 0; i < 32; ++i) fp += (i ? ":" : "") + std::string("AB");
  offer.fingerprint = fp;
  a->send(offer);
  auto answer = a->expect<protocol::MediaAnswer>();
  ASSERT_TRUE(answer);
  EXPECT_FALSE(answer->ice_ufrag.empty());
  EXPECT_GE(answer->ice_pwd.size(), 22u);  // RFC 8839 §5.4: at least 128 bits
  EXPECT_EQ(answer->fingerprint.rfind("sha-256 ", 0), 0u);
  EXPECT_EQ(answer->candidate.rfind("127.0.0.1:", 0), 0u);
  // A bad fingerprint is refused with an error, and the connection stays.
  offer.fingerprint = "md5 00";
  a->send(offer);
  auto error = a->expect<protocol::ServiceError>();
  ASSERT_TRUE(error);
  a->send(protocol::Ready{0});
  a->send(protocol::MediaOffer{"abcd", "0123456789abcdefghijkl", fp});
  EXPECT_TRUE(a->expect<protocol::MediaAnswer>());
}

// 1 000 concurrent signaling connections (200 meetings x 5) on one server process:
// every hello gets its session, and the health endpoint counts them all open.
TEST_F(ServerIntegrationTest, HoldsAThousandConcurrentConnections) {
  constexpr int kMeetings = 200;
  constexpr int kPerMeeting = 5;
  ws::ClientContext context;
  std::atomic<int> sessions{0};
  std::atomic<int> errors{0};
  std::vector<std::unique_ptr<ws::WebSocketClient>> clients;
  ws::ClientOptions options;
  options.url = url();
  options.ca_file = ca();
  options.on_message = [&](std::string&& text) {
    auto decoded = protocol::decode_server_message(text);
    if (!decoded) {
      ++errors;
    } else if (std::holds_alternative<protocol::Session>(*decoded)) {
      ++sessions;
    } else if (std::holds_alternative<protocol::ServiceError>(*decoded)) {
      ++errors;
    }
  };
  for (int m = 0; m < kMeetings; ++m) {
    for (int i = 0; i < kPerMeeting; ++i) {
      auto client = ws::WebSocketClient::connect(options, &context);
      ASSERT_TRUE(client) << "connection " << clients.size() << ": " << client.error().what();
      protocol::Hello h;
      h.meeting = "load-" + std::to_string(m);
      h.display_hint = "p" + std::to_string(i);
      ASSERT_TRUE((*client)->send(protocol::encode(protocol::ClientMessage{h})));
      clients.push_back(std::move(*client));
    }
  }
  for (int i = 0; i < 1200 && sessions.load() < kMeetings * kPerMeeting; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(sessions.load(), kMeetings * kPerMeeting);
  EXPECT_EQ(errors.load(), 0);
  http::ClientOptions http_options;
  http_options.ca_bundle_file = ca();
  auto health = http::request("GET", "https://127.0.0.1:" + std::to_string(port_) + "/healthz", {},
                              "", http_options);
  ASSERT_TRUE(health) << health.error().what();
  EXPECT_NE(health->body.find("\"connections\":1000"), std::string::npos) << health->body;
  EXPECT_NE(health->body.find("\"meetings\":200"), std::string::npos) << health->body;
  for (auto& c : clients) EXPECT_TRUE(c->is_open());
  clients.clear();
  EXPECT_TRUE(server_->running());
}

}  // namespace
}  // namespace ztm::server
