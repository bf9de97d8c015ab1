"""Qt-free domain, protocol, journal and services. Never imports PySide6 or posapp.ui."""
