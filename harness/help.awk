# help.awk: `make help`. Prints the Makefile's "##" notes, in order:
#
#   ##@ Title                       a group's title
#   target: prereqs ## ARGS | text  a target ("make target ARGS   text");
#                                   ARGS may be empty ("## | text")
#   ##   ARG | text                 an option of the target above it
#
# {FIRST}, {LAST}, {PG}, {CATALOG}, {DEMO} and {BUILD} become the -v
# values first, last, pg (the optional PostgreSQL step), catalog, demo
# and build. A target named "all" prints as plain "make", which is how
# one types it.

function fill(s)
{
	gsub(/\{FIRST\}/, first, s)
	gsub(/\{LAST\}/, last, s)
	gsub(/\{PG\}/, pg, s)
	gsub(/\{CATALOG\}/, catalog, s)
	gsub(/\{DEMO\}/, demo, s)
	gsub(/\{BUILD\}/, build, s)
	return s
}

# split_note("ARGS | text") sets args and text.
function split_note(note,    bar)
{
	bar = index(note, " | ")
	if (bar == 0 && substr(note, 1, 2) == "| ") {
		args = ""
		text = substr(note, 3)
	} else if (bar == 0) {
		args = ""
		text = note
	} else {
		args = substr(note, 1, bar - 1)
		text = substr(note, bar + 3)
	}
}

/^##@ / {
	print fill(substr($0, 5))
	next
}

/^[a-z][a-z-]*:.*## / {
	name = substr($0, 1, index($0, ":") - 1)
	split_note(substr($0, index($0, "## ") + 3))
	usage = (name == "all") ? "make" : "make " name
	if (args != "")
		usage = usage " " args
	printf "  %-22s %s\n", usage, fill(text)
	next
}

/^##   / {
	split_note(substr($0, 6))
	printf "      %-18s %s\n", args, fill(text)
}

END {
	print "Add V=1 to any of them to see every compiler command."
}
