/*
 * libFuzzer target for the console's line handling (hv/core/shell_parse.c).
 * The input is what arrives on the serial port, fed a byte at a time to the
 * line editor, and checked against a plain model of it: the line holds only
 * printable characters, never more than SHELL_LINE_MAX - 1, is the model's
 * line when entered, and the command word found in it lies inside it with
 * no space at either end. The input is also taken as console.autorun:
 * cutting it at ';' gives pieces without ';' that join back into the
 * script when none was cut short. Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/core/shell_parse.h"
#include "tests/fuzz/fuzz_check.h"

#define MAX_SCRIPT 4096

static void check(int ok, const char *what)
{
	fuzz_check(ok, "fuzz_shell", what);
}

static void check_word(const char *line)
{
	struct shell_word w = shell_word_of(line);
	size_t n = strlen(line);
	check(w.start >= line && w.start + w.len <= line + n, "the word lies outside the line");
	if (w.len) {
		char name[SHELL_LINE_MAX + 1];
		check(w.start[0] != ' ' && w.start[w.len - 1] != ' ', "the word keeps a space");
		memcpy(name, w.start, w.len);
		name[w.len] = 0;
		check(shell_word_is(w, name), "the word is not itself");
		name[w.len - 1] = 0;
		check(!shell_word_is(w, name), "the word equals a shorter name");
	} else {
		check(strspn(line, " ") == n, "a line with text gave no word");
	}
}

static void edit(const uint8_t *data, size_t size)
{
	struct shell_editor ed = { .len = 0 };
	char model[SHELL_LINE_MAX];
	size_t mlen = 0;
	for (size_t i = 0; i < size; i++) {
		int c = data[i];
		enum shell_key k = shell_editor_key(&ed, c);
		check(ed.len < SHELL_LINE_MAX, "the line outgrew its buffer");
		if (c == '\r' || c == '\n') {
			model[mlen] = 0;
			check(k == SHELL_KEY_ENTER && strcmp(ed.line, model) == 0,
			      "the entered line is not the model's");
			check_word(ed.line);
			mlen = 0;
		} else if ((c == 0x7f || c == 0x08) && mlen) {
			check(k == SHELL_KEY_ERASED, "backspace did not erase");
			mlen--;
		} else if (c >= 0x20 && c < 0x7f && mlen + 1 < SHELL_LINE_MAX) {
			check(k == SHELL_KEY_ADDED && ed.line[ed.len - 1] == c, "a character was lost");
			model[mlen++] = (char)c;
		} else {
			check(k == SHELL_KEY_IGNORED, "a byte the line has no use for did something");
		}
		check(ed.len == mlen || k == SHELL_KEY_ENTER, "the line's length is not the model's");
	}
}

static void split(const uint8_t *data, size_t size)
{
	char *script = malloc(size + 1), *joined = malloc(size + 2);
	char cmd[SHELL_LINE_MAX];
	if (!script || !joined)
		abort();
	memcpy(script, data, size);
	script[size] = 0;
	size_t n = strlen(script), j = 0, pieces = 0;
	int cut = 0, too_long;
	const char *s = script, *at = script;
	while ((s = shell_script_next(s, cmd, sizeof(cmd), &too_long)) != NULL) {
		size_t len = strlen(cmd), piece = strcspn(at, ";");
		check(!strchr(cmd, ';'), "a command holds a ';'");
		check(s >= script && s <= script + n, "the rest lies outside the script");
		check(++pieces <= n, "more commands than characters");
		check(too_long == (piece > sizeof(cmd) - 1), "too long said wrongly");
		check(too_long ? len == 0 : len == piece, "a command cut short or lengthened");
		cut |= too_long;
		at = s;
		memcpy(joined + j, cmd, len);
		j += len;
		joined[j++] = ';';
	}
	if (!cut) {
		/* Each piece got its ';' back; the script may or may not end with one. */
		size_t back = j && (n == 0 || script[n - 1] != ';') ? j - 1 : j;
		check(back == n && memcmp(joined, script, n) == 0, "the commands do not join back");
	}
	free(joined);
	free(script);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_SCRIPT)
		return 0;
	edit(data, size);
	split(data, size);
	return 0;
}
