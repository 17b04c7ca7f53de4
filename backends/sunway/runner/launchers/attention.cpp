// Launchers of attention and the rotary records (kernels/attention.c, kernels/rotary.c).
#include "chip.h"
#include "glm_launch_codes.h"
#include "kernels.h"
#include "launchers.h"
#include "tiling.h"

namespace glm::sunway::launchers {
namespace {

void read4(Reader& r, int64_t (&s)[4]) { read_dims(r, 4, s); }

// The words an attention record and a grouped-query-attention record share.
void read_attention(Reader& r, sw_attention_args& a) {
  a.dtype = r.i32();
  a.out = read_ptr(r);
  a.q = read_ptr<const char>(r);
  a.k = read_ptr<const char>(r);
  a.v = read_ptr<const char>(r);
  read4(r, a.q_strides);
  read4(r, a.k_strides);
  read4(r, a.v_strides);
  read4(r, a.out_strides);
  a.batch = r.i64();
  a.heads = r.i64();
  a.queries = r.i64();
  a.keys = r.i64();
  a.dim = r.i64();
  a.scale = r.f64();
  a.explicit_mask = r.i32();
  a.context_lengths = read_ptr<const int32_t>(r);
  a.mask = read_ptr<const int8_t>(r);
  read4(r, a.mask_strides);
  a.length = read_ptr<const int32_t>(r);
}

void launch_attention(Reader& r, sw_attention_args& a) {
  if (a.dim > planned::MAX_HEAD_DIM) throw ProgramError("attention: head dim " + std::to_string(a.dim) + " exceeds " + std::to_string(planned::MAX_HEAD_DIM), r.tag());
  const AttentionTiles t = attention_tiles(a.queries, a.keys, a.dim, a.batch * a.heads, chip().core_groups * 64);
  a.query_block = t.query_block;
  a.key_tile = t.key_tile;
  set_common(a.c, r.tag(), core_groups_for(a.batch * a.heads * ((a.queries + a.query_block - 1) / a.query_block)));
  spawn(SLAVE_FUN(sw_attention_kernel), "attention", &a, a.c);
}

}  // namespace

void attention(Reader& r) {
  sw_attention_args a{};
  read_attention(r, a);
  a.kv_group = 1;
  r.finish();
  launch_attention(r, a);
}

// An attention record, then the query heads per KV head: k and v hold heads / kv_group heads.
void grouped_query_attention(Reader& r) {
  sw_attention_args a{};
  read_attention(r, a);
  a.kv_group = r.i64();
  r.finish();
  if (a.kv_group < 1 || a.heads % a.kv_group != 0) {
    throw ProgramError("grouped-query-attention: " + std::to_string(a.heads) + " query heads do not share KV heads in groups of " + std::to_string(a.kv_group), r.tag());
  }
  launch_attention(r, a);
}

// [dtype, out, x, positions, blockPositions | null, xStrides4, outStrides4, batch, heads, seq, dim, base]
void rope(Reader& r) {
  sw_rotary_args a{};
  a.kind = SW_ROT_ROPE;
  a.dtype = r.i32();
  a.out[0] = read_ptr(r);
  a.x = read_ptr<const char>(r);
  a.positions = read_ptr<const int32_t>(r);
  a.block_positions = read_ptr<const int32_t>(r);
  read4(r, a.x_strides);
  read4(r, a.out_strides[0]);
  a.batch = r.i64();
  a.heads = r.i64();
  a.seq = r.i64();
  a.dim = r.i64();
  a.base = r.f64();
  r.finish();
  set_common(a.c, r.tag(), core_groups_for(a.batch * a.heads * a.seq));
  spawn(SLAVE_FUN(sw_rotary_kernel), "rope", &a, a.c);
}

// [dtype, q, k | null, v | null, qkv, bias | null, positions, blockPositions | null, qS4, kS4, vS4,
//  batch, heads, seq, dim, base, keyCache | null, keyCacheS4, valueCache | null, valueCacheS4, offset | null, maxOffset]
void qkv_bias_rope(Reader& r) {
  sw_rotary_args a{};
  a.kind = SW_ROT_QKV;
  a.dtype = r.i32();
  for (auto& out : a.out) out = read_ptr(r);
  a.x = read_ptr<const char>(r);
  a.bias = read_ptr<const char>(r);
  a.positions = read_ptr<const int32_t>(r);
  a.block_positions = read_ptr<const int32_t>(r);
  for (auto& s : a.out_strides) read4(r, s);
  a.batch = r.i64();
  a.heads = r.i64();
  a.seq = r.i64();
  a.dim = r.i64();
  a.base = r.f64();
  for (int part = 0; part < 2; ++part) {
    a.cache[part] = read_ptr(r);
    read4(r, a.cache_strides[part]);
  }
  a.offset = read_ptr<const int32_t>(r);
  a.max_offset = r.i64();
  r.finish();
  set_common(a.c, r.tag(), core_groups_for(a.batch * a.heads * a.seq));
  spawn(SLAVE_FUN(sw_rotary_kernel), "qkv-bias-rope", &a, a.c);
}

// [cos, sin, positions, tokens, dim, base]
void rotary_table(Reader& r) {
  sw_rotary_args a{};
  a.kind = SW_ROT_TABLE;
  a.dtype = SW_F32;
  a.out[0] = read_ptr(r);
  a.out[1] = read_ptr(r);
  a.positions = read_ptr<const int32_t>(r);
  a.batch = r.i64();
  a.seq = 1;
  a.heads = 1;
  a.dim = r.i64();
  a.base = r.f64();
  r.finish();
  set_common(a.c, r.tag(), core_groups_for(a.batch));
  spawn(SLAVE_FUN(sw_rotary_kernel), "rotary-table", &a, a.c);
}

}  // namespace glm::sunway::launchers
