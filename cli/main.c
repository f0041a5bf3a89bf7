/*
 * main.c - `rebound`: dispatch to a subcommand.
 *
 * Exit status: 0 success; 1 some input could not be read or an event could not be
 * written (the rest was still processed); 2 usage error.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"parse", rb_cmd_parse, "classify messages and reports from files, print events"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: rebound COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n'rebound COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	/* Each message's parse allocates and frees some hundred kilobytes; by default
	 * glibc gives freed heap back at once and faults it in again for the next
	 * message (a third of the page faults of a run). A few MiB are kept instead. */
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "rebound: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
