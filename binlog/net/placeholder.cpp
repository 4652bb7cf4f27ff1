namespace ghostcut::binlog {}
