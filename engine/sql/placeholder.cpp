namespace ghostcut::engine {}
