// Throughput driver for bench/kafka/kafka_vs_kcat.sh: moves the same records kcat moves,
// through covidflow's Kafka log, and prints "records seconds".
//   kafka_bench_driver produce BOOTSTRAP TOPIC FILE [COMPRESSION]   one record per line
//   kafka_bench_driver consume BOOTSTRAP TOPIC COUNT                 reads COUNT from offset 0
//   kafka_bench_driver create BOOTSTRAP TOPIC PARTITIONS
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "kafka/kafka_log.h"

namespace {

using covidflow::Offset;
using covidflow::PartitionId;
using covidflow::Status;
using covidflow::TopicPartition;
namespace log = covidflow::log;

int Fail(const Status& s) {
  std::cerr << "kafka_bench_driver: " << s.ToString() << "\n";
  return 1;
}

int Produce(log::Log& kafka, const std::string& topic, const std::string& path,
            log::Compression compression) {
  // Streams the file as kcat -l does.
  std::ifstream in(path);
  log::ProducerOptions po;
  po.compression = compression;
  auto producer = kafka.NewProducer(po);
  if (!producer.ok()) return Fail(producer.status());
  const auto start = std::chrono::steady_clock::now();
  size_t count = 0;
  for (std::string line; std::getline(in, line); ++count) {
    log::OutRecord r;
    r.value = line;
    Status s = (*producer)->Send(topic, r);
    if (!s.ok()) return Fail(s);
  }
  Status s = (*producer)->Flush();
  if (!s.ok()) return Fail(s);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%zu %.6f\n", count, seconds);
  return 0;
}

int Consume(log::Log& kafka, const std::string& topic, int64_t count) {
  auto info = kafka.DescribeTopic(topic);
  if (!info.ok()) return Fail(info.status());
  log::ConsumerOptions co;
  co.max_poll_records = 65536;
  auto consumer = kafka.NewConsumer(co);
  if (!consumer.ok()) return Fail(consumer.status());
  std::vector<std::pair<TopicPartition, Offset>> from;
  for (const auto& p : info->partitions) from.push_back({{topic, p.partition}, Offset(0)});
  Status s = (*consumer)->Assign(from);
  if (!s.ok()) return Fail(s);
  const auto start = std::chrono::steady_clock::now();
  int64_t got = 0, bytes = 0, idle = 0;
  while (got < count && idle < 100) {
    auto polled = (*consumer)->Poll(std::chrono::milliseconds(100));
    if (!polled.ok()) return Fail(polled.status());
    idle = polled->empty() ? idle + 1 : 0;
    for (const log::InRecord& r : *polled) bytes += static_cast<int64_t>(r.value.size());
    got += static_cast<int64_t>(polled->size());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%lld %.6f\n", static_cast<long long>(got), seconds);
  std::fprintf(stderr, "consumed %lld bytes of values\n", static_cast<long long>(bytes));
  return got >= count ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: kafka_bench_driver produce BOOTSTRAP TOPIC FILE [COMPRESSION]\n"
                 "       kafka_bench_driver consume BOOTSTRAP TOPIC COUNT\n";
    return 2;
  }
  const std::string mode = argv[1];
  auto kafka = covidflow::kafka::OpenKafkaLog(argv[2], {});
  if (!kafka.ok()) return Fail(kafka.status());
  if (mode == "create") {
    Status s = (*kafka)->CreateTopic(argv[3], std::atoi(argv[4]));
    return s.ok() ? 0 : Fail(s);
  }
  if (mode == "produce") {
    // The codec by librdkafka's name, as kcat takes it.
    const std::string_view codec = argc > 5 ? argv[5] : "none";
    using log::Compression;
    for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                          Compression::kLz4, Compression::kZstd}) {
      if (covidflow::kafka::CodecName(c) == codec) return Produce(**kafka, argv[3], argv[4], c);
    }
    return Fail(Status::InvalidArgument("unknown codec " + std::string(codec)));
  }
  if (mode == "consume") return Consume(**kafka, argv[3], std::atoll(argv[4]));
  std::cerr << "unknown mode " << mode << "\n";
  return 2;
}
