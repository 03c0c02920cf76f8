"""Local stand-ins of external services, used by the tests."""
