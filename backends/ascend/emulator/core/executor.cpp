#include "executor.h"

#include <deque>
#include <mutex>
#include <unordered_set>

namespace emu {
namespace {

// How many consumed executors are remembered: enough for any realistic mistake, bounded for long runs.
constexpr size_t kRememberedConsumed = 1 << 16;

std::mutex mutex;
std::unordered_set<const aclOpExecutor *> live;
std::unordered_set<const aclOpExecutor *> consumed;
std::deque<const aclOpExecutor *> consumedOrder;

}  // namespace

aclOpExecutor *registerExecutor(std::unique_ptr<aclOpExecutor> executor) {
    aclOpExecutor *pointer = executor.release();
    std::lock_guard<std::mutex> lock(mutex);
    consumed.erase(pointer);  // the allocator reused a consumed executor's address
    live.insert(pointer);
    return pointer;
}

ExecutorState executorState(const aclOpExecutor *executor) {
    std::lock_guard<std::mutex> lock(mutex);
    if (live.count(executor)) return ExecutorState::Live;
    if (consumed.count(executor)) return ExecutorState::Consumed;
    return ExecutorState::Unknown;
}

void releaseExecutor(aclOpExecutor *executor, bool wasConsumed) {
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (!live.erase(executor)) return;
        if (wasConsumed) {
            consumed.insert(executor);
            consumedOrder.push_back(executor);
            if (consumedOrder.size() > kRememberedConsumed) {
                consumed.erase(consumedOrder.front());
                consumedOrder.pop_front();
            }
        }
    }
    delete executor;
}

}  // namespace emu
