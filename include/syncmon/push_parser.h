#pragma once
// The native JSON push (SPEC 3.1) and its two single-entity webhooks, parsed and validated in
// full before anything is applied. Thread-safe: parsing shares no state.

#include <cstddef>
#include <string_view>

#include "syncmon/api_error.h"
#include "syncmon/buckets.h"
#include "syncmon/expected.h"
#include "syncmon/push_batch.h"

namespace syncmon {

struct PushSchema {
  const BucketLayout* provider_response_time = nullptr;
  const BucketLayout* connection_operation_time = nullptr;
  std::size_t max_label_value_length = 256;
};

// POST /api/v1/push
Expected<PushBatch, ApiError> parse_push(std::string_view body, const PushSchema& schema);
// POST /api/v1/providers/{provider}/metrics
Expected<PushBatch, ApiError> parse_provider_webhook(std::string_view body, std::string_view provider,
                                                     const PushSchema& schema);
// POST /api/v1/connections/{connection}/metrics
Expected<PushBatch, ApiError> parse_connection_webhook(std::string_view body,
                                                       std::string_view connection,
                                                       const PushSchema& schema);

}  // namespace syncmon
