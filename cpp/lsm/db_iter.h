// DBIter: turns an iterator over internal keys (all versions, deletion markers,
// blob references) into an iterator over the user keys visible at a sequence
// number, with their values (blob references resolved).
#pragma once

#include <functional>
#include <memory>

#include "lsm/dbformat.h"
#include "lsm/iterator.h"

namespace embodb::lsm {

using BlobResolver = std::function<Status(std::string_view key, std::string_view blob_index, std::string* value)>;

std::unique_ptr<Iterator> NewDBIterator(std::unique_ptr<Iterator> internal, SequenceNumber sequence,
                                        BlobResolver resolve_blob);

}  // namespace embodb::lsm
