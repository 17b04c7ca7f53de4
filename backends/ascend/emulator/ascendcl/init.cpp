// aclInit / aclFinalize, versions, the SoC name and the recent error message (acl/acl.h, acl_base.h).
#include <sys/stat.h>

#include <cstring>
#include <string>

#include "acl_abi.h"
#include "core/device_memory.h"
#include "core/runtime_state.h"
#include "core/soc.h"
#include "core/status.h"

namespace {

// The CANN API level the emulator follows (GGML's minimum, CANN 8.0.RC2), marked as an emulator's.
constexpr const char *kVersion = "8.0.RC2-emulator";

void copyField(char *field, size_t size, const char *text) {
    std::strncpy(field, text, size - 1);
    field[size - 1] = '\0';
}

std::string knownSocNames() {
    std::string names;
    auto add = [&](const auto &list) {
        for (const char *name : list) names += std::string(names.empty() ? "" : ", ") + name;
    };
    add(acl_abi::kSocNames_original910);
    add(acl_abi::kSocNames_a2);
    add(acl_abi::kSocNames_a3);
    return names;
}

}  // namespace

extern "C" aclError aclInit(const char *configPath) {
    using namespace emu;
    if (aclInitialized()) return report(ACL_ERROR_REPEAT_INITIALIZE, "aclInit: already initialized.");
    struct stat info;
    if (configPath && *configPath && stat(configPath, &info) != 0) {
        return reportf(ACL_ERROR_INVALID_FILE, "aclInit: config file %s does not exist.", configPath);
    }
    if (soc().generation == SocGeneration::Unknown) {
        return reportf(ACL_ERROR_RT_SOC_VERSION, "GLM_ASCEND_EMU_SOC=%s is not a SoC name the emulator models (%s).",
                       soc().name.c_str(), knownSocNames().c_str());
    }
    setAclInitialized(true);
    return ACL_SUCCESS;
}

extern "C" aclError aclFinalize() {
    using namespace emu;
    if (!aclInitialized()) return report(ACL_ERROR_REPEAT_FINALIZE, "aclFinalize: not initialized.");
    destroyStreamsOf(-1);
    deviceFreeAll(-1);
    setCurrentDevice(-1);
    setAclInitialized(false);
    return ACL_SUCCESS;
}

extern "C" aclError aclrtGetVersion(int32_t *majorVersion, int32_t *minorVersion, int32_t *patchVersion) {
    if (!majorVersion || !minorVersion || !patchVersion) {
        return emu::report(ACL_ERROR_INVALID_PARAM, "aclrtGetVersion: a version pointer is null.");
    }
    *majorVersion = 1;
    *minorVersion = 0;
    *patchVersion = 0;
    return ACL_SUCCESS;
}

extern "C" aclError aclsysGetCANNVersion(aclCANNPackageName name, aclCANNPackageVersion *version) {
    if (!version) return emu::report(ACL_ERROR_INVALID_PARAM, "aclsysGetCANNVersion: version is null.");
    if (name == ACL_PKG_NAME_HCCL || name == ACL_PKG_NAME_COMPILER) {
        return emu::reportf(ACL_ERROR_INVALID_FILE, "aclsysGetCANNVersion: package %d is not part of the emulator.",
                            static_cast<int>(name));
    }
    std::memset(version, 0, sizeof *version);
    copyField(version->version, sizeof version->version, kVersion);
    copyField(version->majorVersion, sizeof version->majorVersion, "8");
    copyField(version->minorVersion, sizeof version->minorVersion, "0");
    copyField(version->releaseVersion, sizeof version->releaseVersion, "RC2");
    copyField(version->reserved, sizeof version->reserved, "glm-sdk Ascend emulator (no NPU)");
    return ACL_SUCCESS;
}

extern "C" const char *aclGetRecentErrMsg() { return emu::takeRecentErrors(); }

extern "C" const char *aclrtGetSocName() { return emu::soc().name.c_str(); }
