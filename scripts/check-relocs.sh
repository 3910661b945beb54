#!/usr/bin/env bash
# GNU-EFI's crt0 applies only R_X86_64_RELATIVE relocations. Anything else
# in the image would be silently left unrelocated at run time: refuse it.
set -euo pipefail
bad=$(readelf -rW "$1" | awk '/^[0-9a-f]+ / && $3 != "R_X86_64_RELATIVE" && $3 != "R_X86_64_NONE" {print $3, $5}' | sort | uniq -c)
if [ -n "$bad" ]; then
	echo "check-relocs: $1 has relocations GNU-EFI cannot apply:" >&2
	echo "$bad" >&2
	exit 1
fi
