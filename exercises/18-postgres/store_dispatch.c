/*
 * store_dispatch.c - one header, two stores: which one a call of
 * event_store.h goes to. Given complete.
 *
 * Your SQLite store (steps 2, 8, 13 and 16) was written without a
 * thought of a second backend, and it stays as you wrote it. A program
 * that links this step is linked with GNU ld's --wrap for every function
 * of event_store.h that takes or opens a store (the Makefile's PG_WRAP):
 *
 *   -Wl,--wrap=es_store_append
 *
 * makes every call of es_store_append() in the other object files call
 * __wrap_es_store_append() instead, and makes __real_es_store_append
 * name the original. Each __wrap_ below sends a PostgreSQL store to its
 * es_pg_ function and anything else to the __real_ one, your code.
 * es_event_list_* and es_meta_dispose() take no store: they are not
 * wrapped.
 *
 * --wrap only redirects calls between object files: a call that
 * event_store.c makes to a function defined in event_store.c itself
 * (es_store_load_all calling es_store_load_after) goes straight there.
 * That is safe because such a call only ever carries the store it was
 * given, a SQLite one: a PostgreSQL store never reaches your code. One
 * file outside the store reads a SQLite handle's insides: step 16's
 * group_commit.c (store->db). It must never be given a PostgreSQL
 * store, and is not: `catalog apply --batch`, its one user, refuses one.
 *
 * A codebase that planned for two backends would not do this. It would
 * make the store a table of function pointers, filled by each backend
 * at open, as libgit2's object database is: git_odb_backend is a struct
 * of read, write, exists... pointers, and each backend (loose files,
 * packs, a database) fills one. Here that would mean rewriting every
 * step's store; the linker does the dispatch instead, and your code is
 * the same code that passed steps 2 to 17.
 *
 * A PostgreSQL store is told from a SQLite one by its address: the list
 * below holds every PostgreSQL store open in this process, and a store
 * is compared with them, never read as one, since a SQLite handle is
 * not a struct es_pg_store. The list is not locked: the kata's programs
 * use a store from one thread.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event_store.h"
#include "event_store_pg.h"

/* The PostgreSQL stores open in this process, newest first. */
static struct es_pg_store *live;

/* The PostgreSQL store that `store` is, or NULL for a SQLite one. */
static struct es_pg_store *pg_of(const struct es_store *store)
{
	for (struct es_pg_store *pg = live; pg != NULL; pg = pg->next_live) {
		if ((const void *)pg == (const void *)store)
			return pg;
	}
	return NULL;
}

/*
 * The original functions (your SQLite store), as the linker names them
 * under --wrap, and their replacements below.
 */
int __real_es_store_open(struct es_store **out, const char *path,
			 enum es_store_mode mode, struct es_error *err);
void __real_es_store_close(struct es_store *store);
void __real_es_store_set_busy_timeout(struct es_store *store, int ms);
int __real_es_store_begin(struct es_store *store, struct es_error *err);
int __real_es_store_commit(struct es_store *store, struct es_error *err);
void __real_es_store_rollback(struct es_store *store);
int __real_es_store_new_product_id(struct es_store *store, int64_t *out,
				   struct es_error *err);
int __real_es_store_append(struct es_store *store, struct es_event *ev,
			   struct es_error *err);
int __real_es_store_load(struct es_event_list *out, struct es_store *store,
			 int64_t product_id, struct es_error *err);
int __real_es_store_load_all(struct es_store *store, es_event_fn fn, void *ctx,
			     struct es_error *err);
int __real_es_store_load_after(struct es_store *store, int64_t after_id,
			       es_event_fn fn, void *ctx, struct es_error *err);
int __real_es_store_get(struct es_event *out, struct es_store *store,
			int64_t event_id, struct es_error *err);
int __real_es_store_save_metadata(struct es_store *store, int64_t event_id,
				  const struct es_meta *meta,
				  struct es_error *err);
int __real_es_store_load_metadata(struct es_meta *out, struct es_store *store,
				  int64_t event_id, struct es_error *err);
int __real_es_store_find_answer(char **request, char **answer,
				struct es_store *store, const char *command_id,
				struct es_error *err);
int __real_es_store_save_answer(struct es_store *store, const char *command_id,
				const char *request, const char *answer,
				struct es_error *err);
int __real_es_store_count_after(int64_t *out, struct es_store *store,
				int64_t after_id, struct es_error *err);
int __real_es_store_verify(int64_t *checked, struct es_store *store,
			   int64_t after_id, es_bad_row_fn fn, void *ctx,
			   struct es_error *err);
int __real_es_store_verify_quarantined(struct es_store *store,
				       int64_t product_id, es_bad_row_fn fn,
				       void *ctx, struct es_error *err);
int __real_es_store_quarantine(struct es_store *store, int64_t event_id,
			       const char *reason, const char *at,
			       struct es_error *err);
const char *__real_es_store_path(const struct es_store *store);
int __real_es_store_load_range(struct es_event_list *out,
			       struct es_store *store, int64_t product_id,
			       int64_t after_id, const char *until,
			       struct es_error *err);
int __real_es_store_version(int64_t *out, struct es_store *store,
			    int64_t product_id, struct es_error *err);
int __real_es_store_append_expected(struct es_store *store, struct es_event *ev,
				    int64_t expected_version,
				    struct es_error *err);
void __real_es_store_set_upcaster(struct es_store *store, es_upcast_fn fn,
				  void *ctx);
bool __real_es_store_is_postgres(const struct es_store *store);
int __real_es_store_import(struct es_store *store, const struct es_event *ev,
			   const struct es_meta *meta, struct es_error *err);
int __real_es_store_each_answer(struct es_store *store, es_answer_fn fn,
				void *ctx, struct es_error *err);
int __real_es_store_wait(struct es_store *store, int64_t after_id,
			 int timeout_ms, bool *more, struct es_error *err);

/* What the linker calls instead: declared, for -Wmissing-prototypes. */
int __wrap_es_store_open(struct es_store **out, const char *path,
			 enum es_store_mode mode, struct es_error *err);
void __wrap_es_store_close(struct es_store *store);
void __wrap_es_store_set_busy_timeout(struct es_store *store, int ms);
int __wrap_es_store_begin(struct es_store *store, struct es_error *err);
int __wrap_es_store_commit(struct es_store *store, struct es_error *err);
void __wrap_es_store_rollback(struct es_store *store);
int __wrap_es_store_new_product_id(struct es_store *store, int64_t *out,
				   struct es_error *err);
int __wrap_es_store_append(struct es_store *store, struct es_event *ev,
			   struct es_error *err);
int __wrap_es_store_load(struct es_event_list *out, struct es_store *store,
			 int64_t product_id, struct es_error *err);
int __wrap_es_store_load_all(struct es_store *store, es_event_fn fn, void *ctx,
			     struct es_error *err);
int __wrap_es_store_load_after(struct es_store *store, int64_t after_id,
			       es_event_fn fn, void *ctx, struct es_error *err);
int __wrap_es_store_get(struct es_event *out, struct es_store *store,
			int64_t event_id, struct es_error *err);
int __wrap_es_store_save_metadata(struct es_store *store, int64_t event_id,
				  const struct es_meta *meta,
				  struct es_error *err);
int __wrap_es_store_load_metadata(struct es_meta *out, struct es_store *store,
				  int64_t event_id, struct es_error *err);
int __wrap_es_store_find_answer(char **request, char **answer,
				struct es_store *store, const char *command_id,
				struct es_error *err);
int __wrap_es_store_save_answer(struct es_store *store, const char *command_id,
				const char *request, const char *answer,
				struct es_error *err);
int __wrap_es_store_count_after(int64_t *out, struct es_store *store,
				int64_t after_id, struct es_error *err);
int __wrap_es_store_verify(int64_t *checked, struct es_store *store,
			   int64_t after_id, es_bad_row_fn fn, void *ctx,
			   struct es_error *err);
int __wrap_es_store_verify_quarantined(struct es_store *store,
				       int64_t product_id, es_bad_row_fn fn,
				       void *ctx, struct es_error *err);
int __wrap_es_store_quarantine(struct es_store *store, int64_t event_id,
			       const char *reason, const char *at,
			       struct es_error *err);
const char *__wrap_es_store_path(const struct es_store *store);
int __wrap_es_store_load_range(struct es_event_list *out,
			       struct es_store *store, int64_t product_id,
			       int64_t after_id, const char *until,
			       struct es_error *err);
int __wrap_es_store_version(int64_t *out, struct es_store *store,
			    int64_t product_id, struct es_error *err);
int __wrap_es_store_append_expected(struct es_store *store, struct es_event *ev,
				    int64_t expected_version,
				    struct es_error *err);
void __wrap_es_store_set_upcaster(struct es_store *store, es_upcast_fn fn,
				  void *ctx);
bool __wrap_es_store_is_postgres(const struct es_store *store);
int __wrap_es_store_import(struct es_store *store, const struct es_event *ev,
			   const struct es_meta *meta, struct es_error *err);
int __wrap_es_store_each_answer(struct es_store *store, es_answer_fn fn,
				void *ctx, struct es_error *err);
int __wrap_es_store_wait(struct es_store *store, int64_t after_id,
			 int timeout_ms, bool *more, struct es_error *err);

/* ---- open and close: the list ------------------------------------------- */

int __wrap_es_store_open(struct es_store **out, const char *path,
			 enum es_store_mode mode, struct es_error *err)
{
	struct es_pg_store *pg;
	int rc;

	if (path == NULL || !es_store_path_is_postgres(path))
		return __real_es_store_open(out, path, mode, err);
	rc = es_pg_open(&pg, path, mode, err);
	if (rc != ES_OK)
		return rc;
	pg->next_live = live;
	live = pg;
	/* The caller only ever hands it back to these functions. */
	*out = (struct es_store *)pg;
	return ES_OK;
}

void __wrap_es_store_close(struct es_store *store)
{
	struct es_pg_store *pg = pg_of(store);
	struct es_pg_store **link;

	if (pg == NULL) {
		__real_es_store_close(store);
		return;
	}
	for (link = &live; *link != pg; link = &(*link)->next_live)
		;
	*link = pg->next_live;
	es_pg_close(pg);
}

/* ---- the rest: one line each -------------------------------------------- */

void __wrap_es_store_set_busy_timeout(struct es_store *store, int ms)
{
	struct es_pg_store *pg = pg_of(store);

	if (pg != NULL)
		es_pg_set_busy_timeout(pg, ms);
	else
		__real_es_store_set_busy_timeout(store, ms);
}

int __wrap_es_store_begin(struct es_store *store, struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_begin(pg, err)
			  : __real_es_store_begin(store, err);
}

int __wrap_es_store_commit(struct es_store *store, struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_commit(pg, err)
			  : __real_es_store_commit(store, err);
}

void __wrap_es_store_rollback(struct es_store *store)
{
	struct es_pg_store *pg = pg_of(store);

	if (pg != NULL)
		es_pg_rollback(pg);
	else
		__real_es_store_rollback(store);
}

int __wrap_es_store_new_product_id(struct es_store *store, int64_t *out,
				   struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_new_product_id(pg, out, err)
			  : __real_es_store_new_product_id(store, out, err);
}

int __wrap_es_store_append(struct es_store *store, struct es_event *ev,
			   struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_append(pg, ev, err)
			  : __real_es_store_append(store, ev, err);
}

int __wrap_es_store_load(struct es_event_list *out, struct es_store *store,
			 int64_t product_id, struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_load(out, pg, product_id, err)
			  : __real_es_store_load(out, store, product_id, err);
}

int __wrap_es_store_load_all(struct es_store *store, es_event_fn fn, void *ctx,
			     struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_load_all(pg, fn, ctx, err)
			  : __real_es_store_load_all(store, fn, ctx, err);
}

int __wrap_es_store_load_after(struct es_store *store, int64_t after_id,
			       es_event_fn fn, void *ctx, struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_load_after(pg, after_id, fn, ctx, err)
			  : __real_es_store_load_after(store, after_id, fn, ctx,
						       err);
}

int __wrap_es_store_get(struct es_event *out, struct es_store *store,
			int64_t event_id, struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_get(out, pg, event_id, err)
			  : __real_es_store_get(out, store, event_id, err);
}

int __wrap_es_store_save_metadata(struct es_store *store, int64_t event_id,
				  const struct es_meta *meta,
				  struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_save_metadata(pg, event_id, meta, err)
			  : __real_es_store_save_metadata(store, event_id, meta,
							  err);
}

int __wrap_es_store_load_metadata(struct es_meta *out, struct es_store *store,
				  int64_t event_id, struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_load_metadata(out, pg, event_id, err)
			  : __real_es_store_load_metadata(out, store, event_id,
							  err);
}

int __wrap_es_store_find_answer(char **request, char **answer,
				struct es_store *store, const char *command_id,
				struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL
		       ? es_pg_find_answer(request, answer, pg, command_id, err)
		       : __real_es_store_find_answer(request, answer, store,
						     command_id, err);
}

int __wrap_es_store_save_answer(struct es_store *store, const char *command_id,
				const char *request, const char *answer,
				struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL
		       ? es_pg_save_answer(pg, command_id, request, answer, err)
		       : __real_es_store_save_answer(store, command_id, request,
						     answer, err);
}

int __wrap_es_store_count_after(int64_t *out, struct es_store *store,
				int64_t after_id, struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL
		       ? es_pg_count_after(out, pg, after_id, err)
		       : __real_es_store_count_after(out, store, after_id, err);
}

int __wrap_es_store_verify(int64_t *checked, struct es_store *store,
			   int64_t after_id, es_bad_row_fn fn, void *ctx,
			   struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_verify(checked, pg, after_id, fn, ctx, err)
			  : __real_es_store_verify(checked, store, after_id, fn,
						   ctx, err);
}

int __wrap_es_store_verify_quarantined(struct es_store *store,
				       int64_t product_id, es_bad_row_fn fn,
				       void *ctx, struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL
		       ? es_pg_verify_quarantined(pg, product_id, fn, ctx, err)
		       : __real_es_store_verify_quarantined(store, product_id,
							    fn, ctx, err);
}

int __wrap_es_store_quarantine(struct es_store *store, int64_t event_id,
			       const char *reason, const char *at,
			       struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_quarantine(pg, event_id, reason, at, err)
			  : __real_es_store_quarantine(store, event_id, reason,
						       at, err);
}

const char *__wrap_es_store_path(const struct es_store *store)
{
	const struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_path(pg) : __real_es_store_path(store);
}

int __wrap_es_store_load_range(struct es_event_list *out,
			       struct es_store *store, int64_t product_id,
			       int64_t after_id, const char *until,
			       struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_load_range(out, pg, product_id, after_id,
					     until, err)
			  : __real_es_store_load_range(out, store, product_id,
						       after_id, until, err);
}

int __wrap_es_store_version(int64_t *out, struct es_store *store,
			    int64_t product_id, struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL
		       ? es_pg_version(out, pg, product_id, err)
		       : __real_es_store_version(out, store, product_id, err);
}

int __wrap_es_store_append_expected(struct es_store *store, struct es_event *ev,
				    int64_t expected_version,
				    struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_append_expected(pg, ev, expected_version, err)
			  : __real_es_store_append_expected(
				    store, ev, expected_version, err);
}

void __wrap_es_store_set_upcaster(struct es_store *store, es_upcast_fn fn,
				  void *ctx)
{
	struct es_pg_store *pg = pg_of(store);

	if (pg != NULL)
		es_pg_set_upcaster(pg, fn, ctx);
	else
		__real_es_store_set_upcaster(store, fn, ctx);
}

bool __wrap_es_store_is_postgres(const struct es_store *store)
{
	return pg_of(store) != NULL || __real_es_store_is_postgres(store);
}

int __wrap_es_store_import(struct es_store *store, const struct es_event *ev,
			   const struct es_meta *meta, struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_import(pg, ev, meta, err)
			  : __real_es_store_import(store, ev, meta, err);
}

int __wrap_es_store_each_answer(struct es_store *store, es_answer_fn fn,
				void *ctx, struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_each_answer(pg, fn, ctx, err)
			  : __real_es_store_each_answer(store, fn, ctx, err);
}

int __wrap_es_store_wait(struct es_store *store, int64_t after_id,
			 int timeout_ms, bool *more, struct es_error *err)
{
	struct es_pg_store *pg = pg_of(store);

	return pg != NULL ? es_pg_wait(pg, after_id, timeout_ms, more, err)
			  : __real_es_store_wait(store, after_id, timeout_ms,
						 more, err);
}
