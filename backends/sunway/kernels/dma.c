/*
 * dma.c — the DMA helpers of cpe.h: every main-memory access of the kernels goes through them.
 * Transfers are split under the descriptor's 18-bit size field; a strided view becomes one strided
 * DMA (bsize = one element, stride = the gap), the descriptor's own way of gathering, so the
 * kernels read transposed and broadcast views without a copy kernel before them.
 */
#include "cpe.h"

/* Largest piece of one transfer: under 256 KiB (18-bit size), a multiple of any element size. */
#define SW_DMA_PIECE ((size_t)128 << 10)
/* The stride field is 32 bits. */
#define SW_DMA_MAX_STRIDE ((int64_t)1 << 31)

void sw_get(void *ldm, const void *mem, size_t bytes) {
    for (size_t o = 0; o < bytes; o += SW_DMA_PIECE) {
        const size_t n = bytes - o < SW_DMA_PIECE ? bytes - o : SW_DMA_PIECE;
        CRTS_dma_get((char *)ldm + o, (const char *)mem + o, n);
    }
}

void sw_put(void *mem, const void *ldm, size_t bytes) {
    for (size_t o = 0; o < bytes; o += SW_DMA_PIECE) {
        const size_t n = bytes - o < SW_DMA_PIECE ? bytes - o : SW_DMA_PIECE;
        CRTS_dma_put((char *)mem + o, (char *)ldm + o, n); /* the API takes a non-const LDM source */
    }
}

/* One strided transfer per piece; elements one by one when the gap does not fit the stride field. */
static void strided(int put, char *ldm, const char *mem, int64_t count, int es, int64_t stride) {
    const int64_t gap = (stride - 1) * es;
    if (stride < 1 || gap >= SW_DMA_MAX_STRIDE) {
        for (int64_t i = 0; i < count; i++) {
            if (put) CRTS_dma_put((char *)mem + i * stride * es, ldm + i * es, (size_t)es);
            else CRTS_dma_get(ldm + i * es, mem + i * stride * es, (size_t)es);
        }
        return;
    }
    const int64_t per = (int64_t)(SW_DMA_PIECE / (size_t)es);
    for (int64_t i = 0; i < count; i += per) {
        const int64_t n = count - i < per ? count - i : per;
        char *l = ldm + i * es;
        const char *m = mem + i * stride * es;
        if (put) CRTS_dma_put_stride((char *)m, l, (size_t)(n * es), (size_t)es, (size_t)gap);
        else CRTS_dma_get_stride(l, m, (size_t)(n * es), (size_t)es, (size_t)gap);
    }
}

void sw_get_elems(void *ldm, const void *mem, int64_t count, int es, int64_t stride) {
    if (count <= 0) return;
    if (stride == 1 || count == 1) {
        sw_get(ldm, mem, (size_t)(count * es));
    } else if (stride == 0) {
        CRTS_dma_get(ldm, mem, (size_t)es);
        for (int64_t i = 1; i < count; i++) memcpy((char *)ldm + i * es, ldm, (size_t)es);
    } else {
        strided(0, ldm, mem, count, es, stride);
    }
}

void sw_put_elems(void *mem, const void *ldm, int64_t count, int es, int64_t stride) {
    if (count <= 0) return;
    if (stride == 1 || count == 1) sw_put(mem, ldm, (size_t)(count * es));
    else strided(1, (char *)ldm, mem, count, es, stride);
}

void sw_get_f32(float *buf, const void *mem, int64_t count, int dtype, int64_t stride) {
    if (dtype == SW_F32) {
        sw_get_elems(buf, mem, count, 4, stride);
        return;
    }
    /* 16-bit data lands in the buffer's second half; element i is read before f32 i is written,
     * and f32 i (bytes 4i..4i+3) never reaches the raw bytes of element i + 1 (2·count + 2i + 2). */
    char *bytes = (char *)buf;
    char *raw = bytes + 2 * count;
    sw_get_elems(raw, mem, count, 2, stride);
    for (int64_t i = 0; i < count; i++) {
        uint16_t h;
        memcpy(&h, raw + 2 * i, 2);
        const float v = dtype == SW_BF16 ? sw_bf16_to_f32(h) : sw_f16_to_f32(h);
        memcpy(bytes + 4 * i, &v, 4);
    }
}

void sw_put_f32(void *mem, float *buf, int64_t count, int dtype, int64_t stride) {
    if (dtype == SW_F32) {
        sw_put_elems(mem, buf, count, 4, stride);
        return;
    }
    char *bytes = (char *)buf;
    for (int64_t i = 0; i < count; i++) { /* narrowing in place: 2i + 2 <= 4i + 4 */
        float v;
        memcpy(&v, bytes + 4 * i, 4);
        const uint16_t h = dtype == SW_BF16 ? sw_f32_to_bf16(v) : sw_f32_to_f16(v);
        memcpy(bytes + 2 * i, &h, 2);
    }
    sw_put_elems(mem, bytes, count, 2, stride);
}

int32_t sw_get_i32(const int32_t *mem) {
    int32_t v;
    CRTS_dma_get(&v, mem, 4);
    return v;
}

void sw_raise(const sw_common *c) {
    int32_t v = c->tag + 1;
    CRTS_dma_put(c->flag, &v, 4);
}
