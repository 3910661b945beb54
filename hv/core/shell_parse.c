#include "hv/core/shell_parse.h"

#include <string.h>

#define KEY_BACKSPACE 0x08
#define KEY_DELETE 0x7f

enum shell_key shell_editor_key(struct shell_editor *ed, int c)
{
	if (ed->entered) {
		ed->entered = 0;
		ed->len = 0;
	}
	if (c == '\r' || c == '\n') {
		ed->line[ed->len] = 0;
		ed->entered = 1;
		return SHELL_KEY_ENTER;
	}
	if ((c == KEY_DELETE || c == KEY_BACKSPACE) && ed->len > 0) {
		ed->len--;
		return SHELL_KEY_ERASED;
	}
	if (c >= 0x20 && c < 0x7f && ed->len + 1 < sizeof(ed->line)) {
		ed->line[ed->len++] = (char)c;
		return SHELL_KEY_ADDED;
	}
	return SHELL_KEY_IGNORED;
}

struct shell_word shell_word_of(const char *line)
{
	while (*line == ' ')
		line++;
	size_t n = strlen(line);
	while (n && line[n - 1] == ' ')
		n--;
	return (struct shell_word){ line, n };
}

int shell_word_is(struct shell_word w, const char *name)
{
	return strlen(name) == w.len && memcmp(name, w.start, w.len) == 0;
}

const char *shell_script_next(const char *script, char *cmd, size_t cmd_size, int *too_long)
{
	if (!*script)
		return NULL;
	size_t n = strcspn(script, ";");
	*too_long = n > cmd_size - 1;
	size_t copy = *too_long ? 0 : n;
	memcpy(cmd, script, copy);
	cmd[copy] = 0;
	script += n;
	return *script == ';' ? script + 1 : script;
}
