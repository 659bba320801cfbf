#include "ztm/http/message.h"

#include <gtest/gtest.h>

#include "ztm/http/client.h"

namespace ztm::http {
namespace {

TEST(HttpHeaders, LookupIsCaseInsensitiveAndSetReplaces) {
  Headers h{{"Replay-Nonce", "a"}, {"link", "<x>;rel=up"}, {"Link", "<y>;rel=index"}};
  EXPECT_EQ(h.get("replay-nonce"), "a");
  EXPECT_EQ(h.get_all("LINK").size(), 2u);
  EXPECT_FALSE(h.get("Location").has_value());
  h.set("REPLAY-NONCE", "b");
  EXPECT_EQ(h.get_all("Replay-Nonce"), std::vector<std::string>{"b"});
}

TEST(HttpUrl, ParsesSchemesPortsAndTargets) {
  auto u = parse_url("https://127.0.0.1:14000/dir");
  ASSERT_TRUE(u) << u.error().what();
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 14000);
  EXPECT_EQ(u->target, "/dir");

  u = parse_url("http://example.test");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/");

  u = parse_url("HTTPS://[::1]/a?b=c");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/a?b=c");

  u = parse_url("http://h?q");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->target, "/?q");
}

TEST(HttpUrl, RejectsWhatACleanClientNeverSends) {
  for (const char* bad : {"ftp://x/", "//x/", "http://", "http://u:p@x/", "http://x:0/",
                          "http://x:70000/", "http://x:12a/", "http://x/#frag", "http://[::1/"}) {
    auto u = parse_url(bad);
    ASSERT_FALSE(u) << bad;
    EXPECT_EQ(u.error().code, Errc::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace ztm::http
