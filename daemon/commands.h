/* The subcommands of bedrock-tenantd, one file each (cmd_<name>.c). Each takes the
 * arguments after the subcommand name (argv[0] is the name) and returns the process
 * exit status: 0 success, 1 the command found problems, 2 usage error. */
#ifndef BTD_COMMANDS_H
#define BTD_COMMANDS_H

#define EXIT_PROBLEMS 1
#define EXIT_USAGE    2

/* cmd_run: the daemon in the foreground (also what no command means). */
int cmd_run(int argc, char **argv);
/* cmd_plan: print what the daemon would change; changes nothing. */
int cmd_plan(int argc, char **argv);
/* cmd_validate: check the configuration and every manifest of a directory. */
int cmd_validate(int argc, char **argv);

#endif
