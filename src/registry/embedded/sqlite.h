#pragma once
// A small RAII layer over the SQLite C API for the embedded registry (private to registry/):
// a connection, prepared statements with positional binding, and an IMMEDIATE transaction
// that rolls back unless committed. SQLite's result codes are sorted into the project's here:
// BUSY/LOCKED → kUnavailable (retriable), CORRUPT/NOTADB → kCorruption, the I/O family →
// kIoError, the rest kInternal.
#include <sqlite3.h>

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace covidflow::registry::embedded {

Status SqliteError(sqlite3* db, int rc, std::string_view what);

// One prepared statement; move-only, finalized on destruction. Used by one thread at a time.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds the arguments to ?1, ?2, ... (text, integers or doubles; NaN is stored as NULL).
  template <typename... Args>
  Statement& Bind(const Args&... args) {
    int i = 0;
    (BindOne(++i, args), ...);
    return *this;
  }
  // True when a row is ready, false when the statement is done.
  Result<bool> Step();
  // Steps to the end (INSERT, UPDATE, DELETE).
  Status Run();

  std::string Text(int col) const;
  int64_t Int(int col) const;
  double Real(int col) const;  // NULL reads as NaN

 private:
  void BindOne(int i, std::string_view v);
  void BindOne(int i, const std::string& v) { BindOne(i, std::string_view(v)); }
  void BindOne(int i, const char* v) { BindOne(i, std::string_view(v)); }
  template <std::integral T>
  void BindOne(int i, T v) {
    BindInt(i, static_cast<int64_t>(v));
  }
  void BindInt(int i, int64_t v);
  void BindOne(int i, double v);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

// One connection. Not thread-safe: the owner serialises calls.
class Database {
 public:
  // Opens (creating) `path` read-write, sets the busy timeout, WAL, synchronous=FULL and
  // foreign keys.
  static Result<std::unique_ptr<Database>> Open(const std::string& path, int busy_timeout_ms);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Result<Statement> Prepare(std::string_view sql);
  // Runs one or more statements without results.
  Status Exec(const std::string& sql);

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// BEGIN IMMEDIATE (the write lock is taken now, so a later write cannot fail on upgrade);
// rolls back on destruction unless Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);
  Transaction(Transaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace covidflow::registry::embedded
