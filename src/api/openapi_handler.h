#pragma once
// GET /api/v1/openapi.json: docs/openapi.json, compiled into the binary so that the document
// served is the one the tests checked against the router.

#include <string_view>

#include "api/service.h"
#include "server/router.h"

namespace syncmon::api {

std::string_view openapi_document();
void register_openapi_route(server::Router& router, Service& service);

}  // namespace syncmon::api
