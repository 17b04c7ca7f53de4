#include "soc.h"

#include <cstdlib>
#include <cstring>

namespace emu {
namespace {

template <size_t N>
bool listed(const char *const (&names)[N], const std::string &name) {
    for (const char *candidate : names) {
        if (name == candidate) return true;
    }
    return false;
}

SocModel classify(const std::string &name) {
    if (listed(acl_abi::kSocNames_original910, name)) return {name, SocGeneration::Original910, "Ascend910"};
    if (listed(acl_abi::kSocNames_a2, name)) return {name, SocGeneration::A2, "Ascend910B"};
    if (listed(acl_abi::kSocNames_a3, name)) return {name, SocGeneration::A3, "Ascend910_93"};
    return {name, SocGeneration::Unknown, name};
}

}  // namespace

const SocModel &soc() {
    static const SocModel model = [] {
        const char *configured = std::getenv("GLM_ASCEND_EMU_SOC");
        return classify(configured && *configured ? configured : "Ascend910A");
    }();
    return model;
}

bool hasOp(acl_abi::Soc availability) {
    switch (availability) {
    case acl_abi::Soc::All:
        return true;
    case acl_abi::Soc::Family910B:
        return soc().generation == SocGeneration::A2 || soc().generation == SocGeneration::A3;
    case acl_abi::Soc::A2Only:
        return soc().generation == SocGeneration::A2;
    }
    return false;
}

}  // namespace emu
