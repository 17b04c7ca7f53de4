// The CPE kernels as the MPE sees them (backends/sunway/kernels/*.c): one entry point each, taking the
// argument struct of kernels/args.h. SLAVE_FUN(k) is slave_k under swgcc -mslave, k on the emulator.
#pragma once

#include <athread.h>

extern "C" {
void SLAVE_FUN(sw_copy_kernel)(void*);
void SLAVE_FUN(sw_binary_kernel)(void*);
void SLAVE_FUN(sw_unary_kernel)(void*);
void SLAVE_FUN(sw_rows_kernel)(void*);
void SLAVE_FUN(sw_top_k_kernel)(void*);
void SLAVE_FUN(sw_rotary_kernel)(void*);
void SLAVE_FUN(sw_attention_kernel)(void*);
void SLAVE_FUN(sw_gemm_kernel)(void*);
void SLAVE_FUN(sw_gemv_kernel)(void*);
void SLAVE_FUN(sw_rms_norm_kernel)(void*);
void SLAVE_FUN(sw_swiglu_kernel)(void*);
void SLAVE_FUN(sw_interleaved_rope_kernel)(void*);
}
