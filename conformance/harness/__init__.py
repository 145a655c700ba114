"""tmtmock's Python harness: the reference signer and the mock process runner.

Standard library only: the harness runs where PyPI cannot be reached.
"""
