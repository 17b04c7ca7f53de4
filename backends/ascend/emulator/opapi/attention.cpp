#include "attention.h"

#include <cmath>
#include <cstring>

#include "cube.h"

namespace emu {

bool parseLayout(const char *text, Layout &layout) {
    if (!text) return false;
    const std::string name = text;
    if (name == "BSH") layout = Layout::BSH;
    else if (name == "SBH") layout = Layout::SBH;
    else if (name == "BSND") layout = Layout::BSND;
    else if (name == "BNSD") layout = Layout::BNSD;
    else return false;
    return true;
}

bool headsView(const aclTensor &t, Layout layout, int64_t heads, HeadsView &out) {
    const Shape &d = t.viewDims;
    const Shape &s = t.strides;
    const bool packed = layout == Layout::BSH || layout == Layout::SBH;
    if (t.rank() != (packed ? 3 : 4)) return false;
    if (packed) {
        if (heads <= 0 || d[2] % heads != 0) return false;
        const int b = layout == Layout::BSH ? 0 : 1;
        const int q = 1 - b;
        const int64_t headDim = d[2] / heads;
        out = {d[b], heads, d[q], headDim, View{{d[b], heads, d[q], headDim}, {s[b], headDim * s[2], s[q], s[2]}, t.offset}};
        return true;
    }
    const int n = layout == Layout::BSND ? 2 : 1;
    const int q = layout == Layout::BSND ? 1 : 2;
    out = {d[0], d[n], d[q], d[3], View{{d[0], d[n], d[q], d[3]}, {s[0], s[n], s[q], s[3]}, t.offset}};
    return true;
}

HeadResult attendHead(const float *q, const float *k, const float *v, int64_t qLen, int64_t kvLen, int64_t d, float scale,
                      const RowMask &mask) {
    std::vector<float> kT(static_cast<size_t>(d * kvLen));
    for (int64_t j = 0; j < kvLen; ++j) {
        for (int64_t c = 0; c < d; ++c) kT[c * kvLen + j] = k[j * d + c];
    }
    std::vector<float> scores(static_cast<size_t>(qLen * kvLen));
    cubeProduct(q, kT.data(), scores.data(), qLen, d, kvLen);
    HeadResult result{std::vector<float>(static_cast<size_t>(qLen * d), 0.0f), std::vector<float>(qLen, -INFINITY),
                      std::vector<float>(qLen, 0.0f)};
    std::vector<float> p(static_cast<size_t>(kvLen));
    for (int64_t i = 0; i < qLen; ++i) {
        float max = -INFINITY;
        for (int64_t j = 0; j < kvLen; ++j) {
            const bool excluded = mask.masked && mask.masked(i, j);
            p[j] = excluded ? -INFINITY : scores[i * kvLen + j] * scale + (mask.bias ? mask.bias(i, j) : 0.0f);
            max = std::fmax(max, p[j]);
        }
        result.rowMax[i] = max;
        if (max == -INFINITY) continue;  // fully masked: zeros
        float sum = 0.0f;
        for (int64_t j = 0; j < kvLen; ++j) sum += p[j] = std::exp(p[j] - max);
        result.rowSum[i] = sum;
        float *row = result.out.data() + i * d;  // sum_j p_j v_j on the Cube, then one division, as flash kernels do
        for (int64_t j = 0; j < kvLen; ++j) {
            for (int64_t c = 0; c < d; ++c) row[c] += p[j] * v[j * d + c];
        }
        for (int64_t c = 0; c < d; ++c) row[c] /= sum;
    }
    return result;
}

}  // namespace emu
