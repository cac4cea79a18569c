// TwoLevelIterator: iterates an index whose values name second-level
// iterators (an SSTable's index over its data blocks, or a level's file list
// over its tables), presenting the concatenation of the second-level entries.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "lsm/iterator.h"

namespace embodb::lsm {

using BlockOpener = std::function<std::unique_ptr<Iterator>(std::string_view index_value)>;

std::unique_ptr<Iterator> NewTwoLevelIterator(std::unique_ptr<Iterator> index, BlockOpener opener);

}  // namespace embodb::lsm
