/*
 * cpe.c — the emulated chip's CPEs: one record per CPE of every core group (its LDM arena, ids,
 * counters), the spawn they run now, and the thread-local CPE of a worker thread. Its own file so
 * that DMA, RMA, register communication, synchronisation and the counters reach a CPE without
 * depending on spawn.c, which starts the workers and calls into all of them.
 */
#include "emu.h"

__thread emu_cpe_t *emu_self;
emu_spawn_t emu_cur;

static emu_cpe_t cpes[EMU_MAX_CGS][EMU_CPES];

emu_cpe_t *emu_cpe_at(int cg, int tid) { return &cpes[cg][tid]; }
