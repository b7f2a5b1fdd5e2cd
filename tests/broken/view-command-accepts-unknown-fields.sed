# A command parser that forgets, for one command, to refuse the fields it
# does not have: RecordProductView takes {"new_stock": 5} without a word.
# Step 4 must catch it.
# file: 04-commands/commands.c
/^static int read_record_view(/,/^}/{
/static const char \*const fields\[\]/d
/if (rc == ES_OK)/d
/es_json_check_fields/d
}
