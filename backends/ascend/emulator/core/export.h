// The emulator core's own API between its libraries. CANN's libraries share state through libraries
// of their own (runtime, error manager); the emulator keeps that state in libascend_emulator_core.so,
// so the three CANN-named libraries export exactly the ABI table's functions and nothing else.
#pragma once

#define EMU_CORE_API __attribute__((visibility("default")))
