/*
 * hv/core/shell_parse.c: the console's line editor (printable bytes kept,
 * control bytes ignored, backspace and delete, a full line stops growing,
 * CR or LF ends it and the next key starts over), the command word with
 * its spaces trimmed, and console.autorun cut at ';' (long commands cut to
 * the buffer, empty pieces kept).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/core/shell_parse.h"

static enum shell_key type(struct shell_editor *ed, const char *s)
{
	enum shell_key k = SHELL_KEY_IGNORED;
	while (*s)
		k = shell_editor_key(ed, (unsigned char)*s++);
	return k;
}

static void test_editor_builds_a_line(void **state)
{
	(void)state;
	struct shell_editor ed = { .len = 0 };
	assert_int_equal(shell_editor_key(&ed, 'n'), SHELL_KEY_ADDED);
	assert_int_equal(shell_editor_key(&ed, 0x1b), SHELL_KEY_IGNORED);   /* escape */
	assert_int_equal(shell_editor_key(&ed, 0xe9), SHELL_KEY_IGNORED);   /* not ASCII */
	assert_int_equal(type(&ed, "ex"), SHELL_KEY_ADDED);
	assert_int_equal(shell_editor_key(&ed, 0x7f), SHELL_KEY_ERASED);
	assert_int_equal(shell_editor_key(&ed, 0x08), SHELL_KEY_ERASED);
	assert_int_equal(type(&ed, "et\r"), SHELL_KEY_ENTER);
	assert_string_equal(ed.line, "net");
	/* The next line starts empty; backspace on an empty line does nothing. */
	assert_int_equal(shell_editor_key(&ed, 0x08), SHELL_KEY_IGNORED);
	assert_int_equal(type(&ed, "mem\n"), SHELL_KEY_ENTER);
	assert_string_equal(ed.line, "mem");
	assert_int_equal(shell_editor_key(&ed, '\n'), SHELL_KEY_ENTER);
	assert_string_equal(ed.line, "");
}

static void test_editor_stops_at_a_full_line(void **state)
{
	(void)state;
	struct shell_editor ed = { .len = 0 };
	for (int i = 0; i < SHELL_LINE_MAX - 1; i++)
		assert_int_equal(shell_editor_key(&ed, 'a'), SHELL_KEY_ADDED);
	assert_int_equal(shell_editor_key(&ed, 'b'), SHELL_KEY_IGNORED);
	assert_int_equal(shell_editor_key(&ed, '\r'), SHELL_KEY_ENTER);
	assert_int_equal(strlen(ed.line), SHELL_LINE_MAX - 1);
	assert_null(strchr(ed.line, 'b'));
}

static void test_word_trims_spaces(void **state)
{
	(void)state;
	struct shell_word w = shell_word_of("   help  ");
	assert_int_equal(w.len, 4);
	assert_true(shell_word_is(w, "help"));
	assert_false(shell_word_is(w, "hel"));
	assert_false(shell_word_is(w, "helpx"));
	assert_int_equal(shell_word_of("    ").len, 0);
	assert_int_equal(shell_word_of("").len, 0);
	w = shell_word_of(" replay-check");
	assert_true(shell_word_is(w, "replay-check"));
}

static void test_script_splits_at_semicolons(void **state)
{
	(void)state;
	char cmd[SHELL_LINE_MAX];
	int too_long;
	const char *s = "net;;ft; mem";
	s = shell_script_next(s, cmd, sizeof(cmd), &too_long);
	assert_string_equal(cmd, "net");
	s = shell_script_next(s, cmd, sizeof(cmd), &too_long);
	assert_string_equal(cmd, "");
	s = shell_script_next(s, cmd, sizeof(cmd), &too_long);
	assert_string_equal(cmd, "ft");
	s = shell_script_next(s, cmd, sizeof(cmd), &too_long);
	assert_string_equal(cmd, " mem");
	assert_false(too_long);
	assert_null(shell_script_next(s, cmd, sizeof(cmd), &too_long));
	assert_null(shell_script_next("", cmd, sizeof(cmd), &too_long));
	/* A trailing ';' ends the last command, nothing follows it. */
	s = shell_script_next("exits;", cmd, sizeof(cmd), &too_long);
	assert_string_equal(cmd, "exits");
	assert_null(shell_script_next(s, cmd, sizeof(cmd), &too_long));
}

/* A command too long for the buffer is refused whole, never cut short. */
static void test_script_refuses_long_commands(void **state)
{
	(void)state;
	char cmd[4];
	int too_long;
	const char *s = shell_script_next("abcdefg;hi", cmd, sizeof(cmd), &too_long);
	assert_true(too_long);
	assert_string_equal(cmd, "");
	s = shell_script_next(s, cmd, sizeof(cmd), &too_long);
	assert_false(too_long);
	assert_string_equal(cmd, "hi");
	assert_null(shell_script_next(s, cmd, sizeof(cmd), &too_long));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_editor_builds_a_line),
		cmocka_unit_test(test_editor_stops_at_a_full_line),
		cmocka_unit_test(test_word_trims_spaces),
		cmocka_unit_test(test_script_splits_at_semicolons),
		cmocka_unit_test(test_script_refuses_long_commands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
