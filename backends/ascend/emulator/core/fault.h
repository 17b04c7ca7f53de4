// The emulator's fault injection (fault.cpp): the program runtime's counter, CANN's statuses.
#pragma once

#include "export.h"
#include "fault_injection.h"
