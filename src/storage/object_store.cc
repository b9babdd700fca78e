#include "storage/object_store.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "common/log.h"

namespace tickerflow::storage {
namespace {

// Why `segment` cannot be part of a key, or empty when it can. Control characters are refused
// because they would make keys in messages and logs misleading, backslashes because they are
// separators on other systems that may read the files.
std::string SegmentProblem(std::string_view segment) {
  if (segment.empty()) return "it has an empty segment (a leading, trailing or doubled '/')";
  if (segment.front() == '.') {
    return fmt::format(
        "segment '{}' starts with '.' (such names are reserved for the store's own files)",
        segment);
  }
  if (segment.size() > kMaxKeySegmentLength) {
    return fmt::format("a segment is {} bytes long, more than the {} allowed", segment.size(),
                       kMaxKeySegmentLength);
  }
  for (const char c : segment) {
    if (c == '\\') return "it contains a backslash";
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return fmt::format("it contains the control character 0x{:02x}", byte);
    }
  }
  return {};
}

// Why `text` is not a key (or a key prefix, whose last segment may be empty), or empty.
std::string KeyProblem(std::string_view text, bool allow_empty_last_segment) {
  if (text.size() > kMaxKeyLength) {
    return fmt::format("it is {} bytes long, more than the {} allowed", text.size(), kMaxKeyLength);
  }
  size_t start = 0;
  while (true) {
    const size_t slash = text.find('/', start);
    const bool last = slash == std::string_view::npos;
    const std::string_view segment =
        text.substr(start, last ? std::string_view::npos : slash - start);
    if (!(last && allow_empty_last_segment && segment.empty())) {
      std::string problem = SegmentProblem(segment);
      if (!problem.empty()) return problem;
    }
    if (last) return {};
    start = slash + 1;
  }
}

}  // namespace

std::string QuoteForMessage(std::string_view text) {
  std::string quoted = "'";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      quoted += fmt::format("\\x{:02x}", byte);
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

Status CheckStagedObject(const ObjectStore& store, const StagedObject& staged) {
  if (staged.store() != &store) {
    return Status::Error(
        ErrorCode::kInvalidArgument,
        fmt::format("cannot commit object '{}' to {}: it was staged by {}", staged.key(),
                    store.Describe(),
                    staged.store() == nullptr ? "nobody (moved from)" : "another store"));
  }
  const std::filesystem::path& path = staged.local_path();
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    const int error = errno;
    if (error == ENOENT) {
      return Status::Error(ErrorCode::kFailedPrecondition,
                           fmt::format("cannot commit object '{}' to {}: nothing was written "
                                       "to its staged file {}",
                                       staged.key(), store.Describe(), path.string()));
    }
    return Status::Error(ErrorCode::kIoError, fmt::format("cannot inspect {}: {}", path.string(),
                                                          std::generic_category().message(error)));
  }
  if (!S_ISREG(info.st_mode)) {
    return Status::Error(ErrorCode::kFailedPrecondition,
                         fmt::format("cannot commit object '{}' to {}: its staged file {} is "
                                     "not a regular file",
                                     staged.key(), store.Describe(), path.string()));
  }
  return Status::Ok();
}

Status ValidateKey(std::string_view key) {
  if (key.empty()) return Status::Error(ErrorCode::kInvalidArgument, "the object key is empty");
  const std::string problem = KeyProblem(key, /*allow_empty_last_segment=*/false);
  if (problem.empty()) return Status::Ok();
  return Status::Error(ErrorCode::kInvalidArgument,
                       fmt::format("invalid object key {}: {}", QuoteForMessage(key), problem));
}

Status ValidateKeyPrefix(std::string_view prefix) {
  if (prefix.empty()) return Status::Ok();
  const std::string problem = KeyProblem(prefix, /*allow_empty_last_segment=*/true);
  if (problem.empty()) return Status::Ok();
  return Status::Error(ErrorCode::kInvalidArgument,
                       fmt::format("invalid key prefix {}: {}", QuoteForMessage(prefix), problem));
}

StagedObject::StagedObject(const ObjectStore* store, std::string key,
                           std::filesystem::path local_path, std::filesystem::path scratch_dir)
    : store_(store),
      key_(std::move(key)),
      local_path_(std::move(local_path)),
      scratch_dir_(std::move(scratch_dir)) {}

StagedObject::StagedObject(StagedObject&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)),
      key_(std::move(other.key_)),
      local_path_(std::move(other.local_path_)),
      scratch_dir_(std::move(other.scratch_dir_)) {
  other.scratch_dir_.clear();
}

StagedObject& StagedObject::operator=(StagedObject&& other) noexcept {
  if (this != &other) {
    RemoveScratch();
    store_ = std::exchange(other.store_, nullptr);
    key_ = std::move(other.key_);
    local_path_ = std::move(other.local_path_);
    scratch_dir_ = std::move(other.scratch_dir_);
    other.scratch_dir_.clear();
  }
  return *this;
}

StagedObject::~StagedObject() { RemoveScratch(); }

void StagedObject::RemoveScratch() noexcept {
  if (scratch_dir_.empty()) return;
  std::error_code error;
  std::filesystem::remove_all(scratch_dir_, error);
  // Not an error of the caller's operation: the object was committed or abandoned either way,
  // and the next LocalStore::Lock removes what is left.
  if (error) {
    TF_LOG_WARN("cannot remove temporary directory {}: {}", scratch_dir_.string(), error.message());
  }
  scratch_dir_.clear();
}

}  // namespace tickerflow::storage
