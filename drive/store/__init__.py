"""Everything stored: the database engine and migrations, the ORM tables, the blob stores (local, S3),
the start-up sweep, and one module per table family that owns all of its SQL.
"""
