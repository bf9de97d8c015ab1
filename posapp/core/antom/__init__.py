"""The Antom wire protocol: signing, messages and a signed HTTP client. Usable on its own."""
