#pragma once
// SPEC 3.5: GET /api/v1/providers/{id}/series and /api/v1/connections/{id}/series. The id must be
// a registered entity the caller may read before anything is sent to the backend.

#include "api/service.h"
#include "server/router.h"

namespace syncmon::api {

void register_series_routes(server::Router& router, Service& service);

}  // namespace syncmon::api
