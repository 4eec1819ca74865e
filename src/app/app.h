#pragma once
// The one composition root: the only place that knows every implementation. URIs and
// names from the configuration become objects here (log URI → embedded log or Kafka;
// enricher name → enricher), so every other module talks to interfaces only.
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "config/config.h"
#include "enrich/enricher.h"
#include "log/log.h"
#include "process/processor.h"

namespace covidflow::app {

// file://DIR or kafka://HOST:PORT[,HOST:PORT...].
Result<std::unique_ptr<log::Log>> OpenLog(std::string_view uri, const config::Config& c);

// The effective home directory: --home, else ./covidflow-home.
std::string HomeDir(const config::Config& c);
// log.uri, else file://HOME/log. `override_uri` (produce --to, process --from) wins.
std::string LogUri(const config::Config& c, std::string_view override_uri = {});

log::ProducerOptions ProducerOptionsFrom(const config::Config& c);
Result<process::ProcessorOptions> ProcessorOptionsFrom(const config::Config& c);

// An enricher by name ("none", "vader", ...).
Result<std::unique_ptr<enrich::Enricher>> MakeEnricher(std::string_view name);
// The location normalizer hook for the processor (empty if none is built in).
process::LocationFn MakeLocationFn();

}  // namespace covidflow::app
