// The SoC the emulator models, from GLM_ASCEND_EMU_SOC (default Ascend910A, the original 910).
// Names are classified by exact string, as the ABI table's SOC_NAMES lists them: "Ascend910B" is an
// original-910 variant; A2 is Ascend910B1..B4 and "Ascend910B4-1"; A3 is Ascend910_93xx.
#pragma once

#include <string>

#include "acl_abi.h"
#include "export.h"

namespace emu {

enum class SocGeneration { Original910, A2, A3, Unknown };

struct SocModel {
    std::string name;          // what aclrtGetSocName returns
    SocGeneration generation;  // Unknown: aclInit refuses the name
    std::string platform;      // how op_api names the platform in messages: Ascend910, Ascend910B, Ascend910_93
};

// Read once per process (a different SoC needs a new process, as on real hardware).
EMU_CORE_API const SocModel &soc();

EMU_CORE_API bool hasOp(acl_abi::Soc availability);

inline bool isOriginal910() { return soc().generation == SocGeneration::Original910; }

}  // namespace emu
