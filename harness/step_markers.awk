# step_markers.awk: what a later step adds to an earlier step's file in
# solutions/, marked "/* step N */", for tests/before-step.sh (the
# reference as it was before step N), the self-check's line counts and
# kata.sh diff. Three kinds of marker:
#
#  (a) "case X: /* step N */" marks that arm of a switch, up to the next
#      line at the label's indentation (case, default, the closing brace);
#      when the label shares its body with the label above it, only the
#      label;
#  (b) "/* step N */" alone at column 0, directly above a top-level
#      definition (or above its comment), marks the definition up to the
#      "}" or "};" at column 0 that closes it (or, for a declaration, up
#      to its ";");
#  (c) any other line that ends in "/* step N */" marks that statement:
#      it and the lines after it up to the first whose code ends in ";"
#      or "," outside parentheses (a call's arguments may span lines).
#      Alone and indented, the marker marks the statement below.
#
#   mode=strip      from=N, stub=FILE: prints the one file given without
#                   what markers of steps N and later mark; a non-static
#                   function marked by (b) is replaced by the function of
#                   the same name in FILE (the learner's stub), a static
#                   one is dropped
#   mode=marked     prints each line that a marker marks, as
#                   "M<tab>FILE<tab>line" (M its step), for every file given
#   mode=functions  want=N: prints "FILE<tab>NAME" for each function of
#                   the files given that holds, or is, what a marker of
#                   step N marks, once each
#
# A marker that cannot be resolved (a region whose braces do not balance,
# a statement or definition that never ends, a stub that is missing)
# prints "FILE:LINE: ..." on standard error and exits with status 1.
BEGIN {
	chre = "\047([^\047\\\\]|\\\\.)*\047"
	marker = "/\\* step [0-9]+ \\*/[ \t]*$"
}

function fail(file, line, msg) {
	printf "%s:%d: %s\n", file, line, msg >"/dev/stderr"
	exit 1
}

# strip(line): harness/c_strip.awk, given with -f before this file.


function without_literals(s) {
	gsub(/"([^"\\]|\\.)*"/, "\"\"", s)
	gsub(chre, "\047\047", s)
	return s
}

function braces(s,    o) {
	s = without_literals(s)
	o = gsub(/\{/, "", s)
	return o - gsub(/\}/, "", s)
}

# The step of the marker that ends line s, or 0.
function marker_step(s,    t) {
	if (s !~ marker)
		return 0
	t = s
	sub(/[ \t]*\*\/[ \t]*$/, "", t)
	sub(/.*\/\* step /, "", t)
	return t + 0
}

function indent_of(s) {
	match(s, /^[ \t]*/)
	return RLENGTH
}

# Reads file f into L[1..n], its code (comments out) into C, the brace
# depth before each line into D, and the name of the top-level function
# each line belongs to (its head, body and closing brace) into F.
function load(f, L, C, D, F,    n, line, depth, pend, pstart, head, b, i,
    name) {
	n = 0; cmt = 0; depth = 0; pend = ""; pstart = 0; name = ""
	while ((getline line < f) > 0) {
		n++
		L[n] = line
		C[n] = strip(line)
		D[n] = depth
		F[n] = ""
		if (depth > 0) {
			F[n] = name
			depth += braces(C[n])
			if (depth <= 0) {
				depth = 0; name = ""
			}
			continue
		}
		if (C[n] !~ /[^ \t]/ || C[n] ~ /^[ \t]*#/) {
			pend = ""; pstart = 0
			continue
		}
		b = index(without_literals(C[n]), "{")
		if (b == 0) {
			if (pstart == 0)
				pstart = n
			pend = pend " " without_literals(C[n])
			if (C[n] ~ /;$/) {
				pend = ""; pstart = 0
			}
			continue
		}
		head = pend " " substr(without_literals(C[n]), 1, b - 1)
		name = ""
		if (head ~ /\)[ \t]*$/ && head !~ /=/) {
			name = substr(head, 1, index(head, "(") - 1)
			sub(/[ \t]+$/, "", name)
			sub(/.*[^A-Za-z0-9_]/, "", name)
			for (i = (pstart ? pstart : n); i <= n; i++)
				F[i] = name
		}
		pend = ""; pstart = 0
		depth = braces(C[n])
		if (depth <= 0) {
			depth = 0; name = ""
		}
	}
	close(f)
	return n
}

function balanced(C, first, last,    i, b) {
	b = 0
	for (i = first; i <= last; i++)
		b += braces(C[i])
	return b == 0
}

# The region that the marker on line i marks, as R_kind ("a", "b", "c"),
# R_end (its last line), and for (b) R_name and R_fn (a function) and
# R_static. Lines an earlier marker took are in gone[].
function region(file, i, L, C, D, F, n,    ind, j, p, t, depth, opened,
    head, b, parens) {
	R_name = ""; R_fn = 0; R_static = 0
	if (C[i] ~ /^[ \t]*(case[ \t].*|default[ \t]*):$/) {
		R_kind = "a"
		ind = indent_of(L[i])
		for (p = i - 1; p > 0 && (gone[p] || C[p] !~ /[^ \t]/); p--)
			;
		if (p > 0 && indent_of(L[p]) == ind &&
		    C[p] ~ /^[ \t]*(case[ \t].*|default[ \t]*):$/) {
			R_end = i # it shares the body of the label above
			return
		}
		for (j = i + 1; j <= n; j++)
			if (L[j] ~ /[^ \t]/ && indent_of(L[j]) <= ind)
				break
		if (j > n)
			fail(file, i, "the case that this marker marks never ends")
		R_end = j - 1
		if (!balanced(C, i, R_end))
			fail(file, i, "the case that this marker marks has unbalanced braces")
		return
	}
	if (L[i] ~ ("^" marker) && D[i] == 0 && F[i] == "") {
		R_kind = "b"
		depth = 0; opened = 0; head = ""
		for (j = i + 1; j <= n; j++) {
			if (!opened && j == i + 1 && C[j] !~ /[^ \t]/ && L[j] !~ /[^ \t]/)
				fail(file, i, "this marker stands above a blank line, not a definition")
			if (!opened) {
				b = index(without_literals(C[j]), "{")
				if (b)
					head = head " " substr(without_literals(C[j]), 1, b - 1)
				else
					head = head " " without_literals(C[j])
			}
			depth += braces(C[j])
			if (depth > 0)
				opened = 1
			if (opened && depth == 0 && L[j] ~ /^}/)
				break
			if (!opened && depth == 0 && C[j] ~ /;$/)
				break
			if (depth < 0)
				fail(file, i, "the definition that this marker marks has unbalanced braces")
		}
		if (j > n)
			fail(file, i, "the definition that this marker marks never ends")
		R_end = j
		if (opened && head ~ /\)[ \t]*$/ && head !~ /=/) {
			R_fn = 1
			t = substr(head, 1, index(head, "(") - 1)
			sub(/[ \t]+$/, "", t)
			R_static = (t ~ /(^|[^A-Za-z0-9_])static[ \t]/)
			sub(/.*[^A-Za-z0-9_]/, "", t)
			R_name = t
		}
		return
	}
	R_kind = "c"
	parens = 0
	for (j = i; j <= n; j++) {
		t = without_literals(C[j])
		parens += gsub(/\(/, "", t) - gsub(/\)/, "", t)
		if (parens <= 0 && C[j] ~ /[;,]$/)
			break
	}
	if (j > n)
		fail(file, i, "the statement that this marker marks never ends" \
		    " (no line ending in ';' or ',')")
	R_end = j
	if (!balanced(C, i, R_end))
		fail(file, i, "the statement that this marker marks has unbalanced" \
		    " braces (mark a block with 'case' or above a definition)")
}

# The function NAME of file f, as it is written (comments too), or "".
function stub_of(f, name,    SL, SC, SD, SF, n, i, j, k, out, saved) {
	saved = cmt
	n = load(f, SL, SC, SD, SF)
	cmt = saved
	for (i = 1; i <= n; i++)
		if (SF[i] == name && (i == 1 || SF[i - 1] != name))
			break
	if (i > n)
		return ""
	# the head starts at the first of its lines (load marks them all)
	for (j = i; j <= n && SF[j] == name; j++)
		;
	out = ""
	for (k = i; k < j; k++)
		out = out SL[k] "\n"
	return out
}

# The files are read with getline: the work is done before awk's loop.
BEGIN {
	for (a = 1; a < ARGC; a++) {
		file = ARGV[a]
		delete L; delete C; delete D; delete F; delete gone
		n = load(file, L, C, D, F)
		if (mode == "strip")
			do_strip(file, n)
		else if (mode == "marked")
			do_marked(file, n)
		else if (mode == "functions")
			do_functions(file, n)
		else
			fail(file, 0, "mode must be strip, marked or functions")
	}
	exit 0
}

function blank_before(i,    p) {
	for (p = i - 1; p > 0 && gone[p]; p--)
		;
	return p > 0 && L[p] !~ /[^ \t]/
}

function take(i,    j) {
	for (j = i; j <= R_end; j++)
		gone[j] = 1
}

function do_strip(file, n,    i, m, s) {
	for (i = 1; i <= n; i++) {
		m = marker_step(L[i])
		if (m == 0 || m < from) {
			print L[i]
			continue
		}
		region(file, i, L, C, D, F, n)
		take(i)
		if (R_kind == "b" && R_fn && !R_static) {
			if (stub == "")
				fail(file, i, "step " m " marks non-static " R_name \
				    "(): stub=FILE is needed to replace it")
			s = stub_of(stub, R_name)
			if (s == "")
				fail(file, i, "step " m " marks non-static " R_name \
				    "(), which " stub " does not define")
			printf "%s", s
		} else if (R_kind == "b" && blank_before(i) && R_end < n &&
		    L[R_end + 1] !~ /[^ \t]/)
			R_end++ # one blank line between its neighbours, not two
		i = R_end
	}
}

function do_marked(file, n,    i, m, j) {
	for (i = 1; i <= n; i++) {
		m = marker_step(L[i])
		if (m == 0)
			continue
		region(file, i, L, C, D, F, n)
		take(i)
		for (j = i; j <= R_end; j++)
			printf "%d\t%s\t%s\n", m, file, L[j]
		i = R_end
	}
}

function do_functions(file, n,    i, m, j, name) {
	for (i = 1; i <= n; i++) {
		m = marker_step(L[i])
		if (m == 0)
			continue
		region(file, i, L, C, D, F, n)
		take(i)
		if (m == want) {
			for (j = i; j <= R_end; j++) {
				name = (R_kind == "b") ? R_name : F[j]
				if (name != "" && !((file, name) in seen)) {
					seen[file, name] = 1
					printf "%s\t%s\n", file, name
				}
			}
		}
		i = R_end
	}
}
