#pragma once
// POST /bench/sink: reads the body (the session already has) and answers 200 without doing
// anything with it: the server's own ceiling for a body of that size. Compiled into benchmark
// builds only (scripts/build.sh bench, -DSYNCMON_BENCH_SINK=ON), never into the package.

#include "server/router.h"

namespace syncmon::api {

void register_bench_sink_route(server::Router& router);

}  // namespace syncmon::api
