/*
 * group_commit.c - many commands, one commit (see group_commit.h). Given
 * code, a store file: it shares event_store_private.h for the savepoints.
 */
#include "group_commit.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "event_store_private.h"
#include "idempotency.h"

/* Run one statement with no result, such as "RELEASE es_command". */
static int exec(struct es_store *store, const char *sql, struct es_error *err)
{
	if (sqlite3_exec(store->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return es_store_db_error(store, err);
	return ES_OK;
}

int es_group_begin(struct es_group *group, struct es_error *err)
{
	int rc;

	assert(group != NULL && !group->open);
	rc = es_store_begin(group->handler.store, err);
	group->open = rc == ES_OK;
	group->handled = 0;
	return rc;
}

/* A rule refused the command: an answer, not a failure. */
static bool is_refusal(int rc)
{
	return rc == ES_EINVAL || rc == ES_ENOTFOUND;
}

/* True when the command came with a command id, an actor or both. */
static bool has_envelope(const struct es_command *cmd)
{
	return cmd->meta.command_id != NULL || cmd->meta.actor != NULL ||
	       cmd->meta.correlation_id != NULL;
}

/*
 * Inside the command's savepoint: handle it as `catalog apply` does
 * outside a group. A command with an envelope goes through step 16, once
 * per command id, with its metadata. Any other goes through the group's
 * step-13 handler when it reads a product's state and there is one (a
 * load from a snapshot), else through step 5; its answer is formatted
 * here.
 */
static int handle(char **answer, struct es_event *out, struct es_group *group,
		  const struct es_command *cmd, struct es_error *err)
{
	struct es_error why;
	int rc;

	if (has_envelope(cmd))
		return es_handle_once_in(answer, out, &group->handler, cmd,
					 err);
	if (group->writer != NULL && es_command_state_id(cmd) != 0)
		rc = es_optimistic_handle(out, group->writer, cmd, &why);
	else
		rc = es_handle_in(out, &group->handler, cmd, &why);
	if (rc != ES_OK && !is_refusal(rc)) {
		*err = why;
		return rc;
	}
	return es_answer_format(answer, rc, out, why.msg, err);
}

int es_group_handle(char **answer, struct es_event *out, struct es_group *group,
		    const struct es_command *cmd, struct es_error *err)
{
	struct es_store *store;
	int rc;

	assert(answer != NULL && out != NULL && cmd != NULL);
	assert(group != NULL && group->open);
	store = group->handler.store;
	*answer = NULL;
	memset(out, 0, sizeof(*out));
	rc = exec(store, "SAVEPOINT es_command", err);
	if (rc != ES_OK)
		return rc;
	rc = handle(answer, out, group, cmd, err);
	/* A refusal is kept: its answer may have been stored (step 16). */
	if (rc != ES_OK)
		exec(store, "ROLLBACK TO es_command", NULL);
	if (exec(store, "RELEASE es_command", rc == ES_OK ? err : NULL) !=
		    ES_OK &&
	    rc == ES_OK)
		rc = ES_EDB;
	if (rc != ES_OK) {
		es_event_dispose(out);
		free(*answer);
		*answer = NULL;
		return rc;
	}
	group->handled++;
	return ES_OK;
}

int es_group_commit(struct es_group *group, struct es_error *err)
{
	int rc;

	assert(group != NULL && group->open);
	rc = es_store_commit(group->handler.store, err);
	if (rc != ES_OK)
		es_store_rollback(group->handler.store);
	group->open = false;
	return rc;
}

void es_group_rollback(struct es_group *group)
{
	assert(group != NULL);
	if (group->open)
		es_store_rollback(group->handler.store);
	group->open = false;
}
