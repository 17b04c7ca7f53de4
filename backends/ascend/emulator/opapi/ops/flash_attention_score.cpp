// aclnnFlashAttentionScore (ops-transformer attention/flash_attention_score), Atlas A2 only (its doc
// at c29bc106 marks A3 and 800I A2 ×). softmax(scale * Q K^T, masked) V per head, GQA by key heads.
// sparseMode (docs/context/sparse_mode参数说明.md): 0 the full attenMask (if given) within the
// preTokens/nextTokens band; 1 the full attenMask; 2 leftUpCausal; 3 rightDownCausal; 4 band from the
// bottom right; 5 prefix — rightDownCausal plus the first prefix[b] columns visible to every row,
// with an uncompressed (B|1, N|1, Sq, Skv) attenMask that must match that pattern. attenMask true =
// masked. 2-4 take the compressed 2048 x 2048 mask, which the emulator does not read. Modes 6-8,
// dropout, pse and padding masks are not modelled. softmaxMaxOut and softmaxSumOut are (B, N, Sq, 8)
// fp32, each row's value repeated 8 times.
#include <cmath>
#include <string>

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
    std::vector<int64_t> prefix;
};

// Whether (i, j) is excluded by the mode's pattern, not counting an explicit mask.
bool patternMasked(const Problem &p, int64_t b, int64_t i, int64_t j, int64_t sq, int64_t skv) {
    const int64_t diagonal = skv - sq;  // the bottom-right origin's offset
    switch (p.sparseMode) {
    case 0: return j - i > p.nextTokens || i - j > p.preTokens;
    case 2: return j > i;
    case 3: return j > i + diagonal;
    case 4: return j > i + diagonal + p.nextTokens || j < i + diagonal - p.preTokens;
    case 5: return j > i + diagonal && j >= p.prefix[b];
    default: return false;
    }
}

aclnnStatus run(const Problem &p, const aclOpExecutor &ex) {
    using namespace emu;
    HeadsView q, k, v, o;
    headsView(ex.tensor(0), p.layout, p.heads, q);
    headsView(ex.tensor(1), p.layout, p.kvHeads, k);
    headsView(ex.tensor(2), p.layout, p.kvHeads, v);
    headsView(ex.tensor(10), p.layout, p.heads, o);
    const std::vector<float> qs = readFloats(ex.tensor(0), q.view), ks = readFloats(ex.tensor(1), k.view);
    const std::vector<float> vs = readFloats(ex.tensor(2), v.view);
    const aclTensor *maskTensor = ex.optional(6);
    const bool fullMask = maskTensor && (p.sparseMode == 0 || p.sparseMode == 1 || p.sparseMode == 5);
    const Shape maskShape{q.batch, q.heads, q.seq, k.seq};
    const std::vector<int64_t> mask = fullMask ? readInts(*maskTensor, broadcastView(*maskTensor, maskShape)) : std::vector<int64_t>();
    std::vector<float> out(qs.size()), rowMax, rowSum;
    const int64_t sq = q.seq, skv = k.seq, d = q.headDim, group = q.heads / k.heads;
    for (int64_t b = 0; b < q.batch; ++b) {
        for (int64_t n = 0; n < q.heads; ++n) {
            const int64_t base = (b * q.heads + n) * sq * skv;
            if (p.sparseMode == 5) {  // the explicit mask must agree with the pattern the kernel tiles by
                for (int64_t i = 0; i < sq; ++i) {
                    for (int64_t j = 0; j < skv; ++j) {
                        if ((mask[base + i * skv + j] != 0) == patternMasked(p, b, i, j, sq, skv)) continue;
                        return runtimeFault("aclnnFlashAttentionScore: attenMask disagrees with sparseMode 5's pattern at (b " +
                                            std::to_string(b) + ", n " + std::to_string(n) + ", i " + std::to_string(i) +
                                            ", j " + std::to_string(j) + "): the kernel would skip or keep blocks by the pattern.");
                    }
                }
            }
            RowMask rowMask;
            rowMask.masked = [&](int64_t i, int64_t j) {
                if (p.sparseMode == 1 || p.sparseMode == 5) return mask[base + i * skv + j] != 0;
                if (p.sparseMode == 0) return maskTensor && (mask[base + i * skv + j] != 0 || patternMasked(p, b, i, j, sq, skv));
                return patternMasked(p, b, i, j, sq, skv);
            };
            const int64_t kvHead = b * k.heads + n / group;
            const HeadResult head = attendHead(qs.data() + (b * q.heads + n) * sq * d, ks.data() + kvHead * skv * d,
                                               vs.data() + kvHead * skv * d, sq, skv, d, p.scale, rowMask);
            std::copy(head.out.begin(), head.out.end(), out.begin() + (b * q.heads + n) * sq * d);
            for (int64_t i = 0; i < sq; ++i) {
                rowMax.insert(rowMax.end(), 8, head.rowMax[i]);
                rowSum.insert(rowSum.end(), 8, head.rowSum[i]);
            }
        }
    }
    writeFloats(ex.tensor(10), o.view, out);
    writeFloats(ex.tensor(7), rowMax);
    writeFloats(ex.tensor(8), rowSum);
    return ACL_SUCCESS;
}

// Checks the mask, the prefix and the modes the emulator models.
void checkMode(emu::Prepare &prepare, const Problem &p, const aclTensor *mask, const emu::HeadsView &q,
               const emu::HeadsView &k) {
    using namespace emu;
    prepare.check(p.sparseMode >= 0 && p.sparseMode <= 5, ACLNN_ERR_PARAM_INVALID,
                  "sparseMode %lld: the emulator models modes 0 to 5.", static_cast<long long>(p.sparseMode));
    const bool compressed = p.sparseMode >= 2 && p.sparseMode <= 4;
    prepare.check(p.sparseMode == 0 || mask, ACLNN_ERR_PARAM_NULLPTR, "sparseMode %lld needs attenMaskOptional.",
                  static_cast<long long>(p.sparseMode));
    if (mask && !compressed) {
        const Shape full{q.batch, q.heads, q.seq, k.seq};
        const bool rank4 = mask->rank() == 4 && (p.sparseMode == 5 ? mask->viewDims[0] == q.batch : true);
        prepare.check((mask->rank() == 2 && p.sparseMode != 5) || rank4, ACLNN_ERR_PARAM_INVALID,
                      "attenMask %s must be (Sq, Skv) or (B|1, N|1, Sq, Skv) (BNSS or B1SS for sparseMode 5).",
                      shapeText(mask->viewDims).c_str());
        prepare.check(broadcastsTo(mask->viewDims, full), ACLNN_ERR_PARAM_INVALID, "attenMask %s does not broadcast to %s.",
                      shapeText(mask->viewDims).c_str(), shapeText(full).c_str());
    }
    if (p.sparseMode == 5) {
        prepare.check(p.prefix.size() == static_cast<size_t>(q.batch), ACLNN_ERR_PARAM_INVALID,
                      "sparseMode 5 needs prefixOptional with one entry per batch (%lld).", static_cast<long long>(q.batch));
    }
}

}  // namespace

extern "C" aclnnStatus aclnnFlashAttentionScoreGetWorkspaceSize(
    const aclTensor *query, const aclTensor *key, const aclTensor *value, const aclTensor *realShiftOptional,
    const aclTensor *dropMaskOptional, const aclTensor *paddingMaskOptional, const aclTensor *attenMaskOptional,
    const aclIntArray *prefixOptional, double scaleValue, double keepProb, int64_t preTokens, int64_t nextTokens,
    int64_t headNum, char *inputLayout, int64_t innerPrecise, int64_t sparseMode, const aclTensor *softmaxMaxOut,
    const aclTensor *softmaxSumOut, const aclTensor *softmaxOutOut, const aclTensor *attentionOutOut,
    uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    (void)innerPrecise;  // a kernel precision choice; the emulator computes in fp32 regardless
    Prepare prepare("FlashAttentionScore");
    prepare.input("query", query).input("key", key).input("value", value).optionalInput("realShiftOptional", realShiftOptional);
    prepare.optionalInput("dropMaskOptional", dropMaskOptional).optionalInput("paddingMaskOptional", paddingMaskOptional);
    prepare.optionalInput("attenMaskOptional", attenMaskOptional).output("softmaxMaxOut", softmaxMaxOut);
    prepare.output("softmaxSumOut", softmaxSumOut).optionalOutput("softmaxOutOut", softmaxOutOut);
    prepare.output("attentionOutOut", attentionOutOut);
    prepare.dtypeIn("query", query, kFloatTypes).sameDtype("key", key, "query", query).sameDtype("value", value, "query", query);
    prepare.sameDtype("attentionOutOut", attentionOutOut, "query", query);
    prepare.dtypeIn("softmaxMaxOut", softmaxMaxOut, {ACL_FLOAT}).dtypeIn("softmaxSumOut", softmaxSumOut, {ACL_FLOAT});
    prepare.dtypeIn("attenMaskOptional", attenMaskOptional, {ACL_BOOL, ACL_UINT8});
    prepare.check(!realShiftOptional && !dropMaskOptional && !paddingMaskOptional, ACLNN_ERR_PARAM_INVALID,
                  "realShift, dropMask and paddingMask are not modelled by the emulator.");
    prepare.check(keepProb == 1.0, ACLNN_ERR_PARAM_INVALID, "keepProb %g: dropout is not modelled by the emulator.", keepProb);
    Problem p{Layout::BSH, headNum, 0, sparseMode, preTokens, nextTokens, static_cast<float>(scaleValue),
              prefixOptional ? prefixOptional->values : std::vector<int64_t>()};
    prepare.check(parseLayout(inputLayout, p.layout), ACLNN_ERR_PARAM_INVALID,
                  "inputLayout %s: the emulator models BSH, SBH, BSND and BNSD.", inputLayout ? inputLayout : "(null)");
    if (!prepare.ok()) return prepare.status();
    HeadsView q, k, v;
    const bool packed = p.layout == Layout::BSH || p.layout == Layout::SBH;
    const bool qOk = headsView(*query, p.layout, packed ? headNum : 0, q);
    prepare.check(qOk && q.heads == headNum, ACLNN_ERR_PARAM_INVALID, "query %s does not fit layout %s with headNum %lld.",
                  shapeText(query->viewDims).c_str(), inputLayout, static_cast<long long>(headNum));
    if (!prepare.ok()) return prepare.status();
    p.kvHeads = packed ? key->viewDims.back() / q.headDim : 0;
    const bool kvOk = headsView(*key, p.layout, p.kvHeads, k) && headsView(*value, p.layout, p.kvHeads, v);
    prepare.check(kvOk && k.headDim == q.headDim && k.batch == q.batch && k.heads > 0 && q.heads % k.heads == 0 &&
                      v.seq == k.seq && v.heads == k.heads && v.headDim == q.headDim,
                  ACLNN_ERR_PARAM_INVALID, "key %s and value %s do not fit query %s (GQA needs headNum %% key heads == 0).",
                  shapeText(key->viewDims).c_str(), shapeText(value->viewDims).c_str(), shapeText(query->viewDims).c_str());
    if (!prepare.ok()) return prepare.status();
    p.kvHeads = k.heads;
    prepare.shapeIs("attentionOutOut", attentionOutOut, query->viewDims);
    const Shape rowStats{q.batch, q.heads, q.seq, 8};
    prepare.shapeIs("softmaxMaxOut", softmaxMaxOut, rowStats).shapeIs("softmaxSumOut", softmaxSumOut, rowStats);
    checkMode(prepare, p, attenMaskOptional, q, k);
    if (!prepare.ok()) return prepare.status();
    return prepare.finish(workspaceSize, executor, [p](const aclOpExecutor &ex) { return run(p, ex); }, kAttentionWorkspace);
}
