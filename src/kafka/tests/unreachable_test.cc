// An unreachable broker is a clear kUnavailable after bounded retries, never a silent hang.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kafka/kafka_log.h"

namespace covidflow::kafka {
namespace {

// A local port nobody listens on: bind one, read its number, close it.
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return 1;
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(KafkaUnreachable, OpenFailsWithUnavailableNamingTheAddress) {
  KafkaOptions o;
  o.connect_timeout = std::chrono::milliseconds(1500);
  o.request_timeout = std::chrono::milliseconds(500);
  const std::string address = "127.0.0.1:" + std::to_string(ClosedPort());
  auto log = OpenKafkaLog("kafka://" + address, o);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kUnavailable) << log.status().ToString();
  EXPECT_NE(log.status().message().find(address), std::string::npos) << log.status().ToString();
  EXPECT_NE(log.status().message().find("attempts"), std::string::npos) << log.status().ToString();
}

TEST(KafkaUnreachable, EmptyAddressIsInvalid) {
  EXPECT_EQ(OpenKafkaLog("kafka://", {}).status().code(), StatusCode::kInvalidArgument);
}

TEST(KafkaUnreachable, BadSettingIsInvalidArgument) {
  KafkaOptions o;
  o.extra["no.such.setting"] = "1";
  EXPECT_EQ(OpenKafkaLog("127.0.0.1:9", o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace covidflow::kafka
