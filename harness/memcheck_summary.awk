# memcheck_summary.awk: the summary under `make memcheck`, from the log of
# one run: the runner's output and valgrind's (-q, --log-fd=1 and
# --fullpath-after=<the kata's folder>/, so files are named from the top).
#
# For each kind of problem and the place it points at, one entry: the
# first stack frame in the learner's own files (a step's .c file that has
# a counterpart in solutions/; for a leak, the allocation that was never
# freed). When no frame is the learner's, it says what that trace usually
# means. Test failures that are not memory problems are told apart.
#
# Variables: logname (the log, to point at), check (the pasteable
# `make check ...` for this step), memcheck (the same for `make memcheck`),
# only (TEST=, "" when every test ran).
#
# Exits 0 when every test passed and valgrind reported nothing, 1 otherwise.

function learner(path,    base, dir, ref, line, ok) {
	if (path in is_learner)
		return is_learner[path]
	ok = 0
	if (path ~ /(^|\/)[0-9][0-9]-[^\/]+\/[^\/]+\.c$/ &&
	    path !~ /\/test_[^\/]*\.c$/) {
		base = path
		sub(/.*\//, "", base)
		dir = path
		sub(/\/[^\/]*$/, "", dir)
		sub(/.*\//, "", dir)
		ref = "solutions/" dir "/" base
		if ((getline line < ref) > 0)
			ok = 1
		close(ref)
	}
	is_learner[path] = ok
	return ok
}

# The kata's own code: the steps' files, the tests, the harness.
function ours(path) {
	return path ~ /(^|\/)[0-9][0-9]-[^\/]+\/[^\/]+\.c$/ ||
	    path ~ /^(harness|tests)\//
}

function begin_record(header) {
	end_record()
	n++
	head[n] = header
	aux = ""
	mine[n] = mine_ref[n] = ""
	mine_aux[n] = aux_ref[n] = ""
	setup[n] = ""
	lib[n] = ""
	pending[++npending] = n
	in_record = 1
}

function end_record() {
	in_record = 0
}

# One "at"/"by" line of a stack. Notes, for record n: the first frame in
# the learner's files (one in solutions/ only when there is no other: the
# reference's earlier steps under PRIOR=solutions, or IMPL=solutions), the
# first in the kata's, and the library (SQLite, cJSON) that allocated, when
# one lies between malloc and the kata's code.
function frame(line,    f, name, where, file) {
	f = line
	sub(/^ *(at|by) 0x[0-9A-Fa-f]+: /, "", f)
	name = f
	sub(/ \(.*$/, "", name)
	where = f
	sub(/^[^(]*\(/, "", where)
	sub(/\)$/, "", where)
	file = where
	sub(/:[0-9]+$/, "", file)
	if (file == where) { # "(in /usr/lib/...)": no line numbers
		if (aux == "" && setup[n] == "" &&
		    (where ~ /libsqlite3/ || name ~ /^sqlite3/))
			lib[n] = "sqlite"
		else if (aux == "" && setup[n] == "" && lib[n] == "" &&
		    (where ~ /libcjson/ || name ~ /^cJSON_/))
			lib[n] = "cjson"
		return
	}
	if (!learner(file)) {
		if (aux == "" && setup[n] == "" && ours(file))
			setup[n] = where " (" name ")"
		return
	}
	if (aux != "") {
		if (file !~ /^solutions\// && mine_aux[n] == "") {
			mine_aux[n] = where " (" name ")"
			aux_what[n] = aux
		} else if (aux_ref[n] == "") {
			aux_ref[n] = where " (" name ")"
			aux_ref_what[n] = aux
		}
		return
	}
	if (setup[n] == "")
		setup[n] = where " (" name ")"
	if (file !~ /^solutions\// && mine[n] == "") {
		mine[n] = where " (" name ")"
		mine_fn[n] = name
	} else if (mine_ref[n] == "") {
		mine_ref[n] = where " (" name ")"
		ref_fn[n] = name
	}
}

# A record's frames in solutions/ stand for the learner's when no other
# frame is.
function settle(r) {
	if (mine[r] == "") {
		mine[r] = mine_ref[r]
		mine_fn[r] = ref_fn[r]
	}
	if (mine_aux[r] == "") {
		mine_aux[r] = aux_ref[r]
		aux_what[r] = aux_ref_what[r]
	}
}

/^==[0-9]+== / {
	line = $0
	sub(/^==[0-9]+== /, "", line)
	if (line ~ /^ *$/) {
		end_record()
	} else if (line ~ /^ +(at|by) 0x/) {
		if (in_record)
			frame(line)
	} else if (line ~ /^ [^ ]/) {
		# " Address 0x... is 8 bytes inside a block of size 16 free'd",
		# " Block was alloc'd at"
		# (any other such line is a note, and the stack goes on)
		if (line ~ /^ Address .* free'd$/)
			aux = "the block was freed"
		else if (line ~ /^ Block was alloc'd/)
			aux = "the block was allocated"
		else if (line ~ /^ Uninitialised value was created/)
			aux = "the value was created"
		else if (line ~ /^ Address /)
			aux = "the report also passes"
	} else if (line ~ /^(HEAP|LEAK|ERROR) SUMMARY|^Warning|^WARNING/) {
		end_record()
	} else {
		begin_record(line)
	}
	next
}

# The runner: a failed test's name follows the valgrind report of its
# process (the child's own "✗" line, then the parent's).
/^  ✗ / {
	name = $0
	sub(/^  ✗ /, "", name)
	for (i = 1; i <= npending; i++)
		test[pending[i]] = name
	npending = 0
	if (!(name in failed_test)) {
		failed_test[name] = 1
		failed_order[++nfailed] = name
	}
	next
}
/^[0-9]+ passed, [0-9]+ failed$/ { summary = $0 }

function kind_of(h,    k) {
	if (h ~ /are definitely lost/)
		return "leak (definitely lost)"
	if (h ~ /are indirectly lost/)
		return "leak (indirectly lost)"
	if (h ~ /are possibly lost/)
		return "leak (possibly lost)"
	if (h ~ /still reachable/)
		return "leak (still reachable)"
	k = h
	if (sub(/^Process terminating with default action of /, "", k))
		return "crash (" k ")"
	sub(/ at 0x[0-9A-Fa-f]+.*$/, "", k)
	return k
}

function leak_bytes(h,    b) {
	b = h
	sub(/ .*/, "", b)
	gsub(/,/, "", b)
	return b + 0
}

function meaning(kind) {
	if (kind ~ /^Invalid (read|write)/)
		return "memory that is not yours: freed already, or past the end" \
		    " of a block"
	if (kind ~ /uninitialised/)
		return "a value read before anything was written to it"
	if (kind ~ /^Invalid free|^Mismatched free/)
		return "a pointer freed twice, or one malloc never returned"
	if (kind ~ /overlap/)
		return "a copy between overlapping buffers (memmove allows that)"
	if (kind ~ /fishy/)
		return "a negative or huge size"
	if (kind ~ /^crash/)
		return "the test crashed there"
	return "see valgrind's report above"
}

# Where record r points, and what that means, on two lines or three.
function explain(r, kind,    where) {
	if (kind !~ /^leak/) {
		where = mine[r] != "" ? mine[r] : setup[r] != "" ? setup[r] : \
		    "outside the kata's files"
		if (mine_aux[r] != "")
			return where ":\n      " meaning(kind) ";\n      " \
			    aux_what[r] " in your code at " mine_aux[r] "."
		return where ":\n      " meaning(kind) "."
	}
	if (mine[r] != "" && lib[r] == "sqlite" && mine_fn[r] ~ /open/)
		return mine[r] ":\n      the connection opened there was never" \
		    " closed. That usually means a statement not\n" \
		    "      finalized keeps the connection open: every" \
		    " sqlite3_prepare_v2 needs a\n      sqlite3_finalize" \
		    " (in your close or dispose function)."
	if (mine[r] != "" && lib[r] == "sqlite")
		return mine[r] ":\n      allocated by SQLite in that call and" \
		    " never released: a statement never finalized, or a\n" \
		    "      connection never closed. A statement not finalized" \
		    " keeps the connection open:\n      every" \
		    " sqlite3_prepare_v2 needs a sqlite3_finalize."
	if (mine[r] != "" && lib[r] == "cjson")
		return mine[r] ":\n      allocated by cJSON in that call and" \
		    " never freed: cJSON_Delete the tree, cJSON_free\n" \
		    "      a printed string."
	if (mine[r] != "" && kind ~ /indirectly/)
		return mine[r] ":\n      allocated there; lost because the" \
		    " block that points to it is lost: fix the\n" \
		    "      'definitely lost' one first."
	if (mine[r] != "")
		return mine[r] ":\n      allocated there and never freed." \
		    " Who owns it after that line, and which dispose\n" \
		    "      or close function should free it?"
	where = setup[r] == "" ? "outside the kata's files" : setup[r]
	if (lib[r] == "sqlite")
		return "only set-up code in the trace: " where ":\n" \
		    "      a connection opened there was never closed. That" \
		    " usually means a statement not\n      finalized keeps" \
		    " the connection open: every sqlite3_prepare_v2 needs" \
		    " a\n      sqlite3_finalize (in your close or dispose" \
		    " function)."
	return "only set-up code in the trace: " where ":\n" \
	    "      memory the test allocated, or got back from your code," \
	    " was never freed; your\n      header says who frees what."
}

function plural(count, one, many) {
	return count == 1 ? count " " one : count " " many
}

END {
	passed = failed = -1
	if (summary != "") {
		split(summary, w, " ")
		passed = w[1] + 0
		failed = w[3] + 0
	}
	# One entry per kind of problem and place.
	for (r = 1; r <= n; r++) {
		settle(r)
		kind = kind_of(head[r])
		text = explain(r, kind)
		key = kind SUBSEP text
		if (!(key in count)) {
			order[++nkeys] = key
			first_kind[key] = kind
			first_text[key] = text
			first_test[key] = test[r]
		}
		count[key]++
		if (test[r] != "" && !(test[r] in memory_test)) {
			memory_test[test[r]] = 1
			memory_failures++
		}
		if (test[r] != "" && !((key, test[r]) in seen_test)) {
			seen_test[key, test[r]] = 1
			tests[key]++
		}
		if (kind ~ /^leak/) {
			bytes[key] += leak_bytes(head[r])
			is_leak[key] = 1
		}
	}
	if (n > 0) {
		printf "memcheck: valgrind found %s (its report is above, and" \
		    " in %s):\n", plural(nkeys, "problem", "problems"), logname
		for (i = 1; i <= nkeys; i++) {
			key = order[i]
			what = first_kind[key]
			if (is_leak[key])
				what = what ", " bytes[key] " bytes"
			else if (count[key] > 1)
				what = what ", " count[key] " times"
			if (tests[key] > 1)
				what = what ", in " tests[key] " tests, first \"" \
				    first_test[key] "\""
			else if (tests[key] == 1)
				what = what ", in \"" first_test[key] "\""
			print "  " what
			print "    " first_text[key]
		}
		others = failed - memory_failures
		if (others > 0)
			printf "Besides, %s failed on %s own (above): %s shows" \
			    " why, faster.\n", plural(others, "test", "tests"),
			    others == 1 ? "its" : "their", check
		if (only == "" && nfailed > 0 && passed + failed > 1 &&
		    failed_order[1] !~ /'/)
			print "One test alone: " memcheck " TEST='" \
			    failed_order[1] "'"
		exit 1
	}
	if (summary == "") {
		print "memcheck: the suite did not finish (no \"N passed, M" \
		    " failed\" line in " logname "); valgrind reported" \
		    " no memory problem before it stopped."
		exit 1
	}
	if (passed + failed == 0 && only != "") {
		print "memcheck: no test's name contains \"" only "\"; " check \
		    " lists them."
		exit 1
	}
	if (passed + failed == 0) {
		print "memcheck: the suite ran no test."
		exit 1
	}
	if (failed > 0) {
		printf "memcheck: valgrind found no memory problem, but %d of" \
		    " %d tests failed (above)\nfor other reasons: %s shows" \
		    " them, faster.\n", failed, passed + failed, check
		exit 1
	}
	printf "memcheck: valgrind found no leaks and no memory errors in" \
	    " %s.\n", plural(passed, "test", "tests")
}
