#include "services/adapters/hmpps/hmpps_events.h"

#include "services/adapters/hmpps/event_decoder.h"
#include "services/adapters/hmpps/event_encoder.h"

namespace throughcare::adapters {
namespace {

class HmppsEventsAdapter final : public Adapter {
 public:
  FormatInfo Describe() const override {
    return {"hmpps-events", "application/json", "1"};
  }
  Decoded Decode(absl::string_view native) const override { return hmpps::DecodeEvent(native); }
  absl::StatusOr<std::string> Encode(const v1::Delivery& delivery,
                                     const v1::Subject& person) const override {
    return hmpps::EncodeDelivery(delivery, person);
  }
};

}  // namespace

const Adapter& HmppsEvents() {
  static const HmppsEventsAdapter* const adapter = new HmppsEventsAdapter;
  return *adapter;
}

}  // namespace throughcare::adapters
