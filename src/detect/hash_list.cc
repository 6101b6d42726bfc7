#include "detect/hash_list.h"

#include <algorithm>
#include <charconv>

#include "base/digest.h"
#include "base/strings.h"

namespace customs::detect {
namespace {

bool IsHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

Result<std::vector<HashEntry>> ParseHashList(std::string_view text, std::string_view file_name) {
  if (text.size() > kMaxHashListBytes)
    return ResourceExhausted(std::string(file_name) + ": " + std::to_string(text.size()) +
                             " bytes exceeds kMaxHashListBytes");
  std::vector<HashEntry> out;
  size_t line_no = 0;
  for (std::string_view line : Split(text, '\n')) {
    ++line_no;
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    std::string at = std::string(file_name) + ":" + std::to_string(line_no);
    auto fields = Split(line, ':');
    if (fields.size() < 3 || fields.size() > 5)
      return InvalidArgument(at + ": expected SHA256:SIZE:NAME[:FLEVEL[:FLEVEL]]");
    if (!IsHex64(fields[0]))
      return InvalidArgument(at + ": \"" + std::string(fields[0].substr(0, 80)) +
                             "\" is not a SHA-256 (64 hex digits)");
    if (out.size() >= kMaxHashListEntries)
      return ResourceExhausted(at + ": more than kMaxHashListEntries signatures");
    HashEntry e;
    e.sha256 = Lower(fields[0]);
    if (fields[1] == "*") {
      e.any_size = true;
    } else {
      auto [end, ec] =
          std::from_chars(fields[1].data(), fields[1].data() + fields[1].size(), e.size);
      if (ec != std::errc() || end != fields[1].data() + fields[1].size())
        return InvalidArgument(at + ": size \"" + std::string(fields[1].substr(0, 40)) +
                               "\" is not a number or *");
    }
    e.name = std::string(fields[2].substr(0, 256));
    if (e.name.empty()) return InvalidArgument(at + ": empty signature name");
    e.source = at;
    out.push_back(std::move(e));
  }
  return out;
}

const std::vector<HashEntry>& BuiltinHashes() {
  // EICAR's 68-byte test file (https://www.eicar.org/download-anti-malware-testfile/).
  static const std::vector<HashEntry> kHashes = {
      {"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", 68, false,
       "EICAR-Test-File", "built-in"}};
  return kHashes;
}

HashListAnalyzer::HashListAnalyzer(std::vector<HashEntry> entries) {
  Sha256 digest;
  for (auto& e : entries) {
    digest.Update(e.sha256 + ":" + (e.any_size ? std::string("*") : std::to_string(e.size)) + ":" +
                  e.name + "\n");
    if (e.any_size) {
      any_size_ = true;
      max_bytes_ = kMaxHashedFileBytes;
    } else if (e.size <= kMaxHashedFileBytes) {
      sizes_.insert(e.size);
      max_bytes_ = std::max<size_t>(max_bytes_, e.size);
    }
    std::string key = e.sha256;
    by_hash_.emplace(std::move(key), std::move(e));
  }
  name_ = "detect/hashes:" + digest.Finish().str().substr(7, 12);
}

bool HashListAnalyzer::Wants(const layer::FileInfo& info) const {
  if (any_size_) return info.size <= kMaxHashedFileBytes;
  return sizes_.count(info.size) > 0;
}

Status HashListAnalyzer::Analyze(const layer::File& file, layer::Findings& out) const {
  std::string digest = Sha256::Of(file.text()).str();
  auto [first, last] = by_hash_.equal_range(digest.substr(7));
  for (auto it = first; it != last; ++it) {
    const HashEntry& e = it->second;
    if (!e.any_size && e.size != file.content.size()) continue;
    model::Detection d =
        model::MakeDetection(model::kCategoryMalware, "hash:" + e.name, model::Severity::kCritical,
                             model::Disposition::kMalicious, model::Confidence::kHigh,
                             "file listed as " + e.name + " by its SHA-256",
                             digest + " (" + std::to_string(file.content.size()) + " bytes) is " +
                                 e.name + " in " + e.source);
    d.path = file.info.path;
    d.sha256 = digest;
    out.detections.push_back(std::move(d));
    break;
  }
  return Status::Ok();
}

}  // namespace customs::detect
