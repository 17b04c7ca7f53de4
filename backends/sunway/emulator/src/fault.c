/*
 * fault.c — a CPE that dereferences main memory (or anything unmapped) fails its spawn instead of
 * killing the process.
 *
 * Main-memory pointers are tagged (bit 54, sw_compat.h): non-canonical on x86-64, so a load
 * through one raises a general-protection fault, which Linux delivers as SIGSEGV with si_addr 0.
 * The handler therefore looks for the tagged value in the interrupted registers to name the
 * address. It runs on a per-CPE alternate stack (so a CPE stack overflow is reported too), and
 * for any thread that is not a CPE inside a kernel it hands the signal to whoever had it before
 * (Node/V8 install their own SIGSEGV handler).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "../include/sw_compat.h"
#include "emu.h"

#define ALTSTACK_BYTES (64u << 10)

static struct sigaction prev_segv, prev_bus;

static void chain(int sig, siginfo_t *si, void *uc) {
    struct sigaction *p = sig == SIGBUS ? &prev_bus : &prev_segv;
    if (p->sa_flags & SA_SIGINFO) {
        p->sa_sigaction(sig, si, uc);
        return;
    }
    if (p->sa_handler == SIG_IGN) return;
    if (p->sa_handler == SIG_DFL) {
        /* Restore the default and return: the faulting instruction runs again and the process
         * dies the ordinary way, with a core if enabled. */
        signal(sig, SIG_DFL);
        return;
    }
    p->sa_handler(sig);
}

static uintptr_t tagged_register(const ucontext_t *uc) {
#if defined(__x86_64__)
    for (int r = 0; r < NGREG; r++) {
        uintptr_t v = (uintptr_t)uc->uc_mcontext.gregs[r];
        if ((v >> 48) == (SW_EMU_MAIN_TAG >> 48)) return v;
    }
#else
    (void)uc;
#endif
    return 0;
}

static uintptr_t fault_pc(const ucontext_t *uc) {
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#else
    (void)uc;
    return 0;
#endif
}

static void on_fault(int sig, siginfo_t *si, void *ucv) {
    emu_cpe_t *c = emu_self;
    if (!c || !c->in_kernel) {
        chain(sig, si, ucv);
        return;
    }
    const ucontext_t *uc = ucv;
    uintptr_t addr = (uintptr_t)si->si_addr;
    uintptr_t tagged = sunway_emu_is_main_ptr((void *)addr) ? addr : 0;
    if (!tagged && addr == 0) tagged = tagged_register(uc);
    uintptr_t pc = fault_pc(uc);
    Dl_info di;
    char where[160] = "";
    if (pc && dladdr((void *)pc, &di) && di.dli_sname)
        snprintf(where, sizeof where, " (in %s+0x%lx)", di.dli_sname,
                 (unsigned long)(pc - (uintptr_t)di.dli_saddr));
    char msg[512];
    if (tagged)
        snprintf(msg, sizeof msg, "touched main memory without DMA at %p%s: CPEs reach main "
                 "memory only through CRTS_dma_* (fetch the argument struct with CRTS_dma_get)",
                 sunway_emu_host_ptr(tagged), where);
    else if (addr && addr + 65536 >= c->stack_lo && addr < c->stack_lo + 4096)
        snprintf(msg, sizeof msg, "stack overflow at %p%s (the CPE stack is LDM: keep arrays "
                 "in ldm_malloc / SW_LDM_ARRAY)", (void *)addr, where);
    else
        snprintf(msg, sizeof msg, "%s at %p%s", sig == SIGBUS ? "bus error" : "segmentation fault",
                 (void *)addr, where);
    emu_fail_self(msg);
}

int emu_fault_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &prev_segv) != 0) return -1;
    if (sigaction(SIGBUS, &sa, &prev_bus) != 0) return -1;
    return 0;
}

int emu_fault_thread_setup(emu_cpe_t *c) {
    c->altstack = malloc(ALTSTACK_BYTES);
    if (!c->altstack) return -1;
    stack_t ss;
    ss.ss_sp = c->altstack;
    ss.ss_size = ALTSTACK_BYTES;
    ss.ss_flags = 0;
    return sigaltstack(&ss, NULL);
}
