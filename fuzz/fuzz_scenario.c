/* fuzz_scenario.c — libFuzzer target for the scenario reader (`make fuzz`).
 *
 * Any input must either load or be refused with MB_EINPUT/MB_ENOMEM and a message
 * with a place; never crash, leak or hang.  A loaded scenario is also planned, so
 * the expansion code sees what the parser lets through. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "plan.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mb_error err;
    mb_error_clear(&err);
    struct mb_scenario *s = mb_scenario_load_mem("fuzz.yaml", (const char *)data, size, &err);
    if (!s) {
        if (err.status != MB_EINPUT && err.status != MB_ENOMEM)
            abort();
        if (err.line < 1 || err.column < 1 || !err.msg[0])
            abort();
        return 0;
    }
    struct mb_plan *p = NULL;
    /* big plans are legal but slow to expand; the fuzzer's time is better spent
     * on parsing */
    double points = 1;
    for (size_t i = 0; i < s->nfactors; i++)
        points *= (double)s->settings[s->factors[i]].nlevels;
    if (points * (double)s->repeat <= 20000)
        p = mb_plan_new(s, &err);
    if (p && p->npoints) {
        struct mb_point pt;
        char key[512];
        mb_plan_point(p, p->npoints - 1, &pt);
        mb_plan_point_key(p, p->npoints - 1, key, sizeof(key));
        (void)mb_plan_estimate_point(&pt);
    }
    mb_plan_free(p);
    mb_scenario_free(s);
    return 0;
}
