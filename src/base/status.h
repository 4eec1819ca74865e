#pragma once
// Expected failures are values: Status and Result<T>. Exceptions never cross a module
// boundary; adapters over throwing libraries convert to Status.
//
// The code of an error decides the next step (retry, dead-letter, reject, stop):
//   kInvalidArgument  the caller's input is wrong: reject it, do not retry
//   kNotFound         a named thing does not exist
//   kAlreadyExists    create of something that exists with other settings
//   kCorruption       stored data failed a check (checksum, length, format)
//   kIoError          the operating system refused (disk full, permission): stop
//   kUnavailable      a peer is down or busy: retry with backoff
//   kTimeout          a bounded wait ran out: retry or report
//   kFailedPrecondition  the system is not in a state to do this (e.g. not assigned)
//   kInternal         a bug: report it
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace covidflow {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kCorruption,
  kIoError,
  kUnavailable,
  kTimeout,
  kFailedPrecondition,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Timeout(std::string m) { return {StatusCode::kTimeout, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  // An IoError carrying strerror(errno) and what was being done.
  static Status FromErrno(int err, std::string_view what);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // True when the same call may succeed later (the caller should back off and retry).
  bool retriable() const {
    return code_ == StatusCode::kUnavailable || code_ == StatusCode::kTimeout;
  }
  // "Corruption: segment 00000000.log: bad checksum at byte 4096"
  std::string ToString() const;
  // Prefixes the message with context, keeping the code.
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(v_);
  }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace covidflow

#define CF_CONCAT_INNER(a, b) a##b
#define CF_CONCAT(a, b) CF_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                \
  do {                                       \
    ::covidflow::Status cf_status_ = (expr); \
    if (!cf_status_.ok()) return cf_status_; \
  } while (0)

// ASSIGN_OR_RETURN(auto x, MakeX()); returns the Status when the Result is an error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  CF_ASSIGN_OR_RETURN_IMPL(CF_CONCAT(cf_result_, __LINE__), lhs, expr)
#define CF_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
