#include "internal/c_openssl.h"

#include <openssl/err.h>
#include <openssl/pem.h>

namespace ztm::identity::internal {

Error ossl_error(Errc code, std::string_view what) {
  std::string message(what);
  unsigned long e = ERR_get_error();
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    message += ": ";
    message += buf;
  }
  ERR_clear_error();
  return Error{code, std::move(message)};
}

std::string pem_encode(std::string_view label, ByteView der) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  std::string name(label);
  PEM_write_bio(bio.get(), name.c_str(), "", der.data(), static_cast<long>(der.size()));
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace ztm::identity::internal
