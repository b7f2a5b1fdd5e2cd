/*
 * test_step0.h - the suites of step 0 besides the read side's own, each in
 * a test file of its own; test_read_side.c lists them in es_suites[].
 */
#ifndef ES_TEST_STEP0_H
#define ES_TEST_STEP0_H

#include <CUnit/CUnit.h>

/* test_json_text.c: the checked getters of json_text.h. */
extern CU_TestInfo es_json_text_tests[];
void es_json_text_setup(void);
void es_json_text_teardown(void);

/*
 * test_event_json.c: the JSON the event log stores: json_text.h's writers,
 * es_event_to_json() and es_event_from_json().
 */
extern CU_TestInfo es_event_json_tests[];
void es_event_json_setup(void);
void es_event_json_teardown(void);

/* test_es_time.c: the clock, es_time_format() and es_time_parse(). */
extern CU_TestInfo es_time_tests[];

#endif /* ES_TEST_STEP0_H */
