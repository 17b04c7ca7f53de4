// aclnnFusedInferAttentionScoreV2 (ops-transformer attention/fused_infer_attention_score), A2 and
// A3: prompt (Sq > 1) and incremental (Sq = 1) attention over one key and one value tensor (a KV
// cache: actualSeqLengthsKv says how much of it is valid per batch). softmax(scale * Q K^T + pseShift,
// masked) V per head, GQA by numKeyValueHeads. sparseMode (its doc, l.523-530): 0 the full attenMask
// if given (with the preTokens/nextTokens band), 1 the full attenMask, 2 leftUpCausal, 3
// rightDownCausal, 4 band; 5-8 are rejected, as CANN rejects them — GLM's prefix mask goes in as a
// full mask or pseShift here. attenMask true/1 = masked, (Sq, Skv), (B, Sq, Skv) or (B|1, 1, Sq, Skv).
// pseShift (B|1, N, Sq, Skv) is added after scaling (assumed; the doc gives no formula). Query rows
// past actualSeqLengths are written as zeros. Quantisation, paged KV, left padding and shared
// prefixes are not modelled.
#include <cmath>

#include "acl_abi.h"
#include "core/tensor_access.h"
#include "opapi/attention.h"
#include "opapi/elementwise.h"

namespace {

struct Problem {
    emu::Layout layout;
    int64_t heads;
    int64_t kvHeads;
    int64_t sparseMode;
    int64_t preTokens;
    int64_t nextTokens;
    float scale;
    std::vector<int64_t> qLens;   // empty: Sq for every batch
    std::vector<int64_t> kvLens;  // empty: Skv; one entry: every batch
    bool lse;
};

int64_t lengthOf(const std::vector<int64_t> &lengths, int64_t b, int64_t full) {
    if (lengths.empty()) return full;
    return lengths.size() == 1 ? lengths[0] : lengths[b];
}

// Whether (i, j) is excluded by the mode's pattern, with the valid lengths' bottom-right origin.
bool patternMasked(const Problem &p, int64_t i, int64_t j, int64_t qLen, int64_t kvLen) {
    const int64_t diagonal = kvLen - qLen;
    switch (p.sparseMode) {
    case 0: return j - i > p.nextTokens || i - j > p.preTokens;
    case 2: return j > i;
    case 3: return j > i + diagonal;
    case 4: return j > i + diagonal + p.nextTokens || j < i + diagonal - p.preTokens;
    default: return false;
    }
}

// The mask seen as (B, N, Sq, Skv): a 3-D mask is (B, Sq, Skv).
emu::View maskView(const aclTensor &mask, const Shape &full) {
    aclTensor seen = mask;
    if (mask.rank() == 3) {
        seen.viewDims = {mask.viewDims[0], 1, mask.viewDims[1], mask.viewDims[2]};
        seen.strides = {mask.strides[0], 0, mask.strides[1], mask.strides[2]};
    }
    return emu::broadcastView(seen, full);
}

aclnnStatus run(const Problem &p, const aclOpExecutor &ex) {
    using namespace emu;
    HeadsView q, k, v, o;
    headsView(ex.tensor(0), p.layout, p.heads, q);
    headsView(ex.list(1)[0], p.layout, p.kvHeads, k);
    headsView(ex.list(2)[0], p.layout, p.kvHeads, v);
    headsView(ex.tensor(21), p.layout, p.heads, o);
    const std::vector<float> qs = readFloats(ex.tensor(0), q.view), ks = readFloats(ex.list(1)[0], k.view);
    const std::vector<float> vs = readFloats(ex.list(2)[0], v.view);
    const Shape full{q.batch, q.heads, q.seq, k.seq};
    const aclTensor *pse = ex.optional(3);
    const aclTensor *maskTensor = ex.optional(4);
    const bool fullMask = maskTensor && p.sparseMode <= 1;
    const std::vector<float> bias = pse ? readFloats(*pse, broadcastView(*pse, full)) : std::vector<float>();
    const std::vector<int64_t> mask = fullMask ? readInts(*maskTensor, maskView(*maskTensor, full)) : std::vector<int64_t>();
    std::vector<float> out(qs.size(), 0.0f), lse;
    const int64_t sq = q.seq, skv = k.seq, d = q.headDim, group = q.heads / k.heads;
    for (int64_t b = 0; b < q.batch; ++b) {
        const int64_t qLen = lengthOf(p.qLens, b, sq), kvLen = lengthOf(p.kvLens, b, skv);
        for (int64_t n = 0; n < q.heads; ++n) {
            const int64_t base = (b * q.heads + n) * sq * skv;
            RowMask rowMask;
            rowMask.masked = [&](int64_t i, int64_t j) {
                if (fullMask && mask[base + i * skv + j] != 0) return true;
                return (p.sparseMode != 0 || fullMask) && patternMasked(p, i, j, qLen, kvLen);
            };
            if (pse) rowMask.bias = [&](int64_t i, int64_t j) { return bias[base + i * skv + j]; };
            const int64_t kvHead = b * k.heads + n / group;
            const HeadResult head = attendHead(qs.data() + (b * q.heads + n) * sq * d, ks.data() + kvHead * skv * d,
                                               vs.data() + kvHead * skv * d, qLen, kvLen, d, p.scale, rowMask);
            std::copy(head.out.begin(), head.out.end(), out.begin() + (b * q.heads + n) * sq * d);
            for (int64_t i = 0; i < sq; ++i) {
                lse.push_back(i < qLen ? head.rowMax[i] + std::log(head.rowSum[i]) : -INFINITY);
            }
        }
    }
    writeFloats(ex.tensor(21), o.view, out);
    if (p.lse && ex.optional(22)) writeFloats(*ex.optional(22), lse);
    return ACL_SUCCESS;
}

void checkUnmodelled(emu::Prepare &prepare, const aclTensor *const (&tensors)[16], const aclIntArray *sharedPrefixLen) {
    bool any = sharedPrefixLen != nullptr;
    for (const aclTensor *tensor : tensors) any = any || tensor != nullptr;
    prepare.check(!any, ACLNN_ERR_PARAM_INVALID,
                  "quantisation, antiquantisation, paged KV (blockTable), padding sizes and shared prefixes are not "
                  "modelled by the emulator.");
}

void checkMask(emu::Prepare &prepare, const Problem &p, const aclTensor *mask, const emu::HeadsView &q, const emu::HeadsView &k) {
    using namespace emu;
    prepare.check(p.sparseMode >= 0 && p.sparseMode <= 4, ACLNN_ERR_PARAM_INVALID,
                  "sparseMode %lld is not supported: only 0, 1, 2, 3 and 4 are (5-8: prefix, global, dilated, block_local).",
                  static_cast<long long>(p.sparseMode));
    prepare.check(p.sparseMode == 0 || mask, ACLNN_ERR_PARAM_NULLPTR, "sparseMode %lld needs attenMask.",
                  static_cast<long long>(p.sparseMode));
    if (!mask || p.sparseMode > 1) return;
    const bool shapeOk = (mask->rank() == 2 && mask->viewDims == Shape{q.seq, k.seq}) ||
                         (mask->rank() == 3 && mask->viewDims == Shape{q.batch, q.seq, k.seq}) ||
                         (mask->rank() == 4 && (mask->viewDims[0] == q.batch || mask->viewDims[0] == 1) &&
                          mask->viewDims[1] == 1 && mask->viewDims[2] == q.seq && mask->viewDims[3] == k.seq);
    prepare.check(shapeOk, ACLNN_ERR_PARAM_INVALID, "attenMask %s must be (Sq, Skv), (B, Sq, Skv) or (B|1, 1, Sq, Skv).",
                  shapeText(mask->viewDims).c_str());
}

void checkLengths(emu::Prepare &prepare, const std::vector<int64_t> &lengths, int64_t batch, int64_t limit, const char *name) {
    bool ok = lengths.empty() || lengths.size() == 1 || static_cast<int64_t>(lengths.size()) >= batch;
    for (int64_t length : lengths) ok = ok && length >= 0 && length <= limit;
    prepare.check(ok, ACLNN_ERR_PARAM_INVALID, "%s must hold 1 or >= B lengths, each in [0, %lld].", name,
                  static_cast<long long>(limit));
}

// The names of the 16 optional inputs the emulator does not model, in argument order.
constexpr const char *kUnmodelledNames[16] = {
    "deqScale1", "quantScale1", "deqScale2", "quantScale2", "quantOffset2", "antiquantScale", "antiquantOffset",
    "blockTable", "queryPaddingSize", "kvPaddingSize", "keyAntiquantScale", "keyAntiquantOffset",
    "valueAntiquantScale", "valueAntiquantOffset", "keySharedPrefix", "valueSharedPrefix"};

// Query, key and value in the layout, the outputs and pseShift; fills q and k on success.
void checkShapes(emu::Prepare &prepare, const Problem &p, const aclTensor *query, const aclTensor *key, const aclTensor *value,
                 const aclTensor *attentionOut, const aclTensor *softmaxLse, const aclTensor *pse, emu::HeadsView &q,
                 emu::HeadsView &k) {
    using namespace emu;
    HeadsView v;
    const bool shapesOk = headsView(*query, p.layout, p.heads, q) && headsView(*key, p.layout, p.kvHeads, k) &&
                          headsView(*value, p.layout, p.kvHeads, v) && q.heads == p.heads && k.heads == p.kvHeads &&
                          v.heads == k.heads && k.batch == q.batch && v.batch == q.batch && k.headDim == q.headDim &&
                          v.headDim == q.headDim && v.seq == k.seq;
    prepare.check(shapesOk, ACLNN_ERR_PARAM_INVALID, "query %s, key %s and value %s do not fit the layout.",
                  shapeText(query->viewDims).c_str(), shapeText(key->viewDims).c_str(), shapeText(value->viewDims).c_str());
    if (!prepare.ok()) return;
    prepare.shapeIs("attentionOut", attentionOut, query->viewDims);
    if (p.lse) {
        prepare.notNull("softmaxLse", softmaxLse).dtypeIn("softmaxLse", softmaxLse, {ACL_FLOAT});
        prepare.shapeIs("softmaxLse", softmaxLse, {q.batch, q.heads, q.seq, 1});
    }
    if (!pse) return;
    const Shape &s = pse->viewDims;
    prepare.check(s.size() == 4 && (s[0] == q.batch || s[0] == 1) && s[1] == q.heads && s[2] == q.seq && s[3] == k.seq,
                  ACLNN_ERR_PARAM_INVALID, "pseShift %s must be (B|1, N, Sq, Skv).", shapeText(s).c_str());
}

Problem problemOf(const aclIntArray *qLens, const aclIntArray *kvLens, int64_t numHeads, double scaleValue, int64_t preTokens,
                  int64_t nextTokens, int64_t numKeyValueHeads, int64_t sparseMode, bool softmaxLseFlag) {
    auto values = [](const aclIntArray *array) { return array ? array->values : std::vector<int64_t>(); };
    return Problem{emu::Layout::BSH, numHeads, numKeyValueHeads ? numKeyValueHeads : numHeads, sparseMode, preTokens,
                   nextTokens, static_cast<float>(scaleValue), values(qLens), values(kvLens), softmaxLseFlag};
}

}  // namespace

extern "C" aclnnStatus aclnnFusedInferAttentionScoreV2GetWorkspaceSize(
    const aclTensor *query, const aclTensorList *key, const aclTensorList *value, const aclTensor *pseShiftOptional,
    const aclTensor *attenMaskOptional, const aclIntArray *actualSeqLengthsOptional,
    const aclIntArray *actualSeqLengthsKvOptional, const aclTensor *deqScale1Optional, const aclTensor *quantScale1Optional,
    const aclTensor *deqScale2Optional, const aclTensor *quantScale2Optional, const aclTensor *quantOffset2Optional,
    const aclTensor *antiquantScaleOptional, const aclTensor *antiquantOffsetOptional, const aclTensor *blockTableOptional,
    const aclTensor *queryPaddingSizeOptional, const aclTensor *kvPaddingSizeOptional,
    const aclTensor *keyAntiquantScaleOptional, const aclTensor *keyAntiquantOffsetOptional,
    const aclTensor *valueAntiquantScaleOptional, const aclTensor *valueAntiquantOffsetOptional,
    const aclTensor *keySharedPrefixOptional, const aclTensor *valueSharedPrefixOptional,
    const aclIntArray *actualSharedPrefixLenOptional, int64_t numHeads, double scaleValue, int64_t preTokens,
    int64_t nextTokens, char *inputLayout, int64_t numKeyValueHeads, int64_t sparseMode, int64_t innerPrecise,
    int64_t blockSize, int64_t antiquantMode, bool softmaxLseFlag, int64_t keyAntiquantMode, int64_t valueAntiquantMode,
    const aclTensor *attentionOut, const aclTensor *softmaxLse, uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    (void)innerPrecise, (void)blockSize, (void)antiquantMode, (void)keyAntiquantMode, (void)valueAntiquantMode;
    const aclTensor *const unmodelled[16] = {
        deqScale1Optional, quantScale1Optional, deqScale2Optional, quantScale2Optional, quantOffset2Optional,
        antiquantScaleOptional, antiquantOffsetOptional, blockTableOptional, queryPaddingSizeOptional,
        kvPaddingSizeOptional, keyAntiquantScaleOptional, keyAntiquantOffsetOptional, valueAntiquantScaleOptional,
        valueAntiquantOffsetOptional, keySharedPrefixOptional, valueSharedPrefixOptional};
    Prepare prepare("FusedInferAttentionScoreV2");
    prepare.input("query", query).inputList("key", key).inputList("value", value);
    prepare.optionalInput("pseShiftOptional", pseShiftOptional).optionalInput("attenMaskOptional", attenMaskOptional);
    for (size_t i = 0; i < 16; ++i) prepare.optionalInput(kUnmodelledNames[i], unmodelled[i]);
    prepare.output("attentionOut", attentionOut).optionalOutput("softmaxLse", softmaxLse);
    checkUnmodelled(prepare, unmodelled, actualSharedPrefixLenOptional);
    if (!prepare.ok()) return prepare.status();
    prepare.check(key->tensors.size() == 1 && value->tensors.size() == 1, ACLNN_ERR_PARAM_INVALID,
                  "the emulator models one key and one value tensor (not one per batch).");
    prepare.dtypeIn("query", query, {ACL_FLOAT16, ACL_BF16}).sameDtype("attentionOut", attentionOut, "query", query);
    prepare.dtypeIn("attenMaskOptional", attenMaskOptional, {ACL_BOOL, ACL_INT8, ACL_UINT8});
    prepare.sameDtype("pseShiftOptional", pseShiftOptional, "query", query);
    if (!prepare.ok()) return prepare.status();
    prepare.sameDtype("key", key->tensors[0], "query", query).sameDtype("value", value->tensors[0], "query", query);
    Problem p = problemOf(actualSeqLengthsOptional, actualSeqLengthsKvOptional, numHeads, scaleValue, preTokens, nextTokens,
                          numKeyValueHeads, sparseMode, softmaxLseFlag);
    prepare.check(parseLayout(inputLayout, p.layout) && p.layout != Layout::SBH, ACLNN_ERR_PARAM_INVALID,
                  "inputLayout %s: the emulator models BSH, BSND and BNSD.", inputLayout ? inputLayout : "(null)");
    prepare.check(numHeads > 0 && p.kvHeads > 0 && numHeads % p.kvHeads == 0 && numHeads / p.kvHeads <= 64,
                  ACLNN_ERR_PARAM_INVALID, "numHeads must be a multiple (at most 64x) of numKeyValueHeads.");
    if (!prepare.ok()) return prepare.status();
    HeadsView q, k;
    checkShapes(prepare, p, query, key->tensors[0], value->tensors[0], attentionOut, softmaxLse, pseShiftOptional, q, k);
    if (!prepare.ok()) return prepare.status();
    checkMask(prepare, p, attenMaskOptional, q, k);
    checkLengths(prepare, p.qLens, q.batch, q.seq, "actualSeqLengths");
    checkLengths(prepare, p.kvLens, q.batch, k.seq, "actualSeqLengthsKv");
    if (!prepare.ok()) return prepare.status();
    return prepare.finish(workspaceSize, executor, [p](const aclOpExecutor &ex) { return run(p, ex); }, kAttentionWorkspace);
}
