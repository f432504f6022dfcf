/* main.c — the migbench command: global options, then the subcommand of the table in
 * commands.c. */
#include <stdbool.h>

#include "cli.h"
#include "commands.h"
#include "hypervisor.h"
#include "lib/error.h"

int main(int argc, char **argv)
{
    bool version = false; /* the only field: offset 0 */
    struct mb_error err;
    mb_error_clear(&err);
    int rc = mb_cli_parse(&mb_migbench_cli, &argc, argv, &version, &err);
    if (version && (rc == MB_CLI_OK || rc == MB_CLI_USAGE))
        return mb_cmd_version(argc, argv);
    if (rc != MB_CLI_OK)
        return mb_cli_exit(&mb_migbench_cli, rc, &err);
    const struct mb_cli_cmd *cmd = mb_cli_sub(&mb_migbench_cli, argv[1], &err);
    if (!cmd)
        return mb_cli_exit(&mb_migbench_cli, MB_EINPUT, &err);
    rc = cmd->run(argc - 1, argv + 1);
    mb_hv_shutdown();
    return rc;
}
