// wasi:cli: environment, exit, stdin/stdout/stderr and the terminal interfaces.
#include <unistd.h>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "component/guest_error.h"
#include "wasi/host/host_interfaces.h"
#include "wasi/io/fd_streams.h"
#include "wasi/wasi_ctx.h"

namespace sluice::wasi {
namespace {

using component::CallContext;
using component::Own;
using component::Result;
using component::Unit;

// terminal-input and terminal-output carry nothing yet: WASI 0.2 defines no methods on them.
// Their presence tells the guest that a stdio stream is a terminal.
class TerminalInput final : public component::HostResource {
 public:
  static constexpr std::string_view kWitName = "terminal-input";
};

class TerminalOutput final : public component::HostResource {
 public:
  static constexpr std::string_view kWitName = "terminal-output";
};

// ---- wasi:cli/environment ----

std::vector<std::tuple<std::string, std::string>> get_environment(CallContext& cx) {
  std::vector<std::tuple<std::string, std::string>> out;
  for (const auto& [name, value] : cx.embedder<WasiCtx>().environment()) {
    out.emplace_back(name, value);
  }
  return out;
}

std::vector<std::string> get_arguments(CallContext& cx) {
  return cx.embedder<WasiCtx>().arguments();
}

std::optional<std::string> initial_cwd(CallContext& cx) {
  return cx.embedder<WasiCtx>().initial_cwd();
}

// ---- wasi:cli/exit ----

void exit_guest(CallContext&, Result<Unit, Unit> status) {
  throw component::GuestExit(status.is_ok() ? 0 : 1);
}

void exit_with_code(CallContext&, uint8_t status_code) { throw component::GuestExit(status_code); }

// ---- wasi:cli/stdin, stdout, stderr ----

Own<InputStream> get_stdin(CallContext& cx) {
  return Own<InputStream>(
      std::make_unique<FdInputStream>(cx.embedder<WasiCtx>().stdin_fd(), "stdin"));
}

Own<OutputStream> get_stdout(CallContext& cx) {
  return Own<OutputStream>(
      std::make_unique<FdOutputStream>(cx.embedder<WasiCtx>().stdout_fd(), "stdout"));
}

Own<OutputStream> get_stderr(CallContext& cx) {
  return Own<OutputStream>(
      std::make_unique<FdOutputStream>(cx.embedder<WasiCtx>().stderr_fd(), "stderr"));
}

// ---- wasi:cli/terminal-* ----

template <typename Terminal>
std::optional<Own<Terminal>> terminal_if_tty(const std::shared_ptr<HostFd>& fd) {
  if (!isatty(fd->get())) return std::nullopt;
  return Own<Terminal>(std::make_unique<Terminal>());
}

std::optional<Own<TerminalInput>> get_terminal_stdin(CallContext& cx) {
  return terminal_if_tty<TerminalInput>(cx.embedder<WasiCtx>().stdin_fd());
}

std::optional<Own<TerminalOutput>> get_terminal_stdout(CallContext& cx) {
  return terminal_if_tty<TerminalOutput>(cx.embedder<WasiCtx>().stdout_fd());
}

std::optional<Own<TerminalOutput>> get_terminal_stderr(CallContext& cx) {
  return terminal_if_tty<TerminalOutput>(cx.embedder<WasiCtx>().stderr_fd());
}

}  // namespace

void add_cli_to(component::HostInterfaces& host) {
  constexpr std::string_view kEnvironment = "wasi:cli/environment@0.2";
  host.define<&get_environment>(kEnvironment, "get-environment");
  host.define<&get_arguments>(kEnvironment, "get-arguments");
  host.define<&initial_cwd>(kEnvironment, "initial-cwd");

  constexpr std::string_view kExit = "wasi:cli/exit@0.2";
  host.define<&exit_guest>(kExit, "exit");
  host.define<&exit_with_code>(kExit, "exit-with-code");  // @unstable in 0.2, harmless to offer

  host.define<&get_stdin>("wasi:cli/stdin@0.2", "get-stdin");
  host.define<&get_stdout>("wasi:cli/stdout@0.2", "get-stdout");
  host.define<&get_stderr>("wasi:cli/stderr@0.2", "get-stderr");

  host.define_resource<TerminalInput>("wasi:cli/terminal-input@0.2", "terminal-input");
  host.define_resource<TerminalOutput>("wasi:cli/terminal-output@0.2", "terminal-output");
  host.define<&get_terminal_stdin>("wasi:cli/terminal-stdin@0.2", "get-terminal-stdin");
  host.define<&get_terminal_stdout>("wasi:cli/terminal-stdout@0.2", "get-terminal-stdout");
  host.define<&get_terminal_stderr>("wasi:cli/terminal-stderr@0.2", "get-terminal-stderr");
}

}  // namespace sluice::wasi
