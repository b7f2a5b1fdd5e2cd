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

STEP ?=
IMPL ?= exercises
PRIOR ?= $(IMPL)
BUILD ?= build

# ---- system packages -------------------------------------------------------
# Before anything is built, harness/deps.sh checks for the packages and
# installs them (root or password-less sudo) or prints the command to type.
NO_DEPS_GOALS := help clean hint diff reset
ifneq ($(filter-out $(NO_DEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
DEPS_STATUS := $(shell sh harness/deps.sh >&2 && echo ok)
ifneq ($(DEPS_STATUS),ok)
$(error system packages are missing: see the message above)
endif
endif

PKGS_APP := sqlite3 libcjson
PKGS_TEST := $(PKGS_APP) cunit
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS_TEST) 2>/dev/null)
LIBS_APP := $(shell pkg-config --libs $(PKGS_APP) 2>/dev/null)
LIBS_TEST := $(shell pkg-config --libs $(PKGS_TEST) 2>/dev/null)

# ---- flags -----------------------------------------------------------------
# Required flags live in ES_*; CFLAGS, CPPFLAGS and LDFLAGS stay yours.
WERROR ?= -Werror
# DWARF 4: valgrind 3.19 cannot read the DWARF 5 that clang writes.
CFLAGS ?= -O2 -g -gdwarf-4
ES_CFLAGS := -std=c11 -Wall -Wextra -Wpedantic $(WERROR)
ES_CPPFLAGS := -D_POSIX_C_SOURCE=200809L \
	$(addprefix -I,$(patsubst %/,%,$(wildcard exercises/*/))) -Iharness \
	$(PKG_CFLAGS)
DEPFLAGS = -MMD -MP

# Rebuild everything when the compiler or the flags change (make CC=clang).
FLAGS_STAMP := $(BUILD)/.flags
FLAGS_NOW := $(CC) $(ES_CFLAGS) $(CFLAGS) $(ES_CPPFLAGS) $(CPPFLAGS)
ifneq ($(filter-out $(NO_DEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
$(shell mkdir -p $(BUILD) && \
	[ "$$(cat $(FLAGS_STAMP) 2>/dev/null)" = '$(FLAGS_NOW)' ] || \
	printf '%s\n' '$(FLAGS_NOW)' > $(FLAGS_STAMP))
endif

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

$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(ES_CPPFLAGS) $(CPPFLAGS) $(ES_CFLAGS) $(CFLAGS) $(DEPFLAGS) \
		-c $< -o $@

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

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
# gap in the numbers, while steps are being split, does not shift them)
steps_before = $(call dirs_before,$(call step_dir,$(1)),$(STEPS))
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
	@mkdir -p $$(@D)
	$$(say) LD $$@
	$$(Q)$$(CC) $$(LDFLAGS) $$^ $$(LIBS_TEST) -o $$@
endef

suite_bin = $(BUILD)/check/$(1)-on-$(2)/$(call step_dir,$(3))/run-tests

SOLUTION_LIB := $(call obj,$(foreach d,$(STEPS),$(call lib_srcs,solutions,$(d))))
CATALOG := $(BUILD)/bin/catalog
DEMO := $(BUILD)/bin/demo
CATALOG_TEST := $(BUILD)/tests/test_catalog

$(CATALOG): $(SOLUTION_LIB) $(call obj,$(wildcard solutions/catalog/*.c))
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS_APP) -o $@

$(DEMO): $(SOLUTION_LIB) $(call obj,exercises/07-main/main.c)
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS_APP) -o $@

# The catalog suite is one binary linked from several files (test_catalog.h).
$(CATALOG_TEST): $(SOLUTION_LIB) $(call obj,$(wildcard tests/test_catalog*.c)) \
		$(HARNESS_OBJS)
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS_TEST) -o $@

BENCH := $(BUILD)/bin/bench

$(BENCH): $(SOLUTION_LIB) $(call obj,tests/bench.c)
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS_APP) -o $@

$(foreach n,$(STEP_NUMBERS),$(eval $(call suite_rule,solutions,solutions,$(n))))

# make_golden writes the golden data (harness/golden.h) with the reference,
# the answers by running $(CATALOG) apply; linked with step 15's shipped
# supplier_view.c instead, the read model that step 15 ships. make test
# writes both again under build/golden/ to compare.
GOLDEN_DIR ?= harness/golden
SHIPPED_READ_MODEL ?= exercises/15-break-fix-replay/read_model.sql
SHIPPED_VIEW := 15-break-fix-replay/supplier_view.c
MAKE_GOLDEN := $(BUILD)/bin/make_golden
MAKE_GOLDEN_SHIPPED := $(BUILD)/bin/make_golden_shipped
GOLDEN_OBJS := $(call obj,harness/make_golden.c harness/golden.c \
	harness/harness.c harness/process.c)

$(MAKE_GOLDEN): $(SOLUTION_LIB) $(GOLDEN_OBJS)
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS_TEST) -o $@

$(MAKE_GOLDEN_SHIPPED): $(filter-out $(call obj,solutions/$(SHIPPED_VIEW)),\
		$(SOLUTION_LIB)) $(call obj,exercises/$(SHIPPED_VIEW)) \
		$(GOLDEN_OBJS)
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS_TEST) -o $@

# ---- observe and replay: the final step's payoff -----------------------------
# The final step is the last folder of exercises/; its read_model.sql is the
# read DB it shipped, built from golden log $(REPLAY_GOLDEN). harness/replay.c
# is linked with IMPL's supplier view on the reference's earlier steps or,
# with VIEW=all, with every step of IMPL (IMPL's own files, the given ones
# from exercises/). observe runs no code of the learner's: it is linked with
# the reference.
FINAL_DIR := $(lastword $(STEPS))
FINAL_STEP := $(lastword $(STEP_NUMBERS))
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
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS_TEST) -o $@

# replay-bin: builds $(REPLAY_BIN) for observe and replay, quietly.
replay-bin: $(REPLAY_BIN)

# STEP is optional; given, it must be the final step.
define replay_step_check
	@[ -z "$(STEP)" ] || [ "$(STEP)" = "$(FINAL_STEP)" ] || \
		{ echo "make $(1) is for the final step: STEP=$(FINAL_STEP)" >&2; exit 2; }
endef

# ---- targets ---------------------------------------------------------------
.PHONY: all demo check test memcheck progress hint diff watch reset bench lint \
	golden help clean observe replay replay-bin

all: $(CATALOG) $(DEMO) ## build build/bin/catalog and build/bin/demo

demo: $(DEMO) $(CATALOG) ## run the seed's scenario on fresh databases in build/demo/
	@rm -rf $(BUILD)/demo && mkdir -p $(BUILD)/demo
	@cd $(BUILD)/demo && ../bin/demo
	@echo
	@echo "The event log and read model are in $(BUILD)/demo/. Explore them:"
	@echo "  $(CATALOG) --events $(BUILD)/demo/event_store.db --read $(BUILD)/demo/read_model.db log"

ifneq ($(STEP),)
ifeq ($(call step_dir,$(STEP)),)
$(error STEP=$(STEP) is not a step; steps are $(STEP_NUMBERS))
endif
ifneq ($(IMPL)-$(PRIOR),solutions-solutions)
$(eval $(call suite_rule,$(IMPL),$(PRIOR),$(STEP)))
endif
CHECK_BIN := $(call suite_bin,$(IMPL),$(PRIOR),$(STEP))
endif

STEP_TMP = $(BUILD)/test-runs/step$(STEP)

check: $(CHECK_BIN) ## run step STEP's suite: make check STEP=N [IMPL=..] [PRIOR=..]
ifeq ($(STEP),)
	@echo "usage: make check STEP=N   (N is one of $(STEP_NUMBERS))" >&2; exit 2
else
	@rm -rf $(STEP_TMP) && mkdir -p $(STEP_TMP)
	@ES_TEST_TMPDIR=$(STEP_TMP) ES_TEST_ONLY="$(TEST)" $(CHECK_BIN)
endif

memcheck: $(CHECK_BIN) ## run step STEP's suite under valgrind [TEST=text]
	@$(KATA) memcheck "$(STEP)" "$(CHECK_BIN)" "$(TEST)"

bench: $(BENCH) ## time the reference: append, load, rebuild, handle (N=100000)
	@$(BENCH) $(N)

KATA = BUILD=$(BUILD) MAKE="$(MAKE)" sh harness/kata.sh

progress: ## every step: topic, tests passing, leaks
	@$(KATA) progress

hint: ## one more hint for step STEP (LEVEL=k for hint k)
	@$(KATA) hint "$(STEP)" "$(LEVEL)"

diff: ## your step STEP against the reference
	@$(KATA) diff "$(STEP)" "$(FN)" "$(FULL)"

watch: ## re-run step STEP's suite whenever you save
	@$(KATA) watch "$(STEP)" "$(IMPL)" "$(PRIOR)"

reset: ## put step STEP's stubs back (your files are kept as .backup)
	@$(KATA) reset "$(STEP)"

observe: ## the final step's supplier view as shipped, beside what the log says
	$(call replay_step_check,observe)
	@$(MAKE) -s --no-print-directory replay-bin IMPL=solutions VIEW=
	@rm -rf $(REPLAY_RUN) && mkdir -p $(REPLAY_RUN)
	@$(BUILD)/replay/solutions-on-solutions/replay observe \
		$(REPLAY_SHIPPED) $(REPLAY_GOLDEN) $(REPLAY_RUN) || [ $$? -eq 1 ]

replay: ## rebuild the final step's view with your projector (VIEW=all: every view)
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

SUITE_BINS := $(foreach n,$(STEP_NUMBERS),$(call suite_bin,solutions,solutions,$(n)))

test: $(SUITE_BINS) $(CATALOG) $(DEMO) $(CATALOG_TEST) ## the kata checks itself (what CI runs)
	@BUILD=$(BUILD) CATALOG=$(CATALOG) CC="$(CC)" MAKE="$(MAKE)" \
		sh tests/run.sh $(SUITE_BINS) $(CATALOG_TEST)

golden: $(MAKE_GOLDEN) $(MAKE_GOLDEN_SHIPPED) $(CATALOG) ## rewrite harness/golden/ and step 15's read model
	@mkdir -p $(GOLDEN_DIR)
	$(MAKE_GOLDEN) $(GOLDEN_DIR) $(CATALOG)
	$(MAKE_GOLDEN_SHIPPED) --read-model $(SHIPPED_READ_MODEL)

LINT_SRCS = $(wildcard solutions/*/*.c harness/*.c tests/*.c)
# Every C file of the tree, for clang-format (the tree's .clang-format).
FORMAT_SRCS = $(wildcard exercises/*/*.[ch] solutions/*/*.[ch] harness/*.[ch] \
	tests/*.c tests/fixtures/seed/*.c)

lint: ## clang-format, cppcheck and clang-tidy on the tree (maintainers)
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
		clang-tidy --quiet $$f -- $(ES_CPPFLAGS) $(ES_CFLAGS) || exit 1; \
	done

help: ## list the targets
	@echo "The two commands:"
	@echo "  make demo            run the seed's scenario (builds the reference)"
	@echo "  make test            the kata checks itself (what CI runs)"
	@echo "Your loop, step N = $(firstword $(STEP_NUMBERS))..$(lastword $(STEP_NUMBERS)):"
	@echo "  make check STEP=N    run step N's tests on your code"
	@echo "      PRIOR=solutions  ... built on the reference's earlier steps"
	@echo "      IMPL=solutions   ... run them on the reference instead"
	@echo "      TEST=text        ... only the tests whose name contains text"
	@echo "  make hint STEP=N     one more hint each time (LEVEL=k: hint k)"
	@echo "  make diff STEP=N     your files against the reference"
	@echo "  make memcheck STEP=N the tests under valgrind: leaks, bad pointers"
	@echo "      TEST=text        ... only the tests whose name contains text"
	@echo "  make watch STEP=N    re-run the tests whenever you save"
	@echo "  make reset STEP=N    put the stubs back (yours kept as .backup)"
	@echo "  make progress        every step at a glance"
	@echo "The last step, $(FINAL_STEP) (break, fix, replay; STEP=N is optional):"
	@echo "  make observe         the shipped view beside what the log says"
	@echo "  make replay          rebuild it with your projector: before, after"
	@echo "      VIEW=all         ... every view, with all your steps"
	@echo "Other:"
	@echo "  make                 build $(CATALOG) and $(DEMO)"
	@echo "  make bench [N=...]   time the reference (events per second)"
	@echo "  make lint            clang-format, cppcheck and clang-tidy"
	@echo "  make golden          rewrite harness/golden/ with the reference"
	@echo "  make clean           remove $(BUILD)/"
	@echo "Add V=1 to any of them to see every compiler command."

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
