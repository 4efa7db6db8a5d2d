#pragma once
// A thin RAII layer over the SQLite C API: a connection, prepared statements, and errors that
// carry SQLite's code and message.
//
// Thread safety: none; a Database and its statements belong to one thread at a time.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace syncmon::store {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  // SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR, SQLITE_NOTADB, SQLITE_CORRUPT, ...
  int code() const { return code_; }

 private:
  int code_;
};

class Database {
 public:
  // Opens `path` read-write; creates it only with `create`. Throws SqliteError.
  Database(const std::string& path, bool create);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(std::string_view sql);
  sqlite3* handle() { return db_; }
  [[noreturn]] void fail(int code, std::string_view doing);

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind_text(int index, std::string_view value);
  Statement& bind_blob(int index, std::string_view value);
  // Steps once: true while a row is available.
  bool step();
  // Runs a statement that returns no rows, then resets it for the next use.
  void run();
  void reset();

  std::int64_t column_int64(int index);
  double column_double(int index);
  std::string_view column_blob(int index);
  std::string_view column_text(int index);

 private:
  Database& db_;
  sqlite3_stmt* statement_ = nullptr;
};

// Runs `work` inside BEGIN IMMEDIATE ... COMMIT; rolls back when it throws.
template <typename Work>
void in_transaction(Database& db, Work&& work) {
  db.exec("BEGIN IMMEDIATE");
  try {
    work();
    db.exec("COMMIT");
  } catch (...) {
    try {
      db.exec("ROLLBACK");
    } catch (...) {
      // SQLite may already have rolled back (SQLITE_FULL, SQLITE_IOERR); nothing left to undo.
    }
    throw;
  }
}

}  // namespace syncmon::store
