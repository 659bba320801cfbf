#include "ztm/meeting/protocol.h"

#include <gtest/gtest.h>

namespace ztm::meeting::protocol {
namespace {

Bytes bytes(std::initializer_list<std::uint8_t> b) {
  return Bytes(b);
}

TEST(Protocol, ClientMessagesRoundTrip) {
  SubmitCommit commit;
  commit.epoch = 7;
  commit.commit = bytes({1, 2, 3});
  commit.welcome = bytes({4, 5});
  commit.added = {{"p-2", 1}, {"p-3", 2}};
  commit.removed = {"p-9"};
  auto decoded = decode_client_message(encode(ClientMessage{commit}));
  ASSERT_TRUE(decoded) << decoded.error().what();
  const auto& c = std::get<SubmitCommit>(*decoded);
  EXPECT_EQ(c.epoch, 7u);
  EXPECT_EQ(c.commit, commit.commit);
  EXPECT_EQ(c.welcome, commit.welcome);
  EXPECT_FALSE(c.group_info.has_value());
  ASSERT_EQ(c.added.size(), 2u);
  EXPECT_EQ(c.added[1].participant, "p-3");
  EXPECT_EQ(c.added[1].leaf, 2u);
  EXPECT_EQ(c.removed, std::vector<ParticipantId>{"p-9"});

  Hello hello{1, "board", "tok", "Alice", 2, std::string("resume"), 42};
  auto h = decode_client_message(encode(ClientMessage{hello}));
  ASSERT_TRUE(h);
  EXPECT_EQ(std::get<Hello>(*h).last_seq, 42u);
  EXPECT_EQ(std::get<Hello>(*h).cipher_suite, 2);
  EXPECT_EQ(type_name(*h), "hello");
}

TEST(Protocol, ServerMessagesRoundTrip) {
  Session s;
  s.participant = "p-1";
  s.resume_token = "r";
  s.role = Role::creator;
  s.external_sender = ExternalSender{bytes({9}), bytes({8, 7})};
  s.roster = {{"p-1", "Alice", 0u, true}, {"p-2", "Bob", std::nullopt, false}};
  auto decoded = decode_server_message(encode(ServerMessage{s}));
  ASSERT_TRUE(decoded) << decoded.error().what();
  const auto& d = std::get<Session>(*decoded);
  EXPECT_EQ(d.role, Role::creator);
  EXPECT_FALSE(d.group_id.has_value());
  ASSERT_TRUE(d.external_sender);
  EXPECT_EQ(d.external_sender->credential, bytes({8, 7}));
  ASSERT_EQ(d.roster.size(), 2u);
  EXPECT_EQ(d.roster[0].leaf, 0u);
  EXPECT_FALSE(d.roster[1].leaf.has_value());

  MlsDelivery m{12, MlsKind::commit, 3, "p-1", bytes({0, 1})};
  auto md = decode_server_message(encode(ServerMessage{m}));
  ASSERT_TRUE(md);
  EXPECT_EQ(std::get<MlsDelivery>(*md).kind, MlsKind::commit);
  EXPECT_EQ(std::get<MlsDelivery>(*md).seq, 12u);
}

TEST(Protocol, RejectsMalformedInputWithTypedErrors) {
  struct Case {
    const char* json;
    Errc code;
    const char* mentions;
  };
  const Case cases[] = {
      {"not json", Errc::invalid_encoding, "not JSON"},
      {"[1,2]", Errc::invalid_encoding, "object"},
      {R"({"epoch":1})", Errc::invalid_encoding, "type"},
      {R"({"type":"teleport"})", Errc::invalid_encoding, "unknown"},
      {R"({"type":"ready"})", Errc::invalid_encoding, "ready.epoch"},
      {R"({"type":"ready","epoch":-1})", Errc::invalid_encoding, "ready.epoch"},
      {R"({"type":"ready","epoch":1.5})", Errc::invalid_encoding, "ready.epoch"},
      {R"({"type":"key_package","key_package":"***"})", Errc::invalid_encoding, "base64"},
      {R"({"type":"mls","kind":"gossip","epoch":1,"message":""})", Errc::invalid_encoding, "kind"},
      {R"({"type":"hello","version":1,"meeting":7,"cipher_suite":1})", Errc::invalid_encoding,
       "meeting"},
      {R"({"type":"hello","version":1,"meeting":"m","cipher_suite":70000})", Errc::invalid_encoding,
       "cipher_suite"},
      {R"({"type":"commit","epoch":1,"commit":"","added":[{"leaf":1}]})", Errc::invalid_encoding,
       "added"},
      {R"({"type":"commit","epoch":1,"commit":"","removed":[5]})", Errc::invalid_encoding,
       "removed"},
  };
  for (const auto& c : cases) {
    auto r = decode_client_message(c.json);
    ASSERT_FALSE(r) << c.json;
    EXPECT_EQ(r.error().code, c.code) << c.json;
    EXPECT_NE(r.error().message.find(c.mentions), std::string::npos)
        << c.json << " -> " << r.error().message;
  }
  std::string long_id(kMaxIdLength + 1, 'x');
  auto r = decode_client_message(R"({"type":"hello","version":1,"cipher_suite":1,"meeting":")" +
                                 long_id + "\"}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::length_too_large);

  auto s = decode_server_message(R"({"type":"session","participant":"p","resume_token":"r",
      "role":"emperor","epoch":0})");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("role"), std::string::npos);
}

// redirect (multi-node service): round trip, and only to a wss:// URL of bounded size.
TEST(Protocol, RedirectRoundTripsAndWantsWss) {
  const std::string url = "wss://node-b.example:8443/v1/meetings";
  auto d = decode_server_message(encode(ServerMessage{Redirect{url}}));
  ASSERT_TRUE(d) << d.error().what();
  EXPECT_EQ(std::get<Redirect>(*d).url, url);
  EXPECT_EQ(type_name(*d), "redirect");
  for (const std::string& bad : std::vector<std::string>{
           R"({"type":"redirect"})", R"({"type":"redirect","url":"ws://x/v1/meetings"})",
           R"({"type":"redirect","url":"https://x"})", R"({"type":"redirect","url":7})",
           R"({"type":"redirect","url":"wss://)" + std::string(kMaxUrlLength, 'x') + R"("})"}) {
    EXPECT_FALSE(decode_server_message(bad)) << bad;
  }
}

TEST(Protocol, UnknownExtraFieldsAreIgnored) {
  auto r = decode_client_message(R"({"type":"ready","epoch":3,"future_field":{"x":1}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<Ready>(*r).epoch, 3u);
}

}  // namespace
}  // namespace ztm::meeting::protocol
