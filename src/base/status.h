// Expected failures as values: Status and Result<T>.
//
// Our code does not throw. A Status carries a code and a message that says
// where (file, layer, offset) and what was expected. Context is added on the
// way up with CUSTOMS_TRY / CUSTOMS_ASSIGN_OR_RETURN and Status::WithContext.
//
//   CUSTOMS_ASSIGN_OR_RETURN(auto manifest, ParseManifest(bytes));
//   CUSTOMS_TRY(reader.Skip(n), "layer " + digest);
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace customs {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // malformed input or bad usage
  kNotFound,           // a file, blob, platform or tag is not there
  kDataLoss,           // corrupt or truncated data, digest mismatch
  kResourceExhausted,  // a limit was hit; the message names the limit
  kUnimplemented,      // a format or media type we do not support
  kUnavailable,        // network or service unavailable
  kPermissionDenied,
  kInternal,  // our own invariant broke
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with `context` ("context: message"). No-op when ok.
  Status WithContext(std::string_view context) &&;
  Status WithContext(std::string_view context) const&;

  // "data loss: layer sha256:...: truncated tar header at offset 512".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return Status(StatusCode::kInvalidArgument, std::move(m));
}
inline Status NotFound(std::string m) { return Status(StatusCode::kNotFound, std::move(m)); }
inline Status DataLoss(std::string m) { return Status(StatusCode::kDataLoss, std::move(m)); }
inline Status ResourceExhausted(std::string m) {
  return Status(StatusCode::kResourceExhausted, std::move(m));
}
inline Status Unimplemented(std::string m) {
  return Status(StatusCode::kUnimplemented, std::move(m));
}
inline Status Unavailable(std::string m) { return Status(StatusCode::kUnavailable, std::move(m)); }
inline Status PermissionDenied(std::string m) {
  return Status(StatusCode::kPermissionDenied, std::move(m));
}
inline Status Internal(std::string m) { return Status(StatusCode::kInternal, std::move(m)); }
// "message: strerror(err)" with the code that fits the errno: NotFound for
// ENOENT/ENOTDIR, PermissionDenied for EACCES/EPERM/EROFS, ResourceExhausted
// for ENOSPC/EDQUOT/EMFILE/ENFILE, else InvalidArgument.
Status ErrnoStatus(int err, std::string message);

// A value or a non-ok Status. Shaped like absl::StatusOr.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "Result constructed from an ok Status");
    if (status_.ok()) status_ = Internal("Result built from ok Status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }

 private:
  Status status_;
  std::optional<T> value_;
};

namespace internal {
inline Status AsStatus(const Status& s) { return s; }
inline Status AsStatus(Status&& s) { return std::move(s); }
template <typename T>
Status AsStatus(const Result<T>& r) {
  return r.status();
}
template <typename T>
Status AsStatus(Result<T>&& r) {
  return std::move(r).status();
}
inline Status AddContext(Status s) { return s; }
inline Status AddContext(Status s, std::string_view context) {
  return std::move(s).WithContext(context);
}
}  // namespace internal

}  // namespace customs

#define CUSTOMS_CONCAT_INNER(a, b) a##b
#define CUSTOMS_CONCAT(a, b) CUSTOMS_CONCAT_INNER(a, b)

// Returns the Status of `expr` (a Status or a Result) when it is not ok,
// with optional context: CUSTOMS_TRY(ReadAll(), "reading index.json").
#define CUSTOMS_TRY(expr, ...)                                                                     \
  do {                                                                                             \
    auto&& customs_try_value = (expr);                                                             \
    if (!customs_try_value.ok())                                                                   \
      return ::customs::internal::AddContext(                                                      \
          ::customs::internal::AsStatus(std::move(customs_try_value)) __VA_OPT__(, ) __VA_ARGS__); \
  } while (0)

#define CUSTOMS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr, ...)                                      \
  auto tmp = (expr);                                                                            \
  if (!tmp.ok())                                                                                \
    return ::customs::internal::AddContext(std::move(tmp).status() __VA_OPT__(, ) __VA_ARGS__); \
  lhs = std::move(tmp).value()

// CUSTOMS_ASSIGN_OR_RETURN(auto x, ParseX(bytes), "context");
#define CUSTOMS_ASSIGN_OR_RETURN(lhs, expr, ...)                                \
  CUSTOMS_ASSIGN_OR_RETURN_IMPL(CUSTOMS_CONCAT(customs_result_, __LINE__), lhs, \
                                expr __VA_OPT__(, ) __VA_ARGS__)
