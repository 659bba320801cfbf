#include "ztm_sim/delivery_backend.h"

#include <stdexcept>

namespace ztm_sim {

std::unique_ptr<ServiceBackend> DeliveryBackend::create(TimePoint now) {
  std::unique_ptr<DeliveryBackend> b(new DeliveryBackend());
  ztm::server::DeliveryConfig config;
  auto service = ztm::server::DeliveryService::create(config, b->storage_, now);
  if (!service) throw std::runtime_error("simulation: " + service.error().what());
  b->service_ = std::move(*service);
  return b;
}

void DeliveryBackend::take(ztm::server::Output o, Outbox& out) {
  for (auto& m : o.messages) {
    auto it = member_.find(m.connection);
    if (it != member_.end() && m.message) out.emplace_back(it->second, *m.message);
  }
  for (auto c : o.close) {
    auto it = member_.find(c);
    if (it == member_.end()) continue;
    open_.erase(it->second);
    member_.erase(it);
  }
}

void DeliveryBackend::receive(ConnId conn, const protocol::ClientMessage& message, TimePoint now,
                              Outbox& out) {
  auto it = open_.find(conn);
  if (it == open_.end()) {
    // A new transport connection for this member (first hello or a reconnect).
    const auto c = next_++;
    open_[conn] = c;
    member_[c] = conn;
    take(service_->on_open(c, now), out);
    it = open_.find(conn);
  }
  take(service_->on_message(it->second, message, now), out);
}

void DeliveryBackend::disconnect(ConnId conn, TimePoint now, Outbox& out) {
  auto it = open_.find(conn);
  if (it == open_.end()) return;
  const auto c = it->second;
  open_.erase(it);
  take(service_->on_close(c, now), out);
  member_.erase(c);
}

void DeliveryBackend::tick(TimePoint now, Outbox& out) {
  take(service_->on_tick(now), out);
}

std::optional<TimePoint> DeliveryBackend::next_deadline() const {
  return service_->next_deadline();
}

}  // namespace ztm_sim
