// RAII for SQLite handles and prepared statements, with errors as values: the durable store's
// only way to the database.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "proto/jsonrpc.hpp"

namespace wssd::sqlite {

struct db_closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;

// "what: SQLite's message (its code)".
proto::failure failure(sqlite3* db, const std::string& what);

// Runs SQL that returns no rows (a PRAGMA, a DDL, BEGIN/COMMIT).
std::optional<proto::failure> exec(sqlite3* db, const char* sql);

class statement {
 public:
  statement() = default;
  static proto::parsed<statement> prepare(sqlite3* db, std::string_view sql);

  statement& bind(int index, std::int64_t value);
  statement& bind(int index, std::string_view text);
  statement& bind_null(int index);
  // Binds what column `column` of `row` holds, whatever its type.
  statement& bind_column(int index, const statement& row, int column);
  int columns() const { return sqlite3_column_count(stmt_.get()); }
  // SQLITE_ROW or SQLITE_DONE, or an error code (the statement is reset after DONE or an error).
  int step();
  // step() to the end, for statements that return no rows; the error if any.
  std::optional<proto::failure> run(const char* what);
  void reset();

  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_.get(), column); }
  std::string text(int column) const;
  bool is_null(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }
  sqlite3* db() const { return sqlite3_db_handle(stmt_.get()); }

 private:
  struct finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  explicit statement(sqlite3_stmt* s) : stmt_(s) {}
  std::unique_ptr<sqlite3_stmt, finalizer> stmt_;
};

}  // namespace wssd::sqlite
