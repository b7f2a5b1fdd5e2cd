# c_functions.awk: the C functions of one or more files, for kata.sh diff.
#
# A function runs from its head (the lines before its opening brace) to the
# brace that closes its body; everything else in a file is "outside
# functions". Comments (/* */ across lines, //) do not count, nor does
# whitespace except where it separates two words; "/*" inside a string or
# a character constant is not a comment. Limits: a backslash-newline
# inside a string or a // comment, a macro that opens or closes a brace,
# and #if branches are not understood; a name defined twice in a file
# counts once, the first time. Whitespace inside strings is squeezed too.
#
#   mode=list     files: yours1 ref1 yours2 ref2 ...; prints, per pair,
#                 each function, whether it differs, and both sizes in
#                 lines of code; writes to the file `stats` how many
#                 functions both have, how many of them differ, how many
#                 only the reference has, and the first that differs;
#                 names="NAME ..." lists those functions alone
#   mode=extract  want=NAME; prints "FILE:LINE" of the first function
#                 NAME, then its lines of code (comments and blank lines
#                 dropped)
BEGIN {
	chre = "\047([^\047\\\\]|\\\\.)*\047"
	word = "[A-Za-z0-9_]"
}

# strip(line): harness/c_strip.awk, given with -f before this file.


# a followed by b, with a space only where it separates two words.
function glue(a, b) {
	if (a == "" || b == "")
		return a b
	if (substr(a, length(a), 1) ~ word && substr(b, 1, 1) ~ word)
		return a " " b
	return a b
}

# The line's code with whitespace only where it separates two words, and
# without a backslash that continues it on the next line.
function squeeze(s,    n, parts, i, out) {
	sub(/\\[ \t\r]*$/, "", s)
	n = split(s, parts, /[ \t\r\f\v]+/)
	out = ""
	for (i = 1; i <= n; i++)
		out = glue(out, parts[i])
	return out
}

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

function trim_end(s) {
	sub(/[ \t\r]+$/, "", s)
	return s
}

# Lines at the top level that may turn out to be a function's head.
function pend_add(code) {
	if (pendn == 0)
		pendstart = FNR
	pendn++
	pend = pend " " without_literals(code)
	pendnorm = glue(pendnorm, squeeze(code))
	pendlines = pendlines trim_end(code) "\n"
}

function flush() {
	oloc[k] += pendn
	onorm[k] = glue(onorm[k], pendnorm)
	pend = ""; pendn = 0; pendnorm = ""; pendlines = ""
}

function outside(code) {
	oloc[k]++
	onorm[k] = glue(onorm[k], squeeze(code))
}

function end_function() {
	infn = 0
	if ((k, fname) in loc)
		return
	nfn[k]++
	fn[k, nfn[k]] = fname
	loc[k, fname] = floc
	norm[k, fname] = fnorm
	if (mode == "extract" && fname == want && !found) {
		found = 1
		printf "%s:%d\n%s", FILENAME, fstart, flines
	}
}

FNR == 1 {
	k++
	file[k] = FILENAME
	depth = 0; cmt = 0; cont = 0; infn = 0
	pend = ""; pendn = 0; pendnorm = ""; pendlines = ""
}

{
	code = strip($0)
	blank = (code !~ /[^ \t\r\f\v]/)
	if (infn) {
		if (!blank) {
			floc++
			fnorm = glue(fnorm, squeeze(code))
			flines = flines trim_end(code) "\n"
		}
		depth += braces(code)
		if (depth <= 0) {
			depth = 0
			end_function()
		}
		next
	}
	if (depth > 0) { # a struct, union or initializer
		if (!blank)
			outside(code)
		depth += braces(code)
		if (depth < 0)
			depth = 0
		next
	}
	if (blank) {
		flush()
		next
	}
	if (cont || code ~ /^[ \t]*#/) { # the preprocessor
		flush()
		outside(code)
		cont = (code ~ /\\$/)
		next
	}
	san = without_literals(code)
	b = index(san, "{")
	if (b == 0) {
		pend_add(code)
		if (san ~ /;[ \t]*$/)
			flush()
		next
	}
	head = pend " " substr(san, 1, b - 1)
	if (head ~ /\)[ \t]*$/ && head !~ /=/) {
		h = substr(head, 1, index(head, "(") - 1)
		sub(/[ \t]+$/, "", h)
		fname = h
		sub(".*[^A-Za-z0-9_]", "", fname)
		if (fname == "")
			fname = "?"
		fstart = pendn > 0 ? pendstart : FNR
		floc = pendn + 1
		fnorm = glue(pendnorm, squeeze(code))
		flines = pendlines trim_end(code) "\n"
		pend = ""; pendn = 0; pendnorm = ""; pendlines = ""
		infn = 1
		depth = braces(code)
		if (depth <= 0) {
			depth = 0
			end_function()
		}
		next
	}
	flush()
	outside(code)
	depth = braces(code)
	if (depth < 0)
		depth = 0
}

function row(name, verdict, sizes) {
	printf "  %-" width "s %-9s %s\n", name, verdict, sizes
}

function wanted(name) {
	return names == "" || index(" " names " ", " " name " ") > 0
}

function lines(n) {
	return n == 1 ? "1 line" : n " lines"
}

END {
	if (mode != "list")
		exit
	for (y = 1; y < k; y += 2) {
		r = y + 1
		width = 20
		for (i = 1; i <= nfn[y]; i++)
			if (length(fn[y, i]) > width)
				width = length(fn[y, i])
		print file[y]
		for (i = 1; i <= nfn[y]; i++) {
			name = fn[y, i]
			if (!wanted(name))
				continue
			if (!((r, name) in loc)) {
				print "  only in yours: " name " (" lines(loc[y, name]) ")"
				continue
			}
			functions++
			if (norm[y, name] == norm[r, name]) {
				row(name, "same", loc[y, name] " / " loc[r, name])
				continue
			}
			differ++
			if (first == "")
				first = name
			row(name, "differs", "yours " lines(loc[y, name]) \
			    ", reference " loc[r, name])
		}
		if (onorm[y] == onorm[r])
			row("(outside functions)", "same", oloc[y] " / " oloc[r])
		else
			row("(outside functions)", "differs", "yours " \
			    lines(oloc[y]) ", reference " oloc[r])
		for (i = 1; i <= nfn[r]; i++) {
			name = fn[r, i]
			if (wanted(name) && !((y, name) in loc)) {
				print "  only in the reference: " name " (" \
				    lines(loc[r, name]) ")"
				only++
				if (first_only == "")
					first_only = name
			}
		}
	}
	printf "%d %d %d %s\n", functions, differ, only,
	    (first != "" ? first : first_only) > stats
}
