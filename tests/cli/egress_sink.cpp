#include "tests/cli/egress_sink.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <stdexcept>
#include <string>

namespace sluice::testing {
namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

void nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

uint16_t closed_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len))
    throw std::runtime_error("closed_loopback_port: bind failed");
  close(fd);
  return ntohs(a.sin_port);
}

LoopbackSink::LoopbackSink(uint64_t reply_after) : reply_after_(reply_after) {
  // TCP and UDP on the same port number: retry when the UDP port happens to be taken.
  for (int attempt = 0; attempt < 50 && !port_; ++attempt) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    if (l < 0 || bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) || listen(l, 1024) ||
        getsockname(l, reinterpret_cast<sockaddr*>(&a), &len))
      throw std::runtime_error("LoopbackSink: TCP listen failed");
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    if (u >= 0 && bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      listen_fd_ = l;
      udp_fd_ = u;
      port_ = ntohs(a.sin_port);
    } else {
      close(l);
      if (u >= 0) close(u);
    }
  }
  if (!port_) throw std::runtime_error("LoopbackSink: no port free for both TCP and UDP");
  if (pipe(wake_)) throw std::runtime_error("LoopbackSink: pipe failed");
  nonblocking(listen_fd_);
  nonblocking(udp_fd_);
  thread_ = std::thread([this] { run(); });
}

LoopbackSink::~LoopbackSink() {
  char c = 'x';
  (void)!write(wake_[1], &c, 1);
  thread_.join();
  for (int fd : {listen_fd_, udp_fd_, wake_[0], wake_[1]})
    if (fd >= 0) close(fd);
}

void LoopbackSink::run() {
  std::map<int, size_t> open;  // fd -> index in conns_
  std::vector<char> buf(1 << 16);
  for (;;) {
    std::vector<pollfd> fds = {
        {wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}, {udp_fd_, POLLIN, 0}};
    for (auto& [fd, idx] : open) fds.push_back({fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) break;
    if (fds[1].revents & POLLIN) {
      for (int c; (c = accept(listen_fd_, nullptr, nullptr)) >= 0;) {
        nonblocking(c);
        std::lock_guard lock(mu_);
        open[c] = conns_.size();
        conns_.push_back({});
        ++totals_.accepted;
      }
    }
    if (fds[2].revents & POLLIN) {
      for (;;) {
        sockaddr_storage from{};
        socklen_t flen = sizeof from;
        ssize_t n =
            recvfrom(udp_fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &flen);
        if (n < 0) break;
        std::string reply = "ok " + std::to_string(n) + "\n";
        ssize_t w = sendto(udp_fd_, reply.data(), reply.size(), 0,
                           reinterpret_cast<sockaddr*>(&from), flen);
        std::lock_guard lock(mu_);
        ++totals_.datagrams_in;
        totals_.udp_bytes_in += static_cast<uint64_t>(n);
        if (w > 0) {
          ++totals_.datagrams_out;
          totals_.udp_bytes_out += static_cast<uint64_t>(w);
        }
        cv_.notify_all();
      }
    }
    for (size_t i = 3; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      int fd = fds[i].fd;
      size_t idx = open[fd];
      bool eof = false;
      for (;;) {
        ssize_t n = recv(fd, buf.data(), buf.size(), 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
          eof = true;
          break;
        }
        if (n < 0) break;
        std::lock_guard lock(mu_);
        Connection& c = conns_[idx];
        uint64_t before = c.bytes_in;
        c.bytes_in += static_cast<uint64_t>(n);
        totals_.tcp_bytes_in += static_cast<uint64_t>(n);
        if (reply_after_ && before < reply_after_ && c.bytes_in >= reply_after_) {
          std::string reply = "ok " + std::to_string(c.bytes_in) + "\n";
          ssize_t w = send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
          if (w > 0) {
            c.bytes_out += static_cast<uint64_t>(w);
            totals_.tcp_bytes_out += static_cast<uint64_t>(w);
          }
        }
      }
      if (eof) {
        close(fd);
        open.erase(fd);
        std::lock_guard lock(mu_);
        conns_[idx].closed = true;
        ++totals_.closed;
        cv_.notify_all();
      }
    }
  }
  for (auto& [fd, idx] : open) close(fd);
}

bool LoopbackSink::wait_idle(uint64_t n, uint64_t datagrams, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] {
    return totals_.accepted >= n && totals_.closed == totals_.accepted &&
           totals_.datagrams_in >= datagrams;
  });
}

std::vector<LoopbackSink::Connection> LoopbackSink::connections() const {
  std::lock_guard lock(mu_);
  return conns_;
}

LoopbackSink::Totals LoopbackSink::totals() const {
  std::lock_guard lock(mu_);
  return totals_;
}

}  // namespace sluice::testing
