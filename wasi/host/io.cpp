// wasi:io/error, wasi:io/poll and wasi:io/streams: adapters from the guest's handles to the
// domain objects of wasi/io (IoError, Pollable, InputStream, OutputStream).
#include <string>
#include <variant>
#include <vector>

#include "component/guest_error.h"
#include "wasi/host/host_interfaces.h"
#include "wasi/io/io_error.h"
#include "wasi/io/pollable.h"
#include "wasi/io/streams.h"

namespace sluice::wasi {
namespace {

using component::Borrow;
using component::CallContext;
using component::Err;
using component::GuestBytes;
using component::Ok;
using component::Own;
using component::Result;
using component::Unit;

// variant stream-error { last-operation-failed(error), closed }
using WitStreamError = std::variant<Own<IoError>, Unit>;

template <typename T>
Result<T, WitStreamError> to_wit(StreamResult<T> result) {
  if (result.is_ok()) return Ok(std::move(std::get<0>(result.value)));
  const StreamError& error = result.err_value();
  if (error.is_closed()) return Err(WitStreamError(std::in_place_index<1>));
  return Err(WitStreamError(std::in_place_index<0>, Own<IoError>(std::make_unique<IoError>(
                                                        error.error_number(), error.message()))));
}

// ---- wasi:io/error ----

std::string error_to_debug_string(CallContext&, Borrow<IoError> self) { return self->message(); }

// ---- wasi:io/poll ----

bool pollable_ready(CallContext&, Borrow<Pollable> self) { return self->ready(); }

void pollable_block(CallContext&, Borrow<Pollable> self) { self->block(); }

std::vector<uint32_t> poll(CallContext&, std::vector<Borrow<Pollable>> in) {
  if (in.empty()) throw component::GuestTrap("wasi:io/poll.poll called with no pollables");
  std::vector<Pollable*> pollables;
  pollables.reserve(in.size());
  for (const Borrow<Pollable>& p : in) pollables.push_back(p.object);
  return poll_ready(pollables, true);
}

// ---- wasi:io/streams: input-stream ----

Result<std::vector<uint8_t>, WitStreamError> input_stream_read(CallContext&,
                                                               Borrow<InputStream> self,
                                                               uint64_t len) {
  return to_wit(self->read(len));
}

Result<std::vector<uint8_t>, WitStreamError> input_stream_blocking_read(CallContext&,
                                                                        Borrow<InputStream> self,
                                                                        uint64_t len) {
  return to_wit(self->blocking_read(len));
}

Result<uint64_t, WitStreamError> input_stream_skip(CallContext&, Borrow<InputStream> self,
                                                   uint64_t len) {
  return to_wit(self->skip(len));
}

Result<uint64_t, WitStreamError> input_stream_blocking_skip(CallContext&, Borrow<InputStream> self,
                                                            uint64_t len) {
  return to_wit(self->blocking_skip(len));
}

Own<Pollable> input_stream_subscribe(CallContext&, Borrow<InputStream> self) {
  return Own<Pollable>(self->subscribe());
}

// ---- wasi:io/streams: output-stream ----

Result<uint64_t, WitStreamError> output_stream_check_write(CallContext&,
                                                           Borrow<OutputStream> self) {
  return to_wit(self->check_write());
}

Result<Unit, WitStreamError> output_stream_write(CallContext&, Borrow<OutputStream> self,
                                                 GuestBytes contents) {
  return to_wit(self->write(contents));
}

Result<Unit, WitStreamError> output_stream_blocking_write_and_flush(CallContext&,
                                                                    Borrow<OutputStream> self,
                                                                    GuestBytes contents) {
  return to_wit(self->blocking_write_and_flush(contents));
}

Result<Unit, WitStreamError> output_stream_flush(CallContext&, Borrow<OutputStream> self) {
  return to_wit(self->flush());
}

Result<Unit, WitStreamError> output_stream_blocking_flush(CallContext&, Borrow<OutputStream> self) {
  return to_wit(self->blocking_flush());
}

Own<Pollable> output_stream_subscribe(CallContext&, Borrow<OutputStream> self) {
  return Own<Pollable>(self->subscribe());
}

Result<Unit, WitStreamError> output_stream_write_zeroes(CallContext&, Borrow<OutputStream> self,
                                                        uint64_t len) {
  return to_wit(self->write_zeroes(len));
}

Result<Unit, WitStreamError> output_stream_blocking_write_zeroes_and_flush(
    CallContext&, Borrow<OutputStream> self, uint64_t len) {
  return to_wit(self->blocking_write_zeroes_and_flush(len));
}

Result<uint64_t, WitStreamError> output_stream_splice(CallContext&, Borrow<OutputStream> self,
                                                      Borrow<InputStream> src, uint64_t len) {
  return to_wit(self->splice(*src, len));
}

Result<uint64_t, WitStreamError> output_stream_blocking_splice(CallContext&,
                                                               Borrow<OutputStream> self,
                                                               Borrow<InputStream> src,
                                                               uint64_t len) {
  return to_wit(self->blocking_splice(*src, len));
}

}  // namespace

void add_io_to(component::HostInterfaces& host) {
  constexpr std::string_view kError = "wasi:io/error@0.2";
  host.define_resource<IoError>(kError, "error");
  host.define<&error_to_debug_string>(kError, "[method]error.to-debug-string");

  constexpr std::string_view kPoll = "wasi:io/poll@0.2";
  host.define_resource<Pollable>(kPoll, "pollable");
  host.define<&pollable_ready>(kPoll, "[method]pollable.ready");
  host.define<&pollable_block>(kPoll, "[method]pollable.block");
  host.define<&poll>(kPoll, "poll");

  constexpr std::string_view kStreams = "wasi:io/streams@0.2";
  host.define_resource<InputStream>(kStreams, "input-stream");
  host.define_resource<OutputStream>(kStreams, "output-stream");
  host.define<&input_stream_read>(kStreams, "[method]input-stream.read");
  host.define<&input_stream_blocking_read>(kStreams, "[method]input-stream.blocking-read");
  host.define<&input_stream_skip>(kStreams, "[method]input-stream.skip");
  host.define<&input_stream_blocking_skip>(kStreams, "[method]input-stream.blocking-skip");
  host.define<&input_stream_subscribe>(kStreams, "[method]input-stream.subscribe");
  host.define<&output_stream_check_write>(kStreams, "[method]output-stream.check-write");
  host.define<&output_stream_write>(kStreams, "[method]output-stream.write");
  host.define<&output_stream_blocking_write_and_flush>(
      kStreams, "[method]output-stream.blocking-write-and-flush");
  host.define<&output_stream_flush>(kStreams, "[method]output-stream.flush");
  host.define<&output_stream_blocking_flush>(kStreams, "[method]output-stream.blocking-flush");
  host.define<&output_stream_subscribe>(kStreams, "[method]output-stream.subscribe");
  host.define<&output_stream_write_zeroes>(kStreams, "[method]output-stream.write-zeroes");
  host.define<&output_stream_blocking_write_zeroes_and_flush>(
      kStreams, "[method]output-stream.blocking-write-zeroes-and-flush");
  host.define<&output_stream_splice>(kStreams, "[method]output-stream.splice");
  host.define<&output_stream_blocking_splice>(kStreams, "[method]output-stream.blocking-splice");
}

}  // namespace sluice::wasi
