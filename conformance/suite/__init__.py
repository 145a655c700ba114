"""tmtmock's conformance suite: drives client adapters through scenarios against the mock
and grades what they did (docs/conformance.md)."""
