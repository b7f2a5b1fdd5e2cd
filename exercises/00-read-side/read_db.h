/*
 * read_db.h - the read database: the view tables that queries read.
 *
 * The read side of CQRS is a set of tables shaped for the questions the
 * application asks. They hold nothing that cannot be rebuilt from the event
 * log; the projector (step 6) writes them, the query handler reads them.
 *
 * The tables keep the column order of the seed's Stage 3, because the
 * projector inserts with positional VALUES (...):
 *
 *   product_detail_view(id INTEGER PRIMARY KEY, name TEXT NOT NULL,
 *                       description TEXT, price REAL NOT NULL,
 *                       stock INTEGER NOT NULL,
 *                       view_count INTEGER NOT NULL DEFAULT 0,
 *                       supplier_name TEXT NOT NULL,
 *                       created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
 *   product_list_view  (id INTEGER PRIMARY KEY, name TEXT NOT NULL,
 *                       price REAL NOT NULL, stock INTEGER NOT NULL,
 *                       supplier_name TEXT NOT NULL)
 *
 * The handle is a plain sqlite3 connection, so you can open the same file
 * with the sqlite3 shell and look at what the projector wrote.
 */
#ifndef ES_READ_DB_H
#define ES_READ_DB_H

#include <sqlite3.h>

#include "es_error.h"

enum es_read_db_mode {
	ES_READ_DB_WRITE, /* create the file and tables when missing */
	ES_READ_DB_QUERY  /* read-only: the file must exist already */
};

/*
 * Open the read database at `path`. In ES_READ_DB_WRITE mode the file and
 * the view tables are created when missing, and the connection uses WAL
 * (journal_mode wal) so queries keep reading the old views while a rebuild
 * runs. In ES_READ_DB_QUERY mode it is es_sql_open_readonly() (es_sql.h):
 * the views can be read on a read-only medium or in a directory nobody may
 * write. On success `*out` is set; close it with es_read_db_close().
 * Returns ES_OK, or ES_EDB with the path and SQLite's message,
 * "<path>: <SQLite's message>", cut at ES_ERROR_MSG_SIZE: for a missing
 * file in query mode "<path>: unable to open database file", for a file
 * that is not a database "<path>: file is not a database" (a read-only
 * file in write mode fails too).
 */
int es_read_db_open(sqlite3 **out, const char *path, enum es_read_db_mode mode,
		    struct es_error *err);

/* Close a read database; NULL is ignored. */
void es_read_db_close(sqlite3 *db);

#endif /* ES_READ_DB_H */
