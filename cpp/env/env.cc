#include "env/env.h"

namespace embodb {

Status WriteStringToFile(Env* env, std::string_view data, const std::string& fname, bool sync) {
  auto file = env->NewWritableFile(fname);
  if (!file.ok()) return file.status();
  Status s = (*file)->Append(data);
  if (s.ok() && sync) s = (*file)->Sync();
  if (s.ok()) s = (*file)->Close();
  if (!s.ok()) env->RemoveFile(fname).PermitUncheckedError();
  return s;
}

Status ReadFileToString(Env* env, const std::string& fname, std::string* data) {
  data->clear();
  auto file = env->NewSequentialFile(fname);
  if (!file.ok()) return file.status();
  constexpr size_t kChunk = 64 * 1024;
  std::string scratch(kChunk, '\0');
  while (true) {
    std::string_view piece;
    EMBODB_RETURN_IF_ERROR((*file)->Read(kChunk, &piece, scratch.data()));
    if (piece.empty()) break;
    data->append(piece.data(), piece.size());
  }
  return Status::OK();
}

Status CreateDirRecursive(Env* env, const std::string& dirname) {
  for (size_t pos = dirname.find('/', 1); pos != std::string::npos; pos = dirname.find('/', pos + 1)) {
    const std::string prefix = dirname.substr(0, pos);
    if (!env->FileExists(prefix)) EMBODB_RETURN_IF_ERROR(env->CreateDir(prefix));
  }
  return env->CreateDir(dirname);
}

std::string DirName(const std::string& path) {
  auto pos = path.rfind('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

}  // namespace embodb
