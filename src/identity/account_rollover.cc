// Account key rollover for an enrolled identity directory (enrollment.h).
#include <filesystem>

#include "ztm/identity/acme_client.h"
#include "ztm/identity/enrollment.h"

namespace ztm::identity {

Result<std::string> rollover_account_key(const AcmeClientOptions& acme,
                                         const std::filesystem::path& dir) {
  const auto current_file = dir / kAccountKeyFile;
  const auto next_file = dir / (std::string(kAccountKeyFile) + ".next");
  if (!std::filesystem::exists(current_file)) {
    return fail(Errc::not_found, current_file.string() + ": no ACME account key to roll over");
  }
  ZTM_TRY_ASSIGN(auto current, read_private_key_pem(current_file));
  ZTM_TRY_ASSIGN(auto fresh, crypto::SignaturePrivateKey::generate(
                                 crypto::SignatureScheme::ecdsa_secp256r1_sha256));
  ZTM_TRY_ASSIGN(auto client, AcmeClient::connect(acme, std::move(current)));
  ZTM_TRY(client.new_account({}, true, /*only_return_existing=*/true));
  // Kept before the CA hears of it: if the rename below failed, the key the account
  // now answers to would still be on disk.
  ZTM_TRY(write_private_key_pem(fresh, next_file));
  if (auto changed = client.change_key(fresh); !changed) {
    std::error_code ignored;
    std::filesystem::remove(next_file, ignored);
    return tl::unexpected(changed.error());
  }
  std::error_code ec;
  std::filesystem::rename(next_file, current_file, ec);
  if (ec) {
    return fail(Errc::io_error, "the CA changed the account key, but " + next_file.string() +
                                    " could not replace " + current_file.string() + ": " +
                                    ec.message() + " (rename it by hand)");
  }
  return client.account_url();
}

}  // namespace ztm::identity
