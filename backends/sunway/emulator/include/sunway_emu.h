/*
 * sunway_emu.h — the emulator's own host API (not part of Sunway's): errors, chip, counters.
 * Every function here exists only in libathread_emu.so; a real Sunway build has none of them.
 * Plain C types only, so an FFI (koffi) can bind them.
 */
#ifndef GLM_SUNWAY_EMU_H
#define GLM_SUNWAY_EMU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Message of the last failed init / spawn / join ("kernel K, CPE c (CG g): ..."), or NULL. */
const char *sunway_emu_last_error(void);
void sunway_emu_clear_error(void);

/*
 * Fault injection (src/inject.c): GLM_FAULT=alloc:N,launch:N,sync:N,dma:N, or arm in process. Kinds:
 * 0 alloc (asked by the host's allocator), 1 launch (athread_spawn refused), 2 sync (athread_join
 * fails), 3 dma (a CPE's DMA fails its spawn). The nth event of a kind from the arm fails once; n = 0
 * disarms; arming restarts the kind's count. fault_hit counts one event and says whether it fails.
 */
void sunway_emu_fault_arm(int kind, long n);
int sunway_emu_fault_hit(int kind);
void sunway_emu_fault_counts(long *out); /* 4 counts, by kind */
long sunway_emu_fault_fired_at(int kind);

/* "SW26010" or "SW26010-Pro" (from GLM_SUNWAY_CHIP at the first call). */
const char *sunway_emu_chip_name(void);

/* Counters of one CPE, or summed over CPEs (then ldm_high_water is the MAXIMUM). */
typedef struct sunway_emu_counters {
    uint64_t dma_get_bytes;   /* main memory -> LDM; a DMA broadcast counts once, at the issuer */
    uint64_t dma_put_bytes;   /* LDM -> main memory */
    uint64_t dma_get_ops;
    uint64_t dma_put_ops;
    uint64_t dma_blocks;      /* contiguous pieces moved (a strided DMA of len/bsize blocks adds that many) */
    uint64_t dma_bcast_bytes; /* of dma_get_bytes, how many were broadcasts */
    uint64_t rma_bytes;       /* sent by this CPE; a broadcast counts once */
    uint64_t rma_ops;
    uint64_t rma_recv_bytes;  /* landed in this CPE's LDM by RMA or DMA broadcast from another CPE */
    uint64_t flops_f16;       /* counted by simd.h wrappers and SW_FLOPS_F16 */
    uint64_t flops_f32;       /* simd_vmas on floatv4/floatv8 and SW_FLOPS */
    uint64_t flops_f64;       /* simd_vmas on doublev4/doublev8 and SW_FLOPS_F64 */
    uint64_t ldm_high_water;  /* bytes: __thread_local + ldm_malloc + SW_LDM_ARRAY, peak */
    uint64_t ldm_tls_bytes;   /* of which __thread_local (the kernel module's TLS segment) */
    uint64_t waits;           /* wait_value calls */
    uint64_t syncs;           /* ssync calls */
} sunway_emu_counters_t;

#define SUNWAY_EMU_MAX_CGS 6
typedef struct sunway_emu_spawn_stats {
    char kernel[96];
    int32_t chip_is_pro;
    int32_t cgs;               /* core groups this spawn ran on (1, or 4/6 for the _cgs form) */
    int32_t cpes_per_cg;       /* 64 */
    int32_t failed;            /* 1 when the spawn failed (counters up to the failure) */
    uint64_t max_ldm_size;     /* CRTS_MAX_LDM_SIZE */
    uint64_t ldm_budget;       /* usable bytes per CPE */
    uint64_t wall_ns;          /* host time the emulation took (NOT a Sunway time) */
    uint64_t seq;              /* 1 for the first spawn of the process, then 2, ... */
    sunway_emu_counters_t total;                       /* all CPEs of all CGs */
    sunway_emu_counters_t per_cg[SUNWAY_EMU_MAX_CGS];  /* summed over each CG's 64 CPEs */
} sunway_emu_spawn_stats_t;

/* Counters of the last joined spawn; 0 on success, -1 if there was none. */
int sunway_emu_spawn_stats(sunway_emu_spawn_stats_t *out);
/* One CPE's counters in the last joined spawn; -1 if out of range. */
int sunway_emu_cpe_stats(int cg, int cpe, sunway_emu_counters_t *out);
/* sizeof the structs, so an FFI binding can check its layout. */
size_t sunway_emu_sizeof_spawn_stats(void);
size_t sunway_emu_sizeof_counters(void);

/* Optional DMA bounds: once any main-memory buffer is registered, every DMA must stay inside one
 * registered buffer (tagged or plain pointers both accepted); a DMA that starts at the spawn
 * argument is exempt. 0 on success; -1 if the region is
 * empty, overlaps one already registered, or (unregister) was not registered. */
int sunway_emu_register_main(const void *base, size_t bytes);
int sunway_emu_unregister_main(const void *base);

/* Stop the worker threads (tests; a later spawn starts them again). */
void sunway_emu_shutdown(void);

#ifdef __cplusplus
}
#endif

#endif /* GLM_SUNWAY_EMU_H */
