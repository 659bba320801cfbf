#include "ztm/identity/ca.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "internal/c_openssl.h"
#include "ztm/crypto/random.h"
#include "ztm/identity/profile.h"

namespace ztm::identity {

using namespace internal;

namespace {

constexpr const char* kKeyFile = "ca.key";
constexpr const char* kCertFile = "ca.pem";

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::io_error, "cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// write_private_file creates path with mode 0600 before any byte is written, so the
// key is never readable by others, not even briefly. An existing file is an error.
Result<void> write_private_file(const std::filesystem::path& path, ByteView data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Errc::io_error, "cannot create " + path.string());
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      ::close(fd);
      return fail(Errc::io_error, "cannot write " + path.string());
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return fail(Errc::io_error, "cannot write " + path.string());
  }
  return ok();
}

Result<void> write_public_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) return fail(Errc::io_error, "cannot write " + path.string());
  return ok();
}

Result<SecretBytes> pem_private_key_to_der(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  if (!bio || PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
    return tl::unexpected(ossl_error(Errc::invalid_key, "CA key is not PEM"));
  }
  bool is_pkcs8 = std::string_view(name) == "PRIVATE KEY";
  SecretBytes der(ByteView(data, static_cast<std::size_t>(len)));
  OPENSSL_cleanse(data, static_cast<std::size_t>(len));
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  if (!is_pkcs8) return fail(Errc::invalid_key, "CA key is not a PKCS#8 PRIVATE KEY");
  return der;
}

}  // namespace

Bytes random_serial() {
  Bytes serial = crypto::random_bytes(16);
  serial[0] &= 0x7f;
  serial[0] |= 0x01;  // never a leading zero octet: the DER length stays 16
  return serial;
}

Result<CertificateAuthority> CertificateAuthority::init(const CaOptions& options) {
  namespace fs = std::filesystem;
  fs::path dir(options.data_dir);
  bool has_key = fs::exists(dir / kKeyFile);
  bool has_cert = fs::exists(dir / kCertFile);
  if (has_key && has_cert) return load(options.data_dir);
  if (has_key != has_cert) {
    return fail(Errc::invalid_state,
                "CA data dir " + dir.string() + " holds only one of ca.key and ca.pem");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(Errc::io_error, "cannot create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);

  ZTM_TRY_ASSIGN(auto key, crypto::SignaturePrivateKey::generate(options.key_scheme));
  // Backdated by an hour so that relying parties whose clocks lag ours accept it.
  auto now = std::chrono::system_clock::now();
  Validity validity{now - std::chrono::hours(1), now + options.validity};
  Bytes serial = random_serial();
  ZTM_TRY_ASSIGN(Certificate cert,
                 make_ca_certificate(key, options.common_name, options.organization, validity,
                                     options.permitted_domains, serial));
  ZTM_TRY_ASSIGN(SecretBytes pkcs8, key.export_pkcs8_der());
  std::string key_pem = pem_encode("PRIVATE KEY", pkcs8.expose());
  auto written = write_private_file(dir / kKeyFile, as_bytes(key_pem));
  secure_zero(key_pem.data(), key_pem.size());
  ZTM_TRY(written);
  ZTM_TRY(write_public_file(dir / kCertFile, cert.pem()));
  return CertificateAuthority(options.data_dir, std::move(key), std::move(cert));
}

Result<CertificateAuthority> CertificateAuthority::load(const std::string& data_dir) {
  namespace fs = std::filesystem;
  fs::path dir(data_dir);
  if (!fs::exists(dir / kKeyFile) || !fs::exists(dir / kCertFile)) {
    return fail(Errc::not_found, "no CA in " + dir.string() + " (run `ztmeet ca init`)");
  }
  struct stat st {};
  if (::stat((dir / kKeyFile).c_str(), &st) == 0 && (st.st_mode & 0077) != 0) {
    return fail(Errc::invalid_state,
                (dir / kKeyFile).string() + " is readable by group or others; chmod 600 it");
  }
  ZTM_TRY_ASSIGN(std::string key_pem, read_file(dir / kKeyFile));
  auto der = pem_private_key_to_der(key_pem);
  secure_zero(key_pem.data(), key_pem.size());
  if (!der) return tl::unexpected(der.error());
  ZTM_TRY_ASSIGN(auto key, crypto::SignaturePrivateKey::from_pkcs8_der(der->expose()));
  ZTM_TRY_ASSIGN(auto certs, load_pem_certificates((dir / kCertFile).string(), 1));
  if (X509_check_private_key(certs.front().x509(), key.evp_pkey()) != 1) {
    ERR_clear_error();
    return fail(Errc::invalid_key, "ca.key does not match ca.pem");
  }
  return CertificateAuthority(data_dir, std::move(key), std::move(certs.front()));
}

Result<Certificate> CertificateAuthority::issue(ByteView csr_der, std::chrono::seconds lifetime,
                                                const std::string& crl_url) const {
  auto now = std::chrono::system_clock::now();
  IssueOptions options;
  options.validity = Validity{now - std::chrono::minutes(5), now + lifetime};
  options.serial = random_serial();
  if (!crl_url.empty()) options.crl_url = crl_url;
  return issue_certificate(csr_der, key_, cert_, options);
}

Result<Crl> CertificateAuthority::crl(std::span<const RevokedCertificate> revoked, TimePoint now,
                                      std::chrono::seconds next_update,
                                      std::uint64_t crl_number) const {
  return issue_crl(key_, cert_, revoked, now, now + next_update, crl_number);
}

}  // namespace ztm::identity
