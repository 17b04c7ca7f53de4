// The C++ form of athread_spawn (a function pointer, as in DEMO's main.cpp): the kernel name in
// the stats comes from dladdr. Prints "<kernel> <rc> <out[5]>".
#include <athread.h>

#include <cstdio>
#include <vector>

#include "k_args.h"

extern "C" void SLAVE_FUN(k_scale)(void *);

int main() {
    std::vector<float> in(64 * 4), out(64 * 4 + 64 * 6);
    for (size_t i = 0; i < in.size(); i++) in[i] = static_cast<float>(i);
    k_misc_arg a = {static_cast<float *>(sunway_emu_main_ptr(out.data())),
                    static_cast<const float *>(sunway_emu_main_ptr(in.data())), 64 * 4};
    CRTS_init();
    CRTS_athread_spawn(reinterpret_cast<void *>(SLAVE_FUN(k_scale)), &a);
    int rc = CRTS_athread_join();
    sunway_emu_spawn_stats_t s;
    sunway_emu_spawn_stats(&s);
    std::printf("%s %d %g\n", s.kernel, rc, out[5]);
    sunway_emu_shutdown();
    return 0;
}
