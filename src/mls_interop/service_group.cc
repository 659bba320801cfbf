// MLSClient service: becoming a member (create, KeyPackage, Welcome, external
// join) and using a group state (GroupInfo, authenticator, exporter,
// application messages, PSKs), and freeing handles.
#include "internal/service.h"

// GCC 12 reports -Wmaybe-uninitialized inside std::variant's move constructor
// for the Proposal and MLSMessage variants built here (a known false positive;
// see src/mls/group/group_framing.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "ztm/mls/extensions.h"

namespace ztm::mls_interop {
namespace {

Result<mls::CipherSuite> suite_of(std::uint32_t id) {
  if (id > 0xffff) return fail(Errc::invalid_argument, "interop.cipher_suite: not a uint16");
  return mls::CipherSuite::create(static_cast<std::uint16_t>(id));
}

// tree_argument decodes the runner's out-of-band ratchet_tree, if it sent one.
Result<std::optional<mls::RatchetTree>> tree_argument(const mls::CipherSuite& suite,
                                                      const std::string& data) {
  if (data.empty()) return std::optional<mls::RatchetTree>{};
  ZTM_TRY_ASSIGN(auto tree, mls::RatchetTree::decode(suite, as_bytes(data)));
  return std::optional<mls::RatchetTree>{std::move(tree)};
}

}  // namespace

grpc::Status MlsClientService::Name(grpc::ServerContext*, const mls_client::NameRequest*,
                                    mls_client::NameResponse* resp) {
  resp->set_name("ztmeet");
  return grpc::Status::OK;
}

grpc::Status MlsClientService::SupportedCiphersuites(
    grpc::ServerContext*, const mls_client::SupportedCiphersuitesRequest*,
    mls_client::SupportedCiphersuitesResponse* resp) {
  for (std::uint16_t id = 1; id <= 7; ++id) {
    if (mls::CipherSuite::create(id)) resp->add_ciphersuites(id);
  }
  return grpc::Status::OK;
}

grpc::Status MlsClientService::CreateGroup(grpc::ServerContext*,
                                           const mls_client::CreateGroupRequest* req,
                                           mls_client::CreateGroupResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(auto suite, suite_of(req->cipher_suite()));
    ZTM_TRY_ASSIGN(auto signer, new_signer(suite, req->identity()));
    auto psks = std::make_shared<mls::PskStore>();
    ZTM_TRY_ASSIGN(auto group,
                   mls::Group::create(suite, to_bytes(req->group_id()), std::move(signer), {},
                                      config(req->encrypt_handshake(), psks.get())));
    resp->set_state_id(store_state(std::make_shared<mls::Group>(std::move(group)),
                                   req->encrypt_handshake(), psks));
    return ok();
  });
}

grpc::Status MlsClientService::CreateKeyPackage(grpc::ServerContext*,
                                                const mls_client::CreateKeyPackageRequest* req,
                                                mls_client::CreateKeyPackageResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(auto suite, suite_of(req->cipher_suite()));
    ZTM_TRY_ASSIGN(auto signer, new_signer(suite, req->identity()));
    ZTM_TRY_ASSIGN(auto bundle, mls::create_key_package(suite, std::move(signer)));
    resp->set_key_package(to_string(mls::MLSMessage{bundle.key_package}.encode()));
    resp->set_init_priv(export_private(bundle.init_key.export_raw()));
    resp->set_encryption_priv(export_private(bundle.encryption_key.export_raw()));
    resp->set_signature_priv(export_private(bundle.signer.signature_key.export_raw()));
    const std::uint32_t id = next_handle();
    transactions_.emplace(id, Transaction{std::move(bundle), std::make_shared<mls::PskStore>()});
    resp->set_transaction_id(id);
    return ok();
  });
}

grpc::Status MlsClientService::JoinGroup(grpc::ServerContext*,
                                         const mls_client::JoinGroupRequest* req,
                                         mls_client::JoinGroupResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(Transaction * tx, transaction(req->transaction_id()));
    ZTM_TRY_ASSIGN(auto welcome, decode_message<mls::Welcome>(req->welcome(), "a Welcome"));
    ZTM_TRY_ASSIGN(auto suite, suite_of(welcome.cipher_suite));
    mls::JoinOptions options;
    ZTM_TRY_ASSIGN(options.tree, tree_argument(suite, req->ratchet_tree()));
    ZTM_TRY_ASSIGN(auto group,
                   mls::Group::join(welcome, tx->bundle,
                                    config(req->encrypt_handshake(), tx->psks.get()), options));
    resp->set_epoch_authenticator(to_string(group.epoch_authenticator()));
    resp->set_state_id(store_state(std::make_shared<mls::Group>(std::move(group)),
                                   req->encrypt_handshake(), tx->psks));
    return ok();
  });
}

grpc::Status MlsClientService::ExternalJoin(grpc::ServerContext*,
                                            const mls_client::ExternalJoinRequest* req,
                                            mls_client::ExternalJoinResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(auto info, decode_message<mls::GroupInfo>(req->group_info(), "a GroupInfo"));
    ZTM_TRY_ASSIGN(auto suite, suite_of(info.group_context.cipher_suite));
    mls::ExternalJoinOptions options;
    ZTM_TRY_ASSIGN(options.tree, tree_argument(suite, req->ratchet_tree()));
    if (req->remove_prior()) {
      // Our earlier appearance is the leaf with our identity (§12.4.3.2 resync).
      std::optional<mls::RatchetTree> tree = options.tree;
      if (!tree) {
        const mls::Extension* ext = info.extensions.find(mls::ExtensionType::ratchet_tree);
        if (ext == nullptr) {
          return fail(Errc::not_found, "join.no_ratchet_tree: no tree to find our prior leaf in");
        }
        ZTM_TRY_ASSIGN(tree, mls::RatchetTree::decode(suite, ext->extension_data));
      }
      ZTM_TRY_ASSIGN(options.remove_prior, member_leaf(*tree, req->identity()));
    }
    auto psks = std::make_shared<mls::PskStore>();
    for (const auto& psk : req->psks()) {
      psks->add_external(as_bytes(psk.psk_id()), SecretBytes(as_bytes(psk.psk_secret())));
      options.external_psk_ids.push_back(to_bytes(psk.psk_id()));
    }
    ZTM_TRY_ASSIGN(auto signer, new_signer(suite, req->identity()));
    ZTM_TRY_ASSIGN(auto joined, mls::Group::join_external(
                                    info, std::move(signer),
                                    config(req->encrypt_handshake(), psks.get()), options));
    resp->set_commit(to_string(joined.commit.encode()));
    resp->set_epoch_authenticator(to_string(joined.group.epoch_authenticator()));
    resp->set_state_id(store_state(std::make_shared<mls::Group>(std::move(joined.group)),
                                   req->encrypt_handshake(), psks));
    return ok();
  });
}

grpc::Status MlsClientService::GroupInfo(grpc::ServerContext*,
                                         const mls_client::GroupInfoRequest* req,
                                         mls_client::GroupInfoResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    ZTM_TRY_ASSIGN(auto info, entry->group->group_info(!req->external_tree(), true));
    resp->set_group_info(to_string(mls::MLSMessage{std::move(info)}.encode()));
    if (req->external_tree()) resp->set_ratchet_tree(to_string(entry->group->tree().encode()));
    return ok();
  });
}

grpc::Status MlsClientService::StateAuth(grpc::ServerContext*,
                                         const mls_client::StateAuthRequest* req,
                                         mls_client::StateAuthResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    resp->set_state_auth_secret(to_string(entry->group->epoch_authenticator()));
    return ok();
  });
}

grpc::Status MlsClientService::Export(grpc::ServerContext*, const mls_client::ExportRequest* req,
                                      mls_client::ExportResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    // HKDF-Expand cannot give more than 255 * Nh bytes.
    if (req->key_length() > 255 * entry->group->suite().hash_size()) {
      return fail(Errc::invalid_argument, "exporter.length: more than 255 * KDF.Nh bytes");
    }
    ZTM_TRY_ASSIGN(auto secret, entry->group->exporter(req->label(), as_bytes(req->context()),
                                                       req->key_length()));
    resp->set_exported_secret(to_string(secret.expose()));
    return ok();
  });
}

grpc::Status MlsClientService::Protect(grpc::ServerContext*, const mls_client::ProtectRequest* req,
                                       mls_client::ProtectResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    ZTM_TRY_ASSIGN(auto message, entry->group->protect(as_bytes(req->plaintext()),
                                                       as_bytes(req->authenticated_data())));
    resp->set_ciphertext(to_string(message.encode()));
    return ok();
  });
}

grpc::Status MlsClientService::Unprotect(grpc::ServerContext*,
                                         const mls_client::UnprotectRequest* req,
                                         mls_client::UnprotectResponse* resp) {
  return guarded([&]() -> Result<void> {
    ZTM_TRY_ASSIGN(StateEntry * entry, state(req->state_id()));
    ZTM_TRY_ASSIGN(auto message, mls::MLSMessage::decode(as_bytes(req->ciphertext())));
    if (!std::holds_alternative<mls::PrivateMessage>(message.value) ||
        std::get<mls::PrivateMessage>(message.value).content_type !=
            mls::ContentType::application) {
      return fail(Errc::invalid_argument,
                  "interop.not_application: Unprotect takes a PrivateMessage of application "
                  "data (§6.3)");
    }
    // Group::process also decrypts application messages of kept earlier epochs.
    ZTM_TRY_ASSIGN(auto processed, entry->group->process(message));
    resp->set_plaintext(to_string(processed.application_data));
    resp->set_authenticated_data(to_string(processed.authenticated_data));
    return ok();
  });
}

grpc::Status MlsClientService::StorePSK(grpc::ServerContext*,
                                        const mls_client::StorePSKRequest* req,
                                        mls_client::StorePSKResponse*) {
  return guarded([&]() -> Result<void> {
    // One counter numbers every handle, so the id names a state or a
    // transaction unambiguously.
    std::shared_ptr<mls::PskStore> psks;
    if (auto s = states_.find(req->state_or_transaction_id()); s != states_.end()) {
      psks = s->second.psks;
    } else if (auto t = transactions_.find(req->state_or_transaction_id());
               t != transactions_.end()) {
      psks = t->second.psks;
    } else if (auto r = reinits_.find(req->state_or_transaction_id()); r != reinits_.end()) {
      psks = r->second.psks;
    } else {
      return fail(Errc::not_found, "interop.unknown_handle: no state or transaction " +
                                       std::to_string(req->state_or_transaction_id()));
    }
    psks->add_external(as_bytes(req->psk_id()), SecretBytes(as_bytes(req->psk_secret())));
    return ok();
  });
}

grpc::Status MlsClientService::Free(grpc::ServerContext*, const mls_client::FreeRequest* req,
                                    mls_client::FreeResponse*) {
  return guarded([&]() -> Result<void> {
    const std::uint32_t id = req->state_id();
    const std::size_t erased =
        states_.erase(id) + transactions_.erase(id) + reinits_.erase(id) + signers_.erase(id);
    if (erased == 0) {
      return fail(Errc::not_found,
                  "interop.unknown_handle: nothing to free at " + std::to_string(id));
    }
    return ok();
  });
}

}  // namespace ztm::mls_interop
