#pragma once
// One place that writes diagnostic lines: one line per event on stderr, prefixed with the
// level and the process id ("trace pid=4242 commit p3 next=81920 ..."), so lines from several
// processes appending to one file (the kill -9 tests) can be told apart and grepped by level.
//
// Threads: any thread may log. Each line is formatted into one buffer and written with one
// write(2), so lines from concurrent threads and processes never interleave within a line
// (for lines up to PIPE_BUF on pipes; regular files opened for append keep whole writes).
//
// Errors that a caller handles are Status values, not log lines; this is for traces of what
// the system did (recoveries, commits) and for warnings nobody returns to.
#include <string_view>

namespace covidflow {

enum class LogLevel { kTrace = 0, kDebug, kInfo, kWarning, kError };

// "trace", "debug", "info", "warning", "error": the line prefix.
std::string_view LogLevelName(LogLevel level);

// Lines below the minimum level are dropped. The default is kInfo; `--trace` lowers it to
// kTrace. Setting it is a relaxed atomic store, reading it a relaxed load.
void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();
inline bool LogEnabled(LogLevel level) { return level >= MinLogLevel(); }

// Writes "<level> pid=<pid> <message>\n" when the level is enabled. `message` should not end
// in a newline (one is added).
void LogLine(LogLevel level, std::string_view message);

// printf-style LogLine. The format is checked by the compiler; arguments are evaluated even
// when the level is disabled, so guard costly ones with LogEnabled.
void Logf(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace covidflow
