#pragma once
// The embedded log's producer and consumer, made by FileLog.
#include <memory>

#include "base/status.h"
#include "log/file/file_log.h"
#include "log/log.h"

namespace covidflow::log::file {

// `log` must outlive the producer/consumer (log.h's ownership rule).
std::unique_ptr<Producer> NewFileProducer(FileLog* log, const ProducerOptions& options);
std::unique_ptr<Consumer> NewFileConsumer(FileLog* log, const ConsumerOptions& options);

}  // namespace covidflow::log::file
