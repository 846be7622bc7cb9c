"""Background jobs through a transactional outbox, relayed to RQ after commit.

A job is a row written in the same transaction as the change that asks for
it, so a change and its follow-up work commit or vanish together. After the
commit the row is handed to Redis (or, with no Redis, run in-process); if
Redis is down the row waits and a sweep hands it over later.
"""
