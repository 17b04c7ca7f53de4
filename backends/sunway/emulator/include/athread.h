/*
 * athread.h — glm-sdk's emulator subset of the SW26010-Pro athread host (MPE) API.
 *
 * Written fresh from shared/spec/sunway.md §2; no Sunway header was copied. Keeps the real
 * header's split between C and C++:
 *   C:    athread_spawn(kernel, &arg)   — the kernel's NAME; the header pastes SLAVE_FUN(kernel)
 *   C++:  athread_spawn(fn, arg)        — a function pointer, e.g.
 *         CRTS_athread_spawn(reinterpret_cast<void*>(SLAVE_FUN(kernel)), &param);
 * On the chip SLAVE_FUN(k) is slave_k (swgcc -mslave prefixes every CPE symbol). The emulator
 * compiles CPE files with plain gcc, so SLAVE_FUN(k) is k: declare kernels on the host as
 *   extern void SLAVE_FUN(k)(void *);        (extern "C" in C++)
 * and the same source builds for both.
 *
 * Spawns run on 64 threads per core group; athread_spawn uses core group 0, athread_spawn_cgs all
 * of them (4 on SW26010, 6 on Pro). The emulator tags the argument pointer as main memory: a kernel
 * must fetch its argument struct with CRTS_dma_get, not dereference it. athread_join returns 0, or
 * -1 when the spawn failed; then sunway_emu_last_error() (sunway_emu.h) says why.
 */
#ifndef GLM_SW_EMU_ATHREAD_H
#define GLM_SW_EMU_ATHREAD_H

#if defined(__sw_64__)
#error "emulator athread.h included on a real Sunway build: use the toolchain's athread.h"
#endif

#include "crts.h"
#include "sunway_emu.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SLAVE_FUN(x) x

int sunway_emu_init(void);
int sunway_emu_spawn(void *fn, const void *arg, int all_cgs, const char *name);
int sunway_emu_join(void);

/* The real header's entry points, kept for the C++ form (the kernel name comes from dladdr, so
 * link kernels into a shared library or the executable with -rdynamic to see names in errors). */
int __real_athread_spawn(void *fn, void *arg, int flush);
int __real_athread_spawn_cgs(void *fn, void *arg, int flush);

#define athread_init() sunway_emu_init()
#define athread_init_cgs() sunway_emu_init()
#define CRTS_init() sunway_emu_init()
#define athread_join() sunway_emu_join()
#define athread_join_cgs() sunway_emu_join()
#define athread_halt() do { } while (0)

#ifdef __cplusplus
#define athread_spawn(fn, arg) __real_athread_spawn((void *)(fn), (void *)(arg), 1)
#define athread_spawn_cgs(fn, arg) __real_athread_spawn_cgs((void *)(fn), (void *)(arg), 1)
#else
#define athread_spawn(fn, arg) sunway_emu_spawn((void *)SLAVE_FUN(fn), (arg), 0, #fn)
#define athread_spawn_cgs(fn, arg) sunway_emu_spawn((void *)SLAVE_FUN(fn), (arg), 1, #fn)
#endif

#define CRTS_athread_spawn(fn, arg) athread_spawn(fn, arg)
#define CRTS_athread_spawn_cgs(fn, arg) athread_spawn_cgs(fn, arg)
#define CRTS_athread_join() athread_join()
#define CRTS_athread_join_cgs() athread_join_cgs()
#define CRTS_athread_halt() athread_halt()

#ifdef __cplusplus
}
#endif

#endif /* GLM_SW_EMU_ATHREAD_H */
