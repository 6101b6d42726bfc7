#include "detect/config_checks.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"

namespace customs::detect {
namespace {

using model::Confidence;
using model::Detection;
using model::Disposition;
using model::MakeDetection;
using model::Severity;

// Bytes of one field (an Env entry, a history line, the joined Entrypoint)
// the checks read. Real history lines reach a few tens of KiB (long RUN
// chains); a longer field is read up to this bound only.
constexpr size_t kMaxFieldBytes = size_t{1} << 20;
// Detections one config may produce: thousands of Env entries each holding a
// token must not turn into an unbounded report.
constexpr size_t kMaxDetections = 256;
// Bytes of a command or match quoted in evidence.
constexpr size_t kMaxQuoteBytes = 160;
// How far after "-----BEGIN ... PRIVATE KEY-----" the END marker is looked
// for when redacting the key body (a 16384-bit RSA key in PEM is ~12 KiB).
constexpr size_t kMaxPrivateKeyBytes = size_t{16} << 10;
// Secrets one field may hold before the rest is ignored, NAME= candidates
// looked at, and bytes of one NAME=value value read: bounds that keep a
// field built of "A_TOKEN=A_TOKEN=..." linear.
constexpr size_t kMaxSecretHits = 256;
constexpr size_t kMaxSecretCandidates = 1024;
constexpr size_t kMaxSecretValueBytes = 4096;
// Commands one field is split into, and downloads followed through a field
// looking for the step that runs them.
constexpr size_t kMaxCommands = 4096;
constexpr size_t kMaxFetchesFollowed = 32;

constexpr std::string_view kMinerReference =
    "https://github.com/falcosecurity/rules/blob/main/rules/falco-sandbox_rules.yaml";
constexpr std::string_view kDropperReference =
    "https://neuvector.com/docker-security/backdoored-images-removed/";

// ---------------------------------------------------------------------------
// Characters.

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLowerAscii(char c) { return c >= 'a' && c <= 'z'; }
bool IsAlnum(char c) { return IsDigit(c) || IsUpper(c) || IsLowerAscii(c); }
bool IsIdent(char c) { return IsAlnum(c) || c == '_'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
// Bitcoin/Monero base58: no 0, O, I, l.
bool IsBase58(char c) {
  return (c >= '1' && c <= '9') || (IsUpper(c) && c != 'I' && c != 'O') ||
         (IsLowerAscii(c) && c != 'l');
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (IsLowerAscii(c)) c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}
bool Contains(std::string_view s, std::string_view p) {
  return s.find(p) != std::string_view::npos;
}

// The last path component, lower case: "/usr/local/bin/XMRig" -> "xmrig".
std::string BaseLower(std::string_view word) {
  size_t slash = word.find_last_of('/');
  if (slash != std::string_view::npos) word.remove_prefix(slash + 1);
  return ToLower(word);
}

// ---------------------------------------------------------------------------
// Secrets: token shapes, private-key markers and NAME=value assignments.

enum class Charset { kUpperDigit, kAlnum, kAlnumUnderscore, kAlnumDash, kAlnumDashUnderscore };

bool InCharset(char c, Charset cs) {
  switch (cs) {
    case Charset::kUpperDigit:
      return IsUpper(c) || IsDigit(c);
    case Charset::kAlnum:
      return IsAlnum(c);
    case Charset::kAlnumUnderscore:
      return IsAlnum(c) || c == '_';
    case Charset::kAlnumDash:
      return IsAlnum(c) || c == '-';
    case Charset::kAlnumDashUnderscore:
      return IsAlnum(c) || c == '-' || c == '_';
  }
  return false;
}

// A credential recognisable by its shape: a fixed prefix and a body of
// min..max characters of one set, not part of a longer word.
struct TokenShape {
  std::string_view prefix;
  std::string_view rule;
  std::string_view label;
  size_t min_body;
  size_t max_body;
  Charset charset;
};

constexpr TokenShape kTokenShapes[] = {
    {"AKIA", "config-secret-aws-access-key-id", "AWS access key ID", 16, 16, Charset::kUpperDigit},
    {"ASIA", "config-secret-aws-access-key-id", "AWS access key ID", 16, 16, Charset::kUpperDigit},
    {"ghp_", "config-secret-github-token", "GitHub token", 36, 36, Charset::kAlnum},
    {"gho_", "config-secret-github-token", "GitHub token", 36, 36, Charset::kAlnum},
    {"ghu_", "config-secret-github-token", "GitHub token", 36, 36, Charset::kAlnum},
    {"ghs_", "config-secret-github-token", "GitHub token", 36, 36, Charset::kAlnum},
    {"ghr_", "config-secret-github-token", "GitHub token", 36, 36, Charset::kAlnum},
    {"github_pat_", "config-secret-github-token", "GitHub token", 22, 255,
     Charset::kAlnumUnderscore},
    {"glpat-", "config-secret-gitlab-token", "GitLab token", 20, 64, Charset::kAlnumDashUnderscore},
    {"xoxb-", "config-secret-slack-token", "Slack token", 10, 255, Charset::kAlnumDash},
    {"xoxp-", "config-secret-slack-token", "Slack token", 10, 255, Charset::kAlnumDash},
    {"xoxa-", "config-secret-slack-token", "Slack token", 10, 255, Charset::kAlnumDash},
    {"xoxr-", "config-secret-slack-token", "Slack token", 10, 255, Charset::kAlnumDash},
    {"xoxs-", "config-secret-slack-token", "Slack token", 10, 255, Charset::kAlnumDash},
    {"xoxe-", "config-secret-slack-token", "Slack token", 10, 255, Charset::kAlnumDash},
    {"sk_live_", "config-secret-stripe-key", "Stripe secret key", 20, 255, Charset::kAlnum},
    {"rk_live_", "config-secret-stripe-key", "Stripe restricted key", 20, 255, Charset::kAlnum},
    {"npm_", "config-secret-npm-token", "npm token", 36, 36, Charset::kAlnum},
    {"AIza", "config-secret-google-api-key", "Google API key", 35, 35,
     Charset::kAlnumDashUnderscore},
};

constexpr std::string_view kPlaceholderWords[] = {
    "changeme",    "change_me", "change-me", "changeit", "password", "passwd",    "secret",
    "token",       "example",   "none",      "null",     "nil",      "undefined", "true",
    "false",       "yes",       "no",        "test",     "testing",  "dummy",     "default",
    "placeholder", "todo",      "tbd",       "redacted", "admin",    "root",      "pass",
    "empty",       "unset",     "disabled",  "enabled",  "on",       "off",
};
constexpr std::string_view kPlaceholderParts[] = {"example",     "changeme", "your_",    "your-",
                                                  "placeholder", "xxxxx",    "redacted", "dummy"};

// Values that are not secrets: empty, too short to be one, references to
// other variables or files, and the words people put in templates.
bool IsPlaceholder(std::string_view value) {
  if (value.size() < 4) return true;
  if (value[0] == '$' || value[0] == '%' || Contains(value, "${") || Contains(value, "{{"))
    return true;
  if (value.front() == '<' && value.back() == '>') return true;
  if (value[0] == '/' || StartsWith(value, "./") || StartsWith(value, "~/") ||
      StartsWith(value, "file:"))
    return true;
  if (std::all_of(value.begin(), value.end(), [&](char c) { return c == value[0]; })) return true;
  std::string lower = ToLower(value);
  for (std::string_view w : kPlaceholderWords)
    if (lower == w) return true;
  for (std::string_view p : kPlaceholderParts)
    if (Contains(lower, p)) return true;
  return false;
}

// Variable names whose value is a credential: the whole name or its last
// "_"-separated part(s). "GPG_KEY", "*_SHA256", "*_VERSION" are not.
constexpr std::string_view kSecretNames[] = {
    "PASSWORD",   "PASSWD",      "SECRET",       "TOKEN",      "API_KEY",   "APIKEY",
    "SECRET_KEY", "PRIVATE_KEY", "ACCESS_TOKEN", "AUTH_TOKEN", "AUTHTOKEN", "CLIENT_SECRET"};
constexpr std::string_view kSecretSuffixes[] = {
    "_PASSWORD",          "_PASSWD",    "_PASS",   "_SECRET",      "_TOKEN",        "_SECRET_KEY",
    "_SECRET_ACCESS_KEY", "_API_KEY",   "_APIKEY", "_PRIVATE_KEY", "_ACCESS_TOKEN", "_AUTH_TOKEN",
    "_AUTHTOKEN",         "_ACCOUNTKEY"};

bool IsSecretName(std::string_view name) {
  std::string upper = Upper(name);
  for (std::string_view n : kSecretNames)
    if (upper == n) return true;
  for (std::string_view s : kSecretSuffixes)
    if (EndsWith(upper, s) && upper.size() > s.size()) return true;
  // npm's "//registry.npmjs.org/:_authToken=..." leaves the name "_authToken".
  return upper == "_AUTHTOKEN";
}

struct SecretHit {
  size_t begin = 0;  // the secret's bytes in the text
  size_t end = 0;
  std::string_view rule;
  std::string label;  // "GitHub token", "AWS_SECRET_ACCESS_KEY", a key marker
  bool assignment = false;
  bool marker_only = false;  // a private key: quote the marker, no bytes
};

void FindTokenShapes(std::string_view text, std::vector<SecretHit>& hits) {
  for (const TokenShape& shape : kTokenShapes) {
    for (size_t pos = text.find(shape.prefix);
         pos != std::string_view::npos && hits.size() < kMaxSecretHits;
         pos = text.find(shape.prefix, pos + 1)) {
      if (pos > 0 && IsIdent(text[pos - 1])) continue;
      size_t body = pos + shape.prefix.size();
      size_t end = body;
      while (end < text.size() && end - body <= shape.max_body &&
             InCharset(text[end], shape.charset))
        ++end;
      size_t n = end - body;
      if (n > shape.max_body) {
        // One over-long run: prefixes inside it are part of it too.
        while (end < text.size() && InCharset(text[end], shape.charset)) ++end;
        pos = end - 1;
        continue;
      }
      if (n < shape.min_body) continue;
      if (end < text.size() && IsAlnum(text[end])) continue;
      std::string_view token = text.substr(pos, end - pos);
      std::string lower = ToLower(token.substr(shape.prefix.size()));
      if (Contains(lower, "example") || Contains(lower, "xxxxxxxx")) continue;
      hits.push_back(
          {.begin = pos, .end = end, .rule = shape.rule, .label = std::string(shape.label)});
    }
  }
  // Slack incoming webhooks carry their secret in the path.
  constexpr std::string_view kSlackHook = "hooks.slack.com/services/";
  for (size_t pos = text.find(kSlackHook);
       pos != std::string_view::npos && hits.size() < kMaxSecretHits;
       pos = text.find(kSlackHook, pos + 1)) {
    size_t begin = pos + kSlackHook.size();
    size_t end = begin;
    while (end < text.size() && (IsAlnum(text[end]) || text[end] == '/')) ++end;
    if (end - begin < 20) continue;
    hits.push_back({.begin = begin,
                    .end = end,
                    .rule = "config-secret-slack-token",
                    .label = "Slack webhook URL"});
  }
}

void FindPrivateKeys(std::string_view text, std::vector<SecretHit>& hits) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  constexpr std::string_view kPrivate = "PRIVATE KEY";
  for (size_t pos = text.find(kBegin);
       pos != std::string_view::npos && hits.size() < kMaxSecretHits;
       pos = text.find(kBegin, pos + 1)) {
    // Markers are short: "-----BEGIN OPENSSH PRIVATE KEY-----".
    size_t label_end = text.substr(0, pos + 64).find("-----", pos + kBegin.size());
    if (label_end == std::string_view::npos) continue;
    std::string_view label = text.substr(pos + kBegin.size(), label_end - pos - kBegin.size());
    if (!Contains(label, kPrivate)) continue;
    size_t marker_end = label_end + 5;
    // The body runs to the END marker when there is one near, else to the
    // end of the field.
    size_t end = text.size();
    size_t end_marker =
        text.substr(0, marker_end + kMaxPrivateKeyBytes).find("-----END ", marker_end);
    if (end_marker != std::string_view::npos) {
      size_t close = text.substr(0, end_marker + 64).find("-----", end_marker + 9);
      end = close == std::string_view::npos ? text.size() : close + 5;
    }
    hits.push_back({.begin = pos,
                    .end = end,
                    .rule = "config-secret-private-key",
                    .label = std::string(text.substr(pos, marker_end - pos)),
                    .marker_only = true});
  }
}

void FindAssignments(std::string_view text, std::vector<SecretHit>& hits) {
  size_t candidates = 0;
  for (size_t eq = text.find('='); eq != std::string_view::npos && hits.size() < kMaxSecretHits &&
                                   candidates < kMaxSecretCandidates;
       eq = text.find('=', eq + 1)) {
    size_t name_begin = eq;
    while (name_begin > 0 && IsIdent(text[name_begin - 1])) --name_begin;
    std::string_view name = text.substr(name_begin, eq - name_begin);
    if (name.empty() || name.size() > 128 || !IsSecretName(name)) continue;
    ++candidates;
    // A value longer than kMaxSecretValueBytes is read that far.
    std::string_view window = text.substr(0, eq + 1 + kMaxSecretValueBytes);
    size_t begin = eq + 1;
    size_t end = begin;
    if (begin < text.size() && (text[begin] == '"' || text[begin] == '\'')) {
      char quote = text[begin];
      ++begin;
      end = window.find(quote, begin);
      if (end == std::string_view::npos) end = window.size();
    } else {
      constexpr std::string_view kStop = " \t\r\n;&|\"'`)";
      end = window.find_first_of(kStop, begin);
      if (end == std::string_view::npos) end = window.size();
    }
    std::string_view value = text.substr(begin, end - begin);
    if (IsPlaceholder(value)) continue;
    hits.push_back({.begin = begin,
                    .end = end,
                    .rule = "config-secret-assignment",
                    .label = std::string(name),
                    .assignment = true});
  }
}

// Every secret in `text`, sorted, not overlapping: shapes and key markers
// win over the NAME=value that holds them. An `env_entry` ("NAME=value" of
// Env) has its whole value as the value, blanks and all.
std::vector<SecretHit> FindSecrets(std::string_view text, bool env_entry = false) {
  std::vector<SecretHit> hits;
  if (size_t eq = text.find('='); env_entry && eq != std::string_view::npos) {
    std::string_view name = text.substr(0, eq);
    std::string_view value = text.substr(eq + 1);
    if (!name.empty() && IsSecretName(name) && !IsPlaceholder(value))
      hits.push_back({.begin = eq + 1,
                      .end = text.size(),
                      .rule = "config-secret-assignment",
                      .label = std::string(name),
                      .assignment = true});
  }
  FindPrivateKeys(text, hits);
  FindTokenShapes(text, hits);
  FindAssignments(text, hits);
  std::stable_sort(hits.begin(), hits.end(), [](const SecretHit& a, const SecretHit& b) {
    if (a.assignment != b.assignment) return !a.assignment;  // specific first
    return a.begin < b.begin;
  });
  std::vector<SecretHit> kept;
  for (SecretHit& h : hits) {
    bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const SecretHit& k) {
      return h.begin < k.end && k.begin < h.end;
    });
    if (!overlaps) kept.push_back(std::move(h));
  }
  std::sort(kept.begin(), kept.end(),
            [](const SecretHit& a, const SecretHit& b) { return a.begin < b.begin; });
  return kept;
}

// The longest prefix of `s` of at most `max` bytes that does not cut a
// UTF-8 sequence (reports are JSON, which must stay valid UTF-8).
std::string_view Utf8Prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// Printable() of at most `max` bytes, cut on a character boundary.
std::string Cut(std::string_view s, size_t max) {
  std::string_view head = Utf8Prefix(s, max);
  std::string out = Printable(head, head.size());
  if (head.size() < s.size()) out += "...";
  return out;
}

// "wJal… (40 chars, redacted)": at most the first 4 characters, fewer for
// short values, so that no value is ever shown whole.
std::string Redacted(std::string_view value) {
  size_t shown = value.size() >= 16 ? 4 : value.size() >= 8 ? 2 : 0;
  return Cut(Utf8Prefix(value, shown), shown) + "\u2026 (" + std::to_string(value.size()) +
         " chars, redacted)";
}

std::string RedactedHit(std::string_view text, const SecretHit& h) {
  if (h.marker_only) return h.label + " (key redacted)";
  return Redacted(text.substr(h.begin, h.end - h.begin));
}

// text[begin, end) with the secrets `hits` (sorted, of all of `text`)
// redacted, a secret the span cuts redacted whole; cut to `max` bytes. For
// quoting commands in the evidence of non-secret findings.
std::string QuoteSpan(std::string_view text, const std::vector<SecretHit>& hits, size_t begin,
                      size_t end, size_t max = kMaxQuoteBytes) {
  std::string out;
  size_t at = begin;
  for (const SecretHit& h : hits) {
    if (h.end <= at) continue;
    if (h.begin >= end || out.size() > max) break;
    if (h.begin > at) out.append(text.substr(at, std::min(h.begin - at, max + 1)));
    out += RedactedHit(text, h);
    at = h.end;
  }
  if (at < end && out.size() <= max) out.append(text.substr(at, std::min(end - at, max + 1)));
  return Cut(out, max);
}

// `text` with every secret in it redacted, cut to `max` bytes.
std::string Quote(std::string_view text, size_t max = kMaxQuoteBytes, bool env_entry = false) {
  return QuoteSpan(text, FindSecrets(text, env_entry), 0, text.size(), max);
}

// ---------------------------------------------------------------------------
// Shell-like commands. Entrypoint/Cmd arrays and history lines are shell
// text; quotes are dropped rather than honoured, so that "sh -c 'curl x | sh'"
// reads as the pipeline it runs.

enum class Sep { kSeq, kPipe, kSubst };  // ; && || & newline ( ) | $( <( `

struct Command {
  std::vector<std::string> words;  // redirections removed
  Sep before = Sep::kSeq;          // what joins it to the previous command
  Sep after = Sep::kSeq;           // ... and to the next
  size_t begin = 0;                // its bytes in the text: [begin, end)
  size_t end = 0;
};

bool IsRedirection(std::string_view w) {
  size_t i = 0;
  while (i < w.size() && IsDigit(w[i])) ++i;
  if (i < w.size() && w[i] == '&') ++i;
  return i < w.size() && (w[i] == '<' || w[i] == '>');
}

// A redirection word that names its target in the next word (">", "2>", "<").
bool RedirectionTakesNext(std::string_view w) {
  size_t i = 0;
  while (i < w.size() && IsDigit(w[i])) ++i;
  if (i < w.size() && w[i] == '&') ++i;
  while (i < w.size() && (w[i] == '<' || w[i] == '>')) ++i;
  return i == w.size();
}

std::vector<Command> ParseCommands(std::string_view text) {
  std::vector<Command> commands;
  Command current;
  bool started = false;  // current has a word, and so a begin
  std::string word;
  // Adds `ch`, read from text[at, end_at), to the word.
  auto append = [&](char ch, size_t at, size_t end_at) {
    if (!started) current.begin = at;
    started = true;
    current.end = end_at;
    word += ch;
  };
  auto end_word = [&] {
    if (!word.empty()) current.words.push_back(std::move(word));
    word.clear();
  };
  auto end_command = [&](Sep sep) {
    end_word();
    if (commands.size() >= kMaxCommands) current.words.clear();
    // Redirections and their targets are not arguments.
    std::vector<std::string> words;
    for (size_t i = 0; i < current.words.size(); ++i) {
      if (IsRedirection(current.words[i])) {
        if (RedirectionTakesNext(current.words[i])) ++i;
        continue;
      }
      words.push_back(std::move(current.words[i]));
    }
    current.words = std::move(words);
    current.after = sep;
    if (!current.words.empty()) commands.push_back(std::move(current));
    current = Command{};
    current.before = sep;
    started = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (c == '\\') {
      if (next != '\0' && next != '\n' && !IsSpace(next)) append(next, i, i + 2);
      ++i;
    } else if ((c == '"' || c == '\'') && !word.empty() && word.back() == '=') {
      // NAME="a b": the quoted value stays in the word, so that the words
      // after it are the command it prefixes.
      // A value holding a command substitution is read as commands.
      size_t close = text.find(c, i + 1);
      if (close == std::string_view::npos) close = text.size();
      std::string_view value = text.substr(i + 1, close - i - 1);
      if (Contains(value, "$(") || Contains(value, "`")) continue;
      for (size_t k = i + 1; k < close; ++k) append(text[k], k, k + 1);
      if (close < text.size()) current.end = close + 1;
      i = close;
    } else if (IsSpace(c) || c == '"' || c == '\'') {
      if (c == '\n') {
        end_command(Sep::kSeq);
      } else {
        end_word();
      }
    } else if (c == '#' && word.empty()) {
      size_t nl = text.find('\n', i);
      i = nl == std::string_view::npos ? text.size() : nl - 1;
    } else if (c == ';') {
      end_command(Sep::kSeq);
    } else if (c == '&') {
      if (!word.empty() && (word.back() == '>' || word.back() == '<')) {
        append(c, i, i + 1);  // >&, 2>&1
      } else if (next == '>') {
        append(c, i, i + 1);  // &>file
      } else {
        if (next == '&') ++i;
        end_command(Sep::kSeq);
      }
    } else if (c == '|') {
      if (next == '|') {
        ++i;
        end_command(Sep::kSeq);
      } else if (!word.empty() && word.back() == '>') {
        append(c, i, i + 1);  // >|
      } else {
        end_command(Sep::kPipe);
      }
    } else if (c == '(') {
      if (word == "<" || (!word.empty() && word.back() == '$')) {
        word.pop_back();  // "$(" or "<(": the command inside runs first
        end_command(Sep::kSubst);
      } else {
        end_command(Sep::kSeq);
      }
    } else if (c == ')' || c == '`') {
      end_command(c == '`' ? Sep::kSubst : Sep::kSeq);
    } else {
      append(c, i, i + 1);
    }
  }
  end_command(Sep::kSeq);
  return commands;
}

bool IsShell(std::string_view base) {
  return base == "sh" || base == "bash" || base == "ash" || base == "dash" || base == "zsh" ||
         base == "ksh" || base == "mksh";
}

bool IsInterpreter(std::string_view base) {
  if (IsShell(base)) return true;
  return base == "python" || StartsWith(base, "python2") || StartsWith(base, "python3") ||
         base == "perl" || base == "ruby" || base == "php" || base == "node" || base == "pwsh";
}

// Words that run the command after them: "sudo -E bash", "exec nohup x",
// "env A=b x", "gosu user x", "sh -c '...'".
size_t CommandStart(const std::vector<std::string>& words) {
  size_t i = 0;
  while (i < words.size()) {
    const std::string& w = words[i];
    std::string base = BaseLower(w);
    size_t eq = w.find('=');
    if (eq != std::string::npos && eq > 0 && IsIdent(w[0]) && !IsDigit(w[0]) &&
        std::all_of(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(eq), IsIdent)) {
      ++i;  // NAME=value
    } else if (base == "sudo" || base == "doas" || base == "exec" || base == "nohup" ||
               base == "env" || base == "command" || base == "builtin" || base == "time" ||
               base == "nice" || base == "setsid" || base == "stdbuf" || base == "tini" ||
               base == "dumb-init" || base == "busybox" || base == "eval" || w == "{" || w == "}" ||
               w == "!" || w == "then" || w == "do" || w == "else" || w == "if" || w == "while" ||
               w == "until") {
      ++i;
      while (i < words.size() && StartsWith(words[i], "-")) ++i;
    } else if (base == "gosu" || base == "su-exec" || base == "timeout") {
      i += 2;
    } else if (IsShell(base) && i + 1 < words.size() && StartsWith(words[i + 1], "-") &&
               !StartsWith(words[i + 1], "--") && Contains(words[i + 1], "c")) {
      i += 2;  // sh -c, bash -lc, sh -ec
    } else {
      break;
    }
  }
  return i;
}

// The lower-case basename of the program a command runs, "" when none.
std::string Program(const Command& c) {
  size_t i = CommandStart(c.words);
  return i < c.words.size() ? BaseLower(c.words[i]) : std::string();
}

// The words of commands[from..to] joined, as a key that tells findings apart.
std::string JoinWords(const std::vector<Command>& commands, size_t from, size_t to) {
  std::string out;
  for (size_t k = from; k <= to && k < commands.size(); ++k) {
    if (k > from) out += commands[k].before == Sep::kPipe ? " | " : " ; ";
    for (size_t w = 0; w < commands[k].words.size(); ++w) {
      if (w > 0) out += ' ';
      out += commands[k].words[w];
    }
    if (out.size() > kMaxQuoteBytes * 2) break;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Coin miners.

// Falco's miner_binaries and the hartescout additions (contraband.md §3.1).
constexpr std::string_view kMinerNames[] = {
    "xmrig",     "xmr-stak", "xmr-stak-rx", "minerd",   "minergate",         "cpuminer",
    "ccminer",   "ethminer", "cgminer",     "bfgminer", "sgminer",           "claymore",
    "nbminer",   "t-rex",    "gminer",      "lolminer", "phoenixminer",      "teamredminer",
    "nanominer", "bminer",   "wildrig",     "srbminer", "nicehashquickminer"};
// Names distinctive enough to match as a prefix ("xmrig-6.21.0-linux-static-
// x64.tar.gz", "cpuminer-opt") and as any path component ("/opt/xmrig/").
constexpr std::string_view kDistinctiveMinerNames[] = {
    "xmrig",        "xmr-stak",     "minerd",    "minergate", "cpuminer", "ccminer",
    "ethminer",     "cgminer",      "bfgminer",  "sgminer",   "nbminer",  "lolminer",
    "phoenixminer", "teamredminer", "nanominer", "srbminer",  "wildrig",  "nicehashquickminer"};

std::string_view MinerName(std::string_view base, bool program) {
  if (program) {
    for (std::string_view n : kMinerNames)
      if (base == n) return n;
  }
  for (std::string_view n : kDistinctiveMinerNames) {
    if (base == n) return n;
    if (StartsWith(base, n) && base.size() > n.size()) {
      char c = base[n.size()];
      if (c == '-' || c == '_' || c == '.') return n;
    }
  }
  return {};
}

// Pool domains (Falco's miner_domains reduced to their registered domains,
// and the other pools of contraband.md §3.1). A match is the domain or any
// subdomain of it.
constexpr std::string_view kPoolDomains[] = {
    "minexmr.com",    "supportxmr.com", "nanopool.org",  "ethermine.org",  "ethpool.org",
    "dwarfpool.com",  "slushpool.com",  "antpool.com",   "minergate.com",  "moneropool.com",
    "xmrpool.net",    "xmrpool.eu",     "hashvault.pro", "crypto-pool.fr", "unmineable.com",
    "c3pool.com",     "2miners.com",    "hashcity.org",  "f2pool.com",     "moneroocean.stream",
    "monerohash.com", "herominers.com", "nicehash.com",  "flypool.org",    "woolypooly.com"};

bool IsDomainChar(char c) { return IsAlnum(c) || c == '-'; }

// The first pool domain in `lower` (lower-cased text) with its span.
std::optional<std::pair<size_t, size_t>> FindPoolDomain(std::string_view lower) {
  std::optional<std::pair<size_t, size_t>> best;
  for (std::string_view d : kPoolDomains) {
    for (size_t pos = lower.find(d); pos != std::string_view::npos; pos = lower.find(d, pos + 1)) {
      size_t end = pos + d.size();
      if (pos > 0 && IsDomainChar(lower[pos - 1])) continue;
      if (end < lower.size() && IsDomainChar(lower[end])) continue;
      if (end + 1 < lower.size() && lower[end] == '.' && IsDomainChar(lower[end + 1])) continue;
      // Widen to the full host name and a port.
      size_t begin = pos;
      while (begin > 0 && (IsDomainChar(lower[begin - 1]) || lower[begin - 1] == '.')) --begin;
      if (end < lower.size() && lower[end] == ':') {
        size_t p = end + 1;
        while (p < lower.size() && IsDigit(lower[p])) ++p;
        if (p > end + 1) end = p;
      }
      if (!best || begin < best->first) best = std::make_pair(begin, end);
      break;
    }
  }
  return best;
}

// A Monero address: 95 base58 characters starting "4" then [0-9AB]
// (standard), 106 starting "4" (integrated), or 95 starting "8"
// (subaddress), not part of a longer word.
std::optional<std::pair<size_t, size_t>> FindMoneroWallet(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (!IsBase58(text[i])) {
      ++i;
      continue;
    }
    size_t begin = i;
    while (i < text.size() && IsBase58(text[i])) ++i;
    size_t n = i - begin;
    bool bounded =
        (begin == 0 || !IsAlnum(text[begin - 1])) && (i == text.size() || !IsAlnum(text[i]));
    if (!bounded) continue;
    char first = text[begin];
    char second = n > 1 ? text[begin + 1] : '\0';
    if ((n == 95 && first == '4' && (IsDigit(second) || second == 'A' || second == 'B')) ||
        (n == 106 && first == '4') || (n == 95 && first == '8'))
      return std::make_pair(begin, i);
  }
  return std::nullopt;
}

// "stratum+tcp://host:port", "stratum2+ssl://", "stratum://", any case.
std::optional<std::pair<size_t, size_t>> FindStratumUrl(std::string_view lower) {
  for (size_t pos = lower.find("stratum"); pos != std::string_view::npos;
       pos = lower.find("stratum", pos + 1)) {
    size_t p = pos + 7;
    if (p < lower.size() && lower[p] == '2') ++p;
    if (p < lower.size() && lower[p] == '+') {
      size_t q = p + 1;
      while (q < lower.size() && IsLowerAscii(lower[q]) && q - p <= 4) ++q;
      if (q - p < 3) continue;
      p = q;
    }
    if (lower.substr(p, 3) != "://") continue;
    size_t end = p + 3;
    while (end < lower.size() && !IsSpace(lower[end]) && lower[end] != '"' && lower[end] != '\'')
      ++end;
    return std::make_pair(pos, end);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Download and execute.

bool IsFetcher(std::string_view program) {
  return program == "curl" || program == "wget" || program == "fetch" || program == "aria2c";
}

bool IsUrl(std::string_view w) { return Contains(w, "://"); }

// Names the fetch command writes: -o/-O/--output/--output-document targets
// and the last path component of each URL.
std::set<std::string> DownloadedNames(const Command& c) {
  std::set<std::string> names;
  const auto& w = c.words;
  for (size_t i = 0; i < w.size(); ++i) {
    std::string_view word = w[i];
    if (IsUrl(word)) {
      std::string_view path = word.substr(word.find("://") + 3);
      size_t q = path.find_first_of("?#");
      if (q != std::string_view::npos) path = path.substr(0, q);
      size_t slash = path.find('/');
      if (slash != std::string_view::npos) {
        std::string base = BaseLower(path.substr(slash));
        if (!base.empty()) names.insert(base);
      }
    } else if ((word == "-o" || word == "-O" || word == "--output" ||
                word == "--output-document") &&
               i + 1 < w.size() && w[i + 1] != "-") {
      names.insert(BaseLower(w[i + 1]));
    } else if (StartsWith(word, "--output-document=") || StartsWith(word, "--output=")) {
      std::string_view v = word.substr(word.find('=') + 1);
      if (!v.empty() && v != "-") names.insert(BaseLower(v));
    } else if (word.size() > 2 && (StartsWith(word, "-o") || StartsWith(word, "-O")) &&
               word[2] != '-') {
      names.insert(BaseLower(word.substr(2)));
    } else if (word.size() > 2 && word[0] == '-' && word[1] != '-' &&
               (word.back() == 'o' || word.back() == 'O') && i + 1 < w.size() && w[i + 1] != "-") {
      names.insert(BaseLower(w[i + 1]));  // -qO file, -sSLo file
    }
  }
  return names;
}

bool IsExecutableMode(std::string_view mode) {
  if (Contains(mode, "+x") || Contains(mode, "+rx") || Contains(mode, "+rwx")) return true;
  // Octal: any of the last three digits with the execute bit (755, 0700).
  if (mode.size() < 3 || mode.size() > 4 ||
      !std::all_of(mode.begin(), mode.end(), [](char c) { return c >= '0' && c <= '7'; }))
    return false;
  return std::any_of(mode.end() - 3, mode.end(), [](char c) { return ((c - '0') & 1) != 0; });
}

// A checksum or signature check in the same step: the download is pinned
// (the official images verify what they fetch this way).
bool VerifiesDownload(const std::vector<Command>& commands) {
  for (const Command& c : commands) {
    std::string p = Program(c);
    bool check_flag = std::any_of(c.words.begin(), c.words.end(), [](const std::string& w) {
      return w == "-c" || w == "--check" || w == "--verify" || w == "verify" ||
             (w.size() > 1 && w[0] == '-' && w[1] != '-' && Contains(w, "c") && w.size() <= 4);
    });
    if ((EndsWith(p, "sum") || p == "shasum" || p == "gpg" || p == "gpg2" || p == "cosign" ||
         p == "minisign") &&
        check_flag)
      return true;
    if (p == "gpgv" || p == "gpgv2") return true;
  }
  return false;
}

// Whether an interpreter at the end of a pipe runs what comes in as code:
// "sh", "bash -s -- x", "python3 -" do; "python3 -m json.tool",
// "python3 -c '...'", "perl -e ..." and "python3 script.py" read it as data.
bool ReadsCodeFromStdin(const Command& c) {
  size_t start = CommandStart(c.words);
  if (start >= c.words.size()) return false;
  bool shell = IsShell(BaseLower(c.words[start]));
  for (size_t i = start + 1; i < c.words.size(); ++i) {
    std::string_view w = c.words[i];
    if (w == "-" || w == "/dev/stdin") return true;
    if (shell && w == "-s") return true;
    if (w == "-c" || w == "-e" || w == "-E" || w == "-r" || w == "-m" || w == "-p" ||
        w == "--eval" || w == "--print")
      return false;
    if (shell && w.size() > 1 && w[0] == '-' && w[1] != '-' && Contains(w, "c")) return false;
    if (StartsWith(w, "-")) continue;
    return false;  // a script file: stdin is its data
  }
  return true;
}

struct DownloadExec {
  size_t from = 0;  // the commands involved, for the evidence
  size_t to = 0;
  std::vector<std::string> urls;
};

std::optional<DownloadExec> FindDownloadExec(const std::vector<Command>& commands) {
  // curl ... | sh; wget -O- ... | sudo bash -s
  for (size_t i = 0; i + 1 < commands.size(); ++i) {
    if (!IsFetcher(Program(commands[i]))) continue;
    if (commands[i].after == Sep::kPipe && IsInterpreter(Program(commands[i + 1])) &&
        ReadsCodeFromStdin(commands[i + 1])) {
      DownloadExec d{.from = i, .to = i + 1, .urls = {}};
      for (const auto& w : commands[i].words)
        if (IsUrl(w)) d.urls.push_back(w);
      return d;
    }
  }
  // bash <(curl ...); sh -c "$(curl ...)"; eval "$(wget -qO- ...)"
  for (size_t i = 1; i < commands.size(); ++i) {
    if (commands[i].before != Sep::kSubst || !IsFetcher(Program(commands[i]))) continue;
    const Command& outer = commands[i - 1];
    if (outer.after != Sep::kSubst || outer.words.empty()) continue;
    const std::vector<std::string>& w = outer.words;
    size_t start = CommandStart(w);
    std::string program = start < w.size() ? BaseLower(w[start]) : "";
    // With every word a wrapper, the substitution is the script of the
    // last one: "sh -c $(...)", "eval $(...)"; not "x=$(...)".
    bool runs_it = false;
    if (start < w.size()) {
      runs_it = IsInterpreter(program) || program == "source" || program == ".";
    } else {
      size_t n = w.size();
      runs_it =
          BaseLower(w[n - 1]) == "eval" || (n >= 2 && IsShell(BaseLower(w[n - 2])) &&
                                            StartsWith(w[n - 1], "-") && Contains(w[n - 1], "c"));
    }
    if (runs_it) {
      DownloadExec d{.from = i - 1, .to = i, .urls = {}};
      for (const auto& w : commands[i].words)
        if (IsUrl(w)) d.urls.push_back(w);
      return d;
    }
  }
  // wget URL -O x && chmod +x x && ./x; curl -o i.sh URL && sh i.sh
  if (VerifiesDownload(commands)) return std::nullopt;
  size_t fetches = 0;
  for (size_t i = 0; i < commands.size() && fetches < kMaxFetchesFollowed; ++i) {
    if (!IsFetcher(Program(commands[i]))) continue;
    ++fetches;
    std::set<std::string> names = DownloadedNames(commands[i]);
    if (names.empty()) continue;
    bool chmodded = false;
    for (size_t k = i + 1; k < commands.size(); ++k) {
      const Command& c = commands[k];
      size_t start = CommandStart(c.words);
      if (start >= c.words.size()) continue;
      std::string program = BaseLower(c.words[start]);
      if (program == "chmod") {
        bool exec_mode = false;
        for (size_t w = start + 1; w < c.words.size(); ++w) {
          if (IsExecutableMode(c.words[w])) exec_mode = true;
          if (exec_mode && names.count(BaseLower(c.words[w]))) chmodded = true;
        }
        continue;
      }
      bool runs =
          chmodded && names.count(program) && (c.words[start].find('/') != std::string::npos);
      if (!runs && IsInterpreter(program)) {
        for (size_t w = start + 1; w < c.words.size(); ++w) {
          if (StartsWith(c.words[w], "-")) continue;
          runs = names.count(BaseLower(c.words[w])) > 0;
          break;
        }
      }
      if (runs) {
        DownloadExec d{.from = i, .to = k, .urls = {}};
        for (const auto& w : commands[i].words)
          if (IsUrl(w)) d.urls.push_back(w);
        return d;
      }
    }
  }
  return std::nullopt;
}

bool IsIpHost(std::string_view host) {
  if (host.empty()) return false;
  if (host[0] == '[') return true;  // IPv6 literal
  return std::all_of(host.begin(), host.end(), [](char c) { return IsDigit(c) || c == '.'; });
}

// A build-time download is suspicious when nothing vouches for its source:
// plain http, a bare IP address, or a script dressed as an image.
bool UntrustedSource(const std::vector<std::string>& urls) {
  for (const std::string& url : urls) {
    std::string lower = ToLower(url);
    if (StartsWith(lower, "http://") || StartsWith(lower, "ftp://")) return true;
    std::string_view rest = std::string_view(lower).substr(lower.find("://") + 3);
    std::string_view host = rest.substr(0, rest.find_first_of("/:?#"));
    size_t at = host.find('@');
    if (at != std::string_view::npos) host.remove_prefix(at + 1);
    if (IsIpHost(host)) return true;
    std::string_view path = rest.substr(0, rest.find_first_of("?#"));
    for (std::string_view ext : {".jpg", ".jpeg", ".png", ".gif", ".ico", ".bmp"})
      if (EndsWith(path, ext)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Reverse shells (contraband.md §3.3).

bool IsNetcat(std::string_view p) {
  return p == "nc" || p == "ncat" || p == "netcat" || p == "nc.traditional" || p == "nc.openbsd";
}

bool IsShellPath(std::string_view w) {
  std::string base = BaseLower(w);
  return IsShell(base) || base == "cmd.exe" || base == "powershell";
}

std::optional<std::string> FindReverseShell(std::string_view text,
                                            const std::vector<Command>& commands) {
  std::string lower = ToLower(text);
  // bash -i >& /dev/tcp/host/port 0>&1
  if (Contains(lower, "/dev/tcp/") || Contains(lower, "/dev/udp/")) {
    for (std::string_view tell : {"0>&1", "0<&", ">&0", "sh -i", "bash -i", "while read"})
      if (Contains(lower, tell)) return "shell bound to /dev/tcp";
  }
  // python -c 'import socket,subprocess,os; ... dup2 ...'
  bool socket = false;
  for (std::string_view s : {"import socket", "use socket", "-rsocket", "fsockopen(",
                             "tcpsocket.new", "tcpsocket.open", "socket.socket(", "net.socket("})
    if (Contains(lower, s)) socket = true;
  if (socket) {
    for (std::string_view s : {"dup2", "pty.spawn", "/bin/sh", "/bin/bash", "sh -i", "proc_open",
                               "child_process", "cmd.exe"})
      if (Contains(lower, s)) return "scripted socket handing a shell to the network";
  }
  bool fifo = false, net = false, shell = false;
  for (const Command& c : commands) {
    size_t start = CommandStart(c.words);
    if (start >= c.words.size()) {
      // "sh -c" alone (its script in quotes was flattened into later words)
      continue;
    }
    std::string program = BaseLower(c.words[start]);
    const auto& w = c.words;
    if (IsNetcat(program)) {
      net = true;
      for (size_t i = start + 1; i < w.size(); ++i) {
        std::string_view word = w[i];
        if (word == "--sh-exec" || word == "--lua-exec" || StartsWith(word, "--sh-exec=") ||
            StartsWith(word, "--exec") || (word == "-e" || word == "-c")) {
          if (word == "-e" || word == "-c" || word == "--exec") {
            if (i + 1 < w.size() && IsShellPath(w[i + 1])) return "netcat " + std::string(word);
          } else {
            return "netcat " + std::string(word.substr(0, word.find('=')));
          }
        }
        if ((StartsWith(word, "-e") || StartsWith(word, "-c")) && word.size() > 2 &&
            IsShellPath(word.substr(2)))
          return "netcat " + std::string(word.substr(0, 2));
      }
    } else if (program == "socat") {
      bool exec_shell = false, tcp = false;
      for (size_t i = start + 1; i < w.size(); ++i) {
        std::string word = ToLower(w[i]);
        if (StartsWith(word, "exec:") || StartsWith(word, "system:")) {
          std::string target = word.substr(word.find(':') + 1);
          if (target.empty() && i + 1 < w.size()) target = ToLower(w[i + 1]);
          target = target.substr(0, target.find(','));
          if (IsShellPath(target)) exec_shell = true;
        }
        if (Contains(word, "tcp") || StartsWith(word, "openssl") || StartsWith(word, "ssl:"))
          tcp = true;
      }
      if (exec_shell && tcp) return "socat exec of a shell over the network";
    } else if (program == "telnet" || (program == "openssl" && Contains(lower, "s_client"))) {
      net = true;
    } else if (program == "mkfifo" || (program == "mknod" && w.back() == "p")) {
      fifo = true;
    } else if (IsShell(program)) {
      shell = true;
    }
  }
  if (fifo && net && shell) return "shell piped through a fifo to the network";
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// The checks.

struct Field {
  std::string name;  // "Env[3]"
  model::LayerRef layer;
};

class Collector {
 public:
  // Adds `d` unless a detection of the same rule with the same key is there.
  void Add(const Field& field, Detection d, std::string_view key) {
    if (out_.size() >= kMaxDetections) return;
    std::string k = d.rule_id + '\0' + std::string(key);
    if (!seen_.insert(std::move(k)).second) return;
    d.layer = field.layer;
    if (d.category == model::kCategorySecret) d.layer.created_by.clear();
    out_.push_back(std::move(d));
  }
  std::vector<Detection> Take() { return std::move(out_); }

 private:
  std::set<std::string> seen_;
  std::vector<Detection> out_;
};

void CheckSecrets(const Field& field, std::string_view text, Collector& out,
                  bool env_entry = false) {
  for (const SecretHit& h : FindSecrets(text, env_entry)) {
    std::string shown = RedactedHit(text, h);
    std::string evidence = field.name + ": ";
    if (h.assignment) {
      evidence += Cut(h.label, 64) + "=" + shown;
    } else if (h.marker_only) {
      evidence += shown;
    } else {
      evidence += h.label + " " + shown;
    }
    std::string what = h.assignment ? "a value in " + Cut(h.label, 64) : h.label;
    if (h.marker_only) what = "private key";
    out.Add(field,
            MakeDetection(model::kCategorySecret, h.rule, Severity::kHigh, Disposition::kSuspicious,
                          h.assignment ? Confidence::kMedium : Confidence::kHigh,
                          "Secret in the image config: " + what, std::move(evidence)),
            text.substr(h.begin, h.end - h.begin));
  }
}

// Checks that read any text: stratum URLs, pool domains, --donate-level,
// Monero wallets.
void CheckMinerText(const Field& field, std::string_view text, Collector& out) {
  std::string lower = ToLower(text);
  if (auto m = FindStratumUrl(lower)) {
    std::string_view url = text.substr(m->first, m->second - m->first);
    out.Add(field,
            MakeDetection(model::kCategoryCoinMiner, "config-miner-stratum-url", Severity::kHigh,
                          Disposition::kSuspicious, Confidence::kHigh,
                          "Stratum mining-pool URL in the image config",
                          field.name + ": " + Quote(url), kMinerReference),
            ToLower(url));
  }
  if (auto m = FindPoolDomain(lower)) {
    std::string_view host = std::string_view(lower).substr(m->first, m->second - m->first);
    out.Add(field,
            MakeDetection(model::kCategoryCoinMiner, "config-miner-pool-domain", Severity::kHigh,
                          Disposition::kSuspicious, Confidence::kMedium,
                          "Mining-pool domain in the image config",
                          field.name + ": " + Cut(host, kMaxQuoteBytes), kMinerReference),
            host);
  }
  if (size_t pos = lower.find("--donate-level"); pos != std::string::npos) {
    std::string_view rest = std::string_view(text).substr(pos);
    out.Add(
        field,
        MakeDetection(model::kCategoryCoinMiner, "config-miner-donate-level", Severity::kHigh,
                      Disposition::kSuspicious, Confidence::kHigh,
                      "Miner option --donate-level in the image config",
                      field.name + ": " + Quote(rest.substr(0, rest.find_first_of("\n;&|")), 60),
                      "https://github.com/xmrig/xmrig"),
        "--donate-level");
  }
  if (auto m = FindMoneroWallet(text)) {
    std::string_view wallet = text.substr(m->first, m->second - m->first);
    out.Add(field,
            MakeDetection(model::kCategoryCoinMiner, "config-miner-wallet", Severity::kHigh,
                          Disposition::kSuspicious, Confidence::kMedium,
                          "Monero wallet address in the image config",
                          field.name + ": " + std::string(wallet)),
            wallet);
  }
}

enum class CommandKind { kRuntime, kBuild };

// Checks that read commands: miner executables, download and execute,
// reverse shells, sshd.
void CheckCommands(const Field& field, std::string_view text, CommandKind kind, Collector& out) {
  std::vector<Command> commands = ParseCommands(text);
  std::vector<SecretHit> secrets = FindSecrets(text);
  for (size_t i = 0; i < commands.size(); ++i) {
    const Command& c = commands[i];
    size_t start = CommandStart(c.words);
    for (size_t w = 0; w < c.words.size(); ++w) {
      std::string_view word = c.words[w];
      std::string_view name;
      if (w == start) name = MinerName(BaseLower(word), /*program=*/true);
      if (name.empty() && Contains(word, "/")) {
        // Any path component: "/opt/xmrig/config.json", release URLs.
        for (std::string_view part : Split(word, '/')) {
          name = MinerName(ToLower(part), /*program=*/false);
          if (!name.empty()) break;
        }
      }
      if (name.empty()) continue;
      out.Add(field,
              MakeDetection(model::kCategoryCoinMiner, "config-miner-executable", Severity::kHigh,
                            Disposition::kSuspicious,
                            w == start ? Confidence::kHigh : Confidence::kMedium,
                            "Coin miner named in the image config",
                            field.name + ": " + std::string(name) + " in \"" +
                                QuoteSpan(text, secrets, c.begin, c.end) + "\"",
                            kMinerReference),
              name);
      break;
    }
  }

  if (auto d = FindDownloadExec(commands)) {
    bool runtime = kind == CommandKind::kRuntime;
    bool untrusted = UntrustedSource(d->urls);
    Severity severity = runtime ? Severity::kHigh : untrusted ? Severity::kMedium : Severity::kLow;
    Disposition disposition = runtime || untrusted ? Disposition::kSuspicious : Disposition::kInfo;
    std::string title = runtime ? "Container downloads and runs code when it starts"
                                : "Build step downloads and runs code";
    std::string key = d->urls.empty() ? JoinWords(commands, d->from, d->to) : d->urls.front();
    out.Add(
        field,
        MakeDetection(model::kCategoryConfig, "config-download-execute", severity, disposition,
                      Confidence::kMedium, std::move(title),
                      field.name + ": " +
                          QuoteSpan(text, secrets, commands[d->from].begin, commands[d->to].end),
                      kDropperReference),
        key);
  }

  if (auto what = FindReverseShell(text, commands)) {
    out.Add(field,
            MakeDetection(model::kCategoryBackdoor, "config-reverse-shell", Severity::kCritical,
                          Disposition::kMalicious, Confidence::kMedium,
                          "Reverse shell in the image config",
                          field.name + ": " + *what + ": " + Quote(text), kDropperReference),
            Quote(text, 4096));
  }

  if (kind == CommandKind::kRuntime) {
    for (const Command& c : commands) {
      std::string program = Program(c);
      size_t start = CommandStart(c.words);
      if (start >= c.words.size()) continue;
      bool sshd = program == "sshd";
      if (program == "service") {
        bool ssh = false, start_word = false;
        for (size_t w = start + 1; w < c.words.size(); ++w) {
          if (c.words[w] == "ssh" || c.words[w] == "sshd") ssh = true;
          if (c.words[w] == "start" || c.words[w] == "restart") start_word = true;
        }
        sshd = ssh && start_word;
      }
      if (c.words[start] == "/etc/init.d/ssh") sshd = true;
      if (!sshd) continue;
      out.Add(field,
              MakeDetection(
                  model::kCategoryConfig, "config-ssh-exposed", Severity::kMedium,
                  Disposition::kInfo, Confidence::kHigh, "Image runs an SSH server",
                  field.name + ": runs sshd (\"" + QuoteSpan(text, secrets, c.begin, c.end) + "\")",
                  "CIS Docker Benchmark 5.6: ensure sshd is not run within containers"),
              "sshd");
      break;
    }
  }
}

void CheckUser(const model::RunConfig& config, Collector& out) {
  std::string_view user = Trim(config.user);
  std::string_view name = user.substr(0, user.find(':'));
  if (!(name.empty() || name == "root" || name == "0")) return;
  std::string evidence = user.empty() ? "User is not set: the container runs as root (uid 0)"
                                      : "User is \"" + Cut(user, 64) + "\": uid 0";
  out.Add(Field{"User", {}},
          MakeDetection(
              model::kCategoryConfig, "config-runs-as-root", Severity::kLow, Disposition::kInfo,
              Confidence::kHigh, "Image runs as root", std::move(evidence),
              "CIS Docker Benchmark 4.1: ensure that a user for the container has been created"),
          "root");
}

void CheckExposedPorts(const model::RunConfig& config, Collector& out) {
  for (const std::string& port : config.exposed_ports) {
    std::string_view p = Trim(port);
    if (p != "22/tcp" && p != "22") continue;
    out.Add(Field{"ExposedPorts", {}},
            MakeDetection(model::kCategoryConfig, "config-ssh-exposed", Severity::kMedium,
                          Disposition::kInfo, Confidence::kMedium, "Image exposes SSH",
                          "ExposedPorts: " + std::string(p),
                          "CIS Docker Benchmark 5.6: ensure sshd is not run within containers"),
            "sshd");
  }
}

std::string JoinArgv(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
    if (out.size() > kMaxFieldBytes) break;
  }
  return out;
}

std::string_view Bounded(std::string_view s) { return s.substr(0, kMaxFieldBytes); }

// What a history line did: the Dockerfile instruction and its text.
struct HistoryStep {
  std::string instruction;  // "RUN", "ENV", "CMD", "COPY", ...
  std::string_view body;
};

HistoryStep ParseHistoryLine(std::string_view line) {
  line = Trim(line);
  size_t nop = line.find("#(nop)");
  if (nop != std::string_view::npos) {
    std::string_view rest = Trim(line.substr(nop + 6));
    size_t sp = rest.find_first_of(" \t");
    std::string instruction = Upper(rest.substr(0, sp));
    return {instruction, sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1)};
  }
  constexpr std::string_view kInstructions[] = {
      "RUN",         "ENV",   "ARG",        "LABEL",   "CMD",       "ENTRYPOINT",
      "COPY",        "ADD",   "EXPOSE",     "USER",    "WORKDIR",   "VOLUME",
      "HEALTHCHECK", "SHELL", "STOPSIGNAL", "ONBUILD", "MAINTAINER"};
  size_t sp = line.find_first_of(" \t");
  std::string_view first = line.substr(0, sp);
  for (std::string_view ins : kInstructions) {
    if (first == ins) {
      std::string_view body =
          sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
      return {std::string(ins), body};
    }
  }
  return {"RUN", line};
}

// "|2 A=b C=d /bin/sh -c x" (RUN with build args) -> "A=b C=d /bin/sh -c x".
std::string_view StripBuildArgCount(std::string_view body) {
  body = Trim(body);
  if (body.size() > 1 && body[0] == '|' && IsDigit(body[1])) {
    size_t i = 1;
    while (i < body.size() && IsDigit(body[i])) ++i;
    body.remove_prefix(i);
  }
  return body;
}

}  // namespace

std::vector<model::Detection> CheckImageConfig(const model::ImageInfo& image) {
  Collector out;
  const model::RunConfig& config = image.config;
  CheckUser(config, out);

  std::string entrypoint = JoinArgv(config.entrypoint);
  std::string cmd = JoinArgv(config.cmd);
  for (const auto& [name, text] :
       {std::pair<std::string, std::string_view>("Entrypoint", entrypoint),
        std::pair<std::string, std::string_view>("Cmd", cmd)}) {
    if (text.empty()) continue;
    Field field{name, {}};
    std::string_view t = Bounded(text);
    CheckSecrets(field, t, out);
    CheckMinerText(field, t, out);
    CheckCommands(field, t, CommandKind::kRuntime, out);
  }

  for (size_t i = 0; i < config.env.size(); ++i) {
    Field field{"Env[" + std::to_string(i) + "]", {}};
    std::string_view entry = Bounded(config.env[i]);
    CheckSecrets(field, entry, out, /*env_entry=*/true);
    CheckMinerText(field, entry, out);
    // A value is not run by itself, but one holding a reverse shell is
    // there to be run.
    std::string_view value = entry.substr(
        entry.find('=') == std::string_view::npos ? entry.size() : entry.find('=') + 1);
    if (auto what = FindReverseShell(value, ParseCommands(value))) {
      out.Add(
          field,
          MakeDetection(
              model::kCategoryBackdoor, "config-reverse-shell", Severity::kCritical,
              Disposition::kMalicious, Confidence::kMedium, "Reverse shell in the image config",
              field.name + ": " + *what + ": " + Quote(entry, kMaxQuoteBytes, /*env_entry=*/true),
              kDropperReference),
          Quote(value, 4096));
    }
  }

  CheckExposedPorts(config, out);

  // History lines map in order onto the layers, skipping empty_layer ones.
  size_t layer_index = 0;
  for (size_t i = 0; i < image.history.size(); ++i) {
    const model::HistoryEntry& h = image.history[i];
    Field field{"History[" + std::to_string(i) + "].created_by", {}};
    if (!h.empty_layer) {
      if (layer_index < image.layers.size()) field.layer = image.layers[layer_index];
      ++layer_index;
    }
    std::string_view line = Bounded(h.created_by);
    if (line.empty()) continue;
    // Secrets anywhere in history ship with every pull of the config.
    CheckSecrets(field, line, out);
    HistoryStep step = ParseHistoryLine(line);
    // CMD and ENTRYPOINT lines are checked as the config's Entrypoint/Cmd;
    // ONBUILD runs only in images built from this one.
    if (step.instruction == "CMD" || step.instruction == "ENTRYPOINT" ||
        step.instruction == "ONBUILD")
      continue;
    CheckMinerText(field, step.body, out);
    if (step.instruction == "RUN" || step.instruction == "HEALTHCHECK") {
      CheckCommands(field, StripBuildArgCount(step.body), CommandKind::kBuild, out);
    } else if (step.instruction == "COPY" || step.instruction == "ADD") {
      CheckCommands(field, step.body, CommandKind::kBuild, out);
    }
  }
  return out.Take();
}

std::string MinerProgram(std::string_view path) {
  return std::string(MinerName(BaseLower(path), /*program=*/true));
}

bool IsPoolHost(std::string_view host) {
  std::string lower = ToLower(host);
  auto found = FindPoolDomain(lower);
  return found && found->first == 0 && found->second == lower.size();
}

std::optional<std::string> FindWallet(std::string_view text) {
  auto found = FindMoneroWallet(text);
  if (!found) return std::nullopt;
  return std::string(text.substr(found->first, found->second - found->first));
}

std::optional<std::string> FindStratum(std::string_view text) {
  std::string lower = ToLower(text);
  auto found = FindStratumUrl(lower);
  if (!found) return std::nullopt;
  return std::string(text.substr(found->first, found->second - found->first));
}

bool IsShellProgram(std::string_view base) { return IsShell(BaseLower(base)); }

}  // namespace customs::detect
