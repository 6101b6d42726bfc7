#include "store/census_store.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <system_error>

#include "base/file.h"
#include "base/sqlite.h"

// Schema (version kCensusSchemaVersion):
//
//   meta(key PK, value)             "schema_version" -> "1"
//   images(seq PK AUTOINCREMENT, reference UNIQUE, registry, repository, tag,
//          manifest_digest, platform, error, critical, high, medium, low,
//          negligible, unknown, total, layers_cached, seconds, stored_at)
//          one row per reference; seq grows with every Put, so it is the
//          order images were stored in ("first seen")
//          stored_at: unix seconds with a fraction (when the row was
//          written: per-image progress of a run, for bench/census.sh)
//   image_categories(image, category)       PK (image, category)
//   image_vulns(image, vuln_id, package, severity) PK (image, vuln_id, package),
//          index (vuln_id), severity as a rank: 0 unknown, 1 negligible,
//          2 low, 3 medium, 4 high, 5 critical
//   image_layers(image, position, diff_id)  PK (image, position), index (diff_id)
//
// `image` columns are images.seq. Put deletes the reference's rows in every
// table and inserts the new ones in one transaction.

namespace customs::store {
namespace {

using sqlite::ColumnText;
using sqlite::DbHandle;
using sqlite::StmtHandle;
using sqlite::StmtScope;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS images (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  reference TEXT NOT NULL UNIQUE,
  registry TEXT NOT NULL,
  repository TEXT NOT NULL,
  tag TEXT NOT NULL,
  manifest_digest TEXT NOT NULL,
  platform TEXT NOT NULL,
  error TEXT NOT NULL,
  critical INTEGER NOT NULL,
  high INTEGER NOT NULL,
  medium INTEGER NOT NULL,
  low INTEGER NOT NULL,
  negligible INTEGER NOT NULL,
  unknown INTEGER NOT NULL,
  total INTEGER NOT NULL,
  layers_cached INTEGER NOT NULL,
  seconds REAL NOT NULL,
  stored_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS images_by_registry ON images (registry, error);
CREATE TABLE IF NOT EXISTS image_categories (
  image INTEGER NOT NULL,
  category TEXT NOT NULL,
  PRIMARY KEY (image, category)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS image_vulns (
  image INTEGER NOT NULL,
  vuln_id TEXT NOT NULL,
  package TEXT NOT NULL,
  severity INTEGER NOT NULL,
  PRIMARY KEY (image, vuln_id, package)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS image_vulns_by_id ON image_vulns (vuln_id);
CREATE TABLE IF NOT EXISTS image_layers (
  image INTEGER NOT NULL,
  position INTEGER NOT NULL,
  diff_id TEXT NOT NULL,
  PRIMARY KEY (image, position)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS image_layers_by_diff_id ON image_layers (diff_id);
)sql";

int64_t SeverityRank(model::Severity severity) {
  switch (severity) {
    case model::Severity::kUnknown:
      return 0;
    case model::Severity::kNegligible:
      return 1;
    case model::Severity::kLow:
      return 2;
    case model::Severity::kMedium:
      return 3;
    case model::Severity::kHigh:
      return 4;
    case model::Severity::kCritical:
      return 5;
  }
  return 0;
}

model::Severity SeverityFromRank(int64_t rank) {
  switch (rank) {
    case 1:
      return model::Severity::kNegligible;
    case 2:
      return model::Severity::kLow;
    case 3:
      return model::Severity::kMedium;
    case 4:
      return model::Severity::kHigh;
    case 5:
      return model::Severity::kCritical;
    default:
      return model::Severity::kUnknown;
  }
}

double UnixSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

struct CensusStore::Impl {
  std::string path;
  mutable std::mutex mu;
  // Before the statements: sqlite3_close refuses while they are alive.
  DbHandle db;
  StmtHandle find_seq;
  StmtHandle delete_categories;
  StmtHandle delete_vulns;
  StmtHandle delete_layers;
  StmtHandle delete_image;
  StmtHandle insert_image;
  StmtHandle insert_category;
  StmtHandle insert_vuln;
  StmtHandle insert_layer;
  StmtHandle select_done;
  StmtHandle select_image;
  StmtHandle select_categories;
  StmtHandle select_vulns;
  StmtHandle select_layers;

  Status Exec(const char* sql) const { return sqlite::Exec(db.get(), sql, path); }
  Result<sqlite3_stmt*> Statement(StmtHandle& slot, const char* sql) const {
    return sqlite::Prepare(db.get(), slot, sql, path);
  }
  template <typename... Args>
  Status Bind(sqlite3_stmt* stmt, const Args&... args) const {
    return sqlite::Bind(db.get(), stmt, path, args...);
  }
  Result<bool> Step(sqlite3_stmt* stmt, std::string_view what) const {
    return sqlite::Step(db.get(), stmt, path, what);
  }
  // A one-off statement (the summary queries run once per call).
  Result<StmtHandle> Prepare(const char* sql) const {
    StmtHandle stmt;
    CUSTOMS_TRY(sqlite::Prepare(db.get(), stmt, sql, path));
    return stmt;
  }

  Status PutLocked(const model::CensusImage& image);
  Result<model::CensusSummary> SummarizeLocked(size_t top_n, const CensusScope& scope) const;
};

CensusStore::CensusStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CensusStore::CensusStore(CensusStore&&) noexcept = default;
CensusStore& CensusStore::operator=(CensusStore&&) noexcept = default;
CensusStore::~CensusStore() = default;

const std::string& CensusStore::path() const { return impl_->path; }

std::string CensusStore::DefaultPath() { return UserCacheDir() + "/census.db"; }

Result<CensusStore> CensusStore::Open(const std::string& path) {
  if (path.empty()) return InvalidArgument("census store: empty path");
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec)
      return PermissionDenied("census store " + path + ": cannot create " + parent.string() + ": " +
                              ec.message());
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  sqlite3* raw = nullptr;
  int rc = sqlite::Open(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
  impl->db.reset(raw);
  if (rc != SQLITE_OK) return sqlite::Error(impl->db.get(), rc, path, "opening census store");
  sqlite3* db = impl->db.get();
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kCensusBusyTimeoutMs);
  // WAL: readers (a summary) do not block the census writing, and a commit
  // is one append. synchronous=NORMAL may lose the last images on a power
  // cut, never corrupt the file; a resumed census scans them again.
  CUSTOMS_TRY(impl->Exec("PRAGMA journal_mode = WAL"));
  CUSTOMS_TRY(impl->Exec("PRAGMA synchronous = NORMAL"));
  CUSTOMS_TRY(impl->Exec("PRAGMA temp_store = MEMORY"));
  CUSTOMS_TRY(impl->Exec("BEGIN IMMEDIATE"));
  auto setup = [&]() -> Status {
    CUSTOMS_TRY(impl->Exec(kSchema));
    CUSTOMS_ASSIGN_OR_RETURN(auto select,
                             impl->Prepare("SELECT value FROM meta WHERE key = 'schema_version'"));
    CUSTOMS_ASSIGN_OR_RETURN(bool row, impl->Step(select.get(), "reading schema_version"));
    if (!row) {
      std::string sql = "INSERT INTO meta (key, value) VALUES ('schema_version', '" +
                        std::to_string(kCensusSchemaVersion) + "')";
      return impl->Exec(sql.c_str());
    }
    std::string version(ColumnText(select.get(), 0));
    if (version != std::to_string(kCensusSchemaVersion))
      return InvalidArgument(path + ": census store schema " + version + ", this customs needs " +
                             std::to_string(kCensusSchemaVersion) +
                             ": use another --store or remove the file");
    return Status::Ok();
  };
  Status status = setup();
  if (!status.ok()) {
    (void)impl->Exec("ROLLBACK");
    return status;
  }
  CUSTOMS_TRY(impl->Exec("COMMIT"));
  CUSTOMS_TRY(
      impl->Exec("CREATE TEMP TABLE IF NOT EXISTS scope (image INTEGER PRIMARY KEY NOT NULL)"));
  return CensusStore(std::move(impl));
}

Status CensusStore::Impl::PutLocked(const model::CensusImage& image) {
  // The reference's old rows, in every table.
  {
    CUSTOMS_ASSIGN_OR_RETURN(sqlite3_stmt * find,
                             Statement(find_seq, "SELECT seq FROM images WHERE reference = ?1"));
    std::optional<int64_t> old;
    {
      StmtScope scope(find);
      CUSTOMS_TRY(Bind(find, image.reference));
      CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(find, "reading " + image.reference));
      if (row) old = sqlite3_column_int64(find, 0);
    }
    if (old) {
      for (auto [slot, sql] :
           {std::pair{&delete_categories, "DELETE FROM image_categories WHERE image = ?1"},
            std::pair{&delete_vulns, "DELETE FROM image_vulns WHERE image = ?1"},
            std::pair{&delete_layers, "DELETE FROM image_layers WHERE image = ?1"},
            std::pair{&delete_image, "DELETE FROM images WHERE seq = ?1"}}) {
        CUSTOMS_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Statement(*slot, sql));
        StmtScope scope(stmt);
        CUSTOMS_TRY(Bind(stmt, *old));
        CUSTOMS_TRY(Step(stmt, "deleting the old rows of " + image.reference));
      }
    }
  }
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * insert,
      Statement(insert_image,
                "INSERT INTO images (reference, registry, repository, tag, manifest_digest, "
                "platform, error, critical, high, medium, low, negligible, unknown, total, "
                "layers_cached, seconds, stored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"));
  int64_t seq = 0;
  {
    StmtScope scope(insert);
    const model::SeverityCounts& v = image.vulnerabilities;
    CUSTOMS_TRY(Bind(insert, image.reference, image.registry, image.repository, image.tag,
                     image.manifest_digest, image.platform, image.error, v.critical, v.high,
                     v.medium, v.low, v.negligible, v.unknown, v.total, image.layers_cached,
                     image.seconds, UnixSeconds()));
    CUSTOMS_TRY(Step(insert, "inserting " + image.reference));
    seq = sqlite3_last_insert_rowid(db.get());
  }
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * category,
      Statement(insert_category,
                "INSERT OR IGNORE INTO image_categories (image, category) VALUES (?1, ?2)"));
  for (const std::string& c : image.categories) {
    StmtScope scope(category);
    CUSTOMS_TRY(Bind(category, seq, c));
    CUSTOMS_TRY(Step(category, "inserting a category of " + image.reference));
  }
  // A pair given twice keeps its highest severity.
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * vuln,
      Statement(insert_vuln,
                "INSERT INTO image_vulns (image, vuln_id, package, severity) "
                "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (image, vuln_id, package) "
                "DO UPDATE SET severity = max(severity, excluded.severity)"));
  for (const model::CensusVulnerability& f : image.findings) {
    StmtScope scope(vuln);
    CUSTOMS_TRY(Bind(vuln, seq, f.id, f.package, SeverityRank(f.severity)));
    CUSTOMS_TRY(Step(vuln, "inserting " + f.id + " of " + image.reference));
  }
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * layer,
      Statement(insert_layer,
                "INSERT INTO image_layers (image, position, diff_id) VALUES (?1, ?2, ?3)"));
  for (size_t i = 0; i < image.layers.size(); ++i) {
    StmtScope scope(layer);
    CUSTOMS_TRY(Bind(layer, seq, static_cast<int64_t>(i), image.layers[i]));
    CUSTOMS_TRY(Step(layer, "inserting a layer of " + image.reference));
  }
  return Status::Ok();
}

Status CensusStore::Put(const model::CensusImage& image) {
  if (image.reference.empty()) return InvalidArgument("census store: an image without reference");
  Impl& impl = *impl_;
  std::lock_guard lock(impl.mu);
  CUSTOMS_TRY(impl.Exec("BEGIN IMMEDIATE"));
  Status status = impl.PutLocked(image);
  if (!status.ok()) {
    (void)impl.Exec("ROLLBACK");
    return status;
  }
  return impl.Exec("COMMIT");
}

Result<std::vector<std::string>> CensusStore::Done(const std::string& registry) const {
  Impl& impl = *impl_;
  std::lock_guard lock(impl.mu);
  CUSTOMS_ASSIGN_OR_RETURN(sqlite3_stmt * stmt,
                           impl.Statement(impl.select_done,
                                          "SELECT reference FROM images WHERE error = '' AND "
                                          "(?1 = '' OR registry = ?1) ORDER BY reference"));
  StmtScope scope(stmt);
  CUSTOMS_TRY(impl.Bind(stmt, registry));
  std::vector<std::string> out;
  while (true) {
    CUSTOMS_ASSIGN_OR_RETURN(bool row, impl.Step(stmt, "listing done images"));
    if (!row) break;
    out.emplace_back(ColumnText(stmt, 0));
  }
  return out;
}

Result<std::optional<model::CensusImage>> CensusStore::Find(const std::string& reference) const {
  Impl& impl = *impl_;
  std::lock_guard lock(impl.mu);
  CUSTOMS_TRY(impl.Exec("BEGIN"));
  auto read = [&]() -> Result<std::optional<model::CensusImage>> {
    CUSTOMS_ASSIGN_OR_RETURN(
        sqlite3_stmt * stmt,
        impl.Statement(impl.select_image,
                       "SELECT seq, reference, registry, repository, tag, manifest_digest, "
                       "platform, error, critical, high, medium, low, negligible, unknown, total, "
                       "layers_cached, seconds FROM images WHERE reference = ?1"));
    model::CensusImage image;
    int64_t seq = 0;
    {
      StmtScope scope(stmt);
      CUSTOMS_TRY(impl.Bind(stmt, reference));
      CUSTOMS_ASSIGN_OR_RETURN(bool row, impl.Step(stmt, "reading " + reference));
      if (!row) return std::optional<model::CensusImage>();
      seq = sqlite3_column_int64(stmt, 0);
      image.reference = std::string(ColumnText(stmt, 1));
      image.registry = std::string(ColumnText(stmt, 2));
      image.repository = std::string(ColumnText(stmt, 3));
      image.tag = std::string(ColumnText(stmt, 4));
      image.manifest_digest = std::string(ColumnText(stmt, 5));
      image.platform = std::string(ColumnText(stmt, 6));
      image.error = std::string(ColumnText(stmt, 7));
      model::SeverityCounts& v = image.vulnerabilities;
      v.critical = sqlite3_column_int64(stmt, 8);
      v.high = sqlite3_column_int64(stmt, 9);
      v.medium = sqlite3_column_int64(stmt, 10);
      v.low = sqlite3_column_int64(stmt, 11);
      v.negligible = sqlite3_column_int64(stmt, 12);
      v.unknown = sqlite3_column_int64(stmt, 13);
      v.total = sqlite3_column_int64(stmt, 14);
      image.layers_cached = sqlite3_column_int64(stmt, 15);
      image.seconds = sqlite3_column_double(stmt, 16);
    }
    CUSTOMS_ASSIGN_OR_RETURN(
        sqlite3_stmt * categories,
        impl.Statement(impl.select_categories,
                       "SELECT category FROM image_categories WHERE image = ?1 ORDER BY category"));
    {
      StmtScope scope(categories);
      CUSTOMS_TRY(impl.Bind(categories, seq));
      while (true) {
        CUSTOMS_ASSIGN_OR_RETURN(bool row, impl.Step(categories, "reading categories"));
        if (!row) break;
        image.categories.emplace_back(ColumnText(categories, 0));
      }
    }
    CUSTOMS_ASSIGN_OR_RETURN(
        sqlite3_stmt * vulns,
        impl.Statement(impl.select_vulns,
                       "SELECT vuln_id, severity, package FROM image_vulns WHERE image = ?1 "
                       "ORDER BY vuln_id, package"));
    {
      StmtScope scope(vulns);
      CUSTOMS_TRY(impl.Bind(vulns, seq));
      while (true) {
        CUSTOMS_ASSIGN_OR_RETURN(bool row, impl.Step(vulns, "reading vulnerabilities"));
        if (!row) break;
        image.findings.push_back({std::string(ColumnText(vulns, 0)),
                                  SeverityFromRank(sqlite3_column_int64(vulns, 1)),
                                  std::string(ColumnText(vulns, 2))});
      }
    }
    CUSTOMS_ASSIGN_OR_RETURN(
        sqlite3_stmt * layers,
        impl.Statement(impl.select_layers,
                       "SELECT diff_id FROM image_layers WHERE image = ?1 ORDER BY position"));
    {
      StmtScope scope(layers);
      CUSTOMS_TRY(impl.Bind(layers, seq));
      while (true) {
        CUSTOMS_ASSIGN_OR_RETURN(bool row, impl.Step(layers, "reading layers"));
        if (!row) break;
        image.layers.emplace_back(ColumnText(layers, 0));
      }
    }
    return std::optional<model::CensusImage>(std::move(image));
  };
  auto result = read();
  (void)impl.Exec("COMMIT");
  return result;
}

Result<model::CensusSummary> CensusStore::Impl::SummarizeLocked(size_t top_n,
                                                                const CensusScope& scope) const {
  model::CensusSummary s;
  s.registry = scope.registry;
  const int64_t limit = static_cast<int64_t>(std::min<size_t>(top_n, 1'000'000));

  // The images in scope, as their seq, in temp.scope.
  CUSTOMS_TRY(Exec("DELETE FROM temp.scope"));
  if (scope.references) {
    CUSTOMS_ASSIGN_OR_RETURN(auto fill,
                             Prepare("INSERT OR IGNORE INTO temp.scope SELECT seq FROM images "
                                     "WHERE reference = ?1 AND (?2 = '' OR registry = ?2)"));
    for (const std::string& reference : *scope.references) {
      StmtScope reset(fill.get());
      CUSTOMS_TRY(Bind(fill.get(), reference, scope.registry));
      CUSTOMS_TRY(Step(fill.get(), "selecting " + reference));
    }
  } else {
    CUSTOMS_ASSIGN_OR_RETURN(auto fill, Prepare("INSERT INTO temp.scope SELECT seq FROM images "
                                                "WHERE ?1 = '' OR registry = ?1"));
    CUSTOMS_TRY(Bind(fill.get(), scope.registry));
    CUSTOMS_TRY(Step(fill.get(), "selecting images"));
  }

  // Counts over the images scanned without error (`ok`).
  {
    CUSTOMS_ASSIGN_OR_RETURN(
        auto stmt,
        Prepare("WITH ok AS (SELECT i.* FROM images i JOIN temp.scope s ON s.image = i.seq "
                "WHERE i.error = '') SELECT "
                "(SELECT count(*) FROM ok), "
                "(SELECT count(*) FROM images i JOIN temp.scope s ON s.image = i.seq "
                " WHERE i.error <> ''), "
                "coalesce(sum(critical > 0), 0), coalesce(sum(high > 0), 0), "
                "coalesce(sum(total > 0), 0), coalesce(avg(total), 0), "
                "coalesce(sum(critical > 0), 0), "
                "coalesce(sum(critical = 0 AND high > 0), 0), "
                "coalesce(sum(critical = 0 AND high = 0 AND medium > 0), 0), "
                "coalesce(sum(critical = 0 AND high = 0 AND medium = 0 AND low > 0), 0), "
                "coalesce(sum(critical = 0 AND high = 0 AND medium = 0 AND low = 0 "
                "  AND negligible > 0), 0), "
                "coalesce(sum(critical = 0 AND high = 0 AND medium = 0 AND low = 0 "
                "  AND negligible = 0 AND unknown > 0), 0), "
                "coalesce(sum(total = 0), 0), coalesce(sum(layers_cached), 0) FROM ok"));
    CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(stmt.get(), "counting images"));
    if (!row) return Internal(path + ": counting images returned no row");
    sqlite3_stmt* r = stmt.get();
    s.images_scanned = sqlite3_column_int64(r, 0);
    s.images_failed = sqlite3_column_int64(r, 1);
    s.images_with_critical = sqlite3_column_int64(r, 2);
    s.images_with_high = sqlite3_column_int64(r, 3);
    s.images_with_any = sqlite3_column_int64(r, 4);
    s.mean_vulnerabilities = sqlite3_column_double(r, 5);
    model::SeverityCounts& m = s.images_by_max_severity;
    m.critical = sqlite3_column_int64(r, 6);
    m.high = sqlite3_column_int64(r, 7);
    m.medium = sqlite3_column_int64(r, 8);
    m.low = sqlite3_column_int64(r, 9);
    m.negligible = sqlite3_column_int64(r, 10);
    m.unknown = sqlite3_column_int64(r, 11);
    m.total = s.images_with_any;
    s.images_without_vulnerabilities = sqlite3_column_int64(r, 12);
    s.layers_cached = sqlite3_column_int64(r, 13);
  }
  // The median, from the sorted totals.
  {
    CUSTOMS_ASSIGN_OR_RETURN(
        auto stmt, Prepare("SELECT i.total FROM images i JOIN temp.scope s ON s.image = i.seq "
                           "WHERE i.error = '' ORDER BY i.total"));
    std::vector<int64_t> totals;
    while (true) {
      CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(stmt.get(), "reading totals"));
      if (!row) break;
      totals.push_back(sqlite3_column_int64(stmt.get(), 0));
    }
    size_t n = totals.size();
    if (n > 0)
      s.median_vulnerabilities =
          n % 2 == 1
              ? static_cast<double>(totals[n / 2])
              : (static_cast<double>(totals[n / 2 - 1]) + static_cast<double>(totals[n / 2])) / 2.0;
  }
  // Harmful images, in all and by category.
  {
    CUSTOMS_ASSIGN_OR_RETURN(
        auto stmt,
        Prepare("SELECT c.category, count(*) FROM image_categories c "
                "JOIN temp.scope s ON s.image = c.image JOIN images i ON i.seq = c.image "
                "WHERE i.error = '' GROUP BY c.category"));
    std::vector<std::pair<std::string, int64_t>> found;
    while (true) {
      CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(stmt.get(), "counting categories"));
      if (!row) break;
      found.emplace_back(std::string(ColumnText(stmt.get(), 0)),
                         sqlite3_column_int64(stmt.get(), 1));
    }
    for (std::string_view category : model::kHarmfulCategories) {
      model::CensusCategory& c = s.categories.emplace_back();
      c.category = std::string(category);
      for (const auto& [name, images] : found)
        if (name == category) c.images = images;
    }
    CUSTOMS_ASSIGN_OR_RETURN(
        auto harmful,
        Prepare("SELECT count(DISTINCT c.image) FROM image_categories c "
                "JOIN temp.scope s ON s.image = c.image JOIN images i ON i.seq = c.image "
                "WHERE i.error = ''"));
    CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(harmful.get(), "counting harmful images"));
    if (row) s.harmful_images = sqlite3_column_int64(harmful.get(), 0);
  }
  // Top vulnerabilities and the packages they were found in.
  {
    CUSTOMS_ASSIGN_OR_RETURN(
        auto stmt,
        Prepare("SELECT v.vuln_id, max(v.severity), count(DISTINCT v.image) FROM image_vulns v "
                "JOIN temp.scope s ON s.image = v.image JOIN images i ON i.seq = v.image "
                "WHERE i.error = '' GROUP BY v.vuln_id ORDER BY 3 DESC, 1 LIMIT ?1"));
    CUSTOMS_TRY(Bind(stmt.get(), limit));
    while (true) {
      CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(stmt.get(), "ranking vulnerabilities"));
      if (!row) break;
      model::CensusTopVulnerability& v = s.top_vulnerabilities.emplace_back();
      v.id = std::string(ColumnText(stmt.get(), 0));
      v.severity = SeverityFromRank(sqlite3_column_int64(stmt.get(), 1));
      v.images = sqlite3_column_int64(stmt.get(), 2);
    }
    CUSTOMS_ASSIGN_OR_RETURN(
        auto packages,
        Prepare("SELECT DISTINCT v.package FROM image_vulns v "
                "JOIN temp.scope s ON s.image = v.image JOIN images i ON i.seq = v.image "
                "WHERE i.error = '' AND v.vuln_id = ?1 ORDER BY 1"));
    for (model::CensusTopVulnerability& v : s.top_vulnerabilities) {
      StmtScope reset(packages.get());
      CUSTOMS_TRY(Bind(packages.get(), v.id));
      while (true) {
        CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(packages.get(), "reading packages of " + v.id));
        if (!row) break;
        v.packages.emplace_back(ColumnText(packages.get(), 0));
      }
    }
  }
  // Top packages.
  {
    CUSTOMS_ASSIGN_OR_RETURN(
        auto stmt, Prepare("SELECT v.package, count(DISTINCT v.image), count(DISTINCT v.vuln_id) "
                           "FROM image_vulns v JOIN temp.scope s ON s.image = v.image "
                           "JOIN images i ON i.seq = v.image WHERE i.error = '' "
                           "GROUP BY v.package ORDER BY 2 DESC, 1 LIMIT ?1"));
    CUSTOMS_TRY(Bind(stmt.get(), limit));
    while (true) {
      CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(stmt.get(), "ranking packages"));
      if (!row) break;
      model::CensusTopPackage& p = s.top_packages.emplace_back();
      p.package = std::string(ColumnText(stmt.get(), 0));
      p.images = sqlite3_column_int64(stmt.get(), 1);
      p.vulnerabilities = sqlite3_column_int64(stmt.get(), 2);
    }
  }
  // Layers: totals and the most shared.
  {
    CUSTOMS_ASSIGN_OR_RETURN(
        auto stmt, Prepare("SELECT count(*), count(DISTINCT l.diff_id) FROM image_layers l "
                           "JOIN temp.scope s ON s.image = l.image "
                           "JOIN images i ON i.seq = l.image WHERE i.error = ''"));
    CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(stmt.get(), "counting layers"));
    if (row) {
      s.layers = sqlite3_column_int64(stmt.get(), 0);
      s.unique_layers = sqlite3_column_int64(stmt.get(), 1);
    }
    CUSTOMS_ASSIGN_OR_RETURN(
        auto shared,
        Prepare("SELECT diff_id, n, (SELECT repository FROM images WHERE seq = first) FROM "
                "(SELECT l.diff_id AS diff_id, count(DISTINCT l.image) AS n, "
                "min(l.image) AS first FROM image_layers l "
                "JOIN temp.scope s ON s.image = l.image JOIN images i ON i.seq = l.image "
                "WHERE i.error = '' GROUP BY l.diff_id HAVING n >= 2 "
                "ORDER BY n DESC, l.diff_id LIMIT ?1) ORDER BY n DESC, diff_id"));
    CUSTOMS_TRY(Bind(shared.get(), limit));
    while (true) {
      CUSTOMS_ASSIGN_OR_RETURN(bool more, Step(shared.get(), "ranking layers"));
      if (!more) break;
      model::CensusSharedLayer& l = s.shared_layers.emplace_back();
      l.diff_id = std::string(ColumnText(shared.get(), 0));
      l.images = sqlite3_column_int64(shared.get(), 1);
      l.first_repository = std::string(ColumnText(shared.get(), 2));
    }
  }
  // Failures.
  {
    CUSTOMS_ASSIGN_OR_RETURN(auto stmt,
                             Prepare("SELECT i.reference, i.error FROM images i "
                                     "JOIN temp.scope s ON s.image = i.seq WHERE i.error <> '' "
                                     "ORDER BY i.reference"));
    while (true) {
      CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(stmt.get(), "reading failures"));
      if (!row) break;
      s.failures.push_back(
          {std::string(ColumnText(stmt.get(), 0)), std::string(ColumnText(stmt.get(), 1))});
    }
  }
  return s;
}

Result<model::CensusSummary> CensusStore::Summarize(size_t top_n, const CensusScope& scope) const {
  Impl& impl = *impl_;
  std::lock_guard lock(impl.mu);
  // One transaction: every figure sees the same images (and filling the
  // temp scope table is one commit, not one per row).
  CUSTOMS_TRY(impl.Exec("BEGIN"));
  auto summary = impl.SummarizeLocked(top_n, scope);
  (void)impl.Exec("COMMIT");
  return summary;
}

}  // namespace customs::store
