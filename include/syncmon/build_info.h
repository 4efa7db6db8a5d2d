#pragma once

#include <string_view>

namespace syncmon::build_info {

std::string_view version();
std::string_view revision();
std::string_view compiler();
std::string_view build_type();

}  // namespace syncmon::build_info
