#!/bin/sh
# contract.sh: every exact string a step's suite requires is written in that
# step's contract: its headers or its guide.
#
#   sh tests/contract.sh [ROOT]
#
# ROOT (by default the kata's top directory) holds exercises/, docs/ and
# harness/ (its headers and fixtures.c). One line per step says how many
# strings were checked; a string found in no header and not in the guide
# is named with its step and its line in the suite, and the exit status
# is 1.
# VERBOSE=1 lists every string, found or skipped as data.
#
# THE CONTRACT of step NN: the headers in exercises/NN-*/ (not test_*.h),
# the headers of other steps that its suites #include (step 13's suite may
# rely on step 5's decide.h), and its guide docs/NN-*.md.
#
# WHAT A SUITE REQUIRES. The suites (exercises/NN-*/test_*.c) are read as C
# tokens, macros expanded. A required string is the expected side of a
# string check:
#   - an argument of a check of the harness (harness/*.h) whose parameter
#     is named expected, needle or prefix: the second of ES_ASSERT_STR_EQ
#     and ES_ASSERT_STR_CONTAINS, the fourth of ES_CHECK_STR, the text of
#     es_test_expect_stdout; both arguments of strcmp and strncmp, the
#     needle of strstr (unless the result is stored, not tested);
#   - the same positions in the suite's own macros and static functions:
#     one that passes a parameter there (CHECK_MSG(row, part)) requires
#     what its callers give;
#   - what the argument names: a literal, or a macro of literals (AT,
#     NOT_ISO("x")); a variable's value (V = "...", V[] = "..."); the
#     format of the snprintf() that fills the buffer, in the function or
#     in a helper it passes the buffer to, with the literals given along;
#     a field of a table's row (rows[i].msg, row->message): that column of
#     every table of the struct;
#   - schema names that the suite's SQL asks sqlite_master or a pragma
#     about (name = '...', pragma_index_info('...')).
# Anything else (a value the test computes) is not followed.
#
# WHAT IS THE TEST'S DATA, NOT CONTRACT (the exclusion rule). A string that
# the test itself passes in comes back as an echo, not because of the
# contract: "Widget Pro" read back from an event the test made. So a
# required string is skipped when the same suite (or harness/fixtures.c)
# passes the same string in: as a literal anywhere outside the checks,
# outside failure messages (ES_FAIL ...), test names and a table's `name`
# column (the rows' labels); as a string value inside such a literal (JSON
# "...", SQL '...'); or as the result of a printf format it passes in
# ("Supplier of %s", a callback's "stop at call %d"). A table column that
# the suite passes in (a call's argument, an assigned value) is input even
# where the test expects it back: a round trip. Skipped too: numbers
# ("1e-05": the headers say how numbers are written, not each one), and
# text with no letter once numbers, null, true, false and SQL values
# '...' are taken out (a row of a dump, "[]").
#
# HOW A STRING IS LOOKED FOR. Headers lose their comment marks, guides their
# backquotes, and line breaks and runs of spaces become one space. Then:
#   - A run of digits stands for any number ("Product 42 not found" is
#     found as "Product 9 not found"), and a timestamp for any timestamp of
#     the same layout, digit for digit.
#   - A phrase of the docs may stand for many messages: a word in angle
#     brackets (<field>, <id>) or a printf conversion (%s) matches any text,
#     when the phrase is a whole line, a table cell (between | in a guide,
#     two spaces apart in a header), or between quotes or backquotes. So
#     "missing field '<field>'" covers "missing field 'stock'".
#   - A literal given to a message macro (OUT_OF_RANGE("2026-00-10",
#     "month 00")) must also be there on its own, digit for digit: it pins
#     down a format, such as zero padding.
#   - A printf format is split at its conversions and a text of several
#     lines into lines; each piece with a letter is looked for. JSON in a
#     required string is the test's data, but each key ("key":) is looked
#     for as a word; so are a schema name, a name in quotes in a dump's row
#     ('product_id'|'INTEGER') and a dump's table title (product_list_view:).
#
# POSIX sh, awk, sed and grep; no compiler and no build needed.
set -u
LC_ALL=C # bytes, in every awk
export LC_ALL
ROOT=${1:-$(dirname "$0")/..}
cd "$ROOT" || exit 2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/contract.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

# ---- the suite reader -------------------------------------------------------
# Input: the headers of harness/, then one suite (or harness/fixtures.c,
# with MODE=pool). Output, one record a line, tab-separated: "C kind file:line
# text" for a required string (kind: whole, arg, format or sql; the text
# as written in C, escapes and all), "I file text" for a string the suite
# passes in. MODE=pool prints only the "I" records.
# shellcheck disable=SC2016
reader='
BEGIN {
	NT = 0; FAIL = "\003"; Q = "\047"
	split("if while for switch return sizeof do else case", kw, " ")
	for (i in kw) KW[kw[i]] = 1
	split("ES_FAIL es_test_fail ES_FATAL printf fprintf puts fputs " \
	      "es_test_dump_append CU_ASSERT CU_FAIL", fc, " ")
	for (i in fc) FAILCALL[fc[i]] = 1
	# required positions: name SUBSEP argument index (0-based); those of
	# the harness (a parameter named expected, needle or prefix) are read
	# from its headers
	E["strcmp", 0] = 1; E["strcmp", 1] = 1; E["strncmp", 0] = 1
	E["strncmp", 1] = 1; E["strstr", 1] = 1
	# labels (row names, descriptions of checks) are never input: the
	# parameters of the harness named row, what or expr
}
FNR == 1 { FN++; FNAME[FN] = FILENAME; incom = 0; pp = "" }
{
	line = $0
	if (pp != "")
		pp = pp " " line
	else if (!incom && line ~ /^[ \t]*#/) {
		pp = line; ppline = FNR
	} else {
		lex(line, FNR); next
	}
	if (pp ~ /\\[ \t]*$/) { sub(/\\[ \t]*$/, "", pp); next }
	directive(pp, ppline); pp = ""
}

function add(t, v, l) { NT++; TT[NT] = t; TV[NT] = v; TL[NT] = l; TF[NT] = FN }

function lex(s, l,    i, n, c, d, j) {
	i = 1; n = length(s)
	while (i <= n) {
		if (incom) {
			j = index(substr(s, i), "*/")
			if (!j) return
			i += j + 1; incom = 0; continue
		}
		c = substr(s, i, 1)
		if (c == " " || c == "\t" || c == "\r" || c == "\f") { i++; continue }
		if (c == "/" && substr(s, i + 1, 1) == "*") { incom = 1; i += 2; continue }
		if (c == "/" && substr(s, i + 1, 1) == "/") return
		if (c == "\"" || c == Q) {
			for (j = i + 1; j <= n; j++) {
				d = substr(s, j, 1)
				if (d == "\\") { j++; continue }
				if (d == c) break
			}
			add(c == "\"" ? "S" : "C", substr(s, i + 1, j - i - 1), l)
			i = j + 1; continue
		}
		if (c ~ /[A-Za-z_]/) {
			match(substr(s, i), /^[A-Za-z_][A-Za-z0-9_]*/)
			add("I", substr(s, i, RLENGTH), l); i += RLENGTH; continue
		}
		if (c ~ /[0-9]/ || (c == "." && substr(s, i + 1, 1) ~ /[0-9]/)) {
			match(substr(s, i), /^\.?[0-9]([eEpP][-+]|[0-9A-Za-z_.])*/)
			add("N", substr(s, i, RLENGTH), l); i += RLENGTH; continue
		}
		if (substr(s, i, 2) == "->") { add("P", "->", l); i += 2; continue }
		add("P", c, l); i++
	}
}

# #define NAME body, #define NAME(params) body: kept as token strings.
function directive(s, l,    name, rest, k, start, body, i) {
	if (!match(s, /^[ \t]*#[ \t]*define[ \t]+[A-Za-z_][A-Za-z0-9_]*/))
		return
	name = substr(s, 1, RLENGTH); rest = substr(s, RLENGTH + 1)
	sub(/^[ \t]*#[ \t]*define[ \t]+/, "", name)
	if (substr(rest, 1, 1) == "(") {
		k = index(rest, ")")
		MP[name] = substr(rest, 2, k - 2); gsub(/[ \t]/, "", MP[name])
		rest = substr(rest, k + 1); MK[name] = "F"
	} else
		MK[name] = "O"
	MFN[name] = FN
	start = NT; lex(rest, l); incom = 0
	body = ""
	for (i = start + 1; i <= NT; i++)
		body = body (body == "" ? "" : "\001") TT[i] "\002" TV[i]
	NT = start; MB[name] = body
}

function ser(a, b,    s, i) {
	s = ""
	for (i = a; i <= b; i++) s = s (s == "" ? "" : "\001") TT[i] "\002" TV[i]
	return s
}

# Expand a token string made of string literals and macros into pieces
# "\001" flag text: flag L for text of the test, A for an argument of a
# function-like macro, U for an unknown name inside a format (PRId64).
function expand(ts, flag, lvl,    n, P, i, t, v, out, r, j, dep, args, na,
		x, y, m, B, pn, PN, q, k) {
	if (lvl > 20 || ts == "") return FAIL
	n = split(ts, P, "\001"); out = ""
	for (i = 1; i <= n; i++) {
		t = substr(P[i], 1, 1); v = substr(P[i], 3)
		if (t == "S") { out = out "\001" flag v; continue }
		if (t == "I" && MK[v] == "O") {
			r = expand(MB[v], flag, lvl + 1)
			if (r == FAIL) return FAIL
			out = out r; continue
		}
		if (t == "I" && MK[v] == "F" && i < n && P[i + 1] == "P\002(") {
			dep = 0; na = 1; args[1] = ""
			for (j = i + 2; j <= n; j++) {
				x = substr(P[j], 1, 1); y = substr(P[j], 3)
				if (x == "P" && (y == "(" || y == "[" || y == "{")) dep++
				else if (x == "P" && (y == ")" || y == "]" || y == "}")) {
					if (dep == 0) break
					dep--
				} else if (x == "P" && y == "," && dep == 0) {
					na++; args[na] = ""; continue
				}
				args[na] = args[na] (args[na] == "" ? "" : "\001") P[j]
			}
			if (j > n) return FAIL
			i = j
			pn = split(MP[v], PN, ",")
			m = split(MB[v], B, "\001")
			for (k = 1; k <= m; k++) {
				r = ""
				if (substr(B[k], 1, 1) == "I")
					for (q = 1; q <= pn; q++)
						if (PN[q] == substr(B[k], 3)) {
							r = q <= na && args[q] != "" ? \
							    expand(args[q], "A", lvl + 1) : ""
							break
						}
				if (q > pn || substr(B[k], 1, 1) != "I")
					r = expand(B[k], flag, lvl + 1)
				if (r == FAIL) return FAIL
				out = out r
			}
			continue
		}
		if (t == "I" && v ~ /^PRI/) { out = out "\001U"; continue }
		return FAIL
	}
	return out
}

function text_of(pieces,    n, P, i, s) {
	n = split(pieces, P, "\001"); s = ""
	for (i = 2; i <= n; i++)
		s = s (substr(P[i], 1, 1) == "U" ? "\005" : substr(P[i], 2))
	return s
}

# The arguments of the call whose "(" is at o: AS[k], AE[k], k = 0..n-1.
function split_list(o, c,    k, n, s) {
	n = 0; s = o + 1
	if (c == o + 1) return 0
	for (k = o + 1; k <= c; k++) {
		if (k < c && TT[k] == "P" && (TV[k] == "(" || TV[k] == "[" || TV[k] == "{")) {
			if (!(k in MT)) return n
			k = MT[k]; continue
		}
		if (k == c || (TT[k] == "P" && TV[k] == ",")) { AS[n] = s; AE[n] = k - 1; n++; s = k + 1 }
	}
	return n
}

function mark(a, b, m,    i) { for (i = a; i <= b; i++) if (MARK[i] == "") MARK[i] = m }

function where(i) { return FNAME[TF[i]] ":" TL[i] }

function emit(kind, i, pieces,    n, P, k, s, cur) {
	if (TF[i] != FN || MODE == "pool") return
	print "C\t" kind "\t" where(i) "\t" text_of(pieces)
	if (kind != "whole") return
	n = split(pieces, P, "\001"); cur = ""
	for (k = 2; k <= n + 1; k++) {
		if (k <= n && substr(P[k], 1, 1) == "A") { cur = cur substr(P[k], 2); continue }
		if (cur != "") print "C\targ\t" where(i) "\t" cur
		cur = ""
	}
}

# A required range: emit what it names.
function required(a, b, fn, kind,    r, v, c, k, X, F, key, t, rr, cc, own, e) {
	if (b < a) return
	r = expand(ser(a, b), "L", 0)
	if (r != FAIL) { emit(kind, a, r); mark(a, b, "E"); return }
	if (a == b && TT[a] == "I") {
		v = TV[a]
		for (c = 1; c <= NC; c++) {
			if (SC[CP[c]] != fn || CNA[c] < 1) continue
			if (!(CAS[c, 0] == CAE[c, 0] && TV[CAS[c, 0]] == v)) continue
			if (CN[c] == "snprintf" && CNA[c] >= 3) required(CAS[c, 2], CAE[c, 2], fn, "format")
			else if (CN[c] == "sprintf" && CNA[c] >= 2) required(CAS[c, 1], CAE[c, 1], fn, "format")
			else if (CN[c] in FILLS) required(FILLS[CN[c]], FILLE[CN[c]], CN[c], "format")
			else continue
			# the literals given with the buffer are part of the text
			for (k = CN[c] == "snprintf" ? 3 : CN[c] == "sprintf" ? 2 : 1; k < CNA[c]; k++) {
				r = expand(ser(CAS[c, k], CAE[c, k]), "L", 0)
				if (r != FAIL) { emit("format", CAS[c, k], r); mark(CAS[c, k], CAE[c, k], "E") }
			}
		}
		# its value: V = ..., or V[] = ... for an array
		for (k = 1; k < NT; k++) {
			if (!(SC[k] == fn && TT[k] == "I" && TV[k] == v && k != a)) continue
			e = k + 1
			if (TV[e] == "[" && (e in MT)) e = MT[e] + 1
			if (TV[e] != "=" || TV[e + 1] == "=") continue
			for (t = e + 1; t <= NT && TV[t] != ";" && TV[t] != ","; t++)
				if (TV[t] == "(" || TV[t] == "{" || TV[t] == "[") t = MT[t]
			r = expand(ser(e + 1, t - 1), "L", 0)
			if (r != FAIL) { emit(kind, e + 1, r); mark(e + 1, t - 1, "E") }
		}
		return
	}
	# a field of a row: X.F, X->F, X[i].F; or an element X[i]
	F = ""
	if (TT[b] == "I" && b - 1 > a && (TV[b - 1] == "." || TV[b - 1] == "->")) {
		F = TV[b]; b -= 2
	}
	if (TT[a] != "I") return
	if (!(a == b || (TV[a + 1] == "[" && MT[a + 1] == b))) return
	if (F == "" && a == b) return
	X = TV[a]
	key = (fn SUBSEP X) in VT ? VT[fn, X] : (("" SUBSEP X) in VT ? VT["", X] : "")
	own = (fn SUBSEP X) in TBX ? TBX[fn, X] : (("" SUBSEP X) in TBX ? TBX["", X] : 0)
	for (t = 1; t <= NTBL; t++) {
		if (own ? t != own : (key == "" || TBK[t] != key)) continue
		for (rr = 1; rr <= TBR[t]; rr++)
			for (cc = 1; cc <= TBC[t, rr]; cc++)
				if (F == "" ? TBC[t, rr] == 1 : is_field(t, rr, cc, F))
					required(TBS_[t, rr, cc], TBE_[t, rr, cc], "\004", kind)
	}
}

# Is cell cc of row rr of table t the field F?
function is_field(t, rr, cc, F) {
	if (TBF[t, rr, cc] != "") return TBF[t, rr, cc] == F
	return (TBK[t] SUBSEP F) in FIDX && FIDX[TBK[t], F] == cc
}

# The fields of the struct body between braces o and c, in order.
function fields(key, o, c,    k, s, n, e, d, nm, j) {
	n = 0; s = o + 1
	for (k = o + 1; k <= c; k++) {
		if (k < c && TT[k] == "P" && (TV[k] == "(" || TV[k] == "[" || TV[k] == "{")) {
			if (TV[k] == "(" && TV[k + 1] == "*" && TT[k + 2] == "I") nm = TV[k + 2]
			k = MT[k]; continue
		}
		if (k == c || TV[k] == ";" || TV[k] == ",") {
			e = k - 1; d = ""
			for (j = s; j <= e; j++) {
				if (TV[j] == "[" || TV[j] == "(" || TV[j] == "{") {
					if (TV[j] == "(" && TV[j + 1] == "*" && TT[j + 2] == "I") d = TV[j + 2]
					if (TV[j] == "[" || TV[j] == "(") break
					j = MT[j]; continue
				}
				if (TT[j] == "I" && !(TV[j] in KW)) d = TV[j]
			}
			if (d != "" && e >= s) { n++; FIDX[key, d] = n }
			s = k + 1
		}
	}
}

# An array with an initializer: its rows and cells.
function table(scope, name, key, o,    c, k, s, e, r, t, n, i, d) {
	NTBL++; t = NTBL; TBS[t] = scope; TBN[t] = name; TBK[t] = key; TBX[scope, name] = t
	c = MT[o]; r = 0; s = o + 1
	for (k = o + 1; k <= c; k++) {
		if (k < c && TT[k] == "P" && (TV[k] == "(" || TV[k] == "[" || TV[k] == "{")) { k = MT[k]; continue }
		if (k == c || TV[k] == ",") {
			e = k - 1
			if (e >= s) {
				r++
				if (TV[s] == "{" && MT[s] == e) {
					n = split_list(s, e)
					for (i = 0; i < n; i++) {
						d = ""
						if (TV[AS[i]] == "." && TT[AS[i] + 1] == "I" && TV[AS[i] + 2] == "=") {
							d = TV[AS[i] + 1]; AS[i] += 3
						}
						TBS_[t, r, i + 1] = AS[i]; TBE_[t, r, i + 1] = AE[i]; TBF[t, r, i + 1] = d
					}
					TBC[t, r] = n
				} else {
					TBS_[t, r, 1] = s; TBE_[t, r, 1] = e; TBF[t, r, 1] = ""; TBC[t, r] = 1
				}
			}
			s = k + 1
		}
	}
	TBR[t] = r
}

# A parameter of a harness check: required (expected, needle, prefix) or a
# label (row, what, expr).
function role(f, k, name) {
	if (name ~ /^(expected|needle|prefix)$/) E[f, k] = 1
	if (name ~ /^(row|what|expr)$/) LB[f, k] = 1
}

# Is the field access at tokens a..b an argument of a call, or the value of
# an assignment?
function passed_in(a, b,    c, k, j) {
	for (c = 1; c <= NC; c++)
		for (k = 0; k < CNA[c]; k++)
			if (CAS[c, k] <= a && b <= CAE[c, k]) return 1
	for (j = a - 1; j > 0 && TV[j] != ";" && TV[j] != "{" && TV[j] != "}"; j--)
		if (TV[j] == "=" && TV[j - 1] !~ /^[=!<>]$/ && TV[j + 1] != "=") return 1
	return 0
}

END {
	# matching brackets and brace depth
	sp = 0; depth = 0
	for (i = 1; i <= NT; i++) {
		BD[i] = depth
		if (TT[i] != "P") continue
		if (TV[i] == "(" || TV[i] == "[" || TV[i] == "{") { ST[++sp] = i; if (TV[i] == "{") depth++ }
		else if (TV[i] == ")" || TV[i] == "]" || TV[i] == "}") {
			if (sp > 0) { MT[ST[sp]] = i; MT[i] = ST[sp]; sp-- }
			if (TV[i] == "}") depth--
		}
	}
	# functions: scope of their tokens, parameters, body
	for (i = 1; i <= NT; i++) SC[i] = ""
	for (i = 2; i <= NT; i++) {
		if (!(TV[i] == "{" && TT[i] == "P" && BD[i] == 0 && TV[i - 1] == ")" && (i - 1) in MT)) continue
		o = MT[i - 1]
		if (TT[o - 1] != "I") continue
		fnm = TV[o - 1]; FBODY[fnm] = i
		for (k = o; k <= MT[i]; k++) SC[k] = fnm
		n = split_list(o, i - 1)
		for (a = 0; a < n; a++) {
			d = ""
			for (k = AS[a]; k <= AE[a]; k++) if (TT[k] == "I") d = TV[k]
			if (d != "" && d != "void") PIDX[fnm, d] = a
		}
	}
	# structs, declarations, tables
	for (i = 1; i < NT; i++) {
		if (TT[i] == "I" && TV[i] == "struct") {
			j = i + 1; key = ""
			if (TT[j] == "I") { key = TV[j]; j++ }
			if (TV[j] == "{" && TT[j] == "P") {
				if (key == "") key = "anon:" i
				fields(key, j, MT[j]); j = MT[j] + 1
			} else if (key == "") continue
			while (TV[j] == "*" || TV[j] == "const") j++
			if (TT[j] != "I") continue
			VT[SC[j], TV[j]] = key
			if (TV[j + 1] == "[" && TV[MT[j + 1] + 1] == "=" && TV[MT[j + 1] + 2] == "{")
				table(SC[j], TV[j], key, MT[j + 1] + 2)
			continue
		}
		if (TT[i] == "I" && TV[i + 1] == "[" && TV[MT[i + 1] + 1] == "=" &&
		    TV[MT[i + 1] + 2] == "{" && !((SC[i] SUBSEP TV[i]) in TBX)) {
			key = "T:"
			for (k = i - 1; k > 0 && TV[k] != ";" && TV[k] != "{" && TV[k] != "}"; k--)
				if (TT[k] == "I" && TV[k] !~ /^(static|const|unsigned|signed)$/) key = "T:" TV[k]
			table(SC[i], TV[i], key, MT[i + 1] + 2)
		}
	}
	# the checks of the harness: its macros and prototypes, by parameter name
	for (m in MK) {
		if (MK[m] != "F" || FNAME[MFN[m]] !~ /^harness\//) continue
		pn = split(MP[m], PN, ",")
		for (q = 1; q <= pn; q++) role(m, q - 1, PN[q])
	}
	for (i = 1; i < NT; i++) {
		if (!(TT[i] == "I" && TV[i + 1] == "(" && BD[i] == 0 && (i + 1) in MT)) continue
		if (TV[MT[i + 1] + 1] != ";" || FNAME[TF[i]] !~ /^harness\//) continue
		n = split_list(i + 1, MT[i + 1])
		for (a = 0; a < n; a++) {
			d = ""
			for (k = AS[a]; k <= AE[a]; k++) if (TT[k] == "I") d = TV[k]
			role(TV[i], a, d)
		}
	}
	# calls (not definitions)
	NC = 0
	for (i = 1; i < NT; i++) {
		if (!(TT[i] == "I" && TV[i + 1] == "(" && !(TV[i] in KW) && (i + 1) in MT)) continue
		if (TV[MT[i + 1] + 1] == "{" && BD[i] == 0) continue
		NC++; CN[NC] = TV[i]; CP[NC] = i
		n = split_list(i + 1, MT[i + 1]); CNA[NC] = n
		for (a = 0; a < n; a++) { CAS[NC, a] = AS[a]; CAE[NC, a] = AE[a] }
	}
	# helpers that fill a buffer given as their first parameter
	for (c = 1; c <= NC; c++) {
		fnm = SC[CP[c]]
		if (fnm == "" || CN[c] != "snprintf" || CNA[c] < 3) continue
		# into its first parameter (buf), or at its end (buf + len)
		if ((fnm SUBSEP TV[CAS[c, 0]]) in PIDX && PIDX[fnm, TV[CAS[c, 0]]] == 0) {
			FILLS[fnm] = CAS[c, 2]; FILLE[fnm] = CAE[c, 2]
		}
	}
	# the suite own helpers: macros and functions that pass a parameter
	# to a required or a label position
	for (m in MK) if (MK[m] == "F") {
		pn = split(MP[m], PN, ",")
		for (q = 1; q <= pn; q++) if (PN[q] ~ /^(row|what|label)$/) LB[m, q - 1] = 1
	}
	for (pf in PIDX) {
		split(pf, ff, SUBSEP)
		if (ff[2] ~ /^(row|what|label)$/) LB[ff[1], PIDX[pf]] = 1
	}
	for (round = 1; round <= 3; round++) {
		for (m in MK) {
			if (MK[m] != "F") continue
			pn = split(MP[m], PN, ",")
			nb = split(MB[m], B, "\001")
			for (k = 1; k < nb; k++) {
				if (substr(B[k], 1, 1) != "I" || B[k + 1] != "P\002(") continue
				callee = substr(B[k], 3); a = 0; dep = 0; single = ""; cnt = 0
				for (j = k + 2; j <= nb; j++) {
					x = substr(B[j], 1, 1); y = substr(B[j], 3)
					if (x == "P" && (y == "(" || y == "[" || y == "{")) dep++
					if (x == "P" && (y == ")" || y == "]" || y == "}")) { if (dep == 0) break; dep-- }
					if ((x == "P" && y == "," && dep == 0) || j == nb) {
						if (cnt == 1) for (q = 1; q <= pn; q++) if (PN[q] == single) {
							if ((callee SUBSEP a) in E) E[m, q - 1] = 1
							if ((callee SUBSEP a) in LB || callee in FAILCALL) LB[m, q - 1] = 1
						}
						a++; single = ""; cnt = 0; continue
					}
					cnt++; single = (x == "I") ? y : ""
				}
				if (cnt == 1) for (q = 1; q <= pn; q++) if (PN[q] == single) {
					if ((callee SUBSEP a) in E) E[m, q - 1] = 1
					if ((callee SUBSEP a) in LB || callee in FAILCALL) LB[m, q - 1] = 1
				}
			}
		}
		for (c = 1; c <= NC; c++) {
			fnm = SC[CP[c]]
			if (fnm == "" || CP[c] < FBODY[fnm]) continue
			for (a = 0; a < CNA[c]; a++) {
				if (CAS[c, a] != CAE[c, a] || TT[CAS[c, a]] != "I") continue
				if (!((fnm SUBSEP TV[CAS[c, a]]) in PIDX)) continue
				p = PIDX[fnm, TV[CAS[c, a]]]
				if ((CN[c] SUBSEP a) in E) E[fnm, p] = 1
				if ((CN[c] SUBSEP a) in LB || CN[c] in FAILCALL) LB[fnm, p] = 1
			}
		}
	}
	# failure messages, labels, test names: not input
	for (c = 1; c <= NC; c++)
		for (a = 0; a < CNA[c]; a++)
			if (CN[c] in FAILCALL || (CN[c] SUBSEP a) in LB) mark(CAS[c, a], CAE[c, a], "F")
	for (t = 1; t <= NTBL; t++)
		for (r = 1; r <= TBR[t]; r++)
			for (cc = 1; cc <= TBC[t, r]; cc++)
				if (TBK[t] ~ /^T:CU_/ || is_field(t, r, cc, "name"))
					mark(TBS_[t, r, cc], TBE_[t, r, cc], "F")
	# required strings
	for (c = 1; c <= NC; c++) {
		fnm = SC[CP[c]]
		# a comparison whose result is kept, not tested, checks nothing
		if (CN[c] ~ /^str(n?cmp|str)$/ && TV[CP[c] - 1] == "=" && TV[CP[c] - 2] !~ /^[=!<>]$/) continue
		for (a = 0; a < CNA[c]; a++) {
			if (!((CN[c] SUBSEP a) in E)) continue
			if (CAS[c, a] == CAE[c, a] && (fnm SUBSEP TV[CAS[c, a]]) in PIDX) continue
			required(CAS[c, a], CAE[c, a], fnm, "whole")
			mark(CAS[c, a], CAE[c, a], "E")
		}
	}
	# a column of a table that the suite also passes in (an argument of
	# a call that checks nothing, or the value of an assignment) is input,
	# even where the test then expects it back
	for (k = 2; k < NT; k++) {
		if (!(TT[k] == "P" && (TV[k] == "." || TV[k] == "->") && TT[k + 1] == "I")) continue
		if (MARK[k] != "" || !passed_in(k - 1, k + 1)) continue
		a = k - 1
		if (TV[a] == "]" && (a in MT)) a = MT[a] - 1
		if (TT[a] != "I") continue
		X = TV[a]; fnm = SC[a]
		key = (fnm SUBSEP X) in VT ? VT[fnm, X] : (("" SUBSEP X) in VT ? VT["", X] : "")
		own = (fnm SUBSEP X) in TBX ? TBX[fnm, X] : (("" SUBSEP X) in TBX ? TBX["", X] : 0)
		for (t = 1; t <= NTBL; t++)
			if (own ? t == own : (key != "" && TBK[t] == key)) INCOL[t, TV[k + 1]] = 1
	}
	for (t = 1; t <= NTBL; t++)
		for (r = 1; r <= TBR[t]; r++)
			for (cc = 1; cc <= TBC[t, r]; cc++) {
				f = TBF[t, r, cc]
				if (f == "")
					for (pf in FIDX) {
						split(pf, ff, SUBSEP)
						if (ff[1] == TBK[t] && FIDX[pf] == cc) f = ff[2]
					}
				if (!((t SUBSEP f) in INCOL) || MARK[TBS_[t, r, cc]] == "F") continue
				rv = expand(ser(TBS_[t, r, cc], TBE_[t, r, cc]), "L", 0)
				if (rv != FAIL) print "I\t" FNAME[FN] "\t" text_of(rv)
			}
	# schema names in the SQL, and the strings passed in
	for (i = 1; i <= NT; i++) {
		if (TF[i] == FN && TT[i] == "S" && MARK[i] != "F" && MODE != "pool") {
			s = ""
			for (j = i; j <= NT && TT[j] == "S"; j++) s = s TV[j]
			sql(s, i)
		}
		if (!(TT[i] == "S" || (TT[i] == "I" && (MK[TV[i]] == "O" ||
		    (MK[TV[i]] == "F" && TV[i + 1] == "("))))) continue
		j = i
		while (j <= NT) {
			if (TT[j] == "S" || (TT[j] == "I" && MK[TV[j]] == "O")) j++
			else if (TT[j] == "I" && MK[TV[j]] == "F" && TV[j + 1] == "(" && (j + 1) in MT) j = MT[j + 1] + 1
			else break
		}
		r = expand(ser(i, j - 1), "L", 0)
		if (r == FAIL) continue
		skip = 0
		for (k = i; k < j; k++) if (MARK[k] != "") skip = 1
		if (!skip) print "I\t" FNAME[FN] "\t" text_of(r)
		i = j - 1
	}
}

function sql(s, i,    re, t, n) {
	# name = Q...Q names a table or an index only in the schema table
	if (s !~ /sqlite_(master|schema)/) t = ""
	else t = s
	re = "(name|tbl_name) *= *" Q "[A-Za-z_][A-Za-z0-9_]*" Q
	while (match(t, re)) {
		n = substr(t, RSTART, RLENGTH); t = substr(t, RSTART + RLENGTH)
		sub("^[^" Q "]*" Q, "", n); sub(Q "$", "", n)
		print "C\tsql\t" where(i) "\t" n
	}
	re = "pragma_[a-z_]+[(]" Q "[A-Za-z_][A-Za-z0-9_]*" Q "[)]"
	t = s
	while (match(t, re)) {
		n = substr(t, RSTART, RLENGTH); t = substr(t, RSTART + RLENGTH)
		sub("^[^" Q "]*" Q, "", n); sub(Q "[)]$", "", n)
		print "C\tsql\t" where(i) "\t" n
	}
}
'

# ---- the checker -----------------------------------------------------------
# Input: the step's headers and guide, then the reader's records (the file
# named by RECORDS). Prints the step's line, and one line per missing string.
# shellcheck disable=SC2016
checker='
BEGIN {
	Q = "\047"
	D2 = "[0-9][0-9]"
	TS = D2 D2 "-" D2 "-" D2 "T" D2 ":" D2 ":" D2 "([.][0-9]+)?([-+]" D2 ":" D2 "|Z)"
	PH = "<[A-Za-z][A-Za-z0-9_ .-]*>|%[-+ #0-9.]*(hh|h|ll|l|z|j|t|L)?[diouxXeEfgGcsp]"
	CONV = "%[-+ #0-9.*]*(hh|h|ll|l|z|j|t|L)?[diouxXeEfgGcsp]|%?\005"
	NS = 0; NF_ = 0
}
FILENAME != RECORDS {
	l = $0
	gsub(/\t/, " ", l)
	if (FILENAME ~ /\.h$/) {
		sub(/^ *\/\*+/, "", l); sub(/^ *\*+\/?/, "", l); sub(/\*+\/ *$/, "", l)
	}
	DOC = DOC " " l
	if (!(FILENAME in TEXTOF)) NDOCF++
	TEXTOF[FILENAME] = TEXTOF[FILENAME] " " l
	addspan(l)
	# the cells of a table: between | in markdown, two spaces or more in C
	nc = split(l, cells, "|")
	if (nc > 1) for (k = 1; k <= nc; k++) addspan(cells[k])
	nc = split(l, cells, /   */)
	if (nc > 1) for (k = 1; k <= nc; k++) addspan(cells[k])
	next
}
{
	split($0, f, "\t")
	if (f[1] == "I") { pool(f[2], unescape(f[3])); next }
	NCAND++; KIND[NCAND] = f[2]; AT[NCAND] = f[3]; TEXT[NCAND] = f[4]
}

function unescape(s,    out, i, n, c, d, v, k) {
	out = ""; n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c != "\\") { out = out c; continue }
		d = substr(s, ++i, 1)
		if (d == "n") out = out "\n"
		else if (d == "t" || d == "r") out = out " "
		else if (d == "a" || d == "b" || d == "f" || d == "v") out = out "\001"
		else if (d == "x") {
			v = 0
			while (substr(s, i + 1, 1) ~ /[0-9a-fA-F]/)
				v = v * 16 + index("0123456789abcdef", tolower(substr(s, ++i, 1))) - 1
			out = out sprintf("%c", v)
		} else if (d ~ /[0-7]/) {
			v = d + 0
			for (k = 0; k < 2 && substr(s, i + 1, 1) ~ /[0-7]/; k++)
				v = v * 8 + substr(s, ++i, 1)
			out = out sprintf("%c", v)
		} else out = out d
	}
	return out
}

# The \uXXXX escapes of JSON (and surrogate pairs) as UTF-8, the others as text.
function json_unescape(s,    out, i, n, c, d, u, w) {
	out = ""; n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c != "\\") { out = out c; continue }
		d = substr(s, ++i, 1)
		if (d != "u") { out = out (d == "n" ? "\n" : d == "t" ? " " : d); continue }
		u = hex(substr(s, i + 1, 4)); i += 4
		if (u >= 55296 && u < 56320 && substr(s, i + 1, 2) == "\\u") {
			w = hex(substr(s, i + 3, 4)); i += 6
			u = 65536 + (u - 55296) * 1024 + (w - 56320)
		}
		out = out utf8(u)
	}
	return out
}

function hex(s,    v, k) {
	v = 0
	for (k = 1; k <= length(s); k++)
		v = v * 16 + index("0123456789abcdef", tolower(substr(s, k, 1))) - 1
	return v
}

function utf8(u) {
	if (u < 128) return sprintf("%c", u)
	if (u < 2048) return sprintf("%c%c", 192 + int(u / 64), 128 + u % 64)
	if (u < 65536)
		return sprintf("%c%c%c", 224 + int(u / 4096), 128 + int(u / 64) % 64,
			       128 + u % 64)
	return sprintf("%c%c%c%c", 240 + int(u / 262144), 128 + int(u / 4096) % 64,
		       128 + int(u / 64) % 64, 128 + u % 64)
}

# A string the suite passes in: itself, the string values of its JSON and
# SQL, and, when it is a printf format, a pattern. Kept by file.
function pool(file, s,    t, v, re, lit) {
	INPUT[file, s] = 1
	NIN[file]++; IN[file, NIN[file]] = s
	t = s
	while (match(t, /"([^"\\]|\\.)*"/)) {
		v = substr(t, RSTART + 1, RLENGTH - 2); t = substr(t, RSTART + RLENGTH)
		if (t !~ /^ *:/) INPUT[file, json_unescape(v)] = 1
	}
	t = s
	while (match(t, Q "[^" Q "]*" Q)) {
		INPUT[file, substr(t, RSTART + 1, RLENGTH - 2)] = 1; t = substr(t, RSTART + RLENGTH)
	}
	if (s !~ CONV) return
	t = s; re = ""; lit = ""
	while (match(t, CONV)) {
		lit = lit substr(t, 1, RSTART - 1)
		re = re esc(substr(t, 1, RSTART - 1)) ".*"; t = substr(t, RSTART + RLENGTH)
	}
	lit = lit t
	if (lit ~ /[A-Za-z]/) { NFMT[file]++; FORMAT[file, NFMT[file]] = "^" re esc(t) "$" }
}

# Did the suite of `at` (or the fixtures) pass s in? `part`: is s part of
# a string passed in (an argument of a message macro)?
function is_input(s, at, part,    file, k, n, f) {
	file = at; sub(/:[0-9]+$/, "", file)
	for (n = 1; n <= 2; n++) {
		f = n == 1 ? file : "harness/fixtures.c"
		if ((f SUBSEP s) in INPUT) return 1
		for (k = 1; k <= NFMT[f]; k++) if (s ~ FORMAT[f, k]) return 1
		if (part) for (k = 1; k <= NIN[f]; k++) if (index(IN[f, k], s)) return 1
	}
	return 0
}

function squeeze(s) {
	gsub(/[`\n]/, " ", s); gsub(/  +/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s)
	return s
}

# Digits in a timestamp become D, other runs of digits #.
function norm(s,    out, p) {
	s = squeeze(s); out = ""
	while (match(s, TS)) {
		p = substr(s, RSTART, RLENGTH); gsub(/[0-9]/, "D", p)
		out = out substr(s, 1, RSTART - 1) p; s = substr(s, RSTART + RLENGTH)
	}
	s = out s
	gsub(/[0-9]+/, "#", s)
	return s
}

function esc(s,    out, i, c) {
	out = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (index("\\^$.[]|()*+?{}/", c)) out = out "\\" c
		else out = out c
	}
	return out
}

# A regular expression for a docs phrase with placeholders; a space next
# to a placeholder may be missing (a prefix such as "event 10: ").
function pattern(s, digits,    re, a, b) {
	re = ""
	while (match(s, PH)) {
		a = RSTART; b = RLENGTH
		re = re esc(digits ? norm(substr(s, 1, a - 1)) : substr(s, 1, a - 1)) ".*"
		s = substr(s, a + b)
	}
	re = "^" re esc(digits ? norm(s) : s) "$"
	gsub(/ [.][*]/, " ?.*", re); gsub(/[.][*] /, ".* ?", re)
	return re
}

function addspan(s,    t) {
	s = squeeze(s)
	sub(/^["]/, "", s); sub(/["][.,;:)]*$/, "", s)
	if (s == "" || s !~ PH || (s in SEEN)) return
	# a phrase of placeholders alone would match anything
	t = s; gsub(PH, "", t); gsub(/[^A-Za-z]/, "", t)
	if (length(t) < 5) return
	SEEN[s] = 1; NS++; SPAN[NS] = s
}

# Phrases between quotes or backquotes, also across lines of one file (a
# quote escaped as in C does not count).
function quoted(text,    t, p) {
	gsub(/\\"/, "", text)
	t = text
	while (match(t, /`[^`]*`/)) {
		p = substr(t, RSTART + 1, RLENGTH - 2); t = substr(t, RSTART + RLENGTH)
		addspan(p)
	}
	t = text
	while (match(t, /"[^"]*"/)) {
		p = substr(t, RSTART + 1, RLENGTH - 2); t = substr(t, RSTART + RLENGTH)
		addspan(p)
	}
}

# Is s in the docs, as it is or as a phrase with placeholders (VIA names
# the phrase)?
function in_docs(s, exact,    k, n) {
	VIA = ""
	if (exact) {
		n = squeeze(s)
		if (index(RAW, n)) return 1
		for (k = 1; k <= NS; k++) if (n ~ PATR[k]) { VIA = SPAN[k]; return 1 }
		return 0
	}
	n = norm(s)
	if (index(NORM, n)) return 1
	for (k = 1; k <= NS; k++) if (n ~ PATN[k]) { VIA = SPAN[k]; return 1 }
	return 0
}

function as_word(s) {
	return match(RAW, "(^|[^A-Za-z0-9_])" esc(s) "([^A-Za-z0-9_]|$)") > 0
}

# No letter once SQL values, numbers and JSON literals are taken out.
function is_data(s) {
	gsub(Q "[^" Q "]*" Q, "", s)
	gsub(/(^|[^A-Za-z0-9_.])[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?/, " ", s)
	gsub(/(null|NULL|true|false)/, "", s)
	return s !~ /[A-Za-z]/
}

function data(s, at) {
	DATA++
	if (VERBOSE) REPORT = REPORT "\n    data: \"" s "\" (" at ")"
}

function check(kind, s, at,    key) {
	key = kind SUBSEP s
	if (key in DONE) return
	DONE[key] = 1
	VIA = ""
	if (kind == "word" ? as_word(s) : in_docs(s, kind == "arg")) {
		FOUND++
		if (VERBOSE)
			REPORT = REPORT "\n    found " kind ": \"" s "\" (" at ")" \
			    (VIA == "" ? "" : " as \"" VIA "\"")
		return
	}
	MISSING++
	REPORT = REPORT "\n  step " STEP ": \"" s "\" (" at \
	    ") is in no header of the step and not in " GUIDE
}

# Keys of the JSON in s, then s without its JSON objects.
function json(s, at,    t, k, d, i, c, out) {
	t = s
	while (match(t, /"[A-Za-z_][A-Za-z0-9_]*" *:/)) {
		k = substr(t, RSTART + 1, RLENGTH - 1); t = substr(t, RSTART + RLENGTH)
		sub(/" *:$/, "", k)
		check("word", k, at)
	}
	out = ""; d = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "{") d++
		if (d == 0) out = out c
		if (c == "}" && d > 0) { d--; if (d == 0) out = out "\n" }
	}
	return out
}

# The lines of a text and the pieces of a format; in a row of values, the
# names between single quotes.
function pieces(s, at, echo,    n, P, k, t, v) {
	gsub(CONV, "\n", s)
	n = split(s, P, "\n")
	for (k = 1; k <= n; k++) {
		t = squeeze(P[k])
		while (match(t, Q "([a-z_][a-z0-9_]*|[A-Z]+)" Q)) {
			v = substr(t, RSTART + 1, RLENGTH - 2); t = substr(t, RSTART + RLENGTH)
			if (echo && is_input(v, at, 0)) data(v, at)
			else check("word", v, at)
		}
		t = squeeze(P[k])
		# a table title in a dump of the views (fixtures.h): its name
		if (t ~ /^[a-z_][a-z0-9_]*:$/) {
			check("word", substr(t, 1, length(t) - 1), at); continue
		}
		if (is_data(t)) { if (t ~ /[A-Za-z]/) data(t, at); continue }
		if (echo && is_input(t, at, 0)) data(t, at)
		else check("piece", t, at)
	}
}

END {
	for (df in TEXTOF) quoted(TEXTOF[df])
	RAW = squeeze(DOC); NORM = norm(DOC)
	for (k = 1; k <= NS; k++) {
		PATR[k] = pattern(SPAN[k], 0); PATN[k] = pattern(SPAN[k], 1)
	}
	for (c = 1; c <= NCAND; c++) {
		raw = TEXT[c]; kind = KIND[c]; at = AT[c]
		s = unescape(raw)
		if (kind == "sql") { check("word", s, at); continue }
		if (kind == "arg") {
			if (is_data(s) || is_input(s, at, 1)) data(s, at)
			else check("arg", s, at)
			continue
		}
		if (kind != "format" && is_input(s, at, 0)) { data(s, at); continue }
		if (s ~ /[{\n|]/ || kind == "format" || s ~ /\005/) {
			pieces(s ~ /[{]/ ? json(s, at) : s, at, kind != "format")
			continue
		}
		if (is_data(s)) { data(s, at); continue }
		check(s ~ /^[A-Za-z_][A-Za-z0-9_]*$/ ? "word" : "whole", s, at)
	}
	total = FOUND + MISSING
	line = "step " STEP ": " total (total == 1 ? " string" : " strings")
	if (MISSING) line = line ", " MISSING " missing from the headers and " GUIDE
	else line = line ", all in the header or guide"
	print line " (" DATA + 0 " more " (DATA == 1 ? "is" : "are") \
	    " the test" Q "s data)" REPORT
	exit MISSING > 0
}
'

awk -v MODE=pool "$reader" harness/*.h harness/fixtures.c >"$tmp/pool" ||
	exit 2
status=0
for dir in exercises/[0-9][0-9]-*/; do
	dir=${dir%/}
	step=${dir#exercises/}
	nn=${step%%-*}
	n=${nn#0}
	guide=""
	for g in docs/"$nn"-*.md; do
		[ -f "$g" ] && guide=$g && break
	done
	# The step's headers, and those of other steps its suites include.
	headers=""
	for h in "$dir"/*.h; do
		case $h in */test_*.h) continue ;; esac
		[ -f "$h" ] && headers="$headers $h"
	done
	for inc in $(sed -n 's/^#include "\([^"/]*\.h\)".*/\1/p' \
		"$dir"/test_*.c | sort -u); do
		for h in exercises/*/"$inc"; do
			case $h in "$dir"/* | */test_*.h) continue ;; esac
			[ -f "$h" ] && headers="$headers $h"
		done
	done
	cp "$tmp/pool" "$tmp/records"
	for suite in "$dir"/test_*.c; do
		[ -f "$suite" ] || continue
		if ! awk -v MODE=suite "$reader" harness/*.h "$suite" \
			>>"$tmp/records"; then
			echo "step ${n:-0}: cannot read $suite"
			exit 2
		fi
	done
	# shellcheck disable=SC2086
	awk -v STEP="${n:-0}" -v RECORDS="$tmp/records" \
		-v GUIDE="${guide:-docs/$nn-*.md}" -v VERBOSE="${VERBOSE:-}" \
		"$checker" $headers $guide "$tmp/records"
	case $? in
	0) ;;
	1) status=1 ;;
	*) echo "step ${n:-0}: the check itself failed"; exit 2 ;;
	esac
done
exit $status
