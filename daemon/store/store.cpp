#include "daemon/store/store.hpp"

#include <spdlog/spdlog.h>

#include <asio/post.hpp>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "daemon/config/duration.hpp"
#include "proto/identity.hpp"

namespace wssd {

namespace fs = std::filesystem;

namespace {

constexpr const char* file_name = "store.db";
constexpr std::int64_t application_id = 0x77737364;  // "wssd"
constexpr int schema_version = 1;
// When the journal is over a bound it lets go this share of its events at once, so that
// trimming is not a DELETE per event.
constexpr std::size_t trim_share = 100;
constexpr auto age_check_every = std::chrono::minutes(1);

constexpr const char* schema = R"(
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, body TEXT NOT NULL, private_id TEXT NOT NULL,
    accepted_ms INTEGER NOT NULL, ttl_ms INTEGER NOT NULL, sent INTEGER NOT NULL DEFAULT 0,
    msg_id TEXT NOT NULL DEFAULT '');
  CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, type TEXT NOT NULL, peer TEXT NOT NULL, line TEXT NOT NULL,
    at_ms INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS consumers (
    name TEXT PRIMARY KEY, acked INTEGER NOT NULL, auto_ack INTEGER NOT NULL,
    seen_ms INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS submits (
    msg_id TEXT PRIMARY KEY, outcome TEXT NOT NULL, at_ms INTEGER NOT NULL);
)";

std::int64_t to_ms(wall_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

wall_clock::time_point from_ms(std::int64_t ms) {
  return wall_clock::time_point(std::chrono::milliseconds(ms));
}

proto::parsed<sqlite::db_ptr> open_file(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int r = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  sqlite::db_ptr db(raw);
  if (r != SQLITE_OK) return sqlite::failure(db.get(), "cannot open " + path);
  sqlite3_extended_result_codes(db.get(), 1);
  return db;
}

std::optional<std::int64_t> pragma_integer(sqlite3* db, const char* pragma) {
  auto s = sqlite::statement::prepare(db, pragma);
  if (!s || s->step() != SQLITE_ROW) return std::nullopt;
  const auto value = s->integer(0);
  s->reset();
  return value;
}

// Whether `db` is a sound store of ours, or why not.
std::optional<std::string> what_is_wrong(sqlite3* db) {
  const auto id = pragma_integer(db, "PRAGMA application_id");
  if (!id) return std::string("not an SQLite database: ") + sqlite3_errmsg(db);
  const auto version = pragma_integer(db, "PRAGMA user_version");
  if (*id == 0 && version == 0) {
    const auto tables = pragma_integer(db, "SELECT count(*) FROM sqlite_schema");
    if (tables && *tables == 0) return std::nullopt;  // empty: a new store
  }
  if (*id != application_id)
    return "another program's database (application_id " + std::to_string(*id) + ")";
  if (version != schema_version)
    return "schema version " + std::to_string(version.value_or(-1)) + ", not " +
           std::to_string(schema_version);
  auto check = sqlite::statement::prepare(db, "PRAGMA quick_check");
  if (!check) return check.error().what;
  std::string verdict;
  while (check->step() == SQLITE_ROW) verdict += (verdict.empty() ? "" : "; ") + check->text(0);
  if (verdict != "ok")
    return "damaged: " + (verdict.empty() ? std::string(sqlite3_errmsg(db)) : verdict);
  return std::nullopt;
}

// Copies what can still be read of each table of the damaged file into `into`; a table is
// read row by row up to its first unreadable one.
std::string salvage(const std::string& damaged, sqlite3* into) {
  auto from = open_file(damaged, SQLITE_OPEN_READONLY);
  if (!from) return "nothing could be read of it";
  std::string kept;
  for (const std::string table : {"meta", "outbox", "events", "consumers", "submits"}) {
    auto rows = sqlite::statement::prepare(from->get(), "SELECT * FROM " + table);
    if (!rows) continue;
    std::string insert = "INSERT OR REPLACE INTO " + table + " VALUES (";
    for (int i = 0; i < rows->columns(); ++i) insert += i ? ",?" : "?";
    auto put = sqlite::statement::prepare(into, insert + ")");
    if (!put) continue;
    std::size_t count = 0;
    sqlite::exec(into, "BEGIN");
    while (rows->step() == SQLITE_ROW) {
      for (int i = 0; i < rows->columns(); ++i) put->bind_column(i + 1, *rows, i);
      if (put->run("salvage")) break;
      ++count;
    }
    sqlite::exec(into, "COMMIT");
    if (count > 0) kept += (kept.empty() ? "" : ", ") + std::to_string(count) + " " + table;
  }
  return kept.empty() ? "nothing could be read of it" : "kept what could be read: " + kept;
}

std::string timestamp() {
  char text[32];
  const auto now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &tm);
  return text;
}

}  // namespace

proto::parsed<std::unique_ptr<store>> store::open(asio::io_context& io, const std::string& dir,
                                                  const spool_config& c,
                                                  std::vector<std::string>& notes) {
  const auto path = dir + "/" + file_name;
  auto db = open_file(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
  if (!db) return db.error();
  if (auto wrong = what_is_wrong(db->get())) {
    db->reset();
    const auto aside = path + ".damaged-" + timestamp();
    std::error_code ec;
    fs::rename(path, aside, ec);
    if (ec)
      return proto::failure{"store " + path + " is " + *wrong +
                            ", and cannot be moved aside: " + ec.message()};
    for (const char* suffix : {"-wal", "-shm"}) fs::rename(path + suffix, aside + suffix, ec);
    db = open_file(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
    if (!db) return db.error();
    if (auto failed = sqlite::exec(db->get(), schema)) return *failed;
    const auto kept = salvage(aside, db->get());
    notes.push_back("the store " + path + " was " + *wrong + ": moved aside as " + aside + "; " +
                    kept);
  }
  std::unique_ptr<store> s(new store(io, path, c, std::move(*db)));
  if (auto failed = s->prepare()) return *failed;
  return s;
}

store::store(asio::io_context& io, std::string path, const spool_config& c, sqlite::db_ptr db)
    : io_(io),
      path_(std::move(path)),
      config_(c),
      db_(std::move(db)),
      sync_timer_(io),
      age_timer_(io) {}

// What is pending is committed; nobody is told any more (the service is gone by now).
store::~store() {
  *alive_ = false;
  waiting_commit_.clear();
  flush();
}

std::optional<proto::failure> store::prepare() {
  auto* db = db_.get();
  const char* sync =
      config_.sync == spool_sync::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
  // Exclusive: the store is this wssd's alone (the state directory's lock says so), and a
  // connection that holds its lock takes none per transaction and keeps the WAL's index in
  // memory: fewer system calls per commit (docs/benchmarks.md). It must come before WAL.
  for (const char* sql : {"PRAGMA locking_mode=EXCLUSIVE", "PRAGMA journal_mode=WAL", sync,
                          "PRAGMA foreign_keys=OFF"}) {
    if (auto failed = sqlite::exec(db, sql)) return failed;
  }
  if (auto failed = sqlite::exec(db, schema)) return failed;
  const auto setup = "PRAGMA application_id=" + std::to_string(application_id) +
                     "; PRAGMA user_version=" + std::to_string(schema_version);
  if (auto failed = sqlite::exec(db, setup.c_str())) return failed;

  const std::pair<sqlite::statement*, const char*> statements[] = {
      {&insert_event_, "INSERT INTO events (seq, type, peer, line, at_ms) VALUES (?, ?, ?, ?, ?)"},
      {&read_events_,
       "SELECT seq, type, peer, line FROM events WHERE seq >= ? ORDER BY seq LIMIT ?"},
      {&trimmed_events_,
       "SELECT seq, type, peer, length(line) FROM events WHERE seq < ? ORDER BY seq"},
      {&delete_events_, "DELETE FROM events WHERE seq < ?"},
      {&insert_command_,
       "INSERT INTO outbox (kind, body, private_id, accepted_ms, ttl_ms, sent, msg_id) "
       "VALUES (?, ?, ?, ?, ?, 0, ?)"},
      {&command_sent_, "UPDATE outbox SET sent = ? WHERE id = ?"},
      {&delete_command_, "DELETE FROM outbox WHERE id = ?"},
      {&upsert_consumer_,
       "INSERT OR REPLACE INTO consumers (name, acked, auto_ack, seen_ms) VALUES (?, ?, ?, ?)"},
      {&delete_consumer_, "DELETE FROM consumers WHERE name = ?"},
      {&insert_submit_, "INSERT OR REPLACE INTO submits (msg_id, outcome, at_ms) VALUES (?, ?, ?)"},
      {&delete_submits_, "DELETE FROM submits WHERE at_ms < ?"},
      {&set_meta_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"},
  };
  for (const auto& [statement, sql] : statements) {
    auto prepared = sqlite::statement::prepare(db, sql);
    if (!prepared) return prepared.error();
    *statement = std::move(*prepared);
  }
  if (auto failed = load_journal_state()) return failed;
  trim_by_age();
  return std::nullopt;
}

std::optional<proto::failure> store::load_journal_state() {
  auto* db = db_.get();
  auto meta = sqlite::statement::prepare(db, "SELECT key, value FROM meta");
  if (!meta) return meta.error();
  while (meta->step() == SQLITE_ROW) {
    const auto key = meta->text(0);
    if (key == "instance") instance_ = meta->text(1);
    if (key == "last_seq") last_seq_ = std::strtoull(meta->text(1).c_str(), nullptr, 10);
  }
  auto stats = sqlite::statement::prepare(
      db, "SELECT min(seq), max(seq), count(*), coalesce(sum(length(line)), 0) FROM events");
  if (!stats) return stats.error();
  if (stats->step() == SQLITE_ROW) {
    if (!stats->is_null(1)) {
      last_seq_ = std::max<std::uint64_t>(last_seq_, static_cast<std::uint64_t>(stats->integer(1)));
      first_seq_ = static_cast<std::uint64_t>(stats->integer(0));
    } else {
      first_seq_ = last_seq_ + 1;
    }
    journal_count_ = static_cast<std::size_t>(stats->integer(2));
    journal_bytes_ = static_cast<std::uint64_t>(stats->integer(3));
    stats->reset();
  }
  if (instance_.empty()) {
    instance_ = proto::random_token().substr(0, 16);
    touch();
    set_meta_.bind(1, std::string_view("instance")).bind(2, instance_);
    if (auto failed = set_meta_.run("keep the instance")) return failed;
  }
  return std::nullopt;
}

// ---- Group commit ----

void store::touch() {
  if (in_transaction_) return;
  if (auto failed = sqlite::exec(db_.get(), "BEGIN")) {
    note_failure(*failed);
    return;
  }
  in_transaction_ = true;
  asio::post(io_, [this, alive = alive_] {
    if (*alive) commit();
  });
}

// A turn whose writes did not all succeed (a full disk) commits none of them: what it took in
// is refused as a whole, so nothing counts as kept that is not.
void store::commit() {
  if (!in_transaction_) return;
  in_transaction_ = false;
  std::optional<proto::failure> failed = std::exchange(doomed_, std::nullopt);
  if (!failed) failed = commit_statement();
  if (failed) {
    ++failed_commits_;
    sqlite::exec(db_.get(), "ROLLBACK");
    note_failure(*failed);
  } else {
    if (failing_) spdlog::info("store {}: writable again", path_);
    failing_.reset();
    if (config_.sync == spool_sync::batch) arm_sync();
  }
  for (auto& then : std::exchange(waiting_commit_, {})) then(failed);
}

// batch: one fsync for every commit of the interval.
void store::arm_sync() {
  if (unsynced_) return;
  unsynced_ = true;
  sync_timer_.expires_after(to_duration(config_.sync_interval));
  sync_timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (!ec && *alive) sync_now();
  });
}

// In WAL mode a commit with synchronous=FULL syncs the log, and with it every frame the commits
// before it wrote; an empty transaction would not, so it writes the time of the sync.
void store::sync_now() {
  unsynced_ = false;
  if (in_transaction_) commit();
  sqlite::exec(db_.get(), "PRAGMA synchronous=FULL");
  std::optional<proto::failure> failed = sqlite::exec(db_.get(), "BEGIN");
  if (!failed) {
    set_meta_.bind(1, std::string_view("synced_ms"))
        .bind(2, std::to_string(to_ms(wall_clock::now())));
    failed = set_meta_.run("note the sync");
    if (!failed) failed = commit_statement();
    if (failed) sqlite::exec(db_.get(), "ROLLBACK");
  }
  if (failed) note_failure(*failed);
  sqlite::exec(db_.get(), "PRAGMA synchronous=NORMAL");
}

std::optional<proto::failure> store::flush() {
  if (!db_) return failing_;
  if (in_transaction_) commit();
  sync_timer_.cancel();
  if (config_.sync != spool_sync::off && unsynced_) sync_now();
  return failing_;
}

void store::after_commit(std::function<void(std::optional<proto::failure>)> then) {
  if (!in_transaction_) return then(failing_);
  waiting_commit_.push_back(std::move(then));
}

std::optional<proto::failure> store::commit_statement() {
  const auto start = std::chrono::steady_clock::now();
  auto failed = sqlite::exec(db_.get(), "COMMIT");
  commit_latency_.observe(std::chrono::steady_clock::now() - start);
  return failed;
}

store_report store::report() const {
  store_report r;
  for (const auto* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path_ + suffix, ec);
    if (!ec) r.file_bytes += size;
  }
  r.journal_events = journal_count_;
  r.journal_bytes = journal_bytes_;
  r.journalled = journalled_;
  r.failed_commits = failed_commits_;
  r.commit_latency = commit_latency_;
  return r;
}

void store::note_failure(const proto::failure& f) {
  if (!failing_) spdlog::error("store {}: {}", path_, f.what);
  failing_ = f;
  if (in_transaction_ && !doomed_) doomed_ = f;
}

// ---- Journal ----

std::vector<event_ptr> store::append(const event_record& r, wall_clock::time_point at) {
  touch();
  insert_event_.bind(1, static_cast<std::int64_t>(r.seq))
      .bind(2, proto::event_type_names()[static_cast<std::size_t>(__builtin_ctz(r.type))])
      .bind(3, r.peer)
      .bind(4, r.line)
      .bind(5, to_ms(at));
  if (auto failed = insert_event_.run("journal an event")) {
    note_failure(*failed);
    return {};
  }
  if (journal_count_ == 0) first_seq_ = r.seq;
  last_seq_ = r.seq;
  ++journal_count_;
  ++journalled_;
  journal_bytes_ += r.line.size();
  set_meta_.bind(1, std::string_view("last_seq")).bind(2, std::to_string(last_seq_));
  set_meta_.run("keep the last seq");
  if (journal_count_ <= config_.journal_events && journal_bytes_ <= config_.journal_bytes)
    return {};
  const auto share = std::max<std::size_t>(1, journal_count_ / trim_share);
  return trim(first_seq_ + share);
}

std::vector<event_ptr> store::trim(std::uint64_t before) {
  std::vector<event_ptr> gone;
  trimmed_events_.bind(1, static_cast<std::int64_t>(before));
  while (trimmed_events_.step() == SQLITE_ROW) {
    auto r = std::make_shared<event_record>();
    r->seq = static_cast<std::uint64_t>(trimmed_events_.integer(0));
    r->type = proto::type_bit(trimmed_events_.text(1)).value_or(0);
    r->peer = trimmed_events_.text(2);
    r->bytes = static_cast<std::size_t>(trimmed_events_.integer(3));
    journal_bytes_ -= std::min<std::uint64_t>(journal_bytes_, r->bytes);
    gone.push_back(std::move(r));
  }
  if (gone.empty()) return gone;
  touch();
  delete_events_.bind(1, static_cast<std::int64_t>(before));
  if (auto failed = delete_events_.run("trim the journal")) note_failure(*failed);
  journal_count_ -= std::min(journal_count_, gone.size());
  first_seq_ = gone.back()->seq + 1;
  return gone;
}

void store::trim_by_age() {
  auto oldest =
      sqlite::statement::prepare(db_.get(), "SELECT max(seq) FROM events WHERE at_ms < ?");
  if (oldest) {
    oldest->bind(1, to_ms(wall_clock::now() -
                          std::chrono::duration_cast<wall_clock::duration>(config_.journal_age)));
    if (oldest->step() == SQLITE_ROW && !oldest->is_null(0))
      trim(static_cast<std::uint64_t>(oldest->integer(0)) + 1);
    oldest->reset();
  }
  age_timer_.expires_after(age_check_every);
  age_timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (!ec && *alive) trim_by_age();
  });
}

std::vector<event_ptr> store::read(std::uint64_t seq, std::size_t max_events) {
  std::vector<event_ptr> out;
  read_events_.bind(1, static_cast<std::int64_t>(seq))
      .bind(2, static_cast<std::int64_t>(max_events));
  while (read_events_.step() == SQLITE_ROW) {
    auto r = std::make_shared<event_record>();
    r->seq = static_cast<std::uint64_t>(read_events_.integer(0));
    r->type = proto::type_bit(read_events_.text(1)).value_or(0);
    r->peer = read_events_.text(2);
    r->line = read_events_.text(3);
    r->bytes = r->line.size();
    out.push_back(std::move(r));
  }
  return out;
}

// ---- Outbox ----

std::int64_t store::add(const proto::command& c, wall_clock::time_point accepted, seconds ttl,
                        const std::string& msg_id) {
  touch();
  insert_command_.bind(1, static_cast<std::int64_t>(c.kind))
      .bind(2, c.body)
      .bind(3, c.private_id)
      .bind(4, to_ms(accepted))
      .bind(5, static_cast<std::int64_t>(ttl.count() * 1000))
      .bind(6, msg_id);
  if (auto failed = insert_command_.run("spool a command")) {
    note_failure(*failed);
    return 0;
  }
  return sqlite3_last_insert_rowid(db_.get());
}

void store::sent(std::int64_t id, unsigned times) {
  touch();
  command_sent_.bind(1, static_cast<std::int64_t>(times)).bind(2, id);
  if (auto failed = command_sent_.run("count a sending")) note_failure(*failed);
}

void store::remove(std::int64_t id) {
  touch();
  delete_command_.bind(1, id);
  if (auto failed = delete_command_.run("unspool a command")) note_failure(*failed);
}

std::vector<command_spool::row> store::load_commands() {
  std::vector<row> rows;
  auto s = sqlite::statement::prepare(db_.get(),
                                      "SELECT id, kind, body, private_id, accepted_ms, ttl_ms, "
                                      "sent, msg_id FROM outbox ORDER BY id");
  if (!s) return rows;
  while (s->step() == SQLITE_ROW) {
    const auto kind = s->integer(1);
    if (kind < 0 || kind > static_cast<std::int64_t>(proto::command_kind::set_private_id)) continue;
    row r;
    r.id = s->integer(0);
    r.command = {static_cast<proto::command_kind>(kind), s->text(2), s->text(3)};
    r.accepted = from_ms(s->integer(4));
    r.ttl = seconds(static_cast<double>(s->integer(5)) / 1000);
    r.sent = static_cast<unsigned>(s->integer(6));
    r.msg_id = s->text(7);
    rows.push_back(std::move(r));
  }
  return rows;
}

// ---- Consumers and submits ----

void store::save(const consumer_position& c) {
  touch();
  upsert_consumer_.bind(1, c.name)
      .bind(2, static_cast<std::int64_t>(c.acked))
      .bind(3, c.auto_ack ? 1 : 0)
      .bind(4, to_ms(c.seen));
  if (auto failed = upsert_consumer_.run("keep a consumer")) note_failure(*failed);
}

void store::remove(const std::string& name) {
  touch();
  delete_consumer_.bind(1, name);
  if (auto failed = delete_consumer_.run("drop a consumer")) note_failure(*failed);
}

std::vector<consumer_position> store::load_consumers() {
  std::vector<consumer_position> out;
  auto s =
      sqlite::statement::prepare(db_.get(), "SELECT name, acked, auto_ack, seen_ms FROM consumers");
  if (!s) return out;
  while (s->step() == SQLITE_ROW) {
    out.push_back({s->text(0), static_cast<std::uint64_t>(s->integer(1)), s->integer(2) != 0,
                   from_ms(s->integer(3))});
  }
  return out;
}

void store::remember(const submit_outcome& o) {
  touch();
  insert_submit_.bind(1, o.msg_id).bind(2, o.outcome).bind(3, to_ms(o.at));
  if (auto failed = insert_submit_.run("keep a submit's outcome")) note_failure(*failed);
}

void store::forget_before(wall_clock::time_point t) {
  touch();
  delete_submits_.bind(1, to_ms(t));
  if (auto failed = delete_submits_.run("forget old submits")) note_failure(*failed);
}

std::vector<submit_outcome> store::load_submits() {
  std::vector<submit_outcome> out;
  auto s = sqlite::statement::prepare(db_.get(), "SELECT msg_id, outcome, at_ms FROM submits");
  if (!s) return out;
  while (s->step() == SQLITE_ROW) out.push_back({s->text(0), s->text(1), from_ms(s->integer(2))});
  return out;
}

}  // namespace wssd
