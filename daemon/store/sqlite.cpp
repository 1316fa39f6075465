#include "daemon/store/sqlite.hpp"

namespace wssd::sqlite {

proto::failure failure(sqlite3* db, const std::string& what) {
  return {what + ": " + (db ? sqlite3_errmsg(db) : "out of memory") + " (" +
          std::to_string(db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM) + ")"};
}

std::optional<proto::failure> exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK) return std::nullopt;
  return failure(db, sql);
}

proto::parsed<statement> statement::prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &s, nullptr) != SQLITE_OK) {
    return failure(db, "prepare " + std::string(sql));
  }
  return statement(s);
}

statement& statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}

statement& statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

statement& statement::bind_null(int index) {
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

statement& statement::bind_column(int index, const statement& row, int column) {
  sqlite3_bind_value(stmt_.get(), index, sqlite3_column_value(row.stmt_.get(), column));
  return *this;
}

int statement::step() {
  const int r = sqlite3_step(stmt_.get());
  if (r != SQLITE_ROW) reset();
  return r;
}

std::optional<proto::failure> statement::run(const char* what) {
  int r = SQLITE_ROW;
  while (r == SQLITE_ROW) r = step();
  if (r == SQLITE_DONE) return std::nullopt;
  return failure(db(), what);
}

void statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::string statement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)))
           : std::string();
}

}  // namespace wssd::sqlite
