"""In-memory stand-ins for the ports of `permitclock.services` (unit tests; never shipped in the layer).

Each keeps the semantics its DynamoDB, S3, SQS or SES adapter has (write-once records, conditional claims,
version checks); `tests/contract/` runs the same cases against both, so a fake cannot drift from its adapter.
"""
