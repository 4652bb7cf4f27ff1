# Runs once, on the replica's first start: replicate from the primary by GTID auto-position,
# then go read-only. The primary is healthy before this starts (compose depends_on), and its
# users and sample database arrive through replication.
# Not executable on purpose: the entrypoint then sources it (so docker_process_sql exists) and
# its own `set -eo pipefail` stops the start on any failure.

sql_string() { local s; s=$(cat "$1"); s=${s//\\/\\\\}; printf "'%s'" "${s//\'/\\\'}"; }
repl_pw=$(sql_string /secrets/replication_password)

# SOURCE_SSL: caching_sha2_password needs TLS (or the server's RSA key) for a remote login;
# both MySQL servers make their own certificates on first start.
docker_process_sql <<SQL
CHANGE REPLICATION SOURCE TO
  SOURCE_HOST = 'mysql-primary', SOURCE_PORT = 3306,
  SOURCE_USER = 'repl', SOURCE_PASSWORD = ${repl_pw},
  SOURCE_AUTO_POSITION = 1, SOURCE_SSL = 1, SOURCE_CONNECT_RETRY = 5;
START REPLICA;
SET PERSIST super_read_only = ON;
SQL
