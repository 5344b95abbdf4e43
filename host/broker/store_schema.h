/* The store's schema and its migrations (store_schema.c). Inside host/broker/ only. */
#ifndef SNPBOOT_HOST_BROKER_STORE_SCHEMA_H
#define SNPBOOT_HOST_BROKER_STORE_SCHEMA_H

#include <stddef.h>

#include "store_db.h"

/*
 * Brings the database to BROKER_SCHEMA_VERSION: the missing migrations, in
 * order, in one transaction holding the schema lock (so replicas starting
 * together migrate once), each recorded in schema_version. Nothing to do on
 * an up-to-date database. A database newer than the code is refused and
 * left untouched. 0, or -1 with err.
 */
int store_schema_migrate(struct broker_store *s, char *err, size_t err_len);

/* The code's schema version: the number of migrations (BROKER_SCHEMA_VERSION). */
int store_schema_latest(void);

/* The highest version recorded (0 for a database without the schema). */
int store_schema_version(struct broker_store *s, int *version, char *err, size_t err_len);

#endif
