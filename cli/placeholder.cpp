namespace ghostcut::cli {}
