#pragma once
// A minimal CSV record reader used by `covidflow sentiment --format csv` until the
// project's schema::CsvSplitter exists. It reads exactly as Python's csv.reader does with
// the default dialect on a file opened with newline="" (the reference the parity test
// uses): RFC 4180 quoting with "" for a quote, CR, LF or CRLF ending a record outside
// quotes and kept inside them, a quote in the middle of an unquoted field taken literally,
// characters after a closing quote appended, an empty line a record with no fields, an
// unterminated quote at the end of the input ending the last field.
#include <istream>
#include <string>
#include <vector>

namespace covidflow::enrich::internal {

class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}

  // Reads the next record into `fields`; false at the end of the input.
  bool Next(std::vector<std::string>& fields);

 private:
  enum class State { kStartRecord, kStartField, kInField, kInQuoted, kQuoteInQuoted, kEatNewline };
  static constexpr int kEndOfLine = -2;

  int Get();   // next byte, or -1 at the end
  int Peek();  // next byte without consuming it, or -1
  // Feeds one byte (or kEndOfLine); true when a record is complete.
  bool Feed(int c, std::vector<std::string>& fields);

  std::istream& in_;
  std::string buffer_;
  size_t pos_ = 0;
  bool eof_ = false;
  State state_ = State::kStartRecord;
  std::string field_;
  bool pending_eol_ = false;  // a line ended: feed kEndOfLine before the next byte
  bool line_open_ = false;    // bytes fed since the last end-of-line
};

}  // namespace covidflow::enrich::internal
