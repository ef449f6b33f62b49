/*
 * emission_sql.h - the statement of one emission step, shared by the plugin and the benchmark.
 *
 * Why shared: the benchmark must measure exactly what the segmenter runs. Parameters:
 * $1 campaign id, $2 how many, $3 phone_number_id, $4 template name, $5 template language,
 * $6 rate cap (NULL = none), $7 the job's template header and buttons (a JSON object merged
 * into `template`, {} for none; template_components_job()). Returns recipient_id, phone, job payload (JSON text), ordered.
 * Rows move pending -> queued under FOR UPDATE SKIP LOCKED, so concurrent steps (several
 * instances) never take the same recipient.
 */
#ifndef HERALD_SEGMENTER_EMISSION_SQL_H
#define HERALD_SEGMENTER_EMISSION_SQL_H

extern const char EMISSION_QUEUE_NEXT_SQL[];
/* The same with Meta's messaging limit (messaging_limit.h): $8 how many people not contacted
 * in the last 24 hours it may take; recipients whose phone was are taken whatever $8 says. */
extern const char EMISSION_QUEUE_NEXT_LIMITED_SQL[];

#endif
