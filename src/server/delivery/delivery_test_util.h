// Test helpers for the DeliveryService: MLS envelopes whose cleartext headers are
// what the service checks (their contents are opaque to it), and a harness that
// runs the service on a virtual clock and collects what it sends per connection.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <vector>

#include "ztm/mls/messages/mls_message.h"
#include "ztm/server/delivery_service.h"

namespace ztm::server::testing {

namespace protocol = ::ztm::meeting::protocol;

inline Bytes group_info_message(const Bytes& group_id, std::uint64_t epoch,
                                std::uint16_t suite = 1) {
  mls::GroupInfo info;
  info.group_context.cipher_suite = suite;
  info.group_context.group_id = group_id;
  info.group_context.epoch = epoch;
  return mls::MLSMessage{info}.encode();
}

inline Bytes key_package_message(std::uint16_t suite = 1) {
  mls::KeyPackage kp;
  kp.cipher_suite = suite;
  return mls::MLSMessage{kp}.encode();
}

inline Bytes private_message(const Bytes& group_id, std::uint64_t epoch, mls::ContentType type,
                             std::uint8_t tag = 0) {
  mls::PrivateMessage m;
  m.group_id = group_id;
  m.epoch = epoch;
  m.content_type = type;
  m.encrypted_sender_data = Bytes(16, tag);
  m.ciphertext = Bytes(32, tag);
  return mls::MLSMessage{m}.encode();
}

inline Bytes commit_message(const Bytes& group_id, std::uint64_t epoch, std::uint8_t tag = 0) {
  return private_message(group_id, epoch, mls::ContentType::commit, tag);
}

inline Bytes welcome_message(std::uint16_t suite = 1) {
  mls::Welcome w;
  w.cipher_suite = suite;
  w.encrypted_group_info = Bytes(8, 7);
  return mls::MLSMessage{w}.encode();
}

// Harness drives one DeliveryService on a virtual clock.
class Harness {
 public:
  explicit Harness(Storage& storage, DeliveryConfig config = {}) : storage_(storage) {
    config_ = std::move(config);
    restart();
  }

  // restart drops the service and creates it again on the same storage (every
  // connection is gone, as after a process restart).
  void restart() {
    service_.reset();
    auto created = DeliveryService::create(config_, storage_, now);
    EXPECT_TRUE(created.has_value()) << (created ? "" : created.error().what());
    service_ = std::move(*created);
    open_.clear();
  }

  DeliveryService& service() { return *service_; }

  void absorb(Output output) {
    for (auto& o : output.messages) inbox[o.connection].push_back(*o.message);
    for (auto c : output.close) {
      closed.insert(c);
      open_.erase(c);
    }
    for (auto& l : output.log) log.push_back(l.text);
  }

  ConnectionId connect() {
    ConnectionId c = next_++;
    open_.insert(c);
    absorb(service_->on_open(c, now));
    return c;
  }

  void send(ConnectionId c, protocol::ClientMessage m) { absorb(service_->on_message(c, m, now)); }
  void close(ConnectionId c) {
    open_.erase(c);
    absorb(service_->on_close(c, now));
  }
  void advance(std::chrono::milliseconds d) {
    now += d;
    absorb(service_->on_tick(now));
  }

  // hello connects a new connection and says hello; returns it and the session.
  std::pair<ConnectionId, protocol::Session> join(const std::string& meeting,
                                                  const std::string& name = "x",
                                                  std::optional<std::string> resume = {},
                                                  std::optional<std::uint64_t> last_seq = {}) {
    ConnectionId c = connect();
    protocol::Hello h;
    h.meeting = meeting;
    h.auth_token = "t";
    h.display_hint = name;
    h.resume_token = resume;
    h.last_seq = last_seq;
    send(c, h);
    auto sessions = take<protocol::Session>(c);
    EXPECT_EQ(sessions.size(), 1u);
    return {c, sessions.empty() ? protocol::Session{} : sessions.front()};
  }

  // take removes and returns every message of type T queued for c.
  template <class T>
  std::vector<T> take(ConnectionId c) {
    std::vector<T> found;
    auto& box = inbox[c];
    for (auto it = box.begin(); it != box.end();) {
      if (auto* m = std::get_if<T>(&*it)) {
        found.push_back(*m);
        it = box.erase(it);
      } else {
        ++it;
      }
    }
    return found;
  }

  // types lists the type names queued for c, in order (for ordering checks).
  std::vector<std::string> types(ConnectionId c) {
    std::vector<std::string> names;
    for (const auto& m : inbox[c]) names.emplace_back(protocol::type_name(m));
    return names;
  }

  void clear() { inbox.clear(); }

  TimePoint now{};
  std::map<ConnectionId, std::vector<protocol::ServerMessage>> inbox;
  std::set<ConnectionId> closed;
  std::vector<std::string> log;

 private:
  Storage& storage_;
  DeliveryConfig config_;
  std::unique_ptr<DeliveryService> service_;
  ConnectionId next_ = 1;
  std::set<ConnectionId> open_;
};

}  // namespace ztm::server::testing
