/* idle.c — the idle workload: nothing runs in the guest beyond the harness's own
 * agents (the probe's echo responder and the integrity checker), so there is no
 * throughput and no overhead; the paper's idle-VM experiments (Figs. 2, 3, 8, 9). */
#include "workload.h"

const struct mb_wl_driver mb_wl_idle = {
    .name = "idle",
    .help = "nothing runs in the guest: no throughput series",
    .metric = NULL,
    .unit = NULL,
    .program = NULL,
};
