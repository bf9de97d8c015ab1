"""The embedded Antom sandbox: a protocol-faithful simulator for training mode and tests."""
