# The event-sourcing kata. GNU make. `make help` lists the targets.
#
# Layout: exercises/NN-slug/ holds each step's headers (the contract) and its
# CUnit suite, and the learner's .c files; solutions/NN-slug/ holds the
# reference .c files; harness/ the code every suite shares; tests/ the
# kata's tests of itself. Everything built goes under build/.

.DEFAULT_GOAL := all
SHELL := /bin/sh

# The steps are the folders exercises/NN-slug/, in order.
STEPS := $(patsubst exercises/%/,%,$(sort $(wildcard exercises/[0-9][0-9]-*/)))
STEP_NUMBERS := $(patsubst 0%,%,$(foreach s,$(STEPS),$(firstword $(subst -, ,$(s)))))
# The final step (break, fix, replay) is the last folder.
FINAL_DIR := $(lastword $(STEPS))
FINAL_STEP := $(lastword $(STEP_NUMBERS))

STEP ?=
IMPL ?= exercises
PRIOR ?= $(IMPL)
BUILD ?= build
# compile_commands.json, for editors (see "editors" below)
CDB := $(if $(filter build,$(BUILD)),compile_commands.json)

# ---- system packages -------------------------------------------------------
# `deps` runs harness/deps.sh, which checks for the packages and installs
# them (root or password-less sudo) or prints the command to type. Every
# object and program waits for it (an order-only prerequisite), so reading
# this file changes nothing: `make -n` and `make help` install nothing.
PKGS_APP := sqlite3 libcjson
PKGS_TEST := $(PKGS_APP) cunit
# pkg-config is asked once, when a recipe first needs the answer: after
# deps has run, since pkg-config may be one of the packages it installs.
once = $(eval $(1) := $$(shell $(2)))$($(1))
PKG_CFLAGS = $(call once,PKG_CFLAGS,pkg-config --cflags $(PKGS_TEST) 2>/dev/null)
LIBS_APP = $(call once,LIBS_APP,pkg-config --libs $(PKGS_APP) 2>/dev/null)
LIBS_TEST = $(call once,LIBS_TEST,pkg-config --libs $(PKGS_TEST) 2>/dev/null)

deps:
	@sh harness/deps.sh

# ---- flags -----------------------------------------------------------------
# Required flags live in ES_*; CFLAGS, CPPFLAGS and LDFLAGS stay yours.
WERROR ?= -Werror
# DWARF 4: valgrind 3.19 cannot read the DWARF 5 that clang writes.
CFLAGS ?= -O2 -g -gdwarf-4
ES_CFLAGS := -std=c11 -Wall -Wextra -Wpedantic $(WERROR)
ES_CPPFLAGS = -D_POSIX_C_SOURCE=200809L $(PG_DEFINE) \
	$(addprefix -I,$(patsubst %/,%,$(wildcard exercises/*/))) -Iharness \
	$(PKG_CFLAGS)
DEPFLAGS = -MMD -MP

# Rebuild everything when the compiler or the flags change (make CC=clang):
# the stamp is rewritten only when they differ from the last build's, as
# git's GIT-CFLAGS is, and every object depends on it.
FLAGS_STAMP := $(BUILD)/.flags
FLAGS_NOW = $(CC) $(ES_CFLAGS) $(CFLAGS) $(ES_CPPFLAGS) $(CPPFLAGS)
$(FLAGS_STAMP): FORCE | deps
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = '$(FLAGS_NOW)' ] || \
		printf '%s\n' '$(FLAGS_NOW)' >$@

# The learner's files (those with a counterpart in solutions/) are built
# with two of GCC's -O2 format warnings left as warnings: they guess at
# string lengths, and snprintf into a buffer that is big enough for every
# real value still trips them. The reference keeps every warning an error.
LEARNER_SRCS := $(filter $(patsubst solutions/%,exercises/%,\
	$(wildcard solutions/*/*.c)),$(wildcard exercises/*/*.c))
LEARNER_WARN := -Wno-error=format-truncation -Wno-error=format-overflow

# The corrections step (NN-corrections) adds an event type that has been in
# events.h's enum from step 1, so every switch over the types a learner
# wrote before it misses that case. Learner files are built with -Wno-switch
# while STEP is unset or before that step, and with -Wswitch (from -Wall) as
# a warning, not an error, from that step on: make check STEP=N lists every
# switch still to do. The reference handles every case; -Wswitch stays an
# error there. The step is found by its folder's name, not its number.
CORR_DIR := $(firstword $(filter %-corrections,$(STEPS)))
LEARNER_SWITCH = $(if $(CORR_DIR),$(if $(STEP),$(if $(filter \
	$(call step_dir,$(STEP)),$(call dirs_before,$(CORR_DIR),$(STEPS))),\
	-Wno-switch,-Wno-error=switch),-Wno-switch))
LEARNER_FLAGS = $(strip $(LEARNER_WARN) $(LEARNER_SWITCH))
# Learner files are these and the files of every tree written under
# $(BUILD)/ for IMPL= or PRIOR= (the self-check's broken variants and its
# reference before a step, make progress's trees): the reference before
# the corrections step misses its cases too. (A tree outside $(BUILD)/ is
# built as the reference is.) Their objects also depend on a stamp of
# their own, so that a new STEP rebuilds them and nothing else; like
# FLAGS_STAMP, it is rewritten only when its content differs.
LEARNER_STAMP := $(BUILD)/.learner-flags
learner = $(filter $(LEARNER_SRCS) $(BUILD)/%,$(1))
$(LEARNER_STAMP): FORCE | deps
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = '$(LEARNER_FLAGS)' ] || \
		printf '%s\n' '$(LEARNER_FLAGS)' >$@

# ---- PostgreSQL: step 18, optional ----------------------------------------
# Step 18 (the folder whose name ends in -postgres) runs the same event
# log on PostgreSQL. It needs the server's programs and libpq's header,
# which the rest of the kata does not: without them, everything else
# builds and passes as before, and step 18 says it was skipped. harness/
# pg.sh answers whether they are installed (silently: reading this file
# has no other effect), starts a private server under $(PG_BUILD)/pg/
# when a recipe needs one, and prints its URI; `make pg` installs them.
PG_SH ?= harness/pg.sh
# The server's build directory: make progress builds under build/asan/
# and keeps the one server of build/.
PG_BUILD ?= $(BUILD)
PG_DIR := $(firstword $(filter %-postgres,$(STEPS)))
PG_STEP := $(patsubst 0%,%,$(firstword $(subst -, ,$(PG_DIR))))
PG_AVAILABLE := $(if $(PG_DIR),$(shell sh $(PG_SH) available $(PG_BUILD) \
	>/dev/null 2>&1 && echo yes))
PG_SKIPPED := step $(PG_STEP) skipped: PostgreSQL is not installed; make pg \
	installs it and starts a private server
# libpq's header is not where the other headers are: pkg-config knows,
# or Debian's libpq-dev puts it there. Only step 18's files need it.
PG_CPPFLAGS = $(call once,PG_CPPFLAGS,pkg-config --cflags libpq 2>/dev/null \
	|| echo -I/usr/include/postgresql)
PG_LIBS = $(call once,PG_LIBS,pkg-config --libs libpq 2>/dev/null || echo -lpq)
pg_file = $(findstring /$(PG_DIR)/,/$(1))
# A program linked with step 18 sends every call of event_store.h that
# takes or opens a store through exercises/$(PG_DIR)/store_dispatch.c,
# which says why: GNU ld's --wrap for each of these.
PG_WRAPPED := es_store_open es_store_close es_store_set_busy_timeout \
	es_store_begin es_store_commit es_store_rollback \
	es_store_new_product_id es_store_append es_store_load \
	es_store_load_all es_store_load_after es_store_get \
	es_store_save_metadata es_store_load_metadata es_store_find_answer \
	es_store_save_answer es_store_count_after es_store_verify \
	es_store_verify_quarantined \
	es_store_quarantine es_store_path es_store_load_range \
	es_store_version es_store_append_expected es_store_set_upcaster \
	es_store_is_postgres es_store_import es_store_each_answer \
	es_store_wait
comma := ,
PG_WRAP := $(foreach f,$(PG_WRAPPED),-Wl$(comma)--wrap=$(f))
# Programs other than step 18's suites that link the PostgreSQL store:
# catalog, when libpq is installed, so that --events takes a URI. Its
# code (and the catalog suite's) tells the two builds apart by
# ES_WITH_POSTGRES, defined for every file then.
PG_PROGRAMS = $(if $(PG_AVAILABLE),$(CATALOG))
PG_DEFINE := $(if $(PG_AVAILABLE),-DES_WITH_POSTGRES=1)
# In a recipe, before a program that needs the server: start it (quiet
# when it runs; a one-line reason and a failure when it cannot) and
# export its URI. Reading the Makefile starts nothing.
PG_ENV = sh $(PG_SH) start $(PG_BUILD) && \
	ES_PG_URI=$$(sh $(PG_SH) uri $(PG_BUILD)) && export ES_PG_URI &&

# Quiet by default, as the kernel's and git's Makefiles are: one short line
# per file built ("  CC   exercises/01-events/events.c"); V=1 prints every
# command instead.
V ?= 0
ifeq ($(V),1)
Q :=
say = @:
else
Q := @
say = @printf '  %-4s %s\n'
endif

define compile
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(ES_CPPFLAGS) $(CPPFLAGS) $(ES_CFLAGS) $(CFLAGS) $(DEPFLAGS) \
		$(if $(call learner,$<),$(LEARNER_FLAGS)) \
		$(if $(call pg_file,$<),$(PG_CPPFLAGS)) -c $< -o $@
endef

$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP) | deps
	$(compile)

# A tree under $(BUILD)/: this rule's stem is shorter, so make prefers it.
$(BUILD)/obj/$(BUILD)/%.o: $(BUILD)/%.c $(FLAGS_STAMP) $(LEARNER_STAMP) | deps
	$(compile)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
$(call obj,$(LEARNER_SRCS)): $(LEARNER_STAMP)

# ---- what a step is made of ------------------------------------------------
# step_dir N      -> 02-event-store for N = 2
# lib_srcs TREE D -> the library .c files of step D in TREE (no tests, no main)
step_dir = $(filter $(if $(filter 0 1 2 3 4 5 6 7 8 9,$(1)),0$(1),$(1))-%,$(STEPS))
# A file given complete (step 0, main.c) exists once, in exercises/; every
# tree builds it from there. So a tree holds only what the learner writes.
own_srcs = $(wildcard $(1)/$(2)/*.c)
given_srcs = $(filter-out $(patsubst $(1)/%,exercises/%,$(call own_srcs,$(1),$(2))),\
	$(wildcard exercises/$(2)/*.c))
lib_srcs = $(filter-out %/main.c $(wildcard exercises/$(2)/test_*.c),\
	$(sort $(call own_srcs,$(1),$(2)) $(call given_srcs,$(1),$(2))))
# steps_before N  -> the step folders before step N's (by name, so that a
# gap in the numbers, while steps are being split, does not shift them),
# less the optional PostgreSQL step: no later step builds on it
steps_before = $(filter-out $(PG_DIR),\
	$(call dirs_before,$(call step_dir,$(1)),$(STEPS)))
dirs_before = $(if $(2),$(if $(filter $(1),$(firstword $(2))),,\
	$(firstword $(2)) $(call dirs_before,$(1),$(wordlist 2,$(words $(2)),$(2)))))
step_tests = $(wildcard exercises/$(1)/test_*.c)
HARNESS_OBJS := $(call obj,harness/harness.c harness/golden.c harness/fixtures.c \
	harness/process.c harness/scratch.c harness/sqlfile.c harness/program.c \
	harness/runner.c)

# suite_rule IMPL PRIOR N: the rule that links step N's suite against IMPL's
# step N built on PRIOR's steps 0..N-1.
define suite_rule
$(BUILD)/check/$(1)-on-$(2)/$(call step_dir,$(3))/run-tests: \
		$(call obj,$(foreach d,$(call steps_before,$(3)),$(call lib_srcs,$(2),$(d))) \
			$(call lib_srcs,$(1),$(call step_dir,$(3))) \
			$(call step_tests,$(call step_dir,$(3)))) \
		$(HARNESS_OBJS)
endef

suite_bin = $(BUILD)/check/$(1)-on-$(2)/$(call step_dir,$(3))/run-tests

# Every step but the optional PostgreSQL one: catalog and the tools link
# SQLite's store alone.
SOLUTION_LIB := $(call obj,$(foreach d,$(filter-out $(PG_DIR),$(STEPS)),\
	$(call lib_srcs,solutions,$(d))))
CATALOG := $(BUILD)/bin/catalog
DEMO := $(BUILD)/bin/demo
CATALOG_TEST := $(BUILD)/tests/test_catalog

$(CATALOG): $(SOLUTION_LIB) $(call obj,$(wildcard solutions/catalog/*.c)) \
	$(if $(PG_AVAILABLE),$(call obj,$(call lib_srcs,solutions,$(PG_DIR))))

$(DEMO): $(SOLUTION_LIB) $(call obj,exercises/07-main/main.c)

# The catalog suite is one binary linked from several files (test_catalog.h).
$(CATALOG_TEST): $(SOLUTION_LIB) $(call obj,$(wildcard tests/test_catalog*.c)) \
		$(HARNESS_OBJS)

# The bench is one program linked from tests/bench*.c (bench.h).
BENCH := $(BUILD)/bin/bench

$(BENCH): $(SOLUTION_LIB) $(call obj,$(wildcard tests/bench*.c) \
	harness/process.c)

$(foreach n,$(STEP_NUMBERS),$(eval $(call suite_rule,solutions,solutions,$(n))))

# make_golden writes the golden data (harness/golden.h) with the reference,
# the answers by running $(CATALOG) apply; linked with step 19's shipped
# supplier_view.c instead, the read model that step 19 ships. make test
# writes both again under build/golden/ to compare.
GOLDEN_DIR ?= harness/golden
SHIPPED_READ_MODEL ?= exercises/$(FINAL_DIR)/read_model.sql
SHIPPED_VIEW = $(FINAL_DIR)/supplier_view.c
MAKE_GOLDEN := $(BUILD)/bin/make_golden
MAKE_GOLDEN_SHIPPED := $(BUILD)/bin/make_golden_shipped
GOLDEN_OBJS := $(call obj,harness/make_golden.c harness/golden.c \
	harness/harness.c harness/process.c)

$(MAKE_GOLDEN): $(SOLUTION_LIB) $(GOLDEN_OBJS)

$(MAKE_GOLDEN_SHIPPED): $(filter-out $(call obj,solutions/$(SHIPPED_VIEW)),\
		$(SOLUTION_LIB)) $(call obj,exercises/$(SHIPPED_VIEW)) \
		$(GOLDEN_OBJS)

# ---- observe and replay: the final step's payoff -----------------------------
# The final step is the last folder of exercises/; its read_model.sql is the
# read DB it shipped, built from golden log $(REPLAY_GOLDEN). harness/replay.c
# is linked with IMPL's supplier view on the reference's earlier steps or,
# with VIEW=all, with every step of IMPL (IMPL's own files, the given ones
# from exercises/). observe runs no code of the learner's: it is linked with
# the reference.
REPLAY_GOLDEN := random
REPLAY_PRIOR = $(if $(filter all,$(VIEW)),$(IMPL),solutions)
REPLAY_BIN = $(BUILD)/replay/$(IMPL)-on-$(REPLAY_PRIOR)/replay
REPLAY_OBJS := $(call obj,harness/replay.c harness/golden.c \
	harness/harness.c harness/process.c)
REPLAY_RUN = $(BUILD)/replay/run
REPLAY_SHIPPED = exercises/$(FINAL_DIR)/read_model.sql

$(REPLAY_BIN): $(call obj,$(foreach d,$(call steps_before,$(FINAL_STEP)),\
		$(call lib_srcs,$(REPLAY_PRIOR),$(d))) \
		$(call lib_srcs,$(IMPL),$(FINAL_DIR))) $(REPLAY_OBJS)

# replay-bin: builds $(REPLAY_BIN) for observe and replay, quietly.
replay-bin: $(REPLAY_BIN)

# STEP is optional; given, it must be the final step.
define replay_step_check
	@[ -z "$(STEP)" ] || [ "$(STEP)" = "$(FINAL_STEP)" ] || \
		{ echo "make $(1) is for the final step: STEP=$(FINAL_STEP)" >&2; exit 2; }
endef

# ---- targets ---------------------------------------------------------------
# `make help` prints the "##" notes below in the order they are written:
# "##@ title" starts a group; "target: ... ## ARGS | text" is a target
# (ARGS may be left out); "##   ARG | text" under it is one of its options.
# {FIRST}, {LAST}, {PG}, {CATALOG}, {DEMO} and {BUILD} are filled in.
.PHONY: all demo check test memcheck progress hint diff watch reset bench lint \
	golden help clean observe replay replay-bin deps pg pg-stop FORCE

ifneq ($(STEP),)
ifeq ($(call step_dir,$(STEP)),)
$(error STEP=$(STEP) is not a step; steps are $(STEP_NUMBERS))
endif
ifneq ($(IMPL)-$(PRIOR),solutions-solutions)
$(eval $(call suite_rule,$(IMPL),$(PRIOR),$(STEP)))
endif
CHECK_BIN := $(call suite_bin,$(IMPL),$(PRIOR),$(STEP))
endif

# STORE=postgres: the store a step's suite runs on. Step 18's suite runs
# on PostgreSQL (STORE=postgres is its default); every other step's on
# SQLite. Without PostgreSQL, step 18 says it was skipped; asked for by
# name, STORE=postgres installs it (harness/deps-pg.sh, or the command to
# type) and runs the suite in a make that sees it.
STORE ?=
CHECK_PG := $(if $(PG_DIR),$(filter $(PG_DIR),$(call step_dir,$(STEP))))
ifneq ($(STORE),)
ifneq ($(STORE),postgres)
$(error STORE=$(STORE) is not a store; the one to choose is STORE=postgres, with STEP=$(PG_STEP))
endif
ifeq ($(CHECK_PG),)
$(error STORE=postgres is for STEP=$(PG_STEP) (make check STEP=$(PG_STEP)); step $(or $(STEP),N)'s suite runs on SQLite)
endif
endif
# Step 18 without PostgreSQL: nothing to build, a line to say so.
CHECK_PG_MISSING := $(if $(CHECK_PG),$(if $(PG_AVAILABLE),,yes))
ifeq ($(CHECK_PG_MISSING),yes)
CHECK_BIN :=
endif

STEP_TMP = $(BUILD)/test-runs/step$(STEP)
SUITE_BINS := $(foreach n,$(if $(PG_AVAILABLE),$(STEP_NUMBERS),\
	$(filter-out $(PG_STEP),$(STEP_NUMBERS))),\
	$(call suite_bin,solutions,solutions,$(n)))

##@ The two commands:
demo: $(DEMO) $(CATALOG) ## | run the seed's scenario (builds the reference)
	@rm -rf $(BUILD)/demo && mkdir -p $(BUILD)/demo
	@cd $(BUILD)/demo && ../bin/demo
	@echo
	@echo "The event log and read model are in $(BUILD)/demo/. Explore them:"
	@echo "  $(CATALOG) --events $(BUILD)/demo/event_store.db --read $(BUILD)/demo/read_model.db log"

# make test builds its programs on every core (JOBS, from getconf), the
# output of each kept together (-O); a learner's make check builds one
# step, and stays serial, its errors in order.
JOBS ?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
TEST_PROGRAMS = $(SUITE_BINS) $(CATALOG) $(DEMO) $(CATALOG_TEST) $(BENCH)

test: ## | the kata checks itself (what CI runs)
	@$(MAKE) --no-print-directory -j$(JOBS) -O test-bins
	@BUILD=$(BUILD) CATALOG=$(CATALOG) BENCH=$(BENCH) CC="$(CC)" \
		MAKE="$(MAKE)" PG_SH=$(PG_SH) PG_BUILD=$(PG_BUILD) \
		PG_AVAILABLE=$(PG_AVAILABLE) \
		sh tests/run.sh $(SUITE_BINS) $(CATALOG_TEST)
.PHONY: test-bins
test-bins: $(TEST_PROGRAMS)

##@ Your loop, step N = {FIRST}..{LAST}:
check: $(CHECK_BIN) $(CDB) ## STEP=N | run step N's tests on your code
##   PRIOR=solutions | ... built on the reference's earlier steps
##   IMPL=solutions | ... run them on the reference instead
##   TEST=text | ... only the tests whose name contains text
##   STORE=postgres | ... on PostgreSQL: step {PG}, its default
ifeq ($(STEP),)
	@echo "usage: make check STEP=N   (N is one of $(STEP_NUMBERS))" >&2; exit 2
else ifeq ($(CHECK_PG_MISSING)-$(STORE),yes-)
	@echo "$(PG_SKIPPED)"
else ifeq ($(CHECK_PG_MISSING),yes)
	@sh harness/deps-pg.sh
	@$(MAKE) --no-print-directory check STEP=$(STEP) IMPL=$(IMPL) \
		PRIOR=$(PRIOR) TEST="$(TEST)" STORE=postgres
else
	@rm -rf $(STEP_TMP) && mkdir -p $(STEP_TMP)
	@$(if $(CHECK_PG),$(PG_ENV)) ES_TEST_TMPDIR=$(STEP_TMP) \
		ES_TEST_ONLY="$(TEST)" \
		ES_STEP_OWN_FILES=$(words $(call lib_srcs,exercises,$(call step_dir,$(STEP)))) \
		$(CHECK_BIN)
endif

hint: ## STEP=N | one more hint each time (LEVEL=k: hint k)
	@$(KATA) hint "$(STEP)" "$(LEVEL)"

diff: ## STEP=N | each function: same as the reference or not, both sizes
##   FN=name | ... that one function, as a diff
##   FULL=1 | ... the whole files, comments and all
	@$(KATA) diff "$(STEP)" "$(FN)" "$(FULL)"

memcheck: $(CHECK_BIN) ## STEP=N | the tests under valgrind, pointing at your file:line
##   TEST=text | ... only the tests whose name contains text
ifeq ($(CHECK_PG_MISSING),yes)
	@echo "$(PG_SKIPPED)"
else
	@$(if $(CHECK_PG),$(PG_ENV)) $(KATA) memcheck "$(STEP)" "$(CHECK_BIN)" "$(TEST)"
endif

watch: ## STEP=N | re-run the tests whenever you save a file of steps 0..N
	@$(KATA) watch "$(STEP)" "$(IMPL)" "$(PRIOR)"

reset: ## STEP=N | put the stubs back (yours kept as .backup)
	@$(KATA) reset "$(STEP)"

KATA = BUILD=$(BUILD) MAKE="$(MAKE)" PG_SH=$(PG_SH) sh harness/kata.sh

progress: ## | every step at a glance: topic, tests passing, leaks
	@$(KATA) progress

##@ The last step, {LAST} (break, fix, replay; STEP=N is optional):
observe: ## | the shipped view beside what the log says
	$(call replay_step_check,observe)
	@$(MAKE) -s --no-print-directory replay-bin IMPL=solutions VIEW=
	@rm -rf $(REPLAY_RUN) && mkdir -p $(REPLAY_RUN)
	@$(BUILD)/replay/solutions-on-solutions/replay observe \
		$(REPLAY_SHIPPED) $(REPLAY_GOLDEN) $(REPLAY_RUN) || [ $$? -eq 1 ]

replay: ## | rebuild it with your projector: before, after
##   VIEW=all | ... every view, with all your steps
	$(call replay_step_check,replay)
	@$(MAKE) -s --no-print-directory replay-bin
	@rm -rf $(REPLAY_RUN) && mkdir -p $(REPLAY_RUN)
ifeq ($(VIEW),all)
	@$(REPLAY_BIN) all $(REPLAY_GOLDEN) $(REPLAY_RUN) "every step of $(IMPL)/"
else ifeq ($(VIEW),)
	@$(REPLAY_BIN) supplier $(REPLAY_SHIPPED) $(REPLAY_GOLDEN) $(REPLAY_RUN) \
		$(IMPL)/$(FINAL_DIR)/supplier_view.c
else
	@echo "VIEW=$(VIEW): the only value is VIEW=all" >&2; exit 2
endif

##@ Other:
all: $(CATALOG) $(DEMO) $(CDB) ## | build {CATALOG} and {DEMO}

bench: $(BENCH) $(CATALOG) ## | time the reference against baselines (minutes)
##   N=small | ... a quick run, small sizes, no goals (make test runs it)
##   N=EVENTS | ... the largest log rebuilt has EVENTS events, not 1M
	@BENCH=$(BENCH) CATALOG=$(CATALOG) OUT=$(BUILD)/bench \
		sh tests/bench.sh --install $(N)

lint: ## | clang-format, cppcheck and clang-tidy (maintainers)
	@command -v cppcheck >/dev/null && command -v clang-tidy >/dev/null && \
		command -v clang-format >/dev/null || \
		{ echo "lint needs: sudo apt-get install -y cppcheck clang-tidy clang-format" >&2; exit 2; }
	@bad=""; for f in $(FORMAT_SRCS); do \
		clang-format --dry-run --Werror $$f >/dev/null 2>&1 || bad="$$bad $$f"; \
	done; [ -z "$$bad" ] || { echo "not clang-formatted (clang-format -i them):$$bad" >&2; exit 1; }
	cppcheck -q --std=c11 --enable=warning,style,performance,portability \
		--error-exitcode=1 --inline-suppr \
		--suppress=missingIncludeSystem --suppress=unusedFunction \
		-D_POSIX_C_SOURCE=200809L \
		$(addprefix -I,$(patsubst %/,%,$(wildcard exercises/*/))) -Iharness \
		$(LINT_SRCS)
	@# One file per run: given several at once, clang-tidy 14 reports a
	@# false "uninitialized va_list" in files that are clean on their own.
	@for f in $(LINT_SRCS); do \
		case $$f in */$(PG_DIR)/*) pg='$(PG_CPPFLAGS)' ;; *) pg= ;; esac; \
		clang-tidy --quiet $$f -- $(ES_CPPFLAGS) $(ES_CFLAGS) $$pg || exit 1; \
	done

golden: $(MAKE_GOLDEN) $(MAKE_GOLDEN_SHIPPED) $(CATALOG) ## | rewrite harness/golden/ with the reference
	@mkdir -p $(GOLDEN_DIR)
	$(MAKE_GOLDEN) $(GOLDEN_DIR) $(CATALOG)
	$(MAKE_GOLDEN_SHIPPED) --read-model $(SHIPPED_READ_MODEL)

pg: ## | start a PostgreSQL server in {BUILD}/pg (step 18)
	@sh harness/pg.sh start --install $(BUILD)

pg-stop: ## | stop it (make clean does too)
	@sh harness/pg.sh stop $(BUILD)

clean: ## | remove {BUILD}/
	@-sh harness/pg.sh stop $(BUILD)
	rm -rf $(BUILD)

help: ## | this list
	@awk -v first=$(firstword $(STEP_NUMBERS)) -v last=$(FINAL_STEP) \
		-v pg=$(PG_STEP) \
		-v catalog=$(CATALOG) -v demo=$(DEMO) -v build=$(BUILD) \
		-f harness/help.awk $(firstword $(MAKEFILE_LIST))

# Step 18's files need libpq's header: linted when it is installed.
LINT_SRCS = $(filter-out $(if $(PG_AVAILABLE),,solutions/$(PG_DIR)/%),\
	$(wildcard solutions/*/*.c harness/*.c tests/*.c tests/fuzz/*.c))
# Every C file of the tree, for clang-format (the tree's .clang-format).
FORMAT_SRCS = $(wildcard exercises/*/*.[ch] solutions/*/*.[ch] harness/*.[ch] \
	tests/*.c tests/fuzz/*.c tests/fixtures/seed/*.c)

# ---- editors ---------------------------------------------------------------
# compile_commands.json tells clangd-based editors how each file is built
# (the include paths and flags of the learner's build), so every header
# resolves without set-up. It is written again when the flags change or a
# source folder gains or loses a file. Only the default build writes it
# (CDB, set at the top): `make progress` builds under build/asan/ with
# other flags. Learner files get the learner's flags as make builds them
# when STEP is not given (-Wno-switch: the editor shows no missing case of
# the corrections step's event before that step).
CDB_SRCS = $(sort $(wildcard exercises/*/*.c solutions/*/*.c harness/*.c \
	tests/*.c tests/fuzz/*.c))
CDB_LEARNER_FLAGS = $(LEARNER_WARN)$(if $(CORR_DIR), -Wno-switch)
compile_commands.json: $(FLAGS_STAMP) Makefile $(wildcard exercises/*/ \
		solutions/*/ harness/ tests/)
	@{ sep='['; for f in $(CDB_SRCS); do \
		case " $(LEARNER_SRCS) " in \
		*" $$f "*) extra='$(CDB_LEARNER_FLAGS) ' ;; *) extra= ;; esac; \
		case $$f in */$(PG_DIR)/*) extra="$$extra"'$(PG_CPPFLAGS) ' ;; esac; \
		printf '%s\n  {"directory": "%s", "file": "%s",\n   "command": "%s"}' \
			"$$sep" '$(CURDIR)' "$$f" \
			'$(CC) $(ES_CPPFLAGS) $(CPPFLAGS) $(ES_CFLAGS) $(CFLAGS) '"$$extra"'-c '"$$f"; \
		sep=','; \
	done; printf '\n]\n'; } >$@.tmp && mv $@.tmp $@

# ---- sanitizers and fuzzing ------------------------------------------------
# `make sanitize` builds every step suite (on the reference, as make test
# runs them), the catalog suite and catalog itself with AddressSanitizer
# and UndefinedBehaviorSanitizer in a build directory of their own (ASan
# and valgrind do not mix), then tests/sanitize.sh runs them: a report of
# either, from a suite or from a catalog it runs, fails it. The build's
# lines go into a log, shown when the build fails: what it prints is one
# line per suite.
.PHONY: sanitize sanitize-bins fuzz fuzz-bins

SANITIZE_BUILD := $(BUILD)/sanitize
SANITIZE_FLAGS := -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer
# The sub-make's BUILD is $(SANITIZE_BUILD): these are its own programs.
sanitize_bins = $(patsubst $(BUILD)/%,$(SANITIZE_BUILD)/%,$(1))

sanitize: ## | every suite under ASan and UBSan, in {BUILD}/sanitize
	@mkdir -p $(SANITIZE_BUILD)
	@echo "building every suite with ASan and UBSan in $(SANITIZE_BUILD)/"
	@$(MAKE) --no-print-directory -j$(JOBS) -O sanitize-bins \
		BUILD=$(SANITIZE_BUILD) \
		CFLAGS="$(CFLAGS) $(SANITIZE_FLAGS)" \
		LDFLAGS="$(LDFLAGS) $(SANITIZE_FLAGS)" \
		>$(SANITIZE_BUILD)/build.log 2>&1 || \
		{ cat $(SANITIZE_BUILD)/build.log; exit 1; }
	@# A PostgreSQL server this starts, it stops again (as make test).
	@stop=; $(if $(PG_AVAILABLE),sh $(PG_SH) status $(PG_BUILD) \
		>/dev/null 2>&1 || stop=yes;) \
	{ $(if $(PG_AVAILABLE),$(PG_ENV)) BUILD=$(SANITIZE_BUILD) \
		CATALOG=$(call sanitize_bins,$(CATALOG)) \
		sh tests/sanitize.sh $(call sanitize_bins,$(SUITE_BINS) \
		$(CATALOG_TEST)); }; rc=$$?; \
	[ -z "$$stop" ] || sh $(PG_SH) stop $(PG_BUILD) >/dev/null; exit $$rc

sanitize-bins: $(SUITE_BINS) $(CATALOG) $(CATALOG_TEST)

# `make fuzz` builds one libFuzzer program per tests/fuzz/NAME.c with
# clang, the reference linked in, under $(FUZZ_BUILD); each runs for
# FUZZ_SECONDS on its seeds in tests/fuzz/NAME/ (what it finds new goes
# into $(FUZZ_BUILD)/corpus/NAME/, the seeds stay as they are), and
# tests/fuzz/run.sh prints one line each: runs and findings. Only this
# target needs clang's fuzzing runtime: harness/deps-fuzz.sh installs it.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_BINS := $(addprefix $(BUILD)/bin/fuzz-,$(FUZZ_TARGETS))
$(foreach t,$(FUZZ_TARGETS),$(eval \
	$(BUILD)/bin/fuzz-$(t): $(SOLUTION_LIB) $(call obj,tests/fuzz/$(t).c)))

fuzz: ## | fuzz the four decoders with libFuzzer (clang), a minute each
##   FUZZ_SECONDS=N | ... N seconds each
	@sh harness/deps-fuzz.sh $(FUZZ_CC)
	@mkdir -p $(FUZZ_BUILD)
	@echo "building the fuzz targets with $(FUZZ_CC) in $(FUZZ_BUILD)/"
	@$(MAKE) --no-print-directory fuzz-bins BUILD=$(FUZZ_BUILD) \
		CC=$(FUZZ_CC) \
		CFLAGS="$(CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_FLAGS)" \
		LDFLAGS="$(LDFLAGS) -fsanitize=fuzzer $(FUZZ_FLAGS)" \
		>$(FUZZ_BUILD)/build.log 2>&1 || \
		{ cat $(FUZZ_BUILD)/build.log; exit 1; }
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

fuzz-bins: $(FUZZ_BINS)

# ---- linking ---------------------------------------------------------------
# One recipe links every program; the rules above list what goes into
# each. The programs a learner runs link the two libraries they use; the
# suites and the golden and replay tools link CUnit too.
APP_PROGRAMS := $(CATALOG) $(DEMO) $(BENCH) $(FUZZ_BINS)
PROGRAMS := $(sort $(APP_PROGRAMS) $(CATALOG_TEST) $(MAKE_GOLDEN) \
	$(MAKE_GOLDEN_SHIPPED) $(REPLAY_BIN) $(SUITE_BINS) $(CHECK_BIN))
$(PROGRAMS):
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) $^ \
		$(if $(filter $(APP_PROGRAMS),$@),$(LIBS_APP),$(LIBS_TEST)) \
		$(if $(filter %/$(PG_DIR)/run-tests $(PG_PROGRAMS),$@),\
			$(PG_WRAP) $(PG_LIBS)) -o $@

FORCE:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
