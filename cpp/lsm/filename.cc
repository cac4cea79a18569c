#include "lsm/filename.h"

#include <cstdio>

namespace embodb::lsm {

static std::string MakeFileName(const std::string& dbname, uint64_t number, const char* suffix) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "/%06llu.%s", static_cast<unsigned long long>(number), suffix);
  return dbname + buf;
}

std::string LogFileName(const std::string& dbname, uint64_t n) { return MakeFileName(dbname, n, "log"); }
std::string TableFileName(const std::string& dbname, uint64_t n) { return MakeFileName(dbname, n, "sst"); }
std::string BlobFileName(const std::string& dbname, uint64_t n) { return MakeFileName(dbname, n, "blob"); }
std::string TempFileName(const std::string& dbname, uint64_t n) { return MakeFileName(dbname, n, "dbtmp"); }

std::string ManifestFileName(const std::string& dbname, uint64_t number) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "/MANIFEST-%06llu", static_cast<unsigned long long>(number));
  return dbname + buf;
}

std::string CurrentFileName(const std::string& dbname) { return dbname + "/CURRENT"; }
std::string LockFileName(const std::string& dbname) { return dbname + "/LOCK"; }

static bool ParseNumber(const std::string& s, uint64_t* number) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *number = v;
  return true;
}

bool ParseFileName(const std::string& name, uint64_t* number, FileType* type) {
  if (name == "CURRENT") {
    *number = 0;
    *type = FileType::kCurrent;
    return true;
  }
  if (name == "LOCK") {
    *number = 0;
    *type = FileType::kLock;
    return true;
  }
  if (name.rfind("MANIFEST-", 0) == 0) {
    *type = FileType::kManifest;
    return ParseNumber(name.substr(9), number);
  }
  const auto dot = name.find('.');
  if (dot == std::string::npos || !ParseNumber(name.substr(0, dot), number)) return false;
  const std::string suffix = name.substr(dot + 1);
  if (suffix == "log") *type = FileType::kLog;
  else if (suffix == "sst") *type = FileType::kTable;
  else if (suffix == "blob") *type = FileType::kBlob;
  else if (suffix == "dbtmp") *type = FileType::kTemp;
  else return false;
  return true;
}

Status SetCurrentFile(Env* env, const std::string& dbname, uint64_t manifest_number) {
  std::string contents = ManifestFileName(dbname, manifest_number).substr(dbname.size() + 1) + "\n";
  const std::string tmp = TempFileName(dbname, manifest_number);
  EMBODB_RETURN_IF_ERROR(WriteStringToFile(env, contents, tmp, /*sync=*/true));
  Status s = env->RenameFile(tmp, CurrentFileName(dbname));
  if (!s.ok()) {
    env->RemoveFile(tmp).PermitUncheckedError();
    return s;
  }
  return env->SyncDir(dbname);
}

}  // namespace embodb::lsm
