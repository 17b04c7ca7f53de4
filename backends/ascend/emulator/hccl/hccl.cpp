// HCCL (hccl/hccl.h) in the emulator: the ranks of one process joined by a root info, and an
// all-reduce with HCCL's semantics — every rank receives the sum over all ranks, in place allowed,
// collectives matched by issue order. Streams run their work when it is issued (ascendcl/stream.cpp),
// so a collective cannot wait on the device for ranks that the same thread has not run yet: the SDK
// runs the ranks' programs in turns, and HcclAllReduce answers HCCL_E_AGAIN ("try again") until every
// rank of the communicator has arrived; the last to arrive sums the ranks' buffers in float64 in rank
// order, stores the sum into every rank's receive buffer, and each waiting rank's next call returns
// HCCL_SUCCESS. HcclCommInitRootInfo returns at once (real HCCL blocks until every rank has joined).
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "acl_abi.h"
#include "core/device_memory.h"
#include "core/dtype.h"
#include "core/runtime_state.h"
#include "core/status.h"

// hccl_types.h: the root info's layout (the ABI table declares it opaque).
struct HcclRootInfo {
    char internal[4108];
};

namespace {

constexpr HcclResult kSuccess = 0, kPara = 1, kPtr = 2, kNotSupport = 5, kAgain = 20;

struct Arrival {
    void *send;
    void *recv;
    uint64_t count;
    aclDataType dtype;
};

struct Group {
    uint32_t ranks = 0;
    std::vector<bool> joined;
    std::vector<bool> waiting, done;
    std::vector<Arrival> arrivals;
};

struct Comm {
    std::shared_ptr<Group> group;
    uint32_t rank;
};

std::map<uint64_t, std::shared_ptr<Group>> &roots() {
    static std::map<uint64_t, std::shared_ptr<Group>> table;
    return table;
}

uint64_t rootId(const HcclRootInfo *info) {
    uint64_t id = 0;
    std::memcpy(&id, info->internal + 8, sizeof id);
    return id;
}

// The reason goes where the emulator keeps its runtime's (aclGetRecentErrMsg); HCCL's status is returned.
HcclResult fail(HcclResult status, const char *what) {
    emu::report(status, what);
    return status;
}

bool dtypeOf(HcclDataType type, aclDataType *out) {
    if (type == HCCL_DATA_TYPE_FP32) *out = ACL_FLOAT;
    else if (type == HCCL_DATA_TYPE_FP16) *out = ACL_FLOAT16;
    else if (type == HCCL_DATA_TYPE_BFP16) *out = ACL_BF16;
    else return false;
    return true;
}

void reduce(Group &g) {
    const Arrival &first = g.arrivals[0];
    std::vector<double> sum(first.count, 0.0);
    for (uint32_t r = 0; r < g.ranks; ++r)
        for (uint64_t i = 0; i < first.count; ++i) sum[i] += emu::loadFloat(first.dtype, g.arrivals[r].send, static_cast<int64_t>(i));
    for (uint32_t r = 0; r < g.ranks; ++r) {
        for (uint64_t i = 0; i < first.count; ++i) emu::storeFloat(first.dtype, g.arrivals[r].recv, static_cast<int64_t>(i), static_cast<float>(sum[i]));
        g.waiting[r] = false;
        g.done[r] = true;
    }
}

}  // namespace

extern "C" HcclResult HcclGetRootInfo(HcclRootInfo *rootInfo) {
    static uint64_t next = 1;
    if (!rootInfo) return fail(kPtr, "HcclGetRootInfo: rootInfo is null");
    std::memset(rootInfo->internal, 0, sizeof rootInfo->internal);
    std::memcpy(rootInfo->internal, "glm-emu\0", 8);
    const uint64_t id = next++;
    std::memcpy(rootInfo->internal + 8, &id, sizeof id);
    roots()[id] = std::make_shared<Group>();
    return kSuccess;
}

extern "C" HcclResult HcclCommInitRootInfo(uint32_t nRanks, const HcclRootInfo *rootInfo, uint32_t rank, HcclComm *comm) {
    if (!rootInfo || !comm) return fail(kPtr, "HcclCommInitRootInfo: rootInfo or comm is null");
    auto found = roots().find(rootId(rootInfo));
    if (std::memcmp(rootInfo->internal, "glm-emu\0", 8) != 0 || found == roots().end())
        return fail(kPara, "HcclCommInitRootInfo: the root info was not made by HcclGetRootInfo in this process");
    Group &g = *found->second;
    if (g.ranks == 0) {
        if (nRanks == 0) return fail(kPara, "HcclCommInitRootInfo: nRanks is 0");
        g.ranks = nRanks;
        g.joined.assign(nRanks, false);
        g.waiting.assign(nRanks, false);
        g.done.assign(nRanks, false);
        g.arrivals.resize(nRanks);
    }
    if (nRanks != g.ranks || rank >= nRanks || g.joined[rank]) return fail(kPara, "HcclCommInitRootInfo: rank outside the communicator, joined twice, or another nRanks");
    g.joined[rank] = true;
    *comm = new Comm{found->second, rank};
    return kSuccess;
}

extern "C" HcclResult HcclAllReduce(void *sendBuf, void *recvBuf, uint64_t count, HcclDataType dataType, HcclReduceOp op, HcclComm comm, aclrtStream stream) {
    if (!comm || !sendBuf || !recvBuf) return fail(kPtr, "HcclAllReduce: a null buffer or communicator");
    if (!emu::findStream(stream)) return fail(kPara, "HcclAllReduce: not a live stream");
    if (op != HCCL_REDUCE_SUM) return fail(kNotSupport, "HcclAllReduce: only HCCL_REDUCE_SUM is emulated");
    aclDataType dtype;
    if (!dtypeOf(dataType, &dtype)) return fail(kNotSupport, "HcclAllReduce: only fp32, fp16 and bf16 are emulated");
    const size_t bytes = static_cast<size_t>(emu::storageBytes(dtype, static_cast<int64_t>(count)));
    if (!emu::findAllocation(sendBuf, bytes) || !emu::findAllocation(recvBuf, bytes)) return fail(kPara, "HcclAllReduce: a buffer is not device memory of that size");
    Comm &c = *static_cast<Comm *>(comm);
    Group &g = *c.group;
    if (g.done[c.rank]) {  // called again after the last rank summed: complete
        g.done[c.rank] = false;
        return kSuccess;
    }
    if (!g.waiting[c.rank]) {
        g.arrivals[c.rank] = Arrival{sendBuf, recvBuf, count, dtype};
        g.waiting[c.rank] = true;
    }
    for (uint32_t r = 0; r < g.ranks; ++r) {
        if (!g.waiting[r]) return kAgain;
        if (g.arrivals[r].count != count || g.arrivals[r].dtype != dtype) return fail(kPara, "HcclAllReduce: ranks disagree on count or data type");
    }
    reduce(g);
    g.done[c.rank] = false;
    return kSuccess;
}

extern "C" HcclResult HcclCommDestroy(HcclComm comm) {
    if (!comm) return fail(kPtr, "HcclCommDestroy: comm is null");
    delete static_cast<Comm *>(comm);
    return kSuccess;
}
