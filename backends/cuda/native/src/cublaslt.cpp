// dlopen of cuBLASLt (see cublaslt.h for where the declarations come from).
#include "cublaslt.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <vector>

namespace glm {
namespace lt {
namespace {

Api api;
const Api* loaded = nullptr;
std::string failure;
std::string origin;
std::once_flag once;

template <typename F>
bool bind(void* lib, const char* name, F& slot, std::string* missing) {
  slot = reinterpret_cast<F>(dlsym(lib, name));
  if (!slot) {
    *missing = name;
    return false;
  }
  return true;
}

void load_once() {
  // The soname first (LD_LIBRARY_PATH, ld.so.cache), then the usual toolkit and pip-wheel places.
  std::vector<std::string> candidates = {"libcublasLt.so.13"};
  if (const char* explicit_path = std::getenv("GLM_CUBLASLT")) candidates.insert(candidates.begin(), explicit_path);
  for (const char* root : {std::getenv("CUDA_HOME"), std::getenv("CUDA_PATH")}) {
    if (root) candidates.push_back(std::string(root) + "/lib64/libcublasLt.so.13");
  }
  candidates.push_back("/usr/local/cuda/lib64/libcublasLt.so.13");
  candidates.push_back("/usr/local/cuda/targets/x86_64-linux/lib/libcublasLt.so.13");
  candidates.push_back("/usr/lib/x86_64-linux-gnu/libcublasLt.so.13");
  std::string tried;
  void* lib = nullptr;
  for (const auto& path : candidates) {
    lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib) {
      origin = path;
      break;
    }
    if (!tried.empty()) tried += ", ";
    tried += path;
  }
  if (!lib) {
    failure = "libcublasLt.so.13 not found (tried " + tried + "; set GLM_CUBLASLT to its path)";
    return;
  }
  std::string missing;
  const bool ok = bind(lib, "cublasLtCreate", api.create, &missing) && bind(lib, "cublasLtDestroy", api.destroy, &missing) &&
                  bind(lib, "cublasLtGetVersion", api.getVersion, &missing) &&
                  bind(lib, "cublasLtMatmulDescCreate", api.matmulDescCreate, &missing) &&
                  bind(lib, "cublasLtMatmulDescDestroy", api.matmulDescDestroy, &missing) &&
                  bind(lib, "cublasLtMatmulDescSetAttribute", api.matmulDescSetAttribute, &missing) &&
                  bind(lib, "cublasLtMatrixLayoutCreate", api.matrixLayoutCreate, &missing) &&
                  bind(lib, "cublasLtMatrixLayoutDestroy", api.matrixLayoutDestroy, &missing) &&
                  bind(lib, "cublasLtMatrixLayoutSetAttribute", api.matrixLayoutSetAttribute, &missing) &&
                  bind(lib, "cublasLtMatmulPreferenceCreate", api.preferenceCreate, &missing) &&
                  bind(lib, "cublasLtMatmulPreferenceDestroy", api.preferenceDestroy, &missing) &&
                  bind(lib, "cublasLtMatmulPreferenceSetAttribute", api.preferenceSetAttribute, &missing) &&
                  bind(lib, "cublasLtMatmulAlgoGetHeuristic", api.algoGetHeuristic, &missing) &&
                  bind(lib, "cublasLtMatmul", api.matmul, &missing);
  if (!ok) {
    failure = origin + " lacks " + missing;
    return;
  }
  loaded = &api;
}

}  // namespace

const Api* load(std::string* why, std::string* loaded_from) {
  std::call_once(once, load_once);
  if (why) *why = failure;
  if (loaded_from) *loaded_from = origin;
  return loaded;
}

}  // namespace lt
}  // namespace glm
