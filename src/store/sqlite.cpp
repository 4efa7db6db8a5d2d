#include "store/sqlite.h"

#include <sqlite3.h>

#include <fmt/format.h>

namespace syncmon::store {

Database::Database(const std::string& path, bool create) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(rc, fmt::format("cannot open {}: {}", path, message));
  }
  sqlite3_extended_result_codes(db_, 0);
  // Writers are only ever this process; a busy database means something else holds the file.
  sqlite3_busy_timeout(db_, 5000);
}

Database::~Database() { sqlite3_close(db_); }

void Database::fail(int code, std::string_view doing) {
  throw SqliteError(code, fmt::format("{}: {}", doing, sqlite3_errmsg(db_)));
}

void Database::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    const std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw SqliteError(rc, fmt::format("{}: {}", text.substr(0, 40), detail));
  }
}

Statement::Statement(Database& db, std::string_view sql) : db_(db) {
  const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &statement_, nullptr);
  if (rc != SQLITE_OK) {
    db.fail(rc, "prepare");
  }
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(statement_, index, value);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(statement_, index, value);
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view value) {
  sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view value) {
  sqlite3_bind_blob(statement_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  sqlite3_reset(statement_);
  db_.fail(rc, "step");
}

void Statement::run() {
  try {
    step();
  } catch (...) {
    reset();
    throw;
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

std::int64_t Statement::column_int64(int index) { return sqlite3_column_int64(statement_, index); }

double Statement::column_double(int index) { return sqlite3_column_double(statement_, index); }

std::string_view Statement::column_blob(int index) {
  const void* data = sqlite3_column_blob(statement_, index);
  return {static_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(statement_, index))};
}

std::string_view Statement::column_text(int index) {
  const unsigned char* data = sqlite3_column_text(statement_, index);
  return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(statement_, index))};
}

}  // namespace syncmon::store
