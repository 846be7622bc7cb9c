"""The audit trail: an append-only, hash-chained log per commune (and one for
the platform) of every change, read of a file, search, sign-in, refusal,
permission change and cross-commune access."""
