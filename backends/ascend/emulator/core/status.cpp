#include "status.h"

#include <unistd.h>

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <vector>

namespace emu {
namespace {

thread_local std::string pending;
thread_local std::string returned;

const char *codeFor(int status) {
    const bool aclnn = (status >= 161000 && status < 162000) || (status >= 361000 && status < 362000) ||
                       (status >= 561000 && status < 562000);
    if (aclnn) {
        if (status < 200000) return "EZ1001";
        if (status < 400000) return "EZ9903";
        return "EZ9999";
    }
    return status < 200000 ? "EE1001" : "EE9999";
}

// CANN's stamp: 2025-12-17-18:13:01.238.630 (milliseconds, then microseconds).
std::string timestamp() {
    const auto now = std::chrono::system_clock::now();
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[64];
    const size_t n = std::strftime(text, sizeof text, "%Y-%m-%d-%H:%M:%S", &local);
    std::snprintf(text + n, sizeof text - n, ".%03d.%03d", static_cast<int>(micros / 1000 % 1000),
                  static_cast<int>(micros % 1000));
    return text;
}

}  // namespace

int report(int status, const std::string &message) {
    if (!pending.empty()) pending += '\n';
    pending += std::string(codeFor(status)) + ": [PID: " + std::to_string(getpid()) + "] " + timestamp() + " " + message;
    return status;
}

int reportf(int status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    va_list copy;
    va_copy(copy, args);
    const int length = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    std::vector<char> text(static_cast<size_t>(length > 0 ? length : 0) + 1);
    std::vsnprintf(text.data(), text.size(), format, args);
    va_end(args);
    return report(status, text.data());
}

const char *takeRecentErrors() {
    if (pending.empty()) return nullptr;
    returned.swap(pending);
    pending.clear();
    return returned.c_str();
}

}  // namespace emu
