#!/bin/sh
# Creates random passwords in the shared secrets volume on first start; keeps them afterwards.
# Nothing here is printed, put on a command line or stored in the repository.
set -eu
umask 077
dir=${SECRETS_DIR:-/secrets}  # SECRETS_DIR: for the packaging test
new_password() { head -c 24 /dev/urandom | base64 | tr -d '/+=\n'; }
for name in mysql_root_password replication_password ghostcut_password; do
  [ -s "$dir/$name" ] || new_password > "$dir/$name"
done
# The MySQL images run as uid 999 (mysql); ghostcut's image as uid 10001.
chown 999:999 "$dir/mysql_root_password" "$dir/replication_password" "$dir/ghostcut_password"
chmod 0400 "$dir/mysql_root_password" "$dir/replication_password" "$dir/ghostcut_password"
# A [client] option file for ghostcut (--defaults-file): the password never appears in ps.
if [ ! -s "$dir/ghostcut.cnf" ]; then
  printf '[client]\nuser=ghostcut\npassword=%s\n' "$(cat "$dir/ghostcut_password")" > "$dir/ghostcut.cnf"
fi
chown 10001:10001 "$dir/ghostcut.cnf"
chmod 0400 "$dir/ghostcut.cnf"
