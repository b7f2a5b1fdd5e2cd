/*
 * idempotency.h - step 16: a command handled at most once per command id,
 * and who sent each event.
 *
 * A client sends a command and waits for the answer. If the answer never
 * comes (the connection drops, the process is killed after its commit but
 * before it could print), the client cannot know whether the command was
 * done, so it sends it again. Delivery is "at least once". Without help,
 * the retry creates a second product or counts a view twice.
 *
 * The help is an id the client makes for each command, sent again with
 * every retry: `command_id`, in the command's envelope (commands.h). The
 * handler stores the answer it gave to each command id, in the same
 * transaction as the command's events, refusals included. A retry finds
 * the answer and gets it again, byte for byte, with nothing appended.
 * At-least-once delivery plus this check gives the effect of exactly once.
 *
 *   {"type":"CreateProduct",...,"command_id":"c-1","actor":"alice"}
 *       -> {"ok":true,"product_id":1}     event 1 appended, answer stored
 *   the same line again (or in a later run, or after a crash)
 *       -> {"ok":true,"product_id":1}     nothing appended
 *   {"type":"UpdateStock",...,"command_id":"c-1"}
 *       -> {"ok":false,"error":"command_id 'c-1' was already used for
 *           another command"}             nothing appended, nothing stored
 *
 * Each event the handler appends also gets its metadata (events.h, struct
 * es_meta: command id, actor, correlation id) in the table event_metadata,
 * in the same transaction (event_store.h).
 *
 * You write this module (idempotency.c) and the store's file for the two
 * tables (event_store_commands.c, declared in event_store.h), and step 4's
 * parser reads the envelope (commands.h). docs/16-idempotency.md explains.
 */
#ifndef ES_IDEMPOTENCY_H
#define ES_IDEMPOTENCY_H

#include "command_handler.h"
#include "commands.h"
#include "es_error.h"
#include "events.h"

/*
 * The answer line for the outcome of one command, as `catalog apply`
 * prints it, into `*out` (NUL-terminated, no newline; the caller frees it
 * with free()):
 *
 *   {"ok":true,"product_id":N}   rc ES_OK and `ev` a ProductCreated
 *   {"ok":true}                  rc ES_OK, any other event
 *   {"ok":false,"error":"..."}   any other rc; the error is `message`
 *
 * made with cJSON_PrintUnformatted(), so the keys are in that order and
 * the message is escaped as JSON. Returns ES_OK or ES_ENOMEM.
 */
int es_answer_format(char **out, int rc, const struct es_event *ev,
		     const char *message, struct es_error *err);

/*
 * Handle `cmd` once per command id. All of it is one transaction
 * (es_store_begin ... es_store_commit):
 *
 *   1. when cmd->meta.command_id is set, look its answer up
 *      (es_store_find_answer): stored with the same request (cmd->request)
 *      -> that answer, and nothing appended; stored with another request
 *      -> "command_id 'c-1' was already used for another command", with
 *      nothing appended and nothing stored;
 *   2. otherwise es_handle_in(); when it appends an event, save the
 *      command's metadata as the event's (es_store_save_metadata), with
 *      correlation_id as the command has it;
 *   3. when es_handle_in() accepted or refused the command (ES_OK,
 *      ES_EINVAL, ES_ENOTFOUND), format the answer (es_answer_format) and,
 *      when the command has a command_id, store it (es_store_save_answer);
 *   4. commit.
 *
 * Returns ES_OK with `*answer` set (the caller frees it) and `*out` the
 * event appended, or zeroed (its type 0) when none was: a refusal, or a
 * retry. The caller disposes `*out`. Any other failure (ES_ENOMEM,
 * ES_EDB, ES_EBUSY, ES_ECORRUPT) rolls everything back, stores no answer,
 * and is returned with `*answer` NULL and `*out` zeroed: a retry will
 * try the command again.
 */
int es_handle_once(char **answer, struct es_event *out,
		   struct es_command_handler *handler,
		   const struct es_command *cmd, struct es_error *err);

/*
 * es_handle_once() without the transaction: steps 1 to 3 above, inside a
 * write transaction the caller has open (es_store_begin), as es_handle_in()
 * is es_handle() without it. The caller commits, or rolls back; on any
 * failure but a refusal, nothing may be kept of what it wrote, so the
 * caller rolls back (the transaction, or a savepoint: group_commit.h).
 * Returns as es_handle_once(), with `*answer` NULL and `*out` zeroed on a
 * failure.
 */
int es_handle_once_in(char **answer, struct es_event *out,
		      struct es_command_handler *handler,
		      const struct es_command *cmd, struct es_error *err);

#endif /* ES_IDEMPOTENCY_H */
