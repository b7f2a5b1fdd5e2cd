/*
 * group_commit.h - many commands, one commit (given code: you do not
 * write it; `catalog apply --batch N` runs on it).
 *
 * A durable command waits for one flush to disk: the log's commit. That
 * flush, not the code, is most of what a command costs. A client that
 * sends many commands at once can share it: open one write transaction,
 * handle up to N commands in it, then commit them all with one flush.
 * This is group commit.
 *
 *   es_group_begin(&group, &err);             BEGIN IMMEDIATE
 *   for each command:
 *       es_group_handle(&answer, &ev, &group, &cmd, &err);
 *   es_group_commit(&group, &err);            COMMIT: one flush
 *   then catch the views up, then send the answers
 *
 * Each command stays all or nothing: es_group_handle() runs it inside a
 * savepoint of its own (SAVEPOINT es_command), released when it is
 * accepted and rolled back when it is refused or fails, so a refused
 * command leaves nothing in the group, and the others are not touched.
 *
 * Two rules keep a client from being told a lie:
 *   - an answer is sent only after es_group_commit() has returned ES_OK:
 *     until then a crash loses the whole group, and "ok" would be false;
 *   - the views catch up only after the commit, so their checkpoint is
 *     never ahead of the log.
 * When the commit, or a command, fails for the database (ES_EDB, ...),
 * the caller rolls the whole group back (es_group_rollback) and answers
 * every command of it with that failure: nothing of the group was kept.
 *
 * The group holds the log's write lock from its first command to its
 * commit, so no other writer can change a product between its load and
 * its append: a group decides as step 5 does, with es_decide(). Keep
 * groups short in time: other writers wait for them.
 *
 * What a group loads, it keeps, for the next commands and the next
 * groups of the same handle: the product's state and the id of the last
 * event it holds. A later load reads only the product's events after
 * that id, whoever appended them (this group, a command with a command
 * id, another process between two groups), as a load from a snapshot
 * does; so a product is replayed once per handle, not once per command.
 * A product the handle has not seen yet starts from its nearest snapshot
 * when `snaps` is set: snapshots opened with
 * es_snapshots_open_read_only(), since a group must not write one (what
 * it holds is not committed before its end). What was kept is dropped
 * when a group is rolled back: it may hold events that are gone.
 *
 * Commands with an envelope go through es_handle_once_in() (step 16), so
 * a retry in a later group, or in a later run, is answered from what was
 * stored.
 */
#ifndef ES_GROUP_COMMIT_H
#define ES_GROUP_COMMIT_H

#include <stdbool.h>

#include "command_handler.h"
#include "commands.h"
#include "es_error.h"
#include "events.h"
#include "snapshots.h"

/* The most products a handle keeps; past that it drops them all. */
#define ES_GROUP_KEPT 4096

struct es_group_kept; /* group_commit.c */

/*
 * Set `handler` and `snaps` (or leave it NULL: a first load replays the
 * product from its first event), zero the rest; es_group_dispose() frees
 * what the handle keeps.
 */
struct es_group {
	struct es_command_handler handler; /* its store and clock */
	struct es_snapshots *snaps;	   /* borrowed, read-only, or NULL */
	struct es_group_kept *kept;	   /* products, statements */
	int handled;			   /* commands in the open group */
	bool open;			   /* between begin and commit */
};

/*
 * Open a group on handler.store: BEGIN IMMEDIATE, which waits for the
 * write lock as long as the store's busy timeout allows. Returns ES_OK,
 * ES_EBUSY (the lock was not had in time) or ES_EDB.
 */
int es_group_begin(struct es_group *group, struct es_error *err);

/*
 * Handle `cmd` in the open group, all or nothing, and set `*answer` to
 * its answer line (es_answer_format: {"ok":true,...} or
 * {"ok":false,"error":...}; the caller frees it, and sends it only after
 * the commit). `*out` is the event appended, or zeroed when none was (a
 * refusal; a retry of a command id already answered); the caller
 * disposes it. A refusal is ES_OK with a refusal as the answer. Any
 * other failure (ES_ENOMEM, ES_EDB, ES_ECORRUPT) is returned with
 * `*answer` NULL, `*out` zeroed and nothing of the command kept; the
 * caller then rolls the group back.
 */
int es_group_handle(char **answer, struct es_event *out, struct es_group *group,
		    const struct es_command *cmd, struct es_error *err);

/*
 * Commit the group: every command es_group_handle() accepted is then in
 * the log, durable. Returns ES_OK, or ES_EDB after rolling the group back
 * (nothing of it was kept). The group is closed either way.
 */
int es_group_commit(struct es_group *group, struct es_error *err);

/* Roll the open group back; nothing of it is kept. Closes the group. */
void es_group_rollback(struct es_group *group);

/*
 * With no group open: load each product the handle keeps through
 * `writable`, snapshots that may write (es_snapshots_open), so that the
 * products that have many events after their latest snapshot get a new
 * one, as a plain load would take, and the next handle starts from it.
 * A snapshot is a cache: what fails here only makes a later load slower,
 * so nothing is returned.
 */
void es_group_save_snapshots(struct es_group *group,
			     struct es_snapshots *writable);

/*
 * True when `cmd` came with a command id, an actor or a correlation id:
 * then es_handle_once_in() handles it, and records its metadata.
 */
bool es_command_has_envelope(const struct es_command *cmd);

/* Roll back a group still open, and free what the handle keeps. */
void es_group_dispose(struct es_group *group);

#endif /* ES_GROUP_COMMIT_H */
