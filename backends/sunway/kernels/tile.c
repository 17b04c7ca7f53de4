/* tile.c — see tile.h. */
#include "tile.h"

void tile_iget(float *buf, const void *mem, int64_t rows, int64_t cols, int64_t ld, int dtype, crts_rply_t *reply) {
    const int es = sw_dtype_bytes(dtype);
    const int64_t count = rows * cols;
    char *dst = (char *)buf + (es == 2 ? 2 * count : 0);
    if (ld == cols || rows == 1) CRTS_dma_iget(dst, mem, (size_t)(count * es), reply);
    else CRTS_dma_iget_stride(dst, mem, (size_t)(count * es), (size_t)(cols * es), (size_t)((ld - cols) * es), reply);
}

void tile_widen(float *buf, int64_t count, int dtype) {
    if (dtype == SW_F32) return;
    char *bytes = (char *)buf;
    const char *raw = bytes + 2 * count;
    for (int64_t i = 0; i < count; i++) {
        uint16_t h;
        memcpy(&h, raw + 2 * i, 2);
        const float v = dtype == SW_BF16 ? sw_bf16_to_f32(h) : sw_f16_to_f32(h);
        memcpy(bytes + 4 * i, &v, 4);
    }
}

void tile_get(float *buf, const void *mem, int64_t rows, int64_t cols, int64_t ld, int dtype) {
    crts_rply_t reply = 0;
    tile_iget(buf, mem, rows, cols, ld, dtype, &reply);
    CRTS_dma_wait_value(&reply, 1);
    tile_widen(buf, rows * cols, dtype);
}

void tile_put(void *mem, float *buf, int64_t rows, int64_t cols, int64_t ld, int dtype) {
    const int es = sw_dtype_bytes(dtype);
    const int64_t count = rows * cols;
    char *bytes = (char *)buf;
    if (es == 2) {
        for (int64_t i = 0; i < count; i++) { /* narrowing in place: 2i + 2 <= 4i + 4 */
            float v;
            memcpy(&v, bytes + 4 * i, 4);
            const uint16_t h = dtype == SW_BF16 ? sw_f32_to_bf16(v) : sw_f32_to_f16(v);
            memcpy(bytes + 2 * i, &h, 2);
        }
    }
    if (ld == cols || rows == 1) CRTS_dma_put(mem, bytes, (size_t)(count * es));
    else CRTS_dma_put_stride(mem, bytes, (size_t)(count * es), (size_t)(cols * es), (size_t)((ld - cols) * es));
}

void tile_transpose(float *out, const float *in, int64_t rows, int64_t cols) {
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) out[j * rows + i] = in[i * cols + j];
}
