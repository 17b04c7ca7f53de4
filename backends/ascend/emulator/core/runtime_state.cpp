#include "runtime_state.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace emu {
namespace {

bool initialized = false;
thread_local int current = -1;
std::mutex mutex;
std::map<const void *, std::unique_ptr<Stream>> streams;
std::map<int, Stream> defaultStreams;

}  // namespace

bool aclInitialized() { return initialized; }
void setAclInitialized(bool value) { initialized = value; }

int deviceCount() {
    static const int count = [] {
        const char *configured = std::getenv("GLM_ASCEND_EMU_DEVICES");
        const int n = configured && *configured ? std::stoi(configured) : 1;
        return n > 0 ? n : 1;
    }();
    return count;
}

int currentDevice() { return current; }
void setCurrentDevice(int device) { current = device; }

aclrtStream createStream(int device) {
    auto stream = std::make_unique<Stream>(Stream{device, 0});
    aclrtStream handle = stream.get();
    std::lock_guard<std::mutex> lock(mutex);
    streams[handle] = std::move(stream);
    return handle;
}

bool destroyStream(aclrtStream stream) {
    std::lock_guard<std::mutex> lock(mutex);
    return streams.erase(stream) == 1;
}

void destroyStreamsOf(int device) {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = streams.begin(); it != streams.end();) {
        if (device < 0 || it->second->device == device) it = streams.erase(it);
        else ++it;
    }
    if (device < 0) defaultStreams.clear();
    else defaultStreams.erase(device);
}

Stream *findStream(aclrtStream stream) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!stream) {
        if (current < 0) return nullptr;
        auto [it, inserted] = defaultStreams.try_emplace(current, Stream{current, 0});
        return &it->second;
    }
    const auto it = streams.find(stream);
    return it == streams.end() ? nullptr : it->second.get();
}

int takeDeviceError(int device) {
    std::lock_guard<std::mutex> lock(mutex);
    int error = 0;
    auto take = [&](Stream &s) {
        if (s.device == device && s.stickyError && !error) error = s.stickyError;
        if (s.device == device) s.stickyError = 0;
    };
    for (auto &entry : streams) take(*entry.second);
    for (auto &entry : defaultStreams) take(entry.second);
    return error;
}

}  // namespace emu
