#include "http/metrics_handler.h"

#include <string>

namespace covidflow::http {

Handler MetricsHandler(const metrics::Registry& registry) {
  return [&registry](const Request&) -> Result<Response> {
    return Response::Text(200, registry.Exposition(), std::string(metrics::kExpositionContentType));
  };
}

}  // namespace covidflow::http
