/*
 * group_commit.c - many commands, one commit (see group_commit.h). Given
 * code, a store file: it shares event_store_private.h for the savepoints.
 *
 * A command without an envelope is decided here as es_handle_in() decides
 * it (load, decide, append), with one difference: the load. Step 5 loads
 * every event of the product, each time; a group keeps what it loaded.
 */
#include "group_commit.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "aggregate.h"
#include "decide.h"
#include "es_sql.h"
#include "event_store_private.h"
#include "idempotency.h"

/* Slots of the table of kept products: twice as many as it may hold. */
#define KEPT_SLOTS (2 * ES_GROUP_KEPT)

/* A product a handle loaded: its state up to event last_event_id. */
struct kept_product {
	int64_t id; /* 0: a free slot */
	int64_t last_event_id;
	struct es_product state;
};

/*
 * The statements a group runs for each command, prepared on its store
 * the first time: parsing SQL for every command would cost more than
 * running it.
 */
enum group_stmt {
	GROUP_SAVEPOINT,
	GROUP_ROLLBACK_TO,
	GROUP_RELEASE,
	GROUP_LAST_ID, /* the last event id of a product */
	GROUP_STMT_COUNT
};

static const char *const group_sql[GROUP_STMT_COUNT] = {
	[GROUP_SAVEPOINT] = "SAVEPOINT es_command",
	[GROUP_ROLLBACK_TO] = "ROLLBACK TO es_command",
	[GROUP_RELEASE] = "RELEASE es_command",
	[GROUP_LAST_ID] = "SELECT max(id) FROM events WHERE product_id = ?",
};

struct es_group_kept {
	struct kept_product slot[KEPT_SLOTS]; /* open addressing, by id */
	int count;
	sqlite3_stmt *stmt[GROUP_STMT_COUNT];
};

/* Forget every product kept (the statements stay). */
static void drop_kept(struct es_group_kept *kept)
{
	if (kept == NULL)
		return;
	for (int i = 0; i < KEPT_SLOTS; i++) {
		if (kept->slot[i].id != 0)
			es_product_dispose(&kept->slot[i].state);
		kept->slot[i].id = 0;
	}
	kept->count = 0;
}

/*
 * The slot of product `id`: its own, or the free one where it goes (id 0
 * then). A full table is emptied first.
 */
static struct kept_product *find_kept(struct es_group_kept *kept, int64_t id)
{
	size_t i = (size_t)id % KEPT_SLOTS;

	if (kept->count >= ES_GROUP_KEPT)
		drop_kept(kept);
	while (kept->slot[i].id != 0 && kept->slot[i].id != id)
		i = (i + 1) % KEPT_SLOTS;
	return &kept->slot[i];
}

/*
 * What the group keeps, allocated the first time it is asked for; NULL,
 * with `err` set, when memory ran out.
 */
static struct es_group_kept *kept_of(struct es_group *group,
				     struct es_error *err)
{
	if (group->kept == NULL)
		group->kept = calloc(1, sizeof(*group->kept));
	if (group->kept == NULL)
		es_error_set(err, ES_ENOMEM, "out of memory");
	return group->kept;
}

/*
 * The group's statement `which`, prepared on its store if it is not yet,
 * into `*out`.
 */
static int group_stmt(sqlite3_stmt **out, struct es_group *group,
		      enum group_stmt which, struct es_error *err)
{
	struct es_group_kept *kept = kept_of(group, err);
	int rc;

	*out = NULL;
	if (kept == NULL)
		return ES_ENOMEM;
	rc = es_store_prepare_once(&kept->stmt[which], group->handler.store,
				   group_sql[which], err);
	*out = kept->stmt[which];
	return rc;
}

/* Run `which`, a statement with no result, such as RELEASE es_command. */
static int run(struct es_group *group, enum group_stmt which,
	       struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc = group_stmt(&stmt, group, which, err);

	return rc == ES_OK ? es_sql_run(stmt, err) : rc;
}

/* The id of product `id`'s last row in the log (0: none), into `*out`. */
static int last_event_id(int64_t *out, struct es_group *group, int64_t id,
			 struct es_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc = group_stmt(&stmt, group, GROUP_LAST_ID, err);
	int step;

	*out = 0;
	if (rc != ES_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	step = sqlite3_step(stmt);
	if (step == SQLITE_ROW)
		*out = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (step == SQLITE_ROW)
		return ES_OK;
	return es_store_db_error(group->handler.store, err);
}

/*
 * Bring `p`, a product kept, up to the log: apply the events after the
 * last one it holds.
 */
static int catch_up_kept(struct kept_product *p, struct es_store *store,
			 struct es_error *err)
{
	struct es_event_list events;
	int rc;

	rc = es_store_load_range(&events, store, p->id, p->last_event_id, NULL,
				 err);
	for (size_t i = 0; rc == ES_OK && i < events.count; i++) {
		rc = es_product_apply(&p->state, &events.items[i], err);
		p->last_event_id = events.items[i].id;
	}
	es_event_list_dispose(&events);
	return rc;
}

/*
 * Set `*state` to product `id` as the log holds it now, in the open
 * group: kept, and brought up to the log; or, the first time, loaded
 * from its nearest snapshot (or from its first event).
 */
static int load(const struct es_product **state, struct es_group *group,
		int64_t id, struct es_error *err)
{
	struct es_group_kept *kept = kept_of(group, err);
	struct kept_product *p;
	int rc = ES_OK;

	if (kept == NULL)
		return ES_ENOMEM;
	p = find_kept(kept, id);
	if (p->id == 0) {
		p->id = id;
		p->last_event_id = 0;
		kept->count++;
		es_product_init(&p->state);
		if (group->snaps != NULL) {
			es_product_dispose(&p->state);
			rc = es_snapshots_load(&p->state, NULL, group->snaps,
					       id, err);
			if (rc == ES_OK)
				rc = last_event_id(&p->last_event_id, group, id,
						   err);
		}
	}
	if (rc == ES_OK)
		rc = catch_up_kept(p, group->handler.store, err);
	if (rc != ES_OK) {
		drop_kept(kept); /* this one is half loaded */
		return rc;
	}
	*state = &p->state;
	return ES_OK;
}

/* Decide on `state` and append, as es_handle_in() does after its load. */
static int decide_and_append(struct es_event *out, struct es_group *group,
			     const struct es_product *state,
			     const struct es_command *cmd, struct es_error *err)
{
	struct es_command_handler *h = &group->handler;
	char now[ES_TIMESTAMP_SIZE];
	struct es_event cited;
	bool found = false;
	int rc;

	rc = es_handler_load_cited(&cited, &found, h->store, cmd, err);
	if (rc == ES_OK) {
		es_time_format(now, h->clock.now(h->clock.ctx));
		rc = es_decide(out, state, found ? &cited : NULL, cmd, now,
			       err);
	}
	if (rc == ES_OK && out->type == ES_PRODUCT_CREATED)
		rc = es_store_new_product_id(h->store, &out->product_id, err);
	if (rc == ES_OK)
		rc = es_store_append(h->store, out, err);
	es_event_dispose(&cited);
	if (rc != ES_OK)
		es_event_dispose(out);
	return rc;
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

bool es_command_has_envelope(const struct es_command *cmd)
{
	return cmd->meta.command_id != NULL || cmd->meta.actor != NULL ||
	       cmd->meta.correlation_id != NULL;
}

/*
 * Inside the command's savepoint: handle it as `catalog apply` does
 * outside a group. A command with an envelope goes through step 16, once
 * per command id, with its metadata. Any other is decided on its
 * product as kept (load()), and its answer is formatted here.
 */
static int handle(char **answer, struct es_event *out, struct es_group *group,
		  const struct es_command *cmd, struct es_error *err)
{
	int64_t id = es_command_state_id(cmd);
	const struct es_product *state;
	struct es_product none;
	struct es_error why;
	int rc = ES_OK;

	if (es_command_has_envelope(cmd))
		return es_handle_once_in(answer, out, &group->handler, cmd,
					 err);
	es_product_init(&none);
	state = &none; /* the decision reads no state */
	if (id != 0)
		rc = load(&state, group, id, &why);
	if (rc == ES_OK)
		rc = decide_and_append(out, group, state, cmd, &why);
	if (rc != ES_OK && !is_refusal(rc)) {
		*err = why;
		return rc;
	}
	return es_answer_format(answer, rc, out, why.msg, err);
}

int es_group_handle(char **answer, struct es_event *out, struct es_group *group,
		    const struct es_command *cmd, struct es_error *err)
{
	int rc;

	assert(answer != NULL && out != NULL && cmd != NULL);
	assert(group != NULL && group->open);
	*answer = NULL;
	memset(out, 0, sizeof(*out));
	rc = run(group, GROUP_SAVEPOINT, err);
	if (rc != ES_OK)
		return rc;
	rc = handle(answer, out, group, cmd, err);
	/* A refusal is kept: its answer may have been stored (step 16). */
	if (rc != ES_OK)
		run(group, GROUP_ROLLBACK_TO, NULL);
	if (run(group, GROUP_RELEASE, rc == ES_OK ? err : NULL) != ES_OK &&
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
	if (rc != ES_OK) {
		es_store_rollback(group->handler.store);
		drop_kept(group->kept);
	}
	group->open = false;
	return rc;
}

void es_group_rollback(struct es_group *group)
{
	assert(group != NULL);
	if (group->open)
		es_store_rollback(group->handler.store);
	group->open = false;
	drop_kept(group->kept);
}

void es_group_dispose(struct es_group *group)
{
	if (group == NULL)
		return;
	es_group_rollback(group);
	if (group->kept != NULL)
		es_sql_finalize_all(group->kept->stmt, GROUP_STMT_COUNT);
	free(group->kept);
	group->kept = NULL;
}

void es_group_save_snapshots(struct es_group *group,
			     struct es_snapshots *writable)
{
	assert(group != NULL && !group->open && writable != NULL);
	if (group->kept == NULL)
		return;
	for (int i = 0; i < KEPT_SLOTS; i++) {
		struct es_product p;
		struct es_error err;

		if (group->kept->slot[i].id == 0)
			continue;
		es_snapshots_load(&p, NULL, writable, group->kept->slot[i].id,
				  &err);
		es_product_dispose(&p);
	}
}
