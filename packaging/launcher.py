"""Entry script for the PyInstaller bundle: the same ``main`` as ``python -m posapp``.

A separate file (not ``posapp/__main__.py``) so that PyInstaller puts the checkout root, not
the ``posapp/`` folder, on the analysis path.
"""

from posapp.cli import main

raise SystemExit(main())
