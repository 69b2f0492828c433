"""The shared war room: wire protocol, reference server, sync client, credentials."""
