#include "wasi/sockets/tcp_socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "wasi/sockets/socket_options.h"
#include "wasi/sockets/socket_reaper.h"

namespace sluice::wasi {

using component::Err;
using component::Ok;

namespace {

void count(egress::FlowCounters* flow, std::atomic<uint64_t> egress::FlowCounters::*counter,
           uint64_t n) {
  if (flow != nullptr) egress::FlowCounters::add(flow->*counter, n);
}

// Bytes the guest wrote that the kernel has not taken yet. A write may carry the whole permit
// check-write handed out even when the socket's send buffer has less room, so the rest waits
// here and is sent on the next check-write, flush or pollable wait. Shared by the connection
// and the output stream's pollables, which flush it while the guest waits.
class SendBuffer {
 public:
  SendBuffer(std::shared_ptr<HostFd> fd, egress::FlowCounters* flow)
      : fd_(std::move(fd)), flow_(flow) {}

  // Sends what the kernel takes now (counting it); remembers a failure. Once everything is
  // sent, carries out a shutdown of the sending side the guest asked for.
  void flush() {
    while (error_ == 0 && sent_ < pending_.size()) {
      size_t n = send_now({pending_.data() + sent_, pending_.size() - sent_});
      if (n == 0) break;
      sent_ += n;
    }
    if (sent_ == pending_.size()) {
      pending_.clear();
      sent_ = 0;
      if (shutdown_requested_ && !shut_down_) {
        ::shutdown(fd_->get(), SHUT_WR);
        shut_down_ = true;
      }
    }
  }

  // tcp-socket.shutdown(send): bytes the guest already wrote still go out first, then the
  // peer sees the end of the stream. Later writes fail as they would after shutdown(2).
  void shutdown_when_flushed() {
    shutdown_requested_ = true;
    flush();
  }

  // Sends `bytes`, keeping whatever the kernel does not take now.
  void write(std::span<const uint8_t> bytes) {
    if (shutdown_requested_ && error_ == 0) error_ = EPIPE;
    flush();
    if (error_ == 0 && pending_.empty()) bytes = bytes.subspan(send_now(bytes));
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  }

  bool empty() const { return pending_.empty(); }
  int error() const { return error_; }
  int fd() const { return fd_->get(); }

 private:
  // Bytes the kernel took (0 when it has no room or failed).
  size_t send_now(std::span<const uint8_t> bytes) {
    for (;;) {
      ssize_t n = ::send(fd_->get(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0) {
        count(flow_, &egress::FlowCounters::bytes_out, static_cast<uint64_t>(n));
        return static_cast<size_t>(n);
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) error_ = errno;
      return 0;
    }
  }

  std::shared_ptr<HostFd> fd_;
  egress::FlowCounters* flow_;
  std::vector<uint8_t> pending_;
  size_t sent_ = 0;  // prefix of pending_ already sent
  int error_ = 0;
  bool shutdown_requested_ = false;
  bool shut_down_ = false;
};

}  // namespace

// ---- the shared state of one connection -------------------------------------------------------

// What the socket and its two streams share: the fd and the egress flow. Destroyed when the
// last of them is dropped, which is when the flow ends. (Pollables hold only the fd, so a guest
// keeping a pollable does not keep the flow open.)
class TcpConnection {
 public:
  TcpConnection(std::shared_ptr<HostFd> fd, egress::Egress* egress, egress::FlowCounters* flow)
      : fd_(fd), egress_(egress), flow_(flow), send_buffer_(std::make_shared<SendBuffer>(fd, flow)) {}
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  ~TcpConnection() {
    // Last chance for bytes still held in the host (the output stream was dropped unflushed).
    send_buffer_->flush();
    egress::ClosedFlow closed;
    if (flow_ != nullptr) {
      if (state_ == State::kConnecting) {
        egress_->connect_finished(flow_, false, ECANCELED);
      } else if (state_ == State::kEstablished) {
        closed = egress_->flow_closed(flow_, nullptr);
      }
    }
    if (state_ == State::kEstablished) {
      // A pollable may still hold the fd open: make the peer see the end of the connection now.
      ::shutdown(fd_->get(), SHUT_RDWR);
      // The kernel cross-check and the close happen off the guest's thread.
      SocketReaper::reap(fd_, open_, egress_, closed);
    }
  }

  void established() {
    state_ = State::kEstablished;
    if (flow_ != nullptr) egress_->connect_finished(flow_, true, 0);
  }
  // An accepted connection is established from the start (Egress::accepted counted it).
  void mark_accepted() {
    state_ = State::kEstablished;
    open_ = TcpOpen::kPassive;
  }
  void failed(int error_number) {
    state_ = State::kFailed;
    if (flow_ != nullptr) egress_->connect_finished(flow_, false, error_number);
  }

  const std::shared_ptr<HostFd>& fd() const { return fd_; }
  egress::FlowCounters* flow() const { return flow_; }
  egress::Egress* egress() const { return egress_; }
  const std::shared_ptr<SendBuffer>& send_buffer() const { return send_buffer_; }

 private:
  enum class State { kConnecting, kEstablished, kFailed };

  std::shared_ptr<HostFd> fd_;
  egress::Egress* egress_;
  // Null: nothing to count or report — an accepted (inbound) connection, or a connect allowed by
  // a meter that counts nothing (Egress::decide_connect).
  egress::FlowCounters* flow_;
  std::shared_ptr<SendBuffer> send_buffer_;
  State state_ = State::kConnecting;
  TcpOpen open_ = TcpOpen::kActive;
};

namespace {

// ---- streams ----------------------------------------------------------------------------------

class TcpInputStream final : public InputStream {
 public:
  explicit TcpInputStream(std::shared_ptr<TcpConnection> connection)
      : connection_(std::move(connection)) {}

  std::unique_ptr<Pollable> subscribe() override {
    return make_pollable([fd = connection_->fd()] { return Readiness::on_fd(fd->get(), POLLIN); });
  }

 protected:
  StreamResult<std::vector<uint8_t>> read_available(size_t len) override {
    static constexpr size_t kReadChunk = 64 * 1024;
    std::vector<uint8_t> buffer(std::min(len, kReadChunk));
    for (;;) {
      ssize_t n = ::recv(connection_->fd()->get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (n > 0) {
        count(connection_->flow(), &egress::FlowCounters::bytes_in, static_cast<uint64_t>(n));
        buffer.resize(static_cast<size_t>(n));
        return Ok(std::move(buffer));
      }
      if (n == 0) return Err(StreamError::closed());
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Ok(std::vector<uint8_t>{});
      return Err(StreamError::from_errno(errno, "receive from TCP socket"));
    }
  }

 private:
  std::shared_ptr<TcpConnection> connection_;
};

class TcpOutputStream final : public OutputStream {
 public:
  // Permit handed out by check-write while nothing is buffered: at most this much can wait in
  // the host per connection.
  static constexpr uint64_t kWriteBudget = 64 * 1024;

  explicit TcpOutputStream(std::shared_ptr<TcpConnection> connection)
      : connection_(std::move(connection)),
        buffer_(connection_->send_buffer()) {}

  // Dropping the stream without a flush may lose what is still buffered (as WASI allows); a last
  // non-blocking attempt keeps the common case of a full kernel buffer from losing data needlessly.
  ~TcpOutputStream() override { buffer_->flush(); }

  std::unique_ptr<Pollable> subscribe() override {
    return make_pollable([buffer = buffer_] {
      buffer->flush();
      if (buffer->error() != 0 || buffer->empty()) return Readiness::immediately();
      return Readiness::on_fd(buffer->fd(), POLLOUT);
    });
  }

 protected:
  // The permit never exceeds what the byte quotas still allow: a quota used up fails the
  // stream here, before any byte of the next write reaches the host.
  StreamResult<uint64_t> writable_bytes() override {
    buffer_->flush();
    if (StreamResult<Unit> failed = failure(); !failed.is_ok()) return Err(failed.err_value());
    if (!buffer_->empty()) return Ok(uint64_t{0});
    const uint64_t allowance = send_allowance();
    if (allowance == 0) return Err(quota_refused());
    return Ok(std::min(kWriteBudget, allowance));
  }

  StreamResult<Unit> write_bytes(std::span<const uint8_t> bytes) override {
    // Another stream of this sandbox may have used the quota since check-write: check again.
    if (bytes.size() > send_allowance()) return Err(quota_refused());
    if (egress::FlowCounters* flow = connection_->flow()) flow->charge(bytes.size());
    buffer_->write(bytes);
    return failure();
  }

  StreamResult<Unit> start_flush() override {
    buffer_->flush();
    return failure();
  }

  // Flushed once the kernel has taken every byte, whatever the quota says about the next ones.
  StreamResult<bool> flushed() override {
    buffer_->flush();
    if (StreamResult<Unit> failed = failure(); !failed.is_ok()) return Err(failed.err_value());
    return Ok(buffer_->empty());
  }

 private:
  StreamResult<Unit> failure() const {
    int error_number = buffer_->error();
    if (error_number == 0) return Ok();
    // The peer is gone (or we shut down sending): the stream has ended.
    if (error_number == EPIPE) return Err(StreamError::closed());
    return Err(StreamError::from_errno(error_number, "send on TCP socket"));
  }

  uint64_t send_allowance() const {
    egress::FlowCounters* flow = connection_->flow();
    return flow ? flow->send_allowance() : egress::ByteQuota::kUnlimited;
  }

  StreamError quota_refused() const {
    egress::Verdict verdict = connection_->egress()->quota_refused(connection_->flow());
    return StreamError::failed(EACCES, "egress denied by " + std::string(verdict.rule) + " (" +
                                           egress::to_string(verdict.reason) + ")");
  }

  std::shared_ptr<TcpConnection> connection_;
  std::shared_ptr<SendBuffer> buffer_;
};

// Readiness of `fd` for `events` right now, without waiting.
bool fd_ready_now(int fd, short events) {
  pollfd p{fd, events, 0};
  for (;;) {
    int n = ::poll(&p, 1, 0);
    if (n >= 0) return n > 0;
    if (errno != EINTR) return true;  // let the next call report the error
  }
}

constexpr uint64_t kNanosPerSecond = 1'000'000'000;

// TCP keep-alive times are whole seconds in the kernel: round up, clamp to what it accepts.
int keep_alive_seconds(uint64_t ns) {
  uint64_t seconds = (ns + kNanosPerSecond - 1) / kNanosPerSecond;
  return static_cast<int>(std::clamp<uint64_t>(seconds, 1, 32767));
}

}  // namespace

// ---- tcp-socket ---------------------------------------------------------------------------------

SocketResult<std::unique_ptr<TcpSocket>> TcpSocket::create(IpAddressFamily family,
                                                           egress::Egress* egress) {
  SocketResult<std::shared_ptr<HostFd>> fd = open_socket(family, SOCK_STREAM);
  if (!fd.is_ok()) return Err(fd.err_value());
  return Ok(std::unique_ptr<TcpSocket>(new TcpSocket(fd.ok_value(), family, egress)));
}

TcpSocket::~TcpSocket() = default;

SocketResult<Unit> TcpSocket::start_bind(const IpSocketAddress& local) {
  if (state_ != State::kUnbound) return Err(SocketErrorCode::kInvalidState);
  if (auto invalid = check_local(local, family_)) return Err(*invalid);
  // As on other WASI hosts: a listener can be restarted on its port while old connections linger
  // in TIME_WAIT (Linux still refuses two live listeners on one port).
  if (auto set = set_int_option(fd_->get(), SOL_SOCKET, SO_REUSEADDR, 1); !set.is_ok()) return set;
  OsSocketAddress address = to_os(local);
  if (::bind(fd_->get(), address.get(), address.length) != 0)
    return Err(socket_error_from_errno(errno));
  state_ = State::kBindStarted;
  return Ok();
}

SocketResult<Unit> TcpSocket::finish_bind() {
  if (state_ != State::kBindStarted) return Err(SocketErrorCode::kNotInProgress);
  state_ = State::kBound;
  return Ok();
}

SocketResult<Unit> TcpSocket::start_connect(const IpSocketAddress& remote) {
  if (state_ != State::kUnbound && state_ != State::kBound)
    return Err(SocketErrorCode::kInvalidState);
  // The egress point: nothing reaches the OS unless policy allows it.
  if (egress_ == nullptr) return Err(SocketErrorCode::kAccessDenied);
  egress::Destination destination;
  destination.transport = egress::Transport::kTcp;
  destination.ip = to_egress(remote);
  destination.port = port_of(remote);
  if (auto invalid = check_remote(remote, family_, false)) {
    egress::Verdict verdict = egress_->decide_malformed(destination);
    return Err(verdict.allowed ? *invalid : socket_error_for_denial(verdict));
  }
  egress::FlowCounters* flow = nullptr;
  egress::Verdict verdict = egress_->decide_connect(destination, &flow);
  if (!verdict.allowed) return Err(socket_error_for_denial(verdict));

  connection_ = std::make_shared<TcpConnection>(fd_, egress_, flow);
  OsSocketAddress address = to_os(remote);
  int result;
  do {
    result = ::connect(fd_->get(), address.get(), address.length);
  } while (result != 0 && errno == EINTR);
  if (result != 0 && errno != EINPROGRESS) {
    int error_number = errno;
    connection_->failed(error_number);
    connection_.reset();
    state_ = State::kClosed;
    return Err(socket_error_from_errno(error_number));
  }
  state_ = State::kConnectStarted;
  return Ok();
}

TcpSocket::Streams TcpSocket::make_streams() {
  return {std::make_unique<TcpInputStream>(connection_),
          std::make_unique<TcpOutputStream>(connection_)};
}

SocketResult<TcpSocket::Streams> TcpSocket::finish_connect() {
  if (state_ != State::kConnectStarted) return Err(SocketErrorCode::kNotInProgress);
  if (!fd_ready_now(fd_->get(), POLLOUT)) return Err(SocketErrorCode::kWouldBlock);
  SocketResult<int> error_number = int_option(fd_->get(), SOL_SOCKET, SO_ERROR);
  int failure = error_number.is_ok() ? error_number.ok_value() : EIO;
  if (failure != 0) {
    connection_->failed(failure);
    connection_.reset();
    state_ = State::kClosed;
    return Err(socket_error_from_errno(failure));
  }
  connection_->established();
  state_ = State::kConnected;
  return Ok(make_streams());
}

SocketResult<Unit> TcpSocket::start_listen() {
  if (state_ != State::kBound) return Err(SocketErrorCode::kInvalidState);
  SocketResult<IpSocketAddress> local = local_address_of(fd_->get());
  if (!local.is_ok()) return Err(local.err_value());
  if (egress_ == nullptr) return Err(SocketErrorCode::kAccessDenied);
  egress::Verdict verdict = egress_->decide_listen(
      egress::Transport::kTcp, to_egress(local.ok_value()), port_of(local.ok_value()));
  if (!verdict.allowed) return Err(socket_error_for_denial(verdict));
  if (::listen(fd_->get(), static_cast<int>(listen_backlog_)) != 0)
    return Err(socket_error_from_errno(errno));
  state_ = State::kListenStarted;
  return Ok();
}

SocketResult<Unit> TcpSocket::finish_listen() {
  if (state_ != State::kListenStarted) return Err(SocketErrorCode::kNotInProgress);
  state_ = State::kListening;
  return Ok();
}

SocketResult<TcpSocket::Accepted> TcpSocket::accept() {
  if (state_ != State::kListening) return Err(SocketErrorCode::kInvalidState);
  int fd;
  do {
    fd = ::accept4(fd_->get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return Err(socket_error_from_errno(errno));
  std::unique_ptr<TcpSocket> client(new TcpSocket(HostFd::adopt(fd), family_, egress_));
  // Inbound traffic is metered too (and its replies count against the byte quotas): the flow
  // is keyed by the peer's address and the local port it reached.
  egress::FlowCounters* flow = nullptr;
  SocketResult<IpSocketAddress> peer = remote_address_of(fd);
  SocketResult<IpSocketAddress> local = local_address_of(fd);
  if (egress_ != nullptr && peer.is_ok() && local.is_ok()) {
    flow = egress_->accepted(egress::Transport::kTcp, to_egress(peer.ok_value()),
                             port_of(local.ok_value()));
  }
  client->connection_ = std::make_shared<TcpConnection>(client->fd_, egress_, flow);
  client->connection_->mark_accepted();
  client->state_ = State::kConnected;
  auto [input, output] = client->make_streams();
  return Ok(Accepted{std::move(client), std::move(input), std::move(output)});
}

SocketResult<IpSocketAddress> TcpSocket::local_address() const {
  if (state_ == State::kUnbound || state_ == State::kClosed)
    return Err(SocketErrorCode::kInvalidState);
  return local_address_of(fd_->get());
}

SocketResult<IpSocketAddress> TcpSocket::remote_address() const {
  if (state_ != State::kConnected) return Err(SocketErrorCode::kInvalidState);
  return remote_address_of(fd_->get());
}

SocketResult<Unit> TcpSocket::set_listen_backlog_size(uint64_t value) {
  if (value == 0) return Err(SocketErrorCode::kInvalidArgument);
  if (state_ == State::kConnectStarted || state_ == State::kConnected)
    return Err(SocketErrorCode::kInvalidState);
  listen_backlog_ = static_cast<uint32_t>(std::min<uint64_t>(value, INT_MAX));
  // A listening socket takes the new size at once (listen(2) again updates the backlog).
  if (state_ == State::kListening && ::listen(fd_->get(), static_cast<int>(listen_backlog_)) != 0)
    return Err(socket_error_from_errno(errno));
  return Ok();
}

SocketResult<bool> TcpSocket::keep_alive_enabled() const {
  SocketResult<int> value = int_option(fd_->get(), SOL_SOCKET, SO_KEEPALIVE);
  if (!value.is_ok()) return Err(value.err_value());
  return Ok(value.ok_value() != 0);
}

SocketResult<Unit> TcpSocket::set_keep_alive_enabled(bool value) {
  return set_int_option(fd_->get(), SOL_SOCKET, SO_KEEPALIVE, value ? 1 : 0);
}

SocketResult<uint64_t> TcpSocket::keep_alive_idle_time() const {
  SocketResult<int> value = int_option(fd_->get(), IPPROTO_TCP, TCP_KEEPIDLE);
  if (!value.is_ok()) return Err(value.err_value());
  return Ok(static_cast<uint64_t>(value.ok_value()) * kNanosPerSecond);
}

SocketResult<Unit> TcpSocket::set_keep_alive_idle_time(uint64_t ns) {
  if (ns == 0) return Err(SocketErrorCode::kInvalidArgument);
  return set_int_option(fd_->get(), IPPROTO_TCP, TCP_KEEPIDLE, keep_alive_seconds(ns));
}

SocketResult<uint64_t> TcpSocket::keep_alive_interval() const {
  SocketResult<int> value = int_option(fd_->get(), IPPROTO_TCP, TCP_KEEPINTVL);
  if (!value.is_ok()) return Err(value.err_value());
  return Ok(static_cast<uint64_t>(value.ok_value()) * kNanosPerSecond);
}

SocketResult<Unit> TcpSocket::set_keep_alive_interval(uint64_t ns) {
  if (ns == 0) return Err(SocketErrorCode::kInvalidArgument);
  return set_int_option(fd_->get(), IPPROTO_TCP, TCP_KEEPINTVL, keep_alive_seconds(ns));
}

SocketResult<uint32_t> TcpSocket::keep_alive_count() const {
  SocketResult<int> value = int_option(fd_->get(), IPPROTO_TCP, TCP_KEEPCNT);
  if (!value.is_ok()) return Err(value.err_value());
  return Ok(static_cast<uint32_t>(value.ok_value()));
}

SocketResult<Unit> TcpSocket::set_keep_alive_count(uint32_t value) {
  if (value == 0) return Err(SocketErrorCode::kInvalidArgument);
  return set_int_option(fd_->get(), IPPROTO_TCP, TCP_KEEPCNT,
                        static_cast<int>(std::min<uint32_t>(value, 127)));
}

SocketResult<uint8_t> TcpSocket::hop_limit() const { return wasi::hop_limit(fd_->get(), family_); }

SocketResult<Unit> TcpSocket::set_hop_limit(uint8_t value) {
  return wasi::set_hop_limit(fd_->get(), family_, value);
}

SocketResult<uint64_t> TcpSocket::receive_buffer_size() const {
  return buffer_size(fd_->get(), SO_RCVBUF);
}

SocketResult<Unit> TcpSocket::set_receive_buffer_size(uint64_t value) {
  return set_buffer_size(fd_->get(), SO_RCVBUF, value);
}

SocketResult<uint64_t> TcpSocket::send_buffer_size() const {
  return buffer_size(fd_->get(), SO_SNDBUF);
}

SocketResult<Unit> TcpSocket::set_send_buffer_size(uint64_t value) {
  return set_buffer_size(fd_->get(), SO_SNDBUF, value);
}

std::unique_ptr<Pollable> TcpSocket::subscribe() {
  switch (state_) {
    case State::kConnectStarted:
      return make_pollable([fd = fd_] { return Readiness::on_fd(fd->get(), POLLOUT); });
    case State::kListening:
      return make_pollable([fd = fd_] { return Readiness::on_fd(fd->get(), POLLIN); });
    default:
      return make_pollable([] { return Readiness::immediately(); });
  }
}

SocketResult<Unit> TcpSocket::shutdown(ShutdownType how) {
  if (state_ != State::kConnected) return Err(SocketErrorCode::kInvalidState);
  if (how != ShutdownType::kSend && ::shutdown(fd_->get(), SHUT_RD) != 0)
    return Err(socket_error_from_errno(errno));
  if (how != ShutdownType::kReceive) connection_->send_buffer()->shutdown_when_flushed();
  return Ok();
}

}  // namespace sluice::wasi
