// MlsExternalSender: the meeting service's MLS external-sender identity (RFC 9420
// §12.1.8.1), one signature key per cipher suite, kept in the service's Storage so
// that groups that list it keep accepting its proposals after a restart. It signs
// Remove proposals for participants whose connection died (docs/protocol.md rule 6).
// The key is the service's own: it lets the service *propose* a Remove, which the
// leader commits only after checking it; it gives no access to any group secret.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "ztm/mls/external_sender.h"
#include "ztm/server/delivery_service.h"
#include "ztm/server/storage.h"

namespace ztm::server {

class MlsExternalSender final : public ExternalSenderProvider {
 public:
  // MlsExternalSender names itself `name` in its basic credential. The storage must
  // outlive it.
  MlsExternalSender(Storage& storage, std::string name = "ztmeet-service");

  std::optional<protocol::ExternalSender> identity(std::uint16_t cipher_suite) override;
  Result<Bytes> remove_proposal(ByteView group_info, std::uint32_t leaf) override;

 private:
  Result<const mls::ExternalSigner*> signer(std::uint16_t cipher_suite);
  Storage& storage_;
  std::string name_;
  std::map<std::uint16_t, mls::ExternalSigner> signers_;
};

}  // namespace ztm::server
