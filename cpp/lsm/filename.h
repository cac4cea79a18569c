// Names of the files in a database directory (docs/format/README.md):
//   LOCK, CURRENT, MANIFEST-NNNNNN, NNNNNN.log, NNNNNN.sst, NNNNNN.blob, NNNNNN.dbtmp
#pragma once

#include <cstdint>
#include <string>

#include "env/env.h"

namespace embodb::lsm {

enum class FileType { kLog, kTable, kBlob, kManifest, kCurrent, kLock, kTemp };

std::string LogFileName(const std::string& dbname, uint64_t number);
std::string TableFileName(const std::string& dbname, uint64_t number);
std::string BlobFileName(const std::string& dbname, uint64_t number);
std::string ManifestFileName(const std::string& dbname, uint64_t number);
std::string CurrentFileName(const std::string& dbname);
std::string LockFileName(const std::string& dbname);
std::string TempFileName(const std::string& dbname, uint64_t number);

// Parses a bare file name; false for files that are not the engine's.
bool ParseFileName(const std::string& name, uint64_t* number, FileType* type);

// Points CURRENT at manifest `number`: write a temp file, sync, rename, sync dir.
Status SetCurrentFile(Env* env, const std::string& dbname, uint64_t manifest_number);

}  // namespace embodb::lsm
