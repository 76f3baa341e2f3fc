"""Counting AWS calls at botocore's one call point: boto3's clients and PynamoDB's (which
makes its own botocore sessions per thread) all go through ``BaseClient._make_api_call``."""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager


@contextmanager
def counting_aws_calls():
    """Yield a Counter of operation names, filled while the block runs."""
    from botocore.client import BaseClient
    calls: Counter = Counter()
    original = BaseClient._make_api_call

    def counting(self, operation_name, api_params):
        calls.update([operation_name])
        return original(self, operation_name, api_params)
    BaseClient._make_api_call = counting
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original
