"""Plain functions over a Session, shared by the API, the CLI and the loaders."""
