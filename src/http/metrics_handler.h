#pragma once
// GET /metrics: the registry's Prometheus text exposition.
#include "http/message.h"
#include "metrics/registry.h"

namespace covidflow::http {

// A handler answering 200 with registry.Exposition() (Content-Type: text/plain;
// version=0.0.4). The registry must outlive the server that routes to it.
Handler MetricsHandler(const metrics::Registry& registry);

}  // namespace covidflow::http
