/*
 * The console's line handling, as pure functions: editing a line from the
 * bytes the serial port delivers (anyone at the other end of the cable may
 * type anything), finding the command word, and cutting console.autorun
 * into commands. shell.c runs what they find.
 */
#ifndef FTV_SHELL_PARSE_H
#define FTV_SHELL_PARSE_H

#include <stddef.h>

#define SHELL_LINE_MAX 96    /* with its terminating NUL */

struct shell_editor {
	char line[SHELL_LINE_MAX];
	size_t len;              /* characters in line; line[len] is NUL after SHELL_KEY_ENTER */
	int entered;             /* the line was entered: the next key starts a new one */
};

/* What a byte did to the line, for the caller's echo. */
enum shell_key {
	SHELL_KEY_IGNORED,       /* control byte, or no room left */
	SHELL_KEY_ADDED,         /* a printable character, now the line's last */
	SHELL_KEY_ERASED,        /* backspace or delete took the last character */
	SHELL_KEY_ENTER,         /* CR or LF: ed->line holds the finished line */
};

enum shell_key shell_editor_key(struct shell_editor *ed, int c);

/* The command word of a line: spaces around it removed; len 0 for a blank line. */
struct shell_word {
	const char *start;
	size_t len;
};

struct shell_word shell_word_of(const char *line);
int shell_word_is(struct shell_word w, const char *name);

/*
 * The next ';'-separated command of a script, copied into cmd
 * (NUL-terminated). A command longer than cmd_size - 1 characters is never
 * cut short (its start could be another command): cmd is left empty and
 * *too_long set. Returns where the rest of the script starts, or NULL when
 * there is no command left.
 */
const char *shell_script_next(const char *script, char *cmd, size_t cmd_size, int *too_long);

#endif
