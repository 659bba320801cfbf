// Fuzzes the demultiplexer and the RTP, RTCP and Dependency Descriptor parsers,
// and checks that what parses re-serializes to something that parses the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "ztm/net/demux.h"
#include "ztm/net/dependency_descriptor.h"
#include "ztm/net/rtcp.h"
#include "ztm/net/rtp.h"

namespace {

using namespace ztm;
using namespace ztm::net;

void check_rtp(ByteView input) {
  auto p = rtp::PacketView::parse(input);
  if (!p) return;
  if (p->header().size() + p->payload().size() + p->padding_size() != input.size()) std::abort();
  // Re-serialize the header (RFC 8285 forms only) and parse it again.
  if (p->extension_profile() && p->extension_profile() != rtp::kOneByteProfile &&
      (*p->extension_profile() & 0xFFF0) != rtp::kTwoByteProfile) {
    return;
  }
  rtp::Header h;
  h.marker = p->marker();
  h.payload_type = p->payload_type();
  h.sequence_number = p->sequence_number();
  h.timestamp = p->timestamp();
  h.ssrc = p->ssrc();
  h.csrcs = p->csrcs();
  h.extensions = p->extensions();
  std::vector<std::uint8_t> buf(2048);
  auto w = rtp::write_header(h, buf);
  if (!w) return;  // e.g. an empty two-byte element cannot be re-sent one-byte
  auto q = rtp::PacketView::parse(*w);
  if (!q || q->ssrc() != p->ssrc() || q->sequence_number() != p->sequence_number() ||
      q->extensions().size() != p->extensions().size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < p->extensions().size(); ++i) {
    if (q->extensions()[i].id != p->extensions()[i].id ||
        !equal(q->extensions()[i].data, p->extensions()[i].data)) {
      std::abort();
    }
  }
}

void check_rtcp(ByteView input) {
  auto c = rtcp::Compound::parse(input);
  if (!c) return;
  std::uint16_t lost[rtcp::kMaxNackItems * 17];
  for (const auto& pkt : c->packets()) {
    if (auto sr = rtcp::parse_sender_report(pkt)) {
      for (std::size_t i = 0; i < sr->report_count; ++i) (void)sr->report_block(i);
    }
    if (auto rr = rtcp::parse_receiver_report(pkt)) {
      for (std::size_t i = 0; i < rr->report_count; ++i) (void)rr->report_block(i);
    }
    if (auto fb = rtcp::parse_feedback(pkt)) {
      if (rtcp::is_nack(pkt)) (void)rtcp::nack_lost(*fb, lost);
      if (rtcp::is_fir(pkt)) {
        for (std::size_t i = 0; i < fb->fci.size() / 8; ++i) (void)rtcp::fir_entry(*fb, i);
      }
    }
    (void)rtcp::parse_remb(pkt);
  }
}

void check_dd(ByteView input) {
  auto d = dd::parse(input);
  if (!d || d->custom_dtis || d->custom_fdiffs || d->custom_chains) return;
  auto bytes = dd::serialize(*d);
  if (!bytes) return;
  auto again = dd::parse(*bytes);
  if (!again || again->frame_number != d->frame_number ||
      again->is_keyframe() != d->is_keyframe() ||
      (d->structure && again->structure->templates.size() != d->structure->templates.size())) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  (void)classify(input);
  check_rtp(input);
  check_rtcp(input);
  check_dd(input);
  return 0;
}
