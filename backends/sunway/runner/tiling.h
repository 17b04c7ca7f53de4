// Tile sizes, chosen at run time from the chip's LDM budget (chip.h): the same launch record runs
// with 64 x 64 GEMM pieces on SW26010-Pro's ~220 KB and 32 x 32 ones on SW26010's ~60 KB. Each
// function mirrors the LDM its kernel allocates (the emulator fails a spawn that goes past the
// budget, so a mistake here is loud).
#pragma once

#include <cstdint>

namespace glm::sunway {

// Elements of each of `buffers` f32 LDM buffers of a streaming kernel.
int64_t stream_chunk(int buffers);

struct GemmTiles {
  int64_t bm, bn, bk;
  int64_t pass = 1;  // GEMV: consecutive column blocks sharing each chunk of A
};
// The mesh GEMM's pieces (kernels/gemm.c: 4 A pieces, 4 B pieces, the C block and a scratch).
GemmTiles mesh_tiles(int64_t m, int64_t n, int64_t k);
// The GEMV's column block, K chunk and blocks per pass for m rows of `batch` products (kernels/gemv.c:
// 2 A chunks, 2 B chunks, C of a pass, a scratch).
GemmTiles gemv_tiles(int64_t m, int64_t n, int64_t k, int64_t batch, int workers);
// Whether the GEMV serves a product of m rows: few rows, and they fit its LDM.
bool use_gemv(int64_t m, int64_t n, int64_t k);

struct AttentionTiles {
  int64_t query_block, key_tile;
};
// heads_total: batch x heads, the (b, h) pairs whose query blocks are the work items.
AttentionTiles attention_tiles(int64_t queries, int64_t keys, int64_t dim, int64_t heads_total, int workers);

}  // namespace glm::sunway
