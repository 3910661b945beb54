#!/usr/bin/env bash
# Checks that every #include of a project file points the way
# tests/layout/rules allows. Prints each include that breaks a rule and exits
# 1 if there is any; headers from outside the project (lwIP, libc) are not
# checked. Usage: tests/layout/check.sh [ROOT]
set -u
ROOT=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$ROOT" || exit 2
rules=tests/layout/rules
bad=0
checked=0

# The rule for a file: the longest folder in the rules that holds it.
rule_for() {
	awk -v f="$1" '!/^#/ && NF > 1 { if (index(f, $1 "/") == 1 && length($1) > best) { best = length($1); line = $0 } }
		END { print line }' "$rules"
}

while IFS= read -r file; do
	rule=$(rule_for "$file")
	if [ -z "$rule" ]; then
		echo "layout: $file: no rule in $rules covers its folder"
		bad=$((bad + 1))
		continue
	fi
	read -r -a allowed <<<"$rule"
	while IFS=: read -r line inc; do
		[ -e "$inc" ] || continue # not a project file (lwIP, newlib, cmocka)
		checked=$((checked + 1))
		ok=0
		for p in "${allowed[@]:1}"; do
			if [ "$inc" = "$p" ] || [[ $inc == "$p"/* ]]; then ok=1; break; fi
		done
		if [ $ok = 0 ]; then
			echo "layout: $file:$line includes $inc, which ${allowed[0]}/ may not use"
			bad=$((bad + 1))
		fi
	done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" |
		sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1:\2/')
done < <(git ls-files -co --exclude-standard -- '*.c' '*.h' '*.S' | grep -v '^guest/')

if [ $bad -gt 0 ]; then
	echo "layout: $bad include(s) point the wrong way ($checked checked)"
	exit 1
fi
echo "layout: $checked includes checked, all point the way tests/layout/rules allows"
