"""Sub-commands of the ``posapp`` command line, one module each (see posapp/cli.py)."""
