/*
 * ldm.c — each CPE's local data memory: the arena, ldm_malloc/ldm_free, SW_LDM_ARRAY, the charge
 * for __thread_local data, and what counts as an LDM address.
 *
 * LDM addresses are: the allocated part of the CPE's arena (ldm_malloc, SW_LDM_ARRAY), this
 * thread's copy of the kernel module's TLS block (__thread_local), and the thread's stack (the CPE
 * stack lives in LDM on the chip; it is accepted but not charged). Everything else — globals,
 * malloc'ed host memory, tagged main-memory pointers — is not LDM.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

#include "../include/sw_compat.h"
#include "emu.h"

#define ALIGN64(x) (((x) + 63u) & ~(size_t)63u)

/* glibc's entry point for general-dynamic TLS (x86-64 psABI): the block of module `mod` for the
 * calling thread, allocated on first use. */
typedef struct { unsigned long module, offset; } emu_tls_index;
extern void *__tls_get_addr(emu_tls_index *ti);

static size_t in_use(const emu_cpe_t *c) { return c->tls_bytes + c->heap_top; }

static void note_high_water(emu_cpe_t *c) {
    if (in_use(c) > c->c.ldm_high_water) c->c.ldm_high_water = in_use(c);
}

int emu_ldm_classify(const emu_cpe_t *c, const void *p, size_t len, size_t *off) {
    uintptr_t a = (uintptr_t)p;
    uintptr_t ar = (uintptr_t)c->arena;
    if (a >= ar && a < ar + EMU_ARENA_BYTES) {
        if (a + len > ar + c->heap_top) return EMU_LDM_NONE;
        *off = a - ar;
        return EMU_LDM_ARENA;
    }
    uintptr_t t = (uintptr_t)c->tls_base;
    if (t && a >= t && a + len <= t + c->tls_bytes) {
        *off = a - t;
        return EMU_LDM_TLS;
    }
    if (a >= c->stack_lo && a + len <= c->stack_hi) {
        *off = a - c->stack_lo;
        return EMU_LDM_STACK;
    }
    return EMU_LDM_NONE;
}

static const char *why_not_ldm(const emu_cpe_t *c, const void *p) {
    uintptr_t a = (uintptr_t)p, ar = (uintptr_t)c->arena;
    if (sunway_emu_is_main_ptr(p)) return "it is a main-memory pointer";
    if (a >= ar && a < ar + EMU_ARENA_BYTES)
        return "it runs past what this CPE has allocated in LDM (ldm_malloc it)";
    return "it is host memory (a global or heap variable); LDM buffers come from ldm_malloc, "
           "SW_LDM_ARRAY or __thread_local";
}

void emu_ldm_check_local(emu_cpe_t *c, const void *p, size_t len, const char *api,
                         const char *what) {
    size_t off;
    if (emu_ldm_classify(c, p, len, &off) != EMU_LDM_NONE) return;
    char msg[512];
    snprintf(msg, sizeof msg, "%s: %s %p (+%zu bytes) is not in this CPE's LDM: %s", api, what, p,
             len, why_not_ldm(c, p));
    emu_fail_self(msg);
}

void *emu_ldm_translate(emu_cpe_t *from, emu_cpe_t *to, const void *p, size_t len,
                        const char *api, const char *what) {
    size_t off = 0;
    char msg[512];
    switch (emu_ldm_classify(from, p, len, &off)) {
    case EMU_LDM_ARENA:
        if (off + len > emu_chip()->max_ldm) break;
        return to->arena + off;
    case EMU_LDM_TLS:
        return to->tls_base + off;
    case EMU_LDM_STACK:
        snprintf(msg, sizeof msg,
                 "%s: %s %p is on this CPE's stack, which another CPE cannot address here; put "
                 "it in ldm_malloc / SW_LDM_ARRAY / __thread_local storage", api, what, p);
        emu_fail_self(msg);
    default:
        break;
    }
    snprintf(msg, sizeof msg, "%s: %s %p (+%zu bytes) is not in this CPE's LDM: %s", api, what, p,
             len, why_not_ldm(from, p));
    emu_fail_self(msg);
}

/* ---- __thread_local: the TLS segment of the module that holds the kernel ---- */

struct tls_find {
    uintptr_t addr;
    size_t modid, bytes;
    int found;
};

static int tls_find_cb(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct tls_find *f = data;
    int inside = 0;
    size_t tls = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && f->addr >= lo && f->addr < lo + ph->p_memsz) inside = 1;
        if (ph->p_type == PT_TLS) tls = ph->p_memsz;
    }
    if (!inside) return 0;
    f->found = 1;
    f->modid = info->dlpi_tls_modid;
    f->bytes = tls;
    return 1;
}

int emu_find_tls_module(const void *fn, size_t *modid, size_t *bytes) {
    struct tls_find f = {(uintptr_t)fn, 0, 0, 0};
    dl_iterate_phdr(tls_find_cb, &f);
    *modid = f.found ? f.modid : 0;
    *bytes = f.found && f.modid ? f.bytes : 0;
    return f.found;
}

void emu_ldm_begin(emu_cpe_t *c) {
    const emu_chip_t *chip = emu_chip();
    c->heap_top = 0;
    c->nallocs = 0;
    c->tls_base = NULL;
    c->tls_bytes = 0;
    if (emu_cur.tls_bytes) {
        emu_tls_index ti = {emu_cur.tls_modid, 0};
        c->tls_base = __tls_get_addr(&ti);
        c->tls_bytes = emu_cur.tls_bytes;
        c->c.ldm_tls_bytes = c->tls_bytes;
        if (c->tls_bytes > chip->budget) {
            char msg[256];
            snprintf(msg, sizeof msg,
                     "__thread_local data of the kernel's module is %zu bytes, over the LDM budget "
                     "of %zu bytes (CRTS_MAX_LDM_SIZE %zu, %s)",
                     c->tls_bytes, chip->budget, chip->max_ldm, chip->name);
            emu_fail_self(msg);
        }
    }
    note_high_water(c);
}

static void *ldm_alloc(emu_cpe_t *c, size_t size, int fixed, const char *api, const char *what) {
    const emu_chip_t *chip = emu_chip();
    size_t off = ALIGN64(c->heap_top);
    char msg[512];
    if (c->tls_bytes + off + size > chip->budget) {
        snprintf(msg, sizeof msg,
                 "%s(%zu)%s%s: LDM budget exceeded: %zu bytes requested, %zu in use (of which "
                 "__thread_local %zu), budget %zu bytes of CRTS_MAX_LDM_SIZE %zu on %s",
                 api, size, what ? " for " : "", what ? what : "", size, in_use(c), c->tls_bytes,
                 chip->budget, chip->max_ldm, chip->name);
        emu_fail_self(msg);
    }
    if (c->nallocs == EMU_MAX_ALLOCS) {
        snprintf(msg, sizeof msg, "%s: more than %d live LDM allocations", api, EMU_MAX_ALLOCS);
        emu_fail_self(msg);
    }
    emu_alloc_t *a = &c->allocs[c->nallocs++];
    a->off = (uint32_t)off;
    a->size = (uint32_t)size;
    a->live = 1;
    a->fixed = (uint8_t)fixed;
    c->heap_top = off + size;
    note_high_water(c);
    return c->arena + off;
}

void *sunway_emu_ldm_malloc(size_t size, const char *api) {
    emu_cpe_t *c = emu_require_cpe(api);
    return ldm_alloc(c, size, 0, api, NULL);
}

void *sunway_emu_ldm_fixed(size_t bytes, const char *what) {
    emu_cpe_t *c = emu_require_cpe("SW_LDM_ARRAY");
    return ldm_alloc(c, bytes, 1, "SW_LDM_ARRAY", what);
}

void sunway_emu_ldm_free(void *addr, size_t size) {
    emu_cpe_t *c = emu_require_cpe("ldm_free");
    char msg[256];
    for (int i = c->nallocs - 1; i >= 0; i--) {
        emu_alloc_t *a = &c->allocs[i];
        if (!a->live || c->arena + a->off != (unsigned char *)addr) continue;
        if (a->fixed) {
            snprintf(msg, sizeof msg, "ldm_free(%p): SW_LDM_ARRAY storage is released at return",
                     addr);
            emu_fail_self(msg);
        }
        if (a->size != size) {
            snprintf(msg, sizeof msg, "ldm_free(%p, %zu): it was allocated with %u bytes", addr,
                     size, a->size);
            emu_fail_self(msg);
        }
        a->live = 0;
        /* The heap is a stack: freed blocks at the top are given back, holes wait for them. */
        while (c->nallocs > 0 && !c->allocs[c->nallocs - 1].live) c->nallocs--;
        c->heap_top = c->nallocs
                          ? c->allocs[c->nallocs - 1].off + c->allocs[c->nallocs - 1].size
                          : 0;
        return;
    }
    snprintf(msg, sizeof msg, "ldm_free(%p, %zu): not a live ldm_malloc'ed address", addr, size);
    emu_fail_self(msg);
}

size_t sunway_emu_ldm_allocatable(void) {
    emu_cpe_t *c = emu_require_cpe("get_allocatable_size");
    size_t used = c->tls_bytes + ALIGN64(c->heap_top);
    size_t budget = emu_chip()->budget;
    return used < budget ? budget - used : 0;
}

void *sunway_emu_ldm_malloc_max(size_t *size) {
    size_t s = sunway_emu_ldm_allocatable();
    *size = s;
    return sunway_emu_ldm_malloc(s, "ldm_malloc_max");
}

void emu_ldm_end(emu_cpe_t *c) {
    size_t leaked = 0;
    int n = 0;
    for (int i = 0; i < c->nallocs; i++)
        if (c->allocs[i].live && !c->allocs[i].fixed) {
            leaked += c->allocs[i].size;
            n++;
        }
    if (leaked) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "returned with %zu bytes of LDM in %d ldm_malloc allocation(s) not ldm_free'd "
                 "(on the chip they stay allocated for the next kernel)", leaked, n);
        emu_fail_self(msg);
    }
    c->heap_top = 0;
    c->nallocs = 0;
}
