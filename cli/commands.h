/*
 * commands.h - the subcommands of `rebound`. Each takes argc/argv after its name and
 * returns the process exit status.
 */
#ifndef REBOUND_CLI_COMMANDS_H
#define REBOUND_CLI_COMMANDS_H

int rb_cmd_parse(int argc, char **argv);

#endif
