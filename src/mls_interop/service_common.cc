// MLSClient service: handle tables, error mapping, and the conversions from the
// interop protocol's messages to ztm::mls values.
#include "internal/service.h"
#include "ztm/crypto/random.h"

// GCC 12 reports -Wmaybe-uninitialized inside std::variant's move constructor
// for the Proposal and MLSMessage variants built here (a known false positive;
// see src/mls/group/group_framing.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "ztm/mls/extensions.h"

namespace ztm::mls_interop {

grpc::Status to_status(const Error& error) {
  grpc::StatusCode code = grpc::StatusCode::INVALID_ARGUMENT;
  switch (error.code) {
    case Errc::not_found:
      code = grpc::StatusCode::NOT_FOUND;
      break;
    case Errc::invalid_state:
    case Errc::wrong_epoch:
    case Errc::unknown_key:
      code = grpc::StatusCode::FAILED_PRECONDITION;
      break;
    case Errc::limit_exceeded:
      code = grpc::StatusCode::RESOURCE_EXHAUSTED;
      break;
    case Errc::crypto_failure:
    case Errc::io_error:
      code = grpc::StatusCode::INTERNAL;
      break;
    default:
      // Malformed bytes, protocol violations, failed signatures or MACs: the
      // caller sent something the MLS rules refuse.
      code = grpc::StatusCode::INVALID_ARGUMENT;
      break;
  }
  return grpc::Status(code, error.what());
}

Result<StateEntry*> MlsClientService::state(std::uint32_t id) {
  auto it = states_.find(id);
  if (it == states_.end()) {
    return fail(Errc::not_found, "interop.unknown_state: no state " + std::to_string(id));
  }
  return &it->second;
}

Result<Transaction*> MlsClientService::transaction(std::uint32_t id) {
  auto it = transactions_.find(id);
  if (it == transactions_.end()) {
    return fail(Errc::not_found,
                "interop.unknown_transaction: no transaction " + std::to_string(id));
  }
  return &it->second;
}

Result<ReInitEntry*> MlsClientService::reinit(std::uint32_t id) {
  auto it = reinits_.find(id);
  if (it == reinits_.end()) {
    return fail(Errc::not_found, "interop.unknown_reinit: no reinit " + std::to_string(id));
  }
  return &it->second;
}

Result<mls::ExternalSigner*> MlsClientService::signer(std::uint32_t id) {
  auto it = signers_.find(id);
  if (it == signers_.end()) {
    return fail(Errc::not_found, "interop.unknown_signer: no signer " + std::to_string(id));
  }
  return &it->second;
}

std::uint32_t MlsClientService::store_state(std::shared_ptr<mls::Group> group,
                                            bool encrypt_handshake,
                                            std::shared_ptr<mls::PskStore> psks) {
  const std::uint32_t id = next_handle();
  StateEntry entry;
  entry.group = std::move(group);
  entry.encrypt_handshake = encrypt_handshake;
  entry.psks = std::move(psks);
  states_.emplace(id, std::move(entry));
  return id;
}

mls::GroupConfig MlsClientService::config(bool encrypt_handshake, mls::PskStore* psks) const {
  mls::GroupConfig config;
  config.validator = &validator_;
  config.encrypt_handshake = encrypt_handshake;
  config.psks = psks;
  // The runner decrypts application messages of earlier epochs.
  config.max_past_epochs = 5;
  return config;
}

Result<mls::ExtensionList> decode_extensions(
    const google::protobuf::RepeatedPtrField<mls_client::Extension>& extensions) {
  mls::ExtensionList list;
  for (const auto& ext : extensions) {
    if (ext.extension_type() > 0xffff) {
      return fail(Errc::invalid_argument,
                  "interop.extension_type: " + std::to_string(ext.extension_type()) +
                      " does not fit a uint16");
    }
    const auto type = static_cast<mls::ExtensionType>(ext.extension_type());
    if (list.has(type)) {
      return fail(Errc::invalid_argument,
                  "extensions.duplicate_type: one extension type twice (§13.4)");
    }
    list.entries.push_back(mls::Extension{type, to_bytes(ext.extension_data())});
  }
  return list;
}

mls::Credential basic_credential(const std::string& identity) {
  return mls::Credential::basic(to_bytes(identity));
}

Result<mls::MemberSigner> new_signer(const mls::CipherSuite& suite, const std::string& identity) {
  ZTM_TRY_ASSIGN(auto key, crypto::SignaturePrivateKey::generate(suite.signature_scheme()));
  return mls::MemberSigner{std::move(key), basic_credential(identity)};
}

Result<mls::LeafIndex> member_leaf(const mls::RatchetTree& tree, const std::string& identity) {
  auto leaf = mls::find_leaf_by_credential(tree, basic_credential(identity));
  if (!leaf) {
    return fail(Errc::not_found,
                "interop.unknown_member: no member with identity '" + identity.substr(0, 64) + "'");
  }
  return *leaf;
}

Result<mls::Proposal> proposal_from_description(const mls_client::ProposalDescription& desc,
                                                const ProposalTarget& target) {
  const std::string& type = desc.proposal_type();
  if (type == "add") {
    ZTM_TRY_ASSIGN(auto kp, decode_message<mls::KeyPackage>(desc.key_package(), "a KeyPackage"));
    return mls::Proposal{mls::Add{std::move(kp)}};
  }
  if (type == "remove") {
    ZTM_TRY_ASSIGN(mls::LeafIndex leaf, member_leaf(*target.tree, desc.removed_id()));
    return mls::Proposal{mls::Remove{leaf.value}};
  }
  if (type == "externalPSK" || type == "resumptionPSK") {
    // §8.4: a fresh KDF.Nh-byte nonce for every use.
    mls::PreSharedKeyID id;
    if (type == "externalPSK") {
      id.psktype = mls::PSKType::external;
      id.psk_id = to_bytes(desc.psk_id());
    } else {
      id.psktype = mls::PSKType::resumption;
      id.usage = mls::ResumptionPSKUsage::application;
      id.psk_group_id = *target.group_id;
      id.psk_epoch = desc.epoch_id();
    }
    id.psk_nonce = crypto::random_bytes(target.suite->hash_size());
    return mls::Proposal{mls::PreSharedKey{std::move(id)}};
  }
  ZTM_TRY_ASSIGN(mls::ExtensionList extensions, decode_extensions(desc.extensions()));
  if (type == "groupContextExtensions") {
    return mls::Proposal{mls::GroupContextExtensions{std::move(extensions)}};
  }
  if (type == "reinit") {
    if (desc.cipher_suite() > 0xffff) {
      return fail(Errc::invalid_argument, "interop.cipher_suite: does not fit a uint16");
    }
    return mls::Proposal{mls::ReInit{to_bytes(desc.group_id()), mls::ProtocolVersion::mls10,
                                     static_cast<mls::CipherSuiteId>(desc.cipher_suite()),
                                     std::move(extensions)}};
  }
  return fail(Errc::invalid_argument,
              "interop.unknown_proposal_type: '" + type.substr(0, 64) + "'");
}

std::string export_private(const Result<SecretBytes>& raw) {
  return raw ? to_string(raw->expose()) : std::string();
}

}  // namespace ztm::mls_interop
