/* slave.h — CPE-side entry header of older athread code; the emulator's is crts.h. */
#ifndef GLM_SW_EMU_SLAVE_H
#define GLM_SW_EMU_SLAVE_H
#ifndef __sw_slave__
#define __sw_slave__ 1
#endif
#include "crts.h"
#include "simd.h"
#endif
