"""Unit tests of the training core (a package so its module names never clash with tests/cli
or tests/app)."""
