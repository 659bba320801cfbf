// The HTTP client: Beast over a per-request io_context, so every step shares one
// deadline (Beast's synchronous calls have no timeouts).
#include "ztm/http/client.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace ztm::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// run_until_done drives the io_context until the started operation completes or
// the deadline passes; on expiry the caller's cancel closes the socket and the
// operation completes with an error, which we then run to.
template <class Cancel>
bool run_until_done(asio::io_context& ioc, const bool& done, Clock::time_point deadline,
                    Cancel cancel) {
  ioc.restart();
  ioc.run_until(deadline);
  if (done) return true;
  cancel();
  ioc.restart();
  ioc.run();
  return false;
}

Error network_error(std::string_view step, const beast::error_code& ec) {
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
    return Error{Errc::timeout, std::string("http: ") + std::string(step) + " timed out"};
  }
  if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit ||
      ec == bhttp::error::buffer_overflow) {
    return Error{Errc::limit_exceeded,
                 std::string("http: ") + std::string(step) + ": response too large"};
  }
  return Error{Errc::io_error, std::string("http: ") + std::string(step) + ": " + ec.message()};
}

template <class Stream>
Result<Response> exchange(asio::io_context& ioc, Stream& stream,
                          bhttp::request<bhttp::string_body>& req, Clock::time_point deadline,
                          std::size_t max_body) {
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_at(deadline);
  bool done = false;
  beast::error_code ec;
  bhttp::async_write(stream, req, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!run_until_done(ioc, done, deadline, [&] { lowest.close(); }) || ec) {
    return tl::unexpected(network_error("write", ec ? ec : beast::error::timeout));
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_body);
  if (req.method() == bhttp::verb::head) parser.skip(true);
  done = false;
  bhttp::async_read(stream, buffer, parser, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!run_until_done(ioc, done, deadline, [&] { lowest.close(); }) || ec) {
    return tl::unexpected(network_error("read", ec ? ec : beast::error::timeout));
  }
  auto res = parser.release();
  Response out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers.add(std::string_view(field.name_string().data(), field.name_string().size()),
                    std::string_view(field.value().data(), field.value().size()));
  }
  out.body = std::move(res.body());
  return out;
}

}  // namespace

Result<Response> request(std::string_view method, std::string_view url_text, const Headers& headers,
                         std::string_view body, const ClientOptions& options) {
  ZTM_TRY_ASSIGN(Url url, parse_url(url_text));
  const bhttp::verb verb = bhttp::string_to_verb(beast::string_view(method.data(), method.size()));
  if (verb == bhttp::verb::unknown) return fail(Errc::invalid_argument, "http: unknown method");
  const auto deadline = Clock::now() + options.timeout;

  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  tcp::resolver::results_type endpoints;
  beast::error_code ec;
  bool done = false;
  resolver.async_resolve(url.host, std::to_string(url.port),
                         [&](beast::error_code e, tcp::resolver::results_type r) {
                           ec = e;
                           endpoints = std::move(r);
                           done = true;
                         });
  if (!run_until_done(ioc, done, deadline, [&] { resolver.cancel(); })) {
    return fail(Errc::timeout, "http: resolving " + url.host + " timed out");
  }
  if (ec) return fail(Errc::io_error, "http: cannot resolve " + url.host + ": " + ec.message());

  bhttp::request<bhttp::string_body> req{verb, url.target, 11};
  const bool default_port =
      (url.scheme == "http" && url.port == 80) || (url.scheme == "https" && url.port == 443);
  const bool ipv6 = url.host.find(':') != std::string::npos;
  std::string host_field = ipv6 ? "[" + url.host + "]" : url.host;
  if (!default_port) host_field += ":" + std::to_string(url.port);
  req.set(bhttp::field::host, host_field);
  req.set(bhttp::field::user_agent, "ztmeet/0.1");
  for (const auto& [name, value] : headers.fields()) req.insert(name, value);
  req.body() = std::string(body);
  if (!body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put) req.prepare_payload();
  req.keep_alive(false);

  if (url.scheme == "http") {
    beast::tcp_stream stream(ioc);
    stream.expires_at(deadline);
    done = false;
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
      ec = e;
      done = true;
    });
    if (!run_until_done(ioc, done, deadline, [&] { stream.close(); }) || ec) {
      return tl::unexpected(
          network_error("connect to " + url.host, ec ? ec : beast::error::timeout));
    }
    return exchange(ioc, stream, req, deadline, options.max_response_body_bytes);
  }

  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  if (options.ca_bundle_file.empty()) {
    ctx.set_default_verify_paths(ec);
  } else {
    ctx.load_verify_file(options.ca_bundle_file, ec);
  }
  if (ec) {
    return fail(Errc::io_error,
                "http: cannot load CA bundle '" + options.ca_bundle_file + "': " + ec.message());
  }
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  SSL* ssl = stream.native_handle();
  // The host check is OpenSSL's own (RFC 6125): an IP literal must match an iPAddress
  // SAN, a DNS name a dNSName SAN; SNI carries DNS names only (RFC 6066 §3).
  beast::error_code addr_ec;
  asio::ip::make_address(url.host, addr_ec);
  if (!addr_ec) {
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url.host.c_str()) != 1) {
      return fail(Errc::invalid_argument, "http: bad IP host");
    }
  } else {
    if (SSL_set_tlsext_host_name(ssl, url.host.c_str()) != 1 ||
        SSL_set1_host(ssl, url.host.c_str()) != 1) {
      return fail(Errc::invalid_argument, "http: bad host name");
    }
  }
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_at(deadline);
  done = false;
  lowest.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
    ec = e;
    done = true;
  });
  if (!run_until_done(ioc, done, deadline, [&] { lowest.close(); }) || ec) {
    return tl::unexpected(network_error("connect to " + url.host, ec ? ec : beast::error::timeout));
  }
  done = false;
  stream.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  if (!run_until_done(ioc, done, deadline, [&] { lowest.close(); }) || ec) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
      return fail(Errc::untrusted, std::string("http: certificate of ") + url.host +
                                       " not trusted: " + X509_verify_cert_error_string(verify));
    }
    return tl::unexpected(
        network_error("TLS handshake with " + url.host, ec ? ec : beast::error::timeout));
  }
  return exchange(ioc, stream, req, deadline, options.max_response_body_bytes);
}

}  // namespace ztm::http
