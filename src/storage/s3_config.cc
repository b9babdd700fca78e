#include "storage/s3_config.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "storage/object_store.h"

namespace tickerflow::storage {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kS3Scheme = "s3://";
constexpr std::string_view kUrlForm = "s3://BUCKET[/PREFIX]";
constexpr std::string_view kDefaultRegion = "us-east-1";
constexpr std::string_view kDefaultProfile = "default";
constexpr size_t kMinBucketLength = 3;
constexpr size_t kMaxBucketLength = 63;
constexpr size_t kMaxRegionLength = 64;
constexpr long kMaxPort = 65535;

bool IsLowerOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsLowerOrDigit(c) || (c >= 'A' && c <= 'Z'); }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (IsBlank(text.front()) || text.front() == '\r')) text.remove_prefix(1);
  while (!text.empty() && (IsBlank(text.back()) || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::string ToLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

// "192.168.5.4": four dot-separated runs of digits. S3 refuses such bucket names.
bool LooksLikeIpAddress(std::string_view name) {
  int parts = 0;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    const std::string_view part = name.substr(start, dot - start);
    if (part.empty() || part.size() > 3) return false;
    for (const char c : part) {
      if (!IsDigit(c)) return false;
    }
    ++parts;
    if (dot == std::string_view::npos) return parts == 4;
    start = dot + 1;
  }
}

// Why `name` is not a valid bucket name, or empty when it is.
std::string BucketProblem(std::string_view name) {
  if (name.size() < kMinBucketLength || name.size() > kMaxBucketLength) {
    return fmt::format("a bucket name has {} to {} characters, this one {}", kMinBucketLength,
                       kMaxBucketLength, name.size());
  }
  for (const char c : name) {
    if (!IsLowerOrDigit(c) && c != '.' && c != '-') {
      return "a bucket name holds only lower-case letters, digits, '.' and '-'";
    }
  }
  if (!IsLowerOrDigit(name.front()) || !IsLowerOrDigit(name.back())) {
    return "a bucket name starts and ends with a lower-case letter or a digit";
  }
  if (name.find("..") != std::string_view::npos) {
    return "a bucket name has no two adjacent '.'";
  }
  if (LooksLikeIpAddress(name)) return "a bucket name is not an IP address";
  return {};
}

Status InvalidUrl(std::string_view url, std::string_view problem) {
  return Status::Error(
      ErrorCode::kInvalidArgument,
      fmt::format("invalid S3 URL {}: {}; expected {}", QuoteForMessage(url), problem, kUrlForm));
}

// The environment variable `name`, or nullopt when it is unset or empty.
std::optional<std::string> Env(const S3SettingsInput& input, std::string_view name) {
  if (!input.getenv) return std::nullopt;
  std::optional<std::string> value = input.getenv(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

// --- INI files (~/.aws/credentials, ~/.aws/config) -------------------------------------------

// Sections by their name as written between the brackets (trimmed), keys lower-cased.
struct IniFile {
  std::map<std::string, std::map<std::string, std::string>, std::less<>> sections;
};

// Parses the AWS dialect of INI: "[section]", "key = value" (or "key: value"), whole-line
// comments starting with '#' or ';', and the indented lines under a key without a value (the
// nested "s3 =" settings of the config file), which tickerflow does not use and skips. A
// syntax error names the file and the line number only: the line may hold a secret.
Result<IniFile> ParseIni(std::string_view text, const fs::path& path, std::string_view what) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // A UTF-8 byte order mark.
  IniFile ini;
  std::map<std::string, std::string>* section = nullptr;
  bool after_empty_key = false;  // Indented lines that follow "key =" are its nested settings.
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t end = text.find('\n');
    const std::string_view raw = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    const auto syntax_error = [&](std::string_view expected) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("{} '{}', line {}: expected {}; fix the file", what,
                                       path.string(), line_number, expected));
    };
    if (IsBlank(raw.front()) && after_empty_key) continue;
    if (line.front() == '[') {
      // As Python's configparser, which the AWS CLI uses: text after the last ']' is ignored.
      const size_t close = line.rfind(']');
      if (close == 0 || close == std::string_view::npos) {
        return syntax_error("']' at the end of the section header");
      }
      const std::string_view name = Trim(line.substr(1, close - 1));
      if (name.empty()) return syntax_error("a name between '[' and ']'");
      section = &ini.sections[std::string(name)];
      after_empty_key = false;
      continue;
    }
    const size_t delimiter = line.find_first_of("=:");
    if (delimiter == std::string_view::npos || Trim(line.substr(0, delimiter)).empty()) {
      return syntax_error("'[section]' or 'key = value'");
    }
    if (section == nullptr) return syntax_error("a '[section]' header before the first key");
    const std::string_view value = Trim(line.substr(delimiter + 1));
    (*section)[ToLower(Trim(line.substr(0, delimiter)))] = std::string(value);
    after_empty_key = value.empty();
  }
  return ini;
}

// The parsed file at `path`; nullopt when there is no such file.
Result<std::optional<IniFile>> ReadIni(const fs::path& path, std::string_view what) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (status.type() == fs::file_type::not_found) return std::optional<IniFile>();
  std::ifstream in;
  if (!error && !fs::is_directory(status)) in.open(path, std::ios::binary);
  if (!in.is_open()) {
    return Status::Error(
        ErrorCode::kIoError,
        fmt::format("{} '{}' cannot be read; check its permissions", what, path.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();
  TF_ASSIGN_OR_RETURN(IniFile ini, ParseIni(text.str(), path, what));
  return std::optional<IniFile>(std::move(ini));
}

// The home directory: the injected one, else $HOME; empty when neither is known.
fs::path Home(const S3SettingsInput& input) {
  if (!input.home.empty()) return input.home;
  if (std::optional<std::string> home = Env(input, "HOME")) return *home;
  return {};
}

// The file named by `variable`, else HOME/.aws/`name`; "~/" at the start means the home
// directory, as for the AWS CLI. Empty when it depends on an unknown home directory.
fs::path AwsFile(const S3SettingsInput& input, std::string_view variable, std::string_view name) {
  const fs::path home = Home(input);
  if (std::optional<std::string> explicit_path = Env(input, variable)) {
    if (explicit_path->rfind("~/", 0) == 0) {
      return home.empty() ? fs::path() : home / explicit_path->substr(2);
    }
    return *explicit_path;
  }
  return home.empty() ? fs::path() : home / ".aws" / name;
}

// `path` for messages; "~/.aws/NAME" when the home directory is unknown.
std::string Describe(const fs::path& path, std::string_view name) {
  return path.empty() ? fmt::format("~/.aws/{}", name) : path.string();
}

// The profile names of a credentials file, for a message. A section name that does not look
// like a profile name (one pasted key, say) is counted, not shown.
std::string ProfileList(const IniFile& ini) {
  constexpr size_t kMaxShownLength = 64;
  std::string list;
  int hidden = 0;
  for (const auto& section : ini.sections) {
    bool shown = section.first.size() <= kMaxShownLength;
    for (const char c : section.first) {
      shown = shown && (IsAlnum(c) || c == '-' || c == '_' || c == '.' || c == ' ');
    }
    if (!shown) {
      ++hidden;
      continue;
    }
    if (!list.empty()) list += ", ";
    list += QuoteForMessage(section.first);
  }
  if (hidden > 0) {
    list += fmt::format("{}{} other section{}", list.empty() ? "" : ", ", hidden,
                        hidden == 1 ? "" : "s");
  }
  return list.empty() ? "none" : list;
}

// --- Credentials -----------------------------------------------------------------------------

Status NoCredentials(std::string_view message) {
  return Status::Error(ErrorCode::kPermissionDenied, std::string(message));
}

// Credentials and where they came from (S3Settings::credentials_source).
struct FoundCredentials {
  AwsCredentials credentials;
  std::string source;
};

// The credentials of the environment; nullopt when neither key variable is set.
Result<std::optional<FoundCredentials>> CredentialsFromEnvironment(const S3SettingsInput& input) {
  std::optional<std::string> id = Env(input, "AWS_ACCESS_KEY_ID");
  std::optional<std::string> secret = Env(input, "AWS_SECRET_ACCESS_KEY");
  if (id.has_value() != secret.has_value()) {
    const std::string_view set = id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY";
    const std::string_view missing = id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID";
    return NoCredentials(fmt::format(
        "{} is set but {} is not: set both, or unset {} to use the shared credentials file", set,
        missing, set));
  }
  if (!id) return std::optional<FoundCredentials>();
  return std::optional<FoundCredentials>(FoundCredentials{
      .credentials = {.access_key_id = std::move(*id),
                      .secret_access_key = std::move(*secret),
                      .session_token = Env(input, "AWS_SESSION_TOKEN").value_or("")},
      .source = "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"});
}

Result<FoundCredentials> CredentialsFromFile(const S3SettingsInput& input,
                                             const S3Location& location) {
  const std::optional<std::string> profile_variable = Env(input, "AWS_PROFILE");
  const std::string profile = profile_variable.value_or(std::string(kDefaultProfile));
  const fs::path path = AwsFile(input, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
  const std::string where = Describe(path, "credentials");
  std::optional<IniFile> ini;
  if (!path.empty()) {
    TF_ASSIGN_OR_RETURN(ini, ReadIni(path, "shared credentials file"));
  }
  if (!ini) {
    return NoCredentials(fmt::format(
        "no AWS credentials for s3://{}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and "
        "AWS_SESSION_TOKEN for temporary credentials), or write aws_access_key_id and "
        "aws_secret_access_key under [{}] in the shared credentials file {} ({}; "
        "AWS_SHARED_CREDENTIALS_FILE names another file, AWS_PROFILE another profile)",
        location.bucket, profile, where,
        path.empty() ? "not found: $HOME is not set" : "not found"));
  }
  const auto section = ini->sections.find(profile);
  if (section == ini->sections.end()) {
    return NoCredentials(fmt::format(
        "no AWS credentials for s3://{}: profile {}{} is not in the shared credentials file {} "
        "(profiles there: {}); set AWS_PROFILE to one of them, add the profile, or set "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        location.bucket, QuoteForMessage(profile), profile_variable ? " (AWS_PROFILE)" : "", where,
        ProfileList(*ini)));
  }
  const auto value = [&](const std::string& key) {
    const auto found = section->second.find(key);
    return found == section->second.end() ? std::string() : found->second;
  };
  FoundCredentials found{
      .credentials = {.access_key_id = value("aws_access_key_id"),
                      .secret_access_key = value("aws_secret_access_key"),
                      .session_token = value("aws_session_token")},
      .source = fmt::format("shared credentials file {}, profile {}", where, profile)};
  const char* missing = found.credentials.access_key_id.empty()       ? "aws_access_key_id"
                        : found.credentials.secret_access_key.empty() ? "aws_secret_access_key"
                                                                      : nullptr;
  if (missing != nullptr) {
    return NoCredentials(fmt::format(
        "no AWS credentials for s3://{}: profile {} of the shared credentials file {} has no "
        "{}; tickerflow reads static keys only (not role_arn, sso_* or credential_process "
        "profiles)",
        location.bucket, QuoteForMessage(profile), where, missing));
  }
  return found;
}

// --- Region and endpoint ---------------------------------------------------------------------

Status CheckRegion(std::string_view region, std::string_view origin) {
  bool valid = !region.empty() && region.size() <= kMaxRegionLength && IsAlnum(region.front()) &&
               IsAlnum(region.back());
  for (const char c : region) valid = valid && (IsAlnum(c) || c == '-' || c == '_');
  if (valid) return Status::Ok();
  return Status::Error(ErrorCode::kInvalidArgument,
                       fmt::format("invalid AWS region {} from {}: expected a name such as "
                                   "us-east-1 (letters, digits, '-')",
                                   QuoteForMessage(region), origin));
}

Result<std::string> ResolveRegion(const S3SettingsInput& input) {
  for (const std::string_view variable : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (std::optional<std::string> region = Env(input, variable)) {
      TF_RETURN_IF_ERROR(CheckRegion(*region, variable));
      return *region;
    }
  }
  const fs::path path = AwsFile(input, "AWS_CONFIG_FILE", "config");
  if (!path.empty()) {
    TF_ASSIGN_OR_RETURN(std::optional<IniFile> ini, ReadIni(path, "shared config file"));
    if (ini) {
      const std::string profile = Env(input, "AWS_PROFILE").value_or(std::string(kDefaultProfile));
      // [default] for the default profile (or [profile default]); [profile NAME] for the rest.
      const std::string names[] = {profile == kDefaultProfile ? profile : std::string(),
                                   "profile " + profile};
      for (const std::string& name : names) {
        const auto section = ini->sections.find(name);
        if (name.empty() || section == ini->sections.end()) continue;
        const auto region = section->second.find("region");
        if (region == section->second.end() || region->second.empty()) continue;
        TF_RETURN_IF_ERROR(CheckRegion(
            region->second,
            fmt::format("the shared config file {}, [{}]", path.string(), section->first)));
        return region->second;
      }
    }
  }
  return std::string(kDefaultRegion);
}

struct Endpoint {
  std::string scheme;     // "http" or "https".
  std::string authority;  // "host", "host:port", "[v6]:port".
};

// Parses "http(s)://HOST[:PORT][/]". `origin` says where the text came from.
Result<Endpoint> ParseEndpoint(std::string_view url, std::string_view origin) {
  const auto invalid = [&](std::string_view problem) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("invalid S3 endpoint {} from {}: {}; expected "
                                     "http://HOST[:PORT] or https://HOST[:PORT]",
                                     QuoteForMessage(url), origin, problem));
  };
  if (url.find('@') != std::string_view::npos) {
    // Never quote it: what comes before '@' is a user name and password.
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("the S3 endpoint from {} holds a user name or password "
                                     "('user:password@'); remove it and give credentials through "
                                     "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                                     origin));
  }
  const size_t separator = url.find("://");
  if (separator == std::string_view::npos) return invalid("it has no http:// or https://");
  Endpoint endpoint{ToLower(url.substr(0, separator)), {}};
  if (endpoint.scheme != "http" && endpoint.scheme != "https") {
    return invalid("the scheme is neither http nor https");
  }
  std::string_view rest = url.substr(separator + 3);
  const size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority_end != std::string_view::npos && rest.substr(authority_end) != "/") {
    return invalid("it has a path, query or fragment after the host");
  }
  std::string_view host = authority;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {  // An IPv6 literal.
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return invalid("the IPv6 address has no ']'");
    for (const char c : host.substr(1, close - 1)) {
      const bool hex = IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') return invalid("the IPv6 address is malformed");
    }
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return invalid("unexpected text after the IPv6 address");
      port = host.substr(close + 2);
      if (port.empty()) return invalid("the port is empty");
    }
    host = host.substr(0, close + 1);
    if (host.size() == 2) return invalid("the host is empty");
  } else {
    const size_t colon = host.find(':');
    if (colon != std::string_view::npos) {
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
      if (port.empty()) return invalid("the port is empty");
    }
    if (host.empty()) return invalid("the host is empty");
    for (const char c : host) {
      if (!IsAlnum(c) && c != '.' && c != '-' && c != '_') {
        return invalid("the host holds a character other than letters, digits, '.', '-', '_'");
      }
    }
  }
  if (!port.empty()) {
    long number = 0;
    for (const char c : port) {
      if (!IsDigit(c) || number > kMaxPort) return invalid("the port is not a number");
      number = number * 10 + (c - '0');
    }
    if (number < 1 || number > kMaxPort) return invalid("the port is not in 1..65535");
  }
  endpoint.authority = std::string(authority);
  return endpoint;
}

}  // namespace

bool IsS3Url(std::string_view location) {
  return location.substr(0, kS3Scheme.size()) == kS3Scheme;
}

Result<S3Location> ParseS3Url(std::string_view url) {
  if (!IsS3Url(url)) return InvalidUrl(url, "it does not start with s3://");
  std::string_view rest = url.substr(kS3Scheme.size());
  const size_t slash = rest.find('/');
  S3Location location;
  location.bucket = std::string(rest.substr(0, slash));
  if (location.bucket.empty()) return InvalidUrl(url, "the bucket name is missing");
  if (std::string problem = BucketProblem(location.bucket); !problem.empty()) {
    return InvalidUrl(url, problem);
  }
  // "s3://bucket" and "s3://bucket/" are the whole bucket; one trailing '/' of a prefix is
  // dropped, anything else must make a valid key ("s3://bucket//" does not).
  std::string_view prefix =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  if (!prefix.empty()) {
    if (prefix.back() == '/') prefix.remove_suffix(1);
    if (Status status = ValidateKey(prefix); !status.ok()) {
      return InvalidUrl(url, fmt::format("the prefix is not a valid key ({})", status.message()));
    }
    location.prefix = std::string(prefix);
  }
  return location;
}

std::optional<std::string> ProcessGetEnv(std::string_view name) {
  // Reading is thread-safe as long as nothing calls setenv at the same time.
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Result<S3Settings> ResolveS3Settings(const S3SettingsInput& input, const S3Location& location) {
  TF_ASSIGN_OR_RETURN(std::optional<FoundCredentials> found, CredentialsFromEnvironment(input));
  if (!found) {
    TF_ASSIGN_OR_RETURN(found, CredentialsFromFile(input, location));
  }
  S3Settings settings;
  settings.credentials = std::move(found->credentials);
  settings.credentials_source = std::move(found->source);
  TF_ASSIGN_OR_RETURN(settings.region, ResolveRegion(input));

  std::optional<std::pair<std::string, std::string_view>> endpoint;  // {url, origin}
  if (!input.endpoint_flag.empty()) {
    endpoint.emplace(input.endpoint_flag, "--s3-endpoint");
  } else if (std::optional<std::string> url = Env(input, "AWS_ENDPOINT_URL_S3")) {
    endpoint.emplace(*url, "AWS_ENDPOINT_URL_S3");
  } else if (std::optional<std::string> generic = Env(input, "AWS_ENDPOINT_URL")) {
    endpoint.emplace(*generic, "AWS_ENDPOINT_URL");
  }
  if (endpoint) {
    TF_ASSIGN_OR_RETURN(Endpoint parsed, ParseEndpoint(endpoint->first, endpoint->second));
    settings.endpoint = fmt::format("{}://{}", parsed.scheme, parsed.authority);
    settings.path_style = true;
  } else {
    settings.endpoint = fmt::format("https://s3.{}.amazonaws.com", settings.region);
    settings.path_style = location.bucket.find('.') != std::string::npos;
  }
  return settings;
}

Result<S3Address> S3AddressFor(const S3Settings& settings, std::string_view bucket,
                               std::string_view key) {
  TF_ASSIGN_OR_RETURN(Endpoint endpoint, ParseEndpoint(settings.endpoint, "the S3 settings"));
  S3Address address{.scheme = std::move(endpoint.scheme), .host = {}, .path = {}};
  if (settings.path_style) {
    address.host = std::move(endpoint.authority);
    address.path = key.empty() ? fmt::format("/{}", bucket) : fmt::format("/{}/{}", bucket, key);
  } else {
    address.host = fmt::format("{}.{}", bucket, endpoint.authority);
    address.path = fmt::format("/{}", key);
  }
  return address;
}

}  // namespace tickerflow::storage
