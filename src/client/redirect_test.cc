// The client's side of a multi-node service (docs/protocol.md rule 12): it says the
// same hello at a redirect's URL at once, follows at most kMaxRedirects in a row, and
// goes back to its configured nodes (--service, --also-service) when a node cannot be
// reached. The service here is a scripted SignalingChannel that answers every hello
// with a redirect; the client is the real loop with a real identity.
#include <atomic>
#include <mutex>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ztm/client/client.h"
#include "ztm/client/identity.h"
#include "ztm/identity/enrollment.h"
#include "ztm/meeting/protocol.h"
#include "ztm_test/cert_factory.h"
#include "ztm_test/process.h"

namespace ztm::client {
namespace {

namespace proto = meeting::protocol;

// RedirectingService answers each hello with redirect{wss://rN/v1/meetings}; URLs
// starting with "wss://dead" cannot be reached. After `stop_after` connections it
// asks the client to leave.
class RedirectingService {
 public:
  explicit RedirectingService(std::size_t stop_after) : stop_after_(stop_after) {}

  SignalingConnector connector() {
    return [this](const std::string& url, const std::string&,
                  SignalingChannel::Callbacks cb) -> Result<std::unique_ptr<SignalingChannel>> {
      std::lock_guard<std::mutex> lock(mutex_);
      urls_.push_back(url);
      if (urls_.size() >= stop_after_) stop_ = true;
      if (url.starts_with("wss://dead")) return fail(Errc::io_error, "connection refused");
      return std::unique_ptr<SignalingChannel>(std::make_unique<Channel>(*this, std::move(cb)));
    };
  }

  std::vector<std::string> urls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return urls_;
  }
  const std::atomic<bool>* stop() const { return &stop_; }
  std::string next_target;  // "" : wss://rN; else always this URL

 private:
  class Channel final : public SignalingChannel {
   public:
    Channel(RedirectingService& service, Callbacks cb) : service_(service), cb_(std::move(cb)) {}
    Result<void> send(std::string text) override {
      auto message = proto::decode_client_message(text);
      if (message && std::holds_alternative<proto::Hello>(*message)) {
        cb_.on_message(proto::encode(proto::ServerMessage{proto::Redirect{service_.target()}}));
      }
      return ok();
    }
    void close() override {}

   private:
    RedirectingService& service_;
    Callbacks cb_;
  };

  std::string target() {
    if (!next_target.empty()) return next_target;
    return "wss://r" + std::to_string(++redirects_) + "/v1/meetings";
  }

  std::size_t stop_after_;
  std::mutex mutex_;
  std::vector<std::string> urls_;
  std::atomic<bool> stop_{false};
  int redirects_ = 0;
};

class ClientRedirect : public ::testing::Test {
 protected:
  void SetUp() override {
    auto root = ztm_test::make_root(ztm_test::ca_spec("Example Root", "Example Corp"));
    auto key = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ed25519).value();
    auto leaf =
        ztm_test::issue(ztm_test::leaf_spec({ztm_test::SanEntry::email, "alice@example.test"}),
                        key.evp_pkey(), &root);
    ASSERT_TRUE(identity::write_private_key_pem(key, dir_.path() / "signature-key.pem"));
    ztm_test::write_text(dir_.path() / "chain.pem", leaf.pem());
    ztm_test::write_text(dir_.path() / "org.pem", root.cert.pem());
    anchor_ = "org:Example Corp:example.test:" + (dir_.path() / "org.pem").string();
  }

  // run_against runs the client until the service asks it to stop; its JSON events.
  std::vector<nlohmann::json> run_against(RedirectingService& service) {
    auto id = load_client_identity({dir_.path(), {}, {}, {anchor_}}, 1);
    EXPECT_TRUE(id.has_value()) << id.error().what();
    ClientOptions o;
    o.service_url = "wss://entry-a/v1/meetings";
    o.more_service_urls = {"wss://entry-b/v1/meetings"};
    o.meeting = "m";
    o.media.audio = false;
    o.output = OutputMode::json;
    o.stop_requested = service.stop();
    std::ostringstream out;
    auto summary = run(o, std::move(*id), service.connector(), out);
    EXPECT_TRUE(summary.has_value()) << summary.error().what();
    std::vector<nlohmann::json> events;
    std::istringstream lines(out.str());
    for (std::string line; std::getline(lines, line);)
      events.push_back(nlohmann::json::parse(line));
    return events;
  }

  ztm_test::TempDir dir_{"ztm-client-redirect"};
  std::string anchor_;
};

TEST_F(ClientRedirect, FollowsAtMostThreeInARowThenReturnsToItsNodes) {
  RedirectingService service(9);
  auto events = run_against(service);
  const auto urls = service.urls();
  ASSERT_GE(urls.size(), 9u);
  // entry-a, three redirects, (the fourth is refused) entry-b, three redirects, entry-a.
  EXPECT_EQ(urls[0], "wss://entry-a/v1/meetings");
  EXPECT_EQ(urls[1], "wss://r1/v1/meetings");
  EXPECT_EQ(urls[2], "wss://r2/v1/meetings");
  EXPECT_EQ(urls[3], "wss://r3/v1/meetings");
  EXPECT_EQ(urls[4], "wss://entry-b/v1/meetings");
  EXPECT_EQ(urls[5], "wss://r5/v1/meetings");
  EXPECT_EQ(urls[7], "wss://r7/v1/meetings");
  EXPECT_EQ(urls[8], "wss://entry-a/v1/meetings");
  int followed = 0;
  int refused = 0;
  for (const auto& e : events) {
    if (e.value("event", "") != "redirect") continue;
    (e.value("followed", false) ? followed : refused)++;
  }
  EXPECT_EQ(followed, 6);
  EXPECT_EQ(refused, 2);
}

// A redirect to a node that cannot be reached (the owner just died): the client goes
// on to its next configured node.
TEST_F(ClientRedirect, UnreachableTargetSendsTheClientToItsNextNode) {
  RedirectingService service(5);
  service.next_target = "wss://dead-owner/v1/meetings";
  run_against(service);
  const auto urls = service.urls();
  ASSERT_GE(urls.size(), 5u);
  EXPECT_EQ(urls[0], "wss://entry-a/v1/meetings");
  EXPECT_EQ(urls[1], "wss://dead-owner/v1/meetings");
  EXPECT_EQ(urls[2], "wss://entry-b/v1/meetings");
  EXPECT_EQ(urls[3], "wss://dead-owner/v1/meetings");
  EXPECT_EQ(urls[4], "wss://entry-a/v1/meetings");
}

}  // namespace
}  // namespace ztm::client
