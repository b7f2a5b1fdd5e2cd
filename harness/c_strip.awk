# c_strip.awk: one C line without its comments, for c_functions.awk and
# step_markers.awk, which are run with it: awk -f c_strip.awk -f FILE.
#
# The line without its comments; `cmt` carries a /* */ comment to the
# next line. Strings and character constants are kept as they are.
function strip(line,    out, i, n, c, q) {
	if (!cmt && line !~ /[\/"\047]/)
		return line
	out = ""; n = length(line); q = ""
	for (i = 1; i <= n; i++) {
		c = substr(line, i, 1)
		if (cmt) {
			if (c == "*" && substr(line, i + 1, 1) == "/") {
				cmt = 0; i++
			}
			continue
		}
		if (q != "") {
			out = out c
			if (c == "\\") {
				out = out substr(line, i + 1, 1); i++
			} else if (c == q)
				q = ""
			continue
		}
		if (c == "/" && substr(line, i + 1, 1) == "*") {
			cmt = 1; i++; out = out " "; continue
		}
		if (c == "/" && substr(line, i + 1, 1) == "/")
			break
		if (c == "\"" || c == "\047")
			q = c
		out = out c
	}
	sub(/[ \t\r]+$/, "", out)
	return out
}
