"""Use cases. Each takes `session`, `actor` and `now`, and never commits: the caller does."""
