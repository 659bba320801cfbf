// Storing an enrollment's keys and chain, and the renewal rule.
#include <fcntl.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "ztm/identity/certificate.h"
#include "ztm/identity/enrollment.h"

namespace ztm::identity {
namespace {

constexpr std::size_t kMaxKeyFileBytes = 16 * 1024;

// write_file_atomically writes data to file via a 0600/0644 temporary file in the
// same directory and a rename, so a reader never sees half a key.
Result<void> write_file_atomically(const std::filesystem::path& file, ByteView data, mode_t mode) {
  const std::filesystem::path tmp = file.string() + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return fail(Errc::io_error, "cannot create " + tmp.string());
  // umask may have narrowed the mode; it may not have widened it, but be exact.
  bool good = ::fchmod(fd, mode) == 0;
  std::size_t written = 0;
  while (good && written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n <= 0) {
      good = false;
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  good = good && ::fsync(fd) == 0;
  good = (::close(fd) == 0) && good;
  if (!good || ::rename(tmp.c_str(), file.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return fail(Errc::io_error, "cannot write " + file.string());
  }
  return ok();
}

}  // namespace

Result<void> write_private_key_pem(const crypto::SignaturePrivateKey& key,
                                   const std::filesystem::path& file) {
  ZTM_TRY_ASSIGN(SecretBytes der, key.export_pkcs8_der());
  // PEM is base64 in 64-character lines (RFC 7468 §2) of 48 input bytes each.
  constexpr std::string_view kBegin = "-----BEGIN PRIVATE KEY-----\n";
  constexpr std::string_view kEnd = "-----END PRIVATE KEY-----\n";
  const ByteView in = der.expose();
  const std::size_t lines = (in.size() + 47) / 48;
  SecretBytes pem(kBegin.size() + kEnd.size() + lines * 65 + 1);
  MutableByteView out = pem.mutable_data();
  std::size_t pos = 0;
  std::copy(kBegin.begin(), kBegin.end(), out.begin());
  pos += kBegin.size();
  for (std::size_t off = 0; off < in.size(); off += 48) {
    const int chunk = static_cast<int>(std::min<std::size_t>(48, in.size() - off));
    const int n = EVP_EncodeBlock(out.data() + pos, in.data() + off, chunk);
    pos += static_cast<std::size_t>(n);
    out[pos++] = '\n';
  }
  std::copy(kEnd.begin(), kEnd.end(), out.begin() + static_cast<std::ptrdiff_t>(pos));
  pos += kEnd.size();
  return write_file_atomically(file, pem.expose().first(pos), 0600);
}

Result<crypto::SignaturePrivateKey> read_private_key_pem(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(Errc::io_error, "cannot open " + file.string());
  SecretBytes text(kMaxKeyFileBytes);
  std::size_t size = 0;
  for (;;) {
    const ssize_t n = ::read(fd, text.mutable_data().data() + size, kMaxKeyFileBytes - size);
    if (n < 0) {
      ::close(fd);
      return fail(Errc::io_error, "cannot read " + file.string());
    }
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
    if (size == kMaxKeyFileBytes) {
      ::close(fd);
      return fail(Errc::limit_exceeded, file.string() + " is too large for a key file");
    }
  }
  ::close(fd);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(text.expose().data(), static_cast<int>(size)), BIO_free);
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  if (!bio || PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
    return fail(Errc::invalid_encoding, file.string() + ": no PEM block");
  }
  const bool pkcs8 = std::string_view(name) == "PRIVATE KEY";
  SecretBytes der(ByteView(data, static_cast<std::size_t>(len)));
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_clear_free(data, static_cast<std::size_t>(len));
  if (!pkcs8) return fail(Errc::invalid_encoding, file.string() + ": not a PKCS#8 PRIVATE KEY");
  return crypto::SignaturePrivateKey::from_pkcs8_der(der.expose());
}

Result<void> save_enrollment(const Enrollment& enrollment, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(Errc::io_error, "cannot create " + dir.string() + ": " + ec.message());
  ZTM_TRY(write_private_key_pem(enrollment.signature_key, dir / kSignatureKeyFile));
  ZTM_TRY(write_private_key_pem(enrollment.account_key, dir / kAccountKeyFile));
  return write_file_atomically(dir / kChainFile, as_bytes(enrollment.chain_pem), 0644);
}

Result<bool> needs_renewal(std::string_view chain_pem, std::chrono::system_clock::time_point now) {
  ZTM_TRY_ASSIGN(auto chain, parse_pem_certificates(chain_pem));
  const auto not_before = chain.front().not_before();
  const auto not_after = chain.front().not_after();
  if (not_after <= not_before) return fail(Errc::invalid_encoding, "certificate validity is empty");
  // Renew at two thirds of the lifetime, as Let's Encrypt's clients do: a third of
  // the lifetime is left to retry if the CA is down.
  const auto renew_at = not_before + (not_after - not_before) * 2 / 3;
  return now >= renew_at;
}

}  // namespace ztm::identity
