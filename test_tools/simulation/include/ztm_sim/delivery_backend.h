// DeliveryBackend runs the simulation on the server layer's sans-I/O
// DeliveryService (include/ztm/server/delivery_service.h) with in-memory storage,
// instead of the simulation's own Service: the same engines against the real
// service logic.
#pragma once

#include <map>
#include <memory>

#include "ztm/server/delivery_service.h"
#include "ztm_sim/service.h"

namespace ztm_sim {

class DeliveryBackend final : public ServiceBackend {
 public:
  static std::unique_ptr<ServiceBackend> create(TimePoint now);

  void receive(ConnId conn, const protocol::ClientMessage& message, TimePoint now,
               Outbox& out) override;
  void disconnect(ConnId conn, TimePoint now, Outbox& out) override;
  void tick(TimePoint now, Outbox& out) override;
  std::optional<TimePoint> next_deadline() const override;

 private:
  DeliveryBackend() = default;
  void take(ztm::server::Output o, Outbox& out);

  ztm::server::MemoryStorage storage_;
  std::unique_ptr<ztm::server::DeliveryService> service_;
  std::map<ConnId, ztm::server::ConnectionId> open_;    // member -> current connection
  std::map<ztm::server::ConnectionId, ConnId> member_;  // connection -> member
  ztm::server::ConnectionId next_ = 1;
};

}  // namespace ztm_sim
