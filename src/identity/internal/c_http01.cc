#include "internal/c_http01.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace ztm::identity::internal {

namespace {

using Clock = std::chrono::steady_clock;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// wait_for waits until fd is ready for events or the deadline passes.
Result<void> wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    int ms = remaining_ms(deadline);
    if (ms == 0) return fail(Errc::timeout, "http-01: peer did not answer in time");
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, ms);
    if (n > 0) return ok();
    if (n < 0 && errno != EINTR) return fail(Errc::io_error, "http-01: poll failed");
  }
}

// parse_response reads the status line, skips the headers and returns the body,
// de-chunking when Transfer-Encoding is chunked.
Result<Http01Response> parse_response(const std::string& raw) {
  auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos || raw.size() < 12) {
    return fail(Errc::invalid_encoding, "http-01: response is not HTTP/1.x");
  }
  Http01Response out;
  auto [p, ec] = std::from_chars(raw.data() + 9, raw.data() + 12, out.status);
  if (ec != std::errc() || p != raw.data() + 12) {
    return fail(Errc::invalid_encoding, "http-01: bad status line");
  }
  std::string head = raw.substr(0, head_end);
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string body = raw.substr(head_end + 4);
  if (head.find("\r\ntransfer-encoding: chunked") == std::string::npos) {
    out.body = std::move(body);
    return out;
  }
  std::size_t pos = 0;
  for (;;) {
    auto line_end = body.find("\r\n", pos);
    if (line_end == std::string::npos) break;
    std::size_t size = 0;
    auto [q, e] = std::from_chars(body.data() + pos, body.data() + line_end, size, 16);
    if (e != std::errc()) return fail(Errc::invalid_encoding, "http-01: bad chunk size");
    (void)q;
    if (size == 0) break;
    pos = line_end + 2;
    if (pos + size > body.size()) return fail(Errc::invalid_encoding, "http-01: short chunk");
    out.body.append(body, pos, size);
    pos += size + 2;
  }
  return out;
}

}  // namespace

Result<Http01Response> http01_get(const std::string& address, std::uint16_t port,
                                  const std::string& host, const std::string& path,
                                  std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    return fail(Errc::invalid_argument, "http-01: not an IPv4 address: " + address);
  }
  Socket sock(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (sock.fd() < 0) return fail(Errc::io_error, "http-01: socket failed");
  if (::connect(sock.fd(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) return fail(Errc::io_error, "http-01: connection refused");
    ZTM_TRY(wait_for(sock.fd(), POLLOUT, deadline));
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(sock.fd(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      return fail(Errc::io_error,
                  "http-01: cannot connect to " + address + ":" + std::to_string(port));
    }
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host +
                        "\r\nUser-Agent: ztmeet-ca/0.1\r\nAccept: */*\r\n"
                        "Connection: close\r\n\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    ZTM_TRY(wait_for(sock.fd(), POLLOUT, deadline));
    ssize_t n = ::send(sock.fd(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return fail(Errc::io_error, "http-01: send failed");
    }
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[4096];
  for (;;) {
    ZTM_TRY(wait_for(sock.fd(), POLLIN, deadline));
    ssize_t n = ::recv(sock.fd(), buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return fail(Errc::io_error, "http-01: receive failed");
    }
    raw.append(buf, static_cast<std::size_t>(n));
    if (raw.size() > kMaxHttp01ResponseBytes) {
      return fail(Errc::limit_exceeded, "http-01: response too large");
    }
  }
  return parse_response(raw);
}

}  // namespace ztm::identity::internal
