"""Database access in one place: URLs, the Database object, dialect backends, the read-only guard and the executor."""
