# Runs once, on the primary's first start (sourced by the mysql image's entrypoint, whose
# docker_process_sql passes the root password through an option file, never on a command line).
# Everything here is written to the binlog with GTIDs, so the replica gets it by replication.
# Not executable on purpose: the entrypoint then sources it (so docker_process_sql exists) and
# its own `set -eo pipefail` stops the start on any failure.

sql_string() { local s; s=$(cat "$1"); s=${s//\\/\\\\}; printf "'%s'" "${s//\'/\\\'}"; }
repl_pw=$(sql_string /secrets/replication_password)
ghostcut_pw=$(sql_string /secrets/ghostcut_password)

docker_process_sql <<SQL
CREATE USER 'repl'@'%' IDENTIFIED BY ${repl_pw};
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';

-- What ghostcut needs (the inspector checks these and names any that are missing):
-- on the migrated database: reading and copying rows, the <t>_gho/_ghc/_del tables, the cut-over
-- lock and rename, and a temporary table to validate the ALTER on;
-- globally: reading the binlog as a replica, binlog and replica status, the process list.
CREATE USER 'ghostcut'@'%' IDENTIFIED BY ${ghostcut_pw};
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, LOCK TABLES, TRIGGER,
      CREATE TEMPORARY TABLES ON shop.* TO 'ghostcut'@'%';
GRANT REPLICATION SLAVE, REPLICATION CLIENT, PROCESS ON *.* TO 'ghostcut'@'%';
SQL

docker_process_sql < /docker-entrypoint-initdb.d/20-sample.sql.in
