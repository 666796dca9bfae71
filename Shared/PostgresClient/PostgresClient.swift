/// PostgreSQL over libpq: connections, pool, parameterised queries, transactions, COPY, migrations.
package enum PostgresClient {}
